"""The HTML pages, each with its JSON form at the same address plus ``.json``.

Pages work without JavaScript: links and GET forms only.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ... import BROWSE_KINDS, Archive, BadQuery, paragraph_anchors
from .. import diffview, entity_views, views
from ..article_search import kind_param, page_segments, with_articles
from ..glossary import abbreviate, explained, tag_meaning
from ..common import JSON, PageError, arch, int_param, not_found, page, split_suffix
from ..params import search_params
from ..render import highlight, mark_spans, qs, render, span_patterns
from ..search import FACET_LIMIT, SORTS, search
from .feeds import browse_feed, channel_feed
from . import visual as visual_panels

router = APIRouter(include_in_schema=False)

SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}
FACET_LABELS = (("origin", "Origin"), ("year", "Year"), ("classification", "Classification"), ("tag", "TAG"))


def _out(data: dict[str, Any], template: str, json: bool, **extra: Any) -> Response:
    if json:
        return JSON(data)
    return page(template, **data, **extra)


# -- home -----------------------------------------------------------------------------------------
@router.get("/")
@router.get("/index.json")
async def home(request: Request) -> Response:
    data = views.home(arch(request))
    return _out(data, "home.html", request.url.path.endswith(".json"))


# -- cables ---------------------------------------------------------------------------------------
_CABLEGATE_PATH = re.compile(r"^(?P<ref>[A-Za-z0-9-]+)\.html?$")


@router.get("/cable/{year}/{month}/{name}")
async def cablegate_address(year: str, month: str, name: str) -> Response:
    """``/cable/2007/02/07MEXICO983.html``, the address form of the cablegate site."""
    m = _CABLEGATE_PATH.match(name)
    if not m or not (year.isdigit() and month.isdigit()):
        raise not_found(f"{name[:80]} is not a cable address")
    return RedirectResponse(views.cable_url(m.group("ref")), status_code=301)


@router.get("/cable/{name}")
async def cable_page(request: Request, name: str) -> Response:
    ref, suffix = split_suffix(name, ".json", ".html")
    a = arch(request)
    key = ("cable-page", a.version(), a.archive.notes_version(), name)
    hit = a.results.get(key)
    if hit is not None:  # the same page for the same archive version: kept per worker
        return JSON.from_bytes(hit) if suffix == ".json" else HTMLResponse(hit)
    data = views.cable(a, ref)
    if data is None:
        many = a.browse.candidates(ref)  # a name several cables have: say so, never pick one
        raise not_found(f"{ref[:80]} is a name of {len(many)} cables: {', '.join(many[:10])}." if len(many) > 1 else
                        f"There is no cable {ref[:80]} in this archive.", suggestions=views.suggestions(a, ref),
                        search_query=ref[:80])
    if suffix == ".html":
        return RedirectResponse(data["url"], status_code=301)
    if data["ref_id"] != ref:  # other case: one address per cable
        return RedirectResponse(data["url"] + (suffix or ""), status_code=301)
    if suffix == ".json":
        resp: Response = JSON(data)
        a.results.put(key, resp.body)
        return resp
    notes = a.archive.notes_on(data["ref_id"])
    groups = _groups(data["record"], [n for n in notes if n["paragraph"]], explained(data["glossary"]))
    body = render("cable.html", **data, groups=groups, body=data["record"].get("body") or "",
                  cable_notes=[n for n in notes if not n["paragraph"]])
    a.results.put(key, body)
    return HTMLResponse(body)


def _groups(rec: dict[str, Any], notes: list[dict[str, Any]] = (),  # type: ignore[assignment]
            codes: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Paragraphs grouped under their section headings, with comment spans marked, the codes
    of ``codes`` (acronym → expansion) explained and the notes on each paragraph."""
    by_par: dict[str, list[dict[str, Any]]] = {}
    for n in notes:
        by_par.setdefault(n["paragraph"], []).append(n)
    groups: list[dict[str, Any]] = []
    comments = span_patterns(rec.get("comments") or [])
    anchors = paragraph_anchors([p.get("number") for p in rec.get("paragraphs") or []])  # the ids search hits link
    seen_anchor: set[str] = set()
    for i, p in enumerate(rec.get("paragraphs") or []):
        heading = p.get("heading")
        if not groups or groups[-1]["heading"] != heading:
            anchor = "sec-" + re.sub(r"[^a-z0-9]+", "-", (heading or "").lower()).strip("-")
            while anchor in seen_anchor:
                anchor += "-"
            seen_anchor.add(anchor)
            groups.append({"heading": heading, "anchor": anchor, "paragraphs": []})
        num = p.get("number")
        anchor = anchors[i]
        groups[-1]["paragraphs"].append({
            "number": num, "marking": p.get("marking"), "anchor": anchor,
            "segments": abbreviate(mark_spans(p.get("text") or "", comments), codes or {}),
            "notes": by_par.get(anchor, []),
        })
    return groups


