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

import re
from functools import lru_cache

from .entity_names import fold, titles
from .entity_people import person_aliases
from .entity_rules import ORG_WORDS, country_folded, name_goes_on, speaks, thing_before
from .tags import _rows, demonyms

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


_NOT_PERSON_WORDS = frozenset(["authority", "authorities", "ministry", "ministries", "forum", "federation", "fund", "news",
                               "times", "post", "opposition", "meeting", "coalition", "path", "partido", "partito",
                               "parti", "partei", "account", "gaz", "plant", "company", "corporation", "fleet",
                               "squadron", "command", "restored", "jamaat", "jamiat", "lashkar", "tehrik", "hizb",
                               "harakat", "jaish", "tanzeem", "tanzim", "ittehad", "mujahideen", "brigades",
                               # movements and groups ("Afghan Taliban"), a company's legal form ("Pfizer Inc")
                               "taliban", "qaida", "qaeda", "shabaab", "hizballah", "hezbollah", "hamas", "fatah",
                               "brotherhood", "inc", "ltd", "llc", "plc", "corp", "gmbh", "holdings", "industries",
                               # bodies ("United Nations" as an acronym's expansion voted a person)
                               "nations", "league", "alliance", "network", "tribunal", "directorate", "foundation",
                               # movements, lists and systems ("Sadr Trend", "National Security Shield")
                               "trend", "bloc", "faction", "list", "national", "security", "shield", "system",
                               "tax", "prize", "award", "act", "law", "treaty", "plan", "doctrine"])


@lru_cache(maxsize=1)
def not_people() -> frozenset[str]:
    """Companies (``Pfizer``) the model reads as a person when written alone (``data/not_people.txt``)."""
    return frozenset(fold(r[0]) for r in _rows("not_people.txt") if r and r[0].strip())


LANGUAGE_WORDS = frozenset(["catalan", "basque", "galician", "kurdish", "pashtun", "pashto", "tajik", "hazara",
                            "baluch", "tamil", "sinhalese", "flemish", "walloon", "uighur", "uyghur", "dari", "farsi",
                            "quechua", "aymara", "guarani", "berber", "amazigh", "kazakh", "uzbek", "turkmen",
                            "baltic", "nordic", "scandinavian", "balkan", "baloch", "balochi"])
"""Languages and peoples written alone (``the Catalan language``, ``Barakzai (Kabul, Pashtun)``):
an adjective, neither a place nor a person."""
_FACILITY_LAST = frozenset(["base", "airbase", "airfield", "airport", "prison", "camp", "port", "harbor", "harbour",
                            "palace", "dam", "field", "refinery", "mine"])
_GENERIC_FIRST = frozenset(["parliament", "congress", "senate", "assembly", "ministry", "cabinet", "government",
                            "police", "army", "court", "presidency"])


_MONTHS = frozenset(["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                     "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                     "nov", "dec"])
_PARTICLES = frozenset(["al", "el", "bin", "ibn", "abu", "de", "da", "do", "dos", "das", "del", "la", "le", "van", "von",
                        "der", "den", "di", "du", "ben", "zu", "y", "e", "ter", "ul", "ud", "ur", "bint"])


def _person_forms() -> frozenset[str]:
    return frozenset(person_aliases())


