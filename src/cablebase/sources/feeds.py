"""Polling feeds like a good citizen, and turning their entries into linked articles.

Entry points:

- ``Poller(store, settings, add_cable=...)`` with ``await poller.run_once()`` (one pass over the
  due feeds) and ``await poller.watch()`` (forever, sleeping until the next feed is due);
  ``poll(store, ...)`` runs one pass synchronously.
- ``Fetcher`` — the HTTP side on its own (used for feeds, article pages and ``feed add``).
- ``add_feed(store, url, channel=...)`` — subscribe to a feed or to a page that announces one.

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
pool of worker processes (``prepare_workers``, :mod:`cablebase.sources.prepare`) while the event
loop goes on fetching and writing; the pool starts with the first pass (in-process preparation
meanwhile) and stays up. Like any multiprocessing code, a script that polls must guard its
entry point (``if __name__ == "__main__":``) or set ``prepare_workers=0``.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

from .. import __version__
from ..enrich.language import detect_language
from ..enrich.links import link_article, parse_ref_id
from ..errors import CablebaseError
from ..parse.feed import FeedEntry, FeedLimits, FeedParseError, discover_feeds, extract_html, looks_like_html, parse_feed
from ..store.channels import ArticleData, ChannelStore, LinkRow
from . import http
from .prepare import (
    PrepareCrashed, PreparedFeed, PrepareOptions, canonical_url, content_hash, entry_hash, entry_key, get_pool,
    prepare_entries, prepare_entry, prepare_feed,
)
from .net import NetPolicy, Resolver, UnsafeURL

USER_AGENT = f"cablebase/{__version__} (feed reader for the cablebase cable archive; polite polling)"
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class PollSettings:
    """Every limit of the polling side. Safe defaults; override with ``dataclasses.replace``."""

    user_agent: str = USER_AGENT
    workers: int = 32
    """Feeds fetched at once."""
    per_host: int = 4
    """Requests open at once to one host."""
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_timeout: float = 120.0
    """Whole request, body included (a slow-drip body is cut here)."""
    max_redirects: int = 5
    max_body_bytes: int = 15 * 2**20
    """A feed body larger than this is refused (streamed; never read whole first)."""
    max_page_bytes: int = 15 * 2**20
    """Same for an article page fetched for its full text."""
    max_head_bytes: int = 64 * 2**10
    """Status line and headers of a response larger than this are refused."""
    keepalive_s: float = 5.0
    """An idle connection is reused for this long, then closed."""
    drain_max_bytes: int = 64 * 2**10
    """The body of a redirect, 304 or error response up to this is read and dropped, so that its
    connection goes back to the pool (kept alive); a larger one closes the connection."""
    interval_s: float = 3600.0
    """Default time between two polls of a feed (a feed's own ``interval_s`` wins)."""
    jitter: float = 0.1
    """Each interval is stretched or shrunk at random by up to this fraction."""
    backoff_base_s: float = 300.0
    """First retry delay of a failing feed; doubles with each failure ..."""
    max_backoff_s: float = 86400.0
    """... up to this (a day). Retry-After is honoured up to this too."""
    fulltext: bool = True
    """Fetch the article page when a feed gives only a summary."""
    fulltext_min_chars: int = 500
    """An entry whose text is shorter than this counts as a summary."""
    fulltext_per_feed: int = 20
    """Article pages fetched per feed per pass at most."""
    language_sample_chars: int = 600
    prepare_workers: int | None = None
    """Processes that parse feeds and prepare their entries (HTML → text, links, language) while
    the poller goes on fetching and writing. None: one per CPU, at most 8 (none on one CPU);
    0: everything on the poller's own thread."""
    prepare_backlog: int = 4
    """Feeds handed to one worker at a time; when every worker has that many, the poller
    prepares the next feed itself."""
    prepare_timeout_s: float = 300.0
    """A feed whose preparation takes longer fails (its worker is killed; the pass goes on)."""
    commit_every_s: float = 0.5
    """A pass writes in one transaction committed this often (0: a transaction per write)."""
    limits: FeedLimits = FeedLimits()
    net: NetPolicy = NetPolicy()


class FetchError(CablebaseError):
    def __init__(self, url: str, reason: str, *, status: int | None = None, retry_after: float | None = None):
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(reason)


@dataclass(slots=True)
class Fetched:
    url: str
    """The URL the body came from (after redirects)."""
    status: int
    body: bytes | None
    headers: dict[str, str]
    permanent_url: str | None = None
    """Set when every redirect hop was permanent (301/308): the feed's new URL."""
    retry_after: float | None = None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 10**9))
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    return max(0.0, dt.timestamp() - now)


