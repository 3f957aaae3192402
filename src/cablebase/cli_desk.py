"""CLI for the team desk (thin: calls the ``Archive``).

``cablebase user add|list|revoke|rotate`` manages who may use ``cablebase serve`` (roles
reader, editor, admin); a token is printed once, by ``add`` and ``rotate``, and never again
(only its sha256 is stored). ``cablebase notes add|list|export`` works on the notes of the
archive (on this machine the author is ``local``). Every change is in the audit log (actor
``local``, from ``cli``); ``cablebase audit`` shows it.
"""

from __future__ import annotations

import csv
import json
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Annotated, Iterator, Optional

import typer

from . import Archive, CablebaseError, open_archive
from .cli_options import DbOpt, JsonOpt

user_app = typer.Typer(help="Users of the team server and their tokens (roles: reader, editor, admin).",
                       no_args_is_help=True)
notes_app = typer.Typer(help="Notes on cables, paragraphs and articles.", no_args_is_help=True)

RoleOpt = Annotated[str, typer.Option("--role", help="reader (reads), editor (also writes), admin (also users, audit log).")]
CSV_FIELDS = ("id", "target", "ref_id", "paragraph", "article_id", "author", "version", "created", "updated", "text")


def _err(msg: str) -> None:
    typer.echo(f"error: {' '.join(msg.split())}", err=True)


@contextmanager
def _open(db: str | None) -> Iterator[Archive]:
    try:
        archive = open_archive(db, create=True)
    except (CablebaseError, ValueError, OSError) as e:
        _err(str(e))
        raise typer.Exit(1) from None
    try:
        yield archive
    except CablebaseError as e:
        _err(str(e))
        raise typer.Exit(1) from None
    finally:
        archive.close()


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if ts else "-"


def _dump(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _token_out(user: dict, token: str, as_json: bool, what: str) -> None:
    if as_json:
        _dump({"name": user["name"], "role": user["role"], "token": token})
        return
    typer.echo(f"{what} {user['name']} ({user['role']}). Token, shown this once — keep it secret:")
    typer.echo(token)


# --------------------------------------------------------------------------- user
@user_app.command("add")
def user_add(name: Annotated[str, typer.Argument(help="The user's name (no spaces).")], role: RoleOpt = "reader",
             as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """Add a user; prints their token once ({"name", "role", "token"} with --json)."""
    with _open(db) as archive:
        user, token = archive.add_user(name, role)
        _token_out(user, token, as_json, "Added")


@user_app.command("list")
def user_list(as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """Every user and their role (never a token)."""
    with _open(db) as archive:
        users = archive.users()
        if as_json:
            _dump([{"name": u["name"], "role": u["role"], "created": u["created"], "rotated": u["rotated"],
                    "revoked": bool(u["revoked"])} for u in users])
            return
        if not users:
            typer.echo("no users (add one: cablebase user add NAME --role reader|editor|admin)")
        for u in users:
            state = "revoked" if u["revoked"] else "active"
            typer.echo(f"{u['name']:<20} {u['role']:<7} {state:<8} created {_when(u['created'])}  rotated {_when(u['rotated'])}")


@user_app.command("revoke")
def user_revoke(name: str, as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """Stop a user's token and browser sessions working (their notes stay)."""
    with _open(db) as archive:
        u = archive.revoke_user(name)
        if as_json:
            _dump({"name": u["name"], "role": u["role"], "revoked": True})
        else:
            typer.echo(f"revoked {u['name']}")


@user_app.command("rotate")
def user_rotate(name: str, as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """Give a user a new token (printed once); the old one and their sessions stop working."""
    with _open(db) as archive:
        user, token = archive.rotate_token(name)
        _token_out(user, token, as_json, "New token for")


# --------------------------------------------------------------------------- notes
@notes_app.command("add")
def notes_add(target: Annotated[str, typer.Argument(help="REF, REF#parN, or an article id.")],
              text: Annotated[str, typer.Argument(help="The note.")], as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """Add a note (author: local)."""
    with _open(db) as archive:
        n = archive.add_note(target, text)
        _dump(n) if as_json else typer.echo(f"note {n['id']} on {n['target']}")


@notes_app.command("list")
def notes_list(target: Annotated[Optional[str], typer.Argument(help="REF, REF#parN or an article id; none: all.")] = None,
               as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """The notes on a target (all notes without one)."""
    with _open(db) as archive:
        notes = archive.notes_on(target) if target else list(archive.notes())
        if as_json:
            _dump(notes)
            return
        for n in notes:
            typer.echo(f"#{n['id']} {n['target']} — {n['author']}, {_when(n['updated'])} (v{n['version']})")
            typer.echo("    " + " ".join(n["text"].split())[:300])


@notes_app.command("export")
def notes_export(as_json: JsonOpt = False,
                 fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl (default), json or csv.")] = "jsonl",
                 db: DbOpt = None) -> None:
    """Every note, to stdout: JSON Lines (default), one JSON array (--json) or CSV."""
    fmt = "json" if as_json else fmt
    if fmt not in ("jsonl", "json", "csv"):
        raise typer.BadParameter("format must be jsonl, json or csv", param_hint="--format")
    with _open(db) as archive:
        notes = archive.notes()
        if fmt == "json":
            _dump(list(notes))
        elif fmt == "csv":
            w = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, extrasaction="ignore")
            w.writeheader()
            w.writerows(notes)
        else:
            for n in notes:
                sys.stdout.write(json.dumps(n, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- audit
def audit_cmd(limit: Annotated[int, typer.Option(min=1, max=1000, help="Rows to show, latest first.")] = 50,
              as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """The audit log (append-only): every write and every login, latest first."""
    with _open(db) as archive:
        rows = archive.audit_log(limit=limit)
        if as_json:
            _dump(rows)
            return
        for r in rows:
            typer.echo(f"{r['id']:>6} {_when(r['at'])} {r['actor'] or '-':<16} {r['action']:<14} "
                       f"{r['target'] or '':<30} {r['status'] or '':<4} {r['address'] or ''}")


def register(app: typer.Typer) -> None:
    """Add ``user``, ``notes`` and ``audit`` to the main ``cablebase`` app."""
    app.add_typer(user_app, name="user")
    app.add_typer(notes_app, name="notes")
    app.command("audit")(audit_cmd)


__all__ = ["notes_app", "register", "user_app"]
