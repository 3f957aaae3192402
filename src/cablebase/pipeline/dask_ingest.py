"""Ingest on a Dask cluster: ``cablebase ingest PATH... --dask tcp://scheduler:8786``.

The client (this process) walks the paths and lists tar archives' members, cuts the inputs
into units (``dask_units.plan``: paths and member names, never bytes) and hands them to the
cluster's workers a window at a time (the window grows when a worker joins). Each worker reads
its unit's inputs from the shared folder, parses them, packs the raw bytes, and:

- ``store="workers"`` (the default on PostgreSQL): writes the records itself, one transaction
  per unit, through a records-only connection (``_store.pg_records.RecordWriter``) that lists
  every changed cable in ``index_pending``; the client is the one indexer: it holds the search
  index for the whole run and indexes what is listed every ``DRAIN_EVERY_S`` and at the end,
  reading the records back from the database, so the index never runs ahead of the store;
- ``store="client"``: sends the parsed records back, and the client stores and indexes them
  as a local ingest does (any archive, the embedded one too).

Faults. A worker that dies mid-unit: the scheduler gives the unit to another worker; its
transaction was rolled back with the connection, or, if it had committed, the records are
written again, which changes nothing (a source is keyed by the sha256 of its bytes). A unit
the cluster gives up on (``KilledWorker``) is reported as failures naming its inputs. A unit
whose records are all stored and that held nothing else is marked done in ``ingest_units``
under the run's key (a hash of the units, the format and the writer): a client killed and
started again with the same arguments skips those units. Units with failures, articles or site
pages are redone on resume (so that they are reported and stored by the run that finishes).
A finished run deletes its marks: a later run of the same inputs reads them all again.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from ..config import Settings, official_ids_path
from ..errors import IndexNotUpdated, StoreError
from ..model import is_provisional
from .._store import pg_records
from .._store.base import Store
from .dask_units import UNIT_INPUTS, Unit, UnitResult, plan, read_unit, run_key, run_unit, store_batch
from .ingest import dictionary_for
from .ingest_pages import note_page, settle_strays
from .ingest_report import Failure, IngestReport

DRAIN_EVERY_S = 2.0
"""How often the client indexes what the workers stored (and records the units done)."""
WINDOW_PER_THREAD = 3
"""Units handed to the cluster per worker thread: enough that no worker waits for the next."""
CHECK_WORKERS_S = 2.0
"""How often the client looks for workers that joined (to widen the window)."""


def dask_ingest(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    settings: Settings,
    address: str,
    fmt: str | None = None,
    store_on: str | None = None,
    unit_inputs: int = UNIT_INPUTS,
    on_error: Callable[[Failure], None] | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Ingest ``paths`` on the Dask cluster whose scheduler is at ``address`` (see the module
    doc). ``store_on``: "workers" or "client" (default: workers on PostgreSQL, else client)."""
    from distributed import Client, as_completed

    store_on = store_on or ("workers" if settings.is_pg else "client")
    if store_on not in ("workers", "client"):
        raise ValueError(f"dask store must be 'workers' or 'client', not {store_on!r}")
    url = pg_records.archive_url(settings) if store_on == "workers" else None
    report = IngestReport()

    def fail(f: Failure) -> None:
        report.failures.append(f)
        if on_error:
            on_error(f)

    units, failed = plan(paths, max_bytes=settings.max_input_bytes, unit_inputs=unit_inputs)
    report.total = sum(len(u.inputs) for u in units) + len(failed)
    for f in failed:
        report.inputs += 1
        fail(Failure(f.location, f.reason))
    run = run_key(units, fmt, store_on)
    done = pg_records.units_done(store.db, run)
    todo: deque[Unit] = deque()
    for u in units:
        if u.number in done:
            report.inputs += len(u.inputs)
            report.resumed += len(u.inputs)
        else:
            todo.append(u)
    official = official_ids_path()
    official_arg = str(official.resolve()) if official else ""
    # The archive's dictionary for packing raw inputs, trained here on the first inputs when it
    # has none (as a local ingest does); the workers get it once (scattered), not with each unit.
    dictionary, _ = dictionary_for(store, chain.from_iterable(read_unit(u, settings.max_input_bytes) for u in todo))
    if url is not None:
        _index(store, report, fail)  # the client is the indexer: take the index now, fail early
    sites: set[str | None] = set()
    strays: list[tuple[Failure, str]] = []
    finished: list[int] = []

    with Client(address, timeout="30s") as client:
        threads = _threads(client)
        report.cluster = (f"{address}: {len(client.scheduler_info().get('workers', {}))} workers, {threads} threads;"
                          f" dashboard {client.dashboard_link or '(none)'}")
        if on_progress:
            on_progress(report)
        by_key: dict[str, Unit] = {}
        packing = client.scatter(dictionary, broadcast=True, hash=False) if dictionary is not None else None

        def submit() -> Any:
            u = todo.popleft()
            fut = client.submit(run_unit, u, fmt, settings.max_input_bytes, url, official_arg, packing,
                                key=f"cablebase-ingest-{run[:12]}-{u.number}", pure=False, retries=1)
            by_key[fut.key] = u
            return fut

        first = [submit() for _ in range(min(len(todo), max(2, threads * WINDOW_PER_THREAD)))]
        ac = as_completed(first)
        in_flight = len(first)
        last_drain = last_check = time.monotonic()
        for fut in ac:
            in_flight -= 1
            unit = by_key.pop(fut.key)
            try:
                res: UnitResult = fut.result()
            except Exception as e:  # noqa: BLE001 - a unit the cluster gave up on (KilledWorker …)
                report.inputs += len(unit.inputs)
                why = f"not ingested: the cluster failed on its unit ({type(e).__name__}: {str(e).strip()[:200]})"
                for loc in unit.locations():
                    fail(Failure(loc, why))
            else:
                _merge(store, report, res, fail, sites, strays)
                if res.clean:
                    finished.append(res.number)
            fut.release()
            now = time.monotonic()
            if now - last_check >= CHECK_WORKERS_S:
                threads, last_check = _threads(client), now
            while todo and in_flight < max(2, threads * WINDOW_PER_THREAD):
                ac.add(submit())
                in_flight += 1
            if now - last_drain >= DRAIN_EVERY_S:
                if url is not None:
                    _index(store, report, fail)
                pg_records.mark_units(store.db, run, finished)
                finished.clear()
                last_drain = time.monotonic()
            if on_progress:
                on_progress(report)
    settle_strays(report, sites, strays, fail)
    if url is not None:
        _index(store, report, fail)
    try:
        store.flush()
    except IndexNotUpdated as e:
        _stale(report, fail, e)
    pg_records.forget_run(store.db, run)
    report.elapsed = time.perf_counter() - report.started
    if on_progress:
        on_progress(report)
    return report


