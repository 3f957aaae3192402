"""Turning hostile text into safe HTML, and the Jinja2 environment of the pages.

Everything that comes from a feed, a page or a cable is hostile. Text is escaped by Jinja's
autoescape; the only HTML that is ever passed through is the output of ``sanitize_html``
(nh3, an allow-list of tags and attributes, http/https/mailto links only, relative links
resolved against the article's own address or dropped). URLs put in ``href``/``src`` by
the templates go through ``safe_url`` (http and https only). The Content-Security-Policy
(see ``app.py``) forbids every script but our own files as a second line of defence.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, urlencode, urlsplit

import nh3
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre",
    "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "*": {"lang", "dir"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow ugc"
CONTENT_DROPPED = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def strip_controls(s: str) -> str:
    """Drop characters that are not allowed in HTML or XML text (NUL, most C0 controls)."""
    return _CONTROL.sub("", s)


def safe_url(url: Any) -> str | None:
    """``url`` if it is an absolute http(s) URL without tricks, else None."""
    if not url or not isinstance(url, str):
        return None
    u = strip_controls(url).strip()
    if any(c.isspace() for c in u) or len(u) > 4000:
        return None
    try:
        p = urlsplit(u)
    except ValueError:
        return None
    if p.scheme.lower() not in ("http", "https") or not p.netloc:
        return None
    return u


_CABLE_LINK = re.compile(r"(?:^|/)cable/\d{4}/\d{2}/([0-9A-Za-z]{4,40})\.html?(?:[?#][^\s]*)?$")
"""A link to a cable page of the cablegate site or a mirror of it (absolute or relative)."""
_LOCAL = "https://cablebase.local.invalid/cable/"
"""Stands for the archive's own ``/cable/`` while nh3 cleans (it keeps only absolute links)."""


