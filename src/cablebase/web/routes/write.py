"""Write actions over HTTP: add a feed, poll now. Off unless a token is configured.

``Authorization: Bearer <token>`` must carry the token set by ``CABLEBASE_WEB_TOKEN`` (or
``cablebase serve --token-file``). Without a configured token every write answers 403: the
server is read-only. A bearer token is never sent by a browser on its own, so a page on
another site cannot make a visitor's browser do these (no CSRF).

The work runs in a thread with connections of its own (the reading connections are
read-only), one write at a time per worker process.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from typing import Callable, TypeVar

from fastapi import APIRouter, Request
from starlette.responses import Response

from ... import Archive, CablebaseError, Settings
from .. import models
from ..common import JSON, PageError, arch

router = APIRouter(prefix="/api", tags=["write (token required)"])

_write_lock = threading.Lock()

AUTH_ERRORS = {401: {"model": models.ErrorOut, "description": "Token missing or wrong"},
               403: {"model": models.ErrorOut, "description": "Write actions are off (no token configured)"}}


def require_token(request: Request) -> None:
    token = arch(request).web.token
    if not token:
        raise PageError(403, "Read-only", "Write actions are off on this server: no token is configured "
                        "(set CABLEBASE_WEB_TOKEN or use `cablebase serve --token-file`).")
    got = request.headers.get("authorization") or ""
    scheme, _, value = got.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise PageError(401, "Unauthorized", "A valid token is needed: Authorization: Bearer <token>.",
                        headers={"WWW-Authenticate": 'Bearer realm="cablebase"'})


T = TypeVar("T")


def _with_archive(settings: Settings, fn: Callable[[Archive], T]) -> T:
    """``fn`` on an ``Archive`` of its own (writes go one at a time: ``_write_lock``)."""
    with _write_lock:
        with Archive(settings, create=False) as archive:
            return fn(archive)


async def _json_body(request: Request, model):
    try:
        data = await request.json()
    except ValueError:
        raise PageError(400, "Bad request", "The body must be JSON.") from None
    try:
        return model.model_validate(data)
    except Exception as e:  # noqa: BLE001 - pydantic's ValidationError, reported as a plain 400
        raise PageError(400, "Bad request", " ".join(str(e).split())[:500]) from None


@router.post("/feeds", response_model=models.FeedAdded, responses=AUTH_ERRORS,
             summary="Subscribe to a feed (or a page that names one) in a channel")
async def add_feed(request: Request) -> Response:
    require_token(request)
    body = await _json_body(request, models.FeedIn)
    a = arch(request)

    def work(archive: Archive):
        return archive.add_feed(body.url, body.channel)

    try:
        sub = await asyncio.to_thread(_with_archive, a.settings, work)
    except CablebaseError as e:
        raise PageError(400, "Feed not added", str(e)) from None
    return JSON({"feed_id": sub.feed_id, "url": sub.url, "title": sub.title, "channel": sub.channel}, status_code=201)


@router.post("/poll", response_model=models.PollOut, responses=AUTH_ERRORS,
             summary="Poll the due feeds now (or the ones named, or all)")
async def poll_now(request: Request) -> Response:
    require_token(request)
    raw = await request.body()
    body = await _json_body(request, models.PollIn) if raw.strip() else models.PollIn()
    a = arch(request)

    def work(archive: Archive):
        return archive.poll(all_feeds=body.all, feed_ids=body.feed_ids)

    try:
        r = await asyncio.to_thread(_with_archive, a.settings, work)
    except CablebaseError as e:
        raise PageError(400, "Poll failed", str(e)) from None
    return JSON({
        "feeds": r.feeds, "ok": r.ok, "errors": r.errors, "new": r.new, "updated": r.updated, "links": r.links,
        "embedded": r.embedded, "failures": [{"url": x.url, "error": x.error} for x in r.results if x.error],
    })
