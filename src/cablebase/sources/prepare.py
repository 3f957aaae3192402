"""Feed bytes → entries ready to store: the CPU half of a poll (parsing, HTML → text, link
finding, language), pure — no store, no network — so that it can run in worker processes while
the poller's event loop goes on fetching and writing.

``prepare_feed(job)`` is what a worker runs; ``prepare_entries`` and ``prepare_entry`` are its
parts (the poller also runs them in-process). Embedded cables found in an article are parsed
here and handed back: the poller passes them to the archive's ``add_cable`` itself.

:class:`PreparePool` is a process pool for it (forkserver where available: workers never
inherit the poller's threads or open handles) that stays up between passes, restarts when a
worker dies, and kills a job that runs past its time limit.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import multiprocessing
import os
import re
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..enrich.language import detect_language
from ..enrich.links import link_article
from ..parse.feed import (
    FeedEntry, FeedLimits, FeedParseError, ParsedFeed, discover_feeds, extract_html, looks_like_html, parse_feed,
)
from ..store.channels import ArticleData, ImageRow, LinkRow

_TRACKING = re.compile(r"^(?:utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref|source|feature|cmpid|at_medium|at_campaign)$",
                       re.I)


# --------------------------------------------------------------------------- identities and hashes

_PLAIN = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(/[A-Za-z0-9._~!$&'()*+,=:@%/;-]*)?(?:#[^\s]*)?")
"""A URL without query, user info, odd characters or spaces: canonicalised without urllib (same result)."""


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    if not url:
        return None
    m = _PLAIN.fullmatch(url)
    if m is not None:
        scheme, host, port, path = m.groups()
        host = host.lower()
        if port is not None:
            n = int(port)
            if n > 65535:
                return None  # urlsplit refuses the port
            if n and not ((scheme == "http" and n == 80) or (scheme == "https" and n == 443)):
                host = f"{host}:{n}"
        return f"{scheme}://{host}{path or '/'}"
    try:
        p = urlsplit(url.strip())
        host = (p.hostname or "").lower()
        port = p.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = p.scheme.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    q = [(k, v) for k, v in parse_qsl(p.query, keep_blank_values=True) if not _TRACKING.match(k)] if p.query else []
    path = p.path or "/"
    return urlunsplit((scheme, host, path, urlencode(q), ""))


def _h(*parts: str | None) -> str:
    """SHA-1 of the parts, each followed by a 0x1F byte (UTF-8, lone surrogates kept)."""
    return hashlib.sha1(("\x1f".join([p or "" for p in parts]) + "\x1f").encode("utf-8", "surrogatepass")).hexdigest()


def entry_key(e: FeedEntry) -> str:
    """Per-feed identity of an entry: its id, else its link, else a hash of its content."""
    if e.id:
        return "id:" + e.id
    if e.link:
        return "link:" + (canonical_url(e.link) or e.link)
    return "hash:" + _h(e.title, e.summary, e.content)


def entry_hash(e: FeedEntry) -> str:
    """Changes when the entry as published changes (an edit)."""
    return _h(e.title, e.link, e.summary, e.content, e.updated)


def content_hash(title: str | None, text: str | None) -> str | None:
    t = " ".join((text or "").split())  # = re.sub(r"\s+", " ", text).strip() (same whitespace), faster
    ti = " ".join((title or "").split())
    if not t and not ti:
        return None
    return _h(ti.lower(), t)


# --------------------------------------------------------------------------- preparing

@dataclass(frozen=True)
class PrepareOptions:
    """What preparing needs from the poll settings (small and picklable)."""

    limits: FeedLimits = FeedLimits()
    language_sample_chars: int = 600


@dataclass(slots=True)
class PreparedEntry:
    data: ArticleData
    error: str | None = None
    """Why an embedded cable could not be parsed (the links still stand)."""
    embedded: list = field(default_factory=list)
    """Cables the article republishes (parsed), for the archive's ``add_cable``."""


@dataclass(slots=True)
class PreparedFeed:
    error: str | None = None
    """Set when the body is no feed (the message stored on the feed); nothing else is then set."""
    title: str | None = None
    link: str | None = None
    items: list = field(default_factory=list)
    """New or changed entries in document order: a PreparedEntry, or a str saying why one failed."""
    same: int = 0
    """Entries already stored unchanged."""


