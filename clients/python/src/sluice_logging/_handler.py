"""SluiceHandler: a logging.Handler that never blocks the application."""

import atexit
import logging
import os
import sys
import threading
import time
import weakref
from typing import Any, Dict, List, Mapping, Optional

from ._backoff import Backoff
from ._formatters import LogstashFormatter
from ._queue import OVERFLOW_POLICIES, RecordQueue
from ._spool import Spool
from ._transports import (BeatsTransport, HttpTransport, TcpTransport, Transport, TransportError,
                          UdpTransport, make_ssl_context)

__all__ = ["SluiceHandler", "TRANSPORTS"]

TRANSPORTS = ("tcp", "udp", "beats", "http")

_handlers: "weakref.WeakSet[SluiceHandler]" = weakref.WeakSet()
# Spools a forked child inherited: never used nor closed there (closing would
# let SQLite write to the parent's file), only kept from the garbage collector.
_inherited_spools: List[Spool] = []


class SluiceHandler(logging.Handler):
    """Ships log records to Sluice (or Logstash) from a background thread.

    ``emit()`` formats the record and appends it to a bounded queue: it does
    no I/O and does not wait (except with ``overflow="block"``, at most
    ``block_timeout`` seconds). A daemon thread sends the queue in batches
    over ``transport``:

    - ``"beats"`` (default, port 5044): Lumberjack v2 with ACKs, the only
      transport that knows the server has the records; an unacknowledged
      window is sent again after a reconnect.
    - ``"tcp"``: newline-delimited JSON (``tcp`` input, ``codec => json_lines``).
    - ``"udp"``: one JSON document per datagram (``udp`` input, ``codec => json``).
    - ``"http"``: POSTs of ndjson to ``url`` (default ``http://host:port/``).

    Nothing is lost silently: records dropped because the queue was full or
    rejected by the server are counted (``stats()``) and reported by a
    ``sluice_logging dropped N records`` event every
    ``drop_report_interval`` seconds; records still unsent when ``close()``
    gives up are reported on stderr.

    Options (keyword arguments):

    ``formatter`` (default ``LogstashFormatter()``), ``queue_max_records``
    (10000), ``queue_max_bytes`` (16 MiB), ``overflow`` (``"drop_newest"``,
    ``"drop_oldest"`` or ``"block"``), ``block_timeout`` (0.05 s),
    ``batch_size`` (records per write/window, 512), ``batch_max_bytes``
    (1 MiB), ``timeout`` (connect/write timeout, 5 s), ``ack_timeout``
    (beats, 30 s), ``backoff_initial`` (0.1 s), ``backoff_max`` (30 s),
    ``flush_timeout`` (close()/atexit budget, 5 s), ``drop_report_interval``
    (10 s), ``ssl`` (TLS for tcp and beats; http uses the URL's scheme),
    ``ssl_cafile``, ``ssl_certfile``, ``ssl_keyfile``, ``ssl_key_password``,
    ``ssl_verify`` (True), ``url``, ``username``, ``password``
    (http basic auth), ``max_datagram_size`` (udp, 65000), ``level``,
    ``spool_path`` (an SQLite file keeping unsent records across restarts;
    bounded by ``spool_max_records`` 100000, ``spool_max_bytes`` 64 MiB and
    ``spool_max_age`` 7 days; a forked child does not use it).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 5044, transport: str = "beats", *,
                 url: Optional[str] = None, formatter: Optional[logging.Formatter] = None,
                 level: int = logging.NOTSET, queue_max_records: int = 10000,
                 queue_max_bytes: int = 16 << 20, overflow: str = "drop_newest",
                 block_timeout: float = 0.05, batch_size: int = 512, batch_max_bytes: int = 1 << 20,
                 timeout: float = 5.0, ack_timeout: float = 30.0, backoff_initial: float = 0.1,
                 backoff_max: float = 30.0, flush_timeout: float = 5.0,
                 drop_report_interval: float = 10.0, ssl: bool = False,
                 ssl_cafile: Optional[str] = None, ssl_certfile: Optional[str] = None,
                 ssl_keyfile: Optional[str] = None, ssl_key_password: Optional[str] = None,
                 ssl_verify: bool = True, username: Optional[str] = None,
                 password: Optional[str] = None, http_headers: Optional[Mapping[str, str]] = None,
                 max_datagram_size: int = 65000, spool_path: Optional[str] = None,
                 spool_max_records: int = 100000, spool_max_bytes: int = 64 << 20,
                 spool_max_age: Optional[float] = 7 * 86400.0) -> None:
        super().__init__(level)
        if transport not in TRANSPORTS:
            raise ValueError("transport must be one of %s, not %r" % (", ".join(TRANSPORTS), transport))
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError("overflow must be one of %s, not %r" % (", ".join(OVERFLOW_POLICIES), overflow))
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.host = host
        self.port = int(port)
        self.transport_name = transport
        self.url = url
        self.formatter = formatter if formatter is not None else LogstashFormatter()
        self._queue_args = dict(max_records=queue_max_records, max_bytes=queue_max_bytes,
                                overflow=overflow, block_timeout=block_timeout)
        self.batch_size = batch_size
        self.batch_max_bytes = batch_max_bytes
        self.timeout = timeout
        self.ack_timeout = ack_timeout
        self._backoff_args = (backoff_initial, backoff_max)
        self.flush_timeout = flush_timeout
        self.drop_report_interval = drop_report_interval
        self._ssl_args: Optional[Dict[str, Any]] = None
        if ssl or ssl_cafile or ssl_certfile:
            self._ssl_args = dict(cafile=ssl_cafile, certfile=ssl_certfile, keyfile=ssl_keyfile,
                                  key_password=ssl_key_password, verify=ssl_verify)
        self._http = dict(username=username, password=password, headers=dict(http_headers or {}))
        self.max_datagram_size = max_datagram_size
        self._ssl_verify = ssl_verify
        self._make_transport()  # validates the options now, not in the thread
        self._spool: Optional[Spool] = None
        if spool_path:
            self._spool = Spool(spool_path, spool_max_records, spool_max_bytes, spool_max_age)
        self._init_state()
        _handlers.add(self)

    # -- state (rebuilt in a forked child) ---------------------------------

    def _make_transport(self) -> Transport:
        ctx = make_ssl_context(**self._ssl_args) if self._ssl_args is not None else None
        t: Transport
        if self.transport_name == "tcp":
            t = TcpTransport(self.host, self.port, self.timeout, ctx)
        elif self.transport_name == "beats":
            t = BeatsTransport(self.host, self.port, self.timeout, ctx, ack_timeout=self.ack_timeout)
        elif self.transport_name == "udp":
            t = UdpTransport(self.host, self.port, self.timeout, max_datagram_size=self.max_datagram_size)
        else:
            url = self.url or "http://%s:%d/" % (self.host, self.port)
            if ctx is None and url.startswith("https:") and not self._ssl_verify:
                ctx = make_ssl_context(verify=False)
            t = HttpTransport(url, self.timeout, ctx, **self._http)
        self._transport = t
        return t

    def _init_state(self) -> None:
        self._pid = os.getpid()
        self._queue = RecordQueue(**self._queue_args)
        self._backoff = Backoff(*self._backoff_args)
        self._state = threading.Condition(threading.Lock())
        self._start_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stopping = threading.Event()
        self._abort = threading.Event()
        self._deadline: Optional[float] = None
        self._closed = False
        self._inflight = 0
        self._sent = 0
        self._failed = 0
        self._retries = 0
        self._reported = 0
        self._dropped_after_close = 0
        self._unsent_at_close = 0
        self._last_error: Optional[str] = None
        self._forced = False
        self._last_report = time.monotonic()

    def _after_fork_in_child(self) -> None:
        # The parent's queue, window in flight and connection stay the
        # parent's: the child starts empty (nothing is sent twice).
        try:
            self._transport.discard()
        except Exception:
            pass
        if self._spool is not None:
            # The spool file stays the parent's: the child sends from memory.
            _inherited_spools.append(self._spool)
            self._spool = None
        self._make_transport()
        self._init_state()

    # -- logging.Handler ---------------------------------------------------

    def format(self, record: logging.LogRecord) -> str:
        fmt = self.formatter or LogstashFormatter()
        return fmt.format(record)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._pid != os.getpid():  # fork without os.register_at_fork
                self._after_fork_in_child()
            if self._closed:
                self._dropped_after_close += 1
                return
            data = self.format(record).encode("utf-8", "replace")
            if self._thread is None:
                self._start()
            self._queue.put(data)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._closed:
                return
            t = threading.Thread(target=self._run, name="sluice-logging-sender", daemon=True)
            t.start()
            self._thread = t

    def flush(self, timeout: Optional[float] = None) -> bool:  # type: ignore[override]
        """Waits until every queued record was sent (acknowledged, for beats
        and http) or ``timeout`` (default ``flush_timeout``) passed; returns
        whether everything was sent. Never waits longer than the timeout."""
        if self._pid != os.getpid() or self._closed:
            return not self._pending()
        if self._thread is None or not self._thread.is_alive():
            return not self._pending()
        deadline = time.monotonic() + (self.flush_timeout if timeout is None else timeout)
        with self._state:
            while self._pending():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.wake()
                self._state.wait(min(left, 0.1))
        return True

    def _pending(self) -> int:
        return len(self._queue) + self._inflight + (len(self._spool) if self._spool is not None else 0)

    def close(self, timeout: Optional[float] = None) -> None:  # type: ignore[override]
        """Sends what can be sent within ``timeout`` (default
        ``flush_timeout``), then stops the sender and returns. Records still
        unsent are counted and reported on stderr."""
        if self._pid == os.getpid() and not self._closed:
            deadline = time.monotonic() + (self.flush_timeout if timeout is None else timeout)
            self._begin_close(deadline)
            self._finish_close(deadline)
        super().close()

    def _begin_close(self, deadline: float) -> None:
        if self._closed:
            return
        self._closed = True
        self._deadline = deadline
        self._stopping.set()
        self._queue.wake()

    def _finish_close(self, deadline: float) -> None:
        t = self._thread
        if t is not None and t.is_alive():
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                # Blocked on a server that does not read or acknowledge:
                # unblock it (its error then is ours, not the server's).
                self._last_error = "still sending (server not reading or acknowledging) at the flush timeout"
                self._forced = True
                self._abort.set()
                self._transport.close()
                t.join(0.2)
        else:
            self._transport.close()
        if self._spool is not None:
            # What is left waits in the spool for the next start.
            try:
                rest = self._queue.get_batch(len(self._queue) + 1, 1 << 62, 0)
                self._spool.append(rest)
                kept = len(self._spool)
                self._spool.close()
                if kept:
                    sys.stderr.write("sluice_logging: %d records kept in the spool %s for the next start "
                                     "(last error: %s)\n" % (kept, self._spool.path, self._last_error or "none"))
                return
            except Exception as err:
                self._last_error = "spool: %s" % err
        unsent = len(self._queue) + self._inflight
        if unsent:
            self._unsent_at_close = unsent
            try:
                sys.stderr.write("sluice_logging: %d records not sent to %s %s:%d before the %.1fs flush "
                                 "timeout (last error: %s)\n" % (unsent, self.transport_name, self.host,
                                                                  self.port, self.flush_timeout,
                                                                  self._last_error or "none"))
            except Exception:
                pass

    # -- stats and drop reports ---------------------------------------------

    def stats(self) -> Dict[str, Any]:
        """Counters: ``queued`` and ``queued_bytes`` (waiting), ``in_flight``,
        ``sent`` (acknowledged for beats and http, written for tcp and udp),
        ``dropped`` (queue full or too large), ``failed`` (rejected by the
        server or lost by udp), ``retries`` (failed attempts that are
        retried), ``truncated`` (udp), ``connects``, ``unsent_at_close``,
        ``dropped_after_close``, ``last_error``."""
        return {
            "transport": self.transport_name,
            "queued": len(self._queue),
            "queued_bytes": self._queue.nbytes,
            "in_flight": self._inflight,
            "sent": self._sent,
            "dropped": self._queue.dropped + (self._spool.dropped if self._spool is not None else 0),
            "spooled": len(self._spool) if self._spool is not None else 0,
            "failed": self._failed,
            "retries": self._retries,
            "truncated": getattr(self._transport, "truncated", 0),
            "connects": self._transport.connects,
            "unsent_at_close": self._unsent_at_close,
            "dropped_after_close": self._dropped_after_close,
            "last_error": self._last_error,
        }

    def _report_drops(self, force: bool = False) -> None:
        lost = self._queue.dropped + self._failed + (self._spool.dropped if self._spool is not None else 0)
        now = time.monotonic()
        if lost <= self._reported or (not force and now - self._last_report < self.drop_report_interval):
            return
        n = lost - self._reported
        self._reported = lost
        self._last_report = now
        rec = logging.LogRecord("sluice_logging", logging.WARNING, __file__, 0,
                                "sluice_logging dropped %d records", (n,), None)
        rec.sluice_logging_dropped = n  # type: ignore[attr-defined]
        rec.sluice_logging_dropped_total = lost  # type: ignore[attr-defined]
        try:
            self._queue.put(self.format(rec).encode("utf-8", "replace"), force=True)
        except Exception:
            pass

    # -- the sender thread --------------------------------------------------

    def _run(self) -> None:
        q = self._queue
        while True:
            stopping = self._stopping.is_set()
            if stopping and self._deadline is not None and time.monotonic() >= self._deadline:
                return
            self._report_drops(force=stopping)
            spool = self._spool
            rows: List[Any] = []
            if spool is not None:
                moved: List[bytes] = []
                try:
                    moved = q.get_batch(1 << 30, 1 << 62, 0 if stopping or len(spool) else 0.5)
                    spool.append(moved)
                except Exception as err:  # disk full, ...: send from memory
                    self._last_error = "spool %s: %s" % (spool.path, err)
                    q.unget(moved)
                    spool = None
            if spool is not None:
                rows = spool.peek(self.batch_size, self.batch_max_bytes)
                batch = [d for _, d in rows]
            else:
                batch = q.get_batch(self.batch_size, self.batch_max_bytes, 0 if stopping else 0.5)
            if not batch:
                if stopping:
                    return
                continue
            with self._state:
                self._inflight = len(batch)
            delay = 0.0
            try:
                self._transport.send(batch)
                done, rest, retry = len(batch), [], True
                self._backoff.reset()
            except TransportError as err:
                if not self._forced:
                    self._last_error = str(err)
                done, rest, retry = err.done, batch[err.done:], err.retry
                if retry:
                    self._retries += 1
                    delay = self._backoff.next()
                    if err.retry_after is not None:
                        delay = min(max(delay, err.retry_after), self._backoff.maximum)
            except Exception as err:  # a bug must not kill the thread silently
                self._last_error = "%s: %s" % (type(err).__name__, err)
                done, rest, retry = 0, batch, True
                self._retries += 1
                delay = self._backoff.next()
            with self._state:
                self._sent += done
                if rows:
                    spool.delete(rows[:done] if retry else rows)  # type: ignore[union-attr]
                    if rest and not retry:
                        self._failed += len(rest)
                elif rest:
                    if retry:
                        q.unget(rest)
                    else:
                        self._failed += len(rest)
                self._inflight = 0
                self._state.notify_all()
            if delay:
                # Not interrupted by close(): while closing, the sender keeps
                # trying (with backoff) until the deadline.
                deadline = self._deadline
                if deadline is not None:
                    delay = min(delay, max(0.0, deadline - time.monotonic()))
                self._abort.wait(delay)


def _after_fork_in_child() -> None:
    for h in list(_handlers):
        h._after_fork_in_child()


def _close_all_at_exit() -> None:
    """At exit, every open handler gets one shared flush budget (the
    largest flush_timeout), not one each."""
    handlers = [h for h in list(_handlers) if not h._closed and h._pid == os.getpid()]
    if not handlers:
        return
    deadline = time.monotonic() + max(h.flush_timeout for h in handlers)
    for h in handlers:
        h._begin_close(deadline)
    for h in handlers:
        try:
            h._finish_close(deadline)
        except Exception:
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all_at_exit)
