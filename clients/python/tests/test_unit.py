"""Unit tests: formatters, queue and overflow policies, backoff, udp
truncation, the beats wire format, and the handler with a fake transport."""

import json
import logging
import os
import struct
import sys
import threading
import time
import zlib
from typing import Any, Dict, List

import pytest

from conftest import wait_for
from sluice_logging import EcsFormatter, LogstashFormatter, SluiceHandler
from sluice_logging._backoff import Backoff
from sluice_logging._queue import RecordQueue
from sluice_logging._transports import BeatsTransport, TransportError, truncate_document


def record(msg: str = "hello %s", args: Any = ("world",), level: int = logging.INFO, exc: bool = False,
           **extra: Any) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("bad value ✗")
        except ValueError:
            exc_info = sys.exc_info()
    r = logging.getLogger("unit.logger").makeRecord("unit.logger", level, "/app/mod.py", 42, msg, args,
                                                     exc_info, "func", extra or None)
    r.created = 1700000000.123456
    r.msecs = 123.456
    return r


class TestLogstashFormatter:
    def test_version1_fields(self) -> None:
        doc = json.loads(LogstashFormatter(message_type="app", tags=["a"], fields={"env": "prod"},
                                           host="h1").format(record()))
        assert doc["@timestamp"] == "2023-11-14T22:13:20.123Z"
        assert doc["@version"] == "1"
        assert doc["message"] == "hello world"
        assert doc["host"] == "h1" and doc["path"] == "/app/mod.py"
        assert doc["tags"] == ["a"] and doc["type"] == "app"
        assert doc["level"] == "INFO" and doc["logger_name"] == "unit.logger"
        assert doc["line"] == 42 and doc["func_name"] == "func"
        assert doc["env"] == "prod"
        assert "stack_trace" not in doc and "error_type" not in doc

    def test_extras_at_top_level(self) -> None:
        doc = json.loads(LogstashFormatter().format(record(user="ann", n=3, nested={"a": [1]})))
        assert doc["user"] == "ann" and doc["n"] == 3 and doc["nested"] == {"a": [1]}

    def test_exception(self) -> None:
        doc = json.loads(LogstashFormatter().format(record(exc=True)))
        assert doc["error_type"] == "ValueError"
        assert doc["error_message"] == "bad value ✗"
        assert doc["stack_trace"].startswith("Traceback (most recent call last):")
        assert doc["stack_trace"].endswith("ValueError: bad value ✗")

    @pytest.mark.parametrize("value,want", [
        (object, "<class 'object'>"),
        (float("nan"), "nan"),
        ({1: "int key"}, {"1": "int key"}),
        ({(1, 2): "tuple key"}, {"(1, 2)": "tuple key"}),
        (b"bytes", "b'bytes'"),
        ({1, 2} and [1, 2], [1, 2]),
    ])
    def test_unencodable_values_are_stringified(self, value: Any, want: Any) -> None:
        doc = json.loads(LogstashFormatter().format(record(v=value)))
        assert doc["v"] == want

    def test_broken_str_and_cycles_never_raise(self) -> None:
        class Bad:
            def __str__(self) -> str:
                raise RuntimeError("no")

            def __repr__(self) -> str:
                raise RuntimeError("no")

        cyc: List[Any] = []
        cyc.append(cyc)
        doc = json.loads(LogstashFormatter().format(record(bad=Bad(), cyc=cyc, k={1: Bad()})))
        assert doc["bad"].startswith("<unrepresentable")
        assert doc["message"] == "hello world"

    def test_bad_format_arguments(self) -> None:
        doc = json.loads(LogstashFormatter().format(record("%d items", ("x",))))
        assert doc["message"].startswith("%d items (message arguments")


