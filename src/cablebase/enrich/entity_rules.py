"""What the words around and inside a span say, for the extractor's clean-up and votes: person
titles before a name (``Colonel Mojica``), a verb of saying after it (``Ecevit said``), whether a
text could be a person's name, organisation words, the closing connector of a span
(``the Government of``), and ``is_junk`` — redactions, markings, demonyms, listed non-entities,
common words capitalised. Also the folded lookups of country names and demonyms these rules use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .entity_names import fold, titles
from .tags import countries, country_names, demonyms

REDACTED = re.compile(r"X{4,}", re.IGNORECASE)
TAIL_CONNECTOR = re.compile(r"(?:\s+(?:of|for|and|the|de|del|la|on|in|to))+\s*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def not_entities() -> frozenset[str]:
    text = resources.files("cablebase.data").joinpath("not_entities.txt").read_text(encoding="utf-8")
    return frozenset(fold(w) for w in text.splitlines() if w.strip() and not w.startswith("#"))


PERSON_TITLES = frozenset(
    ["mr", "mrs", "ms", "dr", "sir", "dame", "lord", "lady", "gen", "general", "lt", "lieutenant", "col", "colonel", "maj", "major", "capt", "captain", "adm", "admiral", "cmdr", "commander", "sgt", "sergeant", "sen", "senator", "congressman", "congresswoman", "gov", "governor", "amb", "ambassador", "minister", "president", "premier", "chancellor", "secretary", "undersecretary", "spokesman", "spokeswoman", "judge", "magistrate", "prosecutor", "mayor", "king", "queen", "prince", "princess", "sheikh", "shaykh", "emir", "amir", "sultan", "ayatollah", "imam", "cardinal", "bishop", "rabbi", "mullah", "chairman", "chairwoman", "director", "dcm", "fm", "pm", "secgen", "syg", "a/s", "u/s", "das", "pdas", "dfm", "vp", "charge", "cda", "councilor", "nsa", "cos", "usdp", "coas"]
)
ORG_WORDS = frozenset(
    ["department", "ministry", "office", "agency", "bureau", "party", "council", "committee", "commission", "court", "congress", "parliament", "assembly", "senate", "police", "army", "navy", "force", "forces", "bank", "company", "corporation", "group", "union", "association", "secretariat", "institute", "university", "service", "services", "administration", "embassy", "consulate", "mission", "government", "front", "movement", "organization", "organisation", "program", "programme", "initiative", "center", "centre"]
)


def name_like(txt: str) -> bool:
    """Could be a person's name: at most four words, none of them an organisation word."""
    words = fold(txt).split()
    return 0 < len(words) <= 4 and not any(w in ORG_WORDS for w in words)


_PREV_WORD = re.compile(r"([A-Za-z][A-Za-z/\-]*)(\.?)\s*$")
_ABBREVIATIONS = frozenset(["lieut", "messrs", "secgen"])
"""Abbreviated titles of more than four letters (shorter words before a dot are taken for abbreviations)."""


def prev_word(text: str, start: int, reach: int = 30) -> re.Match[str] | None:
    """The word right before ``start`` (over ``reach`` characters), None when there is none or it
    ends a sentence: a dot after a whole word (``Montoya's secretary. [Le Monde] reports``) ends
    one; after an abbreviation (``Amb.``, ``Gen.``, ``Mr.``, ``Prof.``) it does not."""
    m = _PREV_WORD.search(text[max(0, start - reach) : start])
    if m is None:
        return None
    w = m.group(1).lower()
    if m.group(2) and len(w) > 4 and w not in _ABBREVIATIONS:
        return None
    return m


TITLE_THEN_WORDS = re.compile(r"\b([A-Za-z][A-Za-z/]*\.?) ((?:[A-Z][a-z'\-]+ ?){1,3})")

_SPEECH = frozenset(
    ["said", "says", "told", "stated", "noted", "added", "asked", "explained", "replied", "responded", "commented", "claimed", "argued", "emphasized", "emphasised", "stressed", "indicated", "urged", "agreed", "expressed", "warned", "complained", "confirmed", "suggested", "insisted", "underscored", "highlighted", "opined", "remarked", "recalled", "acknowledged", "admitted", "assured", "believes", "thinks", "reiterated", "recounted", "lamented", "observed", "conceded", "predicted"]
)
_AGE = re.compile(r"^,\s*[1-9]\d,\s")
_NEXT_WORD = re.compile(r"^\s*(?:,[^,]{0,40},\s*)?([A-Za-z]+)")


def speaks(text: str, end: int) -> bool:
    """A verb of saying follows (``Ecevit said``, ``Nimeiri, however, told``), or an age in
    apposition (``Schaeuble, 67, is``): what only a person does."""
    m = _NEXT_WORD.match(text[end : end + 60])
    return bool(m and m.group(1).lower() in _SPEECH) or bool(_AGE.match(text[end : end + 8]))


