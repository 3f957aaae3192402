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

from .. import Archive, FacetRow, Settings, StoreError, WebSettings

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


class CitedBy:
    """The reverse of every cable's REF list, rebuilt when the archive changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._map: dict[str, list[str]] = {}

    def get(self, browse: Any, ref_id: str, version: int | None = None) -> list[str]:
        v = browse.cable_version() if version is None else version
        if v != self._version:
            with self._lock:
                if v != self._version:
                    m: dict[str, list[str]] = {}
                    for citing, cited in browse.references_table():
                        if citing != cited:
                            lst = m.setdefault(cited, [])
                            if citing not in lst:
                                lst.append(citing)
                    for lst in m.values():
                        lst.sort()
                    self._map, self._version = m, v
        return self._map.get(ref_id, [])


class WebArchive:
    def __init__(self, settings: Settings, web: WebSettings):
        self.settings = settings
        self.web = web
        if not settings.is_pg and not settings.sqlite_path.exists():
            raise StoreError(f"no archive at {settings.db_dir} (nothing ingested yet; see `cablebase ingest`)")
        self._local = threading.local()
        self._all: list[Archive] = []
        self._all_lock = threading.Lock()
        self.cited = CitedBy()
        self.results = LRU(web.cache_entries if web.cache else 0)
        self._facets: tuple[int, dict[str, FacetRow]] | None = None
        self._facets_lock = threading.Lock()
        self._memo = LRU(256)
        self.started = time.time()

    # -- per-thread handles ------------------------------------------------------------------
    @property
    def archive(self) -> Archive:
        """This thread's ``Archive`` (it holds SQLite connections: one per thread)."""
        a = getattr(self._local, "archive", None)
        if a is None:
            a = Archive(self.settings, create=False, lazy=True)
            self._local.archive = a
            with self._all_lock:
                self._all.append(a)
        return a

    @property
    def browse(self):  # noqa: ANN201 - the archive's read-only view (``Archive.reader``)
        return self.archive.reader()

    def close(self) -> None:
        with self._all_lock:
            for a in self._all:
                try:
                    a.close()
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
            self.archive.warm_index()
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
