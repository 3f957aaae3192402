"""Feeds: bytes in, entries out. Pure: no I/O.

``parse_feed(data, url=...)`` reads RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed. It uses
fastfeedparser (measured ~100x faster than feedparser on 20-entry feeds: 0.15 ms vs 21 ms)
and falls back to feedparser when fastfeedparser refuses the input, finds no entries, or
the feed carries ``media:thumbnail`` (which fastfeedparser folds away). Every failure comes
out as :class:`FeedParseError`; nothing else escapes.

Everything in a feed is hostile: every size is capped by :class:`FeedLimits`, URLs are
resolved against the feed's URL and kept only when http(s).

``extract_html`` turns an entry's HTML into plain text plus its links and images (with the
link's offset in that text), for the link finder and "Latest Images".
``discover_feeds`` finds ``<link rel="alternate" type="application/rss+xml">`` in a page.
"""

from __future__ import annotations

import calendar
import functools
import codecs
import re
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import unescape
from urllib.parse import urljoin, urlsplit

from ..errors import ParseError

try:  # optional fast path
    import fastfeedparser as _ffp
except ImportError:  # pragma: no cover
    _ffp = None


class FeedParseError(ParseError):
    """The bytes are not a feed we can read."""


@dataclass(frozen=True)
class FeedLimits:
    """Caps on what one feed may make us keep. Safe defaults; all are settings."""

    max_entries: int = 500
    max_title_chars: int = 1_000
    max_summary_chars: int = 200_000
    max_content_chars: int = 2_000_000
    max_images: int = 50
    max_categories: int = 50
    max_url_chars: int = 2_048
    max_id_chars: int = 2_048


@dataclass(slots=True)
class FeedImage:
    url: str
    kind: str
    """``enclosure``, ``media:content``, ``media:thumbnail`` or ``img``."""
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    title: str | None = None

    def __reduce__(self):
        # Pickled as the constructor's arguments: smaller and faster than the slots default,
        # which matters for the prepare workers' answers (``sources.prepare``).
        return (FeedImage, (self.url, self.kind, self.mime, self.width, self.height, self.title))


@dataclass(slots=True)
class FeedEntry:
    id: str | None = None
    link: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    """ISO 8601 UTC (``2007-02-27T16:04:00+00:00``) when the feed gave a readable date."""
    updated: str | None = None
    summary: str | None = None
    """HTML (or text) of the summary/description."""
    content: str | None = None
    """HTML of the full content (``content:encoded``, Atom ``content``) when given."""
    categories: list[str] = field(default_factory=list)
    images: list[FeedImage] = field(default_factory=list)


@dataclass(slots=True)
class ParsedFeed:
    title: str | None = None
    link: str | None = None
    subtitle: str | None = None
    language: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    parser: str = ""
    warning: str | None = None
    """What feedparser's ``bozo`` said, when the feed was ill-formed but readable."""
    entries_cut: int | None = None
    """Set to the number of entries the document has when it has more than ``max_entries``
    (only the first ``max_entries`` are read)."""


# --------------------------------------------------------------------------- helpers

_WS = re.compile(r"\s+")


def _clip(s, n: int) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        s = str(s)
    s = s.replace("\x00", "")
    return s[:n] if len(s) > n else s


def _clean_title(s, n: int) -> str | None:
    s = _clip(s, n * 4)
    if s is None:
        return None
    if "<" in s or "&" in s:
        s = _TAG.sub(" ", s)
        s = unescape(s)
    s = " ".join(s.split())  # = re.sub(r"\s+", " ", s).strip(), faster
    return s[:n] or None


_PLAIN_ABS = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&'()*+,=:@%/-]*)?"
                        r"(?:\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]+)?")
"""An absolute http(s) URL that ``urljoin`` returns unchanged whatever the base: lower-case scheme,
a plain host, no path parameters (``;``), no empty query, no fragment, nothing to strip."""


def _url(u, base: str | None, limits: FeedLimits) -> str | None:
    if not u or not isinstance(u, str):
        return None
    u = u.strip()
    if not u or len(u) > limits.max_url_chars:
        return None
    if _PLAIN_ABS.fullmatch(u):
        return u  # absolute, plain ASCII, nothing urljoin or urlsplit would rewrite: as is (fast)
    if base:
        try:
            u = urljoin(base, u)
        except ValueError:
            return None
    try:
        p = urlsplit(u)
    except ValueError:
        return None
    if p.scheme.lower() not in ("http", "https") or not p.netloc:
        return None
    return u