def _threads(client: Any) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001 - a scheduler that does not answer now: keep a small window
        return 1


def _index(store: Any, report: IngestReport, fail: Callable[[Failure], None]) -> None:
    """Index what the workers stored (the client's store holds the index)."""
    try:
        store.index_pending()
    except IndexNotUpdated as e:
        _stale(report, fail, e)


def _stale(report: IngestReport, fail: Callable[[Failure], None], e: StoreError) -> None:
    if not report.index_stale:
        report.index_stale = True
        fail(Failure("search index", str(e)))


def _merge(store: Any, report: IngestReport, res: UnitResult, fail: Callable[[Failure], None],
           sites: set[str | None], strays: list[tuple[Failure, str]]) -> None:
    """Count a unit's result into the run's report (and store its records, when the client stores)."""
    part = res.part
    if res.batch:
        try:
            store_batch(store.add_cables, res.batch, res.locations, part)
        except IndexNotUpdated as e:
            part.count(e.results, [c for c, _ in res.batch])
            _stale(report, fail, e)
    report.inputs += part.inputs
    report.cables += part.cables
    report.worker_seconds += res.seconds
    report.worker_cpu += res.cpu
    report.write_seconds += res.write_seconds
    report.outcomes.update(part.outcomes)
    report.unreferenced += part.unreferenced
    for key in part.provisional:
        if is_provisional(key) and key not in report.provisional:
            report.provisional.append(key)
    for f in part.failures:
        fail(f)
    for kind, what in res.others:
        if kind == "saved":
            report.press.append(what)
        else:
            note_page(report, kind, what, fail, sites, strays)


__all__ = ["dask_ingest"]
