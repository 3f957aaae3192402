"""The archive on PostgreSQL: the same tables, the same SQL, a server instead of a file.

``PgStore`` is ``SQLiteStore`` with its records in the PostgreSQL database that
``Settings.db_url`` names, reached through ``pg.PgConnection`` (which runs the store's
statements in PostgreSQL's spelling, ``dialect``). The search index stays tantivy, in a local
directory of the machine that serves the archive (``config.index_home``): it is derived, and
``cablebase reindex`` rebuilds it from the database as it does from the SQLite file.

Schema versions are kept in ``cablebase_meta`` (``schema_version``); ``migrate`` creates the
tables of a new database and upgrades an older one when the archive is opened, under the
writers' lock, so two processes opening a new database at once create it once.
"""

from __future__ import annotations

import sqlite3
import uuid

from ..config import Settings
from ..errors import Busy, StoreError
from ..model import CheckReport
from . import names, pg
from .sqlite import SQLiteStore
from .sqlite_schema import TABLES, Transaction

SCHEMA_VERSION = 2
ARCHIVE_ID_FILE = "cablebase-archive-id"
"""In the local index directory: the ``archive_id`` of the archive the index was built from."""
"""Versions of the PostgreSQL schema (1: the tables of SQLite schema v4; 2: of v5, with raw_dicts)."""

SCHEMA = TABLES.replace("RECORD_SQL", names.RECORD_SQL_PG) + names.SCHEMA + """;
ALTER TABLE raw_inputs ALTER COLUMN data SET STORAGE EXTERNAL
"""
"""The tables of ``sqlite_schema``; raw inputs, already zstd-packed, are kept out of line
without a second compression."""


def require_archive(db: pg.PgConnection, where: str) -> None:
    """StoreError unless the database ``db`` holds an archive."""
    if db.execute("SELECT to_regclass('cablebase_meta')").fetchone()[0] is None:
        raise StoreError(f"no archive at {where} (nothing ingested yet; see `cablebase ingest`)")


def migrate(db: pg.PgConnection, where: str, *, create: bool = True) -> None:
    """Bring the database ``db`` to ``SCHEMA_VERSION`` (its tables created when new)."""
    if not create:
        require_archive(db, where)
    with Transaction(db):
        db.execute("CREATE TABLE IF NOT EXISTS cablebase_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = db.execute("SELECT value FROM cablebase_meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(f"{where}: archive schema v{version} is newer than this cablebase (v{SCHEMA_VERSION})")
        # The archive's identity: the local search index is tied to it, not to the database's
        # name (a database dropped and made again under the same name is another archive).
        db.execute("INSERT INTO cablebase_meta (key, value) VALUES ('archive_id', ?) ON CONFLICT (key) DO NOTHING",
                   (uuid.uuid4().hex,))
        if version == SCHEMA_VERSION:
            return
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                db.execute(stmt)
        db.execute("INSERT INTO cablebase_meta (key, value) VALUES ('schema_version', ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),))


class PgStore(SQLiteStore):
    """The archive with its records in PostgreSQL (``Settings.db_url``) and its index local."""

    DEFER_INDEX = True
    """On a team's server, a writer that finds the search index held by another process (a
    second ingest) stores its records anyway instead of failing with ``Busy``: they stay listed
    in ``index_pending`` and the index holder indexes them within ``DRAIN_EVERY_S`` (or this
    store does when it closes, or the next writer does)."""

    def __init__(self, settings: Settings, *, create: bool = True):
        super().__init__(settings, create=create)
        try:
            self._bind_index()
        except BaseException:
            self.close()
            raise

    def archive_id(self) -> str:
        """The archive's identity (a UUID made with its tables, kept in ``cablebase_meta``)."""
        return self.db.execute("SELECT value FROM cablebase_meta WHERE key = 'archive_id'").fetchone()[0]

    def _bind_index(self) -> None:
        """Tie the local index directory to this archive: an index left by another archive
        (a database of the same name dropped and made again), or by a cablebase that did not
        mark its index, is rebuilt from the records (``reindex``)."""
        mark = self.index.path / ARCHIVE_ID_FILE
        ident = self.archive_id()
        try:
            seen = mark.read_text().strip()
        except OSError:
            seen = None
        if seen == ident:
            return
        if seen is not None or (self.index.path / "meta.json").exists():
            try:
                self.index.recreate()
                if self.count():
                    self.reindex()
            except Busy:
                return  # another process holds it: the next open binds it
        self.index.path.mkdir(parents=True, exist_ok=True)
        tmp = mark.with_suffix(".tmp")
        tmp.write_text(ident + "\n")
        tmp.replace(mark)

    def _connect(self, create: bool) -> pg.PgConnection:  # type: ignore[override]
        s = self.settings
        assert s.db_url is not None
        db = pg.connect(s.db_url, create=create, busy_timeout_ms=s.busy_timeout_ms)
        try:
            migrate(db, s.describe(), create=create)
        except sqlite3.DatabaseError as e:
            db.close()
            raise StoreError(f"{s.describe()}: cannot open archive: {e}") from None
        except BaseException:
            db.close()
            raise
        try:
            s.db_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            db.close()
            raise StoreError(f"cannot create the index directory {s.db_dir}: {e.strerror or e}") from None
        return db

    RECORD_BYTES_SQL = "SELECT sum(octet_length(record)), sum(pg_column_size(record)) FROM sources"

    def _database_bytes(self) -> int:
        return int(self.db.execute("SELECT pg_database_size(current_database())").fetchone()[0])

    def check(self, *, quick: bool = False) -> CheckReport:
        """Compare the records with the index. PostgreSQL enforces the foreign keys itself and
        checks its pages as it reads them; what is left to check is what SQL cannot say."""
        return self._compare_index(names.problems(self.db))


__all__ = ["PgStore", "SCHEMA_VERSION", "migrate", "require_archive"]
