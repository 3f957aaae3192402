"""The tables of a team's desk: users and their tokens, browser sessions, notes, the audit log.

``DeskTables(conn)`` works on the archive's own connection (SQLite, or PostgreSQL through
``pg.PgConnection``: the statements here are written once, in the SQL both engines share),
creates the tables below with ``CREATE TABLE IF NOT EXISTS`` on open, and gives one
transaction per call (``tx``; nested calls join the outer one) and rows as dicts. Tables:

- ``users`` — one per person: name, role (``reader``, ``editor``, ``admin``), the sha256 of
  their current token (never the token), when made, when the token was last rotated, and
  ``revoked`` (0/1: a revoked user keeps their row, so notes and audit rows still name them).
- ``sessions`` — a browser's login: the sha256 of its cookie (never the cookie), the user,
  when it was made and when it expires.
- ``notes`` — a note on a cable (``ref_id``), a paragraph of one (``paragraph``: the anchor,
  ``par10``) or an article (``article_id``): its author, current text and version.
- ``note_edits`` — every version of every note's text (version 1 is the text it was made
  with): the edit history, and ``max(id)`` is the notes' version for caches.
- ``audit_log`` — who did what, when and from where: every write over HTTP, every login
  (and failed one), every change to users. Append-only: this module has no statement that
  updates or deletes a row of it, and the database refuses both (a trigger on each engine,
  ``APPEND_ONLY``), so a writer with SQL access still cannot rewrite history quietly.

No foreign keys: the tables refer to users by name and to cables by ref_id, so that
``migrate`` may copy them in any order. Times are Unix seconds (REAL); booleans 0/1.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from ..errors import StoreError
from . import dialect

ROLES = ("reader", "editor", "admin")
TABLES = ("users", "sessions", "notes", "note_edits", "audit_log")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    rotated REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions(
    id INTEGER PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_name);
CREATE TABLE IF NOT EXISTS notes(
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    ref_id TEXT,
    paragraph TEXT,
    article_id INTEGER,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_ref ON notes(ref_id);
CREATE INDEX IF NOT EXISTS notes_article ON notes(article_id);
CREATE TABLE IF NOT EXISTS note_edits(
    id INTEGER PRIMARY KEY,
    note_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    edited REAL NOT NULL,
    UNIQUE(note_id, version)
);
CREATE TABLE IF NOT EXISTS audit_log(
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    actor TEXT,
    role TEXT,
    action TEXT NOT NULL,
    target TEXT,
    status INTEGER,
    address TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log(action, at);
"""

APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log"
        " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log"
        " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION cablebase_append_only() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION cablebase_append_only()",
    ],
}
"""The database's own refusal to update or delete an audit row, one spelling per engine
(triggers are where SQLite and PostgreSQL share no syntax)."""


class DeskTables:
    """The desk's tables over one connection: schema, transactions, rows, the audit log."""

    def __init__(self, conn: Any, *, now=time.time, create: bool = True):
        self.db = conn
        self.now = now
        self.ready = True
        """The tables exist (False only with ``create=False`` on an archive that has none yet)."""
        try:
            if dialect.tables(self.db, TABLES) == set(TABLES):
                return  # made before (with their triggers): nothing to write, no write lock taken
            if not create:  # a reader: an archive without a desk has no users, notes or audit rows
                self.ready = False
                return
            with self.tx():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
                for stmt in APPEND_ONLY["postgresql" if dialect.is_pg(self.db) else "sqlite"]:
                    self.db.execute(stmt)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot create the desk's tables (users, notes, audit log): {e}") from None

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def tx(self) -> Iterator[Any]:
        """One transaction (nested calls join the outer one)."""
        if self.db.in_transaction:
            yield self.db
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

    # ------------------------------------------------------------------ the audit log
    def audit(self, action: str, *, actor: str | None = None, role: str | None = None, target: str | None = None,
              status: int | None = None, address: str | None = None, detail: dict[str, Any] | None = None) -> int:
        """Append one row to the audit log (in the caller's transaction if there is one); its id."""
        with self.tx():
            return self.db.execute(
                "INSERT INTO audit_log (at, actor, role, action, target, status, address, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (self.now(), actor, role, action, target, status, address,
                 orjson.dumps(detail).decode() if detail else None)).fetchone()[0]

    def audit_rows(self, *, limit: int = 100, before: int | None = None, actor: str | None = None,
                   action: str | None = None) -> list[dict[str, Any]]:
        """The latest audit rows first (``before``: ids below it, for paging)."""
        where, args = [], []
        if before is not None:
            where.append("id < ?")
            args.append(before)
        if actor:
            where.append("actor = ?")
            args.append(actor)
        if action:
            where.append("action = ?")
            args.append(action)
        sql = "SELECT id, at, actor, role, action, target, status, address, detail FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._rows(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])
        for r in rows:
            r["detail"] = orjson.loads(r["detail"]) if r["detail"] else None
        return rows

    def recent_failures(self, action: str, *, since: float, address: str | None = None,
                        actor: str | None = None) -> tuple[int, float | None]:
        """(how many ``action`` rows since ``since`` from ``address`` or naming ``actor``, the
        time of the oldest of them): what the login rate limit counts."""
        col, val = ("address", address) if address is not None else ("actor", actor)
        row = self.db.execute(f"SELECT count(*), min(at) FROM audit_log WHERE action = ? AND at >= ? AND {col} = ?",
                              (action, since, val)).fetchone()
        return int(row[0]), row[1]


__all__ = ["APPEND_ONLY", "DeskTables", "ROLES", "SCHEMA"]
