"""The units of a cluster ingest, and what a worker does with one (``pipeline.dask_ingest``).

A *unit* is a list of inputs named, not carried: a file's path, or a tar archive's path and a
member's name. The client lists them (``plan``: directories walked, archives' members listed)
and hands each unit to a worker, which reads the bytes itself (the inputs must be readable on
every worker under the same path: a shared folder), parses them, packs the raw bytes and
either writes the records to the PostgreSQL archive itself (``RecordWriter``, records only:
the client indexes) or gives them back for the client to store.

Everything here but ``plan`` runs on the workers and is pure of the client's state.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..config import OFFICIAL_IDS_ENV
from ..errors import Busy, IndexNotUpdated, StoreError
from ..record import Cable
from ..sources.files import (
    ARCHIVE_SEP, INPUT_SUFFIXES, InputFailure, RawInput, expand_paths, is_archive, read_one, too_large_reason,
)
from .._store.base import RawBlob, RawDict
from .._store.pg_records import RecordWriter
from .ingest import parse_inputs
from .ingest_pages import classify
from .ingest_report import Failure, IngestReport

UNIT_INPUTS = 64
"""Inputs per unit: ~0.1 s of a worker's time on cablegate pages, so that the cluster's cost
per task (a few ms) stays small and a killed worker loses little."""

Locator = str | tuple[str, str]
"""An input: a file's path, or (tar archive's path, member name)."""


@dataclass(slots=True)
class Unit:
    number: int
    inputs: list[Locator]

    def locations(self) -> list[str]:
        return [i if isinstance(i, str) else f"{i[0]}{ARCHIVE_SEP}{i[1]}" for i in self.inputs]


@dataclass(slots=True)
class UnitResult:
    """What a worker did with one unit."""

    number: int
    part: IngestReport
    """Inputs, cables, outcomes, failures of this unit alone (press pages and site pages are in ``others``)."""
    others: list[tuple[str, Any]] = field(default_factory=list)
    """``classify``'s kinds other than cables, and ``("saved", (location, post))`` for a saved channel page."""
    batch: list[tuple[Cable, bytes | RawBlob]] | None = None
    """The parsed cables with their packed bytes, for the client to store (when workers do not write)."""
    locations: list[str] = field(default_factory=list)
    """The input each cable of ``batch`` came from."""
    seconds: float = 0.0
    """The worker's time on the unit (reading, parsing, writing)."""
    cpu: float = 0.0
    """The worker thread's CPU time on the unit."""
    write_seconds: float = 0.0
    """Of ``seconds``, the time spent storing (the transaction, waiting for the writers' lock included)."""

    @property
    def clean(self) -> bool:
        """Nothing but cables, all stored: the unit is done for good (a restarted run skips it)."""
        return not self.others and not self.part.failures