ORG_NAME_WORDS = ORG_WORDS | frozenset([
    "brigade", "command", "corps", "fund", "bank", "tv", "news", "times", "league", "network", "foundation",
    "federation", "alliance", "authority", "tribunal", "school", "club", "division", "directorate", "unit",
    "regiment", "battalion", "guard", "guards", "airlines", "airways", "petroleum", "telecom",
    "inc", "ltd", "co", "corp", "sa", "ag", "gmbh", "holding", "holdings", "industries", "group", "press",
    "agency", "radio", "television", "herald", "journal", "daily", "magazine", "nations", "organization",
    "organisation", "coalition", "brotherhood", "taliban", "qaida", "qaeda", "shabaab", "hizballah", "hezbollah",
    "hamas", "fatah", "chamber", "board", "cabinet", "presidency", "prosecutor", "prosecutors", "judiciary",
    "legislature", "assembly", "senate", "congress", "parliament", "majlis", "duma", "rada", "knesset", "sejm",
    "cortes", "bundestag", "bundesrat", "shura", "jirga", "mission", "secretariat", "office", "conference",
    "jamaat", "jamiat", "lashkar", "tehrik", "hizb", "harakat", "jaish", "tanzeem", "tanzim", "ittehad", "mujahideen",
])
"""Words that make a run of capitalised words an organisation's name (``Basque Nationalist Party``)."""
GENERIC_ORGS = frozenset([
    "congress", "national congress", "parliament", "senate", "national assembly", "supreme court", "constitutional court",
    "supreme council", "central bank", "national police", "federal police", "presidency", "council of ministers",
    "cabinet of ministers",
    "chamber of deputies", "armed forces", "army", "navy", "air force", "cabinet", "foreign ministry", "defense ministry",
    "defence ministry", "interior ministry", "finance ministry", "justice ministry", "mfa", "mod", "moi", "mofa",
    "attorney general", "attorney general s office", "office of defense cooperation", "socialist party",
    "democratic party", "labour party", "labor party", "conservative party", "liberal party", "communist party",
    "green party", "greens", "people s party", "people party", "peoples party", "national party", "republican party", "social democratic party",
    "christian democratic party", "workers party", "popular party", "national front", "liberal democratic party", "prosecutor general s office", "electoral commission",
    "national electoral council", "national court", "high court", "supreme electoral tribunal", "police", "intelligence service", "customs",
    "emergency action committee", "country team", "law enforcement working group",
])
"""Names every country's body bears (``Ministry of Foreign Affairs``, ``Congress``; every embassy's:
``Emergency Action Committee``): one entity per country, never one for all of them."""


NO_ORG = frozenset(["working group", "steering committee", "task force", "joint commission", "prefectures",
                    "contact group", "core group", "high level group", "expert group", "experts group"])
"""Names of a kind of body, not of one: never attributed."""


_BODY_NOUNS = frozenset(["forces", "force", "council", "committee", "commission", "board", "court", "courts", "office",
                         "ministry", "assembly", "parliament", "police", "army", "navy", "guard", "guards", "service",
                         "services", "administration", "presidency", "cabinet", "government", "chamber", "agency",
                         "directorate", "group", "unit", "prosecutor", "secretariat", "inspectorate", "tribunal"])
_BODY_DESCRIPTORS = frozenset([
    "national", "federal", "state", "supreme", "constitutional", "central", "high", "special", "armed", "air", "defense",
    "defence", "security", "foreign", "affairs", "interior", "justice", "finance", "economic", "economy", "trade",
    "commerce", "industry", "public", "general", "attorney", "presidential", "provincial", "regional", "municipal",
    "executive", "legislative", "electoral", "military", "intelligence", "customs", "immigration", "border", "coast",
    "the", "of", "and", "for", "on", "s", "joint", "permanent", "standing", "internal", "external", "police", "naval",
    "paramilitary",
])


def generic_org(folded: str, acronym: bool = False) -> bool:
    """A name many countries' bodies bear: ``ministry of …``, ``… ministry``, ``Congress`` …, or any
    name made only of a body's noun and the words that describe what such a body does (``Defense
    Forces``, ``National Security Council``, ``Office of the Presidency``): no word of its own. An
    acronym (``acronym``: ``SEDENA``) names one body: only the listed names make it generic (``MFA``)."""
    f = folded.removeprefix("the ")
    if f in GENERIC_ORGS or f.startswith("ministry ") or f.endswith(" ministry") or f.startswith("ministry of "):
        return True
    words = f.split()
    if acronym or f == "security council":
        return False  # the United Nations', in diplomatic writing
    return any(w in _BODY_NOUNS for w in words) and all(w in _BODY_NOUNS or w in _BODY_DESCRIPTORS for w in words)


