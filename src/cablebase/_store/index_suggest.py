""""Did you mean": for the words of a query that no cable holds, the closest word the cables
do hold (edit distance 1, or 2 for words of 6 letters or more), found with tantivy's fuzzy
term query and read back from the bodies of the documents it matches."""

from __future__ import annotations

import re
from collections import Counter

from tantivy import Query

from .index import SearchIndex
from .index_schema import ANALYZER, SCHEMA

_PLAIN = re.compile(r"[^\W\d_]{4,40}")
_DOCS = 10


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions counted as one, capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def closest_word(index: SearchIndex, word: str) -> str | None:
    """The indexed body word closest to ``word`` when no document holds ``word`` itself; None
    when one does or none is close."""
    toks = ANALYZER.analyze(word)
    if len(toks) != 1 or not _PLAIN.fullmatch(toks[0]):
        return None
    w = toks[0]
    s = index._searcher()
    if s.search(Query.term_query(SCHEMA, "body", w), limit=1, count=True).count:
        return None
    limit = 2 if len(w) >= 6 else 1
    res = s.search(Query.fuzzy_term_query(SCHEMA, "body", w, distance=limit, transposition_cost_one=True),
                   limit=_DOCS, count=False)
    seen: Counter[str] = Counter()
    dist: dict[str, int] = {}
    for _score, addr in res.hits:
        body = (s.doc(addr).to_dict().get("body") or [""])[0]
        for t in ANALYZER.analyze(str(body)):
            if t != w and abs(len(t) - len(w)) <= limit:
                d = dist[t] if t in dist else dist.setdefault(t, _distance(w, t, limit))
                if d <= limit:
                    seen[t] += 1
    return min(seen, key=lambda t: (dist[t], -seen[t], t)) if seen else None  # nearest, then most frequent


_WORD = re.compile(r"(?<![\w:*])([^\W\d_]{4,40})(?![\w:*])")


def suggest_query(index: SearchIndex, query: str) -> str | None:
    """``query`` with each word no cable holds replaced by the closest word they hold; None when
    nothing is to be replaced (field names, operators and prefixes are left alone)."""
    changed = False

    def fix(m: re.Match[str]) -> str:
        nonlocal changed
        w = m.group(1)
        if w in ("AND", "OR", "NOT"):
            return w
        c = closest_word(index, w)
        if c is None:
            return w
        changed = True
        return c

    out = _WORD.sub(fix, query[:1000])
    return out if changed else None
