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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from pathlib import Path

from ..config import OFFICIAL_IDS_ENV, Settings, official_ids
from ..errors import ParseError, StoreError
from ..parse import OfficialIds, parse
from ..record import Cable
from .ingest_pages import classify, note_page, settle_strays
from .ingest_report import Failure, IngestReport, ParseResult, Parsed
from .pool import cpu_count, mp_context
from ..sources.files import InputFailure, RawInput, expand_paths, is_archive, iter_inputs, read_inputs
from .._store.base import DICT_MIN_SAMPLES, RawBlob, RawDict, Store, train_dictionary
from ..errors import Busy
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


_WORKER_DICT: RawDict | None = None
"""The dictionary this parser process packs raw inputs with (set by the pool's initializer)."""


def _use_dictionary(dictionary: RawDict | None) -> None:
    global _WORKER_DICT
    _WORKER_DICT = dictionary


def _parse_chunk(chunk: list[tuple[str, bytes]], fmt: str | None, pack: bool = False,
                 dictionary: RawDict | None = None) -> ChunkResult:
    out: ChunkResult = []
    for loc, data in chunk:
        r = parse_one(loc, data, fmt)
        blob = None
        if pack and not isinstance(r, Failure):
            src = r[0].source if r else None
            blob = RawBlob.pack(data, sha256=src.sha256 if src else None,  # parse hashed these bytes
                                dictionary=dictionary or _WORKER_DICT)
        out.append((r, blob))
    return out


DICT_PEEK_INPUTS = 300
DICT_PEEK_BYTES = 64 * 2**20
"""An ingest into an archive without a dictionary trains one on up to this many of its first
inputs (and bytes of them)."""


def dictionary_for(store: Store, inputs: Iterator[RawInput | InputFailure]
                   ) -> tuple[RawDict | None, Iterator[RawInput | InputFailure]]:
    """The archive's dictionary for packing raw inputs; when it has none, one trained on the
    first inputs (kept in the archive), or None when they are too few or share too little.
    Returns it with ``inputs`` as they were (the peeked ones first)."""
    try:
        known = store.raw_dictionary()
    except StoreError:
        return None, inputs
    if known is not None:
        return known, inputs
    head: list[RawInput | InputFailure] = []
    size = 0
    for inp in inputs:
        head.append(inp)
        size += len(inp.data) if isinstance(inp, RawInput) else 0
        if len(head) >= DICT_PEEK_INPUTS or size >= DICT_PEEK_BYTES:
            break
    rest = chain(head, inputs)
    samples = [i.data for i in head if isinstance(i, RawInput)]
    if len(samples) < DICT_MIN_SAMPLES:
        return None, rest
    data = train_dictionary(samples)
    if data is None:
        return None, rest
    try:
        return store.add_raw_dictionary(data), rest
    except StoreError:
        return None, rest  # packed without: the ingest itself must not fail for it


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
    dictionary: RawDict | None = None,
) -> Iterator[Parsed]:
    """Parse inputs in order, yielding each with its cables or its ``Failure``.

    ``pack``: also pack each parsed input's bytes for storage (``RawBlob``), in the parser
    process, so the writer does not have to; with ``dictionary`` when given.

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
                [(r, blob)] = _parse_chunk([(inp.location, inp.data)], fmt, pack, dictionary)
                yield Parsed(inp, r, blob)
        return
    yield from _parse_pooled(it, fmt, workers, pack=pack, dictionary=dictionary)


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
    dictionary: RawDict | None = None,
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
    pool = _pool(workers, ctx, dictionary)

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
                        yield from merge(c, _parse_isolated([(i.location, i.data) for i in c if isinstance(i, RawInput)], fmt, ctx, parse_fn, pack, dictionary))
                    pool = _pool(workers, ctx, dictionary)
                    continue
                yield from merge(head, results)
            elif not chunk:
                break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int, ctx: multiprocessing.context.BaseContext, dictionary: RawDict | None) -> ProcessPoolExecutor:
    """Parser processes, each given the packing dictionary once (not with every chunk)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_use_dictionary, initargs=(dictionary,))


def _parse_isolated(
    items: list[tuple[str, bytes]],
    fmt: str | None,
    ctx: multiprocessing.context.BaseContext,
    parse_fn: Callable[[list[tuple[str, bytes]], str | None, bool], ChunkResult] = _parse_chunk,
    pack: bool = False,
    dictionary: RawDict | None = None,
) -> ChunkResult:
    """Parse each input alone in a child process; one that kills its process fails alone."""
    out: ChunkResult = []
    pool = _pool(1, ctx, dictionary)
    try:
        for loc, data in items:
            try:
                out.extend(pool.submit(parse_fn, [(loc, data)], fmt, pack).result())
            except BrokenProcessPool:
                out.append((Failure(loc, "parser process died while parsing this input (crash or out of memory)"), None))
                pool.shutdown(wait=False)
                pool = _pool(1, ctx, dictionary)
    finally:
        pool.shutdown(wait=True)
    return out


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

    record = report.count

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
    dictionary, inputs = dictionary_for(store, read_inputs(expanded, max_bytes=settings.max_input_bytes))
    for p in parse_inputs(inputs, fmt=fmt, workers=workers, pack=True, dictionary=dictionary):
        report.inputs += 1
        kind, what = classify(p)
        if kind == "cables":
            cables, raw, saved = what
            if saved is not None:
                report.press.append((p.input.location, saved))
            report.cables += len(cables)
            for c in cables:
                batch.append((c, raw))
                batch_locations.append(p.input.location)
            if len(batch) >= settings.batch_size:
                flush()
        else:
            note_page(report, kind, what, fail, sites, strays)
        if on_progress:
            on_progress(report)
    settle_strays(report, sites, strays, fail)
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
