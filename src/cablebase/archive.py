"""``Archive``: the one face of a cablebase archive. Every use case goes through it.

An archive is a directory (``Settings.db_dir``) holding the records (SQLite), the search
index (tantivy), the channels with their feeds and articles, and the entities. The CLI, the
web app, the benchmarks and the tests open it with ``open_archive()`` and call its methods;
nothing outside this module and the use cases it runs (``pipeline`` for ingest,
``sources.feeds`` for polling, ``enrich.run`` for enrichment) touches storage, which is
private (``cablebase._store``).

    with open_archive("my-archive") as archive:
        archive.ingest(["cables.csv"])
        for hit in archive.search("tags:PTER Tegucigalpa"):
            print(hit.ref_id, hit.subject)

One ``Archive`` per thread: it holds SQLite connections. ``reader()`` gives a read-only
view (``Browse``) for the listing pages; the web app keeps one of each per serving thread.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ._store import SQLiteStore, open_reader, open_store
from ._store import index_facets, index_suggest, progress
from ._store import query as query_module
from ._store.browse import Browse
from ._store.channels import ChannelStore
from ._store.entities import EntityStore
from ._store.watch_tables import WatchStore
from .config import Settings
from .archive_desk import DeskFace
from .model import Added, CheckReport, Hit, MigrateReport, SearchFilters, SearchResults, Stats, StoredSource
from .pipeline.ingest import Failure, IngestReport, ingest
from .pipeline.migrate import migrate
from .pipeline import watches as watch_pass
from .record import Cable
from .errors import CablebaseError, StoreError
from .parse.subscriptions import OpmlFeed, parse_opml, write_opml
from .sources.files import file_url, get_file
from .sources.net import NetPolicy, split_checked
from .sources.settings import PollSettings

if TYPE_CHECKING:
    from .pipeline.enrich import EnrichReport
    from .pipeline.poll import Poller
    from .pipeline.poll_report import PollReport
    from .pipeline.subscribe import Subscribed
    from .pipeline.watch_delivery import Deliverer

# The poll and enrich use cases (feed parsers, the HTTP client, the NLP stage) are loaded by the
# methods that run them, not with this module: every command opens an Archive, and loading them
# all made each one start ~110 ms later (measured 2026-12-06; the CLI's own rule since the start).


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """A parsed query (``Archive.search_plan``); what it holds is the search engine's business."""

    query: str
    text: Any
    full: Any


