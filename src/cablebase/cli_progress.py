"""Progress on the command line: a live bar (count, rate, elapsed, ETA) on a terminal, and on
anything else (a log, a pipe, ``scripts/run``) a plain line every few seconds with the same
figures, so that a long stage never prints nothing for minutes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

LINE_EVERY_S = 10.0
"""Seconds between two plain progress lines (off a terminal)."""


class _CountColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        total = f"/{int(task.total):,}" if task.total is not None else ""
        return Text(f"{int(task.completed):,}{total}", style="progress.download", no_wrap=True)


class _RateColumn(ProgressColumn):
    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        rate = task.completed / elapsed if elapsed else 0.0
        return Text(f"{rate:,.1f} {self.unit}/s", style="progress.data.speed", no_wrap=True)


def _duration(s: float) -> str:
    s = int(round(s))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def progress_line(what: str, unit: str, done: int, total: int | None, elapsed: float) -> str:
    """``enriching: 1,200/7,002 documents (17%), 23.5 documents/s, 51 s elapsed, ETA 4 min 07 s``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    line = f"{what}: {done:,}"
    if total:
        line += f"/{total:,} {unit} ({100 * done // total}%)"
    else:
        line += f" {unit}"
    line += f", {rate:,.1f} {unit}/s, {_duration(elapsed)} elapsed"
    if total and rate > 0 and done < total:
        line += f", ETA {_duration((total - done) / rate)}"
    return line


@contextmanager
def stage_progress(console: Console, what: str, unit: str, *,
                   clock: Callable[[], float] = time.monotonic) -> Iterator[Callable[[int, int | None], None]]:
    """A callback ``(done, total)`` for a long stage: a live bar on a terminal; elsewhere a
    line at the start, every ``LINE_EVERY_S`` seconds and at the end."""
    if console.is_terminal:
        with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"),
                      BarColumn(bar_width=20), _CountColumn(), _RateColumn(unit), TimeElapsedColumn(),
                      TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=True) as prog:
            task = prog.add_task(what, total=None)
            yield lambda done, total: prog.update(task, completed=done, total=total)
        return
    start = clock()
    state = {"last": start, "done": 0, "total": None, "printed": 0}

    def update(done: int, total: int | None) -> None:
        state["done"], state["total"] = done, total
        now = clock()
        if state["printed"] == 0 or now - state["last"] >= LINE_EVERY_S:
            console.print(progress_line(what, unit, done, total, now - start), highlight=False, soft_wrap=True)
            state["last"], state["printed"] = now, state["printed"] + 1

    yield update
    if state["printed"] and state["done"] != 0:
        console.print(progress_line(what, unit, state["done"], state["total"], clock() - start),
                      highlight=False, soft_wrap=True)


def enrichment_line(p: dict) -> str:
    """The enrichment's state in one line, for ``stats``."""
    total = f" of {p['total']:,}" if p.get("total") else ""
    if p["state"] == "running":
        rate = f", {p['rate']:,.1f} documents/s" if p.get("rate") else ""
        eta = f", ETA {round(p['eta_s'] / 60)} min" if p.get("eta_s") is not None else ""
        return f"enrichment running (pid {p.get('pid')}): {p['done']:,}{total} documents{rate}{eta}"
    if p["state"] == "finished":
        return f"enrichment finished: {p['done']:,} documents"
    if p["state"] == "failed":
        return f"enrichment failed: {p.get('failed')}; run `cablebase enrich` again"
    return f"enrichment stopped at {p['done']:,}{total} documents (its process is gone); run `cablebase enrich` to go on"
