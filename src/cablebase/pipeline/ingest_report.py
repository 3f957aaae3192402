"""What an ingest reports: ``Failure`` (one input that was not stored, and why), ``IngestReport``
(the run's counts), ``Parsed`` (one input and what became of it). Shared by the local ingest
(``pipeline.ingest``) and the cluster's (``pipeline.dask_ingest``)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .._store.base import RawBlob
from ..model import Added, Outcome, is_provisional
from ..parse.press import PressPage
from ..record import Cable
from ..sources.files import InputFailure, RawInput


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
    cluster: str | None = None
    """Where the work ran when not here: the Dask scheduler, its workers and its dashboard."""
    resumed: int = 0
    """Inputs a killed earlier run of the same ingest had already stored (skipped: ``dask_ingest``)."""
    worker_seconds: float = 0.0
    """On a cluster: the workers' time spent on the units (reading, parsing, writing), summed."""
    worker_cpu: float = 0.0
    """On a cluster: the workers' CPU time on the units, summed."""
    write_seconds: float = 0.0
    """On a cluster: of ``worker_seconds``, the time in the workers' write transactions."""
    started: float = field(default_factory=time.perf_counter)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.index_stale

    def count(self, results: list[Added], cables: list[Cable]) -> None:
        """Count what storing ``cables`` did (``results``, one per cable)."""
        self.outcomes.update(a.outcome for a in results)
        for a, c in zip(results, cables):
            if not c.ref_id:
                self.unreferenced += 1
                if is_provisional(a.ref_id) and a.ref_id not in self.provisional:
                    self.provisional.append(a.ref_id)

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


__all__ = ["Failure", "IngestReport", "ParseResult", "Parsed"]