def _host_key(url: str) -> str:
    try:
        p = urlsplit(url)
        return f"{p.scheme}://{(p.hostname or '').lower()}:{p.port or ''}"
    except ValueError:
        return url


class Fetcher:
    """GETs with every politeness and safety rule. Use as ``async with Fetcher(settings) as f``."""

    def __init__(self, settings: PollSettings = PollSettings(), *, client: http.Client | None = None,
                 now: Callable[[], float] = time.time):
        self.settings = settings
        self.now = now
        self.resolver = Resolver(settings.net)
        self._own_client = client is None
        self.client = client or http.Client(
            connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
            keepalive_s=settings.keepalive_s, max_idle=max(settings.workers, 10),
            max_idle_per_host=max(settings.per_host, 1), max_head_bytes=settings.max_head_bytes,
            headers={"User-Agent": settings.user_agent},
        )
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._host_hold: dict[str, float] = {}

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    def _sem(self, key: str) -> asyncio.Semaphore:
        s = self._host_sems.get(key)
        if s is None:
            s = self._host_sems[key] = asyncio.Semaphore(max(1, self.settings.per_host))
        return s

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  accept: str = FEED_ACCEPT, max_bytes: int | None = None,
                  limit_name: str = "max_body_bytes") -> Fetched:
        """GET ``url``; returns 2xx/304/4xx/5xx as ``Fetched`` and raises FetchError for the rest.
        Error messages name the setting of each limit (``limit_name``: the one ``max_bytes`` is)."""
        s = self.settings
        max_bytes = s.max_body_bytes if max_bytes is None else max_bytes
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        permanent = True
        redirected = False
        current = url
        try:
            async with asyncio.timeout(s.request_timeout) as deadline:
                for _hop in range(s.max_redirects + 1):
                    key = _host_key(current)
                    hold = self._host_hold.get(key)
                    if hold is not None and hold > self.now():
                        raise FetchError(current, f"host asked us to wait (Retry-After) for {hold - self.now():.0f} s more",
                                         retry_after=hold - self.now())
                    try:
                        await self.resolver.check(current)
                    except UnsafeURL as e:
                        raise FetchError(current, str(e)) from None
                    # waiting for a turn on a busy host (per_host) is not this request's time: the clock stops
                    loop = asyncio.get_running_loop()
                    left = deadline.when() - loop.time()
                    deadline.reschedule(None)
                    async with self._sem(key):
                        deadline.reschedule(loop.time() + left)
                        r = await self.client.get(current, headers)
                        try:
                            code = r.status
                            hdrs = r.headers
                            if code >= 300:
                                # read (and drop) a small body: the connection then stays open for reuse
                                await r.drain(s.drain_max_bytes)
                            if code in (301, 302, 303, 307, 308):
                                loc = hdrs.get("location")
                                if not loc:
                                    raise FetchError(current, f"HTTP {code} redirect without Location", status=code)
                                try:
                                    nxt = urljoin(current, loc.strip())
                                except ValueError:
                                    raise FetchError(current, f"HTTP {code} to a malformed Location", status=code) from None
                                permanent = permanent and code in (301, 308)
                                redirected = True
                                current = nxt
                                continue
                            if code in (429, 503):
                                ra = parse_retry_after(hdrs.get("retry-after"), self.now())
                                if ra:
                                    self._host_hold[key] = self.now() + min(ra, s.max_backoff_s)
                                return Fetched(current, code, None, hdrs, None, ra)
                            if code >= 300:
                                return Fetched(current, code, None, hdrs,
                                               current if (redirected and permanent) else None)
                            clen = hdrs.get("content-length")
                            if clen and clen.isdigit() and int(clen) > max_bytes and "content-encoding" not in hdrs:
                                raise FetchError(current, f"body of {int(clen)} bytes is over the {max_bytes}-byte limit ({limit_name})",
                                                 status=code)
                            chunks = []
                            size = 0
                            try:
                                async for chunk in r.aiter_bytes(max_bytes):
                                    size += len(chunk)
                                    if size > max_bytes:
                                        raise http.BodyTooLarge()
                                    chunks.append(chunk)
                            except http.BodyTooLarge:
                                raise FetchError(current, f"body over the {max_bytes}-byte limit ({limit_name}; cut while reading)",
                                                 status=code) from None
                            return Fetched(current, code, b"".join(chunks), hdrs,
                                           current if (redirected and permanent) else None)
                        finally:
                            r.close()
                raise FetchError(current, f"more than {s.max_redirects} redirects (max_redirects)")
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(current, f"took longer than {s.request_timeout:g} s (request_timeout)") from None
        except (http.ConnectTimeout, http.ReadTimeout) as e:
            raise FetchError(current, f"timed out ({type(e).__name__}: {e})"[:500]) from None
        except http.HTTPError as e:
            raise FetchError(current, f"{type(e).__name__}: {e}"[:500]) from None
        except (OSError, ValueError, UnicodeError) as e:
            raise FetchError(current, f"{type(e).__name__}: {e}"[:500]) from None


