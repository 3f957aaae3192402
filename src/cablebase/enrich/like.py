"""Cables like a text, in any language: the signals that survive translation.

A Portuguese or Russian article about a cable shares few words with it, but it shares its
names (people, places, organisations), its numbers and dates, its acronyms and TAG-like
codes. So both sides are reduced to those, written the same way:

- ``fold``: transliterated to ASCII (``anyascii``: Cyrillic, Arabic, Greek … to Latin
  letters; accents dropped) and lower-cased: ``Brasília`` → ``brasilia``, ``Лула`` → ``lula``;
- word tokens of three letters or more and numbers of two digits or more (years, amounts);
- character 4-grams of the words of five letters or more, so that names written another
  way still meet: ``Жобим`` folds to ``zhobim``, which shares ``obim`` and ``bim>`` with
  ``jobim``; inflected names (Russian ``Лулы``, Portuguese plurals) keep most of theirs.

Each side is a tf-idf vector (sublinear tf, idf over the cables; words of the query that no
cable has carry nothing, which is what drops the other language's common words), the word
and the 4-gram spaces weighted (0.8, 0.2) and summed; the score of a cable is the sum of
the two cosines. A cable
reference ID written in the text (``09BRASILIA123``) is the strongest signal of all and puts
that cable first (``ref_ids_in``).

Pure: texts in, vectors and rankings out; ``cablebase.pipeline.like`` reads the archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from anyascii import anyascii

WORD_WEIGHT = 0.8
GRAM_WEIGHT = 0.2
"""How the two spaces are mixed (measured on the partner articles: README, ``bench/like.py``)."""

GRAMS_UP_TO = 50_000
"""Above this many cables the 4-gram space is left out (words only): at the 251,287 cables of
Cablegate it would hold some 10⁹ entries, and the words alone gave the same recall@10 on
the partner articles (README)."""

MAX_QUERY_CHARS = 200_000
"""A longer text is cut: a query is an article, not a book."""

_TOKEN = re.compile(r"[a-z]{3,}|\d{2,}")
_REF = re.compile(r"\b(\d{2}[A-Z][A-Z-]{2,}?\d{1,6})\b")
_STOP = frozenset(
    "the and for that with this from have was were are has had not but they their which will would been its"
    " also his her into more than other who what when there these those about after over said all one two"
    " para por que com uma dos das nos nas los las del con una sur les des est pas par dans qui que une aux"
    " och att det som den med for har var inte till pour sont".split()
)


def fold(text: str) -> str:
    """ASCII, lower case: the spelling both sides share."""
    text = text or ""
    return (text if text.isascii() else anyascii(text)).lower()


def words(text: str) -> list[str]:
    """The folded word and number tokens of ``text`` (common function words of the archive's
    languages left out)."""
    return [t for t in _TOKEN.findall(fold(text[:MAX_QUERY_CHARS])) if t not in _STOP]


def _grams(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if t.isdigit() or len(t) < 5:
            continue
        w = f"<{t}>"
        out.extend(w[i : i + 4] for i in range(len(w) - 3))
    return out


def ref_ids_in(text: str) -> list[str]:
    """Cable reference IDs written in a text, in order, once each."""
    return list(dict.fromkeys(m.group(1) for m in _REF.finditer(text or "")))


def cable_text(rec: dict[str, Any]) -> str:
    """What of a cable record is compared: subject, origin, TAGS, date and text."""
    paras = [p.get("text") or "" for p in rec.get("paragraphs") or []]
    body = "\n".join(paras) if paras else (rec.get("body") or "")
    tags = " ".join(rec.get("tags") or [])
    return f"{rec.get('subject') or ''}\n{rec.get('origin') or ''} {tags} {rec.get('created') or ''}\n{body}"


@dataclass
class LikeModel:
    """The cables' vectors (rows in ``refs`` order) in both spaces, and what a query needs to
    be put in them: the vocabularies and the idf weights."""

    refs: list[str]
    words: dict[str, int]
    grams: dict[str, int]
    word_idf: np.ndarray
    gram_idf: np.ndarray
    words_X: Any
    grams_X: Any

    def _vector(self, items: list[str], vocab: dict[str, int], idf: np.ndarray) -> np.ndarray:
        v = np.zeros(len(vocab), dtype=np.float32)
        for t in items:
            j = vocab.get(t)
            if j is not None:
                v[j] += 1
        nz = v > 0
        v[nz] = (1 + np.log(v[nz])) * idf[nz]
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def scores(self, text: str) -> np.ndarray:
        toks = words(text)
        s = WORD_WEIGHT * (self.words_X @ self._vector(toks, self.words, self.word_idf))
        if self.grams:
            s += GRAM_WEIGHT * (self.grams_X @ self._vector(_grams(toks), self.grams, self.gram_idf))
        return np.asarray(s).ravel()

    def rank(self, text: str, limit: int = 10) -> list[tuple[str, float]]:
        """The ``limit`` cables most like ``text``: (ref_id, score), best first. Cables whose
        reference ID the text names come first (score 1 + their own)."""
        if not self.refs:
            return []
        s = self.scores(text)
        named = {r.upper() for r in ref_ids_in(text)}
        if named:
            for i, r in enumerate(self.refs):
                if r.upper() in named:
                    s[i] += 1.0
        limit = max(1, min(limit, len(self.refs)))
        top = np.argpartition(-s, limit - 1)[:limit]
        top = sorted(top, key=lambda i: (-s[i], self.refs[i]))
        return [(self.refs[i], round(float(s[i]), 4)) for i in top if s[i] > 0]


def _tfidf(counts: Any, max_df: float) -> tuple[Any, np.ndarray]:
    """Sublinear tf × smooth idf (``ln((1 + n) / (1 + df)) + 1``), rows L2-normalised; terms
    in more than ``max_df`` of the documents weigh nothing."""
    from sklearn.preprocessing import normalize

    n = counts.shape[0]
    if counts.shape[1] == 0:  # no term at all (no 4-gram space above GRAMS_UP_TO)
        return counts.astype(np.float32).tocsr(), np.zeros(0, dtype=np.float32)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    idf[df > max_df * n] = 0
    X = counts.astype(np.float32).tocsr()
    X.data = 1 + np.log(X.data)
    X = X.multiply(idf).tocsr()
    return normalize(X), idf


def fit(refs: list[str], texts: list[str]) -> LikeModel:
    """Fit the model on the cables' texts (``cable_text``). The 4-gram counts of a cable are
    its word counts times each word's 4-grams (one sparse product, not a pass over text)."""
    from scipy import sparse

    if not texts:
        return LikeModel([], {}, {}, np.zeros(0), np.zeros(0), None, None)
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, t in enumerate(texts):
        for w in words(t):
            rows.append(i)
            cols.append(vocab.setdefault(w, len(vocab)))
    C = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
    C.sum_duplicates()
    grams: dict[str, int] = {}
    gr: list[int] = []
    gc: list[int] = []
    for w, j in vocab.items() if len(texts) <= GRAMS_UP_TO else ():
        for g in _grams([w]):
            gr.append(j)
            gc.append(grams.setdefault(g, len(grams)))
    G = sparse.csr_matrix((np.ones(len(gr), dtype=np.float32), (gr, gc)), shape=(len(vocab), len(grams)))
    max_df = 0.5 if len(texts) > 20 else 1.0
    words_X, word_idf = _tfidf(C, max_df)
    grams_X, gram_idf = _tfidf((C @ G).tocsr(), max_df)
    return LikeModel(list(refs), vocab, grams, word_idf, gram_idf, words_X, grams_X)


def strip_cable_names(text: str, origins: list[str] = ()) -> str:  # type: ignore[assignment]
    """``text`` without what names a cable outright: links to cable pages, reference IDs
    and the ``ORIGIN 00NNN`` form (for measuring: the text must not give the answer)."""
    text = re.sub(r"\S*/cable/\S*", " ", text)
    text = _REF.sub(" ", text)
    text = re.sub(r"\b\d{2}[A-Z]{3,}\d+\b", " ", text)
    for o in sorted({o for o in origins if o}, key=len, reverse=True):
        text = re.sub(re.escape(o) + r"\s*0*\d{2,6}\b", " ", text, flags=re.I)
    return text
