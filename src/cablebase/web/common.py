"""Helpers shared by the route modules: responses, errors, the archive of a request."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.responses import HTMLResponse, Response

from .archive import WebArchive
from .render import render
from ..errors import PageError

JSON_SUFFIX = ".json"
ATOM_SUFFIX = ".atom"


class JSON(Response):
    """JSON via orjson (dataclasses, non-str keys and all)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, _Raw):
            return content.data
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)

    @classmethod
    def from_bytes(cls, data: bytes, status_code: int = 200) -> "JSON":
        """A response of JSON already serialised (from a cache)."""
        return cls(_Raw(data), status_code=status_code)


class _Raw:
    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data


def not_found(what: str, **kw: Any) -> PageError:
    return PageError(404, "Not found", what, **kw)


def arch(request: Request) -> WebArchive:
    return request.app.state.archive


def split_suffix(name: str, *suffixes: str) -> tuple[str, str | None]:
    """``('07MEXICO983', '.json')`` from ``07MEXICO983.json``."""
    for s in suffixes:
        if name.endswith(s) and len(name) > len(s):
            return name[: -len(s)], s
    return name, None


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith(JSON_SUFFIX) or path == "/openapi.json"


def page(template: str, /, status: int = 200, headers: dict[str, str] | None = None, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(render(template, **ctx), status_code=status, headers=headers)


def error_response(request: Request, e: PageError) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"error": e.heading, "status": e.status, "detail": e.message}
        if e.suggestions:
            body["suggestions"] = e.suggestions
        return JSON(body, status_code=e.status, headers=e.headers)
    return page("error.html", status=e.status, headers=e.headers, code=e.status, heading=e.heading,
                message=e.message, suggestions=e.suggestions, search_query=e.search_query)


def int_param(value: str | None, name: str, *, default: int | None = None, lo: int = 1, hi: int = 10**9) -> int | None:
    if value is None or value == "":
        return default
    try:
        v = int(value)
    except ValueError:
        raise PageError(400, "Bad request", f"{name} must be a whole number, not {value[:40]!r}") from None
    if not lo <= v <= hi:
        raise PageError(400, "Bad request", f"{name} must be between {lo} and {hi}")
    return v
