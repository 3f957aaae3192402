"""Spans that are part of another name or thing, caught before they become mentions: ``Paris`` of
``Paris Club``, ``USA`` of ``USA Patriot Act``, ``US`` of ``US$``, ``Valencia`` of ``Valenciana``,
a word of a web address, a "person" of common words (``Normalcy Restored``, ``J. Climate``) or a
family's name (``the Suleiman family``). Pure: text in, yes or no out."""

from __future__ import annotations

import re

from .entity_filters import ORG_NAME_WORDS, office_noun
from .entity_names import fold, titles
from .entity_people import ROLE_WORDS, title_word

PERSON_NOT_THEN = frozenset(["family", "families", "clan", "clans", "tribe", "tribes", "brothers", "dynasty",
                             "household", "governor", "governorate", "province", "provincial", "district", "mayor",
                             "tribesmen", "tribesman", "clansmen", "clansman"])
"""A name followed by one of these is a family's (``the Suleiman family``) or a place's (``former
Wardak Governor``), not the person's."""


def lower_word(word: str, table: dict[str, str]) -> bool:
    """The archive (``table``: the truecaser's) writes ``word`` in lower case; an unknown word is a name."""
    return (table.get(word.lower()) or "X").islower()


def common_words_only(words: list[str], table: dict[str, str]) -> bool:
    """Every word of a name is a common word the archive writes in lower case ("Normalcy
    Restored", "Black Sea Fleet"): a headline or a thing, not a person."""
    return len(words) >= 2 and all(lower_word(w, table) for w in words)  # unknown: a name


def common_after_initials(words: list[str], table: dict[str, str]) -> bool:
    """A "person" of initials and common words the archive writes in lower case (``J. Climate``, a
    bibliography's author read across a line): a word, not a surname."""
    rest = [w for w in words if not re.fullmatch(r"[A-Z]\.?", w)]
    return 0 < len(rest) < len(words) and all(lower_word(w, table) for w in rest)


def currency_or_count(text: str, end: int) -> bool:
    """``US 3 cents``, ``US$``, ``U.S. $2.5 million`` (the span may end before its last dot): the
    place name is a currency's."""
    nxt = text[end : end + 5]
    if nxt.startswith(". ") and "." in text[max(0, end - 3) : end]:
        nxt = nxt[1:]  # "U.S[.] $2.5 million", not "from Israel[.] 4) Military"
    nxt = nxt.lstrip()
    return bool(nxt) and (nxt[0].isdigit() or nxt[0] == "$")


DOCUMENT_WORDS = frozenset([
    "act", "law", "bill", "amendment", "initiative", "project", "program", "programme", "plan", "strategy",
    "doctrine", "charter", "compact", "roadmap", "consensus", "treaty", "accord", "accords", "agreement",
    "protocol", "convention", "declaration", "pact", "resolution", "acts", "laws", "conventions", "protocols",
    "agreements", "treaties", "declarations", "resolutions", "initiatives", "programs", "programmes",
])
"""Heads of the names of laws, programmes and documents: a place inside one names no place
(``USA Patriot Act``, ``Merida Culture of Lawfulness project``)."""
_NAME_CONNECTORS = frozenset(["of", "for", "and", "on", "the", "to", "against", "&"])
_URL_MARKS = ("://", "www.", "/wiki/", ".htm", ".com", ".org", ".gov", ".net", ".int")


def place_in_title(text: str, end: int) -> bool:
    """The place starts the name of a law, a programme or a document: capitalised words (and
    connectors) follow it up to a document's head word (``USA [Patriot Act]``, ``Merida [Culture of
    Lawfulness project]``). A body among them makes the place its owner (``Kosovo Customs
    Service``), which is a place."""
    words = re.findall(r"[A-Za-z][\w'\-]*|[^\sA-Za-z]", text[end : end + 80])
    if not words or not words[0][:1].isupper():
        return False
    for w in words[:6]:
        f = fold(w)
        if f in ORG_NAME_WORDS and f not in DOCUMENT_WORDS:
            return False
        if f in DOCUMENT_WORDS:
            return True
        if not (w[:1].isupper() or f in _NAME_CONNECTORS):
            return False
    return False


PARTY_LEAD = frozenset(["united", "our", "just", "fair"])
"""First words of parties named after their country (``United Russia``, ``Our Ukraine``, ``A Just Russia``)."""
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z\-]*)[ \t]+$")


