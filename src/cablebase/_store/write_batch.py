"""A long run of writes batched into transactions committed on time: the poller's pass.

``WriteBatch(conn, every_s)`` (``ChannelStore.write_batch``) holds one transaction open across
many writes and commits it every ``every_s`` seconds, so that a pass of thousands of small
writes costs a few commits, while other writers (an ingest, ``feed add``) still get the lock in
between. The store's own calls join the open transaction (``ChannelTables.tx`` nests); a call
that must run its own transaction (the archive's ``add_cable``) runs inside ``paused()``.

Only this module runs the batch's transaction statements (``BEGIN IMMEDIATE`` / ``COMMIT``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager


class WriteBatch:
    """One writer's batched transaction over ``conn`` (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection, every_s: float):
        self.db = conn
        self.every_s = every_s
        self._tx_started = 0.0
        self._tx_ended = float("-inf")
        self._changes = -1
        self._batching = False

    @property
    def batching(self) -> bool:
        return self._batching

    def begin(self) -> bool:
        """Start batching (True), unless ``every_s`` is 0 or the caller already holds a
        transaction (False: each write is its own transaction)."""
        if self.every_s > 0 and not self.db.in_transaction:
            self._batching = True
            self.tick()
            return True
        return False

    def tick(self, *, end: bool = False) -> None:
        """Commit the open transaction when it is old enough (or at the end). The next one
        begins only after a pause of a quarter of ``every_s``, and only if something was written
        meanwhile: other writers get the lock in between instead of waiting out their busy
        timeout on a batch that would hold it from start to end."""
        if not self._batching:
            return
        db = self.db
        now = time.monotonic()
        if db.in_transaction:
            if not end and now - self._tx_started < self.every_s:
                return
            db.execute("COMMIT")
            self._tx_ended = now
            self._changes = db.total_changes
        if end:
            self._batching = False
        elif now - self._tx_ended >= self.every_s / 4 and db.total_changes != self._changes:
            db.execute("BEGIN IMMEDIATE")
            self._tx_started = now

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Around a call that runs its own transaction: the batch's open one is committed
        before it and a new one begun after it (whether it succeeded or not)."""
        db = self.db
        batching = self._batching
        if batching and db.in_transaction:
            db.execute("COMMIT")
        try:
            yield
        finally:
            if batching and not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
                self._tx_started = time.monotonic()


__all__ = ["WriteBatch"]
