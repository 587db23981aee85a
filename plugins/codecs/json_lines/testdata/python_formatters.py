"""Print one log record as each common Python JSON formatter writes it.

Used by TestRealPythonFormatters. Exits with status 3 when a library is
missing (the test then skips). Order of the lines:
python-logstash v0, python-logstash v1, python-logstash-async,
python-logstash-async ECS, ecs-logging, ecs-logging with an exception,
structlog (ISO UTC), structlog (Unix seconds), ecs-logging structlog.
"""
import logging
import sys

try:
    import ecs_logging
    import logstash
    import structlog
    from logstash_async.formatter import LogstashEcsFormatter, LogstashFormatter
except ImportError as e:
    print(e, file=sys.stderr)
    sys.exit(3)


def record(exc_info=None):
    rec = logging.LogRecord("app.auth", logging.INFO, "/srv/app/views.py", 27,
                            "user %s logged in", ("bob",), exc_info, func="login")
    rec.user_id = 42
    return rec


def main():
    lines = [
        logstash.formatter.LogstashFormatterVersion0(message_type="Logstash").format(record()).decode(),
        logstash.formatter.LogstashFormatterVersion1(message_type="Logstash").format(record()).decode(),
        LogstashFormatter().format(record()),
        LogstashEcsFormatter().format(record()),
        ecs_logging.StdlibFormatter().format(record()),
    ]
    try:
        raise ValueError("boom")
    except ValueError:
        lines.append(ecs_logging.StdlibFormatter().format(record(sys.exc_info())))
    render = structlog.processors.JSONRenderer()
    iso = structlog.processors.TimeStamper(fmt="iso", utc=True)
    lines.append(render(None, "info", iso(None, "info", {"event": "user bob logged in", "user_id": 42, "level": "info"})))
    unix = structlog.processors.TimeStamper()
    lines.append(render(None, "info", unix(None, "info", {"event": "user bob logged in", "user_id": 42})))
    lines.append(ecs_logging.StructlogFormatter()(None, "info", {"event": "user bob logged in", "user_id": 42}))
    for line in lines:
        print(line)


main()
