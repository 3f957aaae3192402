"""Ingest: inputs → parse (worker processes) → store + index (this process), in batches.

``ingest(store, paths)`` reads every file, directory and tar archive under ``paths``,
parses each input, and stores the cables ``settings.batch_size`` at a time (one SQLite
transaction and one tantivy commit per batch; each cable whole or not at all). A bad input
is reported through ``on_error`` as one ``Failure`` and the run goes on.

Parsing is CPU-bound and pure, so with ``workers >= 1`` it runs in a pool of that many
processes fed a bounded window of inputs, while storing and indexing stay in the calling
process (SQLite and tantivy each want a single writer). ``workers=0`` parses in-process.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any
from itertools import chain, islice
from pathlib import Path

from ..config import OFFICIAL_IDS_ENV, Settings, official_ids
from ..errors import ParseError, StoreError
from ..parse import OfficialIds, parse
from ..parse.decode import decode
from ..parse.html_text import html_to_text
from ..parse.subscriptions import looks_like_html
from ..parse.press import PressPage, read_press_page, read_saved_channel
from ..record import Cable
from .pool import cpu_count, mp_context
from ..sources.files import (
    ARCHIVE_SEP, ARCHIVE_SUFFIXES, InputFailure, RawInput, expand_paths, is_archive, iter_inputs, read_inputs,
)
from .._store.base import RawBlob, Store
from ..errors import Busy
from ..model import Added, Outcome
from ..model import is_provisional
from ..errors import IndexNotUpdated

CHUNK = 8
"""Inputs sent to a worker process at a time."""
POOL_THRESHOLD = 64
PREFETCH_INPUTS = 512
"""Inputs handed to parser processes ahead of the writer: enough that they stay busy while
the writer stores and indexes a whole batch (about as long as parsing it takes)."""
PREFETCH_BYTES = 256 * 2**20
"""...but never more than this many bytes of them in flight."""
"""Below this many inputs, parsing in-process beats starting worker processes."""


@dataclass(frozen=True, slots=True)
class Failure:
    """One input (or cable) that was not stored, and why: printed as one line."""

    location: str
    reason: str

    def __str__(self) -> str:
        reason = " ".join(self.reason.split())  # always one line
        return f"{self.location}: {reason}"


@dataclass(slots=True)
class IngestReport:
    inputs: int = 0
    """Inputs read (files and archive members), failed ones included."""
    total: int | None = None
    """Inputs expected, when known up front (None when archives are involved)."""
    cables: int = 0
    """Cables parsed."""
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    unreferenced: int = 0
    """Cables stored without a reference ID read (under a provisional key, or as a version of
    the cable with the same text)."""
    provisional: list[str] = field(default_factory=list)
    """The provisional keys (``UNREF-…``) they were stored under (those not found as versions)."""
    index_stale: bool = False
    """Some records were stored but not indexed: ``reindex`` fixes it."""
    press: list[tuple[str, PressPage]] = field(default_factory=list)
    """Pages without a cable that are articles (of a WikiLeaks site snapshot): stored as articles
    by the archive (``pipeline.press``), not reported as failures."""
    site_pages: list[str] = field(default_factory=list)
    """Pages without a cable that are neither cable nor article (About, listings): skipped."""
    site_notes: dict[str, str] = field(default_factory=dict)
    """Why those of ``site_pages`` that are no page of the site were skipped (location → reason):
    an HTML file a snapshot's mirror carries beside the site's pages (``test_rsync.html``)."""
    press_stored: Any = None
    """What storing the press did (``pipeline.press.PressReport``), once the archive has."""
    started: float = field(default_factory=time.perf_counter)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.index_stale

    @property
    def stored(self) -> int:
        return self.cables_by(Outcome.NEW, Outcome.UPDATED, Outcome.VERSION)

    def cables_by(self, *outcomes: Outcome) -> int:
        return sum(self.outcomes[o] for o in outcomes)

    @property
    def rate(self) -> float:
        t = self.elapsed or (time.perf_counter() - self.started)
        return self.cables / t if t > 0 else 0.0


ParseResult = list[Cable] | Failure


@dataclass(slots=True)
class Parsed:
    """One input and what became of it: its cables (and packed raw bytes), or a Failure."""

    input: RawInput | InputFailure
    result: ParseResult
    blob: RawBlob | None = None
    """The input's bytes packed for storage (when asked for: see ``parse_inputs``)."""


