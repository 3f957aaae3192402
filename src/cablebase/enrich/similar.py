"""Similar cables: the ten nearest by text, tf-idf cosine (scikit-learn).

Each cable's text is its subject and paragraphs (the body when it has none). The vectoriser
drops English stop words, words in more than half the cables and words seen once; term
frequencies are sublinear; vectors are L2-normalised, so a dot product is the cosine.

Pure: texts in, vectors and nearest neighbours out. The use case that reads the records,
keeps the lists up to date and writes them is ``cablebase.pipeline.similar``.
From ``LSA_ABOVE`` cables on, the cosine is taken in a reduced (LSA) space: see there.
Cables shorter than ``MIN_CHARS`` of text get no list (nor appear in others').
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

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

__all__ = ["cable_text", "reduce", "top_k", "vectorize"]