_US_VERBS = frozenset(["allow", "allows", "let", "lets", "tell", "tells", "told", "give", "gives", "gave", "help", "helps",
                       "helped", "join", "joined", "show", "showed", "ask", "asked", "asks", "urge", "urged", "urges",
                       "brief", "briefed", "inform", "informed", "invite", "invited", "assure", "assured", "thank",
                       "thanked", "remind", "reminded", "contact", "contacted", "called", "approached", "met"])
"""Verbs whose object in capitals (``ALLOW US TO``, ``TOLD US THAT``) is the pronoun, not the country
(which takes its article: ``TOLD THE US``)."""


_US_THEN = re.compile(r"\s*(?:[.,;:!?)]|(?:to|that|about|how|what|why|whether|if|for|in|with|and)\b)", re.IGNORECASE)


def us_pronoun(text: str, start: int, end: int) -> bool:
    """``US`` written in capitals right after a verb that takes a person and before a function word
    (``ALLOW US TO``, ``TOLD US THAT``; the paragraph may have been truecased to ``allow US to``):
    the pronoun. (``TOLD US OFFICIALS``: the country's.)"""
    if text[start:end] != "US":
        return False
    m = _WORD_BEFORE.search(text[max(0, start - 20) : start])
    return bool(m) and m.group(1).lower() in _US_VERBS and bool(_US_THEN.match(text[end : end + 12]))


GENERIC_PLACES = frozenset(["kingdom", "republic", "emirate", "emirates", "sultanate", "principality", "state", "states",
                            "country", "territory", "territories", "federation", "union", "island", "islands", "province",
                            "region", "capital", "homeland", "nation"])
"""Words for a kind of place (``the Kingdom``, ``the Republic``): which one is the reader's guess."""


def generic_place(text: str, start: int, end: int) -> bool:
    """A place named only by its kind (``the [Kingdom] remains a fundraising locale``)."""
    return fold(text[start:end]).removeprefix("the ") in GENERIC_PLACES


def caps_thing(txt: str, curated: str | None, upper_paragraph: bool) -> bool:
    """One word in capitals typed a person in a paragraph written in mixed case (``with [MANPADS]``),
    neither defined as someone's initials nor in the curated list (``CFK``): an acronym, a thing's."""
    t = txt.strip()
    return not upper_paragraph and curated is None and len(t) >= 3 and " " not in t and t.isupper() and t.isalpha()


def common_word_place(text: str, start: int, end: int, table: dict[str, str]) -> bool:
    """A one-word "place" the archive writes in lower case (``the Rio [Games]``): a word, not a place."""
    w = text[start:end]
    return " " not in w.strip() and w[:1].isupper() and not w.isupper() and lower_word(w, table)


def common_word_person(text: str, start: int, end: int, table: dict[str, str]) -> bool:
    """A one-word "person" the archive writes in lower case (``James Bay [Power] Project``, ``on
    [Climate] Change``) with no title before it: a word, not a surname."""
    w = text[start:end]
    if " " in w.strip() or not lower_word(w, table):
        return False
    return not title_word(text, start)


def party_of(text: str, start: int, end: int) -> bool:
    """The place is the end of a party's name, after its first word (``United [Russia]``, ``Our
    [Ukraine]``). (A continent after a compass word, ``North [Africa]``, stays the continent: the
    labelling's precedent.)"""
    m = _WORD_BEFORE.search(text[max(0, start - 25) : start])
    return bool(m) and m.group(1)[:1].isupper() and fold(m.group(1)) in PARTY_LEAD


_QAIDA = re.compile(r"^al[\s\-]?qa[\s']?e?[iy]?da$")


def branch_of(text: str, start: int, end: int) -> bool:
    """``[al-Qaeda] in the Arabian Peninsula``: the span is the head of a branch's longer name (AQAP,
    AQI, AQIM), not the parent organisation; so is an acronym before a hyphen and a branch's letters
    (``[IRGC]-QF``, ``[MDC]-T``)."""
    if re.match(r"[-‐][A-Z]{1,3}\b", text[end : end + 5]) and text[start:end].isupper():
        return True
    return bool(_QAIDA.match(fold(text[start:end]))) and bool(
        re.match(r"\s+in\s+(?:the\s+)?[A-Z]", text[end : end + 20]))


def in_address(text: str, start: int, end: int) -> bool:
    """The span is inside a web address (``.../wiki/Portal:Turkey``, ``www.state.gov``)."""
    a = text.rfind(" ", 0, start) + 1
    b = text.find(" ", end)
    token = text[a : b if b >= 0 else len(text)].lower()
    return any(m in token for m in _URL_MARKS)


