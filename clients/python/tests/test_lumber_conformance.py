"""Protocol conformance of the beats transport against go-lumber's server
(github.com/elastic/go-lumber/server/v2, the Beats protocol library),
independently of Sluice's own beats input. e2e/cmd/lumber-recv wraps that
server and prints what it receives and acknowledges as JSON lines."""

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from conftest import REPO, free_port, wait_for
from sluice_logging import LogstashFormatter, SluiceHandler
from sluice_logging._transports import BeatsTransport
from test_e2e import divide, make_logger


@pytest.fixture(scope="session")
def lumber_recv_bin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Builds ./e2e/cmd/lumber-recv once."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed: cannot build the go-lumber receiver")
    out = tmp_path_factory.mktemp("bin") / "lumber-recv"
    env = dict(os.environ)
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false").strip()
    subprocess.run([go, "build", "-o", str(out), "./e2e/cmd/lumber-recv"], cwd=str(REPO), check=True, env=env)
    return str(out)


class Receiver:
    """A running lumber-recv; ``batches`` and ``acked`` fill as it prints."""

    def __init__(self, binary: str, port: int, *args: str) -> None:
        self.port = port
        self.batches: List[Dict[str, Any]] = []
        self.acked: List[int] = []
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self.proc = subprocess.Popen([binary, "-addr", "127.0.0.1:%d" % port, *args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._listening.wait(30):
            self.stop()
            pytest.fail("lumber-recv did not start")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            msg = json.loads(line)
            with self._lock:
                if "listening" in msg:
                    self._listening.set()
                elif "batch" in msg:
                    self.batches.append(msg)
                elif "acked" in msg:
                    self.acked.append(msg["acked"])

    def events(self, acked_only: bool = False) -> List[Dict[str, Any]]:
        with self._lock:
            acked = set(self.acked)
            return [e for b in self.batches if not acked_only or b["batch"] in acked for e in b["events"]]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def receiver(lumber_recv_bin: str):
    started: List[Receiver] = []

    def start(*args: str, port: Optional[int] = None) -> Receiver:
        r = Receiver(lumber_recv_bin, port if port is not None else free_port(), *args)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop(signal.SIGKILL)


def test_windows_and_acks(receiver) -> None:
    """Records arrive in windows of at most batch_size, each acknowledged by
    go-lumber; the fields (unicode, extras, exceptions) decode as JSON."""
    recv = receiver()
    h = SluiceHandler("127.0.0.1", recv.port, "beats", batch_size=40,
                      formatter=LogstashFormatter(message_type="conf", tags=["lumber"]))
    log = make_logger(h)
    run = uuid.uuid4().hex
    n = 400
    for i in range(n):
        log.info("record %d ✓ 日本", i, extra={"run": run, "seq": i})
    try:
        divide()
    except ZeroDivisionError:
        log.exception("boom", extra={"run": run, "seq": n})
    assert h.flush(20), h.stats()
    st = h.stats()
    h.close()
    # The receiver's lines are read by a thread: wait for them.
    wait_for(lambda: len(recv.events()) >= n + 1, 10, "the receiver's report of every record")
    events = recv.events()
    seqs = sorted(e["seq"] for e in events if e.get("run") == run)
    assert seqs == list(range(n + 1))
    assert all(0 < b["size"] <= 40 for b in recv.batches), [b["size"] for b in recv.batches]
    assert len(recv.batches) >= (n + 1) // 40
    # Every window was acknowledged, and the client counted exactly those.
    wait_for(lambda: len(recv.acked) == len(recv.batches), 10, "every batch acknowledged")
    assert st["sent"] == n + 1 and st["failed"] == 0 and st["retries"] == 0, st
    rec = next(e for e in events if e.get("seq") == 5)
    assert rec["message"] == "record 5 ✓ 日本" and rec["type"] == "conf" and rec["tags"] == ["lumber"]
    err = next(e for e in events if e.get("seq") == n)
    assert err["error_type"] == "ZeroDivisionError" and "return 1 / 0" in err["stack_trace"]


@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_zlib_windows(receiver, level: int) -> None:
    """Windows are zlib-compressed ('C' frames) at the configured level and
    go-lumber inflates them: level 0 is stored (bigger than the JSON), any
    other level much smaller for repetitive log records."""
    recv = receiver()
    t = BeatsTransport("127.0.0.1", recv.port, timeout=5, ack_timeout=10, compression_level=level)
    docs = [json.dumps({"message": "GET /api/v1/orders/%d 200" % i, "level": "INFO", "pad": "x" * 500}).encode()
            for i in range(200)]
    t.send(docs)
    t.close()
    wait_for(lambda: len(recv.batches) == 1, 10, "the window")
    (batch,) = recv.batches
    assert batch["size"] == 200 and [e["message"] for e in batch["events"]][:2] == [
        "GET /api/v1/orders/0 200", "GET /api/v1/orders/1 200"]
    payload = sum(len(d) for d in docs)
    if level == 0:
        assert batch["raw_bytes"] > payload
    else:
        assert batch["raw_bytes"] < payload / 10, (batch["raw_bytes"], payload)


def test_keepalive_acks_extend_the_ack_timeout(receiver) -> None:
    """go-lumber sends empty ACKs while a batch is pending: the client keeps
    waiting past its ack_timeout instead of resending."""
    recv = receiver("-ack-delay", "2s", "-keepalive", "200ms")
    t = BeatsTransport("127.0.0.1", recv.port, timeout=5, ack_timeout=1.0)
    start = time.monotonic()
    t.send([b'{"message":"slow ack"}'] * 3)
    took = time.monotonic() - start
    t.close()
    assert took >= 1.5, "returned after %.2fs, before the ACK" % took
    assert len(recv.batches) == 1, "the window was resent: keep-alives were not honoured"


def test_reconnect_after_receiver_restart_nothing_lost(receiver) -> None:
    """The receiver stops acknowledging, then is killed and restarted on the
    same port: the client resends the unacknowledged windows after it
    reconnects and every record arrives (at least once)."""
    port = free_port()
    first = receiver("-ack-after", "3", port=port)
    h = SluiceHandler("127.0.0.1", port, "beats", batch_size=25, ack_timeout=1.0, backoff_initial=0.05,
                      backoff_max=0.5, flush_timeout=1)
    log = make_logger(h)
    run = uuid.uuid4().hex
    n = 300
    for i in range(n):
        log.warning("record %d", i, extra={"run": run, "seq": i})
    wait_for(lambda: len(first.batches) >= 5, 30, "unacknowledged windows at the first receiver")
    first.stop(signal.SIGKILL)
    second = receiver(port=port)
    assert h.flush(60), h.stats()
    st = h.stats()
    h.close()
    wait_for(lambda: len({e["seq"] for e in first.events(acked_only=True) + second.events()}) >= n, 10,
             "the receivers' report of every record")
    got = [e["seq"] for e in first.events(acked_only=True) + second.events() if e.get("run") == run]
    missing = set(range(n)) - set(got)
    assert not missing, "lost: %s" % sorted(missing)
    assert st["sent"] == n and st["failed"] == 0 and st["retries"] >= 1 and st["connects"] >= 2, st
    # Only windows that were never acknowledged may come twice.
    unacked = {e["seq"] for e in first.events() if e.get("run") == run} - {
        e["seq"] for e in first.events(acked_only=True) if e.get("run") == run}
    dups = {s for s in got if got.count(s) > 1}
    assert dups <= unacked, "duplicated although acknowledged: %s" % sorted(dups - unacked)