def owner_before(text: str, start: int) -> str | None:
    """The country named right before a body's name (``Bahraini Defense Forces``, ``U.S. Special
    Forces``, ``Iraq's Council of Ministers``): whose body it is; None when no country is named there."""
    m = re.search(r"([A-Z][\w.\-]*?)(?:['’]s)?\s+(?:the\s+)?$", text[max(0, start - 40) : start])
    if not m:
        return None
    w = m.group(1).rstrip(".") if m.group(1) not in ("U.S.", "U.K.") else m.group(1)
    return demonyms().get(w) or country_folded().get(fold(w))


def org_like(txt: str) -> bool:
    """A run of words that names an organisation by its own words (``Basque Nationalist Party``):
    two words or more, one of them an organisation word. A single word or a name without one
    (``Boeing``, ``Jean-Marie LePen's``, ``Missile Defense``) is as often something else."""
    f = fold(txt)
    words = f.split()
    return (len(words) >= 2 and any(w in ORG_NAME_WORDS for w in words) and f.removeprefix("the ") not in NO_ORG
            and not f.endswith(("working group", "steering committee")))  # an embassy's own working group


_HEAD_WORDS = ORG_NAME_WORDS | frozenset(["intelligence", "industries", "church", "trust", "bureau"])


def org_head(txt: str) -> bool:
    """An organisation's name has an organisation word as its head — its last word, or the last
    before ``of``/``for``/``on`` (``Ministry of Culture``) — or as its first (``Bank Mellat``).
    ``Petroleum Matters``, ``Swiss company Glencore``, ``Energy Secretariat Resolution 407``,
    ``Regional Command East`` name something else, or a body and more."""
    words = [fold(w.split("-")[0]) if "-" in w[1:] else fold(w) for w in txt.split(", ")[0].split()]
    words = [w for w in words if w]
    if len(words) < 2:
        return True
    core = words
    for i, w in enumerate(words):
        if i and w in ("of", "for", "on"):
            core = words[:i]
            break
    return core[-1] in _HEAD_WORDS or words[0] in ORG_WORDS


_OFFICE_BEFORE = re.compile(r"\b([A-Za-z][\w\-]*)\s+(?:of|for)\s+(?:the\s+)?$")


def portfolio(text: str, start: int, txt: str) -> bool:
    """``Minister of Foreign Affairs``, ``Chief of Air Operations``: after a title and *of*, words
    whose head is no organisation word name an office's portfolio, not a body (``Secretary
    General of the United Nations`` names the body)."""
    m = _OFFICE_BEFORE.search(text[max(0, start - 40) : start])
    if not m or fold(m.group(1)) not in titles():
        return False
    words = fold(txt).split()
    return bool(words) and words[-1] not in _HEAD_WORDS


_IN_BEFORE = re.compile(r"\b(?:in|near|outside|inside|throughout|across)\s+$", re.IGNORECASE)


def inside_name(text: str, start: int, end: int) -> bool:
    """The span is a word inside a longer capitalised name that ends with an organisation word
    (``Islamic [Iran] Participation Front``): a place there names no place."""
    before = re.search(r"([A-Z][\w\-]*) $", text[max(0, start - 30) : start])
    if not before or fold(before.group(1)) in titles() or before.group(1) in ("The", "A", "An"):
        return False
    after = re.match(r"^ (?:[A-Z][\w\-]* ){0,2}([A-Z][\w\-]*)", text[end : end + 60])
    return bool(after) and fold(after.group(1)) in ORG_NAME_WORDS