def part_of_other(label: str, fixed: bool, text: str, start: int, end: int, table: dict[str, str]) -> bool:
    """The span ``start:end`` of ``text`` is part of another name or thing: ``Paris`` of ``Paris
    Club``, ``US`` of ``US 3 cents``, ``USA`` of ``USA Patriot Act``, a word of a web address, a person's name going on as a body's (``Electron Gaz Plant``),
    or a "person" made of common words only (``Normalcy Restored``; ``table``: the truecaser's)."""
    if in_address(text, start, end):
        return True
    if label == "PLACE":
        return (place_in_name(text, end) or currency_or_count(text, end) or place_in_title(text, end)
                or party_of(text, start, end) or us_pronoun(text, start, end) or generic_place(text, start, end)
                or (not fixed and common_word_place(text, start, end, table)))
    if label == "ORG":
        return branch_of(text, start, end)
    words = text[start:end].split()
    return label == "PER" and (after_patronym(text, start) or cut_at_particle(text, start, end) or place_in_name(text, end, PERSON_THEN) or family_or_place(text, end) or (
        not fixed and (common_words_only(words, table) or common_after_initials(words, table)
                       or common_word_person(text, start, end, table) or (
            len(words) >= 2 and _common_gerund(words[0], table) and not text[:start].rstrip()[-1:].isalnum()))))


def _common_gerund(word: str, table: dict[str, str]) -> bool:
    """``Blocking al-Manar`` at a sentence's start: a verb, not a first name."""
    return len(word) >= 6 and word.lower().endswith("ing") and lower_word(word, table)


def family_or_place(text: str, end: int) -> bool:
    """``the Suleiman family``, ``former Wardak Governor``: the name is a family's or a place's."""
    nxt = text[end : end + 20].split(maxsplit=1)
    return bool(nxt) and fold(nxt[0]).strip() in PERSON_NOT_THEN


PLACE_THEN = frozenset([
    "times", "post", "tribune", "herald", "gazette", "journal", "telegraph", "chronicle", "observer",  # Moscow Times
    "club", "group", "process", "accord", "accords", "agreement", "declaration", "summit", "conference", "protocol",
    "initiative", "plan", "treaty", "round", "convention", "pact", "forum", "council", "commission", "principles",
    "delta", "valley", "basin", "defense", "defence", "war", "party",
])
"""A place's name followed by one of these is part of another name (``Paris Club``)."""


def cut_word(text: str, start: int, end: int) -> bool:
    """The span starts or ends inside a word (``Valencia`` of ``Valenciana``), or follows an elided
    article (``Ivoire`` of ``Cote d'Ivoire`` or ``d,Ivoire``: the end of a longer name)."""
    if start > 0 and text[start - 1].isalnum() or (end < len(text) and text[end].isalpha()):
        return True
    return start >= 2 and text[start - 1] in "'’," and text[start - 2].isalpha() and (start < 3 or not text[start - 3].isalnum())


PERSON_THEN = PLACE_THEN | frozenset([
    "plant", "company", "institute", "foundation", "party", "corporation", "account", "agency", "program", "programme",
    "fund", "bank", "university", "school", "center", "centre", "airlines", "prize", "award", "doctrine",
])
"""A person's name followed by one of these is part of another name (``Electron Gaz Plant``)."""


def place_in_name(text: str, end: int, then: frozenset[str] = PLACE_THEN) -> bool:
    """A name that goes on as another name: ``Paris Club``, ``Oslo Process`` (``then``: the
    words that make it go on; ``PERSON_THEN`` for a person's)."""
    nxt = text[end : end + 20].split(maxsplit=1)
    return bool(nxt) and nxt[0][:1].isupper() and fold(nxt[0]) in then


_DASH = re.compile(r"\s+[-–—]+\s+")
_OF_BEFORE = re.compile(r"\b([A-Za-z]+)\s+(?:of|for)\s+$")


def _office_of_before(text: str, start: int) -> bool:
    """An office's "… of" right before ``start`` (``Director of``, ``President of``): the next word
    is the office's body or country, not the name (``the wife of Jose Luis Garcia`` keeps it)."""
    m = _OF_BEFORE.search(text[max(0, start - 30) : start])
    return bool(m) and (m.group(1).lower() in titles() or m.group(1).lower() in _HEADS)


_HEADS = frozenset(["head", "chief", "director", "governor", "commander", "chairman", "president", "minister", "secretary",
                    "ambassador", "mayor", "coordinator", "spokesman", "spokesperson"])
