"""Who may do what: the one access check every request goes through (``AccessControl``).

Routes carry no checks of their own. ``required_role(method, path)`` decides from the method
and the path alone, so a route added later is guarded like the others:

- always open: ``/login``, ``/logout``, ``/static/…``, ``/healthz``, ``/favicon.ico``;
- ``/admin…``, ``/api/audit…``, ``/api/users…``: admin;
- any other GET or HEAD: reader — on a private server (``WebSettings.private``, ``cablebase
  serve --private``); on a public one anyone may read, as before;
- any other method (POST, PUT, PATCH, DELETE …): editor.

Who is asking: ``Authorization: Bearer <token>`` (a user's token, or the server's own
``CABLEBASE_WEB_TOKEN``, which acts as the admin ``local``), else the ``cb_session`` cookie of
a browser that logged in at ``/login``. A bad bearer token is 401 even where reading is
open; no credentials where they are needed is 401 (the login form, for a browser); a role
below the one needed is 403. A public server with neither users nor a token is read-only:
its writes answer 403, as they always did.

A request authenticated by its cookie that changes anything must prove it comes from one of
our pages (CSRF): the ``X-CSRF-Token`` header or a ``csrf`` form field carrying the session's
token (``csrf_token``: a digest of the cookie, so it needs no storage and dies with the
session), and no sign of another site (``cross_site``: ``Sec-Fetch-Site``, ``Origin``). Bearer requests need neither:
a browser never adds that header on its own.

Every request that changes something and got past the check (and every one refused to a
known user) is appended to the audit log: who, role, method and path, status, client
address. Routes that write their own, richer row (notes, logins) set
``request.state.audited``. Tokens and cookies are never logged nor put in the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import Response

from ..errors import PageError
from .common import arch, error_response, page, wants_json

log = logging.getLogger("cablebase.web")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = frozenset({"/login", "/logout", "/healthz", "/favicon.ico"})
OPEN_PREFIXES = ("/static/",)
ADMIN_PREFIXES = ("/admin", "/api/audit", "/api/users")
RANK = {"reader": 1, "editor": 2, "admin": 3}
SESSION_COOKIE = "cb_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
MAX_FORM_BYTES = 1 << 20
LOCAL = {"name": "local", "role": "admin", "via": "token"}


def required_role(method: str, path: str) -> str | None:
    """The least role a request needs (None: open to anyone, signed in or not)."""
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return None
    if any(path == p or path.startswith(p + "/") or path.startswith(p + ".") for p in ADMIN_PREFIXES):
        return "admin"
    return "reader" if method.upper() in SAFE_METHODS else "editor"


def csrf_token(cookie: str) -> str:
    """The CSRF token of the session with this cookie."""
    return hashlib.sha256(b"cablebase-csrf\0" + cookie.encode()).hexdigest()[:40]


def principal(request: Request) -> dict[str, Any] | None:
    """Who the request is from (set by ``AccessControl``): ``{"name", "role", "via", "csrf"?}``."""
    return getattr(request.state, "principal", None)


def client_address(scope: dict) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def cross_site(request: Request) -> str | None:
    """Why a request plainly comes from another site, or None: ``Sec-Fetch-Site`` (sent by
    current browsers) says cross-site or same-site, or ``Origin`` names another host. An
    ``Origin: null`` is no proof either way (Chromium sends it for our own forms, because the
    pages carry ``Referrer-Policy: no-referrer``): the CSRF token decides then."""
    site = (request.headers.get("sec-fetch-site") or "").lower()
    if site in ("cross-site", "same-site"):
        return "This request came from another site."
    origin = request.headers.get("origin")
    if origin and origin != "null" and (urlsplit(origin).netloc or "").lower() != (request.headers.get("host") or "").lower():
        return "This request came from another site (Origin)."
    return None


def _unauthorized(request: Request, message: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="cablebase"', "Cache-Control": "no-store"}
    if wants_json(request) or request.url.path.endswith(".atom") or request.method not in SAFE_METHODS:
        return error_response(request, PageError(401, "Unauthorized", message, headers=headers))
    nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return page("login.html", status=401, headers=headers, next=nxt, message=message, viewer=None)


class AccessControl:
    """Pure ASGI middleware: authenticate, authorise (``required_role``), check CSRF, audit."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        method, path = scope["method"], scope["path"]
        web = arch(request).web
        need = required_role(method, path)
        try:
            who, bad = self._who(request)
        except PageError as e:  # the archive cannot answer: say so, never let the request through
            await error_response(request, e)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["principal"] = state["user"] = who  # ``user``: the name routes record as author (watches)
        if bad and need is not None:
            await _unauthorized(request, "The token is not valid (revoked or mistyped).")(scope, receive, send)
            return
        if need == "reader" and not web.private:
            need = None  # a public server: anyone reads
        if need is not None and who is None:
            if not web.private and need == "editor" and not self._auth_configured(request):
                resp = error_response(request, PageError(
                    403, "Read-only", "Write actions are off on this server: it has no users and no token "
                    "(add one with `cablebase user add NAME --role editor`, or set CABLEBASE_WEB_TOKEN)."))
            else:
                resp = _unauthorized(request, "Sign in, or send a token: Authorization: Bearer <token>.")
            await resp(scope, receive, send)
            return
        if need is not None and RANK[who["role"]] < RANK[need]:
            await self._audit(request, who, 403)
            await error_response(request, PageError(403, "Forbidden", f"This needs the {need} role; "
                                                    f"{who['name']} is a {who['role']}."))(scope, receive, send)
            return
        if method not in SAFE_METHODS and who is not None and who["via"] == "session" and path != "/login":
            receive, refused = await self._check_csrf(request, who, receive)
            if refused:
                await self._audit(request, who, 403)
                await error_response(request, PageError(403, "Forbidden", refused))(scope, receive, send)
                return
        status = [0]
        guarded = web.private and need is not None

        async def send_status(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                if guarded:  # what a signed-in user saw is kept by their browser only, never a shared cache
                    old = message.get("headers", [])
                    keep = next((v for k, v in old if k.lower() == b"cache-control" and b"no-store" in v), None)
                    headers = [(k, v) for k, v in old if k.lower() not in (b"cache-control", b"vary")]
                    headers += [(b"cache-control", keep or b"private, no-cache"), (b"vary", b"Authorization, Cookie")]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_status)
        if method not in SAFE_METHODS and who is not None and path not in OPEN_PATHS:
            if not scope["state"].get("audited"):
                await self._audit(request, who, status[0])

    # -- who is asking ---------------------------------------------------------------------------
    def _who(self, request: Request) -> tuple[dict[str, Any] | None, bool]:
        """(the principal or None, whether a bearer token was sent and is bad)."""
        a = arch(request)
        auth = request.headers.get("authorization")
        if auth is not None:
            scheme, _, value = auth.partition(" ")
            value = value.strip()
            if scheme.lower() != "bearer" or not value:
                return None, True
            if a.web.token and hmac.compare_digest(value.encode(), a.web.token.encode()):
                return dict(LOCAL), False
            user = self._ask(lambda: a.archive.user_for_token(value))
            if user is None:
                return None, True
            return {"name": user["name"], "role": user["role"], "via": "token"}, False
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            user = self._ask(lambda: a.archive.session_user(cookie))
            if user is not None:
                return {"name": user["name"], "role": user["role"], "via": "session", "csrf": csrf_token(cookie)}, False
        return None, False

    @staticmethod
    def _ask(fn: Any) -> Any:
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - a broken or busy archive: refuse, saying why
            log.warning("cannot check credentials: %s", type(e).__name__)
            raise PageError(503, "Archive unavailable", "Credentials cannot be checked right now.") from None

    def _auth_configured(self, request: Request) -> bool:
        a = arch(request)
        return bool(a.web.token) or self._ask(a.archive.has_users)

    # -- CSRF ------------------------------------------------------------------------------------------
    async def _check_csrf(self, request: Request, who: dict[str, Any], receive: Any) -> tuple[Any, str | None]:
        """(the receive to pass on — the body replayed when it was read here, why refused or None)."""
        refused = cross_site(request)
        if refused:
            return receive, refused
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and (request.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded"):
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > MAX_FORM_BYTES:
                    return receive, "The form is too large."
                if not message.get("more_body"):
                    break
            body = b"".join(chunks)
            sent = (parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or [None])[0]
            done = False

            async def replay() -> dict:
                nonlocal done
                if not done:
                    done = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive = replay
        if not sent or not hmac.compare_digest(sent.encode(), who["csrf"].encode()):
            return receive, "The form's security token is missing or stale: reload the page and try again."
        return receive, None

    # -- audit -------------------------------------------------------------------------------------
    @staticmethod
    async def _audit(request: Request, who: dict[str, Any], status: int) -> None:
        a = arch(request)
        entry = dict(actor=who["name"], role=who["role"], target=request.url.path[:500], status=status,
                     address=client_address(request.scope), detail={"via": who["via"]})
        try:
            await anyio.to_thread.run_sync(lambda: a.archive.record(f"http.{request.method.lower()}", **entry))
        except Exception as e:  # noqa: BLE001 - the response is sent; say it was not recorded
            log.error("audit log not written for %s %s: %s", request.method, request.url.path, e)


__all__ = ["AccessControl", "CSRF_FIELD", "CSRF_HEADER", "SESSION_COOKIE", "client_address", "cross_site", "csrf_token",
           "principal", "required_role"]