def doubtful(label: str, fixed: bool, text: str, start: int, end: int, table: dict[str, str],
             titled_places: set[str] | frozenset[str] = frozenset(), cased: bool = True) -> bool:
    """Words around a span that make its attribution a guess, so none is made: a person's name
    after a thing's noun (``blog [Al-Tomaar]``) or after *in* (``in [Wana]``), or cut short
    (``[Julio] Cobos``); a place inside an organisation's name (``Islamic [Iran] Participation
    Front``), whose word the cable gives a person's title (``Governor [Barakzai]``:
    ``titled_places``), or an acronym among capitals that is a word (``HOW MANY [ARE]``)."""
    if label == "PER" and not fixed:
        if thing_before(text, start) or name_goes_on(text, end, table) or office_after_the(text, start, end):
            return True
        # "in Wana" (not in a paragraph written in capitals: truecasing capitalises every unknown word)
        return cased and bool(_IN_BEFORE.search(text[max(0, start - 20) : start])) and text[end : end + 2] not in ("'s", "’s")
    if label == "PLACE":
        return (inside_name(text, start, end) or (not fixed and fold(text[start:end]) in titled_places)
                or word_in_capitals(text, start, end, table))
    return False


_VERB_AFTER = frozenset(["is", "was", "has", "had", "will", "would", "could", "should", "may", "might", "must",
                         "who", "whom", "whose", "which", "himself", "herself", "also", "then"])
_THE_BEFORE = re.compile(r"(?:^|[^\w])[Tt]he\s+$")


def office_after_the(text: str, start: int, end: int) -> bool:
    """``the [Reis] claimed``, ``the [Mufti].``: one capitalised word right after *the* that is the
    noun of its phrase — a verb, a relative pronoun or punctuation follows it, not a longer name
    and not a noun it qualifies (``the Zapatero government``, ``the Lula administration``: a
    person's name used as a modifier) — is an office or a thing, not a person's name (names of
    people take no article)."""
    w = text[start:end]
    if " " in w.strip() or not w[:1].isupper() or w.isupper() or not _THE_BEFORE.search(text[max(0, start - 6) : start]):
        return False
    nxt = text[end : end + 30]
    if nxt[:2] in ("'s", "’s"):
        return False
    if speaks(text, end):
        return True  # "the Reis claimed"
    m = re.match(r"\s*([A-Za-z][\w\-]*)", nxt)
    if not m:
        return bool(re.match(r"\s*[.,;:)]", nxt))  # "called on the Mufti."
    return m.group(1).lower() in _VERB_AFTER


def word_in_capitals(text: str, start: int, end: int, table: dict[str, str]) -> bool:
    """``HOW MANY [ARE] GUEST WORKERS``, ``(S/REL USA, [ARE])``: among words in capitals, an
    acronym the archive otherwise writes as a lower-case word is that word (or no country's)."""
    w = text[start:end]
    if len(w) < 3 or not w.isupper() or not (table.get(w.lower()) or "X").islower():
        return False
    near = re.findall(r"[A-Za-z]{2,}", text[max(0, start - 25) : start])[-1:] + re.findall(r"[A-Za-z]{2,}", text[end : end + 25])[:1]
    return any(x.isupper() for x in near)


_BODY_LEAD = frozenset(["house", "senate", "congress", "parliament", "assembly", "cabinet", "ministry", "council",
                        "commission", "committee", "court", "embassy", "consulate", "mission", "department", "office"])
"""A body's word before a name (``Speaker of the House Nancy Pelosi``): the office's, not the name's."""


def common_lead(txt: str, table: dict[str, str]) -> int:
    """Where a person's name begins in ``txt``: after leading words the archive writes in lower
    case or that name a portfolio (``Nonproliferation Martin Briens`` → ``Martin Briens``,
    ``Economics Von Fritsch`` → ``Von Fritsch``), keeping two words at least, and
    after an office's abbreviation in capitals (``VFM Kim`` → ``Kim``)."""
    words = txt.split()
    k = 0
    while len(words) - k >= 3 and ((table.get(words[k].lower()) or "X").islower() or office_noun(words[k])
                                   or fold(words[k]) in _BODY_LEAD) and fold(words[k]) not in _PARTICLES:
        k += 1  # "Nonproliferation Martin Briens", "(DG for) Economics Von Fritsch"
    if len(words) - k >= 2 and words[k].isupper() and words[k].isalpha() and 2 <= len(words[k]) <= 5 and words[k + 1][:1].isupper():
        k += 1
    return _offset(txt, words, k) if k else 0