def _int(v) -> int | None:
    try:
        i = int(v)
    except (TypeError, ValueError):
        return None
    return i if 0 <= i < 1_000_000 else None


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
    link = _url(g("link"), base, limits)
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
            term = _clean_title(t.get("term") or t.get("label"), 200)
            if term:
                cats.append(term)
    eid = g("id")
    return FeedEntry(
        id=_clip(eid.strip(), limits.max_id_chars) if isinstance(eid, str) and eid.strip() else None,
        link=link,
        title=_clean_title(g("title"), limits.max_title_chars),
        author=_clean_title(g("author"), 300),
        published=published,
        updated=updated,
        summary=_clip(summary, limits.max_summary_chars) if isinstance(summary, str) else None,
        content=_clip(content, limits.max_content_chars),
        categories=cats,
        images=images,
    )


def _entry_images(images: list[FeedImage], encl, media, thumbs, ebase: str | None, limits: FeedLimits) -> None:
    """An entry's enclosures, media:content and media:thumbnail images (in that order), deduplicated."""
    seen: set[str] = set()

    def add(url, kind, mime=None, w=None, h=None, title=None, medium=None, check=True):
        u = _url(url, ebase, limits)
        if not u or u in seen or len(images) >= limits.max_images:
            return
        if check and not _image_kind_ok(mime if isinstance(mime, str) else None, u,
                                        medium if isinstance(medium, str) else None):
            return
        seen.add(u)
        images.append(FeedImage(u, kind, _clip(mime, 100), _int(w), _int(h), _clean_title(title, 300)))

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
    out.title = _clean_title(g("title"), limits.max_title_chars)
    out.link = _url(g("link"), base, limits)
    out.subtitle = _clean_title(g("subtitle"), limits.max_title_chars * 4)
    lang = g("language")
    out.language = _clip(lang.strip(), 35) if isinstance(lang, str) and lang.strip() else None


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
        out.warning = _clip(f"{type(exc).__name__}: {exc}" if exc else "ill-formed feed", 500)
    _feed_meta(r.get("feed") or {}, out, url, limits)
    out.entries = _entries_from(r.get("entries") or [], url, limits, fast=False)
    return out


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _byte_fallback(e: UnicodeDecodeError) -> tuple[str, int]:
    bad = e.object[e.start:e.end]
    return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes((b,)).decode("cp1252") for b in bad), e.end


codecs.register_error("cablebase-cp1252", _byte_fallback)


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
        return data.decode("utf-8", "cablebase-cp1252").encode("utf-8")


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


# --------------------------------------------------------------------------- HTML

_TAG = re.compile(r"<[^>]*>")
_BLOCK_AT = re.compile(
    r"<(?=/?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|blockquote|pre|section|article|header|footer|dd|dt|hr)\b)",
    re.I,
)
"""Where a block element starts or ends: a newline goes before it, so blocks become lines."""
_DROP = re.compile(r"<(?:script|style|noscript|template)", re.I)
_BLANKS = str.maketrans("\t\r\f\v\xa0", "     ")


def _blanks(s: str) -> str:
    """Each run of blanks (space, tab, CR, FF, VT, no-break space) → one space.

    (``re.sub("[ \\t\\r\\f\\v\\xa0]+", " ", s)``, but ~50x faster: that regex rewrites every
    single space between two words.)
    """
    if "\t" in s or "\r" in s or "\f" in s or "\v" in s or "\xa0" in s:
        s = s.translate(_BLANKS)
    while "  " in s:
        s = s.replace("  ", " ")
    return s


def _squash(raw: str) -> str:
    """Blanks → one space; any whitespace run holding a newline → one newline; stripped.

    (What ``re.sub(r"\\s*\\n\\s*", "\\n", <blanks squashed>).strip()`` gives, without that
    regex's backtracking at every space.)
    """
    s = _blanks(raw)
    if "\n" in s:
        s = "\n".join(filter(None, map(str.strip, s.split("\n"))))
    return s.strip()


@dataclass(slots=True)
class HtmlLink:
    href: str
    """As written in the page (unresolved)."""
    url: str | None
    """Resolved absolute http(s) URL, or None."""
    text: str
    offset: int
    """Where the anchor's text starts in ``HtmlInfo.text`` (best effort; -1 if not found)."""


@dataclass(slots=True)
class HtmlInfo:
    text: str
    links: list[HtmlLink]
    images: list[FeedImage]


def html_to_text(html: str) -> str:
    return extract_html(html, None, want_links=False).text


