"""Keeping the similar-cable lists up to date (the use case over ``enrich.similar``).

``update_similar(db, store, changed)`` (``store``: the ``EntityStore`` on ``db``) refits the
vectoriser on the whole archive (cheap next to NER), recomputes the list of every changed
cable, and lets a changed cable enter the lists of the others where it beats their tenth: an
unchanged cable's list is not recomputed from scratch, so a run touching a few cables stays
fast. ``changed=None`` recomputes every list. The records are read through
``cablebase._store.enrich_source.EnrichSource``, the current lists through the store.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import orjson

from .._store.enrich_source import EnrichSource
from ..enrich.similar import CHUNK, LSA_ABOVE, MIN_CHARS, TOP, cable_text, reduce, top_k, vectorize


def _load(db: sqlite3.Connection) -> tuple[list[str], list[str]]:
    refs: list[str] = []
    texts: list[str] = []
    for ref, rec in EnrichSource(db).cable_records_by_ref():
        t = cable_text(orjson.loads(rec))
        if len(t) >= MIN_CHARS:
            refs.append(ref)
            texts.append(t)
    return refs, texts


def update_similar(
    db: sqlite3.Connection, store, changed: list[str] | None = None, *, k: int = TOP, lsa_above: int = LSA_ABOVE
) -> int:
    """Recompute similar-cable lists (see the module doc); returns how many were written."""
    refs, texts = _load(db)
    if len(refs) < 2:
        store.set_similar_many({r: [] for r in refs})
        return len(refs)
    X = vectorize(texts)
    del texts
    if len(refs) >= lsa_above:
        X = reduce(X)
    pos = {r: i for i, r in enumerate(refs)}
    if changed is None:
        rows = list(range(len(refs)))
    else:
        rows = [pos[r] for r in changed if r in pos]
    lists = top_k(X, rows, k)
    updates: dict[str, list[tuple[str, float]]] = {refs[i]: [(refs[c], s) for c, s in v] for i, v in lists.items()}
    if changed is not None and rows:
        # a changed cable may now belong in an unchanged cable's list
        changed_set = {refs[i] for i in rows}
        current: dict[str, list[tuple[str, float]]] = {}
        for ref, other, score in store.similar_rows():
            if ref in changed_set or ref not in pos:
                continue
            current.setdefault(ref, []).append((other, score))
        # scores of changed rows against everything (symmetric)
        dense = isinstance(X, np.ndarray)
        XT = X.T if dense else X.T.tocsr()
        for i in range(0, len(rows), CHUNK):
            part = rows[i : i + CHUNK]
            S = X[part] @ XT if dense else (X[part] @ XT).toarray()
            for j, r in enumerate(part):
                src = refs[r]
                for c in np.nonzero(S[j] > 0)[0]:
                    other = refs[int(c)]
                    if other in changed_set:
                        continue
                    lst = current.get(other, [])
                    s = float(S[j, c])
                    if len(lst) < k or s > lst[-1][1]:
                        lst = [x for x in lst if x[0] != src] + [(src, s)]
                        lst.sort(key=lambda x: -x[1])
                        current[other] = lst[:k]
                        updates[other] = current[other]
        # drop cables that are gone from the others' lists
        gone = set()
        for ref, lst in current.items():
            kept = [x for x in lst if x[0] in pos]
            if len(kept) != len(lst):
                updates[ref] = kept
                gone.add(ref)
    store.set_similar_many(updates)
    return len(updates)


__all__ = ["update_similar"]
