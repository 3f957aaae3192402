"""The archive: where parsed cables and their raw sources are kept and searched.

``open_store(settings)`` gives the default backend (SQLite records + tantivy index);
everything else talks to it through the ``Store`` interface in ``store.base``.
"""

from __future__ import annotations

from ..config import Settings
from .base import (
    Added,
    BadQuery,
    Busy,
    CheckReport,
    Hit,
    Outcome,
    RawBlob,
    SearchFilters,
    SearchResults,
    Stats,
    Store,
    StoredSource,
    from_other_versions,
)
from .index import IndexOutdated, SearchIndex
from .sqlite import IndexNotUpdated, SQLiteStore


def open_store(settings: Settings, *, create: bool = True) -> SQLiteStore:
    """Open the archive in ``settings.db_dir`` (created if ``create``, else StoreError if absent)."""
    return SQLiteStore(settings, create=create)


__all__ = [
    "Added",
    "BadQuery",
    "Busy",
    "CheckReport",
    "Hit",
    "IndexNotUpdated",
    "IndexOutdated",
    "Outcome",
    "RawBlob",
    "SQLiteStore",
    "SearchFilters",
    "SearchIndex",
    "SearchResults",
    "Stats",
    "Store",
    "StoredSource",
    "from_other_versions",
    "open_store",
]