def _language(title: str | None, text: str, links, sample_chars: int) -> str | None:
    """The article's own language: a republished cable (usually English) is left out."""
    cut = min((l.offset for l in links if l.kind == "embeds" and l.offset >= 0), default=None)
    own = text[:cut] if cut is not None else text
    sample = f"{title or ''}\n{own}"
    lang = detect_language(sample, sample_chars=sample_chars)
    return lang or detect_language(text, sample_chars=sample_chars)


def prepare_entry(e: FeedEntry, key: str, ehash: str, base_url: str | None, opts: PrepareOptions,
                  *, parse: Callable | None = None, add_cable: Callable | None = None) -> PreparedEntry:
    """One entry → its article row, images, cable links and language."""
    lim = opts.limits
    html = e.content or e.summary or ""
    info = extract_html(html, e.link or base_url, limits=lim)
    text = info.text
    images: list[ImageRow] = []
    seen: set[str] = set()
    for im in (*e.images, *info.images):
        if im.url not in seen and len(images) < lim.max_images:
            seen.add(im.url)
            images.append(ImageRow(im.url, im.kind, im.mime, im.width, im.height, im.title))
    lr = link_article(text, info.links, location=e.link or base_url, add_cable=add_cable, parse=parse)
    links = [LinkRow(l.ref_id, l.kind, l.offset, l.snippet[:400], l.via) for l in lr.links]
    data = ArticleData(
        entry_key=key, entry_hash=ehash, url=e.link, canonical_url=canonical_url(e.link), title=e.title,
        author=e.author, published=e.published or e.updated, updated=e.updated,
        summary=e.summary if e.content else None, content=html, text=text,
        language=_language(e.title, text, lr.links, opts.language_sample_chars),
        content_hash=content_hash(e.title, text), images=images, links=links,
    )
    return PreparedEntry(data, lr.error, [] if add_cable is not None else lr.embedded)


def prepare_entries(parsed: ParsedFeed, known: dict[str, Any], base_url: str | None, opts: PrepareOptions,
                    *, parse: Callable | None = None, add_cable: Callable | None = None) -> PreparedFeed:
    """The entries of a parsed feed that are new or changed (``known``: entry key → stored raw hash)."""
    out = PreparedFeed(title=parsed.title, link=parsed.link)
    batch_keys: set[str] = set()
    for e in parsed.entries:
        try:
            key, eh = entry_key(e), entry_hash(e)
            if key in batch_keys:
                continue  # the same entry twice in one document: keep the first
            batch_keys.add(key)
            if key in known and known[key] == eh:
                out.same += 1
                continue
            out.items.append(prepare_entry(e, key, eh, base_url, opts, parse=parse, add_cable=add_cable))
        except Exception as ex:  # one bad entry never loses the others
            out.items.append(f"entry {getattr(e, 'link', None) or getattr(e, 'id', None)}: {type(ex).__name__}: {ex}"[:500])
    return out


def not_a_feed(body: bytes, url: str | None, ctype: str | None, limits: FeedLimits, reason: str | None) -> str:
    """The message stored on a feed whose body is no feed (an HTML page names its feeds)."""
    if looks_like_html(body, ctype):
        found = discover_feeds(body, url, limits)
        return "an HTML page, not a feed" + (f" (it names feeds: {', '.join(found[:3])})" if found else "")
    return f"not a feed: {reason}"


def prepare_feed(body: bytes, url: str | None, ctype: str | None, known: dict[str, Any], opts: PrepareOptions,
                 parse: Callable | None = None) -> PreparedFeed:
    """Parse a feed body and prepare its new or changed entries (what a worker process runs)."""
    try:
        parsed = parse_feed(body, url=url, content_type=ctype, limits=opts.limits)
    except FeedParseError as e:
        return PreparedFeed(error=not_a_feed(body, url, ctype, opts.limits, e.reason))
    if not parsed.entries and looks_like_html(body, ctype):
        return PreparedFeed(error=not_a_feed(body, url, ctype, opts.limits, None))
    return prepare_entries(parsed, known, url, opts, parse=parse)