# --------------------------------------------------------------------------- entries → articles

@dataclass
class FeedResult:
    feed_id: int
    url: str
    outcome: str
    """``ok``, ``not-modified``, ``error``, ``gone``, ``skipped``."""
    status: int | None = None
    error: str | None = None
    new: int = 0
    updated: int = 0
    merged: int = 0
    same: int = 0
    links: int = 0
    embedded: int = 0
    pages: int = 0
    crashed: bool = False
    """True when an unexpected exception (a bug, not a feed problem) ended this feed's poll."""


@dataclass
class PollReport:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    errors: int = 0
    gone: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0
    same: int = 0
    links: int = 0
    embedded: int = 0
    pages: int = 0
    elapsed: float = 0.0
    results: list[FeedResult] = field(default_factory=list)

    def add(self, r: FeedResult) -> None:
        self.feeds += 1
        self.results.append(r)
        if r.outcome == "ok":
            self.ok += 1
        elif r.outcome == "not-modified":
            self.not_modified += 1
        elif r.outcome == "gone":
            self.gone += 1
        else:
            self.errors += 1
        for k in ("new", "updated", "merged", "same", "links", "embedded", "pages"):
            setattr(self, k, getattr(self, k) + getattr(r, k))

    def summary(self) -> str:
        return (f"{self.feeds} feeds in {self.elapsed:.2f} s: {self.ok} fetched, {self.not_modified} not modified, "
                f"{self.errors} failed, {self.gone} gone; articles: {self.new} new, {self.updated} updated, "
                f"{self.merged} merged, {self.same} unchanged; {self.links} cable links, {self.embedded} embedded "
                f"cables, {self.pages} article pages")


