"""Spans that would be wrong attributions, caught before they become mentions.

The statistical model's organisations and people are its weak side: a treaty or a summit read
as an organisation (``FMCT``, ``NPT Review Conference``), an office read as one (``National
Security Advisor``), a person's name glued behind a title inside an organisation span (``IAEC
DG Chorev``), a place read as a person (``San Miguel``), a nationality word inside a person
span (``Clandestine Russian``). ``refine`` says what to keep of a span: the same span, its
tail as a person, or nothing. An editor would not accept any of these as an attribution, and
the precision measured by ``bench/entities.py --attributions`` rests on such rules.
"""

from __future__ import annotations

from .entity_names import fold, titles
from .entity_rules import ORG_WORDS
from .tags import demonyms

NOT_ORG_LAST = frozenset([
    "treaty", "treaties", "protocol", "convention", "accord", "accords", "agreement", "agreements", "act", "law",
    "laws", "resolution", "resolutions", "summit", "review", "revcon", "doctrine", "plan", "strategy", "posture",
    "edge", "process", "talks", "dialogue", "declaration", "charter", "roadmap", "initiative", "program",
    "programme", "reform", "reforms", "conference", "elections", "election", "referendum", "budget", "war", "crisis",
])
"""Last words of what is a law, an event or a policy, not an organisation."""
PLACE_FIRST = frozenset([
    "san", "santa", "santo", "sao", "puerto", "port", "fort", "lake", "mount", "cape", "rio", "saint", "st",
    "north", "south", "east", "west", "new", "gulf", "camp",
])
"""First words of place names that a name finder reads as people (``San Miguel``)."""


_NOT_PERSON_WORDS = frozenset(["authority", "authorities", "ministry", "forum", "federation", "fund", "news", "times", "post"])


def _title(word: str) -> bool:
    return word in titles()


def refine(txt: str, label: str) -> tuple[int, int, str] | None:
    """What to keep of the span ``txt`` labelled ``label``: (start, end, label) relative to
    ``txt``, or None to drop it."""
    words = txt.split()
    if not words:
        return None
    folded = [fold(w) for w in words]
    if len(words) >= 2 and folded[0] in ("a", "an"):
        kept = refine(txt[_offset(txt, words, 1) :], label)
        return None if kept is None else (kept[0] + _offset(txt, words, 1), kept[1] + _offset(txt, words, 1), kept[2])
    if label == "ORG":
        if folded[-1] in NOT_ORG_LAST:
            return None
        # a title inside: the capitalised words after it name a person ("IAEC DG Chorev")
        idx = [i for i, w in enumerate(folded) if _title(w)]
        if idx:
            last = idx[-1]
            tail = words[last + 1 :]
            if not tail:
                return None if " of " not in f" {' '.join(folded)} " else (0, len(txt), label)
            if " of " in f" {' '.join(folded[: last + 1])} ":
                return (0, len(txt), label)  # "Office of the President Lula": keep as written
            if 1 <= len(tail) <= 3 and all(w[:1].isupper() for w in tail) and not any(fold(w) in ORG_WORDS for w in tail):
                start = _offset(txt, words, last + 1)
                return (start, len(txt), "PER")
            return None
        return (0, len(txt), label)
    if label == "PER":
        if folded[0] in PLACE_FIRST and len(words) >= 2:
            return None
        dem = {fold(d) for d in demonyms()}
        if any(w in dem for w in folded):
            return None
        if any(w in ORG_WORDS or w in _NOT_PERSON_WORDS for w in folded):
            return None
        idx = [i for i, w in enumerate(folded[:-1]) if _title(w)]
        if idx:  # "Pol-Mil Chief Gilad": the name is what follows the last title
            start = _offset(txt, words, idx[-1] + 1)
            return (start, len(txt), label)
        return (0, len(txt), label)
    return (0, len(txt), label)


def _offset(txt: str, words: list[str], k: int) -> int:
    """Character offset in ``txt`` of its ``k``-th whitespace-separated word."""
    pos = 0
    for i, w in enumerate(words):
        pos = txt.index(w, pos)
        if i == k:
            return pos
        pos += len(w)
    return len(txt)


def undefined_acronym(txt: str) -> bool:
    """An organisation written only as capitals that neither the cable nor the lists define."""
    t = txt.strip().removesuffix("'s").removesuffix("’s")
    return t.isupper() and " " not in t and len(t) <= 8


__all__ = ["NOT_ORG_LAST", "PLACE_FIRST", "refine", "undefined_acronym"]
