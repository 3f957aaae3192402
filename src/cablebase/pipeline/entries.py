"""Feed bytes → entries ready to store: the CPU half of a poll (parsing, HTML → text, link
finding, language), pure — no store, no network — so that it can run in worker processes while
the poller's event loop goes on fetching and writing.

``prepare_feed(body, ...)`` is what a worker runs; ``prepare_entries`` and ``prepare_entry`` are
its parts (the poller also runs them in-process). Embedded cables found in an article are parsed
here and handed back: the poller passes them to the archive's ``add_cable`` itself. The worker
processes load this module before they fork (:mod:`cablebase.pipeline._preload`); the pool that
runs it is :mod:`cablebase.pipeline.prepare`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..enrich.language import detect_language, detect_languages
from ..enrich.links import link_article
from ..errors import FeedParseError
from ..parse.feed import parse_feed
from ..parse.feed_model import FeedEntry, FeedImage, FeedLimits, ParsedFeed
from ..parse.html_text import extract_html
from ..parse.saved_page import read_saved_page
from ..parse.subscriptions import discover_feeds, looks_like_html
from ..model import Article, Link, reduce_slots
from .identity import canonical_url, content_hash, entry_hash, entry_key


@dataclass(frozen=True)
class PrepareOptions:
    """What preparing needs from the poll settings (small and picklable)."""

    limits: FeedLimits = FeedLimits()
    language_sample_chars: int = 600


@dataclass(slots=True)
class PreparedEntry:
    data: Article
    error: str | None = None
    """Why an embedded cable could not be parsed (the links still stand)."""
    embedded: list = field(default_factory=list)
    """Cables the article republishes (parsed), for the archive's ``add_cable``."""


@dataclass(slots=True)
class PreparedFeed:
    error: str | None = None
    """Set when the body is no feed (the message stored on the feed); nothing else is then set."""
    title: str | None = None
    link: str | None = None
    items: list = field(default_factory=list)
    """New or changed entries in document order: a PreparedEntry, or a str saying why one failed."""
    same: int = 0
    """Entries already stored unchanged."""
    saved: str | None = None
    """Set when the body is a page saved on disk, not a feed: ``channel page`` or ``article page``."""
    announced: int | None = None
    """How many articles a saved channel page says its channel has."""


PreparedEntry.__reduce__ = PreparedFeed.__reduce__ = reduce_slots  # type: ignore[method-assign]


def _language(title: str | None, text: str, links, sample_chars: int) -> str | None:
    """The article's own language: a republished cable (usually English) is left out."""
    cut = min((l.offset for l in links if l.kind == "embeds" and l.offset >= 0), default=None)
    own = text[:cut] if cut is not None else text
    sample = f"{title or ''}\n{own}"
    lang = detect_language(sample, sample_chars=sample_chars)
    return lang or detect_language(text, sample_chars=sample_chars)


def prepare_entry(e: FeedEntry, key: str, ehash: str, base_url: str | None, opts: PrepareOptions,
                  *, parse: Callable | None = None, add_cable: Callable | None = None,
                  language: bool = True) -> PreparedEntry:
    """One entry → its article row, images, cable links and language (``language=False``: the
    caller sets ``data.language``, see ``set_languages``)."""
    lim = opts.limits
    html = e.content or e.summary or ""
    info = extract_html(html, e.link or base_url, limits=lim)
    text = info.text
    images: list[FeedImage] = []
    seen: set[str] = set()
    for im in (*e.images, *info.images):
        if im.url not in seen and len(images) < lim.max_images:
            seen.add(im.url)
            images.append(im)
    lr = link_article(text, info.links, location=e.link or base_url, add_cable=add_cable, parse=parse)
    links = [Link(l.ref_id, l.kind, l.offset, l.snippet[:400], l.via) for l in lr.links]
    data = Article(
        entry_key=key, entry_hash=ehash, url=e.link, canonical_url=canonical_url(e.link), title=e.title,
        author=e.author, published=e.published or e.updated, updated=e.updated,
        summary=e.summary if e.content else None, content=html, text=text,
        language=_language(e.title, text, lr.links, opts.language_sample_chars) if language else None,
        content_hash=content_hash(e.title, text), images=images, links=links,
    )
    return PreparedEntry(data, lr.error, [] if add_cable is not None else lr.embedded)


