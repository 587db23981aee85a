"""The bounded record queue between emit() and the sender thread."""

import collections
import threading
import time
from typing import Deque, List, Optional

__all__ = ["RecordQueue", "OVERFLOW_POLICIES"]

OVERFLOW_POLICIES = ("drop_newest", "drop_oldest", "block")


class RecordQueue:
    """A FIFO of encoded records bounded in count and in bytes.

    ``put`` never blocks longer than ``block_timeout`` (and not at all with
    the drop policies); what it cannot keep is counted in ``dropped``.
    """

    def __init__(self, max_records: int = 10000, max_bytes: int = 16 << 20,
                 overflow: str = "drop_newest", block_timeout: float = 0.05) -> None:
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError("overflow must be one of %s, not %r" % (", ".join(OVERFLOW_POLICIES), overflow))
        if max_records < 1 or max_bytes < 1:
            raise ValueError("max_records and max_bytes must be positive")
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.overflow = overflow
        self.block_timeout = block_timeout
        self._items: Deque[bytes] = collections.deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._not_empty = threading.Condition(self._lock)
        self._not_full = threading.Condition(self._lock)
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def _fits(self, size: int) -> bool:
        return len(self._items) < self.max_records and self._bytes + size <= self.max_bytes

    def put(self, item: bytes, force: bool = False) -> bool:
        """Appends ``item``; returns False (and counts it) when it was dropped.

        ``force`` appends beyond the limits (the handler's own reports).
        """
        size = len(item)
        with self._lock:
            if not force and not self._fits(size):
                if size > self.max_bytes:
                    self.dropped += 1
                    return False
                if self.overflow == "drop_newest":
                    self.dropped += 1
                    return False
                if self.overflow == "drop_oldest":
                    while self._items and not self._fits(size):
                        self._bytes -= len(self._items.popleft())
                        self.dropped += 1
                else:  # block
                    deadline = time.monotonic() + self.block_timeout
                    while not self._fits(size):
                        left = deadline - time.monotonic()
                        if left <= 0:
                            self.dropped += 1
                            return False
                        self._not_full.wait(left)
            self._items.append(item)
            self._bytes += size
            self._not_empty.notify()
            return True

    def get_batch(self, max_items: int, max_bytes: int, timeout: Optional[float]) -> List[bytes]:
        """Removes and returns up to ``max_items`` records (at least one if any
        arrives within ``timeout``; the first one even if larger than
        ``max_bytes``)."""
        with self._lock:
            if not self._items and timeout is not None and timeout > 0:
                self._not_empty.wait(timeout)
            out: List[bytes] = []
            total = 0
            while self._items and len(out) < max_items:
                size = len(self._items[0])
                if out and total + size > max_bytes:
                    break
                out.append(self._items.popleft())
                total += size
            if out:
                self._bytes -= total
                self._not_full.notify_all()
            return out

    def unget(self, items: List[bytes]) -> None:
        """Puts ``items`` back at the front (a batch that could not be sent)."""
        with self._lock:
            self._items.extendleft(reversed(items))
            self._bytes += sum(len(i) for i in items)

    def wake(self) -> None:
        """Wakes a get_batch waiting for records."""
        with self._lock:
            self._not_empty.notify_all()

    def clear(self) -> int:
        """Empties the queue; returns how many records it held."""
        with self._lock:
            n = len(self._items)
            self._items.clear()
            self._bytes = 0
            self._not_full.notify_all()
            return n
