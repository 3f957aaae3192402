"""Write actions over HTTP: add a channel or a feed, poll now, ingest an uploaded file. Editors only.

Who may call them is checked by ``web.auth`` (as for every route): ``Authorization: Bearer``
with an editor's or admin's token (``cablebase user add``), or the token set by
``CABLEBASE_WEB_TOKEN`` (``cablebase serve --token-file``), or a browser session with its CSRF
token. A public server with no user and no token answers 403: it is read-only.

The work runs in a thread with connections of its own (the reading connections are
read-only), one write at a time per worker process.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import threading
from pathlib import Path
from typing import Callable, TypeVar

from fastapi import APIRouter, Request
from starlette.responses import Response

from ... import Archive, CablebaseError, Outcome, Settings
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


@router.post("/channels", response_model=models.ChannelAdded, responses=AUTH_ERRORS, status_code=201,
             summary="Create a channel (feeds are added to it with POST /api/feeds)")
async def add_channel(request: Request) -> Response:
    body = await _json_body(request, models.ChannelIn)
    name = " ".join(body.name.split())
    if not name:
        raise PageError(400, "Bad request", "A channel needs a name.")
    a = arch(request)

    def work(archive: Archive):
        return archive.channels.add_channel(name, body.title)

    try:
        channel_id = await asyncio.to_thread(_with_archive, a.settings, work)
    except CablebaseError as e:
        raise PageError(400, "Channel not added", str(e)) from None
    return JSON({"channel_id": channel_id, "name": name}, status_code=201)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def upload_name(name: str | None) -> str:
    """The uploaded file's name as given, reduced to a safe base name (its extension kept:
    it tells the input form, as on disk); never a path."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE_NAME.sub("_", base).strip("._")[:120]
    return base or "upload.txt"


@router.post("/ingest", response_model=models.IngestOut, responses={
                 **AUTH_ERRORS, 413: {"model": models.ErrorOut, "description": "The file is larger than the archive takes"}},
             summary="Ingest one uploaded file (a cable page, telegram, CSV, JSON, PDF, archive …): "
                     "the request body is the file's bytes; ?name=FILE names it")
async def ingest_upload(request: Request, name: str | None = None, format: str | None = None) -> Response:
    a = arch(request)
    limit = a.settings.max_input_bytes
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise PageError(413, "Too large", f"The file is larger than {limit:,} bytes, the most one input may be.")
    if not data:
        raise PageError(400, "Bad request", "The body is empty: send the file's bytes (e.g. curl --data-binary @FILE).")
    fname = upload_name(name)

    def work(archive: Archive):
        with tempfile.TemporaryDirectory(prefix="cablebase-upload-") as tmp:
            path = Path(tmp) / fname
            path.write_bytes(bytes(data))
            report = archive.ingest([path], fmt=format, workers=0)
            failures = [{"input": fname, "error": f.reason.replace(tmp + "/", "")} for f in report.failures]
        return report, failures

    try:
        report, failures = await asyncio.to_thread(_with_archive, a.settings, work)
    except CablebaseError as e:
        raise PageError(400, "Not ingested", str(e)) from None
    return JSON({
        "name": fname, "cables": report.cables,
        "new": report.cables_by(Outcome.NEW), "updated": report.cables_by(Outcome.UPDATED),
        "versions": report.cables_by(Outcome.VERSION), "unchanged": report.cables_by(Outcome.UNCHANGED),
        "failures": failures,
    }, status_code=201 if report.cables else 422)