def parse_one(location: str, data: bytes, fmt: str | None = None) -> ParseResult:
    """Parse one input; every problem becomes a ``Failure`` (never an exception).

    A cable whose reference ID cannot be read is kept (``ref_id`` None): the store gives it a
    provisional key. The official ID list (``config.official_ids``, read once per process)
    gives aliases and the IDs of partial extracts."""
    try:
        cables = parse(data, location=location, fmt=fmt, official=_official(os.environ.get(OFFICIAL_IDS_ENV)))
    except ParseError as e:
        return Failure(location, e.reason)
    except RecursionError:
        return Failure(location, "parser failed: input nested too deeply")
    except Exception as e:  # noqa: BLE001 - a parser bug must not stop the batch
        return Failure(location, f"parser failed: {type(e).__name__}: {e}")
    return cables


@functools.cache
def _official(setting: str | None) -> OfficialIds | None:
    """``config.official_ids()``, looked up once per process and value of its setting."""
    return official_ids()


ChunkResult = list[tuple[ParseResult, RawBlob | None]]


def _parse_chunk(chunk: list[tuple[str, bytes]], fmt: str | None, pack: bool = False) -> ChunkResult:
    out: ChunkResult = []
    for loc, data in chunk:
        r = parse_one(loc, data, fmt)
        blob = None
        if pack and not isinstance(r, Failure):
            src = r[0].source if r else None
            blob = RawBlob.pack(data, sha256=src.sha256 if src else None)  # parse hashed these bytes
        out.append((r, blob))
    return out


PRELOAD = ("cablebase.parse",)
"""What the parser processes' forkserver imports once, before it forks."""


def default_workers() -> int:
    """Parser processes for a big ingest: one per CPU but the one the writer (this process) uses.

    Storing and indexing take about as much CPU as parsing, so on 2 CPUs one parser process
    plus this one keeps both busy; more would only fight the writer for the same cores.
    On 1 CPU: 0 (parse in-process).
    """
    n = cpu_count()
    return 0 if n < 2 else min(n - 1, 8)


def parse_inputs(
    inputs: Iterable[RawInput | InputFailure],
    *,
    fmt: str | None = None,
    workers: int | None = None,
    pack: bool = False,
) -> Iterator[Parsed]:
    """Parse inputs in order, yielding each with its cables or its ``Failure``.

    ``pack``: also pack each parsed input's bytes for storage (``RawBlob``), in the parser
    process, so the writer does not have to.

    ``workers``: parser processes (0: parse in this process; None: ``default_workers()``
    when there are at least ``POOL_THRESHOLD`` inputs, else in this process).
    """
    it = iter(inputs)
    if workers is None:
        head = list(islice(it, POOL_THRESHOLD))
        it = chain(head, it)
        workers = default_workers() if len(head) >= POOL_THRESHOLD else 0
    if workers <= 0:
        for inp in it:
            if isinstance(inp, InputFailure):
                yield Parsed(inp, Failure(inp.location, inp.reason))
            else:
                [(r, blob)] = _parse_chunk([(inp.location, inp.data)], fmt, pack)
                yield Parsed(inp, r, blob)
        return
    yield from _parse_pooled(it, fmt, workers, pack=pack)


def parse_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    max_bytes: int | None = None,
    workers: int | None = 0,
) -> Iterator[Parsed]:
    """Parse every input under ``paths`` (files, directories, archives, ``-``) without an
    archive: each input in order with its cables or its ``Failure`` (``parse_inputs``)."""
    kw = {} if max_bytes is None else {"max_bytes": max_bytes}
    return parse_inputs(iter_inputs(paths, **kw), fmt=fmt, workers=workers)


