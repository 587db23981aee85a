"""Fixtures: the real `sluice serve` binary, built once per test session,
and helpers to run it with a pipeline and read what it wrote."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
SRC = REPO / "clients" / "python" / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def free_port(kind: str = "tcp") -> int:
    """A port free for both tcp and udp right now."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == "tcp" else socket.SOCK_STREAM)
        try:
            other.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            other.close()
    raise RuntimeError("no free port")


def wait_for(cond: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Polls ``cond`` until true or fails the test at the deadline."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


@pytest.fixture(scope="session")
def sluice_bin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Builds ./cmd/sluice once (or uses $SLUICE_BIN)."""
    if os.environ.get("SLUICE_BIN"):
        return os.environ["SLUICE_BIN"]
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed: cannot build sluice")
    out = tmp_path_factory.mktemp("bin") / "sluice"
    env = dict(os.environ)
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false").strip()
    subprocess.run([go, "build", "-o", str(out), "./cmd/sluice"], cwd=str(REPO), check=True, env=env)
    return str(out)


class Sluice:
    """A running `sluice serve -e CONF` whose output goes to a json_lines file."""

    def __init__(self, binary: str, conf: str, out: Path, args: Optional[List[str]] = None) -> None:
        self.binary, self.conf, self.out, self.args = binary, conf, out, list(args or [])
        self.proc: Optional[subprocess.Popen] = None
        self.stderr_lines: List[str] = []
        self._started = threading.Event()

    def start(self, timeout: float = 30.0) -> "Sluice":
        self._started.clear()
        self.proc = subprocess.Popen([self.binary, "serve", *self.args, "-e", self.conf], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        proc = self.proc

        def read() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                self.stderr_lines.append(line)
                if 'msg="pipeline started"' in line:
                    self._started.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not self._started.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("sluice did not start:\n" + "".join(self.stderr_lines))
        return self

    def stop(self, kill: bool = False) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def events(self) -> List[Dict[str, Any]]:
        if not self.out.exists():
            return []
        out = []
        with open(self.out, encoding="utf-8") as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(json.loads(line))
        return out

    def wait_events(self, n: int, timeout: float = 30.0,
                    match: Optional[Callable[[Dict[str, Any]], bool]] = None) -> List[Dict[str, Any]]:
        """Waits until at least ``n`` (matching) events arrived; returns them all."""
        got: List[Dict[str, Any]] = []

        def enough() -> bool:
            nonlocal got
            got = [e for e in self.events() if match is None or match(e)]
            return len(got) >= n

        wait_for(enough, timeout, "%d events in %s (have %d)" % (n, self.out, len(got)))
        return got


@pytest.fixture
def serve(sluice_bin: str, tmp_path: Path):
    """serve(inputs) starts sluice with the given input section and a file
    output; it is stopped after the test."""
    running: List[Sluice] = []

    def start(inputs: str, start: bool = True, args: Optional[List[str]] = None) -> Sluice:
        out = tmp_path / ("out%d.json" % len(running))
        conf = "input {\n%s\n}\noutput { file { path => %s codec => json_lines } }" % (
            inputs, json.dumps(str(out)))
        s = Sluice(sluice_bin, conf, out, args)
        running.append(s)
        if start:
            s.start()
        return s

    yield start
    for s in running:
        s.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """A CA, a server certificate for 127.0.0.1/localhost and a client
    certificate, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=str(d), check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=sluice-logging test CA",
        # Python 3.13 verifies with X509_STRICT: a proper CA certificate.
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    common = ("keyUsage=critical,digitalSignature,keyEncipherment\n"
              "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  "extendedKeyUsage=serverAuth\n" + common)
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n" + common)
    for name in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=" + name)
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext")
    return {k: str(d / k) for k in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}