def prepare_entries(parsed: ParsedFeed, known: dict[str, Any], base_url: str | None, opts: PrepareOptions,
                    *, parse: Callable | None = None, add_cable: Callable | None = None) -> PreparedFeed:
    """The entries of a parsed feed that are new or changed (``known``: entry key → stored raw hash)."""
    out = PreparedFeed(title=parsed.title, link=parsed.link)
    batch_keys: set[str] = set()
    for e in parsed.entries:
        try:
            key, eh = entry_key(e), entry_hash(e)
            if key in batch_keys:
                continue  # the same entry twice in one document: keep the first
            batch_keys.add(key)
            if key in known and known[key] == eh:
                out.same += 1
                continue
            out.items.append(prepare_entry(e, key, eh, base_url, opts, parse=parse, add_cable=add_cable,
                                           language=False))
        except Exception as ex:  # one bad entry never loses the others
            out.items.append(f"entry {getattr(e, 'link', None) or getattr(e, 'id', None)}: {type(ex).__name__}: {ex}"[:500])
    set_languages([it.data for it in out.items if not isinstance(it, str)], opts.language_sample_chars)
    if parsed.entries_cut:  # said on the feed (its note), not silent
        out.items.append(f"the feed has {parsed.entries_cut} entries; only the first {opts.limits.max_entries}"
                         " are read (limit max_entries)")
    return out


def set_languages(items: list[Article], sample_chars: int) -> None:
    """``_language`` for each article, the detections done together (same answers, less CPU)."""
    if not items:
        return
    samples = []
    for d in items:
        cut = min((l.offset for l in d.links or () if l.kind == "embeds" and l.offset is not None and l.offset >= 0),
                  default=None)
        samples.append(f"{d.title or ''}\n{d.text[:cut] if cut is not None else d.text}")
    langs = detect_languages(samples, sample_chars=sample_chars)
    again = [i for i, lang in enumerate(langs) if lang is None]
    if again:
        for i, lang in zip(again, detect_languages([items[i].text for i in again], sample_chars=sample_chars)):
            langs[i] = lang
    for d, lang in zip(items, langs):
        d.language = lang


def not_a_feed(body: bytes, url: str | None, ctype: str | None, limits: FeedLimits, reason: str | None) -> str:
    """The message stored on a feed whose body is no feed (an HTML page names its feeds)."""
    if looks_like_html(body, ctype):
        found = discover_feeds(body, url, limits)
        return "an HTML page, not a feed" + (f" (it names feeds: {', '.join(found[:3])})" if found else "")
    return f"not a feed: {reason}"


def prepare_feed(body: bytes, url: str | None, ctype: str | None, known: dict[str, Any], opts: PrepareOptions,
                 parse: Callable | None = None) -> PreparedFeed:
    """Parse a feed body and prepare its new or changed entries (what a worker process runs)."""
    try:
        parsed = parse_feed(body, url=url, content_type=ctype, limits=opts.limits)
    except FeedParseError as e:
        return prepare_saved(body, url, known, opts, parse) or PreparedFeed(
            error=not_a_feed(body, url, ctype, opts.limits, e.reason))
    if not parsed.entries:
        saved = prepare_saved(body, url, known, opts, parse)
        if saved is not None:
            return saved
        if looks_like_html(body, ctype):
            return PreparedFeed(error=not_a_feed(body, url, ctype, opts.limits, None))
    return prepare_entries(parsed, known, url, opts, parse=parse)


def prepare_saved(body: bytes, url: str | None, known: dict[str, Any], opts: PrepareOptions,
                  parse: Callable | None = None) -> PreparedFeed | None:
    """A page saved on disk (``parse.saved_page``) read as a one-entry feed titled with its
    channel; only a ``file:`` subscription's (a page fetched from the network is no source:
    it names its feeds). None when the body is no saved page."""
    if not (url or "").startswith("file:"):
        return None
    page = read_saved_page(body, url, limits=opts.limits)
    if page is None:
        return None
    out = prepare_entries(ParsedFeed(title=page.channel, link=page.site_url, entries=[page.entry]), known,
                          page.base_url, opts, parse=parse)
    out.saved, out.announced = page.kind, page.announced
    return out


__all__ = ["PrepareOptions", "PreparedEntry", "PreparedFeed", "prepare_feed", "prepare_entries", "prepare_entry",
           "prepare_saved", "not_a_feed"]
