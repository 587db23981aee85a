"""The README's framework examples, run as written against the real
`sluice serve`: the Flask app (a request served through Flask's test
client) and the Django LOGGING dict (applied with
logging.config.dictConfig, as Django does). Only the host and port are
replaced."""

import logging
import logging.config
import os
import re
import uuid
from typing import Any, Dict

import pytest

from conftest import REPO, free_port
from sluice_logging import SluiceHandler
from test_e2e import INPUTS

README = REPO / "clients" / "python" / "README.md"


def readme_block(section: str) -> str:
    """The first ```python block under the README's ``## section``."""
    text = README.read_text(encoding="utf-8")
    m = re.search(r"^## %s\n(.*?)^```python\n(.*?)^```" % re.escape(section), text, re.S | re.M)
    assert m, "README.md has no python block under ## %s" % section
    return m.group(2)


def with_port(code: str, port: int) -> str:
    assert '"sluice-host"' in code and "5044" in code, code
    return code.replace('"sluice-host"', '"127.0.0.1"').replace("5044", str(port))


def test_readme_flask_example(serve) -> None:
    if os.environ.get("CI") == "true":
        import flask  # noqa: F401  (scripts/pyenv.sh installs it: CI must not skip)
    else:
        pytest.importorskip("flask")
    port = free_port()
    srv = serve(INPUTS["beats"] % port)
    ns: Dict[str, Any] = {"__name__": "readme_flask_" + uuid.uuid4().hex}
    exec(compile(with_port(readme_block("Flask"), port), "README.md (Flask)", "exec"), ns)
    app = ns["app"]
    handlers = [h for h in app.logger.handlers if isinstance(h, SluiceHandler)]
    assert len(handlers) == 1
    try:
        resp = app.test_client().get("/")
        assert resp.status_code == 200 and resp.get_data(as_text=True) == "ok"
        assert handlers[0].flush(20), handlers[0].stats()
    finally:
        for h in handlers:
            app.logger.removeHandler(h)
            h.close()
    (ev,) = srv.wait_events(1, match=lambda e: e.get("message") == "index served")
    assert ev["path"] == "/" and ev["level"] == "INFO" and ev["logger_name"] == app.logger.name
    assert ev["@timestamp"].endswith("Z")


def test_readme_django_logging_dict(serve) -> None:
    port = free_port()
    srv = serve(INPUTS["beats"] % port)
    ns: Dict[str, Any] = {}
    exec(compile(with_port(readme_block("Django"), port), "README.md (Django)", "exec"), ns)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logging.config.dictConfig(ns["LOGGING"])
    try:
        (h,) = [h for h in root.handlers if isinstance(h, SluiceHandler)]
        assert h.transport_name == "beats" and h.port == port
        run = uuid.uuid4().hex
        logging.getLogger("django.request").warning("Not Found: /missing", extra={"run": run, "status_code": 404})
        logging.getLogger("shop.views").debug("below the root level: not sent", extra={"run": run})
        assert h.flush(20), h.stats()
    finally:
        for x in root.handlers[:]:
            root.removeHandler(x)
            if isinstance(x, SluiceHandler):
                x.close()
        for x in saved[0]:
            root.addHandler(x)
        root.setLevel(saved[1])
    (ev,) = srv.wait_events(1, match=lambda e: e.get("run") == run)
    # The ECS formatter of the dict, with its static service.name.
    assert ev["message"] == "Not Found: /missing"
    assert ev["log"]["level"] == "warning" and ev["log"]["logger"] == "django.request"
    assert ev["service"]["name"] == "shop" and ev["status_code"] == 404
    assert "version" in ev["ecs"]
