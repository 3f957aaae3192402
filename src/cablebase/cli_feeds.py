"""CLI for channels, feeds and polling (thin: calls the ``Archive``).

``cablebase channel add|list|show|images|remove``, ``cablebase feed add|list|remove|enable|import|export``
and ``cablebase poll [--watch]``. Every command takes ``--db PATH`` (or ``$CABLEBASE_DB``): the
archive directory holding ``cablebase.sqlite``. Fetching obeys ``CABLEBASE_NET_ALLOW`` (hosts or
networks exempt from the private-address refusal; empty by default).
"""
from __future__ import annotations

import json
import shlex
import sys
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from .cli_options import DbOpt, JsonOpt
from . import Archive, CablebaseError, PollSettings, open_archive
from .parse.subscriptions import parse_opml
from .sources.files import file_path

channel_app = typer.Typer(help="Channels: named groups of feeds, browsed newest first.", no_args_is_help=True)
feed_app = typer.Typer(help="Feed subscriptions.", no_args_is_help=True)



def _err(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)


@contextmanager
def _open(db: str | None) -> Iterator[Archive]:
    """The archive (made if absent): its channels, feeds and articles, and its poller."""
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


def _settings(archive: Archive, workers: int | None = None, per_host: int | None = None,
              fulltext: bool | None = None) -> PollSettings:
    s = archive.settings.poll
    kw = {k: v for k, v in (("workers", workers), ("per_host", per_host), ("fulltext", fulltext)) if v is not None}
    return replace(s, **kw) if kw else s


