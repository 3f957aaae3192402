"""The archive as the web server sees it: per-thread read-only connections and shared caches.

One ``WebArchive`` per worker process. Each thread that serves requests (the event loop's,
or a thread of the pool that streams exports) gets its own ``Browse`` (read-only SQLite)
and its own ``SQLiteStore`` (for the search index, raw bytes and stats), opened on first use.
The caches (facet values of every cable, the cited-by map, search results) are shared by
the threads and keyed on the archive's version, so an ingest or a poll shows at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

from ..config import Settings
from ..errors import StoreError
from .._store import SQLiteStore, open_store
from .._store.browse import Browse, CitedBy, FacetRow
from .settings import WebSettings

T = TypeVar("T")
log = logging.getLogger("cablebase.web")


class LRU:
    """A small thread-safe LRU map."""

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
            return v

    def put(self, key: Hashable, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


class WebArchive:
    def __init__(self, settings: Settings, web: WebSettings):
        self.settings = settings
        self.web = web
        if not settings.sqlite_path.exists():
            raise StoreError(f"no archive at {settings.db_dir} (nothing ingested yet; see `cablebase ingest`)")
        self._local = threading.local()
        self._all: list[tuple[Browse, SQLiteStore | None]] = []
        self._all_lock = threading.Lock()
        self.cited = CitedBy()
        self.results = LRU(web.cache_entries if web.cache else 0)
        self._facets: tuple[int, dict[str, FacetRow]] | None = None
        self._facets_lock = threading.Lock()
        self._memo = LRU(256)
        self.started = time.time()

    # -- per-thread handles ------------------------------------------------------------------
    @property
    def browse(self) -> Browse:
        b = getattr(self._local, "browse", None)
        if b is None:
            b = Browse(self.settings.sqlite_path, busy_timeout_ms=self.settings.busy_timeout_ms)
            self._local.browse = b
            with self._all_lock:
                self._all.append((b, None))
        return b

    @property
    def store(self) -> SQLiteStore:
        s = getattr(self._local, "store", None)
        if s is None:
            s = open_store(self.settings, create=False)
            self._local.store = s
            with self._all_lock:
                self._all.append((None, s))  # type: ignore[arg-type]
        return s

    def close(self) -> None:
        with self._all_lock:
            for b, s in self._all:
                for x in (b, s):
                    if x is not None:
                        try:
                            x.close()
                        except Exception:  # noqa: BLE001 - closing on shutdown, nothing to report to
                            pass
            self._all.clear()
        self._local = threading.local()

    def warm(self) -> None:
        """Open this thread's handles and build the caches the first requests would build."""
        self.browse
        self.facet_table()
        self.cited_by("")
        try:
            self.store.index.index
        except (StoreError, OSError, ValueError) as e:  # an index to rebuild: all but search still works
            log.warning("search index unavailable: %s", e)

    # -- versions and caches ---------------------------------------------------------------------
    def version(self) -> tuple[int, int]:
        """(cable version, article version), current at every call.

        The queries behind it scan the articles, so this thread's answer is kept until its
        connection's ``PRAGMA data_version`` moves: SQLite changes that whenever another
        connection (an ingest, a poll, another process) commits, and asking it costs nothing.
        (A time-to-live instead served pages of the old version for a while after a write.)
        """
        b = self.browse
        dv = b.data_version()
        got = getattr(self._local, "version", None)
        if got is not None and got[0] is b and got[1] == dv:
            return got[2]
        ver = b.version()
        self._local.version = (b, dv, ver)
        return ver

    def facet_table(self) -> dict[str, FacetRow]:
        v = self.version()[0]
        f = self._facets
        if f is None or f[0] != v:
            with self._facets_lock:
                f = self._facets
                if f is None or f[0] != v:
                    f = (v, self.browse.facet_table())
                    self._facets = f
        return f[1]

    def cited_by(self, ref_id: str) -> list[str]:
        return self.cited.get(self.browse, ref_id, self.version()[0])

    def memo(self, key: Hashable, fn: Callable[[], T], *, articles: bool = False) -> T:
        """``fn()``, remembered until the archive changes (cheap lists: facet values, counts)."""
        v = self.version()
        k = (v if articles else v[0], key)
        got = self._memo.get(k)
        if got is None:
            got = fn()
            self._memo.put(k, got)
        return got
