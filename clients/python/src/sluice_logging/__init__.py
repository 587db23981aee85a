"""sluice-logging: ship Python logs to Sluice (or Logstash) without ever
blocking the application, and without losing records silently.

    import logging
    from sluice_logging import SluiceHandler

    logging.getLogger().addHandler(SluiceHandler("sluice-host", 5044))  # beats
"""

from ._formatters import EcsFormatter, LogstashFormatter
from ._handler import TRANSPORTS, SluiceHandler
from ._queue import OVERFLOW_POLICIES

__version__ = "0.1.0"

__all__ = ["SluiceHandler", "LogstashFormatter", "EcsFormatter", "TRANSPORTS", "OVERFLOW_POLICIES",
           "__version__"]
