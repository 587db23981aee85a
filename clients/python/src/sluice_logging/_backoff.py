"""Exponential backoff with jitter for reconnects and retries."""

import random
from typing import Callable, Optional

__all__ = ["Backoff"]


class Backoff:
    """Delays that double from ``initial`` up to ``maximum``, each drawn
    uniformly from [delay/2, delay] ("equal jitter") so that many clients
    that lost the same server do not come back in lockstep."""

    def __init__(self, initial: float = 0.1, maximum: float = 30.0, factor: float = 2.0,
                 rand: Optional[Callable[[], float]] = None) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("backoff needs 0 < initial <= maximum and factor >= 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.attempt = 0
        self._rand = rand or random.random

    def next(self) -> float:
        """Returns the delay before the next attempt and counts it."""
        base = min(self.maximum, self.initial * (self.factor ** min(self.attempt, 64)))
        self.attempt += 1
        return base / 2 + base / 2 * self._rand()

    def reset(self) -> None:
        """Starts over after a success."""
        self.attempt = 0
