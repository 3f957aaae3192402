"""Logging in and out (``/login``, ``/logout``), and the admin's pages: ``/admin`` (users and
the audit log), ``GET /api/audit``, and users (``GET|POST /api/users``, ``POST
/api/users/NAME/rotate|revoke``: a token is in the response that makes it, once).

Who may reach which route is decided in one place, ``web.auth.AccessControl``; these routes
only do their work. Logins are rate-limited per client address and per name
(``Archive.login``: 429 with ``Retry-After``), and each attempt is in the audit log.
"""

from __future__ import annotations

import asyncio
import math
from typing import Annotated, Any, Optional
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from ... import DeskError, LoginRefused
from .. import desk_models, models
from ..auth import SESSION_COOKIE, client_address, cross_site, principal
from ..common import JSON, PageError, arch, page
from .write import _json_body

router = APIRouter(tags=["team server"])

ADMIN_ERRORS = {401: {"model": models.ErrorOut, "description": "No token, or a bad one"},
                403: {"model": models.ErrorOut, "description": "Not an admin"}}


def _next(value: str | None) -> str:
    """Where to go after logging in: a path of this site only (never ``//elsewhere``)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:2000]
    return "/"


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body())[:1 << 20]
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _secure(request: Request) -> bool:
    base = arch(request).web.base_url or ""
    return request.url.scheme == "https" or base.startswith("https://")


@router.get("/login", include_in_schema=False)
async def login_page(request: Request, next: Optional[str] = None) -> Response:  # noqa: A002
    return page("login.html", next=_next(next), viewer=principal(request), message=None,
                headers={"Cache-Control": "no-store"})


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    form = await _form(request)
    name, token, nxt = form.get("name", ""), form.get("token", ""), _next(form.get("next"))
    request.state.audited = True
    a = arch(request)
    if cross_site(request):  # a login forced from another site's page (login CSRF)
        return page("login.html", status=403, next=nxt, viewer=None, message="This form was sent from another site.")
    web = a.web
    try:
        _user, cookie = await asyncio.to_thread(
            lambda: a.archive.login(name, token, address=client_address(request.scope), ttl_s=web.session_s,
                                    max_failures=web.login_max_failures, window_s=web.login_window_s))
    except LoginRefused as e:
        if e.retry_after is not None:
            return page("login.html", status=429, next=nxt, viewer=None, message="Too many failed logins: wait a while.",
                        headers={"Retry-After": str(math.ceil(e.retry_after)), "Cache-Control": "no-store"})
        return page("login.html", status=401, next=nxt, viewer=None, message="Wrong name or token.",
                    headers={"Cache-Control": "no-store"})
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(SESSION_COOKIE, cookie, max_age=int(web.session_s), path="/", httponly=True, samesite="lax",
                    secure=_secure(request))
    return resp


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    """Ends the browser's session (CSRF-checked like every cookie-authenticated write)."""
    request.state.audited = True
    cookie = request.cookies.get(SESSION_COOKIE)
    a = arch(request)
    if cookie:
        await asyncio.to_thread(lambda: a.archive.logout(cookie, address=client_address(request.scope)))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return resp


def _audit_rows(request: Request, limit: int, before: int | None, actor: str | None, action: str | None) -> list[dict[str, Any]]:
    return arch(request).archive.audit_log(limit=limit, before=before, actor=actor, action=action)


@router.get("/api/audit", responses=ADMIN_ERRORS, summary="The audit log, latest first (admins only)")
async def api_audit(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    before: Annotated[Optional[int], Query(ge=1, description="Only rows older than this id")] = None,
                    actor: Optional[str] = None, action: Optional[str] = None) -> Response:
    rows = await asyncio.to_thread(_audit_rows, request, limit, before, actor, action)
    return JSON({"entries": rows, "next_before": rows[-1]["id"] if len(rows) == limit else None})


@router.get("/api/users", response_model=desk_models.UsersOut, responses=ADMIN_ERRORS,
            summary="Every user and their role, without secrets (admins only)")
async def api_users(request: Request) -> Response:
    return JSON({"users": await asyncio.to_thread(lambda: arch(request).archive.users())})


async def _user_change(request: Request, fn: Any, status: int = 200) -> Response:
    """``fn(archive, actor, address)`` on a worker thread; a ``DeskError`` becomes its status."""
    request.state.audited = True  # the archive writes the audit row, naming the user changed
    who = principal(request)
    actor, where = (who["name"] if who else "local"), client_address(request.scope)
    a = arch(request)
    try:
        out = await asyncio.to_thread(lambda: fn(a.archive, actor, where))
    except DeskError as e:
        code = {"not_found": 404, "conflict": 409, "forbidden": 409}.get(e.kind, 400)
        raise PageError(code, "User not changed", str(e)) from None
    return JSON(out, status_code=status, headers={"Cache-Control": "no-store"})


def _with_token(user: dict[str, Any], token: str) -> dict[str, Any]:
    return {"name": user["name"], "role": user["role"], "token": token}


@router.post("/api/users", status_code=201, response_model=desk_models.UserToken, responses=ADMIN_ERRORS,
             summary="Add a user; the response holds their token, this once (admins only)")
async def api_add_user(request: Request) -> Response:
    body = await _json_body(request, desk_models.UserIn)
    return await _user_change(request, lambda ar, actor, where: _with_token(
        *ar.add_user(body.name, body.role, actor=actor, address=where)), status=201)


@router.post("/api/users/{name}/rotate", response_model=desk_models.UserToken, responses=ADMIN_ERRORS,
             summary="Give a user a new token (returned this once); the old one and their sessions stop (admins only)")
async def api_rotate_user(request: Request, name: str) -> Response:
    return await _user_change(request, lambda ar, actor, where: _with_token(
        *ar.rotate_token(name, actor=actor, address=where)))


@router.post("/api/users/{name}/revoke", response_model=desk_models.UserOut, responses=ADMIN_ERRORS,
             summary="Revoke a user: their token and sessions stop working (admins only)")
async def api_revoke_user(request: Request, name: str) -> Response:
    return await _user_change(request, lambda ar, actor, where: ar.revoke_user(name, actor=actor, address=where))


@router.get("/admin", include_in_schema=False)
async def admin_page(request: Request, before: Annotated[Optional[int], Query(ge=1)] = None) -> Response:
    a = arch(request)
    rows = await asyncio.to_thread(_audit_rows, request, 200, before, None, None)
    users = await asyncio.to_thread(lambda: a.archive.users())
    return page("admin.html", users=users, entries=rows, viewer=principal(request),
                older=rows[-1]["id"] if len(rows) == 200 else None, headers={"Cache-Control": "no-store"})
