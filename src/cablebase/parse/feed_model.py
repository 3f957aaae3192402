"""What the feed side reads into, and how each hostile value is made to fit it. Pure: no I/O.

The records (:class:`ParsedFeed`, :class:`FeedEntry`, :class:`FeedImage`), the caps on what one
feed may make us keep (:class:`FeedLimits`), the error every failure comes out as
(:class:`FeedParseError`), and the cleaners the feed, HTML and OPML readers share: ``clip`` (cut
to a cap, NULs dropped), ``clean_title`` (tags and entities out, blanks squashed), ``http_url``
(resolved against a base, kept only when http(s)) and ``bounded_int`` (a size, or None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urljoin, urlsplit



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


# --------------------------------------------------------------------------- cleaning

_TAG = re.compile(r"<[^>]*>")


def clip(s, n: int) -> str | None:
    """``s`` as text, NULs dropped, cut to ``n`` characters (None stays None)."""
    if s is None:
        return None
    if not isinstance(s, str):
        s = str(s)
    s = s.replace("\x00", "")
    return s[:n] if len(s) > n else s


def clean_title(s, n: int) -> str | None:
    """A one-line title: tags and entities out, blanks squashed, cut to ``n`` (None when empty)."""
    s = clip(s, n * 4)
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


def http_url(u, base: str | None, limits: FeedLimits) -> str | None:
    """``u`` resolved against ``base``; None unless an absolute http(s) URL within ``max_url_chars``."""
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


def bounded_int(v) -> int | None:
    """``v`` as an int in 0 … 999,999 (a width, a height), else None."""
    try:
        i = int(v)
    except (TypeError, ValueError):
        return None
    return i if 0 <= i < 1_000_000 else None
