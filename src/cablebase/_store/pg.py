"""The PostgreSQL connection the store's SQL runs on (``--db postgresql://…``).

``PgConnection`` gives a psycopg 3 connection the small surface of ``sqlite3.Connection``
the store uses (``execute``, ``executemany``, ``in_transaction``, ``close``), translating
each statement with ``dialect.to_pg`` and reporting errors as the ``sqlite3`` exception of
the same kind (``IntegrityError`` for a broken constraint, ``OperationalError`` — "database
is locked" — for a lock wait that timed out), so the store has one error path for both
engines. The connection runs in autocommit mode: like SQLite's ``isolation_level=None``, a
statement outside ``BEGIN`` … ``COMMIT`` is its own transaction.

Writers serialise on one advisory lock per database (taken by ``BEGIN IMMEDIATE``), held to
the end of the transaction, exactly as SQLite's single writer lock: no lost update between
two ingests, a poller and a web worker; a wait longer than ``busy_timeout_ms`` fails as
"locked" (``Busy`` for the user), as on SQLite. Readers never wait.

``connect(url)`` creates the database on first use when the role may (``CREATE DATABASE``);
``reader(url)`` lends a read-only connection from the process's pool (psycopg_pool).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Iterable

import psycopg
from psycopg import conninfo, errors as pg_errors, sql as pg_sql
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import NumericLoader
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import StoreError
from .dialect import to_pg

WRITE_LOCK_KEY = 0x636162_6C65  # "cable": the advisory lock writers queue on
_CHANGES = ("INSERT", "UPDATE", "DELETE")
_LOCKED = (pg_errors.LockNotAvailable, pg_errors.QueryCanceled, pg_errors.DeadlockDetected,
           pg_errors.SerializationFailure)


class _Numbers(NumericLoader):
    """``numeric`` (what ``sum`` of integers gives) as int when whole, else float — as SQLite."""

    def load(self, data: Any) -> Any:
        d = super().load(data)
        if isinstance(d, Decimal):
            return int(d) if d == d.to_integral_value() else float(d)
        return d


def _args(params: Iterable[Any] | None) -> tuple:
    if params is None:
        return ()
    return tuple(int(p) if isinstance(p, bool) else p for p in params)


def _as_sqlite_error(e: psycopg.Error) -> sqlite3.Error:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, _LOCKED):
        return sqlite3.OperationalError(f"database is locked ({msg})")
    if isinstance(e, psycopg.IntegrityError):
        return sqlite3.IntegrityError(msg)
    return sqlite3.OperationalError(msg)  # as SQLite reports a missing table, a bad statement…


class PgConnection:
    """A psycopg connection with the ``sqlite3.Connection`` surface the store uses."""

    row_factory = None  # rows are tuples, as with SQLite's default

    def __init__(self, conn: psycopg.Connection, *, busy_timeout_ms: int = 10_000,
                 release: Callable[[psycopg.Connection], None] | None = None):
        self.raw = conn
        self._release = release
        """Gives a pooled connection back to its pool instead of closing it."""
        self.busy_timeout_ms = busy_timeout_ms
        self.total_changes = 0
        """Rows inserted, updated or deleted on this connection so far (as SQLite counts them)."""

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Iterable[Any] | None = None) -> psycopg.Cursor:
        if sql.strip().upper() == "BEGIN IMMEDIATE":
            return self._begin_write()
        try:
            cur = self.raw.execute(to_pg(sql), _args(params))
        except psycopg.Error as e:
            raise _as_sqlite_error(e) from None
        self._count(sql, cur)
        return cur

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> psycopg.Cursor:
        cur = self.raw.cursor()
        try:
            cur.executemany(to_pg(sql), [_args(r) for r in rows])
        except psycopg.Error as e:
            raise _as_sqlite_error(e) from None
        self._count(sql, cur)
        return cur

    def _count(self, sql: str, cur: psycopg.Cursor) -> None:
        if cur.rowcount > 0 and sql.lstrip()[:6].upper() in _CHANGES:
            self.total_changes += cur.rowcount

    def _begin_write(self) -> psycopg.Cursor:
        try:
            self.raw.execute("BEGIN")
            self.raw.execute(f"SET LOCAL lock_timeout = {int(self.busy_timeout_ms)}")
            return self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        except psycopg.Error as e:
            err = _as_sqlite_error(e)
            if self.in_transaction:
                self.raw.execute("ROLLBACK")
            raise err from None

    def begin_keyed_write(self, keys: Iterable[str]) -> None:
        """Begin a write that runs beside other keyed writes: the writers' lock taken *shared*
        (an ordinary writer, which takes it alone, waits for them and they for it), then one
        advisory lock per key (a cable's ref_id or text key), in one order, so that two keyed
        writes of the same cable queue while writes of different cables go on at once."""
        ids = sorted({int.from_bytes(hashlib.sha256(("cablebase:" + k).encode()).digest()[:8], "big", signed=True)
                      for k in keys})
        try:
            self.raw.execute("BEGIN")
            self.raw.execute(f"SET LOCAL lock_timeout = {int(self.busy_timeout_ms)}")
            self.raw.execute("SELECT pg_advisory_xact_lock_shared(%s)", (WRITE_LOCK_KEY,))
            for k in ids:  # one at a time, in order: no two keyed writers wait for each other in a circle
                self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (k,))
        except psycopg.Error as e:
            err = _as_sqlite_error(e)
            if self.in_transaction:
                self.raw.execute("ROLLBACK")
            raise err from None

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def close(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release(self.raw)
        elif not self.raw.closed:
            self.raw.close()


def _dbname(url: str) -> str:
    return conninfo.conninfo_to_dict(url).get("dbname") or ""


def public_url(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    try:
        info = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    host, port, db = info.get("host", ""), info.get("port", ""), info.get("dbname", "")
    user = info.get("user")
    return f"postgresql://{user + '@' if user else ''}{host}{':' + str(port) if port else ''}/{db}"


_POOLS: dict[tuple[str, int], ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()
READER_POOL_MAX = 16
"""Connections a process keeps for reading (web threads, exports): beyond them a reader waits."""


def _configure_reader(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", _Numbers)
    conn.execute("SET default_transaction_read_only = on")


def reader(url: str, *, busy_timeout_ms: int = 10_000) -> PgConnection:
    """A read-only connection from this process's pool for ``url`` (psycopg_pool), given back to
    the pool by ``close()``: the web's serving threads and exports borrow one per view."""
    key = (url, os.getpid())  # a pool never crosses a fork
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = ConnectionPool(
                url, min_size=1, max_size=READER_POOL_MAX, kwargs={"autocommit": True, "connect_timeout": 10},
                configure=_configure_reader, open=False, name="cablebase-readers")
            try:
                pool.open(wait=True, timeout=10)
            except (PoolTimeout, psycopg.Error) as e:
                del _POOLS[key]
                pool.close()
                raise StoreError(f"cannot open archive {public_url(url)}: {str(e).strip()}") from None
    try:
        conn = pool.getconn(timeout=busy_timeout_ms / 1000)
    except PoolTimeout:
        raise StoreError(f"{public_url(url)}: no connection free for reading (all {READER_POOL_MAX} in use)") from None
    return PgConnection(conn, busy_timeout_ms=busy_timeout_ms, release=pool.putconn)


def connect(url: str, *, create: bool = True, busy_timeout_ms: int = 10_000) -> PgConnection:
    """Open ``url``; if its database does not exist and ``create``, create it first."""
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as e:
        if "does not exist" not in str(e) or not create:
            raise StoreError(f"cannot open archive {public_url(url)}: {str(e).strip()}") from None
        _create_database(url)
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as e2:
            raise StoreError(f"cannot open archive {public_url(url)}: {str(e2).strip()}") from None
    conn.adapters.register_loader("numeric", _Numbers)
    # As SQLite's synchronous=NORMAL in WAL mode (the embedded archive): a commit returns before
    # its WAL reaches the disk, so a power cut may lose the last few hundred milliseconds of
    # writes, never corrupt what was written; the server's other users keep their own setting.
    conn.execute("SET synchronous_commit = off")
    try:  # records and articles are text: lz4 packs them at a fraction of pglz's CPU (PostgreSQL 14+)
        conn.execute("SET default_toast_compression = 'lz4'")
    except psycopg.Error:
        pass
    return PgConnection(conn, busy_timeout_ms=busy_timeout_ms)


def _create_database(url: str) -> None:
    name = _dbname(url)
    admin = conninfo.make_conninfo(url, dbname="postgres")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as c:
            c.execute(pg_sql.SQL("CREATE DATABASE {}").format(pg_sql.Identifier(name)))
    except pg_errors.DuplicateDatabase:
        pass  # another process made it first
    except psycopg.Error as e:
        raise StoreError(f"archive {public_url(url)} does not exist and cannot be created: {str(e).strip()}") from None


def drop_database(url: str) -> None:
    """Drop the database ``url`` names (tests and ``migrate`` clean-up)."""
    name = _dbname(url)
    admin = conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as c:
        c.execute(pg_sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pg_sql.Identifier(name)))


__all__ = ["PgConnection", "connect", "drop_database", "public_url", "reader"]