# -- the client: units from paths ------------------------------------------------------------
def _wanted(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and os.path.splitext(base)[1].lower() in INPUT_SUFFIXES


def _members(path: Path, max_bytes: int) -> Iterator[Locator | InputFailure]:
    loc = str(path)
    try:
        with tarfile.open(path, mode="r:*") as tf:
            for m in tf:
                if not m.isfile() or not _wanted(m.name):
                    continue
                if m.size > max_bytes:
                    yield InputFailure(f"{loc}{ARCHIVE_SEP}{m.name}", too_large_reason(m.size, max_bytes))
                else:
                    yield (loc, m.name)
    except (tarfile.TarError, OSError, EOFError) as e:
        yield InputFailure(loc, f"cannot list archive: {e}")


def is_url(path: str | os.PathLike[str]) -> bool:
    """An input named by URL (``s3://bucket/cables/``, ``file:///srv/cables``): read through fsspec."""
    return isinstance(path, str) and "://" in path


def _url_inputs(url: str) -> Iterator[Locator | InputFailure]:
    """The files at ``url`` (a folder's, found recursively, or the one file) as URLs, through
    fsspec (``s3://`` needs the ``s3fs`` package on the client and the workers)."""
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        if fs.isdir(root):
            found = [f for f in sorted(fs.find(root)) if _wanted(f)]
            if not found:
                yield InputFailure(url, "no input files there (tar archives are read from a shared folder only)")
            for f in found:
                yield fs.unstrip_protocol(f)
        elif fs.exists(root):
            if is_archive(root):
                yield InputFailure(url, "a tar archive by URL is not read: put it in a folder the workers share")
            else:
                yield url
        else:
            yield InputFailure(url, "no such file or directory")
    except Exception as e:  # noqa: BLE001 - an unknown protocol, a missing package, a refused listing
        yield InputFailure(url, f"cannot list: {type(e).__name__}: {e}")


def plan(paths: Iterable[str | os.PathLike[str]], *, max_bytes: int,
         unit_inputs: int = UNIT_INPUTS) -> tuple[list[Unit], list[InputFailure]]:
    """The units of work for ``paths`` (files, folders and tar archives as ``expand_paths`` finds
    them, a tar archive's members listed here and read by the workers; URLs through fsspec), and
    the inputs that failed already."""
    units: list[Unit] = []
    failed: list[InputFailure] = []
    cur: list[Locator] = []

    def add(loc: Locator) -> None:
        cur.append(loc)
        if len(cur) >= unit_inputs:
            units.append(Unit(len(units), cur.copy()))
            cur.clear()

    for path in paths:
        if is_url(path):
            for u in _url_inputs(str(path)):
                failed.append(u) if isinstance(u, InputFailure) else add(u)
            continue
        for item in expand_paths([path]):
            if isinstance(item, InputFailure):
                failed.append(item)
            elif is_archive(item):
                for m in _members(item, max_bytes):
                    failed.append(m) if isinstance(m, InputFailure) else add(m)
            else:
                add(str(item))
    if cur:
        units.append(Unit(len(units), cur))
    return units, failed


def run_key(units: list[Unit], fmt: str | None, store: str) -> str:
    """The identity of a run: the same inputs, format and writer give the same key."""
    h = hashlib.sha256(orjson.dumps([fmt, store]))
    for u in units:
        h.update(orjson.dumps(u.inputs))
    return h.hexdigest()[:32]


# -- the worker: one unit ----------------------------------------------------------------------
def read_unit(unit: Unit, max_bytes: int) -> Iterator[RawInput | InputFailure]:
    """The unit's inputs, read (a tar archive opened once per unit), in the unit's order."""
    wanted: dict[str, set[str]] = {}
    for i in unit.inputs:
        if not isinstance(i, str):
            wanted.setdefault(i[0], set()).add(i[1])
    got: dict[tuple[str, str], RawInput | InputFailure] = {}
    for archive, names in wanted.items():
        left = set(names)
        try:
            with tarfile.open(archive, mode="r:*") as tf:
                for m in tf:
                    if m.name not in left:
                        continue
                    left.discard(m.name)
                    loc = f"{archive}{ARCHIVE_SEP}{m.name}"
                    f = tf.extractfile(m)
                    data = f.read(max_bytes + 1) if f is not None else b""
                    got[(archive, m.name)] = (RawInput(loc, data) if len(data) <= max_bytes
                                              else InputFailure(loc, too_large_reason(len(data), max_bytes)))
                    if not left:
                        break
        except (tarfile.TarError, OSError, EOFError) as e:
            for n in left:
                got[(archive, n)] = InputFailure(f"{archive}{ARCHIVE_SEP}{n}", f"archive damaged or unreadable on the worker: {e}")
            left = set()
        for n in left:
            got[(archive, n)] = InputFailure(f"{archive}{ARCHIVE_SEP}{n}", "member not found in the archive on the worker")
    for i in unit.inputs:
        if not isinstance(i, str):
            yield got[(i[0], i[1])]
        else:
            yield _read_url(i, max_bytes) if is_url(i) else read_one(i, max_bytes)


def _read_url(url: str, max_bytes: int) -> RawInput | InputFailure:
    try:
        import fsspec

        with fsspec.open(url, "rb") as f:
            data = f.read(max_bytes + 1)
    except Exception as e:  # noqa: BLE001 - unreadable from this worker: that input fails, named
        return InputFailure(url, f"cannot read on the worker: {type(e).__name__}: {e}")
    if len(data) > max_bytes:
        return InputFailure(url, too_large_reason(len(data), max_bytes))
    return RawInput(url, data)


_WRITERS = threading.local()


def _writer(url: str) -> RecordWriter:
    """This worker thread's records-only connection to ``url`` (kept between units)."""
    w = getattr(_WRITERS, "w", None)
    if w is None or w[0] != url:
        w = _WRITERS.w = (url, RecordWriter(url))
    return w[1]


def _drop_writer() -> None:
    w = getattr(_WRITERS, "w", None)
    _WRITERS.w = None
    if w is not None:
        try:
            w[1].close()
        except Exception:  # noqa: BLE001 - the connection is being thrown away
            pass


def run_unit(unit: Unit, fmt: str | None, max_bytes: int, url: str | None, official: str | None,
             dictionary: RawDict | None = None) -> UnitResult:
    """Read, parse and (with ``url``) store one unit on a worker, packing raw inputs with
    ``dictionary`` (the archive's). Never raises for a bad input or cable: each is a ``Failure``
    in the result."""
    t0, c0 = time.perf_counter(), time.thread_time()
    if official is not None and os.environ.get(OFFICIAL_IDS_ENV) != official and (not official or Path(official).is_file()):
        os.environ[OFFICIAL_IDS_ENV] = official  # the client's official ID list, where this worker has it
    part = IngestReport()
    res = UnitResult(unit.number, part)
    batch: list[tuple[Cable, bytes | RawBlob]] = []
    for p in parse_inputs(read_unit(unit, max_bytes), fmt=fmt, workers=0, pack=True, dictionary=dictionary):
        part.inputs += 1
        kind, what = classify(p)
        if kind != "cables":
            if kind == "fail":
                part.failures.append(what)
            else:
                res.others.append((kind, what))
            continue
        cables, raw, saved = what
        if saved is not None:
            res.others.append(("saved", (p.input.location, saved)))
        part.cables += len(cables)
        batch.extend((c, raw) for c in cables)
        res.locations.extend(p.input.location for _ in cables)
    if url is None:
        res.batch = batch
    elif batch:
        w0 = time.perf_counter()
        store_batch(lambda items: _writer(url).add_cables(items), batch, res.locations, part, on_store_error=_drop_writer)
        res.write_seconds = time.perf_counter() - w0
        res.locations = []
    res.seconds = time.perf_counter() - t0
    res.cpu = time.thread_time() - c0
    return res


def store_batch(add: Any, batch: list[tuple[Cable, bytes | RawBlob]], locations: list[str], report: IngestReport,
                *, on_store_error: Any = None) -> None:
    """Store ``batch`` with ``add`` (one transaction), counting into ``report``; if that fails,
    cable by cable, so that the rest gets in and the failing one is named. ``Busy`` is raised."""
    try:
        report.count(add(batch), [c for c, _ in batch])
        return
    except (Busy, IndexNotUpdated):
        raise
    except StoreError:
        if on_store_error:
            on_store_error()
    for (cable, raw), loc in zip(batch, locations, strict=True):
        try:
            report.count(add([(cable, raw)]), [cable])
        except StoreError as e:
            report.failures.append(Failure(loc, f"{cable.ref_id or 'cable without reference ID'}: not stored: {e}"))


__all__ = ["UNIT_INPUTS", "Unit", "UnitResult", "is_url", "plan", "read_unit", "run_key", "run_unit", "store_batch"]
