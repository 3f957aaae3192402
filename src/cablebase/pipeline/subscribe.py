"""Subscribing to a feed: ``add_feed(store, url, channel=...)`` checks the URL against the
network policy, resolves it to a feed — the URL itself, or the first readable feed that an
HTML page announces (``<link rel=alternate>``) — reads its title, and stores the feed in its
channel (named after the feed's title when none is given). Uses the same :class:`Fetcher` and
limits as polling.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import FeedParseError
from ..parse.feed import parse_feed
from ..parse.subscriptions import discover_feeds, looks_like_html
from .._store.channels import ChannelStore
from ..sources.fetch import Fetcher, FetchError
from ..sources.net import split_checked
from ..sources.settings import PollSettings


@dataclass
class Subscribed:
    feed_id: int
    url: str
    title: str | None
    channel: str | None
    discovered_from: str | None = None


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


__all__ = ["Subscribed", "add_feed", "resolve_feed_url"]
