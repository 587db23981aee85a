"""JSON formatters: python-logstash's version-1 layout and ecs-logging's layout.

Both turn a ``logging.LogRecord`` into one line of JSON (no trailing newline)
and never raise: values JSON cannot encode are stringified, and a record that
cannot be formatted at all still becomes a document saying so.
"""

import json
import logging
import math
import socket
import time
import traceback
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set

__all__ = ["LogstashFormatter", "EcsFormatter", "record_extras"]

# The attributes every LogRecord has (plus those Formatter.format adds): the
# rest of record.__dict__ came from extra={...}.
_RESERVED: Set[str] = set(
    logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None).__dict__
) | {"message", "asctime", "taskName", "stack_info", "exc_info", "exc_text"}

_MAX_DEPTH = 32


def record_extras(record: logging.LogRecord) -> Dict[str, Any]:
    """Returns the fields that extra={...} added to ``record``."""
    return {k: v for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")}


def _iso_utc(record: logging.LogRecord) -> str:
    # ISO-8601 UTC with milliseconds and Z, as Logstash parses it.
    t = time.gmtime(record.created)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, int(record.msecs))


def _stringify(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a broken __str__ must not break logging
        try:
            return repr(value)
        except Exception:
            return "<unrepresentable %s>" % type(value).__name__


def _sanitize(value: Any, depth: int = 0, seen: Optional[Set[int]] = None) -> Any:
    """Makes ``value`` JSON-encodable: str keys, finite floats, no cycles."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _stringify(value)
    if depth >= _MAX_DEPTH:
        return _stringify(value)
    if seen is None:
        seen = set()
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        if id(value) in seen:
            return "<cycle>"
        seen = seen | {id(value)}
        if isinstance(value, dict):
            return {(k if isinstance(k, str) else _stringify(k)): _sanitize(v, depth + 1, seen)
                    for k, v in list(value.items())}
        return [_sanitize(v, depth + 1, seen) for v in list(value)]
    return _stringify(value)


def dumps(doc: Mapping[str, Any]) -> str:
    """Encodes ``doc`` as compact JSON, stringifying what JSON cannot encode."""
    try:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False, default=_stringify)
    except Exception:
        try:
            return json.dumps(_sanitize(doc), ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False, default=_stringify)
        except Exception as err:  # last resort: say what happened
            return json.dumps({"message": "sluice_logging: record could not be encoded: %s" % _stringify(err),
                               "tags": ["_sluice_logging_encode_failure"]})


class _JsonFormatter(logging.Formatter):
    """Shared parts: static fields, tags, extras, exception rendering."""

    def __init__(self, fields: Optional[Mapping[str, Any]] = None, tags: Optional[Iterable[str]] = None,
                 host: Optional[str] = None) -> None:
        super().__init__()
        self.fields: Dict[str, Any] = dict(fields or {})
        self.tags: List[str] = list(tags or [])
        self.host: str = host if host is not None else socket.gethostname()

    def _message(self, record: logging.LogRecord) -> str:
        try:
            return record.getMessage()
        except Exception as err:  # bad %-arguments: keep the template
            return "%s (message arguments %r could not be applied: %s)" % (
                _stringify(record.msg), record.args, _stringify(err))

    @staticmethod
    def _exception(record: logging.LogRecord) -> Optional[Dict[str, str]]:
        exc_info = record.exc_info
        if not exc_info or exc_info == (None, None, None) or exc_info[0] is None:
            return None
        etype, evalue, tb = exc_info
        try:
            stack = record.exc_text or "".join(traceback.format_exception(etype, evalue, tb))
        except Exception:
            stack = "<traceback unavailable>"
        return {"type": _stringify(getattr(etype, "__name__", etype)),
                "message": _stringify(evalue), "stack_trace": stack.rstrip("\n")}

    def format(self, record: logging.LogRecord) -> str:
        try:
            return dumps(self.document(record))
        except Exception as err:
            return dumps({"@timestamp": _iso_utc(record), "message": _stringify(getattr(record, "msg", "")),
                          "tags": ["_sluice_logging_format_failure"], "format_error": _stringify(err)})

    def document(self, record: logging.LogRecord) -> Dict[str, Any]:
        """Returns the record as a dict (before JSON encoding)."""
        raise NotImplementedError


class LogstashFormatter(_JsonFormatter):
    """python-logstash's version-1 layout (what Logstash's json codecs expect).

    Fields: ``@timestamp`` (ISO-8601 UTC, milliseconds, ``Z``), ``@version``
    ("1"), ``message``, ``host``, ``path``, ``tags``, ``type``, ``level``,
    ``logger_name``, the record's origin (``line``, ``func_name``,
    ``thread_name``, ``process``, ``process_name``), static ``fields`` and the
    record's extras at the top level. An exception adds ``error_type``,
    ``error_message`` and ``stack_trace``; ``stack_info=True`` adds
    ``stack_info``.
    """

    def __init__(self, message_type: str = "python", fields: Optional[Mapping[str, Any]] = None,
                 tags: Optional[Iterable[str]] = None, host: Optional[str] = None) -> None:
        super().__init__(fields=fields, tags=tags, host=host)
        self.message_type = message_type

    def document(self, record: logging.LogRecord) -> Dict[str, Any]:
        doc: Dict[str, Any] = {
            "@timestamp": _iso_utc(record),
            "@version": "1",
            "message": self._message(record),
            "host": self.host,
            "path": record.pathname,
            "tags": list(self.tags),
            "type": self.message_type,
            "level": record.levelname,
            "logger_name": record.name,
            "line": record.lineno,
            "func_name": record.funcName,
            "thread_name": record.threadName,
            "process": record.process,
            "process_name": record.processName,
        }
        doc.update(self.fields)
        for k, v in record_extras(record).items():
            doc[k] = v
        exc = self._exception(record)
        if exc is not None:
            doc["error_type"] = exc["type"]
            doc["error_message"] = exc["message"]
            doc["stack_trace"] = exc["stack_trace"]
        if record.stack_info:
            doc["stack_info"] = record.stack_info
        return doc


def _put_dotted(doc: Dict[str, Any], key: str, value: Any) -> None:
    """Sets a possibly dotted key ("a.b.c") as nested objects, as ecs-logging does."""
    parts = key.split(".")
    node = doc
    for p in parts[:-1]:
        child = node.get(p)
        if not isinstance(child, dict):
            child = {}
            node[p] = child
        node = child
    node[parts[-1]] = value


class EcsFormatter(_JsonFormatter):
    """ecs-logging's layout (Elastic Common Schema 1.6).

    Fields: ``@timestamp``, ``log.level`` (lower case), ``message``,
    ``ecs.version``, ``log.logger``, ``log.origin.file.name/line``,
    ``log.origin.function``, ``process.pid/name/thread.id/thread.name``,
    ``host.hostname``, ``tags``, and on an exception
    ``error.type/message/stack_trace``. Static ``fields`` and extras with
    dotted names are nested (``extra={"user.id": 1}`` → ``{"user": {"id": 1}}``).

    ``log.level`` and ``ecs.version`` are nested objects by default, so that
    ``[log][level]`` works in the pipeline whatever the input (Sluice's and
    Logstash's json codecs expand dotted keys, the beats input does not);
    ``dotted=True`` writes them as dotted top-level keys, byte for byte
    ecs-logging's layout (for files read by Filebeat).
    """

    ecs_version = "1.6.0"

    def __init__(self, fields: Optional[Mapping[str, Any]] = None, tags: Optional[Iterable[str]] = None,
                 host: Optional[str] = None, dotted: bool = False) -> None:
        super().__init__(fields=fields, tags=tags, host=host)
        self.dotted = dotted

    def document(self, record: logging.LogRecord) -> Dict[str, Any]:
        doc: Dict[str, Any] = {"@timestamp": _iso_utc(record)}
        if self.dotted:
            doc["log.level"] = record.levelname.lower()
        doc["message"] = self._message(record)
        if self.dotted:
            doc["ecs.version"] = self.ecs_version
        doc.update({
            "log": {
                "logger": record.name,
                "origin": {"file": {"name": record.filename, "line": record.lineno},
                           "function": record.funcName},
            },
            "process": {"pid": record.process, "name": record.processName,
                        "thread": {"id": record.thread, "name": record.threadName}},
            "host": {"hostname": self.host},
        })
        if not self.dotted:
            doc["log"]["level"] = record.levelname.lower()
            doc["ecs"] = {"version": self.ecs_version}
        if self.tags:
            doc["tags"] = list(self.tags)
        for k, v in self.fields.items():
            _put_dotted(doc, k, v)
        for k, v in record_extras(record).items():
            _put_dotted(doc, k, v)
        exc = self._exception(record)
        if exc is not None:
            doc["error"] = exc
        if record.stack_info:
            _put_dotted(doc, "log.origin.stack_trace", record.stack_info)
        return doc
