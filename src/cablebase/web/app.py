"""The web archive: ``create_app(settings)`` gives the FastAPI application.

Pages (server-rendered HTML that works without JavaScript), their JSON forms (``.json`` or
``/api/…``, documented at ``/docs`` from the OpenAPI document), Atom feeds and streaming
exports over the archive in ``settings.db_dir``, plus the team server's notes, logins and
audit log. Who may do what is decided for every route in one place, ``web.auth``: on a
private server (``WebSettings.private``) every page needs a user's token or a session; on a
public one reading is open and writing needs an editor (or the token of ``WebSettings``).

Every response carries a Content-Security-Policy that allows scripts, styles and fonts from
this site only (no inline script, no plugin), images from anywhere over http(s) (articles'
pictures), and no framing. Errors are plain pages (JSON on JSON URLs) without a traceback.

``app_from_env()`` builds the app from the environment (``CABLEBASE_DB`` …): the factory
``cablebase serve`` gives uvicorn, so that each worker process builds its own.
"""

from __future__ import annotations

import gc
import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from .. import WebSettings, __version__
from .. import CablebaseError, Settings
from .archive import WebArchive
from .auth import AccessControl
from .common import PageError, error_response

log = logging.getLogger("cablebase.web")

STATIC = Path(__file__).parent / "static"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

DESCRIPTION = """Diplomatic cables and the journalism that reports on them: a searchable, cross-linked archive.

JSON over the archive. Writes (notes, add a feed, poll now) need `Authorization: Bearer <token>` of an
editor (`cablebase user add NAME --role editor`); the audit log and users need an admin. On a private
server (`cablebase serve --private`) reading needs a reader's token too (or a session from `/login`):
401 without a valid token, 403 for a role that may not."""


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every response (set only if absent, so a
    route may tighten its own CSP, as the raw-bytes view does)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope.get("method") == "HEAD"
        if head:  # answer HEAD as GET without the body (feed readers and link checkers use it)
            scope = dict(scope, method="GET")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in have)
                message["headers"] = headers
            elif head and message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, web: WebSettings | None = None) -> FastAPI:
    """The application over the archive in ``settings.db_dir`` (StoreError if there is none)."""
    web = (web or settings.web).check()
    archive = WebArchive(settings, web)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            archive.warm()  # open on the serving thread, fail early on a broken archive, fill the caches
            gc.freeze()  # what was loaded so far lives as long as the worker: keep it out of GC passes
            yield
        finally:
            archive.close()

    app = FastAPI(
        title="cablebase", version=__version__, description=DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.archive = archive

    from .routes import api, desk, docs, entities, feeds, notes, pages, visual, watches, write

    app.include_router(api.router)
    app.include_router(write.router)
    app.include_router(watches.router)
    app.include_router(notes.router)
    app.include_router(desk.router)
    app.include_router(feeds.router)
    app.include_router(docs.router)
    app.include_router(entities.router)
    app.include_router(visual.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return Response("ok\n", media_type="text/plain")

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        heading = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        msg = "There is nothing at this address." if exc.status_code == 404 else str(exc.detail)
        return error_response(request, PageError(exc.status_code, heading, msg, headers=getattr(exc, "headers", None)))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{where}: {err.get('msg')}")
        return error_response(request, PageError(400, "Bad request", "; ".join(parts) or "bad request"))

    @app.exception_handler(CablebaseError)
    async def archive_error(request: Request, exc: CablebaseError) -> Response:
        log.warning("archive error on %s: %s", request.url.path, exc)
        return error_response(request, PageError(503, "Archive unavailable", str(exc)))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("error on %s", request.url.path)
        resp = error_response(request, PageError(500, "Something went wrong",
                                                 "The server could not show this page. The error was logged."))
        for k, v in SECURITY_HEADERS:  # this handler runs outside the middleware stack
            resp.headers[k.decode()] = v.decode()
        return resp

    app.add_middleware(AccessControl)  # inside SecurityHeaders: its refusals carry the headers too
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> Any:
    """The app for ``uvicorn --factory cablebase.web.app:app_from_env`` (archive from ``CABLEBASE_DB``)."""
    return create_app(Settings.load(os.environ.get("CABLEBASE_DB") or None))
