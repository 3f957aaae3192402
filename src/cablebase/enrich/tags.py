"""TAGS, typed: country codes to countries, subject tags to what they mean, person tags.

A cable's TAGS field mixes four kinds of token (the State Department's TAGS system):

- **country** codes, two letters (FIPS 10-4 as the posts used it: ``MX`` Mexico, ``IZ``
  Iraq, ``SP`` Spain, ``GM`` Germany — plus a few local spellings such as ``VZ``, ``RU``);
- **subject** tags, four letters (``PREL`` external political relations, ``SNAR``
  narcotics, ``KJUS`` justice …);
- **organisation** tags (``NATO``, ``EUN`` European Union, ``UNSC`` …);
- **person** tags: a name, written ``OVIP (CLINTON, HILLARY)`` or ``CHAVEZ, HUGO`` in the
  telegram and as bare words (``OVIP CLINTON HILLARY``) on the WikiLeaks pages, which
  dropped the punctuation.

``type_tags(tags)`` gives one ``TypedTag`` per tag (a person's words become one tag named
``Hillary Clinton``). The code tables live in ``cablebase/data`` (written for this project).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


def _rows(name: str) -> list[list[str]]:
    text = resources.files("cablebase.data").joinpath(name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append(line.rstrip("\n").split("\t"))
    return out


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    demonyms: tuple[str, ...]
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """TAG code → Country (several codes may name one country)."""
    out: dict[str, Country] = {}
    for row in _rows("countries.tsv"):
        row += [""] * (4 - len(row))
        code, name, dem, ali = row[:4]
        out[code] = Country(
            code,
            name,
            tuple(d for d in dem.split("|") if d),
            tuple(a for a in ali.split("|") if a),
        )
    return out


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Country name (and every alias, demonyms excluded) → canonical name; ambiguous
    "government of" acronyms (``GOA``: Afghanistan, Argentina …) are left out."""
    seen: dict[str, set[str]] = {}
    for c in countries().values():
        for n in (c.name, *c.aliases):
            seen.setdefault(n, set()).add(c.name)
    return {n: next(iter(v)) for n, v in seen.items() if len(v) == 1}


@lru_cache(maxsize=1)
def ambiguous_aliases() -> dict[str, tuple[str, ...]]:
    """Aliases shared by several countries (``GOA``, ``GOM``) → the codes they may name."""
    seen: dict[str, set[str]] = {}
    for c in countries().values():
        for n in c.aliases:
            seen.setdefault(n, set()).add(c.name)
    return {n: tuple(sorted(v)) for n, v in seen.items() if len(v) > 1}


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Demonym (``Mexican``, ``Mexicans``) → country name (first country listed wins)."""
    out: dict[str, str] = {}
    for c in countries().values():
        for d in c.demonyms:
            out.setdefault(d, c.name)
    return out


@lru_cache(maxsize=1)
def subject_tags() -> dict[str, str]:
    return {r[0]: r[1] for r in _rows("subject_tags.tsv")}


@lru_cache(maxsize=1)
def org_tags() -> dict[str, str]:
    return {r[0]: r[1] for r in _rows("org_tags.tsv")}


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    return {r[0]: r[1] for r in _rows("regions.tsv")}


@dataclass(frozen=True, slots=True)
class TypedTag:
    tag: str
    """The tag as written (a person's words joined: ``CLINTON, HILLARY``)."""
    kind: str
    """``country``, ``region``, ``subject``, ``organization``, ``person`` or ``unknown``."""
    meaning: str | None
    """Country name, what a subject tag stands for, organisation or person name."""

    def to_dict(self) -> dict[str, str | None]:
        return {"tag": self.tag, "kind": self.kind, "meaning": self.meaning}


_SUBJECT_SHAPE = re.compile(r"^[ABCEKMOPST][A-Z]{3}$")
_PERSON_PREFIXES = frozenset({"OVIP", "OREP", "CODEL", "KPRP", "PREL"})


def _person_name(words: list[str]) -> str:
    """``['CLINTON', 'HILLARY']`` → ``Hillary Clinton`` (TAGS put the surname first)."""
    words = [w for w in words if w]
    if not words:
        return ""
    surname, given = words[0], words[1:]
    return " ".join(w.title() for w in (*given, surname))


def type_tag(tag: str) -> TypedTag:
    """The kind and meaning of one tag token (no person detection: see ``type_tags``)."""
    t = tag.strip().upper()
    c = countries().get(t)
    if c is not None:
        return TypedTag(t, "country", c.name)
    if t in subject_tags():
        return TypedTag(t, "subject", subject_tags()[t])
    if t in org_tags():
        return TypedTag(t, "organization", org_tags()[t])
    if t in regions():
        return TypedTag(t, "region", regions()[t])
    if len(t) == 2 and t[0] in "XZ":
        return TypedTag(t, "region", None)
    if _SUBJECT_SHAPE.match(t):
        return TypedTag(t, "subject", None)
    return TypedTag(t, "unknown", None)


def type_tags(tags: list[str]) -> list[TypedTag]:
    """Type every tag; runs of unknown words in parentheses, with a comma, or after a
    visit tag (``OVIP``) are one person (``CLINTON HILLARY`` → ``Hillary Clinton``)."""
    # Re-tokenise: a parser may keep "OVIP (CLINTON," as one tag or split it into words.
    tokens: list[tuple[str, bool, bool]] = []  # word, opens paren, ends with comma
    for raw in tags:
        for piece in re.split(r"\s+", raw.strip()):
            if not piece:
                continue
            opened = "(" in piece
            closed = ")" in piece
            comma = piece.rstrip(")").endswith(",")
            word = piece.strip("(),;.")
            if "(" in word:  # OVIP(CLINTON
                a, _, b = word.partition("(")
                if a:
                    tokens.append((a, False, False))
                word, opened = b, True
            if word:
                tokens.append((word.upper(), opened, comma or closed))
    out: list[TypedTag] = []
    i = 0
    while i < len(tokens):
        word, opened, comma = tokens[i]
        typed = type_tag(word)
        if typed.kind != "unknown" and not opened:
            out.append(typed)
            i += 1
            continue
        # collect a run of unknown words (a name)
        run = [word]
        had_comma = comma
        j = i + 1
        while j < len(tokens) and len(run) < 4:
            w, o, cm = tokens[j]
            if o or type_tag(w).kind != "unknown":
                break
            run.append(w)
            had_comma = had_comma or cm
            j += 1
            if cm and len(run) > 1:
                break
        prev = out[-1].tag if out else None
        is_person = (opened or had_comma or prev in _PERSON_PREFIXES) and len(run) >= 2 and all(
            w.isalpha() or "-" in w for w in run
        )
        if is_person:
            out.append(TypedTag(f"{run[0]}, {' '.join(run[1:])}", "person", _person_name(run)))
            i = j
        else:
            out.append(typed if typed.kind != "unknown" else TypedTag(word, "unknown", None))
            i += 1
    return out


__all__ = [
    "Country",
    "TypedTag",
    "ambiguous_aliases",
    "countries",
    "country_names",
    "demonyms",
    "org_tags",
    "regions",
    "subject_tags",
    "type_tag",
    "type_tags",
]
