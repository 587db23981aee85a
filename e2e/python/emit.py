"""Send a few log records to Sluice through real Python logging libraries.

Used by e2e/python_test.go. Each route logs the same three records (an info
record with extra fields, a warning with non-ASCII text, an error with an
exception and its traceback) through one library, the way an application
would configure it, then flushes and closes it. For every record sent, one
JSON line goes to stdout describing what Sluice should receive: route,
message, created (the record's time, epoch seconds), level, logger, extra
fields and whether a traceback was attached.

    python emit.py --host 127.0.0.1 --tcp-port 5000 --udp-port 5001 [--http-port 8080] ROUTE...

Routes:
    logstash_tcp  python-logstash TCPLogstashHandler (version=1): newline-
                  terminated JSON over TCP
    logstash_tcp_v0
                  the same with the library's default formatter (version=0:
                  @message, @fields...)
    logstash_udp  python-logstash UDPLogstashHandler (version=1): one JSON
                  document per datagram
    async_tcp     python-logstash-async AsynchronousLogstashHandler, TCP
                  transport, in-memory queue (database_path=None)
    async_udp     the same with its UDP transport: one JSON document per
                  datagram
    async_http    the same with its HTTP transport: JSON arrays POSTed to
                  --http-port (plain HTTP)
    ecs           ecs-logging StdlibFormatter on a plain TCP socket, one JSON
                  document per line
    ecs_file      ecs-logging StdlibFormatter on a logging.FileHandler writing
                  --log-file (route 3: a log file that Sluice's file input
                  tails)
    structlog     structlog's JSONRenderer through the standard library, on a
                  plain TCP socket, one JSON document per line; structlog's
                  own keys ("event", "timestamp"), left for Sluice to map
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from datetime import datetime
from typing import Any, Callable

# Extra fields of the three records; the route name is added to each.
EXTRAS: list[dict[str, Any]] = [
    {"request_id": "req-1", "user_id": 42, "ratio": 0.5, "flag": True},
    {"request_id": "req-2", "city": "Zürich", "greeting": "こんにちは"},
    {"request_id": "req-3", "attempt": 3},
]
# The message texts (%s is the route): ASCII, then quotes, backslashes,
# accents, CJK and an emoji outside the BMP (a surrogate pair in JSON's
# \\u escapes), then the exception's.
MESSAGES = [
    "%s: user logged in",
    '%s: unicode héllo wörld ☃ 日本語 🚀 "quoted" back\\slash\ttab',
    "%s: could not divide",
]


class Capture(logging.Handler):
    """Keeps the records it sees, to report them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def divide() -> float:
    return 1 / 0


def log_three(log: Callable[..., None], route: str, extra_kw: bool = False) -> None:
    """Logs the three records with log(level, msg, *args, **kw)."""
    for i, (level, template) in enumerate(
        zip([logging.INFO, logging.WARNING, logging.ERROR], MESSAGES)
    ):
        extra = dict(EXTRAS[i], route=route)
        kw: dict[str, Any] = dict(extra) if extra_kw else {"extra": extra}
        if level == logging.ERROR:
            try:
                divide()
            except ZeroDivisionError:
                log(level, template % route, exc_info=True, **kw)
        else:
            log(level, template % route, **kw)