class Poller:
    """Polls the feeds of a ChannelStore. ``add_cable(cable, raw)`` receives embedded cables."""

    def __init__(self, store: ChannelStore, settings: PollSettings = PollSettings(), *,
                 add_cable: Callable | None = None, parse_cable: Callable | None = None,
                 now: Callable[[], float] = time.time, rng: Callable[[], float] = random.random,
                 fetcher: Fetcher | None = None):
        self.store = store
        self.settings = settings
        self._add_cable_ext = add_cable
        self.add_cable = self._add_cable if add_cable is not None else None
        self._tx_started = 0.0
        self._tx_ended = float("-inf")
        self._changes = -1
        self._batching = False
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

    # -- batched commits --------------------------------------------------------------
    def _tick(self, *, end: bool = False) -> None:
        """Commit the pass's open transaction when it is old enough (or at the end). The next one
        begins only after a pause of a quarter of ``commit_every_s``, and only if the pass wrote
        meanwhile: other writers (an ingest, ``feed add``) get the lock in between instead of
        waiting out their busy timeout on a pass that would hold it from start to end."""
        if not self._batching:
            return
        db = self.store.db
        now = time.monotonic()
        if db.in_transaction:
            if not end and now - self._tx_started < self.settings.commit_every_s:
                return
            db.execute("COMMIT")
            self._tx_ended = now
            self._changes = db.total_changes
        if end:
            self._batching = False
        elif now - self._tx_ended >= self.settings.commit_every_s / 4 and db.total_changes != self._changes:
            db.execute("BEGIN IMMEDIATE")
            self._tx_started = now

    async def _ticker(self) -> None:
        """Commits on time even while every worker waits on the network (the lock is not held idle)."""
        while True:
            await asyncio.sleep(max(0.02, self.settings.commit_every_s / 4))
            try:
                self._tick()
            except Exception:  # e.g. the lock is busy: the writes go one transaction each meanwhile
                pass

    def _add_cable(self, cable, raw: bytes):
        """The archive's add_cable runs its own transaction: close ours around it."""
        db = self.store.db
        batching = self._batching
        if batching and db.in_transaction:
            db.execute("COMMIT")
        try:
            return self._add_cable_ext(cable, raw)
        finally:
            if batching and not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
                self._tx_started = time.monotonic()

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
                    self._tick()
                except Exception:
                    pass

        ticker = None
        if self.settings.commit_every_s > 0 and not self.store.db.in_transaction:
            self._batching = True
            self._tick()
            ticker = asyncio.create_task(self._ticker())
        try:
            n = max(1, min(self.settings.workers, len(feeds)))
            await asyncio.gather(*(worker() for _ in range(n)))
        finally:
            if ticker is not None:
                ticker.cancel()
            if self._pool is not None:
                self._pool.detach()
            self._tick(end=True)
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
        note = self._store_prepared(fid, prepared, known, res)
        clear = None
        if self.settings.fulltext:
            page_note, clear = await self._fulltext(feed, res, fetcher)
            note = page_note or note
        self.store.feed_fetched(fid, status=got.status, next_fetch=self._next_ok(feed),
                                etag=got.headers.get("etag"), last_modified=got.headers.get("last-modified"),
                                title=prepared.title, site_url=prepared.link, new_url=got.permanent_url,
                                page_error=note, **({"fulltext_clear_below": clear} if clear is not None else {}))
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

    def prepare(self, e: FeedEntry, key: str, ehash: str, base_url: str | None) -> tuple[ArticleData, str | None]:
        """One entry ready to store (embedded cables go to ``add_cable``); returns (data, problem)."""
        p = prepare_entry(e, key, ehash, base_url, self._opts, parse=self.parse_cable, add_cable=self.add_cable)
        return p.data, p.error

    def ingest(self, feed: dict, parsed, res: FeedResult, base_url: str | None = None) -> str | None:
        """Store a parsed feed's new and changed entries; returns a note on the last entry problem."""
        known = self.store.entry_state(feed["id"])
        prepared = prepare_entries(parsed, {k: v[1] for k, v in known.items()}, base_url, self._opts,
                                   parse=self.parse_cable)
        return self._store_prepared(feed["id"], prepared, known, res)

    def _store_prepared(self, fid: int, prepared: PreparedFeed, known: dict, res: FeedResult) -> str | None:
        """Hand embedded cables to ``add_cable``, store the entries; a note on the last entry problem."""
        res.same += prepared.same
        items: list[ArticleData] = []
        note = None
        for it in prepared.items:
            if isinstance(it, str):
                note = it
                continue
            err = it.error
            if it.embedded and self.add_cable is not None:
                raw = it.data.text.encode("utf-8", "surrogatepass")
                for c in it.embedded:
                    try:
                        self.add_cable(c, raw)
                    except Exception as e:
                        ref = parse_ref_id(c.ref_id) if getattr(c, "ref_id", None) else None
                        err = f"embedded cable {ref} not stored: {type(e).__name__}: {e}"[:500]
            if err:
                note = err
            items.append(it.data)
        if not items:
            return note
        outcomes = self.store.store_entries(fid, items, known)
        for data, (aid, outcome) in zip(items, outcomes):
            setattr(res, outcome, getattr(res, outcome) + 1)
            if outcome != "same" and data.links:
                res.links += len(data.links)
                res.embedded += sum(1 for l in data.links if l.kind == "embeds")
        return note

    async def _fulltext(self, feed: dict, res: FeedResult, fetcher: Fetcher) -> tuple[str | None, int | None]:
        """Fetch the pages of the feed's summary-only articles (``fulltext_per_feed`` per pass).

        Returns (note on the last page problem, ``fulltext_min_chars`` when no article lacked its
        page: the feed's ``fulltext_clear_below``, which lets the next 304 skip the look-up)."""
        note = None
        todo = self.store.articles_needing_fulltext(feed["id"], self.settings.fulltext_min_chars,
                                                    self.settings.fulltext_per_feed)
        if not todo:
            return None, self.settings.fulltext_min_chars
        prior = self.store.article_cables(r["id"] for r in todo)

        async def one(aid: int, data: dict):
            nonlocal note
            try:
                got = await fetcher.get(data["url"], accept=PAGE_ACCEPT, max_bytes=self.settings.max_page_bytes,
                                        limit_name="max_page_bytes")
                if got.status >= 300 or not got.body:
                    raise FetchError(data["url"], f"HTTP {got.status}", status=got.status)
                ctype = (got.headers.get("content-type") or "").lower()
                if ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
                    raise FetchError(data["url"], f"not a page ({ctype[:60]})")
                main_html = await asyncio.to_thread(extract_main, got.body, got.url)
                info = extract_html(main_html, got.url, limits=self.settings.limits)
                text = info.text
                feed_info = extract_html(data["content"], data["url"], limits=self.settings.limits)
                old_text = data["text"] or ""
                all_text = text if len(text) >= len(old_text) else old_text
                lr = link_article(all_text, [*feed_info.links, *info.links], location=got.url,
                                  add_cable=self.add_cable, parse=self.parse_cable)
                links = [LinkRow(l.ref_id, l.kind, l.offset, l.snippet[:400], l.via) for l in lr.links]
                have = {l.ref_id for l in links}
                links += [LinkRow(l["ref_id"], l["kind"], l["offset"], l["snippet"], l["via"])
                          for l in prior.get(aid, []) if l["ref_id"] not in have]  # named only in the feed's text
                self.store.set_fulltext(aid, page_content=main_html, text=text,
                                        language=detect_language(text) if len(text) > len(old_text) else None,
                                        links=links)
                res.pages += 1
                res.links += max(0, len(links) - len(prior.get(aid, [])))
                res.embedded += sum(1 for l in lr.links if l.kind == "embeds")
                if lr.error:
                    note = lr.error
            except FetchError as e:
                note = f"article page {data['url']}: {e.reason}"[:500]
                if e.status not in (429, 503) and e.retry_after is None:
                    self.store.set_fulltext(aid, page_content=None, text=None, error=e.reason)
            except Exception as e:
                note = f"article page {data['url']}: {type(e).__name__}: {e}"[:500]
                self.store.set_fulltext(aid, page_content=None, text=None, error=note)

        await asyncio.gather(*(one(d["id"], d) for d in todo))
        return note, None


