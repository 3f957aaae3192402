"""CLI for channels, feeds and polling (thin: calls cablebase.sources.feeds / store.channels).

``cablebase channel add|list|show|images|remove``, ``cablebase feed add|list|remove|enable|import|export``
and ``cablebase poll [--watch]``. Every command takes ``--db PATH`` (or ``$CABLEBASE_DB``): the
archive directory holding ``cablebase.sqlite``. Fetching obeys ``CABLEBASE_NET_ALLOW`` (hosts or
networks exempt from the private-address refusal; empty by default).
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

channel_app = typer.Typer(help="Channels: named groups of feeds, browsed newest first.", no_args_is_help=True)
feed_app = typer.Typer(help="Feed subscriptions.", no_args_is_help=True)

DbOpt = Annotated[
    Optional[Path],
    typer.Option("--db", envvar="CABLEBASE_DB", show_default=False,
                 help="Archive directory (holds cablebase.sqlite). Default: $CABLEBASE_DB, else the user data dir."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def _err(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)


class _Ctx:
    def __init__(self, channels, add_cable, closer):
        self.channels = channels
        self.add_cable = add_cable
        self._closer = closer


@contextmanager
def _open(db: Path | None) -> Iterator[_Ctx]:
    """The channel store on the archive's connection, with the archive's ``add_cable``."""
    from .errors import CablebaseError
    from ._store.channels import ChannelStore

    try:
        try:
            from .config import Settings
            from ._store import open_store

            st = open_store(Settings.load(db), create=True)
            # an ingest may hold the search index: cables embedded in articles are stored anyway
            # and indexed by it (or the next writer), not lost (``defer_index``)
            ctx = _Ctx(ChannelStore(st.db), partial(st.add_cable, defer_index=True), st.close)
        except ImportError:  # the cable store is not there: channels on their own file
            from .config import resolve_db_dir

            d = resolve_db_dir(db)
            d.mkdir(parents=True, exist_ok=True)
            cs = ChannelStore.open(d / "cablebase.sqlite")
            ctx = _Ctx(cs, None, cs.db.close)
    except (CablebaseError, ValueError, OSError) as e:
        _err(str(e))
        raise typer.Exit(1) from None
    try:
        yield ctx
    except CablebaseError as e:
        _err(str(e))
        raise typer.Exit(1) from None
    finally:
        ctx._closer()


def _settings(workers: int | None = None, per_host: int | None = None, fulltext: bool | None = None):
    from .sources.feeds import PollSettings
    from .sources.net import NetPolicy

    s = PollSettings(net=NetPolicy.from_env())
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
        for r in rows:
            typer.echo(f"{r['name']}\t{r['display_title']}\t{r['feeds']} feeds\t{r['articles']} articles")


@channel_app.command("remove")
def channel_remove(name: str, db: DbOpt = None) -> None:
    """Delete a channel (its feeds stay subscribed)."""
    with _open(db) as c:
        if not c.channels.remove_channel(name):
            _err(f"no channel named {name!r}")
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
            _err(f"no channel named {name!r}")
            raise typer.Exit(1)
        total, arts = c.channels.channel_articles(name, page=page, per_page=per_page, all=all_)
        if as_json:
            return _dump([_article_json(a) for a in arts])
        pages = max(1, -(-total // per_page))
        typer.echo(f"Channel: {ch['display_title']}")
        shown = "all" if all_ else f"page {page} of {pages}"
        typer.echo(f"{total} articles ({shown}). Browse all {total}: cablebase channel show {json.dumps(name)} --all")
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
            _err(f"no channel named {name!r}")
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
    """Subscribe to a feed, or to a page that announces its feed."""
    from .errors import CablebaseError
    from .sources.feeds import add_feed

    with _open(db) as c:
        try:
            sub = add_feed(c.channels, url, channel, _settings(), fetch=not no_fetch)
        except CablebaseError as e:
            _err(f"{url}: {e}")
            raise typer.Exit(1) from None
        via = f" (found on {sub.discovered_from})" if sub.discovered_from else ""
        typer.echo(f"feed {sub.feed_id}: {sub.url}{via} in channel {sub.channel!r}"
                   + (f" — {sub.title}" if sub.title else ""))


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
    from .errors import CablebaseError
    from .parse.feed import parse_opml
    from .sources.net import split_checked

    try:
        data = path.read_bytes()
        feeds = parse_opml(data)
    except (OSError, CablebaseError) as e:
        _err(f"{path}: {e}")
        raise typer.Exit(1) from None
    net = _settings().net
    n = bad = 0
    with _open(db) as c:
        with c.channels.tx():
            for f in feeds:
                try:
                    split_checked(f.url, net)
                except CablebaseError as e:
                    _err(str(e))
                    bad += 1
                    continue
                c.channels.add_feed(f.url, channel or f.channel or f.title or f.url, title=f.title)
                n += 1
    typer.echo(f"{n} feeds imported from {path}" + (f"; {bad} refused" if bad else ""))
    if bad:
        raise typer.Exit(1)


@feed_app.command("export")
def feed_export(output: Annotated[Optional[Path], typer.Option("--output", "-o")] = None, db: DbOpt = None) -> None:
    """Write every subscription as OPML (to stdout or a file)."""
    from .parse.feed import write_opml

    with _open(db) as c:
        groups: dict = {}
        for f in c.channels.list_feeds():
            chans = c.channels.feed_channels(f["id"]) or [None]
            for ch in chans:
                groups.setdefault(ch, []).append((f["url"], f["title"]))
        text = write_opml(groups)
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{sum(len(v) for v in groups.values())} subscriptions written to {output}")
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
    """Poll the due feeds once (or forever with --watch) and link new articles to cables."""
    from .sources.feeds import Poller, run_async

    settings = _settings(workers, per_host, False if no_fulltext else None)
    with _open(db) as c:
        poller = Poller(c.channels, settings, add_cable=c.add_cable)

        def show(r):
            if as_json:
                _dump({k: getattr(r, k) for k in ("feeds", "ok", "not_modified", "errors", "gone", "new", "updated",
                                                   "merged", "same", "links", "embedded", "pages", "elapsed")}
                      | {"failures": [{"url": x.url, "error": x.error} for x in r.results if x.error]})
            else:
                typer.echo(r.summary())
                for x in r.results:
                    if x.error:
                        typer.echo(f"  {x.url}: {x.error}", err=True)

        try:
            if watch:
                run_async(poller.watch(on_report=show))
            else:
                show(run_async(poller.run_once(all_feeds=all_)))
        except KeyboardInterrupt:
            typer.echo("stopped", err=True)


def register(app: typer.Typer) -> None:
    """Add ``poll`` to the main ``cablebase`` app (channel/feed are added with add_typer)."""
    app.command("poll")(poll_command)