class TestEcsFormatter:
    def test_layout(self) -> None:
        doc = json.loads(EcsFormatter(fields={"service.name": "svc"}, tags=["t"]).format(
            record(exc=True, **{"user.id": 5})))
        assert doc["@timestamp"] == "2023-11-14T22:13:20.123Z"
        assert doc["log"]["level"] == "info" and doc["log"]["logger"] == "unit.logger"
        assert doc["log"]["origin"] == {"file": {"name": "mod.py", "line": 42}, "function": "func"}
        assert doc["ecs"] == {"version": "1.6.0"}
        assert doc["process"]["pid"] == os.getpid() and doc["process"]["thread"]["name"]
        assert doc["error"]["type"] == "ValueError" and doc["error"]["message"] == "bad value ✗"
        assert "Traceback" in doc["error"]["stack_trace"]
        assert doc["service"] == {"name": "svc"} and doc["user"] == {"id": 5}
        assert doc["tags"] == ["t"]

    def test_dotted_like_ecs_logging(self) -> None:
        doc = json.loads(EcsFormatter(dotted=True).format(record()))
        keys = list(doc)
        assert keys[:4] == ["@timestamp", "log.level", "message", "ecs.version"]
        assert doc["log.level"] == "info" and "level" not in doc["log"]


class TestQueue:
    def test_drop_newest(self) -> None:
        q = RecordQueue(max_records=3, overflow="drop_newest")
        assert [q.put(b"%d" % i) for i in range(5)] == [True, True, True, False, False]
        assert q.get_batch(10, 1 << 20, 0) == [b"0", b"1", b"2"] and q.dropped == 2

    def test_drop_oldest(self) -> None:
        q = RecordQueue(max_records=3, overflow="drop_oldest")
        for i in range(5):
            assert q.put(b"%d" % i)
        assert q.get_batch(10, 1 << 20, 0) == [b"2", b"3", b"4"] and q.dropped == 2

    def test_byte_limit(self) -> None:
        q = RecordQueue(max_records=100, max_bytes=10, overflow="drop_oldest")
        assert q.put(b"aaaa") and q.put(b"bbbb")
        assert q.put(b"cccc")  # drops aaaa
        assert q.nbytes == 8 and q.dropped == 1
        assert not q.put(b"x" * 11)  # larger than the whole queue
        assert q.dropped == 2

    def test_block_waits_then_drops(self) -> None:
        q = RecordQueue(max_records=1, overflow="block", block_timeout=0.05)
        q.put(b"a")
        t0 = time.monotonic()
        assert not q.put(b"b")
        assert 0.04 <= time.monotonic() - t0 < 1.0
        assert q.dropped == 1

    def test_block_succeeds_when_space_appears(self) -> None:
        q = RecordQueue(max_records=1, overflow="block", block_timeout=10)
        q.put(b"a")
        threading.Timer(0.05, lambda: q.get_batch(1, 100, 0)).start()
        assert q.put(b"b") and q.dropped == 0

    def test_batches_respect_bytes_and_unget_keeps_order(self) -> None:
        q = RecordQueue()
        for i in range(5):
            q.put(b"x" * 10 + b"%d" % i)
        b1 = q.get_batch(10, 25, 0)
        assert len(b1) == 2
        q.unget(b1)
        assert q.get_batch(10, 1 << 20, 0) == [b"x" * 10 + b"%d" % i for i in range(5)]
        assert q.nbytes == 0

    def test_first_record_even_if_larger_than_batch_bytes(self) -> None:
        q = RecordQueue()
        q.put(b"y" * 100)
        assert q.get_batch(10, 5, 0) == [b"y" * 100]

    def test_bad_policy(self) -> None:
        with pytest.raises(ValueError):
            RecordQueue(overflow="nope")


