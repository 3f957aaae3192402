"""Timelines, diplomatic threads, who-with-whom networks and "cables like this text".

Pages and their JSON forms:

- ``GET /api/timeline?q=QUERY`` (and the search filters ``origin``, ``classification``,
  ``year``, ``tag``): ``{"total", "months": [{"month", "cables", "articles", "released"}]}``;
  the same chart is drawn on the search, origin, TAG, classification, entity and channel pages
  (``panel_*`` below give the templates their data and SVG);
- ``GET /cable/REF/thread`` (``.json``) and ``/api/cables/REF/thread`` (``?depth=``);
- ``GET /api/entities/ID/network`` (drawn on the entity page) and ``/api/entities/ID/timeline``;
- ``GET /like?text=…`` or ``?url=…`` (``/like.json``, ``/api/like``): the cables most like a
  text in any language (an address is fetched with the feeds' rules: ``sources.fetch``).
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ... import Archive, BadQuery, FetchError
from ...pipeline.like import fetch_text, fit_in_background
from ...pipeline.like import ready as like_ready
from .. import svg, visual
from ..archive import WebArchive
from ..common import JSON, PageError, arch, int_param, not_found, page
from ..params import search_params
from ..views import cable_url

router = APIRouter()

LIKE_MAX_CHARS = 20_000
"""A pasted text is cut here (the form sends it in the address); the CLI takes any length."""


# -- panels for the shared pages ------------------------------------------------------------------
def with_svg(data: dict[str, Any] | None, title: str, uid: str = "tl") -> dict[str, Any] | None:
    """A timeline's data plus its drawing, for ``_timeline.html``; None when it has no month."""
    if not data or not data["months"]:
        return None
    return {**data, "title": title,
            "svg": svg.timeline(data["months"], title=title, bursts=set(data["bursts"]),
                                link=lambda m: next((r.get("url") for r in data["months"] if r["month"] == m), None),
                                uid=uid)}


