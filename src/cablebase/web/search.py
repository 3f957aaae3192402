"""Faceted search for the web: one page of hits, the total, and facet counts.

The query language is the index's (``SearchIndex.parse_query``); filters are
``SearchFilters``. On top of ``SearchIndex.search`` this adds what a results page needs:

- the number of matches and the facet counts (origin, year, classification, TAG) over
  *all* of them: the matching ref_ids come from a terms aggregation on the ``ref_id`` fast
  field (``_store.index_facets``), and their facet values from a table of every cable's
  (``Browse.facet_table``);
- sorting by creation date (newest or oldest first) as well as by relevance, with paging;
- caching of both per archive version (``WebArchive.results``).
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Any

from .. import BadQuery, Hit, SearchFilters, SearchPlan
from .archive import WebArchive

SORTS = ("relevance", "newest", "oldest")
FACETS = ("origin", "year", "classification", "tag")
FACET_LIMIT = 40
"""Values offered per facet on the page (the JSON form has them all)."""


@dataclass(slots=True)
class Matches:
    """Everything about a query that does not depend on the page: cached per version."""

    total: int
    facets: dict[str, list[tuple[Any, int]]]
    by_date: list[str] = field(default_factory=list)
    """Matching ref_ids, newest first (empty when the date order was not needed yet)."""


@dataclass(slots=True)
class SearchPage:
    query: str
    filters: SearchFilters
    sort: str
    page: int
    per_page: int
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "filters": {
                "origin": self.filters.origin, "classification": self.filters.classification,
                "year": self.filters.year, "tags": list(self.filters.tags),
            },
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [{"value": v, "count": n} for v, n in vals] for k, vals in self.facets.items()},
        }


def _filter_table(table: dict, f: SearchFilters) -> list[str]:
    """The ref_ids the filters allow, matched as the index does (case-insensitively)."""
    origin = f.origin.strip().lower() if f.origin else None
    cls = f.classification.strip().lower() if f.classification else None
    tags = {t.strip().lower() for t in f.tags}
    out = []
    for ref, row in table.items():
        if origin is not None and (row.origin or "").lower() != origin:
            continue
        if cls is not None and (row.classification or "").lower() != cls:
            continue
        if f.year is not None and row.year != f.year:
            continue
        if tags and not tags <= {t.lower() for t in row.tags}:
            continue
        out.append(ref)
    return out


def _count_facets(refs: list[str], table: dict, filters: SearchFilters) -> dict[str, list[tuple[Any, int]]]:
    rows = list(filter(None, map(table.get, refs)))  # C-level counting: ~3x a Python loop
    origin = Counter(map(attrgetter("origin"), rows))
    year = Counter(map(attrgetter("year"), rows))
    cls = Counter(map(attrgetter("classification"), rows))
    tags = Counter(chain.from_iterable(map(attrgetter("tags"), rows)))
    for c in (origin, year, cls):
        c.pop(None, None)
    return {
        "origin": origin.most_common(),
        "year": sorted(year.items(), reverse=True),
        "classification": cls.most_common(),
        "tag": tags.most_common(),
    }


def _version(arch: WebArchive, query: str) -> object:
    """What cached results of ``query`` depend on: the cables, and the notes when it asks ``note:``."""
    v = arch.version()[0]
    return (v, arch.archive.notes_version()) if "note" in query.lower() else v


def _matches(arch: WebArchive, query: str, filters: SearchFilters, plan: SearchPlan,
             need_dates: bool) -> Matches:
    key = ("m", _version(arch, query), query.strip(), filters)
    m: Matches | None = arch.results.get(key)
    if m is not None and (m.by_date or not need_dates or not m.total):
        return m
    table = arch.facet_table()
    if query.strip() in ("", "*"):
        refs = _filter_table(table, filters)  # no text query: the filters alone decide
    else:
        refs = arch.archive.matching_refs(plan)
    facets = _count_facets(refs, table, filters)
    by_date: list[str] = []
    if need_dates:
        def created(r: str) -> str:
            row = table.get(r)
            return (row.created or "") if row else ""
        by_date = sorted(refs, key=lambda r: (created(r), r), reverse=True)
    m = Matches(total=len(refs), facets=facets, by_date=by_date)
    arch.results.put(key, m)
    return m


_ENGINE_SORTS = {"relevance": "relevance", "newest": "created", "oldest": "created-asc"}
USE_ENGINE_FACETS = True
"""Use ``SearchIndex.search_results`` (totals, facets, date order from the index) when it exists."""


def search(arch: WebArchive, query: str, filters: SearchFilters, *, sort: str = "relevance", page: int = 1,
           per_page: int = 20) -> SearchPage:
    """One page of results with facet counts. Raises ``BadQuery`` for a query that does not parse.

    When the index answers totals and facets itself (``SearchIndex.search_results``), that
    is used; otherwise they are computed here (``_matches``)."""
    if sort not in SORTS:
        raise BadQuery(f"unknown sort {sort!r} (known: {', '.join(SORTS)})")
    page = max(1, page)
    archive = arch.archive
    if not query.strip() and sort == "relevance":
        sort = "newest"  # every cable scores the same: date order is the useful one
    offset = (page - 1) * per_page
    if USE_ENGINE_FACETS:
        key = ("sr", _version(arch, query), query.strip(), filters, sort, page, per_page)
        got: SearchPage | None = arch.results.get(key)
        if got is not None:
            return got
        res = archive.search_results(query, filters, limit=per_page, offset=offset, sort=_ENGINE_SORTS[sort],
                                     facets=True, facet_limit=200)
        if res is not None:
            facets = {k: list(res.facets.get(k, [])) for k in FACETS}
            got = SearchPage(query=query, filters=filters, sort=sort, page=page, per_page=per_page,
                             total=max(0, int(res.total)), hits=list(res.hits), facets=facets)
            arch.results.put(key, got)
            return got
    plan = archive.search_plan(query, filters)
    m = _matches(arch, query, filters, plan, need_dates=sort != "relevance")
    key = ("h", _version(arch, query), query.strip(), filters, sort, page, per_page)
    hits: list[Hit] | None = arch.results.get(key)
    if hits is None:
        if offset >= m.total:
            hits = []
        elif sort == "relevance":
            hits = archive.search(query, filters, limit=per_page, offset=offset)
        else:
            order = m.by_date if sort == "newest" else m.by_date[::-1]
            hits = archive.hits_for(plan, order[offset : offset + per_page])
        arch.results.put(key, hits)
    return SearchPage(query=query, filters=filters, sort=sort, page=page, per_page=per_page, total=m.total,
                      hits=hits, facets=m.facets)


def refs_matching(arch: WebArchive, query: str, filters: SearchFilters, *, sort: str = "newest") -> list[str]:
    """Every matching ref_id (for exports and feeds), newest first or by ref_id (``sort='ref_id'``)."""
    plan = arch.archive.search_plan(query, filters)
    if sort == "ref_id":
        return sorted(arch.archive.matching_refs(plan))
    m = _matches(arch, query, filters, plan, need_dates=True)
    return m.by_date if sort == "newest" else m.by_date[::-1]


__all__ = ["FACETS", "SORTS", "BadQuery", "SearchPage", "refs_matching", "search"]
