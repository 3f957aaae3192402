"""Values in queries and index documents: classification levels, portion marks, dates.

How a cable's classification, paragraph marks and dates become index terms and integers
(``level_tokens``, ``marking_tokens``, ``date_number``), and how the same values typed in a
query are read (``LEVELS``, ``canonical_marking``, ``date_bounds``, ``period_range``,
``year_bounds``, ``entity_type``): one place, so documents and queries always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable

LEVELS = {
    "u": "unclassified", "unclas": "unclassified", "unclass": "unclassified", "unclassified": "unclassified",
    "c": "confidential", "conf": "confidential", "confidential": "confidential",
    "s": "secret", "secret": "secret",
    "nf": "noforn", "noforn": "noforn",
    "fouo": "fouo", "sbu": "fouo", "sensitive": "fouo", "for official use only": "fouo", "foruo": "fouo",
    # The 1973-79 telegrams' level between UNCLASSIFIED and CONFIDENTIAL.
    "lou": "lou", "limited official use": "lou", "limited official use only": "lou", "limited": "lou",
    "ts": "topsecret", "top secret": "topsecret", "topsecret": "topsecret",
}


def level_tokens(classification: str | None) -> list[str]:
    """Index terms of a classification: its level and each caveat (``SECRET//NOFORN`` →
    ``secret``, ``noforn``; ``UNCLASSIFIED//FOR OFFICIAL USE ONLY`` → ``unclassified``, ``fouo``)."""
    if not classification:
        return []
    out = []
    for part in re.split(r"\s*/{1,2}\s*", classification.strip().lower()):
        part = " ".join(part.split())
        if part:
            out.append(LEVELS.get(part, part.replace(" ", "")))
    return list(dict.fromkeys(out))


_MARK_SPLIT = re.compile(r"\s*(?:/{1,2}|-)\s*")


def canonical_marking(mark: str | None) -> str | None:
    """``S//NF``, ``S-NF``, ``S/NOFORN`` → ``S/NF``: one spelling per portion mark."""
    if not mark:
        return None
    parts = [p for p in _MARK_SPLIT.split(mark.strip().upper()) if p]
    parts = ["NF" if p == "NOFORN" else p for p in parts]
    return "/".join(parts) or None


def marking_tokens(mark: str | None) -> list[str]:
    """Index terms of a paragraph's portion mark: the whole mark and its parts
    (``S/NF`` → ``s/nf``, ``s``, ``nf``), so ``marking:S`` finds every SECRET paragraph."""
    c = canonical_marking(mark)
    if not c:
        return []
    parts = c.lower().split("/")
    return list(dict.fromkeys([c.lower()] + (parts if len(parts) > 1 else [])))


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?)?)?")


def date_bounds(text: str) -> tuple[int, int] | None:
    """``2009`` / ``2009-03`` / ``2009-03-17`` / ``2009-03-17T10:30`` → the first and last
    minute of that period as ``YYYYMMDDHHMM`` integers (None: not a date)."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        return None
    y, mo, d, hh, mi = m.groups()
    year = int(y)
    if mo is None:
        return year * 10**8 + 1010000, year * 10**8 + 12312359
    month = int(mo)
    if not 1 <= month <= 12:
        return None
    base = (year * 100 + month) * 10**6
    if d is None:
        return base + 10000, base + 312359
    day = int(d)
    if not 1 <= day <= 31:
        return None
    base += day * 10**4
    if hh is None:
        return base, base + 2359
    h, mnt = int(hh), int(mi)
    if h > 23 or mnt > 59:
        return None
    return base + h * 100 + mnt, base + h * 100 + mnt


def date_number(value: str | None) -> int | None:
    """A record's ``YYYY-MM-DD HH:MM`` (or a prefix of it) as a ``YYYYMMDDHHMM`` integer."""
    if not value:
        return None
    b = date_bounds(value.replace(" ", "T", 1)[:16])
    return b[0] if b else None


_RANGE = re.compile(r"(.*?)\.\.(.*)")
_CMP = re.compile(r"(>=|<=|>|<)(.*)")


def period_range(text: str, parse_one: Callable[[str], tuple[int, int] | None]) -> tuple[int | None, int | None] | None:
    """``A``, ``A..B``, ``A..``, ``..B``, ``>=A``, ``>A``, ``<=B``, ``<B`` → inclusive (low, high)."""
    text = text.strip()
    m = _RANGE.fullmatch(text)
    if m:
        a, b = m.group(1).strip(), m.group(2).strip()
        if not a and not b:
            return None
        lo = parse_one(a) if a else None
        hi = parse_one(b) if b else None
        if (a and lo is None) or (b and hi is None):
            return None
        return (lo[0] if lo else None, hi[1] if hi else None)
    m = _CMP.fullmatch(text)
    if m:
        op, v = m.group(1), m.group(2).strip()
        b = parse_one(v)
        if b is None:
            return None
        return {">=": (b[0], None), ">": (b[1] + 1, None), "<=": (None, b[1]), "<": (None, b[0] - 1)}[op]
    b = parse_one(text)
    return b


def year_bounds(text: str) -> tuple[int, int] | None:
    t = text.strip()
    if re.fullmatch(r"\d{4}", t):
        return int(t), int(t)
    if re.fullmatch(r"\d{2}", t):  # 09 → 2009, 75 → 1975, as in reference IDs
        y = int(t)
        y += 2000 if y < 50 else 1900
        return y, y
    return None


ENTITY_TYPES = {
    "PER": ("person", "persons", "people", "per", "individual", "individuals"),
    "ORG": ("organization", "organizations", "organisation", "organisations", "org", "orgs"),
    "PLACE": ("place", "places", "location", "locations", "loc", "gpe", "country", "countries"),
}
"""``type:`` values: the entity type stored (``PER``, ``ORG``, ``PLACE``) and the words for it."""


def entity_type(text: str) -> str | None:
    """``type:people`` → ``PER``; None for a word that names no entity type."""
    t = " ".join(text.lower().split())
    for code, words in ENTITY_TYPES.items():
        if t in words or t == code.lower():
            return code
    return None