_NAME_PARTICLES = frozenset(["al", "el", "bin", "ibn", "abu", "de", "da", "do", "dos", "del", "la", "le", "van", "von", "der",
                             "den", "di", "du", "ben", "zu", "y"])


def cut_at_particle(text: str, start: int, end: int) -> bool:
    """A person's span that ends on a particle (``[Rene van] der Linden``) or begins with "son of"
    after a capitalised word (``Tamim [bin Hamad al Thani]``): cut out of a longer name, whose
    person it cannot tell."""
    words = text[start:end].split()
    if not words:
        return False
    if len(words) >= 2 and fold(words[-1]) in _NAME_PARTICLES:
        return True
    return fold(words[0]) in ("bin", "ibn", "bint") and bool(re.search(r"[A-Z][\w'\-]*\s+$", text[max(0, start - 30) : start]))


_SYLLABLE_AFTER = re.compile(r"[-‐]([a-z]{2,5})(?![\w\-])")
_JARGON_TAIL = re.compile(r"[-–](?:septel|reftel|ref|para|cable|ibid)\b", re.IGNORECASE)
_PATRONYM_BEFORE = re.compile(r"\b(?:bin|ibn|bint|ben)\s+$", re.IGNORECASE)


def person_bounds(text: str, start: int, end: int, table: dict[str, str] | None = None) -> tuple[int, int]:
    """A person's span cut at a spaced dash (``Fred Irwin - Citigroup``: a list's "name - body") and
    before a last word that names a role or an office when two words stay (``Ian Kelly [Executive]
    Assistant``: the next entry of a list run on). Not before a word the archive writes in lower
    case: a surname may be a common word in some language (``Luna``). A name cut at its hyphen
    goes on to the syllable after it when the archive (``table``: the truecaser's) knows that as no
    lower-case word (``Lim [Eul]-chul``; not ``Karzai-led``)."""
    m = _SYLLABLE_AFTER.match(text, end)
    if m and table is not None and not lower_word(m.group(1), table):
        end = m.end()
    m = _DASH.search(text, start, end)
    if m:
        end = m.start()
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) >= 3 and fold(words[0].group(0)) not in _NAME_PARTICLES and _office_of_before(text, start):
        start += words[1].start()  # "Director of [Aduanas] Nicolas Bonilla", "President of [Colombia] Alvaro Uribe"
    m = _JARGON_TAIL.search(text, start, end)
    if m and m.end() == end:
        end = m.start()  # "Guebuza-septel": the cable's "(septel)" run on
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) >= 3:
        last = fold(words[-1].group(0))
        if last in ROLE_TAIL or last in ROLE_WORDS or last in titles() or office_noun(last):
            end = start + words[-2].end()
    return start, end


ROLE_TAIL = frozenset(["executive", "assistant", "notetaker", "staff", "aide", "interpreter", "press"])


def after_patronym(text: str, start: int) -> bool:
    """``Mohammed bin Nayef bin [Abdulaziz al-Saud]``: a name right after "son of" is the end of a
    longer name (a forefather's), not a person of its own."""
    return bool(_PATRONYM_BEFORE.search(text[max(0, start - 6) : start]))


LIST_LINE = 45
"""A line shorter than this that a name runs off is a list's item, not a wrapped paragraph's line."""


def list_item_start(text: str, start: int, end: int) -> int:
    """Where a span that runs across a line break of a list really starts: ``Ambassador Vimont\nEric
    Chevallier, MFA Spokesperson`` is two people, one a line; the span is cut to its last line.
    A paragraph hard-wrapped at 60–70 characters (``Genaro\nGarcia Luna``) keeps its span whole."""
    nl = text.rfind("\n", start, end)
    if nl < 0:
        return start
    line_start = text.rfind("\n", 0, start) + 1
    first_line = text[line_start : text.find("\n", start)]
    return nl + 1 if len(first_line.strip()) < LIST_LINE else start


__all__ = ["lower_word", "caps_thing", "common_word_place", "cut_at_particle", "GENERIC_PLACES", "generic_place", "common_word_person", "us_pronoun", "LIST_LINE", "list_item_start", "person_bounds", "after_patronym", "PARTY_LEAD", "party_of", "branch_of", "PERSON_NOT_THEN", "family_or_place", "common_words_only", "common_after_initials", "currency_or_count", "DOCUMENT_WORDS", "in_address", "place_in_title", "part_of_other", "PERSON_THEN", "PLACE_THEN", "cut_word", "place_in_name"]
