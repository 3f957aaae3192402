"""Subscribing to a feed: ``add_feed(store, url, channel=...)`` checks the URL against the
network policy, resolves it to a feed — the URL itself, or the first readable feed that an
HTML page announces (``<link rel=alternate>``) — reads its title, and stores the feed in its
channel (named after the feed's title when none is given). Uses the same :class:`Fetcher` and
limits as polling. ``add_local_feed`` subscribes to a file on this machine: a feed, or a page
saved on disk (``parse.saved_page``: an aggregator's channel page, a news article page), which
polling reads as a one-entry feed in that page's channel.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import FeedParseError
from ..parse.feed import parse_feed
from ..parse.feed_model import FeedLimits
from ..parse.saved_page import read_saved_page
from ..parse.subscriptions import discover_feeds, looks_like_html
from .._store.channels import ChannelStore
from ..sources.fetch import Fetcher, FetchError
from ..sources.files import file_path
from .press import saved_on_disk
from ..sources.net import split_checked
from ..sources.settings import PollSettings


@dataclass
class Subscribed:
    feed_id: int
    url: str
    title: str | None
    channel: str | None
    discovered_from: str | None = None
    note: str | None = None
    """What the source is, when it is no feed (a page saved on disk)."""


async def resolve_feed_url(url: str, settings: PollSettings = PollSettings()) -> tuple[str, str | None, str | None]:
    """(feed URL, feed title, page URL it was discovered from) for a feed or page URL."""
    async with Fetcher(settings) as f:
        got = await f.get(url)
        if got.status >= 300 or got.body is None:
            raise FetchError(url, f"HTTP {got.status}", status=got.status)
        ctype = got.headers.get("content-type")
        if looks_like_html(got.body, ctype):
            found = discover_feeds(got.body, got.url, settings.limits)
            if not found:
                raise FetchError(url, "an HTML page that names no feed (no <link rel=alternate type=…rss+xml>)")
            for cand in found:
                try:
                    g2 = await f.get(cand)
                    if g2.status < 300 and g2.body:
                        p = parse_feed(g2.body, url=g2.url, content_type=g2.headers.get("content-type"),
                                       limits=settings.limits)
                        return g2.permanent_url or cand, p.title, got.url
                except (FetchError, FeedParseError):
                    continue
            raise FetchError(url, f"none of the page's feeds could be read ({', '.join(found[:3])})")
        p = parse_feed(got.body, url=got.url, content_type=ctype, limits=settings.limits)
        return got.permanent_url or url, p.title, None


def add_feed(store: ChannelStore, url: str, channel: str | None = None,
             settings: PollSettings = PollSettings(), *, fetch: bool = True) -> Subscribed:
    """Subscribe to ``url`` (a feed, or a page naming one) in ``channel``.

    Without ``channel`` the channel is named after the feed's title (``Opera Leaks » Cuba``);
    the channel's title follows the feed's. ``fetch=False`` stores the URL unchecked.
    """
    split_checked(url, settings.net)
    title = page = None
    feed_url = url
    if fetch:
        feed_url, title, page = asyncio.run(resolve_feed_url(url, settings))
    name = channel or title or (urlsplit(feed_url).hostname or feed_url)
    fid = store.add_feed(feed_url, name, title=title, added_url=url)
    return Subscribed(fid, feed_url, title, name, page)


def add_local_feed(store: ChannelStore, url: str, body: bytes, channel: str | None = None,
                   limits: FeedLimits = FeedLimits()) -> Subscribed:
    """Subscribe to the ``file:`` URL whose bytes are ``body``: a feed (its channel named after
    its title, else the file), or a saved channel or article page (its channel: the page's, or
    its site's). ``FeedParseError`` when it is neither."""
    try:
        parsed, why = parse_feed(body, url=url, limits=limits), None
    except FeedParseError as e:
        parsed, why = None, e.reason
    page = read_saved_page(body, url, limits=limits) if parsed is None or not parsed.entries else None
    if page is not None:
        name = channel or page.channel
        fid = store.add_feed(url, name, title=page.channel)
        of = f", saying its channel has {page.announced} articles" if page.announced else ""
        note = (f"{saved_on_disk(page.kind)}{of}: the next poll reads its article, and reads it again"
                " whenever the file changes")
        store.set_feed_status(fid, "active", note)
        return Subscribed(fid, url, page.channel, name, note=note)
    if parsed is None or (not parsed.entries and looks_like_html(body)):
        raise FeedParseError(f"neither a feed nor a saved channel or article page ({why or 'an HTML page'})", url)
    name = channel or parsed.title or file_path(url).stem
    fid = store.add_feed(url, name, title=parsed.title)
    return Subscribed(fid, url, parsed.title, name)


__all__ = ["Subscribed", "add_feed", "add_local_feed", "resolve_feed_url"]