# --------------------------------------------------------------------------- the pool

class PrepareCrashed(Exception):
    """The worker preparing a feed died or ran out of time (the feed is failed, the pass goes on)."""


def _init_worker() -> None:
    """Load what preparing needs once per worker (the forkserver usually has it already)."""
    from ..enrich.language import preload

    preload()
    try:
        from selectolax.lexbor import LexborHTMLParser  # noqa: F401

        from .. import parse  # noqa: F401  (embedded cables)
    except ImportError:  # pragma: no cover
        pass


def _warm() -> int:
    return os.getpid()


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # the forkserver loads these once; its workers start as forks of it (language model shared)
        ctx.set_forkserver_preload(["cablebase.parse", "cablebase.sources._preload"])
        return ctx
    return multiprocessing.get_context("spawn")


class PreparePool:
    """A process pool for ``prepare_feed`` that outlives a pass (see the module doc).

    ``ready`` is False until the workers have started (the first start takes a second or two:
    meanwhile the poller prepares in-process).
    """

    def __init__(self, workers: int):
        self.workers = workers
        self._exec: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._starting: threading.Thread | None = None
        self.ready = False
        self.restarts = 0

    def start(self) -> None:
        """Start the workers in a background thread (returns at once)."""
        with self._lock:
            if self._exec is not None or self._starting is not None:
                return
            t = self._starting = threading.Thread(target=self._start, name="cablebase-prepare-start", daemon=True)
        t.start()

    def _start(self) -> None:
        try:
            ex = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(), initializer=_init_worker)
            for f in [ex.submit(_warm) for _ in range(self.workers)]:
                f.result(timeout=300)
        except Exception:  # no pool (no processes allowed here?): the poller prepares in-process
            with self._lock:
                self._starting = None
            return
        with self._lock:
            self._exec = ex
            self._starting = None
            self.ready = True

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._exec is not broken:
                return
            self._exec = None
            self.ready = False
            self.restarts += 1
        _kill(broken)
        self.start()

    async def run(self, timeout: float, *args, fn: Callable = prepare_feed):
        """``fn(*args)`` (``prepare_feed``) in a worker; PrepareCrashed when the worker dies (twice:
        a job caught in another's crash is retried once) or runs past ``timeout``."""
        loop = asyncio.get_running_loop()
        for attempt in (0, 1):
            ex = self._exec
            if ex is None:  # restarting: the caller's thread does it
                return fn(*args)
            try:
                fut = loop.run_in_executor(ex, fn, *args)
                return await asyncio.wait_for(fut, timeout)
            except BrokenProcessPool:
                self._restart(ex)
                if attempt:
                    raise PrepareCrashed("entry preparation failed: its worker process died") from None
                while self._starting is not None and not self.ready:
                    await asyncio.sleep(0.05)
            except TimeoutError:
                self._restart(ex)
                raise PrepareCrashed(f"entry preparation took longer than {timeout:g} s") from None
        raise PrepareCrashed("entry preparation failed")  # pragma: no cover

    def shutdown(self) -> None:
        with self._lock:
            ex, self._exec = self._exec, None
            self.ready = False
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)


def _kill(ex: ProcessPoolExecutor) -> None:
    for p in list(getattr(ex, "_processes", {}).values()):
        try:
            p.kill()
        except Exception:
            pass
    try:
        ex.shutdown(wait=False, cancel_futures=True)
    except Exception:
        pass


_POOLS: dict[int, PreparePool] = {}
_POOLS_LOCK = threading.Lock()


def get_pool(workers: int) -> PreparePool:
    """The process-wide pool of ``workers`` workers (started on first use, kept until exit)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = PreparePool(workers)
    pool.start()
    return pool


@atexit.register
def _shutdown_pools() -> None:
    for p in list(_POOLS.values()):
        p.shutdown()


__all__ = ["PrepareOptions", "PreparedEntry", "PreparedFeed", "PreparePool", "PrepareCrashed", "prepare_feed",
           "prepare_entries", "prepare_entry", "not_a_feed", "get_pool", "canonical_url", "entry_key", "entry_hash",
           "content_hash"]
