"""Polling feeds like a good citizen, and turning their entries into linked articles.

Entry points:

- ``Poller(store, settings, add_cable=...)`` with ``await poller.run_once()`` (one pass over the
  due feeds) and ``await poller.watch()`` (forever, sleeping until the next feed is due);
  ``poll(store, ...)`` runs one pass synchronously.
- ``Fetcher`` — the HTTP side on its own (used for feeds, article pages and ``feed add``).
- ``add_feed(store, url, channel=...)`` — subscribe to a feed or to a page that announces one.

This module is the scheduler: which feeds are due, how many are polled at once, when each is
polled next (interval with jitter, exponential back-off), and what each HTTP outcome does to its
feed. Its parts live beside it and their names are importable from here too: the settings
(:mod:`~cablebase.sources.settings`), fetching (:mod:`~cablebase.sources.fetch`), preparing
entries (:mod:`~cablebase.pipeline.entries`, in worker processes: :mod:`~cablebase.pipeline.prepare`),
writing the results (:mod:`~cablebase.pipeline.poll_writes`), article pages
(:mod:`~cablebase.pipeline.fulltext`), the report (:mod:`~cablebase.pipeline.poll_report`) and
subscribing (:mod:`~cablebase.pipeline.subscribe`).

Politeness: async HTTP/1.1 with keep-alive (:mod:`cablebase.sources.http`), a worker pool (``workers``) with a per-host limit (``per_host``);
conditional GET (ETag / Last-Modified); gzip; a User-Agent naming the project; timeouts
(connect, read, whole request); at most ``max_redirects`` redirects, each hop checked by
:mod:`cablebase.sources.net` before connecting; permanent redirects (301/308 all the way)
update the stored URL; 410 Gone disables the feed; 429/503 honour Retry-After (and hold the
host for the rest of the pass); failing feeds back off exponentially up to a day; each feed
is polled every ``interval_s`` with jitter; bodies are streamed and cut at ``max_body_bytes``.

Every failure is stored on its feed (``feeds.last_error``; article-page problems in
``last_page_error``) and no feed stops the run for the others.

CPU: parsing a feed and preparing its entries (HTML → text, cable links, language) runs in a
pool of worker processes (``prepare_workers``, :mod:`cablebase.pipeline.prepare`) while the event
loop goes on fetching and writing; the pool starts with the first pass (in-process preparation
meanwhile) and stays up. Like any multiprocessing code, a script that polls must guard its
entry point (``if __name__ == "__main__":``) or set ``prepare_workers=0``.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any, Callable

from ..parse.feed_model import FeedEntry
from .._store.channels import ChannelStore
from ..model import Article
from .entries import PreparedFeed, PrepareOptions, prepare_entries, prepare_entry, prepare_feed
from ..sources.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetched, Fetcher, FetchError, parse_retry_after  # noqa: F401
from ..sources.files import get_file
from .fulltext import extract_main, fetch_fulltext
from .identity import canonical_url, content_hash, entry_hash, entry_key
from .poll_writes import PassWrites
from .press import saved_on_disk, saved_reason
from .prepare import PrepareCrashed, get_pool
from .poll_report import FeedResult, PollReport
from ..sources.settings import USER_AGENT, PollSettings
from .subscribe import Subscribed, add_feed, resolve_feed_url  # noqa: F401


class Poller:
    """Polls the feeds of a ChannelStore. ``add_cable(cable, raw)`` receives embedded cables."""

    def __init__(self, store: ChannelStore, settings: PollSettings = PollSettings(), *,
                 add_cable: Callable | None = None, parse_cable: Callable | None = None,
                 now: Callable[[], float] = time.time, rng: Callable[[], float] = random.random,
                 fetcher: Fetcher | None = None):
        self.store = store
        self.settings = settings
        self._writes = PassWrites(store, settings, add_cable)
        self.add_cable = self._writes.add_cable
        self.parse_cable = parse_cable
        self.now = now
        self.rng = rng
        self._fetcher = fetcher
        self._opts = PrepareOptions(settings.limits, settings.language_sample_chars)
        self._pool = None

    def _prepare_workers(self) -> int:
        n = self.settings.prepare_workers
        if n is None:
            cpus = os.cpu_count() or 1
            n = 0 if cpus < 2 else min(cpus, 8)
        return max(0, n)

    # -- scheduling -------------------------------------------------------------------
    def _next_ok(self, feed: dict) -> float:
        interval = float(feed.get("interval_s") or self.settings.interval_s)
        j = self.settings.jitter
        return self.now() + interval * (1 + j * (2 * self.rng() - 1))

    def _next_error(self, feed: dict, retry_after: float | None = None) -> float:
        s = self.settings
        n = int(feed.get("error_count") or 0) + 1
        delay = min(s.max_backoff_s, s.backoff_base_s * 2 ** min(n - 1, 30))
        delay *= 1 + s.jitter * (2 * self.rng() - 1)
        if retry_after is not None:
            delay = max(delay, min(retry_after, s.max_backoff_s))
        return self.now() + min(delay, s.max_backoff_s)

    # -- one pass ---------------------------------------------------------------------
    async def run_once(self, *, all_feeds: bool = False, feed_ids=None) -> PollReport:
        """Poll every due feed once (every active feed with ``all_feeds``)."""
        t0 = time.perf_counter()
        report = PollReport()
        feeds = self.store.due_feeds(self.now(), all_active=all_feeds, feed_ids=feed_ids)
        if not feeds:
            return report
        fetcher = self._fetcher or Fetcher(self.settings, now=self.now)
        n_prep = self._prepare_workers()
        if n_prep and self.parse_cable is None:  # a custom parser may not cross a process boundary
            self._pool = get_pool(n_prep)
        queue: asyncio.Queue = asyncio.Queue()
        for f in feeds:
            queue.put_nowait(f)

        async def worker():
            while True:
                try:
                    feed = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    res = await self.poll_feed(feed, fetcher)
                except Exception as e:  # a bug or a store error: recorded, never stops the others
                    res = FeedResult(feed["id"], feed["url"], "error", error=f"{type(e).__name__}: {e}"[:500],
                                     crashed=True)
                    try:
                        self.store.feed_failed(feed["id"], error=res.error, next_fetch=self._next_error(feed))
                    except Exception:
                        pass
                report.add(res)
                try:
                    self._writes.tick()
                except Exception:
                    pass

        ticker = None
        if self._writes.begin():  # one transaction, committed every commit_every_s
            ticker = asyncio.create_task(self._writes.ticker())
        try:
            n = max(1, min(self.settings.workers, len(feeds)))
            await asyncio.gather(*(worker() for _ in range(n)))
        finally:
            if ticker is not None:
                ticker.cancel()
            if self._pool is not None:
                self._pool.detach()
            self._writes.tick(end=True)
            if self._fetcher is None:
                await fetcher.aclose()
        report.elapsed = time.perf_counter() - t0
        return report

    async def watch(self, *, stop: asyncio.Event | None = None, max_sleep: float = 60.0,
                    on_report: Callable[[PollReport], Any] | None = None, passes: int | None = None) -> None:
        """Poll forever (or ``passes`` times): a pass, then sleep until the next feed is due."""
        done = 0
        while stop is None or not stop.is_set():
            report = await self.run_once()
            done += 1
            if on_report and report.feeds:
                on_report(report)
            if passes is not None and done >= passes:
                return
            nxt = self.store.next_due()
            delay = max_sleep if nxt is None else min(max_sleep, max(0.5, nxt - self.now()))
            if stop is None:
                await asyncio.sleep(delay)
            else:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except TimeoutError:
                    pass

    # -- one feed ---------------------------------------------------------------------
    async def poll_feed(self, feed: dict, fetcher: Fetcher) -> FeedResult:
        fid, url = feed["id"], feed["url"]
        res = FeedResult(fid, url, "error")
        try:
            if url.startswith("file:"):  # a local feed file the user subscribed to (cablebase feed add PATH)
                status, body, tag = get_file(url, etag=feed.get("etag"), max_bytes=self.settings.max_body_bytes)
                got = Fetched(url, status, body, {"etag": tag})
            else:
                got = await fetcher.get(url, etag=feed.get("etag"), last_modified=feed.get("last_modified"),
                                        max_bytes=self.settings.max_body_bytes)
        except FetchError as e:
            res.error, res.status = e.reason, e.status
            self.store.feed_failed(fid, error=e.reason, status=e.status, next_fetch=self._next_error(feed, e.retry_after))
            return res
        res.status = got.status
        if got.status == 304:
            self.store.feed_fetched(fid, status=304, next_fetch=self._next_ok(feed), not_modified=True,
                                    new_url=got.permanent_url)
            res.outcome = "not-modified"
            if self.settings.fulltext:
                clear = feed.get("fulltext_clear_below")
                if clear is not None and clear >= self.settings.fulltext_min_chars:
                    return res  # nothing changed since no article of this feed lacked its page
                note, clear = await self._fulltext(feed, res, fetcher)
                if note:
                    self.store.feed_note(fid, note)
                if clear is not None:
                    self.store.fulltext_clear(fid, clear)
            return res
        if got.status == 410:
            res.outcome, res.error = "gone", "HTTP 410 Gone: feed disabled"
            self.store.feed_failed(fid, error=res.error, status=410, next_fetch=self.now(), count=False)
            self.store.set_feed_status(fid, "gone", "HTTP 410 Gone")
            return res
        if got.status in (429, 503):
            wait = f" (Retry-After {got.retry_after:.0f} s)" if got.retry_after is not None else ""
            res.error = f"HTTP {got.status}{wait}"
            self.store.feed_failed(fid, error=res.error, status=got.status,
                                   next_fetch=self._next_error(feed, got.retry_after))
            return res
        if got.status >= 300 or got.body is None:
            res.error = f"HTTP {got.status}"
            self.store.feed_failed(fid, error=res.error, status=got.status, next_fetch=self._next_error(feed))
            return res
        known = self.store.entry_state(fid)
        try:
            prepared = await self._prepare(got, known)
        except PrepareCrashed as e:
            res.error = str(e)
            self.store.feed_failed(fid, error=res.error, status=got.status, next_fetch=self._next_error(feed))
            return res
        if prepared.error is not None:
            res.error = prepared.error
            self.store.feed_failed(fid, error=res.error, status=got.status, next_fetch=self._next_error(feed))
            return res
        note = self._writes.store_prepared(fid, prepared, known, res)
        clear, saved = None, {}
        if prepared.saved is not None:  # a page saved on disk: it is the article's page; say what it holds
            clear = self.settings.fulltext_min_chars
            saved["status_reason"] = saved_reason(saved_on_disk(prepared.saved), len(self.store.entry_state(fid)),
                                                  prepared.announced) + "; read again when the file changes"
        elif self.settings.fulltext:
            page_note, clear = await self._fulltext(feed, res, fetcher)
            note = page_note or note
        self.store.feed_fetched(fid, status=got.status, next_fetch=self._next_ok(feed),
                                etag=got.headers.get("etag"), last_modified=got.headers.get("last-modified"),
                                title=prepared.title, site_url=prepared.link, new_url=got.permanent_url,
                                page_error=note, **({"fulltext_clear_below": clear} if clear is not None else {}),
                                **saved)
        res.outcome = "ok"
        return res

    # -- preparing (CPU: a worker process, or this thread) and storing (this thread) ---
    async def _prepare(self, got: Fetched, known: dict) -> PreparedFeed:
        args = (got.body, got.url, got.headers.get("content-type"), {k: v[1] for k, v in known.items()}, self._opts,
                self.parse_cable)
        pool = self._pool
        if pool is not None and pool.has_room(self.settings.prepare_backlog):
            return await pool.run(self.settings.prepare_timeout_s, *args)
        # no pool, still starting, or its workers have their hands full: this thread does it
        # (on a machine with no idle CPU this is also the cheaper way: no hand-over)
        return prepare_feed(*args)

    def prepare(self, e: FeedEntry, key: str, ehash: str, base_url: str | None) -> tuple[Article, str | None]:
        """One entry ready to store (embedded cables go to ``add_cable``); returns (data, problem)."""
        p = prepare_entry(e, key, ehash, base_url, self._opts, parse=self.parse_cable, add_cable=self.add_cable)
        return p.data, p.error

    def ingest(self, feed: dict, parsed, res: FeedResult, base_url: str | None = None) -> str | None:
        """Store a parsed feed's new and changed entries; returns a note on the last entry problem."""
        known = self.store.entry_state(feed["id"])
        prepared = prepare_entries(parsed, {k: v[1] for k, v in known.items()}, base_url, self._opts,
                                   parse=self.parse_cable)
        return self._writes.store_prepared(feed["id"], prepared, known, res)

    async def _fulltext(self, feed: dict, res: FeedResult, fetcher: Fetcher) -> tuple[str | None, int | None]:
        """The pages of the feed's summary-only articles (:func:`~cablebase.pipeline.fulltext.fetch_fulltext`)."""
        return await fetch_fulltext(self.store, self.settings, feed, res, fetcher, add_cable=self.add_cable,
                                    parse_cable=self.parse_cable)


def run_async(coro):
    """``asyncio.run(coro)``, on uvloop's event loop where it is installed (a dependency outside
    Windows): its sockets and callbacks cost a fraction of the pure-Python loop's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def poll(store: ChannelStore, settings: PollSettings = PollSettings(), **kw) -> PollReport:
    """One polling pass, synchronously (``all_feeds``, ``feed_ids`` as in ``run_once``)."""
    run_kw = {k: kw.pop(k) for k in ("all_feeds", "feed_ids") if k in kw}
    return run_async(Poller(store, settings, **kw).run_once(**run_kw))


__all__ = ["PollSettings", "Poller", "PollReport", "FeedResult", "Fetcher", "Fetched", "FetchError", "poll",
           "add_feed", "resolve_feed_url", "canonical_url", "entry_key", "entry_hash", "content_hash",
           "parse_retry_after", "extract_main", "USER_AGENT"]
