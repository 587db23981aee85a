"""The README's integration examples, run: structlog's stdlib bridge and asyncio."""

import asyncio
import json
import logging
import time
import uuid
from typing import Any, Dict, List

import pytest

from conftest import free_port
from sluice_logging import SluiceHandler
from test_unit import fake_handler


def test_structlog_bridge() -> None:
    structlog = pytest.importorskip("structlog")
    h, fake, log = fake_handler()
    structlog.configure(
        processors=[structlog.stdlib.render_to_log_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    try:
        structlog.get_logger(log.name).bind(request_id="r1").warning("user logged in", user_id=7)
    finally:
        structlog.reset_defaults()
    assert h.flush(5)
    (doc,) = fake.records()
    assert doc["message"] == "user logged in"
    assert doc["user_id"] == 7 and doc["request_id"] == "r1"
    assert doc["level"] == "WARNING" and doc["logger_name"] == log.name
    h.close()


def test_asyncio_loop_is_not_blocked_by_an_unreachable_server() -> None:
    # 10.255.255.1 never answers: connecting hangs in the sender thread, not in the loop.
    h = SluiceHandler("10.255.255.1", 5044, "beats", timeout=5, flush_timeout=0.2)
    log = logging.getLogger("aio." + uuid.uuid4().hex)
    log.propagate = False
    log.addHandler(h)
    gaps: List[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        for _ in range(20):
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def logger() -> None:
        for i in range(2000):
            log.warning("from a coroutine %d", i)
            if i % 100 == 0:
                await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(ticker(), logger())

    asyncio.run(main())
    h.close()
    assert max(gaps) < 0.5, "the event loop stalled for %.3fs" % max(gaps)