def report(route: str, message: str, created: float, level: str, logger: str, extra: dict, exc: bool) -> None:
    json.dump(
        {
            "route": route,
            "message": message,
            "created": created,
            "level": level,
            "logger": logger,
            "extra": extra,
            "exc": exc,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")


def stdlib_route(route: str, handler: logging.Handler, close: Callable[[], None]) -> None:
    """Logs through a stdlib logger with handler, then reports the records."""
    logger = logging.getLogger("e2e." + route)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    capture = Capture()
    logger.addHandler(handler)
    logger.addHandler(capture)
    log_three(logger.log, route)
    close()
    logger.removeHandler(handler)
    for i, r in enumerate(capture.records):
        report(route, r.getMessage(), r.created, r.levelname, r.name, dict(EXTRAS[i], route=route), r.exc_info is not None)


def line_socket(host: str, port: int):
    """A text stream over a TCP connection: what a plain StreamHandler
    writes (one formatted record and a newline) goes to the socket."""
    sock = socket.create_connection((host, port), timeout=10)
    return sock, sock.makefile("w", encoding="utf-8", newline="\n")


def route_logstash_tcp(host: str, tcp: int, udp: int, http: int) -> None:
    import logstash

    h = logstash.TCPLogstashHandler(host, tcp, message_type="python-e2e", version=1)
    stdlib_route("logstash_tcp", h, h.close)


def route_logstash_tcp_v0(host: str, tcp: int, udp: int, http: int) -> None:
    import logstash

    h = logstash.TCPLogstashHandler(host, tcp, message_type="python-e2e")
    stdlib_route("logstash_tcp_v0", h, h.close)


def route_logstash_udp(host: str, tcp: int, udp: int, http: int) -> None:
    import logstash

    h = logstash.UDPLogstashHandler(host, udp, message_type="python-e2e", version=1)
    stdlib_route("logstash_udp", h, h.close)


def async_route(route: str, host: str, port: int, transport: Any) -> None:
    from logstash_async.handler import AsynchronousLogstashHandler

    h = AsynchronousLogstashHandler(host, port, database_path=None, transport=transport)

    def close() -> None:
        # flush() asks the worker thread to send; shutdown() waits for it to
        # send what is queued and stop.
        h.flush()
        h.shutdown()
        h.close()

    stdlib_route(route, h, close)


def route_async_tcp(host: str, tcp: int, udp: int, http: int) -> None:
    async_route("async_tcp", host, tcp, "logstash_async.transport.TcpTransport")


def route_async_udp(host: str, tcp: int, udp: int, http: int) -> None:
    async_route("async_udp", host, udp, "logstash_async.transport.UdpTransport")


def route_async_http(host: str, tcp: int, udp: int, http: int) -> None:
    from logstash_async.transport import HttpTransport

    # An instance: the handler would otherwise enable TLS on its own.
    transport = HttpTransport(host, http, timeout=10.0, ssl_enable=False, path="python")
    async_route("async_http", host, http, transport)


def route_ecs(host: str, tcp: int, udp: int, http: int) -> None:
    import ecs_logging

    sock, stream = line_socket(host, tcp)
    h = logging.StreamHandler(stream)
    h.setFormatter(ecs_logging.StdlibFormatter())

    def close() -> None:
        h.flush()
        stream.close()
        sock.close()

    stdlib_route("ecs", h, close)


# The file the ecs_file route writes (--log-file).
LOG_FILE = ""


def route_ecs_file(host: str, tcp: int, udp: int, http: int) -> None:
    import ecs_logging

    h = logging.FileHandler(LOG_FILE, encoding="utf-8")
    h.setFormatter(ecs_logging.StdlibFormatter())
    stdlib_route("ecs_file", h, h.close)


def route_structlog(host: str, tcp: int, udp: int, http: int) -> None:
    import structlog

    route = "structlog"
    sent: list[dict[str, Any]] = []

    def remember(_logger: Any, _name: str, event_dict: dict) -> dict:
        sent.append(dict(event_dict))
        return event_dict

    structlog.configure(
        processors=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            remember,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    sock, stream = line_socket(host, tcp)
    std = logging.getLogger("e2e." + route)
    std.setLevel(logging.DEBUG)
    std.propagate = False
    h = logging.StreamHandler(stream)
    h.setFormatter(logging.Formatter("%(message)s"))
    std.addHandler(h)

    log = structlog.get_logger("e2e." + route)
    log_three(lambda level, msg, **kw: log.log(level, msg, **kw), route, extra_kw=True)
    h.flush()
    stream.close()
    sock.close()
    std.removeHandler(h)

    for i, ev in enumerate(sent):
        ts = datetime.fromisoformat(ev["timestamp"].replace("Z", "+00:00"))
        report(route, ev["event"], ts.timestamp(), ev["level"], ev["logger"],
               dict(EXTRAS[i], route=route), "exception" in ev)


ROUTES = {
    "logstash_tcp": route_logstash_tcp,
    "logstash_tcp_v0": route_logstash_tcp_v0,
    "logstash_udp": route_logstash_udp,
    "async_tcp": route_async_tcp,
    "async_udp": route_async_udp,
    "async_http": route_async_http,
    "ecs": route_ecs,
    "ecs_file": route_ecs_file,
    "structlog": route_structlog,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--tcp-port", type=int, required=True)
    ap.add_argument("--udp-port", type=int, required=True)
    ap.add_argument("--http-port", type=int, default=0)
    ap.add_argument("--log-file", default="", help="the file the ecs_file route writes")
    ap.add_argument("routes", nargs="+", choices=sorted(ROUTES))
    args = ap.parse_args()
    global LOG_FILE
    LOG_FILE = args.log_file
    if "ecs_file" in args.routes and not LOG_FILE:
        ap.error("the ecs_file route needs --log-file")
    # Handlers print their send errors to stderr (logging.raiseExceptions);
    # the test fails on any output there.
    for route in args.routes:
        ROUTES[route](args.host, args.tcp_port, args.udp_port, args.http_port)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
