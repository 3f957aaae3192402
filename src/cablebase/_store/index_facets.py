"""What the web's results pages ask of the index when they count and sort matches themselves
(``cablebase.web.search``, when the index's own ``search_results`` is not used):

- ``full_query``: the query string and the filters as the engine's queries (the text part
  alone, and the text with the filters);
- ``matching_refs``: the ref_id of every match, by a terms aggregation on the ``ref_id`` fast
  field (a sorted search above ``AGG_MAX`` matches, or where the aggregation fails);
- ``hits_for``: the hits, with snippets, of given ref_ids in that order (a page in date order);
- ``refs_among``: which of given ref_ids a query matches (the watches' delivery pass).

The engine's queries (``EngineQuery``) are opaque outside ``_store``: callers pass them back.
"""

from __future__ import annotations

from typing import Any

from tantivy import Occur, Query, SnippetGenerator

from .base import Hit, SearchFilters
from .index import SearchIndex
from .index_schema import SCHEMA
from .index_snippets import _FLAT, SNIPPET_CHARS, char_offsets

AGG_MAX = 60_000
"""Above this many matches the ref_ids are collected by a sorted search, not an aggregation."""

EngineQuery = Query
"""A compiled query, as ``full_query`` gives it and the others take it."""


def full_query(index: SearchIndex, query: str, filters: SearchFilters) -> tuple[EngineQuery, EngineQuery]:
    """(the text query, the text query with the filters) of a query string (``BadQuery`` when
    malformed)."""
    text_q = index.parse_query(query)
    fq = index.filter_queries(filters)
    q = Query.boolean_query([(Occur.Must, text_q)] + [(Occur.Must, f) for f in fq]) if fq else text_q
    return text_q, q


def matching_refs(index: SearchIndex, q: EngineQuery) -> list[str]:
    """The ref_id of every document matching ``q`` (unordered)."""
    ix = index.index
    ix.reload()
    s = ix.searcher()
    n = s.num_docs
    if not n:
        return []
    count = s.search(q, limit=1, count=True).count
    if not count:
        return []
    if count <= AGG_MAX:
        try:
            agg = s.aggregate(q, {"r": {"terms": {"field": "ref_id", "size": count + 10}}})
            return [b["key"] for b in agg["r"]["buckets"]]
        except (ValueError, KeyError, TypeError):
            pass  # fall through to the slower, unlimited path
    res = s.search(q, limit=count, count=False, order_by_field="ref_id")
    return [k for k, _ in res.hits]


def hits_for(index: SearchIndex, text_q: EngineQuery, refs: list[str]) -> list[Hit]:
    """Hits (with snippets) for the given ref_ids, in that order."""
    if not refs:
        return []
    ix = index.index
    ix.reload()
    s = ix.searcher()
    q = Query.boolean_query([
        (Occur.Should, text_q),
        (Occur.Must, Query.term_set_query(SCHEMA, "ref_id", refs)),
    ])
    res = s.search(q, limit=len(refs), count=False)
    gen = SnippetGenerator.create(s, text_q, SCHEMA, "body")
    gen.set_max_num_chars(SNIPPET_CHARS)
    by_ref: dict[str, Hit] = {}
    for score, addr in res.hits:
        doc = s.doc(addr)
        d = doc.to_dict()
        ref = str((d.get("ref_id") or [""])[0])
        snip = gen.snippet_from_doc(doc)
        frag = snip.fragment()
        highlights = char_offsets(frag, ((h.start, h.end) for h in snip.highlighted()))
        frag = frag.translate(_FLAT)
        if not frag:
            body = str((d.get("body") or [""])[0])
            frag = " ".join(body[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]
            highlights = ()

        def first(k: str) -> Any:
            v = d.get(k)
            return v[0] if v else None

        by_ref[ref] = Hit(ref_id=ref, subject=first("subject"), created=first("created"), origin=first("origin"),
                          classification=first("classification"), score=float(score), snippet=frag,
                          highlights=highlights)
    return [by_ref[r] for r in refs if r in by_ref]


def refs_among(index: SearchIndex, query: str, refs: list[str]) -> set[str]:
    """The ref_ids among ``refs`` whose indexed (current) record matches ``query`` (``BadQuery``
    when malformed): the query restricted to those documents, on the latest index commit."""
    refs = list(dict.fromkeys(r for r in refs if r))
    if not refs:
        return set()
    q = Query.boolean_query([(Occur.Must, index.parse_query(query)),
                             (Occur.Must, Query.term_set_query(SCHEMA, "ref_id", refs))])
    ix = index.index
    ix.reload()
    s = ix.searcher()
    res = s.search(q, limit=len(refs), count=False)
    out = set()
    for _score, addr in res.hits:
        got = s.doc(addr).to_dict().get("ref_id") or []
        if got:
            out.add(str(got[0]))
    return out


__all__ = ["AGG_MAX", "EngineQuery", "full_query", "hits_for", "matching_refs", "refs_among"]
