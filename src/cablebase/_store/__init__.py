"""Storage, private to cablebase: where parsed cables, their raw sources, channels, articles
and entities are kept and searched. Only ``cablebase.archive`` (the ``Archive`` face) and the
use cases it runs reach in here; every SQL statement and every tantivy call lives in this
package.

``open_store(settings)`` gives the backend the settings name: the embedded default (SQLite
records + tantivy index, ``sqlite``) or PostgreSQL records + a local tantivy index
(``postgres``); both implement the ``Store`` interface in ``base`` with the same SQL
(``dialect``).
"""

from __future__ import annotations

from ..config import Settings
from . import pg, postgres
from .base import RawBlob, Store
from .browse import Browse
from .index import SearchIndex
from .postgres import PgStore
from .sqlite import SQLiteStore


def open_store(settings: Settings, *, create: bool = True) -> SQLiteStore:
    """Open the archive ``settings`` name: the PostgreSQL database of ``settings.db_url``, else
    the directory ``settings.db_dir`` (created if ``create``, else StoreError if absent)."""
    if settings.db_url:
        return PgStore(settings, create=create)
    return SQLiteStore(settings, create=create)


def open_reader(settings: Settings) -> Browse:
    """A read-only view of the archive ``settings`` name, on a connection of its own
    (StoreError when there is no archive)."""
    if settings.db_url:
        db = pg.reader(settings.db_url, busy_timeout_ms=settings.busy_timeout_ms)
        try:
            postgres.require_archive(db, settings.describe())
        except BaseException:
            db.close()
            raise
        return Browse(db=db)
    return Browse(settings.sqlite_path, busy_timeout_ms=settings.busy_timeout_ms)


__all__ = ["Browse", "PgStore", "RawBlob", "open_reader", "SQLiteStore", "SearchIndex", "Store", "open_store"]
