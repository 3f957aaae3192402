"""Notes: the JSON API (``/api/notes``) and the browser's forms (``/notes/new``, ``/notes/ID/edit``).

A note is on a cable (``REF``), a paragraph of one (``REF#par10``) or an article (its id). Its
author is whoever sent it (a user's name; ``local`` for the server's own token); only the
author may edit it, and every version is kept (``/api/notes/ID/history``). Notes are shown
on the cable page beside the cable or the paragraph, their text sanitised like articles', and
searchable with ``note:`` in the query language. ``GET /api/notes`` without a target exports
every note (``format=json``, ``jsonl`` or ``csv``).

Access (editors write, readers read) is checked in ``web.auth`` for every route; forms are
CSRF-checked there too. Each write is in the audit log (``Archive.add_note``/``edit_note``).
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Annotated, Any, Literal, Optional
from urllib.parse import parse_qs, quote

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from ... import DeskError
from .. import desk_models, models
from ..auth import client_address, principal
from ..common import JSON, PageError, arch, page
from .write import _json_body

router = APIRouter(tags=["notes"])

ERRORS = {400: {"model": models.ErrorOut, "description": "Bad request (no text, text too long)"},
          401: {"model": models.ErrorOut, "description": "No token, or a bad one"},
          403: {"model": models.ErrorOut, "description": "Not an editor, or not the note's author"},
          404: {"model": models.ErrorOut, "description": "No such cable, paragraph, article or note"}}
_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409, "invalid": 400}
CSV_FIELDS = ("id", "target", "ref_id", "paragraph", "article_id", "author", "version", "created", "updated", "text")


def _author(request: Request) -> str:
    who = principal(request)
    return who["name"] if who else "local"


def _fail(e: DeskError) -> PageError:
    status = _STATUS.get(e.kind, 400)
    return PageError(status, {404: "Not found", 403: "Forbidden"}.get(status, "Bad request"), str(e))


async def _run(request: Request, fn: Any) -> Any:
    """``fn(archive)`` on a worker thread's archive; a ``DeskError`` becomes its HTTP status."""
    a = arch(request)
    try:
        return await asyncio.to_thread(lambda: fn(a.archive))
    except DeskError as e:
        raise _fail(e) from None


def note_url(note: dict[str, Any]) -> str:
    """Where a note is shown: its cable (at the paragraph) or its article."""
    if note.get("article_id") is not None:
        return f"/article/{note['article_id']}"
    return f"/cable/{quote(note['ref_id'], safe='')}" + (f"#{note['paragraph']}" if note.get("paragraph") else "")


# -- the JSON API -------------------------------------------------------------------------------------
@router.post("/api/notes", status_code=201, response_model=desk_models.NoteOut, responses=ERRORS,
             summary="Add a note to a cable, a paragraph (REF#parN) or an article (editors)")
async def api_add_note(request: Request) -> Response:
    body = await _json_body(request, desk_models.NoteIn)
    request.state.audited = True
    who, where = _author(request), client_address(request.scope)
    note = await _run(request, lambda ar: ar.add_note(body.target, body.text, author=who, address=where))
    return JSON(note, status_code=201, headers={"Location": f"/api/notes/{note['id']}"})


@router.get("/api/notes", response_model=desk_models.NotesOut, responses={**ERRORS, 200: {
    "content": {"application/json": {}, "application/x-ndjson": {}, "text/csv": {}}, "description": "The notes"}},
    summary="The notes on a cable (and its paragraphs), a paragraph or an article; without target, every note")
