"""Storage, private to cablebase: where parsed cables, their raw sources, channels, articles
and entities are kept and searched. Only ``cablebase.archive`` (the ``Archive`` face) and the
use cases it runs reach in here; every SQL statement and every tantivy call lives in this
package.

``open_store(settings)`` gives the default backend (SQLite records + tantivy index), which
implements the ``Store`` interface in ``base``.
"""

from __future__ import annotations

from ..config import Settings
from .base import RawBlob, Store
from .index import SearchIndex
from .sqlite import SQLiteStore


def open_store(settings: Settings, *, create: bool = True) -> SQLiteStore:
    """Open the archive in ``settings.db_dir`` (created if ``create``, else StoreError if absent)."""
    return SQLiteStore(settings, create=create)


__all__ = ["RawBlob", "SQLiteStore", "SearchIndex", "Store", "open_store"]