@router.get("/cable/{ref}/diff")
@router.get("/cable/{ref}/diff.json")
async def cable_diff(request: Request, ref: str) -> Response:
    qp = request.query_params
    a = arch(request)
    sources = a.browse.sources(a.browse.resolve(ref) or ref)
    if not sources:
        raise not_found(f"There is no cable {ref[:80]} in this archive.", search_query=ref[:80])
    ids = [s["id"] for s in sources]
    sa = int_param(qp.get("a"), "a", default=ids[1] if len(ids) > 1 else ids[0])
    sb = int_param(qp.get("b"), "b", default=ids[0])
    data = diffview.diff(a, ref, sa, sb)  # type: ignore[arg-type]
    if data is None:
        raise not_found(f"{ref[:80]} has no source {sa} or {sb}: its versions are {', '.join(map(str, ids))}"
                        f" (compare two of them: {views.cable_url(ref)}/diff?a={ids[-1]}&b={ids[0]}).")
    return _out(data, "diff.html", request.url.path.endswith(".json"))


@router.get("/cable/{ref}/source/{source_id}/raw")
async def cable_raw(request: Request, ref: str, source_id: int) -> Response:
    """The raw bytes a version was parsed from, as text, never rendered by the browser."""
    a = arch(request)
    sha = a.browse.source_sha(a.browse.resolve(ref) or ref, source_id)
    raw = a.archive.raw(sha) if sha else None
    if raw is None:
        raise not_found(f"{ref[:80]} has no source {source_id}.")
    return Response(raw, media_type="text/plain; charset=utf-8",
                    headers={"Content-Security-Policy": "sandbox; default-src 'none'",
                             "Content-Disposition": f'inline; filename="{sha[:16]}.txt"'})


# -- browsing -------------------------------------------------------------------------------------
@router.get("/browse/{name}")
async def browse_index(request: Request, name: str) -> Response:
    kind, suffix = split_suffix(name, ".json")
    if kind not in BROWSE_KINDS:
        raise not_found(f"Cables cannot be browsed by {kind[:40]!r}.")
    data = views.browse_index(arch(request), kind)
    return _out(data, "browse_index.html", suffix == ".json", kinds=list(views.KIND_LABELS.items()))


async def _browse_list(request: Request, kind: str, raw_value: str) -> Response:
    value, suffix = split_suffix(raw_value, ".json", ".atom")
    a = arch(request)
    stored = views.resolve_value(a, kind, value)
    if stored is None:
        raise not_found(f"No cable has {views.KIND_LABELS[kind].lower()} {value[:80]!r}.", search_query=value[:80])
    if suffix == ".atom":

        return browse_feed(request, kind, stored)
    if views.browse_url(kind, stored) != views.browse_url(kind, value):
        return RedirectResponse(views.browse_url(kind, stored) + (suffix or "") + qs(dict(request.query_params)),
                                status_code=301)
    pg = int_param(request.query_params.get("page"), "page", default=1)
    data = views.browse_list(a, kind, stored, pg, a.web.per_page)  # type: ignore[arg-type]
    if data["page"] > data["pages"]:
        raise not_found(f"There is no page {pg} (the last is {data['pages']}).")
    return _out(data, "browse_list.html", suffix == ".json",
                **({} if suffix == ".json" else {"timeline": visual_panels.panel_facet(a, kind, stored)}))


@router.get("/browse/{kind}/{value}")
async def browse_dates(request: Request, kind: str, value: str) -> Response:
    if kind not in ("created", "released"):
        if kind in BROWSE_KINDS:
            return RedirectResponse(views.browse_url(kind, value), status_code=301)
        raise not_found(f"Cables cannot be browsed by {kind[:40]!r}.")
    return await _browse_list(request, kind, value)


@router.get("/origin/{value:path}")
async def origin_page(request: Request, value: str) -> Response:
    return await _browse_list(request, "origin", value)


@router.get("/tag/{value}")
async def tag_page(request: Request, value: str) -> Response:
    m = re.fullmatch(r"(?P<t>.+)_(?P<n>\d+)\.html", value)  # the cablegate site's /tag/PGOV_0.html
    if m:
        n = int(m.group("n"))
        return RedirectResponse(views.browse_url("tag", m.group("t")) + (f"?page={n + 1}" if n else ""), status_code=301)
    return await _browse_list(request, "tag", value)


