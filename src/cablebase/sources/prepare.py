"""Feed bytes → entries ready to store: the CPU half of a poll (parsing, HTML → text, link
finding, language), pure — no store, no network — so that it can run in worker processes while
the poller's event loop goes on fetching and writing.

``prepare_feed(job)`` is what a worker runs; ``prepare_entries`` and ``prepare_entry`` are its
parts (the poller also runs them in-process). Embedded cables found in an article are parsed
here and handed back: the poller passes them to the archive's ``add_cable`` itself.

:class:`PreparePool` runs it in worker processes that stay up between passes. They are forks
of a fresh interpreter that loaded the parsers and the language model once
(:mod:`cablebase.sources._worker`): they never run the poller's ``__main__`` nor inherit its
threads or handles, and share the model's memory. A dead worker is replaced (its jobs retried
once elsewhere) and one that runs past the time limit is killed. Where processes cannot be
forked (Windows), preparation stays in-process.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import hashlib
import os
import pickle
import re
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..enrich.language import detect_language, detect_languages
from ..enrich.links import link_article
from ..parse.feed import (
    FeedEntry, FeedImage, FeedLimits, FeedParseError, ParsedFeed, discover_feeds, extract_html, looks_like_html,
    parse_feed,
)
from ..store.channels import ArticleData, LinkRow, _reduce_slots
from . import _worker as _w

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


def _one_space(s: str) -> str:
    """``" ".join(s.split())``; for text as ``extract_html`` makes it (ASCII, single spaces inside
    lines, lines stripped) that is just newlines → spaces, which is much faster to check and do."""
    if s.isascii():
        t = s.replace("\n", " ")
        if ("  " not in t and t[:1] != " " and t[-1:] != " " and "\t" not in t and "\r" not in t
                and "\x0b" not in t and "\x0c" not in t and "\x1c" not in t and "\x1d" not in t
                and "\x1e" not in t and "\x1f" not in t):
            return t
    return " ".join(s.split())


def content_hash(title: str | None, text: str | None) -> str | None:
    t = _one_space(text or "")  # = re.sub(r"\s+", " ", text).strip() (same whitespace), faster
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


PreparedEntry.__reduce__ = PreparedFeed.__reduce__ = _reduce_slots  # type: ignore[method-assign]


def _language(title: str | None, text: str, links, sample_chars: int) -> str | None:
    """The article's own language: a republished cable (usually English) is left out."""
    cut = min((l.offset for l in links if l.kind == "embeds" and l.offset >= 0), default=None)
    own = text[:cut] if cut is not None else text
    sample = f"{title or ''}\n{own}"
    lang = detect_language(sample, sample_chars=sample_chars)
    return lang or detect_language(text, sample_chars=sample_chars)


