"""Articles searched beside cables: the press that quotes a cable is found by the same query
(``pseudoephedrine`` finds the seed's blog post as well as 07MEXICO983). A ``kind`` facet
(cables, articles) scopes a search; articles match on their title and text, every word.

The query language's fields (``tag:``, ``origin:`` …) and filters describe cables: a search
that uses them is a search of cables only."""

from __future__ import annotations

import re
from typing import Any

from .. import SearchFilters
from .archive import WebArchive
from .render import highlight, plain, safe_url
from .views import article_url

KINDS = ("all", "cable", "article")
_TOKEN = re.compile(r'"([^"]+)"|(\S+)')
_OPERATORS = {"AND", "OR", "NOT", "&&", "||"}
SNIPPET_CHARS = 240


def kind_param(value: str | None) -> str:
    return value if value in KINDS else "all"


def query_words(q: str) -> list[str] | None:
    """The words and phrases an article must hold for query ``q``; None when the query is one
    of cables only (a field, a negation, OR)."""
    out = []
    for m in _TOKEN.finditer(q):
        phrase, word = m.group(1), m.group(2)
        if phrase is not None:
            out.append(" ".join(phrase.split()))
            continue
        if word in _OPERATORS and word != "AND":
            return None
        if word == "AND" or word in ("+",):
            continue
        if word.startswith("-") or ":" in word or word.startswith("("):
            return None
        w = word.lstrip("+").strip("()")
        if w.endswith("*"):
            w = w[:-1]
        if w:
            out.append(w)
    return out or None


def _snippet(text: str, words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    flat = " ".join((text or "").split())
    low = flat.lower()
    first = min((i for i in (low.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        start = flat.find(" ", start) + 1 or start
    frag = flat[start:start + SNIPPET_CHARS]
    ranges = []
    lf = frag.lower()
    for w in words:
        for m in re.finditer(re.escape(w.lower()), lf):
            ranges.append((m.start(), m.end()))
    return ("…" if start else "") + frag, [(a + (1 if start else 0), b + (1 if start else 0)) for a, b in sorted(ranges)]


def article_results(arch: WebArchive, q: str, filters: SearchFilters, *, page: int = 1,
                    per_page: int = 20) -> dict[str, Any]:
    """``{"total", "hits": [{id, url, title, original_url, published, language, snippet,
    highlights}]}`` of the articles query ``q`` finds (none for a query of cables only)."""
    st = arch.browse.channels
    words = query_words(q) if filters == SearchFilters() else None
    if not words or not st.present:
        return {"total": 0, "hits": [], "searched": False}
    total, rows = st.search_articles(words, limit=per_page, offset=(max(1, page) - 1) * per_page)
    hits = []
    for r in rows:
        snip, ranges = _snippet(r.get("text") or "", words)
        hits.append({"id": r["id"], "url": article_url(r["id"]), "title": plain(r.get("title")) or "(untitled)",
                     "original_url": safe_url(r.get("url")), "published": r.get("published"),
                     "language": r.get("language"), "snippet": snip, "highlights": ranges})
    return {"total": total, "hits": hits, "searched": True}


def kinds_facet(cables: int, articles: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"value": "cable", "count": cables}, {"value": "article", "count": articles["total"]}]


def with_articles(out: dict[str, Any], arch: WebArchive, q: str, filters: SearchFilters, kind: str,
                  page: int, per_page: int) -> dict[str, Any]:
    """A search's JSON form with its articles and the ``kind`` facet; ``kind='article'``: no cables."""
    arts = article_results(arch, q, filters, page=page, per_page=per_page)
    out = {**out, "kind": kind, "articles": arts, "kinds": kinds_facet(out["total"], arts)}
    if kind == "article":
        out["hits"] = []
    if kind == "cable":
        out["articles"] = {"total": arts["total"], "hits": [], "searched": arts["searched"]}
    out["did_you_mean"] = None
    if q.strip() and not out["total"] and not arts["total"]:
        try:
            out["did_you_mean"] = arch.archive.did_you_mean(q)
        except Exception:  # noqa: BLE001 - a suggestion is a courtesy: a query it cannot read gets none
            pass
    return out


def page_segments(arts: dict[str, Any]) -> list[dict[str, Any]]:
    """The article hits for the HTML page, each with its snippet cut into highlighted segments."""
    return [{**h, "segments": highlight(h["snippet"], h["highlights"])} for h in arts["hits"]]