_HREF = re.compile(r"""(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)


def _local_cable_links(html: str) -> str:
    """Each href naming a cable page (relative ones too, which nh3 would drop without a base)
    replaced by ``_LOCAL`` + its REFID, before cleaning."""
    def one(m: re.Match[str]) -> str:
        value = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
        c = _CABLE_LINK.search(value.strip())
        return f'{m.group(1)}"{_LOCAL}{c.group(1).upper()}"' if c else m.group(0)

    return _HREF.sub(one, html)


def sanitize_html(html: str | None, base_url: str | None = None, *, local_cables: bool = False) -> Markup:
    """Safe HTML from hostile HTML (nh3 allow-list). Relative links resolve against ``base_url``
    when it is an http(s) URL, else they are dropped. ``local_cables``: links to a cable's page
    on the cablegate site (dead) or a mirror, absolute or relative, point to the archive's own
    page of the cable (``/cable/REFID``)."""
    if not html:
        return Markup("")
    base = safe_url(base_url)
    rel: Any = ("rewrite_with_base", base) if base else "deny"
    if local_cables:
        out = nh3.clean(
            _local_cable_links(strip_controls(html)), tags=ALLOWED_TAGS, clean_content_tags=CONTENT_DROPPED,
            attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL, strip_comments=True,
            url_relative=rel,
        )
        return Markup(out.replace(f'href="{_LOCAL}', 'href="/cable/'))
    try:
        out = nh3.clean(
            strip_controls(html), tags=ALLOWED_TAGS, clean_content_tags=CONTENT_DROPPED,
            attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL, strip_comments=True,
            url_relative=rel,
        )
    except TypeError:  # an nh3 older than 0.3 (no url_relative): relative links pass through
        out = nh3.clean(
            strip_controls(html), tags=ALLOWED_TAGS, clean_content_tags=CONTENT_DROPPED,
            attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL, strip_comments=True,
        )
    except Exception:  # noqa: BLE001 - a base URL nh3 refuses: drop relative links instead
        out = nh3.clean(
            strip_controls(html), tags=ALLOWED_TAGS, clean_content_tags=CONTENT_DROPPED,
            attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL, strip_comments=True,
            url_relative="deny",
        )
    return Markup(out)


def plain(html: str | None, limit: int | None = None) -> str:
    """Text of an HTML fragment (for titles and excerpts): tags dropped, entities decoded."""
    if not html:
        return ""
    text = nh3.clean(strip_controls(html), tags=set(), clean_content_tags=CONTENT_DROPPED)
    text = _unescape(text)
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _unescape(s: str) -> str:
    import html as _html

    return _html.unescape(s)


def highlight(text: str, ranges: Iterable[Iterable[int]]) -> list[tuple[str, bool]]:
    """Split ``text`` into (segment, highlighted) pairs at the given character ranges."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for a, b in sorted((int(x[0]), int(x[1])) for x in ranges):
        a, b = max(a, pos), min(b, len(text))
        if a >= b:
            continue
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def span_patterns(needles: Iterable[str]) -> list[re.Pattern[str]]:
    """Patterns for ``mark_spans``: whitespace in a needle matches any run of whitespace
    (comments are stored with their line breaks collapsed)."""
    out = []
    for n in needles:
        words = n.split()
        if len(words) >= 3:
            out.append(re.compile(r"\s+".join(re.escape(w) for w in words)))
    return out


def mark_spans(text: str, needles: Iterable[str] | list[re.Pattern[str]]) -> list[tuple[str, bool]]:
    """Split ``text`` into (segment, inside one of ``needles``) pairs."""
    pats = [n for n in needles if isinstance(n, re.Pattern)] or span_patterns(n for n in needles if isinstance(n, str))
    ranges = []
    for pat in pats:
        m = pat.search(text)
        if m:
            ranges.append((m.start(), m.end()))
    if not ranges:
        return [(text, False)]
    return highlight(text, ranges)


def slug(value: str) -> str:
    """``SECRET//NOFORN`` → ``secret-noforn`` (for classification URLs)."""
    v = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", v.lower()).strip("-")


def path_part(value: str) -> str:
    """A path segment for a value (an origin, a TAG, a channel name)."""
    return quote(value, safe="")


def iso(value: Any) -> str | None:
    """An ISO 8601 UTC time from Unix seconds, ``YYYY-MM-DD HH:MM`` or ISO text."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), timezone.utc).isoformat(timespec="seconds")
    s = str(value).strip()
    try:
        if len(s) == 16 and s[10] == " ":
            return datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc).isoformat()
        if len(s) == 10:
            return datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc).isoformat()
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
        if d.tzinfo is None:
            d = d.replace(tzinfo=timezone.utc)
        return d.astimezone(timezone.utc).isoformat()
    except ValueError:
        return None


def day(value: Any) -> str:
    """``2011-06-01`` from any time the archive stores (for display)."""
    s = iso(value)
    return s[:10] if s else ""


def qs(params: dict[str, Any], **changes: Any) -> str:
    """A query string from ``params`` with ``changes`` applied (None removes a key; lists repeat)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for k, v in merged.items():
        if v is None or v == "" or v == []:
            continue
        if isinstance(v, (list, tuple)):
            pairs.extend((k, str(x)) for x in v)
        else:
            pairs.append((k, str(v)))
    return ("?" + urlencode(pairs)) if pairs else ""


LANGUAGES = {
    "pt": "Portuguese", "en": "English", "es": "Spanish", "fr": "French", "de": "German", "sv": "Swedish",
    "ru": "Russian", "ar": "Arabic", "it": "Italian", "nl": "Dutch", "no": "Norwegian", "nb": "Norwegian",
    "da": "Danish", "fi": "Finnish", "pl": "Polish", "tr": "Turkish", "el": "Greek", "he": "Hebrew",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "hu": "Hungarian", "cs": "Czech", "ro": "Romanian",
}


def language_name(code: str | None) -> str:
    if not code:
        return ""
    return LANGUAGES.get(code.split("-")[0].lower(), code)


def pager(page: int, pages: int, width: int = 3) -> list[int | None]:
    """Page numbers to show around ``page`` (None stands for a gap)."""
    keep = {1, pages, *range(max(1, page - width), min(pages, page + width) + 1)}
    out: list[int | None] = []
    prev = 0
    for p in sorted(keep):
        if p - prev > 1:
            out.append(None)
        out.append(p)
        prev = p
    return out


def note_html(text: str | None) -> Markup:
    """A note's text as safe HTML: sanitised exactly as articles are (its line breaks are kept
    by the page's CSS, ``white-space: pre-wrap``)."""
    return sanitize_html(text)


def timestamp(t: float | int | None) -> str:
    """Unix seconds as ``2026-12-06 07:30`` (UTC)."""
    if t is None:
        return ""
    return datetime.fromtimestamp(float(t), tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=200,
    )
    env.filters.update(
        safe_url=safe_url, plain=plain, slug=slug, p=path_part, iso=iso, day=day,
        language_name=language_name, sanitize=sanitize_html, note_html=note_html, timestamp=timestamp,
    )
    env.globals.update(qs=qs, pager=pager, highlight=highlight)
    return env


def render(template_name: str, /, **ctx: Any) -> str:
    return environment().get_template(template_name).render(**ctx)