def prepare_entry(e: FeedEntry, key: str, ehash: str, base_url: str | None, opts: PrepareOptions,
                  *, parse: Callable | None = None, add_cable: Callable | None = None,
                  language: bool = True) -> PreparedEntry:
    """One entry → its article row, images, cable links and language (``language=False``: the
    caller sets ``data.language``, see ``_set_languages``)."""
    lim = opts.limits
    html = e.content or e.summary or ""
    info = extract_html(html, e.link or base_url, limits=lim)
    text = info.text
    images: list[FeedImage] = []
    seen: set[str] = set()
    for im in (*e.images, *info.images):
        if im.url not in seen and len(images) < lim.max_images:
            seen.add(im.url)
            images.append(im)
    lr = link_article(text, info.links, location=e.link or base_url, add_cable=add_cable, parse=parse)
    links = [LinkRow(l.ref_id, l.kind, l.offset, l.snippet[:400], l.via) for l in lr.links]
    data = ArticleData(
        entry_key=key, entry_hash=ehash, url=e.link, canonical_url=canonical_url(e.link), title=e.title,
        author=e.author, published=e.published or e.updated, updated=e.updated,
        summary=e.summary if e.content else None, content=html, text=text,
        language=_language(e.title, text, lr.links, opts.language_sample_chars) if language else None,
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
            out.items.append(prepare_entry(e, key, eh, base_url, opts, parse=parse, add_cable=add_cable,
                                           language=False))
        except Exception as ex:  # one bad entry never loses the others
            out.items.append(f"entry {getattr(e, 'link', None) or getattr(e, 'id', None)}: {type(ex).__name__}: {ex}"[:500])
    _set_languages([it.data for it in out.items if not isinstance(it, str)], opts.language_sample_chars)
    if parsed.entries_cut:  # said on the feed (its note), not silent
        out.items.append(f"the feed has {parsed.entries_cut} entries; only the first {opts.limits.max_entries}"
                         " are read (limit max_entries)")
    return out


def _set_languages(items: list[ArticleData], sample_chars: int) -> None:
    """``_language`` for each article, the detections done together (same answers, less CPU)."""
    if not items:
        return
    samples = []
    for d in items:
        cut = min((l.offset for l in d.links or () if l.kind == "embeds" and l.offset is not None and l.offset >= 0),
                  default=None)
        samples.append(f"{d.title or ''}\n{d.text[:cut] if cut is not None else d.text}")
    langs = detect_languages(samples, sample_chars=sample_chars)
    again = [i for i, lang in enumerate(langs) if lang is None]
    if again:
        for i, lang in zip(again, detect_languages([items[i].text for i in again], sample_chars=sample_chars)):
            langs[i] = lang
    for d, lang in zip(items, langs):
        d.language = lang


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


def _warm() -> int:
    return os.getpid()


def _can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


class _Zygote:
    """``python -m cablebase.sources._worker``: loads everything once, forks workers on request."""

    def __init__(self, timeout: float):
        import subprocess
        import sys

        import cablebase

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.abspath(cablebase.__file__)))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "cablebase.sources._worker", str(theirs.fileno())],
                                         pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env,
                                         close_fds=True)
        finally:
            theirs.close()
        self.ctrl = ours
        ours.settimeout(timeout)
        if _w.recv_exact(ours, 1) != b"R":
            raise OSError("worker zygote did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self, timeout: float) -> "_Worker":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self.ctrl, [b"F"], [theirs.fileno()])
        finally:
            theirs.close()
        (pid,) = struct.unpack("!q", _w.recv_exact(self.ctrl, 8))
        w = _Worker(ours, pid)
        try:
            w.ping(timeout)
        except Exception:
            w.kill()
            raise
        return w

    def close(self) -> None:
        try:
            self.ctrl.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


class _Worker:
    """One worker process and the poller's end of its socket (non-blocking once started).

    Answers are read by a reader callback on the event loop (``pump`` runs it on demand, so
    that a finished job is seen as finished before the next one is handed out)."""

    _CHUNK = 256 * 1024

    def __init__(self, sock: socket.socket, pid: int):
        self.sock = sock
        self.pid = pid
        self.inflight: collections.deque = collections.deque()
        """Futures of the jobs sent, in order (the worker answers in order)."""
        self.dead = False
        self.lock: asyncio.Lock | None = None
        self.loop = None
        self._buf = bytearray()
        self._chunk = bytearray(self._CHUNK)

    def ping(self, timeout: float) -> None:
        self.sock.settimeout(timeout)
        data = pickle.dumps((_warm, ()))
        self.sock.sendall(_w.HEAD.pack(len(data)) + data)
        (n,) = _w.HEAD.unpack(_w.recv_exact(self.sock, _w.HEAD.size))
        ok, _pid = pickle.loads(_w.recv_exact(self.sock, n))
        if not ok:
            raise OSError(f"worker did not answer: {_pid}")
        self.sock.setblocking(False)

    def kill(self) -> None:
        if not self.dead:
            self.dead = True
            self.unbind()
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.sock.close()
            except Exception:
                pass
        while self.inflight:
            fut = self.inflight.popleft()
            if not fut.done():
                fut.set_exception(BrokenPipeError("worker process died"))

    def _bind(self, loop) -> None:
        """Per event loop state (a pass may run in a new loop)."""
        if self.loop is not loop:
            self.unbind()
            self.loop = loop
            self.lock = asyncio.Lock()
            loop.add_reader(self.sock.fileno(), self.pump)

    def unbind(self) -> None:
        if self.loop is not None:
            try:
                self.loop.remove_reader(self.sock.fileno())
            except Exception:  # loop closed, socket closed
                pass
            self.loop = None

    def pump(self) -> None:
        """Read what the worker has sent and settle the jobs whose answers are complete."""
        if self.dead:
            return
        view = memoryview(self._chunk)
        try:
            while True:
                k = self.sock.recv_into(view)
                if not k:
                    raise EOFError
                self._buf += view[:k]
                if k < len(view):
                    break
        except (BlockingIOError, InterruptedError):
            pass
        except (EOFError, OSError):
            self.kill()
            return
        buf = self._buf
        pos = 0
        size = _w.HEAD.size
        while len(buf) - pos >= size:
            (n,) = _w.HEAD.unpack_from(buf, pos)
            if len(buf) - pos - size < n:
                break
            try:
                out = pickle.loads(memoryview(buf)[pos + size:pos + size + n])
            except Exception as e:
                out = (False, f"unreadable answer: {type(e).__name__}: {e}"[:500])
            pos += size + n
            if not self.inflight:  # an answer nobody asked for: the stream is not to be trusted
                self.kill()
                return
            fut = self.inflight.popleft()
            if not fut.done():
                fut.set_result(out)
        if pos:
            del buf[:pos]

    async def submit(self, fn, args) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        self._bind(loop)
        data = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        fut = loop.create_future()
        async with self.lock:
            if self.dead:
                raise BrokenPipeError("worker process died")
            self.inflight.append(fut)
            try:
                await loop.sock_sendall(self.sock, _w.HEAD.pack(len(data)) + data)
            except BaseException:
                self.kill()  # a frame may be half sent: the stream is lost
                raise
        return fut


class PreparePool:
    """Worker processes for ``prepare_feed`` that outlive a pass (see the module doc).

    Jobs go to the worker with the fewest in flight as pickled frames over a socket pair, read
    back by the event loop itself (no helper threads). ``ready`` is False until the workers have
    started (the first start takes a second or two: meanwhile the poller prepares in-process).
    """

    def __init__(self, workers: int, start_timeout: float = 300.0):
        self.workers = workers
        self.start_timeout = start_timeout
        self._procs: list[_Worker] = []
        self._zygote: _Zygote | None = None
        self._lock = threading.Lock()
        self._starting = False
        self._failed_at: float | None = None
        self.restarts = 0

    RETRY_AFTER_S = 300.0
    """After workers failed to start (say the package cannot be imported by a fresh
    interpreter), the poller prepares in-process and tries again only after this long."""

    @property
    def ready(self) -> bool:
        """Some worker is up."""
        return any(not w.dead for w in self._procs)

    @property
    def live(self) -> int:
        return sum(not w.dead for w in self._procs)

    def start(self) -> None:
        """Start the missing workers in a background thread (returns at once)."""
        with self._lock:
            if self._starting or len(self._procs) >= self.workers or not _can_fork():
                return
            if self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_AFTER_S:
                return
            self._starting = True
        threading.Thread(target=self._start, name="cablebase-prepare-start", daemon=True).start()

    def _start(self) -> None:
        try:
            while True:
                with self._lock:
                    missing = self.workers - len(self._procs)
                if missing <= 0:
                    return
                fresh: list[_Worker] = []
                try:
                    if self._zygote is None or not self._zygote.alive():
                        if self._zygote is not None:
                            self._zygote.close()
                        self._zygote = None
                        self._zygote = _Zygote(self.start_timeout)
                    for _ in range(missing):
                        fresh.append(self._zygote.fork(self.start_timeout))
                except Exception:  # no workers (processes not allowed here?): the poller prepares in-process
                    for w in fresh:
                        w.kill()
                    self._failed_at = time.monotonic()
                    return
                with self._lock:
                    self._procs = [w for w in self._procs if not w.dead] + fresh
        finally:
            with self._lock:
                self._starting = False

    def has_room(self, backlog: int) -> bool:
        """Some live worker has fewer than ``backlog`` feeds in hand (answers already sent count
        as done: they are read first)."""
        room = False
        for w in self._procs:
            if not w.dead and len(w.inflight) >= backlog:
                w.pump()
            room = room or (not w.dead and len(w.inflight) < backlog)
        return room

    def _pick(self) -> _Worker | None:
        live = [w for w in self._procs if not w.dead]
        if not live:
            return None
        return min(live, key=lambda w: len(w.inflight))

    def _lost(self, w: _Worker) -> None:
        """A worker died or was killed: drop it and start a replacement."""
        w.kill()
        with self._lock:
            if w in self._procs:
                self._procs.remove(w)
                self.restarts += 1
        self.start()

    async def run(self, timeout: float, *args, fn: Callable = prepare_feed):
        """``fn(*args)`` (``prepare_feed``) in a worker; PrepareCrashed when the worker dies (twice:
        a job caught in another's crash is retried once) or runs past ``timeout``."""
        for attempt in (0, 1):
            w = self._pick()
            if w is None:  # none up (restarting): the caller's thread does it
                return fn(*args)
            try:
                fut = await w.submit(fn, args)
                ok, out = await asyncio.wait_for(asyncio.shield(fut), timeout)
            except TimeoutError:
                self._lost(w)
                raise PrepareCrashed(f"entry preparation took longer than {timeout:g} s") from None
            except (BrokenPipeError, EOFError, ConnectionError, OSError):
                self._lost(w)
                if attempt:
                    raise PrepareCrashed("entry preparation failed: its worker process died") from None
                continue
            if not ok:
                raise PrepareCrashed(f"entry preparation failed: {out}")
            return out
        raise PrepareCrashed("entry preparation failed")  # pragma: no cover

    def detach(self) -> None:
        """End of a pass (its event loop is going): stop reading; a worker mid-answer is restarted."""
        for w in list(self._procs):
            w.unbind()
            if w.inflight or w._buf:
                self._lost(w)

    def shutdown(self) -> None:
        with self._lock:
            procs, self._procs = self._procs, []
            zygote, self._zygote = self._zygote, None
        for w in procs:
            w.kill()
        if zygote is not None:
            zygote.close()


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