def _parse_pooled(
    inputs: Iterator[RawInput | InputFailure],
    fmt: str | None,
    workers: int,
    parse_fn: Callable[[list[tuple[str, bytes]], str | None, bool], ChunkResult] = _parse_chunk,
    *,
    pack: bool = False,
) -> Iterator[Parsed]:
    """Parse in a process pool, ``PREFETCH_INPUTS`` ahead (``PREFETCH_BYTES`` at most), in input order.

    If a worker dies (a crash in a C extension, the OOM killer), the inputs that were in
    flight are parsed again one at a time in a fresh process, so that only the one that
    kills it fails; then the pool is restarted for the rest.
    """
    max_chunks = max(workers * 4, PREFETCH_INPUTS // CHUNK)
    in_flight = 0  # bytes
    pending: deque[tuple[list[RawInput | InputFailure], Future[ChunkResult] | None]] = deque()
    ctx = mp_context(PRELOAD)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)

    def submit(chunk: list[RawInput | InputFailure]) -> None:
        nonlocal in_flight
        good = [(i.location, i.data) for i in chunk if isinstance(i, RawInput)]
        in_flight += sum(len(d) for _, d in good)
        fut = pool.submit(parse_fn, good, fmt, pack) if good else None
        pending.append((chunk, fut))

    def merge(chunk: list[RawInput | InputFailure], results: ChunkResult) -> Iterator[Parsed]:
        it = iter(results)
        for inp in chunk:
            if isinstance(inp, InputFailure):
                yield Parsed(inp, Failure(inp.location, inp.reason))
            else:
                r, blob = next(it)
                yield Parsed(inp, r, blob)

    try:
        while True:
            chunk = list(islice(inputs, CHUNK))
            if chunk:
                submit(chunk)
            if pending and (len(pending) >= max_chunks or in_flight >= PREFETCH_BYTES or not chunk):
                head, fut = pending.popleft()
                in_flight -= sum(len(i.data) for i in head if isinstance(i, RawInput))
                try:
                    results = fut.result() if fut is not None else []
                except BrokenProcessPool:
                    suspects = [head] + [c for c, _ in pending]
                    pending.clear()
                    in_flight = 0
                    pool.shutdown(wait=False, cancel_futures=True)
                    for c in suspects:
                        yield from merge(c, _parse_isolated([(i.location, i.data) for i in c if isinstance(i, RawInput)], fmt, ctx, parse_fn, pack))
                    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
                    continue
                yield from merge(head, results)
            elif not chunk:
                break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _parse_isolated(
    items: list[tuple[str, bytes]],
    fmt: str | None,
    ctx: multiprocessing.context.BaseContext,
    parse_fn: Callable[[list[tuple[str, bytes]], str | None, bool], ChunkResult] = _parse_chunk,
    pack: bool = False,
) -> ChunkResult:
    """Parse each input alone in a child process; one that kills its process fails alone."""
    out: ChunkResult = []
    pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    try:
        for loc, data in items:
            try:
                out.extend(pool.submit(parse_fn, [(loc, data)], fmt, pack).result())
            except BrokenProcessPool:
                out.append((Failure(loc, "parser process died while parsing this input (crash or out of memory)"), None))
                pool.shutdown(wait=False)
                pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    finally:
        pool.shutdown(wait=True)
    return out


_NO_CABLE = ("no cable found", "page has a metadata table but no <pre>")


def _press_page(inp: RawInput | InputFailure, failure: Failure) -> PressPage | None:
    """What a page that holds no cable is (``parse.press``), when it may be one of a site's
    articles or pages; None for anything else (an error then). A page of the site's ``cable/``
    tree without its cable is a broken cable page: an error, not a site page."""
    if not isinstance(inp, RawInput) or not failure.reason.startswith(_NO_CABLE):
        return None
    member = inp.location.rsplit("::", 1)[-1]
    if "/cable/" in inp.location or member.startswith("cable/"):
        return None
    return read_press_page(inp.data, inp.location)


def _site_archive(location: str) -> str | None:
    """The tar archive an input is a member of (``site.tar.xz!about.html`` → ``site.tar.xz``), if any."""
    low = location.lower()
    ends = [i + len(s) for s in ARCHIVE_SUFFIXES if (i := low.find(s + ARCHIVE_SEP)) >= 0]
    return location[:min(ends)] if ends else None


def _stray_page(inp: RawInput | InputFailure, failure: Failure) -> str | None:
    """Why an HTML member of an archive that holds no cable and names WikiLeaks nowhere may be a
    file the site's mirror carries (``test_rsync.html``: "Here is an empty test file."); None
    when it cannot be. It is skipped as such only if its archive holds pages of the site."""
    if (not isinstance(inp, RawInput) or not failure.reason.startswith(_NO_CABLE)
            or _site_archive(inp.location) is None or not looks_like_html(inp.data)):
        return None
    text = " ".join(html_to_text(inp.data[:4096].decode("utf-8", "replace")).split())
    says = f": “{text[:80]}{'…' if len(text) > 80 else ''}”" if text else " (no text)"
    return f"a file of the site's mirror, no page of the site (it names WikiLeaks nowhere){says}"


