"""Settings: where the archive lives and the limits ingest works within.

The archive is a directory holding ``cablebase.sqlite`` (records and raw bytes) and
``index/`` (the tantivy search index, derived from the SQLite file). Its location is, in
order: ``--db PATH`` on the command line, the ``CABLEBASE_DB`` environment variable, the
platform's user data directory (``platformdirs.user_data_dir("cablebase")``).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

from .parse.official import OfficialIds

APP_NAME = "cablebase"
VERSION = "0.1.0"
"""The package's version (``cablebase.__version__``), named in the User-Agent and the pages."""
DB_ENV = "CABLEBASE_DB"
"""Environment variable naming the archive directory (same meaning as ``--db``)."""
MAX_INPUT_BYTES_ENV = "CABLEBASE_MAX_INPUT_BYTES"
OFFICIAL_IDS_ENV = "CABLEBASE_OFFICIAL_IDS"
"""Path of the official list of Cablegate reference IDs (cablemap's ``cable2month.csv.gz``,
``REFID,month``): malformed official IDs get their clean aliases from it, and partial extracts
their IDs. Unset: the list is looked for at ``OFFICIAL_IDS_DEFAULT``; absent: not used."""
OFFICIAL_IDS_DEFAULT = "../shared/corpus/cablemap-fixtures/cablemap.core/cablemap/core/cable2month.csv.gz"

SQLITE_NAME = "cablebase.sqlite"
INDEX_NAME = "index"

MAX_INPUT_BYTES = 50 * 2**20
"""Largest single input (file or archive member) read; larger ones are refused unread."""
BATCH_SIZE = 256
"""Cables stored per SQLite transaction / tantivy commit during ingest."""
INDEX_HEAP_BYTES = 256_000_000
"""Memory budget of the tantivy index writer."""
INDEX_COMMIT_EVERY = 4096
"""During ``cablebase ingest``: commit the search index once this many cables are waiting
(or 30 s have passed), not after every batch; each tantivy commit costs ~0.1 s of fsync.
Records are committed per batch regardless; ``check`` / ``reindex`` cover a crash between."""
INDEX_THREADS = 1
"""Indexing threads of the tantivy writer. One is fastest here: ingest keeps the other cores
busy parsing, and each extra thread splits the heap into smaller, more frequent segments."""
BUSY_TIMEOUT_MS = 10_000
"""How long SQLite waits on a lock held by another process before failing."""


def official_ids_path() -> Path | None:
    """Where the official ID list is (``$CABLEBASE_OFFICIAL_IDS``, else the default), if it exists.
    ``CABLEBASE_OFFICIAL_IDS=`` (empty) turns the list off."""
    env = os.environ.get(OFFICIAL_IDS_ENV)
    if env is not None:
        p = Path(env).expanduser() if env else None
    else:
        p = Path(OFFICIAL_IDS_DEFAULT)
    return p if p is not None and p.is_file() else None


@functools.cache
def _load_official(path: str) -> OfficialIds:
    return OfficialIds.from_bytes(Path(path).read_bytes())


def official_ids() -> OfficialIds | None:
    """The official ID list named by ``official_ids_path()``, read once per process."""
    p = official_ids_path()
    return _load_official(str(p.resolve())) if p else None


def default_db_dir() -> Path:
    """The platform's per-user data directory for cablebase (not created here)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_db_dir(db: str | os.PathLike[str] | None = None) -> Path:
    """The archive directory: ``db`` if given, else ``$CABLEBASE_DB``, else the default."""
    if db:
        return Path(db).expanduser()
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return default_db_dir()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything tunable about an archive and an ingest run."""

    db_dir: Path
    max_input_bytes: int = MAX_INPUT_BYTES
    batch_size: int = BATCH_SIZE
    index_heap_bytes: int = INDEX_HEAP_BYTES
    index_threads: int = INDEX_THREADS
    index_commit_every: int = 0
    """Cables to gather before committing the index (0: commit on every write, so each
    ``add_cables`` is searchable when it returns; ingest uses ``INDEX_COMMIT_EVERY``)."""
    busy_timeout_ms: int = BUSY_TIMEOUT_MS

    @property
    def sqlite_path(self) -> Path:
        return self.db_dir / SQLITE_NAME

    @property
    def index_path(self) -> Path:
        return self.db_dir / INDEX_NAME

    @classmethod
    def load(cls, db: str | os.PathLike[str] | None = None, **overrides: object) -> Settings:
        """Settings for the archive named by ``db`` (see ``resolve_db_dir``), env applied."""
        s = cls(db_dir=resolve_db_dir(db))
        env_max = os.environ.get(MAX_INPUT_BYTES_ENV)
        if env_max:
            try:
                s = replace(s, max_input_bytes=int(env_max))
            except ValueError:
                raise ValueError(f"{MAX_INPUT_BYTES_ENV}={env_max!r} is not a number of bytes") from None
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(s, **overrides) if overrides else s  # type: ignore[arg-type]
