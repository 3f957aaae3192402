"""Acronyms, expanded per cable: in-text definitions first, then a curated list.

Cables define their own acronyms the way reporters do: ``Office of the Attorney General
(PGR)`` or ``the PGR (Office of the Attorney General)``. The expansion need not share
the acronym's initials (``PGR`` is Spanish, the expansion English), so a definition is the
run of capitalised words (with ``of``, ``the``, ``and`` … between them) right before the
parenthesised acronym — cut to the words whose initials spell it when they do — or the
capitalised phrase in parentheses right after it.

``CURATED`` (``cablebase/data/acronyms.tsv``, written for this project) covers the common
ones no cable bothers to define: ``GOM`` (in the country table: the Government of Mexico),
``SIPDIS``, ``SBU``, ``NOFORN``, ``DHS`` …

``expand(text)`` → ``{acronym: Expansion}`` for every acronym used in ``text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..parse.refid import split_ref_id
from .entity_names import titles
from .tags import _rows, ambiguous_aliases, countries, country_names


@dataclass(frozen=True, slots=True)
class Expansion:
    acronym: str
    expansion: str
    kind: str
    """``ORG``, ``PLACE`` (a "government of" acronym), ``TITLE``, ``MARK``, ``TERM``, or
    ``DEFINED`` (defined in the text; its type is whatever the name finder calls the
    expansion)."""
    source: str
    """``text`` (defined in this cable) or ``list`` (the curated list)."""

    def to_dict(self) -> dict[str, str]:
        return {"acronym": self.acronym, "expansion": self.expansion, "kind": self.kind, "source": self.source}


@lru_cache(maxsize=1)
def curated() -> dict[str, tuple[str, str]]:
    """Acronym → (expansion, kind) from the curated lists (acronyms + country aliases)."""
    out: dict[str, tuple[str, str]] = {}
    for row in _rows("acronyms.tsv"):
        if len(row) >= 3:
            out[row[0]] = (row[1], row[2])
    gov: dict[str, set[str]] = {}
    for c in countries().values():
        for a in c.aliases:
            if a.isupper() and " " not in a and len(a) >= 2:
                gov.setdefault(a, set()).add(c.name)
    for a, names in gov.items():
        if a in out:
            continue
        if len(names) == 1:
            name = next(iter(names))
            exp = f"Government of {name}" if a.startswith("GO") or a.endswith("G") else name
            out[a] = (exp, "PLACE")
        else:
            out[a] = ("Government of " + " / ".join(sorted(names)), "PLACE")
    return out


_CONNECT = frozenset(["of", "the", "and", "for", "on", "in", "de", "del", "la", "las", "los", "y", "e", "et", "du", "des", "da", "do", "dos", "für", "und", "to", "at"])
_ACR = r"[A-Z][A-Za-z0-9&/\-]{1,11}"
_BEFORE_RE = re.compile(r"\((" + _ACR + r")\)")
_AFTER_RE = re.compile(r"(?<![\w/])(" + _ACR + r")\s+\(([^()]{4,120})\)")
_WORD_RE = re.compile(r"[\w'’.\-]+|[^\w\s]")


_PARTY_STATE = re.compile(r"^[RDI]-[A-Z]{2}$")


def _is_acronym(s: str) -> bool:
    if _PARTY_STATE.match(s):  # "Lindsey Graham (R-SC)": a party and a state, not an acronym
        return False
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= max(2, len(letters) - 1)


def _initials_fit(words: list[str], acr: str) -> int | None:
    """Index into ``words`` where a suffix whose significant initials spell ``acr`` starts."""
    letters = [c for c in acr.upper() if c.isalpha()]
    for start in range(len(words) - 1, -1, -1):
        sig = [w for w in words[start:] if w.lower() not in _CONNECT]
        if not sig or words[start].lower() in _CONNECT:
            continue
        ini = [w[0].upper() for w in sig]
        if ini == letters:
            return start
        if len(sig) > len(letters):
            return None
    return None


def definitions(text: str) -> dict[str, str]:
    """Acronyms defined in ``text``: ``Office of the Attorney General (PGR)`` → ``{PGR: …}``."""
    out: dict[str, str] = {}
    for m in _BEFORE_RE.finditer(text):
        acr = m.group(1)
        if not _is_acronym(acr) or acr in out:
            continue
        before = text[max(0, m.start() - 200) : m.start()]
        toks = _WORD_RE.findall(before)
        # the run of capitalised words (and connectors) ending right before "("
        run: list[str] = []
        for t in reversed(toks):
            if t[:1].isupper() or (t.lower() in _CONNECT and run):
                run.insert(0, t)
            else:
                break
        while run and run[0].lower() in _CONNECT:
            run.pop(0)
        if not run:
            continue
        fit = _initials_fit(run, acr)
        if fit is not None:
            run = run[fit:]
        else:  # "PD Staff Director of the House Foreign Affairs Committee (HCFA)": the name after the office
            cut = [i for i, w in enumerate(run[:-1]) if w.lower().strip(".,") in titles() and run[i + 1].lower() in _CONNECT]
            if cut:
                run = run[cut[-1] + 1 :]
                while run and run[0].lower() in _CONNECT:
                    run.pop(0)
        caps = [w for w in run if w[:1].isupper()]
        if len(caps) < 2 or len(run) > 12:
            continue
        phrase = " ".join(run)
        if phrase.upper() == phrase:  # an all-caps run is a heading or a list, not a definition
            continue
        out[acr] = phrase
    for m in _AFTER_RE.finditer(text):
        acr, inside = m.group(1), m.group(2).strip()
        if acr in out or not _is_acronym(acr):
            continue
        words = inside.split()
        caps = [w for w in words if w[:1].isupper()]
        if len(caps) >= 2 and len(words) <= 12 and not _is_acronym(inside.replace(" ", "")):
            out[acr] = inside
    return out


_TOKEN_RE = re.compile(r"(?<![\w/&\-])([A-Z][A-Z0-9&/\-]{1,11})(?![\w/&\-])")


@lru_cache(maxsize=1)
def post_countries() -> dict[str, str]:
    """Post as spelled in reference IDs (``TELAVIV``) → the country it sits in or reports on
    (``cablebase/data/post_countries.tsv``)."""
    out: dict[str, str] = {}
    for row in _rows("post_countries.tsv"):
        if len(row) >= 2:
            for post in row[1].split():
                out[post] = row[0]
    return out


_ORIGIN_PREFIX = re.compile(r"^(?:Embassy|Consulate|US Interests Section|US Mission|Mission|US Consulate)\s+", re.IGNORECASE)


def origin_country(ref_id: str | None, origin: str | None = None) -> str | None:
    """The country of the post that sent a cable: from its reference ID's post (``09TELAVIV2757``
    → Israel), else from its origin name (``Embassy Tel Aviv``); None for posts that are not in
    one country (the Department, missions to international bodies)."""
    table = post_countries()
    if ref_id:
        parts = split_ref_id(ref_id)
        if parts is not None:
            post = parts[1]
            post = post[4:] if post.startswith("EFTO") else post
            if post in table:
                return table[post]
    if origin:
        key = _ORIGIN_PREFIX.sub("", origin.strip()).upper().replace(" ", "")
        return table.get(key)
    return None


def resolve_government(
    acronym: str,
    hint: frozenset[str] | set[str] = frozenset(),
    *,
    origin: str | None = None,
    defined: str | None = None,
    named: frozenset[str] | set[str] = frozenset(),
) -> str | None:
    """The country a "government of" acronym names, by the evidence of the cable, strongest
    first: its own definition (``Government of Israel (GOI)``: ``defined``), the country of the
    post that sent it (``origin``: GOI in a cable from Tel Aviv is Israel, from Jakarta
    Indonesia), its country TAGS (``hint``), the countries its text names (``named``). None
    while that leaves it ambiguous: the table alone never decides between candidates."""
    cands = ambiguous_aliases().get(acronym)
    if cands is None:
        return country_names().get(acronym)
    if defined:
        d = f" {_fold(defined)} "
        hit = [c for c in cands if f" {_fold(c)} " in d]
        if len(hit) == 1:
            return hit[0]
    if origin in cands:
        return origin
    for evidence in (hint, named):
        hit = [c for c in cands if c in evidence]
        if len(hit) == 1:
            return hit[0]
        if len(hit) > 1:
            return None
    return None


@dataclass(slots=True)
class GovEvidence:
    """What one cable says about which country its "government of" acronyms name."""

    tags: set[str]
    origin: str | None
    named: set[str]
    defined: dict[str, str]

    def resolve(self, acronym: str) -> str | None:
        return resolve_government(acronym, self.tags, origin=self.origin, defined=self.defined.get(acronym),
                                  named=self.named)


def _fold(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.lower()).split())


def expand(
    text: str,
    defined: dict[str, str] | None = None,
    hint: frozenset[str] | set[str] = frozenset(),
    *,
    origin: str | None = None,
    named: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Expansion]:
    """Every acronym in ``text`` that is defined in it or known to the curated list.

    ``hint``: country names the cable is about (its country tags), ``origin``: the country of
    the post that sent it, ``named``: countries its text names, to tell which country an
    ambiguous "government of" acronym (``GOM``: Mexico, Malaysia, Morocco …) names
    (:func:`resolve_government`)."""
    defs = definitions(text) if defined is None else defined
    out: dict[str, Expansion] = {a: Expansion(a, e, "DEFINED", "text") for a, e in defs.items()}
    cur = curated()
    amb = ambiguous_aliases()
    for m in _TOKEN_RE.finditer(text):
        a = m.group(1)
        if a in out:
            continue
        hit = cur.get(a)
        if hit is None and a.endswith("S") and a[:-1] in cur and cur[a[:-1]][1] == "TITLE":
            hit = cur[a[:-1]]
        if hit is not None:
            exp = hit[0]
            if a in amb:
                country = resolve_government(a, hint, origin=origin, named=named)
                if country is not None:
                    exp = f"Government of {country}"
            out[a] = Expansion(a, exp, hit[1], "list")
    return out


__all__ = ["Expansion", "GovEvidence", "curated", "definitions", "expand", "origin_country", "post_countries", "resolve_government"]
