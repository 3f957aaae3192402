"""Moving an archive to another backend: embedded → PostgreSQL and back (``cablebase migrate``).

The records, raw inputs, versions, names, channels, feeds, articles, links, entities and the
graph are copied table by table into a new, empty archive (``_store.migrate``); the target's
search index is rebuilt from what arrived; then both sides' rows are counted table by table
and the target is checked (``check``: records against index, names, versions). The source is
only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .._store import open_store
from .._store.migrate import copy_archive, count_rows, tables_to_copy
from .._store.sqlite import SQLiteStore
from ..config import Settings, index_home, resolve_db
from ..errors import StoreError
from ..model import MigrateReport


def target_settings(settings: Settings, target: str) -> Settings:
    """``settings`` (the source's) naming the archive ``target`` instead (a directory or a URL)."""
    where = resolve_db(target)
    if isinstance(where, str):
        return replace(settings, db_url=where, db_dir=index_home(where))
    return replace(settings, db_url=None, db_dir=Path(where))


def migrate(store: SQLiteStore, settings: Settings, target: str,
            progress: Callable[[str, int], None] | None = None) -> MigrateReport:
    """Copy the archive ``store`` (opened with ``settings``) to the new archive ``target``."""
    dst_settings = target_settings(settings, target)
    if dst_settings.describe() == settings.describe():
        raise StoreError(f"{target} is the archive being copied; name another one")
    if not dst_settings.is_pg and dst_settings.sqlite_path.exists():
        raise StoreError(f"{dst_settings.describe()} already holds an archive; migrate copies into a new one")
    dst = open_store(dst_settings, create=True)
    try:
        copy_archive(store, dst, progress)
        indexed = dst.reindex()
        tables = tables_to_copy(store)
        before, after = count_rows(store, tables), count_rows(dst, tables)
        check = dst.check()
    finally:
        dst.close()
    return MigrateReport(source=settings.describe(), target=dst_settings.describe(),
                         tables=[(t, before[t], after[t]) for t in tables], indexed=indexed, check=check)


__all__ = ["migrate", "target_settings"]
