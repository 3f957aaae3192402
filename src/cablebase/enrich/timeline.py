"""Timelines: counts per month, and the months that stand out (bursts).

Pure: dates in, months out. A timeline has one row per month from the first to the last
month any series has (months without anything included, as zeros, so that a chart's gaps
are real), each with the count of every series.

Bursts: a month is a burst of a series when its count is above ``median + K × MAD`` of that
series over the timeline's months (MAD: the median absolute deviation from the median,
taken as at least 1 so that a flat, sparse series does not flag every non-zero month), and
at least ``MIN_BURST``. Median and MAD are the robust forms of the mean and the standard
deviation: a few huge months do not raise the bar they are measured against.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from statistics import median
from typing import Any

K = 3.0
MIN_BURST = 3
MAX_MONTHS = 1200
"""At most a century of months in one timeline (dates beyond are data errors)."""

_MONTH = re.compile(r"^(\d{4})-(\d{2})")

BURST_METHOD = (f"a month is marked as a burst when its count of cables is above the median + {K:g} × MAD "
                f"(median absolute deviation, at least 1) of this timeline's months, and at least {MIN_BURST}")


def month_of(value: Any) -> str | None:
    """``YYYY-MM`` of a date string (ISO or starting so), or None."""
    m = _MONTH.match(str(value or ""))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{m.group(1)}-{m.group(2)}"


def _next(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] < last and len(out) < MAX_MONTHS:
        out.append(_next(out[-1]))
    return out


def timeline(series: dict[str, Iterable[str | None]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """``series``: name → the months (or dates) of its items. Returns the rows
    (``{"month", name: count …}``, oldest first) and, per series, how many items had no date."""
    counts: dict[str, Counter] = {}
    undated: dict[str, int] = {}
    for name, values in series.items():
        c: Counter = Counter()
        n = 0
        for v, k in Counter(values).items():  # each distinct value read once: a few hundred months
            m = month_of(v)
            if m is None:
                n += k
            else:
                c[m] += k
        counts[name], undated[name] = c, n
    present = sorted({m for c in counts.values() for m in c})
    if not present:
        return [], undated
    span = months_between(present[0], present[-1])
    if span[-1] != present[-1]:  # too long a span: only the months that have something
        span = present
    rows = [{"month": m, **{name: counts[name].get(m, 0) for name in series}} for m in span]
    return rows, undated


def bursts(rows: list[dict[str, Any]], key: str = "cables", k: float = K, floor: int = MIN_BURST) -> tuple[set[str], float]:
    """The months of ``rows`` whose ``key`` count is a burst, and the threshold used."""
    vals = [r[key] for r in rows]
    if not vals:
        return set(), 0.0
    med = median(vals)
    mad = max(1.0, median(abs(v - med) for v in vals))
    bar = med + k * mad
    return {r["month"] for r in rows if r[key] > bar and r[key] >= floor}, bar