class TestBackoff:
    def test_grows_caps_and_resets(self) -> None:
        b = Backoff(0.1, 1.0, rand=lambda: 1.0)
        assert [round(b.next(), 3) for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
        b.reset()
        assert b.next() == pytest.approx(0.1)

    def test_jitter_range(self) -> None:
        b = Backoff(1.0, 1.0)
        vals = [b.next() for _ in range(200)]
        assert all(0.5 <= v <= 1.0 for v in vals) and len(set(vals)) > 100


class TestTruncation:
    def test_fits_and_is_marked(self) -> None:
        doc = json.dumps({"message": "m" * 5000, "stack_trace": "s" * 3000, "level": "INFO"}).encode()
        out = truncate_document(doc, 1000)
        assert len(out) <= 1000
        d = json.loads(out)
        assert d["sluice_logging_truncated"] == len(doc) and d["level"] == "INFO"
        assert d["message"].endswith("[truncated]")

    def test_multibyte_cut_stays_valid(self) -> None:
        doc = json.dumps({"message": "日本語" * 2000}, ensure_ascii=False).encode()
        d = json.loads(truncate_document(doc, 700))
        assert d["message"].startswith("日本語")

    def test_small_is_unchanged(self) -> None:
        assert truncate_document(b'{"a":1}', 100) == b'{"a":1}'


def decode_window(data: bytes) -> List[bytes]:
    assert data[:2] == b"2W"
    (n,) = struct.unpack(">I", data[2:6])
    assert data[6:8] == b"2C"
    (clen,) = struct.unpack(">I", data[8:12])
    assert len(data) == 12 + clen
    payload = zlib.decompress(data[12:])
    docs = []
    off = 0
    for want in range(1, n + 1):
        assert payload[off:off + 2] == b"2J"
        seq, ln = struct.unpack(">II", payload[off + 2:off + 10])
        assert seq == want
        docs.append(payload[off + 10:off + 10 + ln])
        off += 10 + ln
    assert off == len(payload)
    return docs


def test_beats_window_encoding() -> None:
    batch = [b'{"a":1}', '{"m":"é"}'.encode(), b"{}"]
    assert decode_window(BeatsTransport.encode_window(batch)) == batch


class FakeTransport:
    """Records batches; fails while ``fail`` is set, and the next
    ``fail_next`` sends (confirming ``done`` records of each)."""
    name = "fake"
    connects = 0

    def __init__(self) -> None:
        self.batches: List[List[bytes]] = []
        self.fail = False
        self.fail_next = 0
        self.failed: List[List[bytes]] = []
        self.done = 0
        self.retry = True
        self.block = threading.Event()
        self.block.set()

    def send(self, batch: List[bytes]) -> None:
        self.block.wait()
        once = self.fail_next > 0
        if once:
            self.fail_next -= 1
        if self.fail or once or any(b'"reject me"' in r for r in batch):
            self.failed.append(list(batch))
            raise TransportError("fake failure", done=self.done, retry=self.retry)
        self.batches.append(list(batch))

    def close(self) -> None:
        pass

    def discard(self) -> None:
        pass

    def records(self) -> List[Dict[str, Any]]:
        return [json.loads(r) for b in self.batches for r in b]


def fake_handler(**kw: Any):
    kw.setdefault("backoff_initial", 0.01)
    kw.setdefault("backoff_max", 0.02)
    h = SluiceHandler("127.0.0.1", 1, "tcp", **kw)
    fake = FakeTransport()
    h._transport = fake  # type: ignore[assignment]
    log = logging.getLogger("fake.%d" % id(h))
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(h)
    return h, fake, log


class TestHandler:
    def test_delivers_in_order(self) -> None:
        h, fake, log = fake_handler(batch_size=7)
        for i in range(100):
            log.info("m %d", i)
        assert h.flush(5)
        assert [r["message"] for r in fake.records()] == ["m %d" % i for i in range(100)]
        assert max(len(b) for b in fake.batches) <= 7
        assert h.stats()["sent"] == 100
        h.close()

    def test_partial_failure_resends_the_rest(self) -> None:
        h, fake, log = fake_handler(batch_size=10)
        fake.block.clear()
        for i in range(10):
            log.info("m %d", i)
        # The next send fails after confirming 4 records; the retry works.
        fake.fail_next, fake.done = 1, 4
        fake.block.set()
        assert h.flush(5)
        assert h.stats()["retries"] >= 1
        failed = [json.loads(r)["message"] for r in fake.failed[0]]
        confirmed = failed[: min(4, len(failed))]
        got = [r["message"] for r in fake.records()]
        # Nothing lost, nothing sent twice: every record but those the
        # failing send confirmed arrives once, in order.
        assert got == ["m %d" % i for i in range(10) if "m %d" % i not in confirmed]
        assert h.stats()["sent"] == 10
        h.close()

    def test_rejected_records_are_counted_and_reported(self) -> None:
        h, fake, log = fake_handler(drop_report_interval=0, batch_size=1)
        fake.retry = False
        log.info("reject me")
        log.info("fine")
        assert h.flush(5)
        assert h.stats()["failed"] == 1 and h.stats()["sent"] == 1 + 1
        msgs = [r["message"] for r in fake.records()]
        assert sorted(msgs) == ["fine", "sluice_logging dropped 1 records"]
        h.close()

    def test_overflow_is_counted_and_reported(self) -> None:
        h, fake, log = fake_handler(queue_max_records=5, drop_report_interval=0)
        fake.block.clear()
        log.info("first")  # taken by the blocked sender
        wait_for(lambda: h.stats()["in_flight"] == 1, 5, "the first batch in flight")
        for i in range(20):
            log.info("m %d", i)
        assert h.stats()["dropped"] == 15 and h.stats()["queued"] == 5
        fake.block.set()
        assert h.flush(5)
        reports = [r for r in fake.records() if r["logger_name"] == "sluice_logging"]
        assert sum(r["sluice_logging_dropped"] for r in reports) == 15
        h.close()

    def test_emit_never_raises(self) -> None:
        h, fake, log = fake_handler()

        class Bad:
            def __str__(self) -> str:
                raise RuntimeError

        log.info("%s", Bad())
        log.info("x", extra={"weird": {object(): Bad()}})
        assert h.flush(5)
        assert len(fake.records()) == 2
        h.close()

    def test_close_returns_within_timeout_when_stuck(self) -> None:
        h, fake, log = fake_handler(flush_timeout=0.3)
        fake.block.clear()
        for i in range(10):
            log.info("m")
        t0 = time.monotonic()
        assert not h.flush(0.1)
        h.close()
        assert time.monotonic() - t0 < 2
        assert h.stats()["unsent_at_close"] == 10
        fake.block.set()
        log.info("after close")
        assert h.stats()["dropped_after_close"] == 1
        h.flush()  # after close: immediate

    def test_fork_child_starts_empty(self) -> None:
        if not hasattr(os, "fork"):
            pytest.skip("no fork")
        h, fake, log = fake_handler()
        fake.block.clear()
        for i in range(5):
            log.info("parent")
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                st = h.stats()
                ok = st["queued"] == 0 and st["in_flight"] == 0 and st["sent"] == 0
                ok = ok and h._transport is not fake
                os.write(w, b"ok" if ok else repr(st).encode())
            finally:
                os._exit(0)
        os.close(w)
        msg = os.read(r, 1000)
        os.waitpid(pid, 0)
        assert msg == b"ok"
        fake.block.set()
        assert h.flush(5) and len(fake.records()) == 5
        h.close()

    def test_bad_options(self) -> None:
        with pytest.raises(ValueError):
            SluiceHandler(transport="smtp")
        with pytest.raises(ValueError):
            SluiceHandler(overflow="wait")
        with pytest.raises(ValueError):
            SluiceHandler(transport="http", url="ftp://x/")

    def test_dict_config(self) -> None:
        import logging.config
        logging.config.dictConfig({
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"ecs": {"()": "sluice_logging.EcsFormatter"}},
            "handlers": {"sluice": {"class": "sluice_logging.SluiceHandler", "host": "127.0.0.1",
                                    "port": 1, "transport": "tcp", "formatter": "ecs",
                                    "flush_timeout": 0.1}},
            "loggers": {"dictcfg": {"handlers": ["sluice"], "level": "INFO", "propagate": False}},
        })
        h = logging.getLogger("dictcfg").handlers[0]
        assert isinstance(h, SluiceHandler) and isinstance(h.formatter, EcsFormatter)
        h.close()
        logging.getLogger("dictcfg").handlers.clear()