def panel_search(a: WebArchive, q: str, filters: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    try:
        data = visual.search_timeline(a, q, filters, params)
    except BadQuery:
        return None
    return with_svg(data, f"Timeline of {q or 'these cables'}" if q else "Timeline of these cables")


def panel_facet(a: WebArchive, kind: str, value: str) -> dict[str, Any] | None:
    return with_svg(visual.facet_timeline(a, kind, value), f"Timeline: {value}")


def panel_entity(a: WebArchive, eid: int, name: str) -> dict[str, Any]:
    """The entity page's timeline and network (``_entity_visual.html``)."""
    net = visual.network(a, eid)
    out: dict[str, Any] = {"timeline": with_svg(visual.entity_timeline(a, eid, name), f"Timeline: {name}"),
                           "network": net}
    if net and net["nodes"]:
        out["network_svg"] = svg.network(net, net["nodes"], net["edges"])
    return out


def panel_channel(a: WebArchive, articles: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    return with_svg(visual.channel_timeline(a, articles), f"Timeline: {title}")


def panel_related(a: WebArchive, text: str, linked: list[str], limit: int = 10) -> list[dict[str, Any]]:
    """The article page's "related cables": the cables most like its text."""
    if not text.strip():
        return []
    if not like_ready(a.archive):  # the first fit takes a while: not on this page's time
        fit_in_background(lambda: Archive(a.settings, create=False, lazy=True))
        return []
    try:
        got = a.archive.like(text, limit)
    except Exception:  # noqa: BLE001 - a courtesy panel: the article page shows without it
        return []
    have = set(linked)
    return [{**c, "url": cable_url(c["ref_id"]), "linked": c["ref_id"] in have} for c in got]


# -- timelines ------------------------------------------------------------------------------------
@router.get("/api/timeline", tags=["visual"], summary="Cables, releases and articles per month of a search")
async def api_timeline(request: Request) -> Response:
    """`{"total", "undated", "months": [{"month": "YYYY-MM", "cables", "articles", "released", "burst"}],
    "bursts", "burst_method"}`: the cables of the search by creation month (they add up to
    `total`, less `undated`), their releases by release month, and the articles citing them by
    publication month."""
    a = arch(request)
    q, filters, _sort, _pg, params = search_params(request)
    try:
        return JSON(visual.search_timeline(a, q, filters, params))
    except BadQuery as e:
        raise PageError(400, "Bad query", str(e)) from None


@router.get("/api/entities/{eid}/timeline", tags=["visual"], summary="An entity's documents per month")
async def api_entity_timeline(request: Request, eid: int) -> Response:
    a = arch(request)
    if a.browse.entities is None or visual.network(a, eid, 0) is None:
        raise not_found(f"There is no entity {eid}.")
    return JSON(visual.entity_timeline(a, eid))


# -- threads --------------------------------------------------------------------------------------
def _thread(request: Request, ref: str) -> dict[str, Any]:
    depth = int_param(request.query_params.get("depth"), "depth", default=visual.THREAD_DEPTH,
                      hi=visual.THREAD_MAX_DEPTH)
    data = visual.thread(arch(request), ref, depth)  # type: ignore[arg-type]
    if data is None:
        raise not_found(f"There is no cable {ref[:80]} in this archive.", search_query=ref[:80])
    return data


@router.get("/api/cables/{ref}/thread", tags=["visual"], summary="The diplomatic thread of a cable")
async def api_thread(request: Request, ref: str) -> Response:
    """`{"ref_id", "cables": [{ref_id, created, classification, origin, subject, in_archive}],
    "edges": [{"from", "to", "letter"}], "articles"}`: the cables citing and cited by this one,
    transitively (`depth`, default 3), and the articles citing any of them."""
    return JSON(_thread(request, ref))


@router.get("/cable/{ref}/thread", include_in_schema=False)
@router.get("/cable/{ref}/thread.json", include_in_schema=False)
async def thread_page(request: Request, ref: str) -> Response:
    data = _thread(request, ref)
    if data["ref_id"] != ref:
        suffix = ".json" if request.url.path.endswith(".json") else ""
        return RedirectResponse(f"{data['url']}/thread{suffix}" + (f"?{request.url.query}" if request.url.query else ""),
                                status_code=301)
    if request.url.path.endswith(".json"):
        return JSON(data)
    drawing = svg.thread(data["cables"], data["edges"], focus=data["ref_id"])
    return page("thread.html", **data, svg=drawing, legend=svg.CLASS_KEYS)


# -- networks -------------------------------------------------------------------------------------
@router.get("/api/entities/{eid}/network", tags=["visual"], summary="Who with whom: an entity's co-mentions")
async def api_network(request: Request, eid: int) -> Response:
    """`{"id", "name", "type", "nodes": [{id, name, type, weight, url}], "edges": [{source, target,
    weight}]}`: the entities mentioned in the same paragraphs as this one (weight: paragraphs
    shared), and the links between them."""
    size = int_param(request.query_params.get("size"), "size", default=visual.NETWORK_SIZE, hi=60)
    data = visual.network(arch(request), eid, size)  # type: ignore[arg-type]
    if data is None:
        raise not_found(f"There is no entity {eid} (or the archive has not been enriched: `cablebase enrich`).")
    return JSON(data)


# -- cables like this text ------------------------------------------------------------------------
async def _like(request: Request) -> dict[str, Any]:
    qp = request.query_params
    text = (qp.get("text") or "")[:LIKE_MAX_CHARS]
    url = (qp.get("url") or "").strip()
    limit = int_param(qp.get("limit"), "limit", default=10, hi=50)
    a = arch(request)
    error = None
    if url and not text.strip():
        try:
            text = (await fetch_text(url, a.settings.poll))[:LIKE_MAX_CHARS * 5]
        except FetchError as e:
            error = f"{url[:200]} could not be read: {e.reason}"
    cables = []
    if text.strip() and error is None:
        cables = await anyio.to_thread.run_sync(lambda: a.archive.like(text, limit or 10))
        for c in cables:
            c["url"] = cable_url(c["ref_id"])
    return {"text": text if not url else None, "url": url or None, "limit": limit, "error": error,
            "chars": len(text), "cables": cables}


@router.get("/api/like", tags=["visual"], summary="Cables like a text, in any language")
async def api_like(request: Request) -> Response:
    """`?text=` (or `?url=` of an article page, fetched with the feeds' address rules) →
    `{"cables": [{ref_id, score, subject, created, origin, classification, url}]}`."""
    data = await _like(request)
    if data["error"]:
        raise PageError(422, "Could not read the page", data["error"])
    return JSON(data)


@router.get("/like", include_in_schema=False)
@router.get("/like.json", include_in_schema=False)
async def like_page(request: Request) -> Response:
    data = await _like(request)
    if request.url.path.endswith(".json"):
        if data["error"]:
            raise PageError(422, "Could not read the page", data["error"])
        return JSON(data)
    return page("like.html", **data, max_chars=LIKE_MAX_CHARS, status=422 if data["error"] else 200)


__all__ = ["router", "panel_channel", "panel_entity", "panel_facet", "panel_related", "panel_search"]
