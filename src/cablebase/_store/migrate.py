"""Copying a whole archive to another backend (``cablebase migrate --to URL``).

Every table is copied row for row, ids included, in an order that satisfies the foreign keys
(raw inputs before the versions that point at them, …), into an empty archive of the same
schema on the other engine (its tables are made first); then the target's index is rebuilt
from what arrived and the counts of both sides are compared. The search index is never
copied: it is derived, and each backend keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import StoreError
from . import dialect
from .channel_tables import ChannelTables
from .entity_writes import EntityWriter
from .notes import DeskStore
from .sqlite import SQLiteStore
from .sqlite_schema import Transaction
from .watch_tables import WatchStore

ORDER = (
    "raw_dicts", "raw_inputs", "sources", "cables", "cable_tags", "cable_names",
    "channels", "feeds", "channel_feeds", "articles", "feed_entries", "article_versions", "images", "article_cables",
    "entities", "entity_aliases", "mentions", "cable_refs", "similar", "doc_tags", "doc_acronyms", "enriched",
    "enrich_meta", "watches", "watch_events", "watch_deliveries", "watch_attempts",
)
"""Tables in an order their foreign keys allow; tables not named here follow, by name."""
NOT_COPIED = ("index_pending", "cablebase_meta", "ingest_units")
"""Bookkeeping of one backend (what its own index still lacks, its schema version and identity,
the units a cluster ingest has done)."""
ROW_ORDER = {"entities": "merged_into IS NOT NULL, id"}
"""An entity merged into another points at it: the ones that are not merged go first."""
CHUNK = 1000


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables_to_copy(src: SQLiteStore) -> list[str]:
    have = dialect.tables(src.db, dialect.all_tables(src.db)) - set(NOT_COPIED)
    return [t for t in ORDER if t in have] + sorted(have - set(ORDER))


def copy_archive(src: SQLiteStore, dst: SQLiteStore,
                 progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of ``src`` into the empty archive ``dst`` (one transaction); returns the
    rows copied per table. StoreError, with nothing written, when ``dst`` holds anything or
    lacks a table ``src`` has."""
    ChannelTables(dst.db)  # the tables a new archive makes on first use
    EntityWriter(dst.db)
    DeskStore(dst.db)  # users, sessions, notes, audit log
    WatchStore(dst.db)
    names = tables_to_copy(src)
    there = dialect.tables(dst.db, names)
    missing = [t for t in names if t not in there]
    if missing:
        raise StoreError(f"the target archive has no table {', '.join(missing)} (is it an older cablebase?)")
    full = [t for t in names if dst.db.execute(f"SELECT 1 FROM {_q(t)} LIMIT 1").fetchone()]
    if full:
        raise StoreError(f"the target archive is not empty ({', '.join(full)} hold rows); "
                         "migrate copies into a new, empty archive")
    counts: dict[str, int] = {}
    with Transaction(dst.db):
        for t in names:
            cols = sorted(dialect.columns(src.db, t) & dialect.columns(dst.db, t))
            collist = ", ".join(_q(c) for c in cols)
            order = f" ORDER BY {ROW_ORDER[t]}" if t in ROW_ORDER else ""
            insert = f"INSERT INTO {_q(t)} ({collist}) VALUES ({', '.join('?' * len(cols))})"
            cur = src.db.execute(f"SELECT {collist} FROM {_q(t)}{order}")
            n = 0
            while rows := cur.fetchmany(CHUNK):
                dst.db.executemany(insert, rows)
                n += len(rows)
                if progress:
                    progress(t, n)
            if "id" in cols and n:
                dialect.ids_given(dst.db, t)
            counts[t] = n
    return counts


def count_rows(store: SQLiteStore, tables: list[str]) -> dict[str, int]:
    return {t: store.db.execute(f"SELECT count(*) FROM {_q(t)}").fetchone()[0] for t in tables}


__all__ = ["NOT_COPIED", "ORDER", "copy_archive", "count_rows", "tables_to_copy"]
