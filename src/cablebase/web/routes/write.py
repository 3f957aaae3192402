"""Write actions over HTTP: add a feed, poll now. Editors only.

Who may call them is checked by ``web.auth`` (as for every route): ``Authorization: Bearer``
with an editor's or admin's token (``cablebase user add``), or the token set by
``CABLEBASE_WEB_TOKEN`` (``cablebase serve --token-file``), or a browser session with its CSRF
token. A public server with no user and no token answers 403: it is read-only.

The work runs in a thread with connections of its own (the reading connections are
read-only), one write at a time per worker process.
"""

from __future__ import annotations

import asyncio
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
               403: {"model": models.ErrorOut, "description": "Not an editor, or writes are off (no user, no token)"}}


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
