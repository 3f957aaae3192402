"""The tables of watches (saved searches that call back), their events and webhook deliveries.

``WatchStore(conn)`` works on the archive's connection (as ``ChannelTables`` does), creates
its tables with ``CREATE TABLE IF NOT EXISTS`` when opened and gives one transaction per call
(nested calls join the outer one). The SQL is portable (``?`` placeholders, TEXT / INTEGER /
REAL / BLOB, new ids by ``RETURNING id``, upserts by ``ON CONFLICT``), so that the PostgreSQL
backend runs it as it is. Times are Unix seconds (REAL). Tables:

- ``watches`` — the query, the webhook (or none: the watch has only its Atom feed), the secret
  its deliveries are signed with, who made it, and two watermarks over the archive's change
  stream: ``source_mark`` (the last ``sources.id`` looked at: every new cable and every new
  version of a cable is a new ``sources`` row) and ``article_mark`` (the last ``articles.id``).
- ``watch_events`` — one per (watch, item): ``item`` is ``source:ID`` or ``article:ID``, so
  that a pass run twice, or by two processes at once, records an item once (``UNIQUE``).
- ``watch_deliveries`` — one webhook POST of a batch of events: its body (JSON, fixed when
  made, so that each retry sends the same bytes), status ``pending`` / ``delivered`` /
  ``failed``, the attempts made, when the next is due and who holds it (``claimed_until``:
  a deliverer claims a delivery before sending, so that two deliverers never send it twice).
- ``watch_attempts`` — the delivery log: each attempt's time, HTTP status or error, duration.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from ..errors import StoreError
from .channel_tables import ChannelTables
from .watch_changes import latest

SCHEMA = """
CREATE TABLE IF NOT EXISTS watches(
    id INTEGER PRIMARY KEY,
    query TEXT NOT NULL,
    webhook TEXT,
    secret TEXT NOT NULL,
    created REAL NOT NULL,
    created_by TEXT NOT NULL,
    source_mark INTEGER NOT NULL DEFAULT 0,
    article_mark INTEGER NOT NULL DEFAULT 0,
    checked REAL
);
CREATE TABLE IF NOT EXISTS watch_events(
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref_id TEXT,
    article_id INTEGER,
    title TEXT,
    path TEXT NOT NULL,
    created REAL NOT NULL,
    delivery_id INTEGER,
    UNIQUE(watch_id, item)
);
CREATE INDEX IF NOT EXISTS watch_events_watch ON watch_events(watch_id, id);
CREATE TABLE IF NOT EXISTS watch_deliveries(
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    events INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    next_attempt REAL NOT NULL,
    claimed_until REAL,
    delivered REAL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS watch_deliveries_due ON watch_deliveries(status, next_attempt);
CREATE INDEX IF NOT EXISTS watch_deliveries_watch ON watch_deliveries(watch_id, id);
CREATE TABLE IF NOT EXISTS watch_attempts(
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES watch_deliveries(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started REAL NOT NULL,
    status INTEGER,
    error TEXT,
    elapsed REAL
);
CREATE INDEX IF NOT EXISTS watch_attempts_delivery ON watch_attempts(delivery_id, id)
"""

_WATCH_COLS = "id, query, webhook, created, created_by, source_mark, article_mark, checked"


class WatchStore:
    """Watches, their events and deliveries over one SQLite connection (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection):
        self.db = conn
        self._sp = 0
        ChannelTables(conn)  # the articles a watch reads exist (empty) before any feed was added
        try:
            with self.tx():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot create the watch tables: {e}") from None

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (nested calls join the outer one through a savepoint)."""
        if self.db.in_transaction:
            self._sp += 1
            name = f"cb_watch_sp{self._sp}"
            self.db.execute(f"SAVEPOINT {name}")
            try:
                yield self.db
            except BaseException:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
                raise
            else:
                self.db.execute(f"RELEASE {name}")
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def _rows(self, sql: str, args: Iterable = ()) -> list[dict[str, Any]]:
        cur = self.db.execute(sql, tuple(args))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def _one(self, sql: str, args: Iterable = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    # ------------------------------------------------------------------ watches
    def add(self, query: str, webhook: str | None, secret: str, created_by: str, now: float) -> int:
        """A new watch; its watermarks start at the archive's latest source and article, so that it
        fires on what arrives from now on."""
        with self.tx():
            smark, amark = latest(self.db)
            row = self.db.execute(
                "INSERT INTO watches (query, webhook, secret, created, created_by, source_mark, article_mark)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (query, webhook, secret, now, created_by, smark, amark)).fetchone()
        return int(row[0])

    def list(self) -> list[dict[str, Any]]:
        return self._rows(f"SELECT {_WATCH_COLS} FROM watches ORDER BY id")

    def get(self, watch_id: int) -> dict[str, Any] | None:
        return self._one(f"SELECT {_WATCH_COLS} FROM watches WHERE id = ?", (watch_id,))

    def secret(self, watch_id: int) -> str | None:
        row = self.db.execute("SELECT secret FROM watches WHERE id = ?", (watch_id,)).fetchone()
        return row[0] if row else None

    def remove(self, watch_id: int) -> bool:
        """Delete a watch with its events, deliveries and their log; False if there was none."""
        with self.tx():
            gone = self.db.execute("DELETE FROM watches WHERE id = ? RETURNING id", (watch_id,)).fetchall()
            if gone:
                self.db.execute("DELETE FROM watch_attempts WHERE delivery_id IN"
                                " (SELECT id FROM watch_deliveries WHERE watch_id = ?)", (watch_id,))
                self.db.execute("DELETE FROM watch_deliveries WHERE watch_id = ?", (watch_id,))
                self.db.execute("DELETE FROM watch_events WHERE watch_id = ?", (watch_id,))
        return bool(gone)

    def advance(self, watch_id: int, source_mark: int, article_mark: int, now: float) -> None:
        """Move the watermarks forward (never back: two deliverers may race) and note the pass."""
        self.db.execute(
            "UPDATE watches SET source_mark = CASE WHEN source_mark < ? THEN ? ELSE source_mark END,"
            " article_mark = CASE WHEN article_mark < ? THEN ? ELSE article_mark END, checked = ? WHERE id = ?",
            (source_mark, source_mark, article_mark, article_mark, now, watch_id))

    # ------------------------------------------------------------------ events
    def add_event(self, watch_id: int, item: str, kind: str, *, ref_id: str | None, article_id: int | None,
                  title: str | None, path: str, now: float) -> int | None:
        """Record that ``item`` matched the watch: its new event id, or None when already recorded."""
        row = self.db.execute(
            "INSERT INTO watch_events (watch_id, item, kind, ref_id, article_id, title, path, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(watch_id, item) DO NOTHING RETURNING id",
            (watch_id, item, kind, ref_id, article_id, title, path, now)).fetchone()
        return int(row[0]) if row else None

    def events(self, watch_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """The watch's events, newest first."""
        return self._rows(
            "SELECT id, item, kind, ref_id, article_id, title, path, created, delivery_id FROM watch_events"
            " WHERE watch_id = ? ORDER BY id DESC LIMIT ?", (watch_id, limit))

    # ------------------------------------------------------------------ deliveries
    def add_delivery(self, watch_id: int, url: str, body: str, event_ids: list[int], now: float) -> int:
        row = self.db.execute(
            "INSERT INTO watch_deliveries (watch_id, url, body, events, status, attempts, created, next_attempt)"
            " VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING id",
            (watch_id, url, body, len(event_ids), now, now)).fetchone()
        did = int(row[0])
        self.db.executemany("UPDATE watch_events SET delivery_id = ? WHERE id = ?", [(did, e) for e in event_ids])
        return did

    def due(self, now: float, limit: int = 100) -> list[dict[str, Any]]:
        """Pending deliveries whose next attempt is due and that no deliverer holds."""
        return self._rows(
            "SELECT d.id, d.watch_id, d.url, d.body, d.attempts, w.webhook, w.secret FROM watch_deliveries d"
            " JOIN watches w ON w.id = d.watch_id WHERE d.status = 'pending' AND d.next_attempt <= ?"
            " AND (d.claimed_until IS NULL OR d.claimed_until < ?) ORDER BY d.next_attempt, d.id LIMIT ?",
            (now, now, limit))

    def claim(self, delivery_id: int, now: float, hold_s: float) -> bool:
        """Take a due delivery for ``hold_s`` seconds; False when another deliverer has it."""
        with self.tx():
            got = self.db.execute(
                "UPDATE watch_deliveries SET claimed_until = ? WHERE id = ? AND status = 'pending'"
                " AND (claimed_until IS NULL OR claimed_until < ?) RETURNING id",
                (now + hold_s, delivery_id, now)).fetchall()
        return bool(got)

    def attempted(self, delivery_id: int, *, started: float, status: int | None, error: str | None,
                  elapsed: float, outcome: str, next_attempt: float | None) -> None:
        """Log one attempt and set the delivery's state: ``delivered``, ``pending`` (again at
        ``next_attempt``) or ``failed`` (no more attempts)."""
        with self.tx():
            n = self.db.execute("UPDATE watch_deliveries SET attempts = attempts + 1 WHERE id = ? RETURNING attempts",
                                (delivery_id,)).fetchone()
            if n is None:
                return  # the watch was removed meanwhile
            self.db.execute(
                "INSERT INTO watch_attempts (delivery_id, attempt, started, status, error, elapsed)"
                " VALUES (?, ?, ?, ?, ?, ?)", (delivery_id, n[0], started, status, error, elapsed))
            self.db.execute(
                "UPDATE watch_deliveries SET status = ?, next_attempt = coalesce(?, next_attempt),"
                " claimed_until = NULL, last_error = ?, delivered = ? WHERE id = ?",
                (outcome, next_attempt, error, started + elapsed if outcome == "delivered" else None, delivery_id))

    def deliveries(self, watch_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """The watch's deliveries, newest first, each with its ``log`` of attempts."""
        rows = self._rows(
            "SELECT id, url, events, status, attempts, created, next_attempt, delivered, last_error"
            " FROM watch_deliveries WHERE watch_id = ? ORDER BY id DESC LIMIT ?", (watch_id, limit))
        by_id = {r["id"]: r for r in rows}
        for r in rows:
            r["log"] = []
        if by_id:
            ids = list(by_id)
            for a in self._rows(
                    f"SELECT delivery_id, attempt, started, status, error, elapsed FROM watch_attempts"
                    f" WHERE delivery_id IN ({','.join('?' * len(ids))}) ORDER BY id", ids):
                by_id[a.pop("delivery_id")]["log"].append(a)
        return rows


__all__ = ["SCHEMA", "WatchStore"]