def _glued_title(word: str) -> bool:
    """``GeneralMoseley``: a title and a name written as one word."""
    m = re.match(r"^([A-Z][a-z]{3,})([A-Z][a-z]+)$", word)
    return bool(m) and m.group(1).lower() in titles()


def _title(word: str) -> bool:
    return word in titles()


NOT_PERSON_HEAD = (ORG_NAME_WORDS | NOT_ORG_LAST | (_FACILITY_LAST - {"field", "mine"}) | frozenset([
    "report", "reports", "paper", "papers", "bill", "amendment", "memorandum", "memo", "statement", "communique",
    "study", "assessment", "proceedings", "arrangement", "partnership", "section", "community", "complex", "approach",
    "fleet", "trend", "tax", "meeting", "ministries", "forces", "force", "courts", "fighters", "cartel", "gang",
    "day", "trust", "trusts", "award", "prize", "museum", "hotel", "channel", "airport", "project", "projects",
    "pipeline", "scheme",
]))
"""Head nouns (a name's last word) of documents, bodies, laws, events and places: a span typed a person
that ends with one (``Goldstone Report``, ``Executive Board``, ``Frontier Corps``) names a thing
the person's name is part of, or no person at all. Grammar, not a list of names."""


OFFICE_NOUNS = frozenset([
    "affairs", "relations", "exchange", "exchanges", "security", "cooperation", "policy", "policies", "planning",
    "operations", "finance", "trade", "commerce", "defense", "defence", "intelligence", "justice", "interior",
    "economy", "energy", "health", "education", "labor", "labour", "welfare", "agriculture", "transport", "tourism",
    "culture", "communications", "logistics", "procurement", "investigations", "oversight", "outreach", "protocol",
    "economics", "industry", "fisheries", "housing", "research",
])
"""Nouns of an office's portfolio (``Director General for Strategic Affairs``, ``Minister of Public Security``)."""
_OFFICE_SUFFIXES = ("ation", "ition", "ution", "ment", "ments", "ities", "ility", "urity", "ations")


def office_noun(word: str) -> bool:
    """``word`` (a name's last word) is an abstract or portfolio noun — ``Affairs``, ``Relations``,
    ``Cooperation``, ``Development``, ``Stability`` — never a person's name. Morphology first (the
    Latinate suffixes of abstract nouns, on words long enough not to be a surname such as
    ``Clement``), then the portfolio nouns that have no such suffix."""
    w = fold(word)
    if w in OFFICE_NOUNS:
        return True
    return len(w) >= 9 and w.endswith(_OFFICE_SUFFIXES)


