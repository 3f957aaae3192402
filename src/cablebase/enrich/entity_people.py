"""Which person a name stands for, on evidence only.

A full name (two words or more: ``Genaro Garcia Luna``) is that person wherever it is written.
A single word (``Luna``, ``Chavez``) is never taken for someone by itself — a surname is shared
by many people, and a word may not be a name at all ("Media Luna", a Bolivian region). It is
attributed only on evidence, strongest first:

1. a longer name that it ends, in the same cable (``Garcia Luna`` after ``Genaro Garcia
   Luna``; the extractor's own rule) — unless two people of the cable end with it, or a word for
   a relative stands before it (``his son Faisal`` is not the cable's ``Khaled al-Faisal``);
2. the curated list ``cablebase/data/person_aliases.tsv`` (``Evo`` → Evo Morales), each entry
   valid only in cables from or about its countries;
3. title + surname: ``President Chavez`` in a cable from or about Venezuela is the one person
   the archive also calls ``President Hugo Chavez`` in a cable from or about Venezuela — the
   store makes that merge after enrichment (``EntityWriter.resolve_titled``), from the
   ``evidence`` keys below;
4. otherwise it is a person of that cable alone (its key is scoped to the document:
   ``PER:gantz@09TELAVIV2482``), and only when the cable shows it is a person at all (a title
   before it, or a verb of saying after it); with no such sign it is not attributed.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from .entity_names import entity_key, fold, strip_titles, titles
from .entity_rules import PERSON_TITLES, prev_word, speaks, thing_before
from .tags import _rows

SCOPE = "@"
"""Separates a document-scoped person key from its document: ``PER:gantz@09TELAVIV2482``."""
SIGN_PREFIX = "p:"
"""Prefix of the key a person mention carries when its words show a person (``person_sign``):
``p:hugo chavez``. An entity none of whose mentions, anywhere in the archive, carries one is not
attributed (``EntityWriter``'s ``drop_unvouched``, in ``_store.entity_vouch``)."""
PLACE_SIGN = "l:"
"""Prefix of the key a place mention carries when its words name a place (``in Wana``) or a list
knows it: ``l:wana``. A place no list knows and no mention so names is not attributed
(``_store.entity_vouch.drop_unvouched_places``)."""
ROLE_WORDS = frozenset([
    "leader", "chief", "head", "candidate", "deputy", "mp", "mk", "mep", "official", "businessman", "businesswoman",
    "journalist", "activist", "lawyer", "attorney", "colleague", "counterpart", "contact", "advisor", "adviser",
    "founder", "professor", "prof", "father", "son", "wife", "brother", "widow", "daughter", "husband", "mother",
    "sister", "analyst", "editor", "owner", "spokesperson", "representative", "envoy", "officer", "commissioner",
    "speaker", "governor", "deputies", "vice", "coordinator", "negotiator", "counselor", "dean", "rector", "pastor",
    "member", "cleric", "citizen", "national", "staffer", "aide", "assistant", "secretary", "brother", "cousin", "nephew",
    "uncle", "niece", "writer", "author", "columnist", "reporter", "scholar", "economist", "banker", "director",
])
"""Words for what a person is (``opposition leader X``, ``journalist X``): a person's name follows."""
_OFFICE_OF = re.compile(r"\b([A-Za-z]+) (?:of|for) (?:the )?[A-Z][\w\-]*(?: (?:and )?[A-Z][\w\-]*){0,3}\s*$")
_APPOSITION = re.compile(r"^,\s+(?:a|an|the|his|her)\s+((?:[\w\-]+\s*){1,5})")
_PERSON_VERB = re.compile(r"^\s+(?:(?:was|has been|had been|is)\s+)?(?:appointed|elected|arrested|detained|sentenced|born|resigned)\b")
KIN_WORDS = frozenset([
    "son", "sons", "daughter", "daughters", "wife", "husband", "widow", "widower", "brother", "brothers", "sister",
    "sisters", "father", "mother", "uncle", "aunt", "nephew", "niece", "cousin", "grandson", "granddaughter",
    "grandfather", "grandmother", "son-in-law", "brother-in-law", "daughter-in-law", "father-in-law", "half-brother",
    "stepson", "stepfather", "heir",
])
"""Words for a relative: ``his son Faisal`` is someone of the family, not the cable's ``Khaled al-Faisal``."""


def kin_before(text: str, start: int) -> bool:
    """A word for a relative right before ``start`` (``his son [Faisal]``, ``wife [Leila]``): the
    name is a relative's given name, not the surname of a longer name of the cable."""
    m = prev_word(text, start)
    return bool(m) and m.group(1).lower() in KIN_WORDS


def surname_of(word: str, longer: list[str], kin: bool) -> str | None:
    """The one longer name of the cable that the one-word-or-more name ``word`` (folded) stands
    for, by the same-cable surname rule, or None (abstain): ``word`` ends every name of
    ``longer`` (folded, each ending with it) and they are one person's (the longest ends with all,
    and none but the longest is a whole name: ``whole_name``); ``word`` is not a whole name itself;
    and no word for a relative comes before it (``kin``). (That ``word`` is also the first word of
    another full name of the cable is no sign: ``Fernandez`` of ``Fernandez de Kirchner`` beside
    ``Alberto Fernandez`` is a compound surname.)"""
    if not longer or kin or whole_name(word):
        return None
    best = max(longer, key=len)
    if not all(best.endswith(k) and (k == best or not whole_name(k)) for k in longer):
        return None  # two people of the cable end with it ("Ali Abdullah Saleh", "Ahmad Ali Abdullah Saleh")
    return best


def hyphen_joined(longer: str, short: str) -> bool:
    """``short`` ends ``longer`` (as written) after a hyphen joining it to a name (``Brennan-Saleh``,
    a meeting's two sides, or a double surname): not a short form of it. A particle before the
    hyphen is part of the surname (``Nuri al-Maliki`` → ``Maliki``)."""
    words = short.split()
    if not words:
        return False
    m = re.search(r"([A-Za-z]+)[-‐]" + re.escape(words[0]) + r"\b", longer, re.IGNORECASE)
    return bool(m) and fold(m.group(1)) not in _PARTICLES


PATRONYMIC = frozenset(["bin", "ibn", "bint", "ben", "ould", "abu", "walad"])
"""Words for "son of", "daughter of", "father of": the name after one is another person's."""


def patronym_in(longer: str, short: str) -> bool:
    """``short`` (folded) ends ``longer`` (folded) right after a word for "son of" (``Mohammed bin
    [Nayif]``): it names the father, not the person — ``Prince Nayif`` is not his son."""
    head = longer[: len(longer) - len(short)].split()
    return bool(head) and head[-1] in PATRONYMIC


WHOLE = 3
"""Significant words that make a name whole: never a short form of a longer name."""


def surname_first(word: str, full_names: list[str] | set[str] | dict[str, str]) -> bool:
    """``word`` (folded) begins a name of three words or more of the cable with no particle in it
    (``Lee Kuan Yew``, ``Kim Jong Il``) while it also ends another (``Cheryl Lee``): a surname written first
    in one and last in the other, so either may be meant. (``Fernandez de Kirchner`` holds a
    particle: ``Fernandez`` is the end of its compound surname, not its first word.)"""
    return any(g.startswith(word + " ") and len(g.split()) >= 3 and not g.endswith(" " + word)
               and not set(g.split()[1:]) & _PARTICLES
               for g in full_names)  # ("Abdullah Abdullah" begins and ends with it: one name; "Sarkozy s",
    # "Mansouri RAO": two words are as often a name run on as a surname written first)


def whole_name(folded: str) -> bool:
    """A name of three significant words or more is one person's whole name, not a short form of a
    longer one: ``Ali Abdullah Saleh`` (the President) ends ``Ahmad Ali Abdullah Saleh`` (his son),
    as an Arabic name holds the father's names."""
    return len(significant_words(folded)) >= WHOLE


EVIDENCE_PREFIX = "t:"
"""Prefix of the title + surname evidence keys stored among aliases (no folded name has ':')."""

_TITLE_SYNONYMS = {
    "pres": "president", "amb": "ambassador", "gen": "general", "sen": "senator", "adm": "admiral",
    "col": "colonel", "gov": "governor", "lt": "lieutenant", "maj": "major", "capt": "captain",
    "cmdr": "commander", "sgt": "sergeant", "fm": "minister", "pm": "minister", "dfm": "minister",
    "shaykh": "sheikh", "amir": "emir", "chairwoman": "chairman", "spokeswoman": "spokesman",
    "secgen": "secretary general", "syg": "secretary general", "u/s": "undersecretary", "a/s": "assistant secretary",
    "congresswoman": "congressman",
}
_WEAK_TITLES = frozenset(["mr", "mrs", "ms", "sir", "dame", "lord", "lady", "dr"])
"""Titles anyone may bear: not evidence of which person a surname is."""
_PARTICLES = frozenset(["al", "el", "bin", "ibn", "abu", "de", "da", "do", "dos", "del", "la", "le", "van", "von", "der", "den", "di", "du", "ben"])


@lru_cache(maxsize=1)
def person_aliases() -> dict[str, tuple[str, frozenset[str]]]:
    """Form as written → (full name, countries where it holds; empty: anywhere)."""
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for row in _rows("person_aliases.tsv"):
        row += [""] * (3 - len(row))
        if row[0] and row[1]:
            out[row[0]] = (row[1], frozenset(c for c in row[2].split("|") if c))
    return out


def curated_person(form: str, context: set[str] | frozenset[str]) -> str | None:
    """The full name the curated list gives ``form`` in a cable from or about ``context``."""
    hit = person_aliases().get(form.strip()) or person_aliases().get(form.strip().title())
    if hit is None:
        return None
    name, where = hit
    if where and not (where & set(context)):
        return None
    return name


def title_word(text: str, start: int) -> str | None:
    """The person title right before ``start`` (``President`` Chavez → ``president``;
    ``PM`` Brown → ``minister``), None when there is none."""
    m = prev_word(text, start)
    if not m:
        return None
    w = m.group(1).lower()
    if w not in PERSON_TITLES:
        return None
    if w == "secretary":  # "Assistant Secretary Susan Rice" is not "Secretary Rice"
        at = start - len(m.group(0))  # where the title begins (the match ends at ``start``)
        q = prev_word(text, at, 20)
        if q and q.group(1).lower() in _SECRETARY_RANKS:
            rank = q.group(1).lower()
            return "undersecretary" if rank == "under" else rank + " secretary"  # as "U/S", "Undersecretary"
    return _TITLE_SYNONYMS.get(w, w)


_INITIALS = re.compile(r"^[A-Z]b[A-Z]$")


def royal_initials(surface: str) -> bool:
    """``MbZ``, ``AbZ``, ``MbN``: a Gulf royal's initials (X bin Y), a person's by their form."""
    return bool(_INITIALS.match(surface.strip()))


def office_before(text: str, start: int) -> bool:
    """Any office the lists know right before ``start`` (``DefMin Gonul``, ``DDG Ding``): wider
    than ``title_word``, whose titles also key the title + name merges."""
    m = prev_word(text, start)
    return bool(m) and m.group(1).lower() in titles()


_SECRETARY_RANKS = frozenset(["assistant", "deputy", "under", "executive", "permanent", "principal", "acting", "parliamentary"])
"""Words that make another office of "Secretary" (``Assistant Secretary``, ``Under Secretary``)."""


def person_sign(text: str, start: int, end: int, speech: bool = True) -> bool:
    """The words around ``text[start:end]`` show a person: a title or a role word right before it
    (``President``, ``Mr.``, ``opposition leader``, ``Minister of Culture``), or after it a verb of
    saying, an age, an apposition naming an office or role (``…, a former Education Minister``) or
    what is done to or by a person (``… was appointed``, ``… resigned``)."""
    if title_word(text, start) is not None or (speech and speaks(text, end)):
        return True
    before = text[max(0, start - 60) : start]
    m = prev_word(text, start, 60)
    if m and (m.group(1).lower() in ROLE_WORDS or m.group(1).lower().split("-")[0] in ROLE_WORDS):
        return True  # "opposition leader X", "brother-in-law X"
    m = _OFFICE_OF.search(before)
    if m and (m.group(1).lower() in PERSON_TITLES or m.group(1).lower() in ROLE_WORDS):
        return True  # "Minister of Culture X", "Commissioner of Police X"
    after = text[end : end + 80]
    m = _APPOSITION.match(after)  # "X, a former Education Minister"
    if m and appositive(m.group(1)):
        return True
    return bool(_PERSON_VERB.match(after))  # "X was appointed"


_APPOSITION_THEN = frozenset([
    "of", "for", "to", "in", "at", "and", "or", "on", "who", "whom", "whose", "from", "with", "under", "since", "until",
    "during", "between", "known", "based", "close", "responsible", "appointed", "elected", "named", "now", "then",
])
"""What may follow the office or role word of an apposition (``X, the Governor of Helmand``, ``X, a
journalist who``); another lower-case word makes it a new clause's subject (``departing Sangin, the
Governor called``): the name before the comma is not the Governor's."""


def appositive(words: str) -> bool:
    """The words after ``X, a|the`` (up to five) name an office or a role that ends the phrase: a
    person's apposition."""
    ws = words.split()
    for i, w in enumerate(ws):
        lw = w.lower().strip(",.;:()")
        if lw in PERSON_TITLES or lw in ROLE_WORDS:
            if w[-1:] in ",.;:)" or i + 1 == len(ws):
                return True
            nxt = ws[i + 1]
            return (not nxt[:1].islower() or nxt.lower().strip(",.;:()") in _APPOSITION_THEN
                    or nxt.endswith("ing"))  # "… the State Secretary heading the delegation"
    return False


def initials_of(name: str, acronym: str) -> bool:
    """Does ``acronym`` stand for the person ``name`` (``AF`` for Anibal Fernandez, ``MbR`` for
    Mohammed bin Rashid)? Its letters, in order, begin words of the name (particles may be
    skipped). ``CDU`` after ``Schaeuble`` is the party, not a name for him."""
    words = [w for w in re.split(r"[\s\-]+", fold(name)) if w]
    letters = [c for c in fold(acronym) if c.isalpha()]
    i = 0
    for w in words:
        if i == len(letters):
            break  # "MbR": Mohammed bin Rashid (al Maktoum)
        if w[0] == letters[i]:
            i += 1
        elif w not in _PARTICLES:
            return False
    return i == len(letters) and bool(letters)


def significant_words(folded: str) -> list[str]:
    """The words of a folded name that are not particles (``al``, ``bin``, ``de`` …)."""
    return [w for w in folded.split() if w not in _PARTICLES]


def is_full_name(folded: str) -> bool:
    """Two significant words or more: a name that stands for one person wherever written."""
    return len(significant_words(folded)) >= 2


def scoped_key(folded: str, doc: str) -> str:
    """The key of a person known in one document only: ``PER:gantz@09TELAVIV2482``."""
    return f"{entity_key('PER', folded)}{SCOPE}{doc}"


def evidence_keys(title: str | None, folded: str, context: set[str] | frozenset[str]) -> list[str]:
    """Title + surname keys of one mention: ``t:president chavez@venezuela`` for each country
    of the cable's context; none for a weak title (``Mr.``) or no title, nor for a name whose last
    words are "son of" a forefather (``Prince Nayif bin Abdulaziz``: ``Prince Abdulaziz`` is
    another prince, and ``Prince Khalid`` may be any of several)."""
    if not title or title in _WEAK_TITLES or not folded:
        return []
    words = folded.split()
    if len(words) >= 3 and words[-2] in PATRONYMIC:
        return []  # "Nayif bin Abdulaziz": its last word is a forefather's, and its given name is many princes'
    last = words[-1]
    return [f"{EVIDENCE_PREFIX}{title} {last}{SCOPE}{fold(c)}" for c in sorted(context) if c]


@dataclass(slots=True)
class PeopleEvidence:
    """What a cable shows of the people it names: its country context (origin and country
    TAGS), the titles before each name and the names followed by a verb of saying."""

    context: set[str]
    doc: str
    titles: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    speaking: set[str] = field(default_factory=set)
    kin_named: set[str] = field(default_factory=set)
    """Names written after a word for a relative (``his wife Leila Ben Ali``): a bare surname is not theirs."""
    signed: set[str] = field(default_factory=set)
    """Names the cable shows as a person's other than by speech: a title, a role word, an apposition,
    what is done to a person, the signature (``person_sign`` without speech). Bodies speak too
    (``AmCham told us``, ``Mabahith suggested``): a one-word name of this cable alone needs one."""
    things: set[str] = field(default_factory=set)
    """Names the cable also writes as a place's or a paper's (``the Sangin District``, ``Paris daily
    Le Monde``: ``named_as_thing``): no person's in this cable, unless the cable gives it a title."""

    def gather(self, found: list[tuple[str, int, int]], signer: str | None, full: str) -> None:
        """What the cable shows of each person span ``(prepared paragraph, start, end)``: titles,
        speech, signs, relatives (``signer``: the cable's signature; ``full``: the cable's text)."""
        sig = fold(signer) if signer else None
        names: set[str] = set()
        for text, start, end in found:
            name = strip_titles(text[start:end]).strip()
            names.add(name)
            f = fold(name)
            tw = title_word(text, start)
            if tw:
                self.titles[f].add(tw)
            if speaks(text, end) or f == sig:
                self.speaking.add(f)  # says something, or signs the cable
            if (person_sign(text, start, end, speech=False) or f == sig or office_before(text, start)
                    or royal_initials(text[start:end])):
                self.signed.add(f)  # a title, a role, an apposition, the signature, "MbZ"
            if kin_before(text, start) and is_full_name(f):
                self.kin_named.add(f)  # "his wife Leila Ben Ali": a relative's name
        for w in [f.split() for f in self.signed if " " in f]:  # "DCM Yuval Fuchs" signs "Fuchs", "Li Keqiang" "Li"
            self.signed.update((w[0], w[-1]))
        titled = {w for f in self.titles for w in (f, f.split()[-1])}  # "President Evo Morales" titles "Morales"
        self.things = {fold(n) for n in names if n and fold(n) not in titled and named_as_thing(full, n)}


THING_BEFORE = frozenset(["newspaper", "daily", "weekly", "magazine", "tabloid", "channel", "station", "tv", "radio",
                          "website", "blog", "site", "village", "town", "city", "district", "province", "region", "river"])
"""Nouns for a paper or a place before its name (``Paris daily Le Monde``, ``the village Wana``). Not
those of plans, parties or firms, which a relative clause's subject may follow (``the pet project
Morales takes``)."""
THING_AFTER = frozenset([
    "district", "districts", "province", "provinces", "governorate", "valley", "bazaar", "village", "town", "city",
    "airport", "article", "articles", "coverage", "editorial", "editorials", "columnist", "correspondent", "reporter",
    "reporters", "journalist", "journalists", "newspaper", "daily", "website", "headline", "headlines",
])
"""Words that make the name before them a place's or a paper's (``the Sangin District``, ``the
second Le Monde article``, ``a Dawn reporter``)."""


def named_as_thing(full: str, name: str) -> bool:
    """Somewhere in the cable ``full`` the name ``name`` (as written) is a place's or a paper's:
    after a noun for a paper or a place (``Paris daily Le Monde``, ``the village Wana``) or
    before a place's or a paper's word (``THING_AFTER``). Not where a capitalised word stands
    before it: there it ends a longer name (``Dera Ismail Khan district``)."""
    for m in re.finditer(r"(?<![\w\-])" + re.escape(name) + r"(?![\w\-])", full):
        if thing_before(full, m.start(), THING_BEFORE):
            return True
        if re.search(r"[A-Z][\w\-]*\s+$", full[max(0, m.start() - 30) : m.start()]):
            continue
        nxt = re.match(r"\s+([A-Za-z]+)", full[m.end() : m.end() + 20])
        if nxt and nxt.group(1).lower() in THING_AFTER:
            return True
    return False


def doc_name(subject: str | None, body: str | None) -> str:
    """A stable name for a cable without a reference ID (for document-scoped keys)."""
    return "sha1:" + hashlib.sha1(((subject or "") + "\x00" + (body or "")).encode()).hexdigest()[:16]


__all__ = ["EVIDENCE_PREFIX", "KIN_WORDS", "kin_before", "surname_of", "PLACE_SIGN", "ROLE_WORDS", "SIGN_PREFIX", "person_sign", "PeopleEvidence", "doc_name", "SCOPE", "curated_person", "evidence_keys", "initials_of", "is_full_name", "person_aliases",
           "scoped_key", "significant_words", "title_word", "WHOLE", "whole_name", "hyphen_joined", "PATRONYMIC", "patronym_in", "surname_first", "office_before", "royal_initials", "THING_AFTER", "THING_BEFORE", "named_as_thing"]
