"""Similar cables: the ten nearest by text, tf-idf cosine (scikit-learn).

Each cable's text is its subject and paragraphs (the body when it has none). The vectoriser
drops English stop words, words in more than half the cables and words seen once; term
frequencies are sublinear; vectors are L2-normalised, so a dot product is the cosine.

``update_similar(db, store, changed)`` (``store``: the ``EntityStore`` on ``db``) refits the
vectoriser on the whole archive (cheap next to NER), recomputes the list of every changed
cable, and lets a changed cable enter the lists of the others where it beats their tenth: an
unchanged cable's list is not recomputed from scratch, so a run touching a few cables stays
fast. ``changed=None`` recomputes every list. The records are read through
``cablebase._store.enrich_source.EnrichSource``, the current lists through the store.
From ``LSA_ABOVE`` cables on, the cosine is taken in a reduced (LSA) space: see there.
Cables shorter than ``MIN_CHARS`` of text get no list (nor appear in others').
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import numpy as np
import orjson

from .._store.enrich_source import EnrichSource

TOP = 10
MIN_CHARS = 200
CHUNK = 256
LSA_ABOVE = 20_000
"""From this many cables on, similarity is computed in a 192-dimension LSA space
(``TruncatedSVD`` of the tf-idf matrix) with dense products: all-pairs sparse cosine grows
with the square of the archive and its density (11 h projected for 251,287 cables on one
core); the dense 192-d products take minutes."""
LSA_DIMS = 192


def cable_text(d: dict) -> str:
    paras = [p.get("text") or "" for p in d.get("paragraphs") or []]
    body = "\n".join(paras) if paras else (d.get("body") or "")
    return f"{d.get('subject') or ''}\n{body}"


def _load(db: sqlite3.Connection) -> tuple[list[str], list[str]]:
    refs: list[str] = []
    texts: list[str] = []
    for ref, rec in EnrichSource(db).cable_records_by_ref():
        t = cable_text(orjson.loads(rec))
        if len(t) >= MIN_CHARS:
            refs.append(ref)
            texts.append(t)
    return refs, texts


def vectorize(texts: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        min_df=2 if len(texts) > 20 else 1,
        max_df=0.5 if len(texts) > 20 else 1.0,
        max_features=300_000,
        dtype=np.float32,
        token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b",
        lowercase=True,
    )
    return vec.fit_transform(texts)


def reduce(X, dims: int = LSA_DIMS):
    """Dense, L2-normalised LSA vectors of the tf-idf rows."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dims = max(2, min(dims, X.shape[1] - 1, X.shape[0] - 1))
    Z = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=4, random_state=0).fit_transform(X)
    return normalize(Z).astype(np.float32)


def top_k(X, rows: Iterable[int], k: int = TOP) -> dict[int, list[tuple[int, float]]]:
    """Row index → [(other row, cosine)] best first, self excluded. ``X``: sparse tf-idf
    rows or dense LSA rows (both L2-normalised)."""
    rows = list(rows)
    out: dict[int, list[tuple[int, float]]] = {}
    dense = isinstance(X, np.ndarray)
    XT = X.T if dense else X.T.tocsr()
    for i in range(0, len(rows), CHUNK):
        part = rows[i : i + CHUNK]
        S = X[part] @ XT if dense else (X[part] @ XT).toarray()
        for j, r in enumerate(part):
            S[j, r] = -1.0
        kk = min(k, S.shape[1] - 1)
        if kk <= 0:
            for r in part:
                out[r] = []
            continue
        idx = np.argpartition(S, S.shape[1] - kk, axis=1)[:, -kk:]
        for j, r in enumerate(part):
            cand = sorted(((int(c), float(S[j, c])) for c in idx[j]), key=lambda x: -x[1])
            out[r] = [(c, s) for c, s in cand if s > 0]
    return out


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


__all__ = ["cable_text", "reduce", "top_k", "update_similar", "vectorize"]