async def api_notes(request: Request, target: Annotated[Optional[str], Query(max_length=300)] = None,
                    format: Literal["json", "jsonl", "csv"] = "json") -> Response:  # noqa: A002
    if target:
        notes = await _run(request, lambda ar: ar.notes_on(target))
    else:
        notes = await _run(request, lambda ar: list(ar.notes()))
    if format == "jsonl":
        return Response(b"".join(orjson.dumps(n) + b"\n" for n in notes), media_type="application/x-ndjson",
                        headers={"Content-Disposition": 'attachment; filename="cablebase-notes.jsonl"'})
    if format == "csv":
        return Response(notes_csv(notes), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="cablebase-notes.csv"'})
    return JSON({"target": target, "notes": notes})


def notes_csv(notes: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    w.writeheader()
    for n in notes:
        w.writerow(n)
    return out.getvalue()


@router.get("/api/notes/{note_id}", response_model=desk_models.NoteOut, responses=ERRORS, summary="One note")
async def api_note(request: Request, note_id: int) -> Response:
    note = await _run(request, lambda ar: ar.note(note_id))
    if note is None:
        raise PageError(404, "Not found", f"There is no note {note_id}.")
    return JSON(note)


@router.put("/api/notes/{note_id}", response_model=desk_models.NoteOut, responses=ERRORS,
            summary="Change a note's text (its author only; the old text stays in its history)")
@router.patch("/api/notes/{note_id}", response_model=desk_models.NoteOut, responses=ERRORS,
              summary="Change a note's text (its author only; the old text stays in its history)")
async def api_edit_note(request: Request, note_id: int) -> Response:
    body = await _json_body(request, desk_models.NoteEdit)
    request.state.audited = True
    who, where = _author(request), client_address(request.scope)
    return JSON(await _run(request, lambda ar: ar.edit_note(note_id, body.text, author=who, address=where)))


@router.get("/api/notes/{note_id}/history", response_model=desk_models.NoteHistoryOut, responses=ERRORS,
            summary="Every version of a note's text, oldest first")
async def api_note_history(request: Request, note_id: int) -> Response:
    return JSON({"id": note_id, "versions": await _run(request, lambda ar: ar.note_history(note_id))})


# -- the browser's forms ------------------------------------------------------------------------------
async def _form(request: Request) -> dict[str, str]:
    body = (await request.body())[:1 << 20]
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


@router.get("/notes/new", include_in_schema=False)
async def new_note_page(request: Request, target: Annotated[str, Query(max_length=300)]) -> Response:
    t = await _run(request, lambda ar: ar.note_target(target))
    return page("note_form.html", target=t["target"], note=None, viewer=principal(request), error=None,
                back=note_url(t), headers={"Cache-Control": "no-store"})


@router.post("/notes", include_in_schema=False)
async def add_note_form(request: Request) -> Response:
    form = await _form(request)
    request.state.audited = True
    who, where = _author(request), client_address(request.scope)
    try:
        note = await _run(request, lambda ar: ar.add_note(form.get("target", ""), form.get("text", ""),
                                                          author=who, address=where))
    except PageError as e:
        if e.status != 400:
            raise
        return page("note_form.html", status=400, target=form.get("target", ""), note=None, error=e.message,
                    viewer=principal(request), back="/")
    return RedirectResponse(note_url(note), status_code=303)


@router.get("/notes/{note_id}/edit", include_in_schema=False)
async def edit_note_page(request: Request, note_id: int) -> Response:
    note = await _run(request, lambda ar: ar.note(note_id))
    if note is None:
        raise PageError(404, "Not found", f"There is no note {note_id}.")
    history = await _run(request, lambda ar: ar.note_history(note_id))
    return page("note_form.html", target=note["target"], note=note, history=history, viewer=principal(request),
                error=None, back=note_url(note), headers={"Cache-Control": "no-store"})


@router.post("/notes/{note_id}/edit", include_in_schema=False)
async def edit_note_form(request: Request, note_id: int) -> Response:
    form = await _form(request)
    request.state.audited = True
    who, where = _author(request), client_address(request.scope)
    note = await _run(request, lambda ar: ar.edit_note(note_id, form.get("text", ""), author=who, address=where))
    return RedirectResponse(note_url(note), status_code=303)
