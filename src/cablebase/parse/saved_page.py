"""A page saved on disk, read as a source when it is no feed (``cablebase feed add PATH``).

Two kinds, each giving one article and the channel it belongs to:

- a feed aggregator's **channel page** (saved as text, or as HTML): ``Channel: Opera Leaks »
  Cuba`` / ``Browse latest Browse all 8`` / its post, read by ``parse.press.read_saved_channel``
  as the ingest reads it. The channel is the page's; the page says how many articles it has
  (``announced``), the post is the one it shows;
- a **news article page** saved from a browser: its main content (trafilatura), title, author,
  date and address from the page's own metadata (``og:…``, ``article:published_time``,
  ``<link rel=canonical>``, the ``<!-- saved from url=… -->`` a browser leaves). Its channel is
  named after the site (``og:site_name``, else the address's host, else the file's name). A
  WikiLeaks site's article page goes to its section's channel, as in an ingest.

Pure: bytes in, a ``SavedPage`` out; None for anything else (the caller says it is neither a
feed nor a saved page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from ..errors import ParseError
from .decode import decode
from .feed_model import FeedEntry, FeedLimits, clean_title, clip, http_url
from .html_text import extract_html, extract_main, html_to_text
from .press import SITE_URL, channel_of, paragraphs_html, press_entry, read_press_page, read_saved_channel

_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body)\b", re.I)
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.I)
_TITLE_SITE = re.compile(r"^(.{3,}?)\s+[|–—-]\s+([^|–—-]{2,60})$")
"""``Title | Site`` or ``Title - Site``: the site a page's ``<title>`` names after its title."""
MIN_TEXT_CHARS = 200
"""An HTML page whose main content is shorter than this is no article page."""


@dataclass(frozen=True, slots=True)
class SavedPage:
    kind: str
    """``channel page`` or ``article page``."""
    channel: str
    entry: FeedEntry
    announced: int | None = None
    """How many articles a channel page says its channel has (``Browse all 8``)."""
    base_url: str | None = None
    """What the article's relative links are resolved against."""
    site_url: str | None = None


def read_saved_page(data: bytes, location: str | None = None, *,
                    limits: FeedLimits = FeedLimits()) -> SavedPage | None:
    """The article a saved channel or article page holds, with its channel (see the module doc)."""
    try:
        text = decode(data, location)
    except ParseError:
        return None
    if not _HTML.search(data[:4096]):
        return _channel_page(text)
    press = read_press_page(data, location)
    if press is not None and press.kind == "article":
        return SavedPage("article page", channel_of(press), press_entry(press, "saved:" + (press.title or "")),
                         base_url=SITE_URL, site_url=SITE_URL)
    return _channel_page(html_to_text(text)) or _article_page(text, location, limits)


def _channel_page(text: str) -> SavedPage | None:
    page = read_saved_channel(text)
    if page is None:
        return None
    return SavedPage("channel page", page.channel, press_entry(page, "saved:" + (page.title or "")), page.announced)


def _article_page(html: str, location: str | None, limits: FeedLimits) -> SavedPage | None:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)

    def meta(*names: str) -> str | None:
        for n in names:
            for attr in ("property", "name", "itemprop"):
                node = tree.css_first(f'meta[{attr}="{n}"]')
                if node is not None and (v := (node.attributes.get("content") or "").strip()):
                    return v
        return None

    canonical = tree.css_first('link[rel="canonical"]')
    saved_from = _SAVED_FROM.search(html[:2000])
    url = (http_url(canonical.attributes.get("href") if canonical is not None else None, None, limits)
           or http_url(meta("og:url"), None, limits) or http_url(saved_from.group(1) if saved_from else None, None, limits))
    main = extract_main(html, url)
    info = extract_html(main, url, limits=limits, want_links=False)
    if len(info.text) < MIN_TEXT_CHARS:
        return None
    head = tree.css_first("title")
    page_title = clean_title(head.text(), limits.max_title_chars) if head is not None else None
    split = _TITLE_SITE.match(page_title or "")
    h1 = tree.css_first("h1")
    title = (clean_title(meta("og:title", "twitter:title"), limits.max_title_chars)
             or (split.group(1) if split else page_title)
             or (clean_title(h1.text(), limits.max_title_chars) if h1 is not None else None))
    host = urlsplit(url).hostname if url else None
    site = (clean_title(meta("og:site_name", "application-name"), 200) or (host.removeprefix("www.") if host else None)
            or (split.group(2).strip() if split else None) or _file_name(location))
    author = meta("author", "article:author", "dc.creator", "DC.creator")
    entry = FeedEntry(id=None if url else "saved:" + (title or ""), link=url, title=title,
                      author=clip(author, 300) if author and not author.startswith("http") else None,
                      published=_when(meta("article:published_time", "og:published_time", "datePublished",
                                           "date", "pubdate", "DC.date.issued", "dc.date")
                                      or _time_element(tree)),
                      content=clip(main, limits.max_content_chars))
    return SavedPage("article page", site, entry, base_url=url,
                     site_url=f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/" if url else None)


def _time_element(tree) -> str | None:
    node = tree.css_first("article time[datetime], time[datetime]")
    return node.attributes.get("datetime") if node is not None else None


def _when(value: str | None) -> str | None:
    """An ISO 8601 date or time as UTC (``2011-06-01T12:00:00+00:00``); None if not one."""
    if not value:
        return None
    v = value.strip()
    try:
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", v)
        if m is None:
            return None
        try:
            t = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    t = t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
    return t.isoformat()


def _file_name(location: str | None) -> str:
    """The saved file's name without its ending (a ``file:`` URL's or a path's)."""
    path = unquote(urlsplit(location).path) if location and location.startswith("file:") else (location or "")
    return PurePosixPath(path.replace("\\", "/")).stem or "saved page"


__all__ = ["MIN_TEXT_CHARS", "SavedPage", "read_saved_page"]
