"""Settings: the one settings object (``Settings``), read once from the environment and
defaults by ``Settings.load``: where the archive lives, the limits ingest works within, and
its sections ``poll`` (``PollSettings``: fetching and polling) and ``web`` (``WebSettings``).

The archive is a directory holding ``cablebase.sqlite`` (records and raw bytes) and
``index/`` (the tantivy search index, derived from the SQLite file). Its location is, in
order: ``--db PATH`` on the command line, the ``CABLEBASE_DB`` environment variable, the
platform's user data directory (``platformdirs.user_data_dir("cablebase")``).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from .parse.official import OfficialIds
from .sources.files import MAX_INPUT_BYTES
from .sources.net import NetPolicy
from .sources.settings import PollSettings


APP_NAME = "cablebase"
DB_ENV = "CABLEBASE_DB"
"""Environment variable naming the archive directory (same meaning as ``--db``)."""
MAX_INPUT_BYTES_ENV = "CABLEBASE_MAX_INPUT_BYTES"
BUSY_TIMEOUT_ENV = "CABLEBASE_BUSY_TIMEOUT_MS"
OFFICIAL_IDS_ENV = "CABLEBASE_OFFICIAL_IDS"
"""Path of the official list of Cablegate reference IDs (cablemap's ``cable2month.csv.gz``,
``REFID,month``): malformed official IDs get their clean aliases from it, and partial extracts
their IDs. Unset: the list is looked for at ``OFFICIAL_IDS_DEFAULT``; absent: not used."""
OFFICIAL_IDS_DEFAULT = "../shared/corpus/cablemap-fixtures/cablemap.core/cablemap/core/cable2month.csv.gz"

INDEX_DIR_ENV = "CABLEBASE_INDEX_DIR"
"""Where the search index of a PostgreSQL archive is kept on this machine (see ``index_home``)."""
PG_SCHEMES = ("postgresql://", "postgres://")

SQLITE_NAME = "cablebase.sqlite"
INDEX_NAME = "index"

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


def is_db_url(db: str | os.PathLike[str] | None) -> bool:
    """Whether ``db`` names a PostgreSQL archive (``postgresql://…``) rather than a directory."""
    return isinstance(db, str) and db.startswith(PG_SCHEMES)


def resolve_db(db: str | os.PathLike[str] | None = None) -> str | Path:
    """The archive: ``db`` if given, else ``$CABLEBASE_DB``, else the default directory; a
    ``postgresql://`` URL is kept as the string it is, anything else is a directory."""
    db = db or os.environ.get(DB_ENV) or None
    if db is None:
        return default_db_dir()
    if is_db_url(db):
        return str(db)
    return Path(db).expanduser()


def resolve_db_dir(db: str | os.PathLike[str] | None = None) -> Path:
    """The directory of the archive named by ``db`` (see ``resolve_db``): the archive itself,
    or for a PostgreSQL archive the local directory holding its search index."""
    where = resolve_db(db)
    return index_home(where) if isinstance(where, str) else where


def index_home(url: str) -> Path:
    """Where the search index of the PostgreSQL archive ``url`` lives on this machine:
    ``$CABLEBASE_INDEX_DIR``, else a directory per host, port and database under the user data
    directory. The index is derived: ``cablebase reindex`` rebuilds it from the database."""
    env = os.environ.get(INDEX_DIR_ENV)
    if env:
        return Path(env).expanduser()
    parts = urlsplit(url)
    name = (parts.path or "/").lstrip("/") or "postgres"
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{parts.hostname or 'local'}-{parts.port or 5432}-{name}")
    return default_db_dir() / "postgresql" / slug


# -- the web server's section -------------------------------------------------------------
# Read from the command line, else the environment: ``CABLEBASE_WEB_TOKEN`` — the token that
# turns on write actions over HTTP (adding a feed, polling now; without one the server is
# read-only); ``CABLEBASE_WEB_TOKEN_FILE`` — a file holding that token (its first line);
# ``CABLEBASE_WEB_BASE_URL`` — the public URL of the site (absolute links in feeds; default: the
# URL each request came in on); ``CABLEBASE_WEB_CACHE=0`` turns off the per-worker result caches;
# ``CABLEBASE_WEB_PRIVATE=1`` makes the server private (``cablebase serve --private``).
TOKEN_ENV = "CABLEBASE_WEB_TOKEN"
TOKEN_FILE_ENV = "CABLEBASE_WEB_TOKEN_FILE"
BASE_URL_ENV = "CABLEBASE_WEB_BASE_URL"
CACHE_ENV = "CABLEBASE_WEB_CACHE"
PRIVATE_ENV = "CABLEBASE_WEB_PRIVATE"
"""``1``: the server is private (``cablebase serve --private``): every page, JSON endpoint, feed
and export needs a user's token or a logged-in session."""

MIN_TOKEN_CHARS = 16


@dataclass(frozen=True, slots=True)
class WebSettings:
    token: str | None = None
    """Bearer token for write actions; None: write actions are off."""
    base_url: str | None = None
    """Public URL of the site, without a trailing slash (None: from each request)."""
    per_page: int = 50
    """Cables per page of a listing."""
    search_per_page: int = 20
    feed_entries: int = 50
    """Entries in an Atom feed."""
    cache: bool = True
    """Per-worker caches of search results and facet counts."""
    cache_entries: int = 512
    private: bool = False
    """Every page, JSON endpoint, feed and export needs a token or a session (``--private``);
    False: reading is public, writing needs an editor's token (or ``token``)."""
    session_s: float = 12 * 3600
    """How long a browser stays logged in."""
    login_max_failures: int = 5
    """Failed logins allowed per client address, and per user name, within ``login_window_s``;
    the next ones answer 429 with Retry-After until the oldest failure leaves the window."""
    login_window_s: float = 300.0
    problem: str | None = None
    """What is wrong with the token settings (an unreadable token file), reported by ``check``
    when the server starts: other commands do not fail for the web's settings."""

    @classmethod
    def from_env(cls) -> WebSettings:
        """The web section from ``CABLEBASE_WEB_*`` (read by ``Settings.load``, once)."""
        token = os.environ.get(TOKEN_ENV) or None
        tf = os.environ.get(TOKEN_FILE_ENV)
        problem = None
        if not token and tf:
            try:
                token = read_token_file(Path(tf))
            except ValueError as e:
                problem = str(e)
        return cls(
            token=token,
            base_url=(os.environ.get(BASE_URL_ENV) or "").rstrip("/") or None,
            cache=os.environ.get(CACHE_ENV, "1").strip().lower() not in ("0", "false", "no", "off"),
            private=os.environ.get(PRIVATE_ENV, "0").strip().lower() in ("1", "true", "yes", "on"),
            problem=problem,
        )

    def check(self) -> WebSettings:
        """``ValueError`` if the token settings cannot be used; else self."""
        if self.problem:
            raise ValueError(self.problem)
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            raise ValueError(f"the web token must have at least {MIN_TOKEN_CHARS} characters")
        return self


def read_token_file(path: Path) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ValueError(f"cannot read token file {path}: {e.strerror or e}") from None
    return lines[0].strip() if lines and lines[0].strip() else None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything tunable about an archive and an ingest run."""

    db_dir: Path
    """The archive directory; for a PostgreSQL archive, the local directory of its index."""
    db_url: str | None = None
    """``postgresql://…``: the archive's records are in that database (None: in ``db_dir``)."""
    max_input_bytes: int = MAX_INPUT_BYTES
    batch_size: int = BATCH_SIZE
    index_heap_bytes: int = INDEX_HEAP_BYTES
    index_threads: int = INDEX_THREADS
    index_commit_every: int = 0
    """Cables to gather before committing the index (0: commit on every write, so each
    ``add_cables`` is searchable when it returns; ingest uses ``INDEX_COMMIT_EVERY``)."""
    busy_timeout_ms: int = BUSY_TIMEOUT_MS
    poll: PollSettings = field(default_factory=PollSettings)
    """Fetching and polling: every limit, the network policy (``CABLEBASE_NET_ALLOW``)."""
    web: WebSettings = field(default_factory=WebSettings)
    """The web server: token, public URL, caches (``CABLEBASE_WEB_*``)."""

    @property
    def is_pg(self) -> bool:
        return self.db_url is not None

    def describe(self) -> str:
        """The archive as messages name it (a URL without its password, or the directory)."""
        if self.db_url:
            parts = urlsplit(self.db_url)
            host = parts.hostname or ""
            user = f"{parts.username}@" if parts.username else ""
            port = f":{parts.port}" if parts.port else ""
            return f"{parts.scheme}://{user}{host}{port}{parts.path}"
        return str(self.db_dir)

    @property
    def sqlite_path(self) -> Path:
        return self.db_dir / SQLITE_NAME

    @property
    def index_path(self) -> Path:
        return self.db_dir / INDEX_NAME

    @classmethod
    def load(cls, db: str | os.PathLike[str] | None = None, **overrides: object) -> Settings:
        """Settings for the archive named by ``db`` (see ``resolve_db_dir``), with the environment
        read once for every section (``CABLEBASE_MAX_INPUT_BYTES``, ``CABLEBASE_BUSY_TIMEOUT_MS``, ``CABLEBASE_NET_ALLOW``,
        ``CABLEBASE_WEB_*``). ``overrides`` set fields, sections included (``web=…``)."""
        where = resolve_db(db)
        url = where if isinstance(where, str) else None
        s = cls(db_dir=index_home(url) if url else where, db_url=url, poll=PollSettings(net=NetPolicy.from_env()), web=WebSettings.from_env())
        env_max = os.environ.get(MAX_INPUT_BYTES_ENV)
        if env_max:
            try:
                s = replace(s, max_input_bytes=int(env_max))
            except ValueError:
                raise ValueError(f"{MAX_INPUT_BYTES_ENV}={env_max!r} is not a number of bytes") from None
        env_busy = os.environ.get(BUSY_TIMEOUT_ENV)
        if env_busy:
            try:
                s = replace(s, busy_timeout_ms=max(0, int(env_busy)))
            except ValueError:
                raise ValueError(f"{BUSY_TIMEOUT_ENV}={env_busy!r} is not a number of milliseconds") from None
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(s, **overrides) if overrides else s  # type: ignore[arg-type]