def model_code(txt: str) -> bool:
    """A weapon's or a product's model number, or its plural (``SA-16s``, ``MiG-29``, ``F-16s``): not an entity."""
    return any(re.fullmatch(r"[A-Za-z]{1,4}-?\d+[A-Za-z]?(?:['’]?s)", w) or re.fullmatch(r"[A-Za-z]{2,4}-\d{2,}[A-Za-z]?", w)
               for w in txt.split())


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
    if label != "PER" and model_code(txt):
        return None  # "SA-16s": missiles, not an organisation
    if label == "ORG":
        if folded[-1] in NOT_ORG_LAST:
            return None
        if " ".join(folded[:2]) == "government of" or " ".join(folded[:3]) == "the government of":
            return None  # "the Government of the Bolivarian Republic": a government is its country
        if folded[-1] in _FACILITY_LAST:
            return None  # "Black Sea Navy Base": a place, not a body
        if len(words) == 2 and folded[0] in _GENERIC_FIRST and folded[1] not in ORG_NAME_WORDS and words[1][:1].isupper():
            return None  # "(Speaker of) Parliament Jordanovski": a body, then a person's name
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
        if "/" in txt or txt.lower().startswith(("pro-", "anti-", "pre-", "post-", "ex-", "non-")):
            return None  # "Holbrooke/Riedel": two people, or an office; "pro-Karzai": a stance
        if len(words) == 1 and txt.isupper() and 2 <= len(txt) <= 5 and txt not in _person_forms():
            return None  # "NSS", "PP", "MCA": capitals are an acronym unless a name says otherwise
        if "".join(folded) in titles() or any(_glued_title(w) for w in words):
            return None  # "Sec Def": an office in two words; "GeneralMoseley": a title glued to a name
        if re.search(r"\w['’]s\s", txt) or "--" in txt or any(fold(p) in country_folded() for p in re.split(r"[-‐]", txt)):
            return None  # "Putin's Kremlin", "Lanza -- Article", "U.S.-China": not one person's name
        if any(c.isdigit() for c in txt) or "," in txt or any(w in _MONTHS for w in folded):
            return None  # "February 25", "Bajaur, Musharraf": a date, or two names run together
        if any(w[:1].islower() and fold(re.split(r"[-‐’']", w)[0]) not in _PARTICLES for w in words):
            return None  # "diaspora Kashgai": a common word inside
        idx = [i for i, w in enumerate(folded[:-1]) if _title(w)]
        if idx:  # "Pol-Mil Chief Gilad", "Sao Paulo Governor Jose Serra": the name follows the last title
            start = _offset(txt, words, idx[-1] + 1)
            kept = refine(txt[start:], label)
            return None if kept is None else (kept[0] + start, kept[1] + start, kept[2])
        if folded[0] in PLACE_FIRST and len(words) >= 2:
            return None
        if len([w for w in folded if w and len(w) > 1]) > 4:
            return None  # "Revista Brasileira de Meteorologia I. Camilloni": not one name
        dem = {fold(d) for d in demonyms()}
        if any(w in dem or w in LANGUAGE_WORDS for w in folded) or (len(words) == 1 and folded[0] in not_people()):
            return None  # "Afghan Taliban", "Pfizer": a people or a company
        if any(w in ORG_WORDS or w in _NOT_PERSON_WORDS for w in fold(txt).split()):
            return None
        if len(words) >= 2 and folded[-1] in NOT_PERSON_HEAD:
            return None  # "Goldstone Report", "Executive Board", "Frontier Corps": the head noun is a thing's
        if office_noun(words[-1]):
            return None  # "Exchange Affairs", "Affairs": a portfolio's word, never a person's name
        return (0, len(txt), label)
    if label == "PLACE":
        if any(c.isdigit() for c in txt):
            return None  # "COP15": a meeting
        if len(words) == 1 and (len(txt) <= 3 or "-" in txt or (not txt.isupper() and sum(c.isupper() for c in txt) > 1)):
            return None  # "OC", "MoU", "Igla-S": capitals the model took for a place
        if any(w in ORG_NAME_WORDS for w in folded):
            return None  # "Grand Coalition", "Hizballah"
        if len(words) == 1 and _title(folded[0]):
            return None  # "the Sultan": an office
        if folded[-1] in NOT_ORG_LAST or folded[-1] in ("defense", "defence", "security"):
            return None  # "Missile Defense": a policy, not a place
        if len(words) == 1 and (folded[0] in LANGUAGE_WORDS or folded[0] in not_people()):
            return None  # "Catalan": a language or a people; "Gazprom": a company
        if "," in txt and fold(txt.rsplit(",", 1)[1]) not in country_folded():
            return None  # "Daudzai, Wardak": names run together, unless "Kano, Nigeria"
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


__all__ = ["LANGUAGE_WORDS", "not_people", "GENERIC_ORGS", "NOT_ORG_LAST", "ORG_NAME_WORDS", "PLACE_FIRST", "common_lead", "doubtful", "word_in_capitals", "generic_org", "inside_name", "model_code", "office_after_the", "office_noun", "org_head", "owner_before", "portfolio", "NOT_PERSON_HEAD", "org_like", "refine", "undefined_acronym"]
