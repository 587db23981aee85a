"""The optional durable spool: unsent records kept in SQLite (stdlib sqlite3)."""

import sqlite3
import threading
import time
from typing import List, Optional, Tuple

__all__ = ["Spool"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    data BLOB NOT NULL
)"""
_INDEX = "CREATE INDEX IF NOT EXISTS records_created ON records (created)"


class Spool:
    """A FIFO of encoded records in an SQLite file, bounded in count, bytes
    and age (the oldest go first; what is removed is counted in
    ``dropped``). Records stay until ``delete`` is called for them, so that
    they survive a crash or a restart and are sent, in order, by the next
    process using the same file."""

    def __init__(self, path: str, max_records: int = 100000, max_bytes: int = 64 << 20,
                 max_age: Optional[float] = 7 * 86400.0) -> None:
        self.path = path
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.dropped = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.execute(_INDEX)
        row = self._db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM records").fetchone()
        self._count, self._bytes = int(row[0]), int(row[1])

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        return self._bytes

    def append(self, items: List[bytes]) -> None:
        """Stores ``items`` (one transaction), then enforces the limits."""
        if not items:
            return
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT INTO records (created, data) VALUES (?, ?)",
                                     [(now, sqlite3.Binary(i)) for i in items])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._count += len(items)
            self._bytes += sum(len(i) for i in items)
            self._enforce()

    def _enforce(self) -> None:
        if self.max_age is not None and self._count:
            cutoff = time.time() - self.max_age
            n, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM records "
                                       "WHERE created < ?", (cutoff,)).fetchone()
            if n:
                self._db.execute("DELETE FROM records WHERE created < ?", (cutoff,))
                self.dropped += n
                self._count -= n
                self._bytes -= size
        while self._count > self.max_records or self._bytes > self.max_bytes:
            over = max(1, self._count - self.max_records)
            rows = self._db.execute("SELECT id, LENGTH(data) FROM records ORDER BY id LIMIT ?",
                                    (over,)).fetchall()
            if not rows:
                self._count, self._bytes = 0, 0
                return
            self._db.execute("DELETE FROM records WHERE id <= ?", (rows[-1][0],))
            self.dropped += len(rows)
            self._count -= len(rows)
            self._bytes -= sum(r[1] for r in rows)

    def peek(self, max_items: int, max_bytes: int) -> List[Tuple[int, bytes]]:
        """The oldest records (at least one if any), without removing them."""
        with self._lock:
            if self._count == 0:
                return []
            rows = self._db.execute("SELECT id, data FROM records ORDER BY id LIMIT ?", (max_items,)).fetchall()
        out: List[Tuple[int, bytes]] = []
        total = 0
        for rid, data in rows:
            if out and total + len(data) > max_bytes:
                break
            out.append((rid, bytes(data)))
            total += len(data)
        return out

    def delete(self, rows: List[Tuple[int, bytes]]) -> None:
        """Removes sent records (a prefix of what peek returned)."""
        if not rows:
            return
        lo, hi = rows[0][0], rows[-1][0]
        with self._lock:
            n, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM records "
                                       "WHERE id BETWEEN ? AND ?", (lo, hi)).fetchone()
            self._db.execute("DELETE FROM records WHERE id BETWEEN ? AND ?", (lo, hi))
            self._count -= n
            self._bytes -= size

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