def title_before(text: str, start: int) -> bool:
    """A person's title stands right before ``start`` (``Colonel`` Mojica, ``Mr.`` Yost), or ends
    the sentence before it (``… could be president. Mbeki believed``): evidence of a person's type,
    the new sentence's subject more often than not; not of which person (``title_word`` rejects it)."""
    m = _PREV_WORD.search(text[max(0, start - 30) : start])
    return bool(m and m.group(1).lower() in PERSON_TITLES)


_LOCATIVE = re.compile(r"\b(?:in|from|near|into|across|throughout|outside|inside|around|towards?|to|at|visited|via)\s+(?:the\s+)?$",
                       re.IGNORECASE)
_THING_NOUNS = frozenset(["blog", "website", "site", "newspaper", "daily", "weekly", "magazine", "paper", "channel",
                          "station", "tv", "radio", "agency", "company", "firm", "group", "movement", "party", "brand",
                          "ship", "vessel", "airline", "operation", "program", "programme", "project", "plan", "law",
                          "village", "town", "city", "district", "province", "region", "area", "river", "camp"])
_DIRECTION = re.compile(r"\b(?:North|South|East|West|Upper|Lower|Central|Northern|Southern|Eastern|Western)[\s\-]+$")
_MONTHS_DAYS = frozenset(["january", "february", "march", "april", "may", "june", "july", "august", "september",
                          "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
                          "saturday", "sunday"])


def locative_before(text: str, start: int) -> bool:
    """A preposition of place stands right before ``start`` (``in Wana``, ``to the Gulf``): what
    names a place."""
    return bool(_LOCATIVE.search(text[max(0, start - 20) : start]))


def thing_before(text: str, start: int, nouns: frozenset[str] = _THING_NOUNS) -> bool:
    """A noun for a thing (one of ``nouns``) stands right before ``start`` (``liberal blog
    Al-Tomaar``, ``the village Wana``): the name that follows is the thing's, not a person's."""
    m = re.search(r"(?<![\w\-])([A-Za-z]+)\s+$", text[max(0, start - 25) : start])
    return bool(m) and m.group(1).lower() in nouns


def direction_before(text: str, start: int) -> bool:
    """A capitalised direction word stands right before ``start`` (``South [Waziristan]``): the
    span is the end of a longer place name."""
    return bool(_DIRECTION.search(text[max(0, start - 12) : start]))


def name_goes_on(text: str, end: int, table: dict[str, str]) -> bool:
    """A capitalised name word follows ``end`` on the same line (``[Julio] Cobos``): the span is
    a name cut short. Not a month or a day, nor a word the archive writes in lower case."""
    m = re.match(r" ([A-Z][a-z][\w\-]*)\b", text[end : end + 30])
    if not m:
        return False
    w = m.group(1).lower()
    form = table.get(w)
    return w not in _MONTHS_DAYS and w not in titles() and w not in ORG_WORDS and not (form is not None and form.islower())


_NOT_NAME_RE = re.compile(r"^(?:[RDI]-[A-Z]{2}|(?i:refs?|reftel|para)\b.*|\(?[A-Z]\)?)$")

_JUNK_WORDS = frozenset(
    ["sipdis", "emboff", "emboffs", "poloff", "econoff", "post", "embassy", "mission", "consulate", "ministry", "government", "department", "reftel", "septel", "ref", "refs", "tags", "subject", "summary", "comment", "end", "note", "classified", "decl", "reason"]
)


@lru_cache(maxsize=1)
def country_folded() -> dict[str, str]:
    out: dict[str, str] = {}
    for n, canon in country_names().items():
        out.setdefault(fold(n), canon)
    for c in countries().values():
        out.setdefault(fold(c.name), c.name)
    return out


@lru_cache(maxsize=1)
def _demonyms_folded() -> frozenset[str]:
    out = set()
    for d in demonyms():
        f = fold(d)
        out.update({f, "the " + f, f + "s", "the " + f + "s"})
    return frozenset(out)


def is_junk(txt: str, label: str, truecaser: Any = None, fixed: bool = False, cased: bool = True) -> bool:
    if REDACTED.search(txt):
        return True
    if not fixed and (fold(txt) in _demonyms_folded() or fold(txt).removeprefix("the ") in not_entities()):
        return True
    if not fixed and cased and not any(c.isupper() for c in txt):  # "inter alia", "taker": names are capitalised
        return True
    if _NOT_NAME_RE.match(txt):
        return True
    if not fixed and truecaser is not None and " " not in txt.strip() and not txt.isupper():
        form = getattr(truecaser, "table", {}).get(txt.lower())
        if form is not None and form.islower():  # "Chasing", "Attache": a common word capitalised
            return True
    letters = sum(ch.isalpha() for ch in txt)
    if letters < 2:
        return True
    f = fold(txt)
    if not f or f in _JUNK_WORDS:
        return True
    words = f.split()
    if label == "PER" and all(w in titles() for w in words):
        return True
    return txt.lower().startswith(("e.o.", "eo 12958"))


__all__ = ["ORG_WORDS", "PERSON_TITLES", "REDACTED", "TAIL_CONNECTOR", "TITLE_THEN_WORDS", "country_folded",
           "direction_before", "is_junk", "prev_word", "locative_before", "name_goes_on", "name_like", "not_entities", "speaks",
           "thing_before", "title_before"]
