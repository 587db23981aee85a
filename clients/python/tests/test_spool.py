"""The SQLite spool: order, limits, persistence across handlers."""

import json
import logging
import time
import uuid
from pathlib import Path

from conftest import free_port
from sluice_logging import SluiceHandler
from sluice_logging._spool import Spool


def test_spool_order_delete_and_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    s = Spool(path)
    s.append([b"a", b"bb", b"ccc"])
    rows = s.peek(2, 1 << 20)
    assert [d for _, d in rows] == [b"a", b"bb"]
    s.delete(rows[:1])
    assert len(s) == 2 and s.nbytes == 5
    s.close()
    s2 = Spool(path)
    assert len(s2) == 2 and s2.nbytes == 5
    assert [d for _, d in s2.peek(10, 1 << 20)] == [b"bb", b"ccc"]
    s2.close()


def test_spool_limits_drop_oldest_and_count(tmp_path: Path) -> None:
    s = Spool(str(tmp_path / "s.db"), max_records=3, max_bytes=1000)
    s.append([b"%d" % i for i in range(5)])
    assert [d for _, d in s.peek(10, 1 << 20)] == [b"2", b"3", b"4"] and s.dropped == 2
    s.append([b"x" * 600, b"y" * 600])
    assert [d for _, d in s.peek(10, 1 << 20)] == [b"y" * 600] and s.dropped == 6
    s.close()


def test_spool_max_age(tmp_path: Path) -> None:
    s = Spool(str(tmp_path / "s.db"), max_age=0.05)
    s.append([b"old"])
    deadline = time.monotonic() + 5
    while time.time() - 0.05 <= s._db.execute("SELECT MAX(created) FROM records").fetchone()[0]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    s.append([b"new"])
    assert [d for _, d in s.peek(10, 1 << 20)] == [b"new"] and s.dropped == 1
    s.close()


def test_spooled_records_survive_a_restart_and_arrive_in_order(serve, tmp_path: Path) -> None:
    port = free_port()
    path = str(tmp_path / "spool.db")
    run = uuid.uuid4().hex
    # First "process": the server is down; close() keeps everything in the spool.
    h1 = SluiceHandler("127.0.0.1", port, "beats", spool_path=path, flush_timeout=0.3,
                       backoff_initial=0.05, backoff_max=0.1)
    log = logging.getLogger("spool." + run)
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(h1)
    for i in range(300):
        log.info("spooled %d", i, extra={"run": run, "seq": i})
    h1.close()
    log.removeHandler(h1)
    assert Spool(path).__len__() == 300
    # Second "process": the server is up; old records go first, then new ones.
    srv = serve('beats { host => "127.0.0.1" port => %d }' % port, args=["-w", "1"])  # one worker keeps order
    h2 = SluiceHandler("127.0.0.1", port, "beats", spool_path=path, batch_size=64)
    log.addHandler(h2)
    for i in range(300, 400):
        log.info("new %d", i, extra={"run": run, "seq": i})
    assert h2.flush(20), h2.stats()
    h2.close()
    events = srv.wait_events(400, match=lambda e: e.get("run") == run)
    assert sorted(e["seq"] for e in events) == list(range(400))
    # In order: one connection, one pipeline worker, the file has them as sent.
    seqs = [e["seq"] for e in events]
    assert seqs[:300] == list(range(300))
    assert len(Spool(path)) == 0


def test_spool_with_the_server_stopped_mid_stream(serve, tmp_path: Path) -> None:
    """beats + spool: the server stops in the middle of a stream and comes
    back; every record arrives and the spool ends empty."""
    from conftest import wait_for

    port = free_port()
    srv = serve('beats { host => "127.0.0.1" port => %d }' % port)
    path = str(tmp_path / "spool.db")
    h = SluiceHandler("127.0.0.1", port, "beats", spool_path=path, batch_size=50,
                      backoff_initial=0.05, backoff_max=0.3)
    log = logging.getLogger("spool-mid." + uuid.uuid4().hex)
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(h)
    run = uuid.uuid4().hex
    n = 3000
    for i in range(n // 2):
        log.info("before %d", i, extra={"run": run, "seq": i})
    wait_for(lambda: h.stats()["sent"] >= 200, 30, "records flowing")
    srv.stop()  # SIGTERM: what Sluice acknowledged is drained to the file
    for i in range(n // 2, n):
        log.info("during %d", i, extra={"run": run, "seq": i})
    wait_for(lambda: h.stats()["retries"] >= 1, 10, "the sender to notice")
    assert h.stats()["spooled"] > 0
    srv.start()
    assert h.flush(60), h.stats()
    st = h.stats()
    h.close()
    log.removeHandler(h)
    assert st["dropped"] == 0 and st["failed"] == 0 and st["sent"] == n, st
    assert len(Spool(path)) == 0
    events = srv.wait_events(n, match=lambda e: e.get("run") == run)
    assert set(e["seq"] for e in events) == set(range(n))
