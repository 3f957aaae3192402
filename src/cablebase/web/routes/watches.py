"""Watches over HTTP: saved searches that call back (``pipeline.watches`` has the design).

- ``POST /api/watches`` ``{"query", "webhook"?}`` → 201 with the watch's id and its secret
  (shown this once: it keys the HMAC-SHA256 signature of every delivery);
- ``GET /api/watches``, ``GET /api/watches/ID`` (with its latest matches), ``DELETE
  /api/watches/ID``;
- ``GET /api/watches/ID/deliveries``: the delivery log (each POST and its attempts);
- ``GET /api/watches/ID/feed`` and ``/watch/ID.atom``: the watch's own Atom feed, newest first.

Who may call which is checked for every route in ``web.auth`` (editors write, readers read on
a private server). Only the answer to the POST holds the secret and the whole webhook URL: the other answers show
the webhook's scheme and host (its path is often a credential). Writes go one at a time on an
archive of their own (as the other write actions). Who made a
watch is the request's user where the server knows one (``request.state.user``), else
``local``. The webhook is checked with the feeds' network policy (``CABLEBASE_NET_ALLOW``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from ... import Archive, BadQuery, CablebaseError
from ..common import JSON, PageError, arch, not_found
from ..render import iso, strip_controls
from .feeds import EPOCH, _feed, _respond
from .write import AUTH_ERRORS, _json_body, _with_archive

router = APIRouter(tags=["watches"])


class WatchIn(BaseModel):
    query: str = Field(min_length=1, max_length=1000, description="A search in the query language.")
    webhook: Optional[str] = Field(default=None, max_length=4096,
                                   description="URL that each new match is POSTed to (signed).")


def _user(request: Request) -> str:
    user = getattr(request.state, "user", None)
    name = getattr(user, "name", None) or (user.get("name") if isinstance(user, dict) else None) \
        or (user if isinstance(user, str) else None)
    return str(name) if name else "local"


def redact(url: str | None) -> str | None:
    """A webhook URL as readers see it: scheme and host only (the path and query of a webhook are
    often its credential, as with chat services' incoming hooks)."""
    if not url:
        return url
    parts = urlsplit(url)
    rest = parts.path not in ("", "/") or parts.query
    return f"{parts.scheme}://{parts.netloc}/" + ("…" if rest else "")


def _public(w: dict[str, Any]) -> dict[str, Any]:
    return {**w, "webhook": redact(w["webhook"]), "feed": f"/watch/{w['id']}.atom"}


def _watch(request: Request, watch_id: int) -> dict[str, Any]:
    w = arch(request).archive.get_watch(watch_id)
    if w is None:
        raise not_found(f"There is no watch {watch_id}.")
    return w


@router.post("/api/watches", responses=AUTH_ERRORS, status_code=201,
             summary="Save a search that calls a webhook (and fills a feed) when a match arrives")
async def add_watch(request: Request) -> Response:
    body = await _json_body(request, WatchIn)
    user = _user(request)

    def work(archive: Archive):
        return archive.add_watch(body.query, body.webhook, created_by=user)

    try:
        w = await asyncio.to_thread(_with_archive, arch(request).settings, work)
    except BadQuery as e:
        raise PageError(400, "Bad query", str(e)) from None
    except CablebaseError as e:
        raise PageError(400, "Watch not added", str(e)) from None
    return JSON({**w.to_dict(), "feed": f"/watch/{w.id}.atom"}, status_code=201)


@router.get("/api/watches", summary="Every watch (without secrets)")
async def list_watches(request: Request) -> Response:
    return JSON([_public(w) for w in arch(request).archive.list_watches()])


@router.get("/api/watches/{watch_id}", summary="One watch and its latest matches")
async def get_watch(request: Request, watch_id: int) -> Response:
    w = _watch(request, watch_id)
    return JSON({**_public(w), "events": arch(request).archive.watch_events(watch_id, 50)})


@router.delete("/api/watches/{watch_id}", responses=AUTH_ERRORS, status_code=204,
               summary="Delete a watch with its matches and delivery log")
async def remove_watch(request: Request, watch_id: int) -> Response:
    removed = await asyncio.to_thread(_with_archive, arch(request).settings, lambda a: a.remove_watch(watch_id))
    if not removed:
        raise not_found(f"There is no watch {watch_id}.")
    return Response(status_code=204)


@router.get("/api/watches/{watch_id}/deliveries", summary="The watch's webhook deliveries and every attempt")
async def deliveries(request: Request, watch_id: int) -> Response:
    _watch(request, watch_id)
    return JSON([{**d, "url": redact(d["url"])} for d in arch(request).archive.watch_deliveries(watch_id, 100)])


@router.get("/api/watches/{watch_id}/feed", include_in_schema=False)
async def watch_feed_api(request: Request, watch_id: int) -> Response:
    return watch_feed(request, watch_id)


@router.get("/watch/{name}", include_in_schema=False)
async def watch_feed_page(request: Request, name: str) -> Response:
    wid = name[:-5] if name.endswith(".atom") else ""
    if not wid.isdigit():
        raise not_found("There is nothing at this address.")
    return watch_feed(request, int(wid))


def watch_feed(request: Request, watch_id: int) -> Response:
    """The watch's matches as Atom, newest first (one entry per match: a new cable, a new
    version of one, an article)."""
    a = arch(request)
    w = _watch(request, watch_id)
    fg = _feed(request, feed_id=f"urn:cablebase:watch:{watch_id}", title=f"Watch: {w['query']}",
               html_path="/search?q=" + quote(w["query"], safe=""), subtitle=f"New matches of {w['query']}, latest first")
    base = (a.web.base_url or str(request.base_url)).rstrip("/")
    latest = EPOCH
    labels = {"new": "New cable", "version": "New version", "article": "Article"}
    for e in reversed(a.archive.watch_events(watch_id, a.web.feed_entries)):
        updated = iso(e["created"]) or EPOCH
        latest = max(latest, updated)
        title = e["title"] or e["ref_id"] or "(untitled)"
        if e["ref_id"] and e["kind"] != "article":
            title = f"{e['ref_id']}: {title}" if e["title"] else e["ref_id"]
        entry = fg.add_entry()
        entry.id(f"urn:cablebase:watch:{watch_id}:{e['item']}")
        entry.title(strip_controls(f"{labels.get(e['kind'], e['kind'])} — {title}"))
        entry.link(href=base + e["path"], rel="alternate", type="text/html")
        entry.updated(updated)
        entry.category(term=e["kind"], label=e["kind"])
    if latest == EPOCH:
        latest = iso(w["created"]) or EPOCH
    return _respond(fg, latest)


__all__ = ["router"]