def _when(ts: float | None) -> str:
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _dump(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


# --------------------------------------------------------------------------- channel

@channel_app.command("add")
def channel_add(name: str, title: Annotated[Optional[str], typer.Option(help="Title shown (default: the feed's).")] = None,
                db: DbOpt = None) -> None:
    """Create a channel."""
    with _open(db) as c:
        c.channels.add_channel(name, title)
        typer.echo(f"channel {name!r} ready")


@channel_app.command("list")
def channel_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every channel with its feed and article counts."""
    with _open(db) as c:
        rows = c.channels.list_channels()
        if as_json:
            return _dump([{k: r[k] for k in ("name", "display_title", "feeds", "articles")} for r in rows])
        if not rows:
            typer.echo("no channel yet. Subscribe to a feed and its channel is made: "
                       "cablebase feed add URL [--channel NAME]; then cablebase poll", err=True)
        for r in rows:
            typer.echo(f"{r['name']}\t{r['display_title']}\t{r['feeds']} feeds\t{r['articles']} articles")


@channel_app.command("remove")
def channel_remove(name: str, db: DbOpt = None) -> None:
    """Delete a channel (its feeds stay subscribed)."""
    with _open(db) as c:
        if not c.channels.remove_channel(name):
            _err(f"no channel named {name!r} (see them with: cablebase channel list)")
            raise typer.Exit(1)
        typer.echo(f"channel {name!r} removed")


def _article_json(a: dict) -> dict:
    return {
        "url": a["url"], "title": a["title"], "published": a["published"], "language": a["language"],
        "author": a["author"], "version": a["version"],
        "images": [{"url": i["url"], "kind": i["kind"]} for i in a["images"]],
        "cables": [{"ref_id": x["ref_id"], "kind": x["kind"], "offset": x["offset"], "snippet": x["snippet"]}
                   for x in a["cables"]],
    }


@channel_app.command("show")
def channel_show(
    name: str,
    all_: Annotated[bool, typer.Option("--all", help="Every article, not one page.")] = False,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number (latest first).")] = 1,
    per_page: Annotated[int, typer.Option("--per-page", min=1, max=1000)] = 20,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A channel's articles, latest first, each with the cables it cites or embeds."""
    with _open(db) as c:
        ch = c.channels.get_channel(name)
        if ch is None:
            _err(f"no channel named {name!r} (see them with: cablebase channel list)")
            raise typer.Exit(1)
        total, arts = c.channels.channel_articles(name, page=page, per_page=per_page, all=all_)
        if as_json:
            return _dump([_article_json(a) for a in arts])
        pages = max(1, -(-total // per_page))
        typer.echo(f"Channel: {ch['display_title']}")
        shown = "all" if all_ else f"page {page} of {pages}"
        if not total:
            typer.echo("no article yet: its feeds are polled by `cablebase poll` "
                       f"(see them with cablebase feed list --channel {shlex.quote(name)})")
        else:
            typer.echo(f"{total} articles ({shown}). Browse all {total}: cablebase channel show {shlex.quote(name)} --all")
        for a in arts:
            when = (a["published"] or "")[:10] or "----------"
            lang = f" [{a['language']}]" if a["language"] else ""
            typer.echo(f"\n{when}  {a['title'] or '(untitled)'}{lang}")
            if a["url"]:
                typer.echo(f"    {a['url']}")
            if a["cables"]:
                typer.echo("    cables: " + ", ".join(f"{x['ref_id']} ({x['kind']})" for x in a["cables"]))
            if a["images"]:
                typer.echo(f"    images: {len(a['images'])}")


@channel_app.command("images")
def channel_images(name: str, limit: Annotated[int, typer.Option(min=1, max=10000)] = 50, db: DbOpt = None,
                   as_json: JsonOpt = False) -> None:
    """Latest images of a channel's articles."""
    with _open(db) as c:
        if c.channels.get_channel(name) is None:
            _err(f"no channel named {name!r} (see them with: cablebase channel list)")
            raise typer.Exit(1)
        rows = c.channels.channel_images(name, limit=limit)
        if as_json:
            return _dump(rows)
        typer.echo(f"Latest Images ({len(rows)})")
        for r in rows:
            typer.echo(f"{r['url']}\t{r['kind']}\t{r['article_title'] or ''}\t{r['article_url'] or ''}")


# --------------------------------------------------------------------------- feed

@feed_app.command("add")
def feed_add(
    url: str,
    channel: Annotated[Optional[str], typer.Option("--channel", "-c", help="Channel (default: the feed's title).")] = None,
    no_fetch: Annotated[bool, typer.Option("--no-fetch", help="Store the URL without fetching it now.")] = False,
    db: DbOpt = None,
) -> None:
    """Subscribe to a feed, or to a page that announces its feed; or to a file on this machine
    (a path or a file: URL) polled like any feed (its time and size stand for the ETag): a feed,
    or a saved page (a feed aggregator's channel page, a news article page) read as its channel's
    article."""
    with _open(db) as c:
        try:
            if url.startswith("file:") or Path(url).exists():  # a feed file on this machine
                sub = c.add_local_feed(file_path(url) if url.startswith("file:") else Path(url), channel)
            else:
                sub = c.add_feed(url, channel, fetch=not no_fetch)
        except CablebaseError as e:
            msg = str(e)
            _err(msg if msg.startswith(url[:200]) else f"{url}: {msg}")  # the URL once
            raise typer.Exit(1) from None
        via = f" (found on {sub.discovered_from})" if sub.discovered_from else ""
        typer.echo(f"feed {sub.feed_id}: {sub.url}{via} in channel {sub.channel!r}"
                   + (f" — {sub.title}" if sub.title else ""))
        if sub.note:
            typer.echo(f"    {sub.note} (cablebase poll)")


@feed_app.command("list")
def feed_list(channel: Annotated[Optional[str], typer.Option("--channel", "-c")] = None, db: DbOpt = None,
              as_json: JsonOpt = False) -> None:
    """Subscriptions: status, last fetch, last error, next fetch."""
    with _open(db) as c:
        rows = c.channels.list_feeds(channel)
        if as_json:
            keys = ("id", "url", "title", "status", "status_reason", "channels", "entries", "last_status",
                    "last_error", "last_page_error", "error_count")
            return _dump([{**{k: r[k] for k in keys}, "last_fetch": _when(r["last_fetch"]),
                           "next_fetch": _when(r["next_fetch"])} for r in rows])
        if not rows:
            typer.echo(("no feed in this channel" if channel else "no feed yet")
                       + ": cablebase feed add URL [--channel NAME], or import a list: cablebase feed import FILE.opml", err=True)
        for r in rows:
            typer.echo(f"[{r['id']}] {r['url']}")
            typer.echo(f"    {r['title'] or '(no title yet)'} — channels: {r['channels'] or '-'}; {r['entries']} entries")
            typer.echo(f"    status: {r['status']}{' (' + r['status_reason'] + ')' if r['status_reason'] else ''}; "
                       f"last fetch: {_when(r['last_fetch'])} (HTTP {r['last_status'] or '-'}); "
                       f"next fetch: {_when(r['next_fetch'])}")
            if r["last_error"]:
                typer.echo(f"    last error: {r['last_error']} ({r['error_count']} in a row)")
            if r["last_page_error"]:
                typer.echo(f"    last article-page problem: {r['last_page_error']}")


@feed_app.command("remove")
def feed_remove(feed: Annotated[str, typer.Argument(help="Feed id or URL.")], db: DbOpt = None) -> None:
    """Unsubscribe (articles only this feed carried go too)."""
    with _open(db) as c:
        if not c.channels.remove_feed(feed):
            _err(f"no feed {feed!r}")
            raise typer.Exit(1)
        typer.echo(f"feed {feed} removed")


@feed_app.command("enable")
def feed_enable(feed: Annotated[str, typer.Argument(help="Feed id or URL.")], db: DbOpt = None) -> None:
    """Re-activate a disabled or gone feed."""
    with _open(db) as c:
        row = c.channels.find_feed(feed)
        if row is None:
            _err(f"no feed {feed!r}")
            raise typer.Exit(1)
        c.channels.set_feed_status(row["id"], "active")
        typer.echo(f"feed {row['id']} active")


@feed_app.command("import")
def feed_import(path: Path, channel: Annotated[Optional[str], typer.Option("--channel", "-c")] = None,
                db: DbOpt = None) -> None:
    """Subscribe to every feed of an OPML file (its folders become channels)."""
    try:
        feeds = parse_opml(path.read_bytes())  # a file that is no OPML is refused before the archive is opened (or made)
    except (OSError, CablebaseError) as e:
        _err(f"{path}: {e}")
        raise typer.Exit(1) from None
    with _open(db) as c:
        n, refused = c.import_opml(feeds, channel)
    for why in refused:
        _err(why)
    bad = len(refused)
    typer.echo(f"{n} feeds imported from {path}" + (f"; {bad} refused" if bad else ""))
    if bad:
        raise typer.Exit(1)


@feed_app.command("export")
def feed_export(output: Annotated[Optional[Path], typer.Option("--output", "-o")] = None, db: DbOpt = None) -> None:
    """Write every subscription as OPML (to stdout or a file)."""
    with _open(db) as c:
        text, n = c.export_opml()
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            _err(f"{output}: cannot write: {e.strerror or e}")
            raise typer.Exit(1) from None
        typer.echo(f"{n} subscriptions written to {output}")
    else:
        sys.stdout.write(text)


# --------------------------------------------------------------------------- poll

def poll_command(
    watch: Annotated[bool, typer.Option("--watch", help="Keep polling; sleep until the next feed is due.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Poll every active feed now, due or not.")] = False,
    workers: Annotated[Optional[int], typer.Option(min=1, max=512, help="Feeds fetched at once.")] = None,
    per_host: Annotated[Optional[int], typer.Option("--per-host", min=1, max=64, help="Requests at once per host.")] = None,
    no_fulltext: Annotated[bool, typer.Option("--no-fulltext", help="Do not fetch article pages.")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Poll the due feeds once (or forever with --watch) and link new articles to cables. With
    --watch the watches are delivered too (``cablebase watch``), every few seconds."""
    with _open(db) as c:
        settings = _settings(c, workers, per_host, False if no_fulltext else None)

        def show(r):
            if as_json:
                _dump({k: getattr(r, k) for k in ("feeds", "ok", "not_modified", "errors", "gone", "new", "updated",
                                                   "merged", "same", "links", "embedded", "pages", "elapsed")}
                      | {"failures": [{"url": x.url, "error": x.error} for x in r.results if x.error]})
            else:
                typer.echo(r.summary())
                for x in r.results:
                    if x.error:
                        msg = str(x.error)
                        typer.echo(f"  {msg if msg.startswith(x.url[:200]) else f'{x.url}: {msg}'}", err=True)

        deliverer = c.watch_deliverer() if watch else None  # the watches' webhooks, while polling goes on
        try:
            if deliverer is not None:
                deliverer.start()
                c.watch(settings, on_report=show)
            else:
                report = c.poll(settings, all_feeds=all_)
                show(report)
                if report.errors:  # the exit status says that feeds failed (`feed list` says why)
                    raise typer.Exit(1)
        except KeyboardInterrupt:
            typer.echo("stopped", err=True)
        finally:
            if deliverer is not None:
                deliverer.stop()


def register(app: typer.Typer) -> None:
    """Add ``poll`` to the main ``cablebase`` app (channel/feed are added with add_typer)."""
    app.command("poll")(poll_command)
