"""Feeds: bytes in, entries out. Pure: no I/O.

``parse_feed(data, url=...)`` reads RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed. It uses
fastfeedparser (measured ~100x faster than feedparser on 20-entry feeds: 0.15 ms vs 21 ms)
and falls back to feedparser when fastfeedparser refuses the input, finds no entries, or
the feed carries ``media:thumbnail`` (which fastfeedparser folds away). Every failure comes
out as :class:`FeedParseError`; nothing else escapes.

Everything in a feed is hostile: every size is capped by :class:`FeedLimits`, URLs are
resolved against the feed's URL and kept only when http(s) (``feed_model``: the records,
limits and cleaners). Beside it: ``html_text`` (``extract_html``: an entry's HTML → plain text,
links and images) and ``subscriptions`` (``discover_feeds`` in a page, ``looks_like_html``,
OPML read and written); importers outside ``parse/`` take those names from here too.
"""

from __future__ import annotations

import calendar
import functools
import codecs
import re
import warnings
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ..errors import FeedParseError
from .decode import CP1252_FALLBACK
from .feed_model import (
    FeedEntry, FeedImage, FeedLimits, ParsedFeed, bounded_int, clean_title, clip, http_url,
)

try:  # optional fast path
    import fastfeedparser as _ffp
except ImportError:  # pragma: no cover
    _ffp = None


def _iso_from_struct(st) -> str | None:
    try:
        ts = calendar.timegm(st)
        return datetime.fromtimestamp(ts, timezone.utc).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _iso_norm(s) -> str | None:
    """Normalise a date string fastfeedparser gave (ISO 8601 already) to UTC ISO."""
    if not s or not isinstance(s, str):
        return None
    return _iso_norm_str(s)


@functools.lru_cache(maxsize=4096)
def _iso_norm_str(s: str) -> str | None:
    """(cached: a feed's dates repeat — published and updated, the same hour across entries)"""
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    try:
        return d.astimezone(timezone.utc).isoformat()
    except (OverflowError, ValueError):
        return None


def _image_kind_ok(mime: str | None, url: str, medium: str | None = None) -> bool:
    if medium:
        return medium == "image"
    if mime:
        return mime.lower().startswith("image/")
    path = urlsplit(url).path.lower()
    return path.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp"))


# --------------------------------------------------------------------------- parsing

def _entries_from(raw_entries, base: str | None, limits: FeedLimits, fast: bool) -> list[FeedEntry]:
    out: list[FeedEntry] = []
    for e in raw_entries[: limits.max_entries]:
        try:
            out.append(_entry(e, base, limits, fast))
        except Exception:  # one odd entry must not lose the others
            continue
    return out


def _entry(e, base: str | None, limits: FeedLimits, fast: bool) -> FeedEntry:
    g = e.get
    link = http_url(g("link"), base, limits)
    ebase = link or base
    content = None
    contents = g("content") or []
    if isinstance(contents, list):
        vals = [c.get("value") for c in contents if isinstance(c, dict) and c.get("value")]
        if vals:
            content = "\n".join(v for v in vals if isinstance(v, str))
    summary = g("description") if fast else g("summary")
    if summary is None and fast:
        summary = g("summary")
    if fast:
        published = _iso_norm(g("published"))
        updated = _iso_norm(g("updated"))
    else:
        published = _iso_from_struct(g("published_parsed")) if g("published_parsed") else None
        updated = _iso_from_struct(g("updated_parsed")) if g("updated_parsed") else None
    images: list[FeedImage] = []
    encl = g("enclosures") or []
    if not fast and not encl:
        encl = [l for l in (g("links") or []) if isinstance(l, dict) and l.get("rel") == "enclosure"]
    media = g("media_content") or []
    thumbs = g("media_thumbnail") or []
    if encl or media or thumbs:
        _entry_images(images, encl, media, thumbs, ebase, limits)
    cats = []
    for t in (g("tags") or [])[: limits.max_categories]:
        if isinstance(t, dict):
            term = clean_title(t.get("term") or t.get("label"), 200)
            if term:
                cats.append(term)
    eid = g("id")
    return FeedEntry(
        id=clip(eid.strip(), limits.max_id_chars) if isinstance(eid, str) and eid.strip() else None,
        link=link,
        title=clean_title(g("title"), limits.max_title_chars),
        author=clean_title(g("author"), 300),
        published=published,
        updated=updated,
        summary=clip(summary, limits.max_summary_chars) if isinstance(summary, str) else None,
        content=clip(content, limits.max_content_chars),
        categories=cats,
        images=images,
    )


def _entry_images(images: list[FeedImage], encl, media, thumbs, ebase: str | None, limits: FeedLimits) -> None:
    """An entry's enclosures, media:content and media:thumbnail images (in that order), deduplicated."""
    seen: set[str] = set()

    def add(url, kind, mime=None, w=None, h=None, title=None, medium=None, check=True):
        u = http_url(url, ebase, limits)
        if not u or u in seen or len(images) >= limits.max_images:
            return
        if check and not _image_kind_ok(mime if isinstance(mime, str) else None, u,
                                        medium if isinstance(medium, str) else None):
            return
        seen.add(u)
        images.append(FeedImage(u, kind, clip(mime, 100), bounded_int(w), bounded_int(h), clean_title(title, 300)))

    for en in encl if isinstance(encl, list) else []:
        if isinstance(en, dict):
            add(en.get("url") or en.get("href"), "enclosure", en.get("type"))
    for mc in media:
        if isinstance(mc, dict):
            add(mc.get("url"), "media:content", mc.get("type"), mc.get("width"), mc.get("height"),
                mc.get("title"), mc.get("medium"))
            if mc.get("thumbnail_url"):
                add(mc.get("thumbnail_url"), "media:thumbnail", check=False)
    for th in thumbs:
        if isinstance(th, dict):
            add(th.get("url"), "media:thumbnail", None, th.get("width"), th.get("height"), check=False)