class Archive(DeskFace):
    """One archive, opened for reading and writing (``create``: made if absent; ``lazy``, with
    ``create=False``: its store opened on first use, for a user that may only read listings).

    Raises ``StoreError`` when it cannot be opened (``no archive at …`` without ``create``).
    Users, logins, notes and the audit log are ``DeskFace``'s methods (``archive_desk``)."""

    def __init__(self, settings: Settings, *, create: bool = True, lazy: bool = False):
        self.settings = settings
        self._opened: SQLiteStore | None = None
        if lazy and not create:  # a reader-only user (a web thread) may never need the store
            if not settings.is_pg and settings.db_dir.exists() and not settings.db_dir.is_dir():
                raise StoreError(f"{settings.db_dir} is a file; the archive (--db) is a directory")
            if not settings.is_pg and not settings.sqlite_path.exists():
                raise StoreError(f"no archive at {settings.db_dir} (nothing ingested yet; see `cablebase ingest`)")
        else:
            self._opened = open_store(settings, create=create)
        self._channels: ChannelStore | None = None
        self._entities: EntityStore | None = None
        self._watches: WatchStore | None = None
        self._reader: Browse | None = None

    @property
    def _store(self) -> SQLiteStore:
        """The records and the index, opened on first use (a reader alone does not open them)."""
        if self._opened is None:
            self._opened = open_store(self.settings, create=False)
        return self._opened

    # -- lifecycle -------------------------------------------------------------------------
    def flush(self) -> None:
        """Make everything written so far searchable (commit the index)."""
        if self._opened is not None:
            self._opened.flush()

    def close(self) -> None:
        """Flush, then release the archive's connections and locks."""
        try:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        finally:
            opened, self._opened = self._opened, None
            self._channels = self._entities = self._watches = self._desk_store = None  # they were on the store's connection
            if opened is not None:
                opened.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cables --------------------------------------------------------------------------
    def get(self, ref_id: str) -> Cable | None:
        """The cable's current (fullest) record, or None."""
        return self._store.get_cable(ref_id)

    def resolve(self, name: str) -> list[str]:
        """The stored ref_ids a name stands for (``07MEXICO983``, a malformed WikiLeaks ID,
        ``1974ATHENS02959`` …), best first; empty when none."""
        return self._store.resolve(name)

    def sources(self, ref_id: str) -> list[StoredSource]:
        """Every stored version of the cable, current first."""
        return self._store.get_sources(ref_id)

    def raw(self, sha256: str) -> bytes | None:
        """An input's bytes exactly as they were read."""
        return self._store.get_raw(sha256)

    def cables(self) -> Iterator[Cable]:
        """Every cable's current record."""
        return self._store.iter_cables()

    def ref_ids(self) -> set[str]:
        return self._store.ref_ids()

    def stats(self) -> Stats:
        return self._store.stats()

    def disk_usage(self) -> dict[str, int]:
        """Bytes on disk: ``records`` (the database), ``index`` (the search index), and the record
        JSON as text (``record_json``) and as stored (``record_json_stored``)."""
        return self._store.disk_usage()

    def check(self, *, quick: bool = False) -> CheckReport:
        """Database integrity and records ↔ index agreement."""
        return self._store.check(quick=quick)

    def reindex(self, progress: Callable[[int, int | None], None] | None = None) -> int:
        """Rebuild the search index from the records; the number of cables indexed."""
        return self._store.reindex(progress)

    # -- ingest --------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        fmt: str | None = None,
        workers: int | None = None,
        on_error: Callable[[Failure], None] | None = None,
        on_progress: Callable[[IngestReport], None] | None = None,
        dask: str | None = None,
        dask_store: str | None = None,
        unit_inputs: int | None = None,
    ) -> IngestReport:
        """Read, parse, store and index every input under ``paths``; a bad input is reported
        (``on_error``, ``report.failures``) and the rest go on. The articles of a WikiLeaks site
        snapshot among them are stored as articles in a channel per section (``report.press``,
        ``report.press_stored``); its other pages are skipped (``report.site_pages``).

        ``dask``: the address of a Dask scheduler (``tcp://host:8786``): reading and parsing run
        on its workers, which write the records (``dask_store="workers"``, PostgreSQL only) or
        send them back (``"client"``); this process indexes (``pipeline.dask_ingest``)."""
        if dask:
            from .pipeline.dask_ingest import dask_ingest

            extra = {"unit_inputs": unit_inputs} if unit_inputs else {}
            report = dask_ingest(self._store, paths, settings=self.settings, address=dask, fmt=fmt,
                                 store_on=dask_store, on_error=on_error, on_progress=on_progress, **extra)
        else:
            report = ingest(self._store, paths, settings=self.settings, fmt=fmt, workers=workers,
                            on_error=on_error, on_progress=on_progress)
        if report.press:
            from .pipeline.press import store_press

            report.press_stored = store_press(self.channels, report.press)
        return report

    def add_cable(self, cable: Cable, raw: bytes, *, defer_index: bool = False) -> Added:
        """Store one parsed cable with the bytes it was read from (idempotent)."""
        return self._store.add_cable(cable, raw, defer_index=defer_index)

    def add_cables(self, items: Iterable[tuple[Cable, bytes]], *, defer_index: bool = False) -> list[Added]:
        """Store parsed cables with their bytes in one transaction (idempotent)."""
        return self._store.add_cables(items, defer_index=defer_index)

    # -- search --------------------------------------------------------------------------
    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
               offset: int = 0, **kw: Any) -> list[Hit]:
        """Hits for ``query`` in the query language (``docs/query.md``), best first."""
        return self._store.search(query, filters, limit=limit, offset=offset, **kw)

    def search_results(self, query: str, filters: SearchFilters | None = None, **kw: Any) -> SearchResults:
        """One page of hits with the total and the facet counts (``sort``, ``facets`` …)."""
        return self._store.search_results(query, filters, **kw)

    def warm_index(self) -> None:
        """Open the search index now (the first search would); ``StoreError`` if it must be rebuilt."""
        self._store.index.index

    def did_you_mean(self, query: str) -> str | None:
        """For a query with no hit: the query with each word no cable holds replaced by the
        closest word the cables do hold (``pseudoefedrine`` → ``pseudoephedrine``); None when
        there is none."""
        return index_suggest.suggest_query(self._store.index, query)

    def search_plan(self, query: str, filters: SearchFilters | None = None) -> SearchPlan:
        """``query`` and ``filters`` parsed once for ``matching_refs`` and ``hits_for`` (for
        callers that count and order the matches themselves). ``BadQuery`` if malformed."""
        text_q, full_q = index_facets.full_query(self._store.index, query, filters or SearchFilters())
        return SearchPlan(query, text_q, full_q)

    def matching_refs(self, plan: SearchPlan) -> list[str]:
        """Every ref_id the plan matches (unordered)."""
        return index_facets.matching_refs(self._store.index, plan.full)

    def hits_for(self, plan: SearchPlan, refs: list[str]) -> list[Hit]:
        """Hits (with snippets for the plan's words) for ``refs``, in that order."""
        return index_facets.hits_for(self._store.index, plan.text, refs)

    # -- channels, feeds, articles ------------------------------------------------------
    @property
    def channels(self) -> ChannelStore:
        """Channels, their feeds and the articles polled from them (on this archive's
        connection: what it writes is in the archive's transactions)."""
        if self._channels is None:
            self._channels = ChannelStore(self._store.db)
        return self._channels

    def add_feed(self, url: str, channel: str | None = None, *, settings: PollSettings | None = None,
                 fetch: bool = True) -> Subscribed:
        """Subscribe to a feed (or a page naming one) in ``channel`` (default: the feed's title)."""
        from .pipeline.subscribe import add_feed

        return add_feed(self.channels, url, channel, settings or self.settings.poll, fetch=fetch)

    def add_local_feed(self, path: str | os.PathLike[str], channel: str | None = None) -> Subscribed:
        """Subscribe to a feed file on this machine (``file:`` URL), polled like any feed: its
        modification time and size stand for the ETag. Only the local user may (the CLI): feeds
        and the web API can subscribe to http(s) only. A page saved on disk (a feed aggregator's
        channel page, a news article page) is read as a feed of its one article, in the page's
        channel (or its site's). ``FeedParseError`` if it is neither feed nor saved page."""
        from .pipeline.subscribe import add_local_feed

        url = file_url(path)
        _status, body, _tag = get_file(url, max_bytes=self.settings.poll.max_body_bytes)
        return add_local_feed(self.channels, url, body or b"", channel, self.settings.poll.limits)

    def poller(self, settings: PollSettings | None = None, **kw: Any) -> Poller:
        """A poller over this archive's feeds. Cables embedded in articles are stored here,
        indexed by this archive or the next writer if an ingest holds the index."""
        from .pipeline.poll import Poller

        return Poller(self.channels, settings or self.settings.poll,
                      add_cable=partial(self._store.add_cable, defer_index=True), **kw)

    def poll(self, settings: PollSettings | None = None, *, all_feeds: bool = False,
             feed_ids: Iterable[int] | None = None) -> PollReport:
        """Poll the due feeds once (every active feed with ``all_feeds``, or those of
        ``feed_ids``) and link the new articles to the cables they cite or embed."""
        from .pipeline.poll import run_async

        return run_async(self.poller(settings).run_once(all_feeds=all_feeds, feed_ids=feed_ids))

    def watch(self, settings: PollSettings | None = None, *,
              on_report: Callable[[PollReport], Any] | None = None, passes: int | None = None) -> None:
        """Poll forever (or ``passes`` times), sleeping until the next feed is due."""
        from .pipeline.poll import run_async

        run_async(self.poller(settings).watch(on_report=on_report, passes=passes))

    def import_opml(self, data: bytes | list[OpmlFeed], channel: str | None = None,
                    net: NetPolicy | None = None) -> tuple[int, list[str]]:
        """Subscribe to every feed of an OPML document (its bytes, or what ``parse_opml`` read
        from them: its folders become channels, or all go to ``channel``), in one transaction.
        Feeds whose URL the network policy refuses are left out: (feeds added, the reasons of
        those refused). Bad OPML: ``FeedParseError``."""
        policy = net or self.settings.poll.net
        feeds = parse_opml(data) if isinstance(data, bytes) else data
        added, refused = 0, []
        with self.channels.tx():
            for f in feeds:
                try:
                    split_checked(f.url, policy)
                except CablebaseError as e:
                    refused.append(str(e))
                    continue
                self.channels.add_feed(f.url, channel or f.channel or f.title or f.url, title=f.title)
                added += 1
        return added, refused

    def export_opml(self) -> tuple[str, int]:
        """Every subscription as OPML, folders by channel: (the document, subscriptions written)."""
        groups: dict[str | None, list[tuple[str, str | None]]] = {}
        for f in self.channels.list_feeds():
            for ch in self.channels.feed_channels(f["id"]) or [None]:
                groups.setdefault(ch, []).append((f["url"], f["title"]))
        return write_opml(groups), sum(len(v) for v in groups.values())

    # -- watches: saved searches that call back (``pipeline.watches``) ---------------------
    @property
    def _watch_store(self) -> WatchStore:
        if self._watches is None:
            self._watches = WatchStore(self._store.db)
        return self._watches

    def add_watch(self, query: str, webhook: str | None = None, *, created_by: str = "local") -> watch_pass.NewWatch:
        """Save a search that fires on matching cables, versions and articles stored from now on;
        ``webhook`` is checked with the feeds' network policy (``UnsafeURL``). The secret that
        signs its deliveries is in the answer, and nowhere else afterwards."""
        return watch_pass.add_watch(self._watch_store, self._store.index, query, webhook, self.settings.poll.net,
                                    created_by=created_by)

    def list_watches(self) -> list[dict[str, Any]]:
        return self._watch_store.list()

    def get_watch(self, watch_id: int) -> dict[str, Any] | None:
        return self._watch_store.get(watch_id)

    def remove_watch(self, watch_id: int) -> bool:
        """Delete a watch, its events and deliveries; False when there is none."""
        return self._watch_store.remove(watch_id)

    def watch_events(self, watch_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """What matched the watch, newest first (``kind`` new, version or article; ``path``)."""
        return self._watch_store.events(watch_id, limit)

    def watch_deliveries(self, watch_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """The watch's webhook deliveries, newest first, each with its ``log`` of attempts."""
        return self._watch_store.deliveries(watch_id, limit)

    def run_watches(self, *, deliver: bool = True, **kw: Any) -> watch_pass.PassReport:
        """One delivery pass: record what matched each watch since its watermarks, then (with
        ``deliver``) send the due webhook deliveries (``backoff_s``, ``max_attempts`` …)."""
        from .pipeline.watch_delivery import deliver_due  # asyncio + h11: ~20 ms, loaded where used (as poll)

        report = watch_pass.collect(self._store.db, self._watch_store, self._store.index,
                                    base_url=self.settings.web.base_url)
        if deliver:
            deliver_due(self._watch_store, self.settings.poll.net, report=report, **kw)
        return report

    def watch_deliverer(self, interval_s: float = watch_pass.INTERVAL_S,
                        on_report: Callable[[watch_pass.PassReport], Any] | None = None) -> Deliverer:
        """A thread (not started) running ``run_watches`` every ``interval_s`` seconds on an
        archive of its own (``serve`` and ``poll --watch`` start one; ``stop()`` ends it)."""
        from .pipeline.watch_delivery import Deliverer

        return Deliverer(partial(Archive, self.settings, create=False), interval_s, on_report=on_report)

    # -- entities, graph, enrichment ----------------------------------------------------
    @property
    def entities(self) -> EntityStore:
        """People, organisations and places; the REF graph; similar cables."""
        if self._entities is None:
            self._entities = EntityStore(self._store.db)
        return self._entities

    def enrich(self, **kw: Any) -> EnrichReport:
        """Entities, typed TAGS, acronyms, the REF graph and similar cables for every new or
        changed cable (``force=True``: all); see ``enrich.run.enrich`` for the options."""
        from .pipeline.enrich import enrich

        if kw.get("dask") and self.settings.db_url:
            kw.setdefault("db_url", self.settings.db_url)  # the workers read the records themselves
        where = self.settings.db_dir
        state: dict[str, Any] = {"started": time.time(), "pid": os.getpid(), "done": 0, "total": None, "written": 0.0}
        given = kw.pop("on_progress", None)

        def note(**extra: Any) -> None:
            progress.write(where, {k: v for k, v in {**state, **extra}.items() if k != "written"} | {"updated": time.time()})

        def on_progress(done: int, total: int | None) -> None:
            state["done"], state["total"] = done, total
            if time.monotonic() - state["written"] >= 1.0:
                state["written"] = time.monotonic()
                note()
            if given:
                given(done, total)

        note()
        try:
            report = enrich(self._store.db, on_progress=on_progress, **kw)
        except BaseException as e:
            note(failed=str(e)[:300] or type(e).__name__)
            raise
        note(finished=time.time(), done=report.documents, total=report.documents)
        return report

    def enrich_progress(self) -> dict[str, Any] | None:
        """The last (or current) enrichment's progress, from any process: ``state`` (running,
        finished, failed, stopped), ``done``, ``total``, ``rate`` (documents a second), ``eta_s``;
        None if this archive was never enriched by this version of cablebase."""
        return progress.read(self.settings.db_dir)

    @staticmethod
    def query_language() -> tuple[str, list[tuple[list[str], str]]]:
        """The query language in short (``docs/query.md`` has it whole): its summary, and each
        field's names (``class``, ``classification`` …) with its help."""
        names: dict[str, list[str]] = {}
        helps: dict[str, str] = {}
        for name, spec in query_module.FIELDS.items():
            names.setdefault(spec.name, []).append(name)
            if getattr(spec, "help", ""):
                helps[spec.name] = spec.help
        return query_module.__doc__ or "", [(ns, helps.get(k, "")) for k, ns in names.items()]

    # -- moving ----------------------------------------------------------------------------
    def migrate_to(self, target: str, progress: Callable[[str, int], None] | None = None) -> MigrateReport:
        """Copy this archive, whole, into the new archive ``target`` (a directory, or a
        ``postgresql://`` URL) and verify it (rows per table on both sides, ``check``)."""
        return migrate(self._store, self.settings, target, progress)

    # -- reading views -------------------------------------------------------------------
    def reader(self) -> Browse:
        """A read-only view for listings (cables by facet, channels, entities), on its own
        connection; opened on first use and closed with the archive."""
        if self._reader is None:
            self._reader = open_reader(self.settings)
        return self._reader

    def like(self, text: str, limit: int = 10) -> list[dict[str, Any]]:
        """The cables most like ``text``, in any language (``pipeline.like``; README)."""
        from .pipeline.like import like  # scikit-learn, loaded where used (as enrich)

        return like(self, text, limit)

    def records(self, refs: list[str] | None = None) -> Iterator[tuple[str, bytes]]:
        """(ref_id, record as JSON) of every cable by ref_id, or of ``refs`` in that order, read
        on a connection of their own: a long export may be iterated from any thread."""
        b = open_reader(self.settings)
        try:
            yield from (b.iter_records() if refs is None else b.records_for(refs))
        finally:
            b.close()


    def records_with_entities(self, refs: list[str] | None = None) -> Iterator[tuple[str, bytes, list[str]]]:
        """``records`` with the names of the entities each cable mentions, most mentioned first
        (none before ``cablebase enrich``): what an export's ``entities`` column holds."""
        b = open_reader(self.settings)
        try:
            es = b.entities
            for ref, rec in (b.iter_records() if refs is None else b.records_for(refs)):
                names: dict[str, int] = {}
                if es is not None:
                    for m in es.mentions_of(ref):
                        names[m["name"]] = names.get(m["name"], 0) + 1
                yield ref, rec, sorted(names, key=lambda n: (-names[n], n))
        finally:
            b.close()


def open_archive(db: str | os.PathLike[str] | None = None, *, create: bool = True,
                 settings: Settings | None = None, **overrides: object) -> Archive:
    """Open the archive in directory ``db`` (default: ``$CABLEBASE_DB`` or ``./cablebase-data``;
    see ``config.resolve_db_dir``), made if ``create``. ``overrides`` set ``Settings`` fields
    (``max_input_bytes``, ``batch_size`` …); or pass a whole ``settings``."""
    if settings is None:
        settings = Settings.load(db, **overrides)
    return Archive(settings, create=create)


__all__ = ["Archive", "SearchPlan", "open_archive"]
