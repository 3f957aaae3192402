"""The search parameters of a request (``q``, origin, classification, year, tags, sort, page),
checked, for the search page and its feed alike."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from .. import SearchFilters
from .common import PageError, int_param
from .search import SORTS


def search_params(request: Request) -> tuple[str, SearchFilters, str, int, dict[str, Any]]:
    qp = request.query_params
    q = (qp.get("q") or "").strip()
    if len(q) > 1000:
        raise PageError(400, "Query too long", "A query may have at most 1,000 characters.")
    year = int_param(qp.get("year"), "year", lo=1900, hi=2100)
    tags = tuple(dict.fromkeys(t.strip().upper() for t in qp.getlist("tag") if t.strip()))[:10]
    filters = SearchFilters(origin=(qp.get("origin") or "").strip() or None,
                            classification=(qp.get("classification") or "").strip() or None,
                            year=year, tags=tags)
    sort = qp.get("sort") or "relevance"
    if sort not in SORTS:
        raise PageError(400, "Bad request", f"sort must be one of {', '.join(SORTS)}")
    pg = int_param(qp.get("page"), "page", default=1, hi=10_000)
    params: dict[str, Any] = {"q": q or None, "origin": filters.origin, "classification": filters.classification,
                              "year": year, "tag": list(tags) or None,
                              "sort": sort if sort != "relevance" else None,
                              "kind": qp.get("kind") if qp.get("kind") in ("cable", "article") else None}
    return q, filters, sort, pg, params  # type: ignore[return-value]
