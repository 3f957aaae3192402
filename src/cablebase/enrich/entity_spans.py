"""Spans of a cable before they become mentions: ``Span`` (paragraph, character span, label,
whether a curated list fixed it) and ``propagate``, which finds a cable's names again wherever
they recur."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from .entity_parts import family_or_place, place_in_name


@dataclass(slots=True)
class Span:
    """A span the model or a rule found in one paragraph, before it becomes a mention."""

    para: int
    start: int
    end: int
    label: str  # PER ORG PLACE
    fixed: bool  # from the ruler: not subject to votes
    ent_id: str = ""


def propagate(spans: list[Span], preps: dict[int, str], acr_type: dict[str, tuple[str, str]]) -> list[Span]:
    """Find the cable's names again wherever they recur (exact, case-sensitive, whole words): a
    person's full name, its last two words and its surname; other names of four letters or more, or
    capitals; acronyms the text defines. Not where the word goes on as another name (``Paris Club``,
    ``the Suleiman family``)."""
    known: dict[str, str] = {}
    for s in spans:
        t = preps[s.para][s.start : s.end]
        if s.label == "PER":
            known.setdefault(t, "PER")
            parts = t.split()
            if len(parts) >= 3:
                known.setdefault(" ".join(parts[-2:]), "PER")
            if len(parts) >= 2 and len(parts[-1]) >= 4:
                known.setdefault(parts[-1], "PER")
        elif len(t) >= 4 or t.isupper():
            known.setdefault(t, s.label)
    for a, (lab, _exp) in acr_type.items():
        known.setdefault(a, lab)
    if not known:
        return spans
    taken: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s in spans:
        taken[s.para].append((s.start, s.end))
    pat = re.compile(r"(?<![\w\-])(" + "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True)) + r")(?![\w\-])")
    out = list(spans)
    for para, text in preps.items():
        for m in pat.finditer(text):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken[para]):
                continue
            w = m.group(1)
            if w[:1].islower() or (place_in_name(text, b) if known[w] == "PLACE" else known[w] == "PER" and family_or_place(text, b)):
                continue
            taken[para].append((a, b))
            out.append(Span(para, a, b, known[w], False))
    return out


__all__ = ["Span", "propagate"]