def extract_html(html: str | None, base_url: str | None, *, limits: FeedLimits = FeedLimits(),
                 want_links: bool = True, max_links: int = 5_000) -> HtmlInfo:
    """Plain text of an HTML fragment or page, plus its ``<a href>`` links and ``<img>`` images."""
    if not html:
        return HtmlInfo("", [], [])
    if "<" not in html:
        return HtmlInfo(_squash(unescape(html)), [], [])
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(_BLOCK_AT.sub("\n<", html))
    if _DROP.search(html):
        for bad in tree.css("script, style, noscript, template"):
            bad.decompose()
    root = tree.body or tree.root
    text = _squash(root.text(deep=True, separator="", strip=False)) if root is not None else ""
    links: list[HtmlLink] = []
    images: list[FeedImage] = []
    if root is None:
        return HtmlInfo(text, links, images)
    if want_links:
        cursor = 0
        for a in root.css("a[href]"):
            if len(links) >= max_links:
                break
            href = (a.attributes.get("href") or "").strip()
            if not href or len(href) > limits.max_url_chars:
                continue
            atext = _blanks(a.text(deep=True, separator="", strip=False)).strip()
            off = text.find(atext, cursor) if atext else -1
            if off < 0 and atext:
                off = text.find(atext)
            if off >= 0:
                cursor = off
            links.append(HtmlLink(href, _url(href, base_url, limits), atext[:300], off))
    seen: set[str] = set()
    for img in root.css("img"):
        if len(images) >= limits.max_images:
            break
        attrs = img.attributes
        src = attrs.get("src") or attrs.get("data-src")
        u = _url(src, base_url, limits) if src else None
        if not u or u in seen:
            continue
        seen.add(u)
        images.append(FeedImage(u, "img", None, _int(attrs.get("width")), _int(attrs.get("height")),
                                _clean_title(attrs.get("alt") or attrs.get("title"), 300)))
    return HtmlInfo(text, links, images)


# --------------------------------------------------------------------------- discovery

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/xml",
    "application/xml",
)


def looks_like_html(data: bytes, content_type: str | None = None) -> bool:
    """True when a response is an HTML page rather than a feed."""
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct in ("text/html", "application/xhtml+xml"):
        head = data[:2048].lstrip().lower()
        return not (head.startswith(b"<?xml") and (b"<rss" in data[:4096] or b"<feed" in data[:4096]))
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def discover_feeds(html: bytes | str, base_url: str, limits: FeedLimits = FeedLimits(),
                   max_feeds: int = 20) -> list[str]:
    """Feed URLs a page announces (``<link rel="alternate" type="…rss+xml" href=…>``), in order."""
    from selectolax.lexbor import LexborHTMLParser

    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    tree = LexborHTMLParser(html)
    base = base_url
    b = tree.css_first("base[href]")
    if b is not None:
        base = _url(b.attributes.get("href"), base_url, limits) or base_url
    out: list[str] = []
    for link in tree.css("link[href]"):
        a = link.attributes
        rels = (a.get("rel") or "").lower().split()
        typ = (a.get("type") or "").split(";")[0].strip().lower()
        if ("alternate" in rels or "feed" in rels) and (typ in FEED_TYPES[:4] or (not typ and "feed" in rels)):
            u = _url(a.get("href"), base, limits)
            if u and u not in out:
                out.append(u)
        if len(out) >= max_feeds:
            break
    return out


__all__ = [
    "FeedLimits", "FeedImage", "FeedEntry", "ParsedFeed", "FeedParseError", "parse_feed",
    "extract_html", "html_to_text", "HtmlInfo", "HtmlLink", "discover_feeds", "looks_like_html",
]


# --------------------------------------------------------------------------- OPML

@dataclass(slots=True)
class OpmlFeed:
    url: str
    title: str | None
    channel: str | None
    """The enclosing outline's title (the channel), if any."""


def parse_opml(data: bytes, *, max_feeds: int = 10_000) -> list[OpmlFeed]:
    """Subscriptions in an OPML file (entities not expanded, nothing fetched)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False,
                             load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise FeedParseError(f"not OPML: {e}") from None
    if root is None:
        raise FeedParseError("not OPML: empty document")
    out: list[OpmlFeed] = []
    limits = FeedLimits()
    for o in root.iter("outline"):
        url = _url(o.get("xmlUrl") or o.get("xmlurl"), None, limits)
        if not url:
            continue
        parent = o.getparent()
        channel = None
        if parent is not None and parent.tag == "outline" and not parent.get("xmlUrl"):
            channel = _clean_title(parent.get("title") or parent.get("text"), 300)
        out.append(OpmlFeed(url, _clean_title(o.get("title") or o.get("text"), 300), channel))
        if len(out) >= max_feeds:
            break
    return out


def write_opml(groups: dict[str | None, list[tuple[str, str | None]]], title: str = "cablebase subscriptions") -> str:
    """OPML 2.0 text: ``groups`` maps a channel name (None: no channel) to (url, title) pairs."""
    from xml.sax.saxutils import quoteattr, escape as xesc

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{xesc(title)}</title></head>", "  <body>"]
    for ch, feeds in groups.items():
        ind = "    "
        if ch is not None:
            lines.append(f"    <outline text={quoteattr(ch)} title={quoteattr(ch)}>")
            ind = "      "
        for url, t in feeds:
            t = t or url
            lines.append(f'{ind}<outline type="rss" text={quoteattr(t)} title={quoteattr(t)} xmlUrl={quoteattr(url)}/>')
        if ch is not None:
            lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
