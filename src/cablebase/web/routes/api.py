"""The JSON API under ``/api`` (documented in the OpenAPI at ``/docs``), and ``/api/export``."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response, StreamingResponse

from ... import BROWSE_KINDS, BadQuery, SearchFilters
from .. import export as export_mod
from .. import diffview, models, views
from ..article_search import with_articles
from ..common import JSON, PageError, arch, not_found
from ..search import search

router = APIRouter(prefix="/api", tags=["archive"])

ERRORS = {404: {"model": models.ErrorOut, "description": "Not found"},
          400: {"model": models.ErrorOut, "description": "Bad request"}}

Q = Annotated[str, Query(max_length=1000, description="Full-text query (see the search page's help); empty: every cable")]
Origin = Annotated[Optional[str], Query(description="Only cables from this origin, e.g. 'Embassy Madrid'")]
Classification = Annotated[Optional[str], Query(description="Only cables with this classification, e.g. SECRET//NOFORN")]
Year = Annotated[Optional[int], Query(ge=1900, le=2100, description="Only cables created in this year")]
Tags = Annotated[list[str], Query(description="Only cables with every one of these TAGs (repeat the parameter)")]


def _filters(origin: str | None, classification: str | None, year: int | None, tag: list[str]) -> SearchFilters:
    tags = tuple(dict.fromkeys(t.strip().upper() for t in tag if t.strip()))[:10]
    return SearchFilters(origin=(origin or "").strip() or None, classification=(classification or "").strip() or None,
                         year=year, tags=tags)


@router.get("/home", response_model=models.HomeOut, summary="Counts, latest cables and articles, channels")
async def api_home(request: Request) -> Response:
    return JSON(views.home(arch(request)))


@router.get("/stats", summary="Counts of cables, sources, articles, channels")
async def api_stats(request: Request) -> Response:
    return JSON(views.counts(arch(request)))


@router.get("/cables/{ref_id}", response_model=models.CableOut, responses=ERRORS,
            summary="One cable: record, REF links, cited by, articles, sources")
async def api_cable(request: Request, ref_id: Annotated[str, Path(description="Reference ID, e.g. 07MEXICO983")]) -> Response:
    a = arch(request)
    data = views.cable(a, ref_id)
    if data is None:
        raise not_found(f"There is no cable {ref_id[:80]} in this archive.", suggestions=views.suggestions(a, ref_id))
    return JSON(data)


@router.get("/cables/{ref_id}/diff", response_model=models.DiffOut, responses=ERRORS,
            summary="Two versions of a cable compared word by word, block by block")
async def api_diff(request: Request, ref_id: str, a: Annotated[int, Query(description="Source id (left)")],
                   b: Annotated[int, Query(description="Source id (right)")]) -> Response:
    data = diffview.diff(arch(request), ref_id, a, b)
    if data is None:
        raise not_found(f"{ref_id[:80]} has no source {a} or {b}.")
    return JSON(data)


@router.get("/search", response_model=models.SearchOut, responses=ERRORS,
            summary="Full-text search with facet counts over all matches")
async def api_search(request: Request, q: Q = "", origin: Origin = None, classification: Classification = None,
                     year: Year = None, tag: Tags = [],  # noqa: B006 - FastAPI reads the default, never mutates it
                     sort: Literal["relevance", "newest", "oldest"] = "relevance",
                     page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                     per_page: Annotated[int, Query(ge=1, le=100)] = 20,
                     kind: Annotated[Literal["all", "cable", "article"], Query(
                         description="What to search: cables and articles (all), or one kind")] = "all") -> Response:
    filters = _filters(origin, classification, year, tag)
    try:
        res = search(arch(request), q, filters, sort=sort, page=page, per_page=per_page)
    except BadQuery as e:
        raise PageError(400, "Bad query", str(e)) from None
    return JSON(with_articles(res.to_dict(), arch(request), q, filters, kind, page, per_page))


@router.get("/browse/{kind}", response_model=models.BrowseIndexOut, responses=ERRORS,
            summary="Every value of a browse kind with its count")
async def api_browse_index(request: Request, kind: Literal["created", "released", "origin", "tag", "classification"]) -> Response:
    return JSON(views.browse_index(arch(request), kind))


@router.get("/browse/{kind}/{value:path}", response_model=models.BrowseListOut, responses=ERRORS,
            summary="One page of the cables with a creation month (YYYY-MM), release day, origin, TAG or classification")
async def api_browse_list(request: Request, kind: Literal["created", "released", "origin", "tag", "classification"],
                          value: str, page: Annotated[int, Query(ge=1)] = 1) -> Response:
    a = arch(request)
    assert kind in BROWSE_KINDS
    stored = views.resolve_value(a, kind, value)
    if stored is None:
        raise not_found(f"No cable has {kind} {value[:80]!r}.")
    return JSON(views.browse_list(a, kind, stored, page, a.web.per_page))


@router.get("/channels", response_model=models.ChannelsOut, summary="Every channel")
async def api_channels(request: Request) -> Response:
    return JSON({"channels": views.channels_list(arch(request))})


@router.get("/channels/{name}", response_model=models.ChannelOut, responses=ERRORS,
            summary="A channel's articles: the latest, or one page of all (page 1 = the oldest)")
async def api_channel(request: Request, name: str, mode: Literal["latest", "all"] = "latest",
                      page: Annotated[Optional[int], Query(ge=1)] = None) -> Response:
    a = arch(request)
    ch = views.find_channel(a, name)
    if ch is None:
        raise not_found(f"There is no channel {name[:80]!r}.")
    return JSON(views.channel(a, ch, mode=mode, page=page, per_page=20))


@router.get("/articles/{article_id}", response_model=models.ArticleOut, responses=ERRORS,
            summary="One article: source, author, original link, sanitised content, linked cables")
async def api_article(request: Request, article_id: int) -> Response:
    data = views.article(arch(request), article_id)
    if data is None:
        raise not_found(f"There is no article {article_id}.")
    return JSON(data)


@router.get("/export", responses={**ERRORS, 200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
                                                  "description": "The matching cables, streamed"}},
            summary="Export the cables a search matches (all by default) as JSON Lines or CSV, streamed; "
                    "format=ftm: their people, organisations and places as FollowTheMoney entities (Aleph)")
async def api_export(request: Request, format: Literal["jsonl", "csv", "ftm"] = "jsonl", q: Q = "",  # noqa: A002
                     origin: Origin = None, classification: Classification = None, year: Year = None,
                     tag: Tags = [],  # noqa: B006
                     sort: Literal["ref_id", "newest", "oldest"] = "ref_id") -> Response:
    a = arch(request)
    try:
        refs = export_mod.plan(a, q, _filters(origin, classification, year, tag), sort)
    except BadQuery as e:
        raise PageError(400, "Bad query", str(e)) from None
    if format == "ftm":  # FollowTheMoney entities (pipeline.ftm), for Aleph / OpenAleph
        from ...pipeline.ftm import stream as ftm_stream  # followthemoney (~1 s to import): loaded where used

        return StreamingResponse(ftm_stream(a.archive, refs, base_url=a.settings.web.base_url),
                                 media_type="application/x-ndjson; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="cablebase-entities.ftm.json"'})
    name = f"cablebase-export.{'jsonl' if format == 'jsonl' else 'csv'}"
    return StreamingResponse(export_mod.stream(a.archive, refs, format, query=q,
                                               filters=_filters(origin, classification, year, tag),
                                               base_url=a.settings.web.base_url),
                             media_type=export_mod.MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/entities", summary="People, organizations and places by number of documents (after `cablebase enrich`)")
async def api_entities(request: Request, type: Optional[str] = None,  # noqa: A002
                       page: Annotated[int, Query(ge=1)] = 1) -> Response:
    return JSON(views.entities_list(arch(request), type, page))


@router.get("/entities/{entity_id}", responses=ERRORS,
            summary="One entity: spellings, documents, timeline, co-mentioned entities")
async def api_entity(request: Request, entity_id: int) -> Response:
    data = views.entity(arch(request), entity_id)
    if data is None:
        raise not_found(f"There is no entity {entity_id}.")
    return JSON(data)