@router.get("/classification/{value}")
async def classification_page(request: Request, value: str) -> Response:
    return await _browse_list(request, "classification", value)


@router.get("/date/{name}")
@router.get("/reldate/{name}")
async def cablegate_dates(request: Request, name: str) -> Response:
    """The cablegate site's ``/date/2007-02_0.html`` and ``/reldate/2010-11-28_0.html``."""
    m = re.fullmatch(r"(?P<d>\d{4}-\d{2}(-\d{2})?)_(?P<n>\d+)\.html", name)
    if not m:
        raise not_found(f"{name[:80]} is not a date page")
    kind = "released" if request.url.path.startswith("/reldate/") else "created"
    n = int(m.group("n"))
    return RedirectResponse(views.browse_url(kind, m.group("d")) + (f"?page={n + 1}" if n else ""), status_code=301)


# -- search ---------------------------------------------------------------------------------------
@router.get("/search")
@router.get("/search.json")
async def search_page(request: Request) -> Response:
    a = arch(request)
    json = request.url.path.endswith(".json")
    q, filters, sort, pg, params = search_params(request)
    per_page = a.web.search_per_page
    notes_v = a.archive.notes_version() if "note" in q.lower() else 0  # note: results follow the notes
    cache_key = ("search-page", a.version()[0], notes_v, request.url.query) if not json else None
    if cache_key is not None:
        cached = a.results.get(cache_key)
        if cached is not None:
            return HTMLResponse(cached)
    if json:
        per_page = int_param(request.query_params.get("per_page"), "per_page", default=per_page, hi=100)  # type: ignore[assignment]
    try:
        res = search(a, q, filters, sort=sort, page=pg, per_page=per_page)
    except BadQuery as e:
        if json:
            raise PageError(400, "Bad query", str(e)) from None
        return page("search.html", status=400, **_search_shell(q, params, sort), error=str(e), top_query=q)
    kind = kind_param(request.query_params.get("kind"))
    found = with_articles(res.to_dict(), a, q, filters, kind, pg, per_page)
    ents = entity_views.search_facet(a, q, filters, params)
    if json:
        if a.browse.entities is not None:  # an enriched archive: the entity facet too
            found["facets"]["entity"] = [{"value": e["name"], "type": e["type"], "count": e["documents"],
                                          "query": e["query"], "url": e["url"]} for e in ents]
        return JSON(found)
    ctx = _search_shell(q, params, sort)
    facets = {}
    for name, _label in FACET_LABELS:
        chosen = {"origin": {filters.origin}, "classification": {filters.classification},
                  "year": {filters.year}, "tag": set(filters.tags)}[name]
        # one query string per facet, the value appended: a page has up to 160 facet links
        prefix = "/search" + (qs(params, page=None) if name == "tag" else qs(params, **{name: None, "page": None}))
        sep = "&" if "?" in prefix else "?"
        items = []
        for v, n in res.facets.get(name, []):
            if v in chosen:
                continue
            items.append({"value": v, "count": n, "url": prefix + sep + urlencode({name: v}),
                          "meaning": tag_meaning(v) if name == "tag" else None})
            if len(items) >= FACET_LIMIT:
                break
        facets[name] = items
    active = []
    for name, label in FACET_LABELS:
        if name == "tag":
            for t in filters.tags:
                active.append({"label": label, "value": t,
                               "remove_url": "/search" + qs(params, tag=[x for x in filters.tags if x != t], page=None)})
        else:
            v = getattr(filters, name)
            if v is not None:
                active.append({"label": label, "value": v, "remove_url": "/search" + qs(params, **{name: None, "page": None})})
    hits = []
    for h in res.hits:
        anchor = getattr(h, "anchor", None)
        hits.append({"ref_id": h.ref_id, "url": views.cable_url(h.ref_id) + (f"#{anchor}" if anchor else ""),
                     "paragraph": getattr(h, "paragraph", None), "subject": h.subject, "created": h.created,
                     "origin": h.origin, "classification": h.classification,
                     "segments": highlight(h.snippet, h.highlights)})
    kinds = [{**k, "url": "/search" + qs({**params, "page": None, "kind": k["value"]}), "chosen": k["value"] == kind}
             for k in found["kinds"]]
    body = render("search.html", **ctx, total=res.total, page=res.page, pages=res.pages, per_page=res.per_page,
                  hits=hits if kind != "article" else [], facets=facets, active=active, top_query=q, kind=kind,
                  kinds=kinds, articles=found["articles"], article_hits=page_segments(found["articles"]),
                  all_kinds_url="/search" + qs({**params, "page": None, "kind": None}),
                  article_pages=max(1, -(-found["articles"]["total"] // per_page)),
                  did_you_mean=found["did_you_mean"],
                  did_you_mean_url="/search" + qs({**params, "q": found["did_you_mean"], "page": None})
                  if found["did_you_mean"] else None,
                  entity_facet=ents, timeline=visual_panels.panel_search(a, q, filters, params))
    if cache_key is not None:
        a.results.put(cache_key, body)
    return HTMLResponse(body)


def query_help() -> dict[str, Any] | None:
    """The query language's own summary and field list (``store.query``), when it has one."""
    doc, fields = Archive.query_language()
    m = re.search(r"In short::\n\n(.*?)(?:\n\n|$)", doc, re.S)
    lines = [l.strip() for l in m.group(1).splitlines() if l.strip()] if m else []
    examples = []
    for l in lines:  # example, then its meaning after the widest gap
        gaps = list(re.finditer(r"\s{2,}", l))
        if not gaps:
            examples.append((l, ""))
            continue
        g = max(gaps, key=lambda m: (len(m.group(0)), m.start()))
        examples.append((l[: g.start()], l[g.end():]))
    return {"examples": examples, "fields": fields} if examples else None


def _search_shell(q: str, params: dict[str, Any], sort: str) -> dict[str, Any]:
    no_page = {**params, "page": None}
    hidden = []
    for k in ("origin", "classification", "year"):
        if params.get(k) is not None:
            hidden.append((k, params[k]))
    for t in params.get("tag") or []:
        hidden.append(("tag", t))
    feed_params = {**no_page, "sort": None}
    export_qs = qs(feed_params) or "?"
    return {
        "query": q, "params": params, "sort": sort, "hidden": hidden,
        "sorts": [(s, SORT_LABELS[s]) for s in SORTS], "facet_names": FACET_LABELS,
        "feed_url": "/search.atom" + qs(feed_params), "json_url": "/search.json" + qs(params),
        "export_url": "/api/export" + export_qs,
        "query_help": query_help(),
    }


# -- channels and articles ------------------------------------------------------------------------
@router.get("/channels")
@router.get("/channels.json")
async def channels_page(request: Request) -> Response:
    data = {"channels": views.channels_list(arch(request))}
    return _out(data, "channels.html", request.url.path.endswith(".json"))


def _channel_or_404(request: Request, name: str) -> dict[str, Any]:
    ch = views.find_channel(arch(request), name)
    if ch is None:
        raise not_found(f"There is no channel {name[:80]!r}.")
    return ch


@router.get("/channel/{name}")
async def channel_page(request: Request, name: str) -> Response:
    base, suffix = split_suffix(name, ".json", ".atom")
    ch = _channel_or_404(request, base)
    if suffix == ".atom":

        return channel_feed(request, ch)
    a = arch(request)
    data = views.channel(a, ch, mode="latest", page=None, per_page=20)
    if suffix == ".json":
        return JSON(data)
    _total, every = a.browse.channels.channel_articles(ch["name"], all=True)
    return page("channel.html", **data, timeline=visual_panels.panel_channel(a, every, data["title"]))


@router.get("/channel/{name}/all")
@router.get("/channel/{name}/all.json")
async def channel_all(request: Request, name: str) -> Response:
    ch = _channel_or_404(request, name)
    pg = int_param(request.query_params.get("page"), "page", default=None)
    a = arch(request)
    data = views.channel(a, ch, mode="all", page=pg, per_page=20)
    if pg is not None and pg > data["pages"]:
        raise not_found(f"There is no page {pg} (the last is {data['pages']}).")
    return _out(data, "channel.html", request.url.path.endswith(".json"))


@router.get("/article/{name}")
async def article_page(request: Request, name: str) -> Response:
    base, suffix = split_suffix(name, ".json")
    if not base.isdigit():
        raise not_found(f"{base[:40]!r} is not an article number.")
    a = arch(request)
    data = views.article(a, int(base))
    if data is None:
        raise not_found(f"There is no article {base}.")
    if suffix == ".json":
        return JSON(data)
    related = visual_panels.panel_related(a, (a.browse.channels.get_article(int(base)) or {}).get("text") or "",
                                          [c["ref_id"] for c in data["cables"] if c["in_archive"]])
    return page("article.html", **data, notes=a.archive.notes_on(f"article:{int(base)}"), related=related)


