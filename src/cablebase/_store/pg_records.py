"""Records without an index: what a cluster's worker writes into a PostgreSQL archive, and the
units of work a cluster ingest has done (so that a restarted run resumes).

``RecordWriter(url)`` stores cables and their raw bytes exactly as ``PgStore.add_cables`` does
(one transaction, the same SQL in ``write``), and lists every changed cable in
``index_pending`` in that transaction. Record writers run side by side: each takes the writers'
lock shared and a lock per cable key (``PgConnection.begin_keyed_write``), so the workers of a
cluster write different cables at once while two versions of one cable queue; an ordinary
writer (an ingest, a poller, the web) still has the archive to itself. It never opens the search index: that lives on the
client's machine, whose single indexer (``SQLiteStore.index_pending``) indexes what is listed.
So the index never runs ahead of the records, and a worker killed mid-transaction leaves
nothing (PostgreSQL rolls it back).

``ingest_units``: ``(run, unit)`` rows, one per unit of inputs whose records are committed;
``run`` is a hash of the whole ingest's inputs and options (``pipeline.dask_ingest``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..config import Settings
from ..errors import Busy, StoreError
from ..model import Added
from ..record import Cable
from . import pg, postgres, write
from .base import RawBlob
from .sqlite_schema import Transaction

UNITS_TABLE = """CREATE TABLE IF NOT EXISTS ingest_units (
    run TEXT NOT NULL, unit INTEGER NOT NULL, done_at TEXT NOT NULL, PRIMARY KEY (run, unit))"""


class RecordWriter:
    """A records-only connection to the PostgreSQL archive at ``url`` (no search index)."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 60_000):
        self.where = pg.public_url(url)
        self.db = pg.connect(url, create=False, busy_timeout_ms=busy_timeout_ms)
        try:
            postgres.require_archive(self.db, self.where)
        except BaseException:
            self.db.close()
            raise

    def add_cables(self, items: Iterable[tuple[Cable, bytes | RawBlob]]) -> list[Added]:
        """Store cables in one transaction and list them for the indexer; ``Busy`` when the
        writers' lock stays taken past ``busy_timeout_ms``, ``StoreError`` (nothing stored) else."""
        prepared = write.prepare(items)
        if not prepared:
            return []
        try:
            self.db.begin_keyed_write([k for it in prepared for k in (it.key, it.tkey, *(it.cable.aliases or ()))])
            try:
                results, changed, removed = write.write(self.db, prepared)
                write.list_pending(self.db, [c.ref_id for c in changed] + removed)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as e:
            if "locked" in str(e):
                raise Busy(f"{self.where} is being written by other processes ({e}); try again later") from None
            raise StoreError(f"cannot store {write.describe(prepared)} in {self.where}: {e}") from None
        except sqlite3.Error as e:
            raise StoreError(f"cannot store {write.describe(prepared)} in {self.where}: {e}") from None
        return results

    def close(self) -> None:
        self.db.close()


def units_done(db: sqlite3.Connection, run: str) -> set[int]:
    """The units of ``run`` whose records are committed (table made when absent)."""
    db.execute(UNITS_TABLE)
    return {r[0] for r in db.execute("SELECT unit FROM ingest_units WHERE run = ?", (run,))}


def mark_units(db: sqlite3.Connection, run: str, units: Iterable[int]) -> None:
    """Record units of ``run`` as done (idempotent)."""
    rows = [(run, u, write.now()) for u in units]
    if not rows:
        return
    db.execute(UNITS_TABLE)
    with Transaction(db):
        db.executemany("INSERT INTO ingest_units (run, unit, done_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (run, unit) DO NOTHING", rows)


def forget_run(db: sqlite3.Connection, run: str) -> None:
    """Drop a finished run's rows (a later run of the same inputs starts afresh)."""
    db.execute(UNITS_TABLE)
    with Transaction(db):
        db.execute("DELETE FROM ingest_units WHERE run = ?", (run,))


def archive_url(settings: Settings) -> str:
    """The PostgreSQL URL workers write to; StoreError for an embedded archive."""
    if not settings.db_url:
        raise StoreError(f"{settings.describe()} is an embedded archive: a cluster's workers can write only to"
                         " a PostgreSQL archive (--db postgresql://…); or let the client store them (--dask-store client)")
    return settings.db_url


__all__ = ["RecordWriter", "archive_url", "forget_run", "mark_units", "units_done"]
