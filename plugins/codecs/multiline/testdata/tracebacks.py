"""Writes a Python application's log, with real tracebacks, to stdout.

The first argument is a path where the expected events are written as a
JSON list: the exact text of every log record (a record is one event).
Used by the multiline codec's tests (preset => "python").
"""
import json
import logging
import sys
import traceback

records = []


class Recorder(logging.StreamHandler):
    def emit(self, record):
        records.append(self.format(record))
        super().emit(record)


handler = Recorder(sys.stdout)
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
log = logging.getLogger("app")
log.addHandler(handler)
log.setLevel(logging.DEBUG)
log.propagate = False


def raw(text):
    """Writes text that is one event by itself (no log record)."""
    sys.stdout.write(text + "\n")
    records.append(text)


def divide(a, b):
    return a / b


def parse(s):
    return int(s)


class ConfigError(Exception):
    pass


def load():
    try:
        parse("not a number")
    except ValueError as e:
        raise ConfigError("bad setting 'workers'") from e


log.info("starting")
try:
    divide(1, 0)
except ZeroDivisionError:
    log.exception("division failed")
log.warning("indented message follows:\n    a continuation of the message")
try:
    try:
        {}["missing"]
    except KeyError:
        divide(2, 0)
except ZeroDivisionError:
    log.error("during handling", exc_info=True)
try:
    load()
except ConfigError:
    log.exception("cannot load")
log.debug("an empty line comes next")
raw("")
log.info("after the empty line")
try:
    exec("x = = 1")
except SyntaxError:
    log.exception("syntax")
try:
    raise StopIteration
except StopIteration:
    # An uncaught-exception style traceback without a log line before it.
    raw(traceback.format_exc().rstrip("\n"))
if sys.version_info >= (3, 11):
    try:
        raise ExceptionGroup("several", [ValueError("one"), TypeError("two")])
    except ExceptionGroup:
        log.exception("group")
log.warning("where am I", stack_info=True)
log.info("done")

with open(sys.argv[1], "w") as f:
    json.dump(records, f)