def extract_main(body: bytes, url: str | None) -> str:
    """The main content of an article page as HTML (links kept), via trafilatura."""
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - trafilatura is a dependency
        return body.decode("utf-8", "replace")
    out = trafilatura.extract(body, url=url, output_format="html", include_links=True, include_comments=False,
                              include_tables=True, include_images=True, favor_recall=True)
    return out or ""


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


# --------------------------------------------------------------------------- subscribing

@dataclass
class Subscribed:
    feed_id: int
    url: str
    title: str | None
    channel: str | None
    discovered_from: str | None = None


async def resolve_feed_url(url: str, settings: PollSettings = PollSettings()) -> tuple[str, str | None, str | None]:
    """(feed URL, feed title, page URL it was discovered from) for a feed or page URL."""
    async with Fetcher(settings) as f:
        got = await f.get(url)
        if got.status >= 300 or got.body is None:
            raise FetchError(url, f"HTTP {got.status}", status=got.status)
        ctype = got.headers.get("content-type")
        if looks_like_html(got.body, ctype):
            found = discover_feeds(got.body, got.url, settings.limits)
            if not found:
                raise FetchError(url, "an HTML page that names no feed (no <link rel=alternate type=…rss+xml>)")
            for cand in found:
                try:
                    g2 = await f.get(cand)
                    if g2.status < 300 and g2.body:
                        p = parse_feed(g2.body, url=g2.url, content_type=g2.headers.get("content-type"),
                                       limits=settings.limits)
                        return g2.permanent_url or cand, p.title, got.url
                except (FetchError, FeedParseError):
                    continue
            raise FetchError(url, f"none of the page's feeds could be read ({', '.join(found[:3])})")
        p = parse_feed(got.body, url=got.url, content_type=ctype, limits=settings.limits)
        return got.permanent_url or url, p.title, None


def add_feed(store: ChannelStore, url: str, channel: str | None = None,
             settings: PollSettings = PollSettings(), *, fetch: bool = True) -> Subscribed:
    """Subscribe to ``url`` (a feed, or a page naming one) in ``channel``.

    Without ``channel`` the channel is named after the feed's title (``Opera Leaks » Cuba``);
    the channel's title follows the feed's. ``fetch=False`` stores the URL unchecked.
    """
    from .net import split_checked

    split_checked(url, settings.net)
    title = page = None
    feed_url = url
    if fetch:
        feed_url, title, page = asyncio.run(resolve_feed_url(url, settings))
    name = channel or title or (urlsplit(feed_url).hostname or feed_url)
    fid = store.add_feed(feed_url, name, title=title, added_url=url)
    return Subscribed(fid, feed_url, title, name, page)


__all__ = ["PollSettings", "Poller", "PollReport", "FeedResult", "Fetcher", "Fetched", "FetchError", "poll",
           "add_feed", "resolve_feed_url", "canonical_url", "entry_key", "entry_hash", "content_hash",
           "parse_retry_after", "extract_main", "USER_AGENT"]
