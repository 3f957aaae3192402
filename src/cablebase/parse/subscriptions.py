"""Where subscriptions come from and go to: the feeds a web page announces
(``<link rel="alternate" type="application/rss+xml">``), and OPML lists read and written.
Pure: no I/O, nothing fetched, no entities expanded.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FeedParseError
from .feed_model import FeedLimits, clean_title, http_url

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
        base = http_url(b.attributes.get("href"), base_url, limits) or base_url
    out: list[str] = []
    for link in tree.css("link[href]"):
        a = link.attributes
        rels = (a.get("rel") or "").lower().split()
        typ = (a.get("type") or "").split(";")[0].strip().lower()
        if ("alternate" in rels or "feed" in rels) and (typ in FEED_TYPES[:4] or (not typ and "feed" in rels)):
            u = http_url(a.get("href"), base, limits)
            if u and u not in out:
                out.append(u)
        if len(out) >= max_feeds:
            break
    return out

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
    for o in root.iter("{*}outline"):  # plain or namespaced OPML (<opml xmlns="http://opml.org/spec2">)
        attrs = _attrs(o)
        if attrs.get("type", "").lower() in _NOT_FEEDS:
            continue
        url = http_url(attrs.get("xmlurl"), None, limits)
        if not url:
            continue
        parent = o.getparent()
        channel = None
        if parent is not None and etree.QName(parent).localname == "outline":
            pattrs = _attrs(parent)
            if not pattrs.get("xmlurl"):
                channel = clean_title(pattrs.get("title") or pattrs.get("text"), 300)
        if channel is None and attrs.get("category"):  # OPML 2.0: "/Folder" or "Folder,Other"
            first = attrs["category"].split(",")[0].strip().strip("/")
            channel = clean_title(first.split("/")[0], 300) if first else None
        out.append(OpmlFeed(url, clean_title(attrs.get("title") or attrs.get("text"), 300), channel))
        if len(out) >= max_feeds:
            break
    return out


_NOT_FEEDS = frozenset({"source", "include", "link"})
"""Outline types that point to another subscription list or a web page, not to a feed."""


def _attrs(el) -> dict[str, str]:
    """An element's attributes with lower-case names (``xmlUrl``, ``xmlurl``, ``XMLURL`` alike)."""
    return {str(k).rsplit("}", 1)[-1].lower(): v for k, v in el.attrib.items()}


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
