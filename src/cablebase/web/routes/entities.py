"""Entity pages: ``/entities`` (by type, with counts; ``?type=people&name=luna``), one entity by
name or number (``/entity/genaro-garcia-luna``, ``/entity/Garcia%20Luna``, ``/entity/16076``;
``.json`` and ``.atom`` twins), and the editors' "report a wrong attribution" action, whose
reports admins read at ``/admin/entity-reports`` (``.json``).

Reading is open as every page is (a reader's token on a private server); reporting is a write,
so it needs an editor (``web.auth``), and its form carries the session's CSRF token.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Optional
from urllib.parse import parse_qs, quote

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from .. import entity_views, views
from ..auth import principal
from ..common import JSON, PageError, arch, int_param, not_found, page, split_suffix
from . import visual as visual_panels
from .feeds import entity_feed

router = APIRouter(include_in_schema=False)


def _type(value: str | None) -> str | None:
    try:
        return entity_views.entity_type(value)
    except ValueError as e:
        raise PageError(400, "Bad request", str(e)) from None


@router.get("/entities")
@router.get("/entities.json")
async def entities_page(request: Request, type: Annotated[Optional[str], Query(max_length=40)] = None,  # noqa: A002
                        name: Annotated[Optional[str], Query(max_length=200)] = None) -> Response:
    pg = int_param(request.query_params.get("page"), "page", default=1) or 1
    data = entity_views.listing(arch(request), _type(type), pg, name)
    if request.url.path.endswith(".json"):
        return JSON(data)
    return page("entities.html", **data)


@router.get("/entity/{name}")
async def entity_page(request: Request, name: str) -> Response:
    base, suffix = split_suffix(name, ".json", ".atom")
    a = arch(request)
    if a.browse.entities is None:
        raise not_found("There are no entities yet: run `cablebase enrich` to find the people, organizations and places.")
    eid, others = entity_views.find(a, base)
    if eid is None:
        raise not_found(f"There is no entity {base[:80]!r}. See /entities?name={quote(base[:80])} for names like it.")
    if suffix == ".atom":
        data = views.entity(a, eid)
        if data is None:
            raise not_found(f"There is no entity {base[:80]!r}.")
        return entity_feed(request, data)
    pg = int_param(request.query_params.get("page"), "page", default=1) or 1
    data = entity_views.page(a, eid, pg, others)
    if data is None:
        raise not_found(f"There is no entity {base[:80]!r}.")
    if pg > data["pages"]:
        raise not_found(f"There is no page {pg} (the last is {data['pages']}).")
    if suffix == ".json":
        return JSON(data)
    return page("entity.html", **data, viewer=principal(request), reported=request.query_params.get("reported"),
                visual=visual_panels.panel_entity(a, eid, data["name"]))


# -- reports of wrong attributions ----------------------------------------------------------------
async def _form(request: Request) -> dict[str, str]:
    body = (await request.body())[:1 << 16]
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def _int(v: Any) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        raise PageError(400, "Bad request", f"{str(v)[:40]!r} is not a number") from None


async def _report(request: Request, eid: int, fields: dict[str, Any]) -> dict[str, Any]:
    a = arch(request)
    doc = str(fields.get("doc") or "").strip()
    if not doc:
        raise PageError(400, "Bad request", "say which document: doc (a cable's reference ID or article:ID)")
    note = str(fields.get("note") or "")[:2000]
    who = principal(request)
    reporter = who["name"] if who else "local"
    paragraph, start, end = _int(fields.get("paragraph")), _int(fields.get("start")), _int(fields.get("end"))

    def write() -> int | None:  # on a worker thread: its own archive connection
        es = a.archive.entities
        if es.entity(eid) is None:
            return None
        return es.report(eid, doc, reporter=reporter, paragraph=paragraph, start=start, end=end, note=note)

    rid = await asyncio.to_thread(write)
    if rid is None:
        raise not_found(f"There is no entity {eid}.")
    return {"id": rid, "entity_id": eid, "doc": doc, "reporter": reporter}


@router.post("/entity/{eid}/reports")
async def report_form(request: Request, eid: int) -> Response:
    """The entity page's "wrong attribution?" form (an editor's)."""
    got = await _report(request, eid, await _form(request))
    return RedirectResponse(f"/entity/{eid}?reported={got['id']}", status_code=303)


@router.post("/api/entities/{eid}/reports", include_in_schema=True, tags=["entities"],
             summary="Report that a mention is wrongly attributed to this entity (editors)")
async def report_api(request: Request, eid: int) -> Response:
    try:
        body = orjson.loads((await request.body())[:1 << 16] or b"{}")
    except orjson.JSONDecodeError:
        raise PageError(400, "Bad request", 'send JSON: {"doc", "paragraph", "start", "end", "note"}') from None
    if not isinstance(body, dict):
        raise PageError(400, "Bad request", 'send a JSON object: {"doc", "paragraph", "start", "end", "note"}')
    return JSON(await _report(request, eid, body), status_code=201)


@router.get("/admin/entity-reports")
@router.get("/admin/entity-reports.json")
async def reports_page(request: Request) -> Response:
    """Every report, latest first (admins: ``/admin…`` is theirs in ``web.auth``)."""
    a = arch(request)
    rows = await asyncio.to_thread(lambda: a.archive.entities.reports())
    for r in rows:
        r["entity_url"] = f"/entity/{r['entity_id']}"
        r["doc_url"] = (f"/article/{r['doc'].split(':', 1)[1]}" if r["doc"].startswith("article:") else f"/cable/{r['doc']}")
    if request.url.path.endswith(".json"):
        return JSON({"reports": rows})
    return page("entity_reports.html", reports=rows)


__all__ = ["router"]
