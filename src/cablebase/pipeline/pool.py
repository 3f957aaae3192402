"""The process pools of the use cases: one helper for ingest's parsers and enrichment's NLP
workers (the stdlib ``ProcessPoolExecutor``).

Workers start from a forkserver on Linux, so they never inherit the calling process's
threads (tantivy's writer, the poller's event loop) or its open handles; ``preload`` names the
modules the forkserver imports once, before it forks, so each worker starts with them loaded.
Elsewhere workers are spawned.

The feed-preparation pool (``pipeline.prepare``) is not one of these: it needs per-feed
timeouts that kill the one worker stuck on a hostile feed, and sub-millisecond hand-off of
already-read bytes, which ``ProcessPoolExecutor`` gives neither of (a stuck task there can
only be abandoned with the whole pool).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor


def cpu_count() -> int:
    """CPUs this process may run on (its affinity, where the platform says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def mp_context(preload: Iterable[str] = ()) -> multiprocessing.context.BaseContext:
    """Forkserver (with ``preload`` imported once in the server) on Linux, else spawn."""
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        if preload:
            ctx.set_forkserver_preload(list(preload))
        return ctx
    return multiprocessing.get_context("spawn")


def process_pool(workers: int, *, preload: Iterable[str] = (),
                 initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes (see the module doc)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(preload), initializer=initializer)


__all__ = ["cpu_count", "mp_context", "process_pool"]
