"""CLI for watches (thin: calls the ``Archive``): saved searches that call back.

``cablebase watch add QUERY [--webhook URL] [--json]`` saves a search; it fires on every cable,
version of a cable and article stored from then on that matches, by a signed webhook POST (if
given) and in its Atom feed (``/watch/ID.atom`` of ``cablebase serve``). ``watch list``,
``watch remove ID``, ``watch log ID`` (the deliveries and their attempts), ``watch run
[--once]``: the deliverer on its own (``serve`` and ``poll --watch`` run one too). Webhook
targets obey ``CABLEBASE_NET_ALLOW`` like feeds: loopback and private addresses are refused
unless it allows them.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Annotated, Optional

import typer

from . import CablebaseError, open_archive
from .cli_options import DbOpt, JsonOpt

watch_app = typer.Typer(help="Watches: saved searches that call a webhook when a match arrives.",
                        no_args_is_help=True)


def _err(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)


def _dump(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _when(ts: float | None) -> str:
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _open(db: str | None, *, create: bool = True):
    try:
        return open_archive(db, create=create)
    except (CablebaseError, ValueError, OSError) as e:
        _err(str(e))
        raise typer.Exit(1) from None


@watch_app.command("add")
def watch_add(
    query: Annotated[str, typer.Argument(help="A search in the query language (docs/query.md).")],
    webhook: Annotated[Optional[str], typer.Option("--webhook", help="URL to POST each new match to (signed).")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Save a search; print its id and the secret that signs its deliveries (shown this once)."""
    with _open(db) as a:
        try:
            w = a.add_watch(query, webhook)
        except CablebaseError as e:
            _err(str(e))
            raise typer.Exit(1) from None
    if as_json:
        _dump(w.to_dict())
        return
    typer.echo(f"watch {w.id}: {w.query}" + (f" -> {w.webhook}" if w.webhook else ""))
    typer.echo(f"secret (shown once; signs X-Cablebase-Signature): {w.secret}")


@watch_app.command("list")
def watch_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every watch: query, webhook, when it last looked."""
    with _open(db, create=False) as a:
        rows = a.list_watches()
    if as_json:
        _dump(rows)
        return
    if not rows:
        typer.echo("no watches")
    for w in rows:
        typer.echo(f"{w['id']:>4}  {w['query']}" + (f"  -> {w['webhook']}" if w["webhook"] else "")
                   + f"  (by {w['created_by']}, checked {_when(w['checked'])})")


@watch_app.command("remove")
def watch_remove(watch_id: int, db: DbOpt = None) -> None:
    """Delete a watch with its events and delivery log."""
    with _open(db, create=False) as a:
        if not a.remove_watch(watch_id):
            _err(f"no watch {watch_id}")
            raise typer.Exit(1)
    typer.echo(f"removed watch {watch_id}")


@watch_app.command("log")
def watch_log(watch_id: int, limit: Annotated[int, typer.Option(min=1, max=10000)] = 50, db: DbOpt = None,
              as_json: JsonOpt = False) -> None:
    """A watch's webhook deliveries, newest first, with every attempt."""
    with _open(db, create=False) as a:
        if a.get_watch(watch_id) is None:
            _err(f"no watch {watch_id}")
            raise typer.Exit(1)
        rows = a.watch_deliveries(watch_id, limit)
    if as_json:
        _dump(rows)
        return
    if not rows:
        typer.echo("no deliveries")
    for d in rows:
        typer.echo(f"delivery {d['id']}: {d['status']}, {d['events']} item(s), {d['attempts']} attempt(s) -> {d['url']}")
        for t in d["log"]:
            what = f"HTTP {t['status']}" if t["status"] is not None and not t["error"] else (t["error"] or "")
            typer.echo(f"  #{t['attempt']} {_when(t['started'])}  {what}  ({t['elapsed']:.2f} s)")


@watch_app.command("run")
def watch_run(
    once: Annotated[bool, typer.Option("--once", help="One pass (record matches, send what is due), then exit.")] = False,
    interval: Annotated[float, typer.Option(min=0.5, max=3600, help="Seconds between passes.")] = 5.0,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Deliver the watches: a pass every few seconds (or --once)."""

    def show(r) -> None:
        if as_json:
            _dump(r.to_dict())
        else:
            typer.echo(f"{r.watches} watch(es): {r.events} new match(es), {r.sent} sent, {r.retrying} to retry,"
                       f" {r.failed} failed")
        for e in r.errors:
            typer.echo(f"  {e}", err=True)

    with _open(db, create=False) as a:
        if once:
            try:
                show(a.run_watches())
            except CablebaseError as e:
                _err(str(e))
                raise typer.Exit(1) from None
            return
        d = a.watch_deliverer(interval, on_report=show)
        d.start()
        try:
            while d.is_alive():
                d.join(1.0)
        except KeyboardInterrupt:
            typer.echo("stopped", err=True)
        finally:
            d.stop()


__all__ = ["watch_app"]