def _feed_meta(f, out: ParsedFeed, base: str | None, limits: FeedLimits) -> None:
    g = f.get
    out.title = clean_title(g("title"), limits.max_title_chars)
    out.link = http_url(g("link"), base, limits)
    out.subtitle = clean_title(g("subtitle"), limits.max_title_chars * 4)
    lang = g("language")
    out.language = clip(lang.strip(), 35) if isinstance(lang, str) and lang.strip() else None


def _parse_fast(data: bytes, url: str | None, limits: FeedLimits) -> ParsedFeed | None:
    if _ffp is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = _ffp.parse(data)  # bytes: never fetched by fastfeedparser
    except Exception:
        return None
    out = ParsedFeed(parser="fastfeedparser")
    _feed_meta(r.get("feed") or {}, out, url, limits)
    out.entries = _entries_from(r.get("entries") or [], url, limits, fast=True)
    return out


def _parse_slow(data: bytes, url: str | None, limits: FeedLimits, headers: dict | None) -> ParsedFeed:
    import feedparser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # A URL-looking str would make feedparser fetch it: always hand it bytes.
            r = feedparser.parse(bytes(data), response_headers=headers or {},
                                 resolve_relative_uris=False, sanitize_html=False)
    except Exception as e:  # feedparser is documented not to raise; be sure
        raise FeedParseError(f"feedparser failed: {type(e).__name__}: {e}", url) from None
    out = ParsedFeed(parser="feedparser")
    if r.get("bozo"):
        exc = r.get("bozo_exception")
        out.warning = clip(f"{type(exc).__name__}: {exc}" if exc else "ill-formed feed", 500)
    _feed_meta(r.get("feed") or {}, out, url, limits)
    out.entries = _entries_from(r.get("entries") or [], url, limits, fast=False)
    return out


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)


def _utf8_repaired(data: bytes, content_type: str | None) -> bytes:
    """A document that says it is UTF-8 (XML declaration or HTTP charset) but is not — a
    latin-1 / cp1252 feed with the wrong label, or stray bytes in a UTF-8 one — with each bad
    byte read as cp1252 instead of becoming U+FFFD (``Relações``, not ``Rela��es``). Nothing
    is done when no encoding is named (feedparser then guesses, CJK encodings included)."""
    if data.isascii() or data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00\x00\xfe\xff")):
        return data
    declared = []
    m = _XML_ENCODING.match(data)
    if m:
        declared.append(m.group(1).decode("ascii"))
    m = _CHARSET.search(content_type or "")
    if m:
        declared.append(m.group(1))
    says_utf8 = False
    for name in declared:
        try:
            if codecs.lookup(name).name != "utf-8":
                return data  # another encoding is named: the parsers use it
            says_utf8 = True
        except LookupError:
            continue
    if not says_utf8:
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("utf-8", CP1252_FALLBACK).encode("utf-8")


_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
"""Where an RSS item or Atom entry starts (``<item>``, ``<rss:item …>``, ``<entry>``)."""


def _cut_entries(data: bytes, limit: int) -> tuple[bytes, int | None]:
    """The document cut just before its entry number ``limit + 1``, and how many entries it has
    (None when it has no more than ``limit``): the parsers then never spend time on entries
    that would be dropped (a feed of 100,000 entries took a minute, mostly guessing dates)."""
    if len(data) < len(b"<item/>") * (limit + 1):
        return data, None  # too short to hold more
    cut = None
    n = 0
    for n, m in enumerate(_ENTRY_TAG.finditer(data), 1):
        if n == limit + 1:
            cut = m.start()
    if cut is None:
        return data, None
    return data[:cut], n  # the parsers recover the unclosed document


def parse_feed(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    limits: FeedLimits = FeedLimits(),
) -> ParsedFeed:
    """Parse feed bytes. Raises FeedParseError when the bytes hold no readable feed."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise FeedParseError("feed data must be bytes", url)
    data = bytes(data)
    if not data.strip():
        raise FeedParseError("empty body", url)
    data, total = _cut_entries(data, limits.max_entries)
    data = _utf8_repaired(data, content_type)
    parsed = None
    if b"thumbnail" not in data:
        parsed = _parse_fast(data, url, limits)
        if parsed is not None and not parsed.entries and not parsed.title:
            parsed = None
    if parsed is None:
        headers = {"content-type": content_type} if content_type else None
        parsed = _parse_slow(data, url, limits, headers)
        if not parsed.entries and not parsed.title and parsed.warning:
            raise FeedParseError(f"not a feed ({parsed.warning})", url)
    parsed.entries_cut = total
    return parsed


__all__ = [
    "parse_feed",
]