def _saved_channel(inp: RawInput) -> PressPage | None:
    """The post of a feed aggregator's channel page saved as text (``parse.press``), if the
    input is one: the cables it republishes are stored as cables, the post as an article."""
    if b"Channel: " not in inp.data[:300]:
        return None
    try:
        return read_saved_channel(decode(inp.data, inp.location))
    except ParseError:
        return None


def ingest(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    settings: Settings,
    fmt: str | None = None,
    workers: int | None = None,
    on_error: Callable[[Failure], None] | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Read, parse, store and index everything under ``paths``; never stops at a bad input.

    Raises ``Busy`` (nothing of the current batch stored) if another process is writing
    the archive, and other ``StoreError`` only when the archive itself cannot be used.
    """
    expanded = list(expand_paths(paths))
    report = IngestReport()
    if not any(isinstance(p, Path) and is_archive(p) for p in expanded):
        report.total = len(expanded)

    def fail(f: Failure) -> None:
        report.failures.append(f)
        if on_error:
            on_error(f)

    batch: list[tuple[Cable, bytes | RawBlob]] = []
    batch_locations: list[str] = []

    def record(results: list[Added], cables: list[Cable]) -> None:
        report.outcomes.update(a.outcome for a in results)
        for a, c in zip(results, cables):
            if not c.ref_id:
                report.unreferenced += 1
                if is_provisional(a.ref_id) and a.ref_id not in report.provisional:
                    report.provisional.append(a.ref_id)

    def flush() -> None:
        if not batch:
            return
        try:
            record(store.add_cables(batch), [c for c, _ in batch])
        except Busy:
            raise  # another writer holds the archive: retrying cable by cable would not help
        except IndexNotUpdated as e:
            record(e.results, [c for c, _ in batch])
            if not report.index_stale:
                report.index_stale = True
                fail(Failure(str(settings.index_path), str(e)))
        except StoreError:
            # Something in the batch could not be stored: nothing of it was. Store cable by
            # cable so the rest gets in and the failing one is named.
            for (cable, raw), loc in zip(batch, batch_locations, strict=True):
                try:
                    record([store.add_cable(cable, raw)], [cable])
                except IndexNotUpdated as e:
                    record(e.results, [cable])
                    report.index_stale = True
                except StoreError as e:
                    fail(Failure(loc, f"{cable.ref_id or 'cable without reference ID'}: not stored: {e}"))
        batch.clear()
        batch_locations.clear()

    sites: set[str | None] = set()  # archives holding pages of a WikiLeaks site
    strays: list[tuple[Failure, str]] = []  # HTML members naming WikiLeaks nowhere: decided at the end
    inputs = read_inputs(expanded, max_bytes=settings.max_input_bytes)
    for p in parse_inputs(inputs, fmt=fmt, workers=workers, pack=True):
        report.inputs += 1
        result = p.result
        if isinstance(result, Failure):
            page = _press_page(p.input, result)
            stray = _stray_page(p.input, result) if page is None else None
            if stray is not None:
                strays.append((result, stray))
            elif page is None:
                fail(result)
            else:
                sites.add(_site_archive(p.input.location))
                if page.kind == "article":
                    report.press.append((p.input.location, page))
                else:
                    report.site_pages.append(p.input.location)
        else:
            assert isinstance(p.input, RawInput)
            saved = _saved_channel(p.input)
            if saved is not None:
                report.press.append((p.input.location, saved))
            report.cables += len(result)
            raw = p.blob or p.input.data
            for c in result:
                batch.append((c, raw))
                batch_locations.append(p.input.location)
            if len(batch) >= settings.batch_size:
                flush()
        if on_progress:
            on_progress(report)
    for result, why in strays:
        if _site_archive(result.location) in sites:
            report.site_pages.append(result.location)
            report.site_notes[result.location] = why
        else:
            fail(result)
    flush()
    try:
        store.flush()
    except IndexNotUpdated as e:
        report.index_stale = True
        fail(Failure(str(settings.index_path), str(e)))
    report.elapsed = time.perf_counter() - report.started
    if on_progress:
        on_progress(report)
    return report


__all__ = ["Failure", "IngestReport", "Parsed", "default_workers", "ingest", "parse_inputs", "parse_one"]
