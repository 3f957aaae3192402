"""The tantivy search index: derived from the records, rebuildable at any time (``reindex``).

One document per cable (its current record): the fields, their analysis and the schema
version are in ``store.index_schema``, a cable's document in ``store.index_documents``.
``store.index_writer`` opens the directory and writes; ``SearchIndex`` here searches: a page
of hits (``store.index_snippets`` makes their snippets), the number of matches and the facet
counts.

Queries are compiled by ``store.query`` (never by tantivy's own query parser).

The directory carries ``cablebase-index.json`` with the schema version: an index built by
an older cablebase is rebuilt by the next write (``SQLiteStore`` reindexes it from the
records) and refused by searches with a message saying to run ``cablebase reindex``.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Order, Query

from ..config import INDEX_HEAP_BYTES, INDEX_THREADS
from ..errors import BadQuery
from ..model import FACETS, Hit, SORTS, SORT_ALIASES, SearchFilters, SearchResults
from .index_documents import facet_hash, paragraph_offsets, to_document
from .index_schema import ANALYZER, INDEX_SCHEMA_VERSION, SCHEMA, SHARDS, VERSION_FILE
from ..errors import IndexOutdated
from .index_snippets import SNIPPET_CHARS, build_hits
from .index_writer import WritableIndex
from .query_compile import Compiled, Compiler, EntityLookup, NoteLookup

FACET_SEGMENT_SIZE = 20_000
"""Buckets each segment keeps per facet before merging: above the distinct values of origin,
classification, year and TAG of the whole release, so counts are exact."""
TAG_EXACT_MAX = 4000
"""Result sets up to this size get exact TAG counts; larger ones count TAGs over a sample of
about this many matches (every match has ~5 TAGs: counting them costs ~80 ns each) and
scale up. The total and the other facets are always exact."""


def normalize_sort(sort: str | None) -> str:
    s = (sort or "relevance").strip().lower()
    s = SORT_ALIASES.get(s, s)
    if s not in SORTS:
        raise BadQuery(f"unknown sort {sort!r} (known: {', '.join(SORTS)}, newest, oldest)")
    return s


TIE_MARGIN = 8
"""Hits fetched beyond a page so that ties at its end are broken by ref_id, not by segment."""
_SORT_FIELDS = {"created": ("created_n", Order.Desc), "created-asc": ("created_n", Order.Asc),
                "released": ("released_n", Order.Desc), "released-asc": ("released_n", Order.Asc)}


class SearchIndex(WritableIndex):
    """A tantivy index in a directory. Writes go through one lazily opened writer.

    ``entity_lookup`` and ``note_lookup`` (set by the store) resolve ``entity:`` and ``note:`` in queries."""

    def __init__(self, path: Path, *, heap_size: int = INDEX_HEAP_BYTES, threads: int = INDEX_THREADS):
        super().__init__(path, heap_size=heap_size, threads=threads)
        self.entity_lookup: EntityLookup | None = None
        self.note_lookup: NoteLookup | None = None
        self._names: dict[str, dict[int, str]] = {}

    # -- reading -------------------------------------------------------------------------
    def _searcher(self) -> tantivy.Searcher:
        """A searcher on the latest commit (reloaded only when ``meta.json`` changed)."""
        ix = self.index
        try:
            st = os.stat(self.path / "meta.json")
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        if key is None or key != self._seen_meta:
            ix.reload()
            self._seen_meta = key
        return ix.searcher()

    @property
    def num_docs(self) -> int:
        return self._searcher().num_docs

    def ref_ids(self) -> list[str]:
        """The ref_id of every live document (a ref_id listed twice means a duplicate)."""
        s = self._searcher()
        n = s.num_docs
        if not n:
            return []
        res = s.search(Query.all_query(), limit=n, count=False, order_by_field="ref_id")
        return [key for key, _ in res.hits]

    def compile(self, query: str) -> Compiled:
        """The query compiled (``BadQuery`` when malformed); ``compile("")`` matches everything."""
        return Compiler(SCHEMA, ANALYZER.analyze, self.entity_lookup, self.note_lookup).compile(query)

    def parse_query(self, query: str) -> Query:
        """The tantivy query for a query string (``store.query``'s language)."""
        return self.compile(query).query  # type: ignore[return-value]

    def filter_queries(self, filters: SearchFilters) -> list[Query]:
        out = []
        if filters.origin:
            out.append(Query.term_query(SCHEMA, "origin", filters.origin.strip().lower()))
        if filters.classification:
            out.append(Query.term_query(SCHEMA, "classification", filters.classification.strip().lower()))
        for t in filters.tags:
            out.append(Query.term_query(SCHEMA, "tags", t.strip().lower()))
        if filters.year is not None:
            out.append(Query.term_query(SCHEMA, "year", int(filters.year)))
        return out

    def full_query(self, compiled: Compiled, filters: SearchFilters | None) -> Query:
        fq = self.filter_queries(filters or SearchFilters())
        q: Query = compiled.query  # type: ignore[assignment]
        if not fq:
            return q
        return Query.boolean_query([(Occur.Must, q)] + [(Occur.Must, Query.const_score_query(f, 0.0)) for f in fq])

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0,
               sort: str = "relevance") -> list[Hit]:
        return self.search_results(query, filters, limit=limit, offset=offset, sort=sort, facets=False,
                                   count=False).hits

    def search_results(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
                       offset: int = 0, sort: str = "relevance", facets: bool = True, facet_limit: int = 100,
                       count: bool = True) -> SearchResults:
        """A page of hits, the number of matches and (``facets``) the facet counts over all
        of them: origin, year, classification, tag (``facet_limit`` values each)."""
        t0 = time.perf_counter()
        sort = normalize_sort(sort)
        compiled = self.compile(query)
        q = self.full_query(compiled, filters)
        s = self._searcher()
        limit, offset = max(0, int(limit)), max(0, int(offset))
        if not s.num_docs:
            return SearchResults(query, 0, [], {k: [] for k in FACETS} if facets else {}, sort, offset, limit,
                                 (time.perf_counter() - t0) * 1000)
        if limit:
            if sort == "relevance":
                found = s.search(q, limit=limit + TIE_MARGIN, offset=offset, count=False).hits
                scored = self._ties_by_ref(s, [(float(score), addr) for score, addr in found])[:limit]
                if not compiled.text and scored and self._unranked(s, q, scored, offset):
                    # No words to rank by (filters alone: every hit scores the same): newest
                    # first, so the order is the cables', not the index's segment layout.
                    found = s.search(q, limit=limit, offset=offset, count=False, order_by_field="created_n",
                                     order=Order.Desc).hits
                    scored = [(scored[0][0], addr) for _, addr in found]
            else:
                fieldname, order = _SORT_FIELDS[sort]
                found = s.search(q, limit=limit, offset=offset, count=False, order_by_field=fieldname, order=order).hits
                scored = [(0.0, addr) for _, addr in found]
        else:
            scored = []
        total = -1
        fac: dict[str, list[tuple[Any, int]]] = {}
        approximate: tuple[str, ...] = ()
        if facets or count:
            total, fac, approximate = self._aggregate(s, q, facets, facet_limit)
        hits = build_hits(s, compiled, scored)
        return SearchResults(query, total, hits, fac, sort, offset, limit, (time.perf_counter() - t0) * 1000,
                             approximate)

    @staticmethod
    def _ties_by_ref(s: tantivy.Searcher, scored: list[tuple[float, Any]]) -> list[tuple[float, Any]]:
        """Hits of equal score in ref_id order (tantivy returns them in the order of its segments,
        which depends on when merges ran: the same data would rank differently from one build
        of the index to the next, or from the embedded archive to the team server's)."""
        if len({sc for sc, _ in scored}) == len(scored):
            return scored
        return sorted(scored, key=lambda h: (-h[0], s.doc(h[1]).get_first("ref_id") or ""))

    @staticmethod
    def _unranked(s: tantivy.Searcher, q: Query, scored: list[tuple[float, Any]], offset: int) -> bool:
        """Every match of ``q`` scores the same (the page's scores are all the best one's)."""
        scores = {sc for sc, _ in scored}
        if len(scores) > 1:
            return False
        best = scored[0][0] if offset == 0 else float(s.search(q, limit=1, count=False).hits[0][0])
        return scores == {best}

    def _aggregate(self, s: tantivy.Searcher, q: Query, facets: bool, facet_limit: int
                   ) -> tuple[int, dict[str, list[tuple[Any, int]]], tuple[str, ...]]:
        """(total, facets, facets estimated from a sample)."""
        size = max(1, int(facet_limit))
        seg = max(FACET_SEGMENT_SIZE, size)
        agg: dict[str, Any] = {"n": {"value_count": {"field": "kind"}}}
        if facets:
            agg["origin"] = {"terms": {"field": "origin_h", "size": size, "segment_size": seg}}
            agg["classification"] = {"terms": {"field": "class_h", "size": size, "segment_size": seg}}
            agg["year"] = {"terms": {"field": "year", "size": 1000, "segment_size": seg}}
        res = s.aggregate(q, agg)
        total = int(res["n"]["value"] or 0)
        if not facets:
            return total, {}, ()
        approximate: tuple[str, ...] = ()
        tag_q, scale = q, 1.0
        if total > TAG_EXACT_MAX:
            k = max(1, math.ceil(SHARDS * TAG_EXACT_MAX / total))
            if k < SHARDS:
                sample = Query.range_query(SCHEMA, "shard", tantivy.FieldType.Integer, 0, k - 1)
                tag_q = Query.boolean_query([(Occur.Must, q), (Occur.Must, sample)])
                scale = SHARDS / k
                approximate = ("tag",)
        tags = s.aggregate(tag_q, {"tag": {"terms": {"field": "tags_h", "size": size, "segment_size": seg}}})
        out: dict[str, list[tuple[Any, int]]] = {}
        for k_ in FACETS:
            src = tags if k_ == "tag" else res
            buckets = [(b["key"], int(b["doc_count"])) for b in src.get(k_, {}).get("buckets", [])]
            if k_ == "year":
                out[k_] = sorted(((int(y), n) for y, n in buckets), reverse=True)
                continue
            names = self._facet_names(s, k_, [int(h) for h, _ in buckets])
            vals = [(names[int(h)], n) for h, n in buckets if int(h) in names]
            if k_ == "tag" and scale != 1.0:
                vals = [(v, min(total, round(n * scale))) for v, n in vals]
            out[k_] = vals
        return total, out, approximate

    _FACET_FIELDS = {"origin": "origin_f", "classification": "class_f", "tag": "tags_f"}

    def _facet_names(self, s: tantivy.Searcher, facet: str, hashes: list[int]) -> dict[int, str]:
        """hash → value for a facet, from the values in the index (cached; re-read when a
        hash is new, i.e. after commits)."""
        cache = self._names.setdefault(facet, {})
        if any(h not in cache for h in hashes):
            for value, _n in s.terms_with_prefix(self._FACET_FIELDS[facet], ""):
                cache[facet_hash(value)] = value
        return cache


__all__ = [
    "ANALYZER",
    "BadQuery",
    "INDEX_SCHEMA_VERSION",
    "IndexOutdated",
    "SCHEMA",
    "SNIPPET_CHARS",
    "SearchIndex",
    "VERSION_FILE",
    "paragraph_offsets",
    "to_document",
]
