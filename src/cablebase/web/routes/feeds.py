"""Atom feeds (feedgen): every channel, TAG, origin, classification, and any search.

A saved search is its feed URL: ``/search.atom?q=…&origin=…``. Entry ids are stable URNs
(``urn:cablebase:cable:07MEXICO983``, ``urn:cablebase:article:12``) whatever host serves them;
an entry's ``updated`` is when the archive last changed that cable or article.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from feedgen.feed import FeedGenerator
from starlette.responses import Response

from ... import __version__
from ... import BadQuery
from .. import views
from ..common import PageError, arch
from ..render import iso, plain, safe_url, sanitize_html, strip_controls
from ..search import refs_matching
from ..params import search_params

router = APIRouter(include_in_schema=False)

ATOM_TYPE = "application/atom+xml; charset=utf-8"
EPOCH = "1970-01-01T00:00:00+00:00"


def _base(request: Request) -> str:
    configured = arch(request).web.base_url
    if configured:
        return configured
    return str(request.base_url).rstrip("/")


def _t(s: Any) -> str:
    return strip_controls(str(s)) if s is not None else ""


def _feed(request: Request, *, feed_id: str, title: str, html_path: str, subtitle: str | None = None) -> FeedGenerator:
    base = _base(request)
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(_t(title) or "cablebase")
    fg.subtitle(_t(subtitle or title))
    fg.link(href=base + html_path, rel="alternate", type="text/html")
    self_url = base + quote(request.url.path, safe="/:@!$&'()*+,;=-._~") + (("?" + request.url.query) if request.url.query else "")
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.author({"name": "cablebase"})
    fg.generator("cablebase", version=__version__)
    return fg


def _cable_entries(request: Request, fg: FeedGenerator, refs: list[str]) -> str:
    """Add one entry per cable (in the order given); returns the latest ``updated``."""
    a = arch(request)
    base = _base(request)
    rows = a.browse.rows_for(refs)
    meta = a.browse.updated_and_tags(refs)
    latest = EPOCH
    for ref in reversed(refs):  # feedgen prepends: add oldest first so the newest leads
        row = rows.get(ref)
        if row is None:
            continue
        upd, tags = meta.get(ref, (None, None))
        updated = iso(upd) or iso(row.released) or iso(row.created) or EPOCH
        latest = max(latest, updated)
        e = fg.add_entry()
        e.id(f"urn:cablebase:cable:{ref}")
        e.title(_t(f"{ref}: {row.subject}" if row.subject else ref))
        e.link(href=base + views.cable_url(ref), rel="alternate", type="text/html")
        e.updated(updated)
        published = iso(row.released) or iso(row.created)
        if published:
            e.published(published)
        bits = [x for x in (row.created and f"Created {row.created}", row.released and f"released {row.released}",
                            row.classification, row.origin) if x]
        e.summary(_t(" · ".join(bits)))
        for t in (tags or "").split():
            e.category(term=_t(t), label=_t(t))
    return latest


def _respond(fg: FeedGenerator, latest: str) -> Response:
    fg.updated(latest)
    return Response(fg.atom_str(pretty=False), media_type=ATOM_TYPE)


def browse_feed(request: Request, kind: str, value: str) -> Response:
    a = arch(request)
    label = views.KIND_LABELS[kind]
    rows = a.browse.feed_cables(kind, value, limit=a.web.feed_entries)
    fg = _feed(request, feed_id=f"urn:cablebase:{kind}:{quote(value, safe='')}", title=f"{label}: {value}",
               html_path=views.browse_url(kind, value), subtitle=f"Cables with {label.lower()} {value}, latest first")
    latest = _cable_entries(request, fg, [r["ref_id"] for r in rows])
    return _respond(fg, latest)


@router.get("/search.atom")
async def search_feed(request: Request) -> Response:
    a = arch(request)
    q, filters, sort, _pg, params = search_params(request)
    try:
        refs = refs_matching(a, q, filters, sort="oldest" if sort == "oldest" else "newest")
    except BadQuery as e:
        raise PageError(400, "Bad query", str(e)) from None
    refs = refs[: a.web.feed_entries]
    desc = " ".join(f"{k}={v}" for k, v in params.items() if v and k != "sort") or "all cables"
    from ..render import qs

    feed_q = qs({**params, "sort": None, "page": None})
    fg = _feed(request, feed_id="urn:cablebase:search:" + (feed_q.lstrip("?") or "all"),
               title=f"Search: {q}" if q else "Latest cables", html_path="/search" + feed_q,
               subtitle=f"cablebase search ({desc}), newest first")
    latest = _cable_entries(request, fg, refs)
    return _respond(fg, latest)


def channel_feed(request: Request, ch: dict[str, Any]) -> Response:
    a = arch(request)
    st = a.browse.channels
    n = a.web.feed_entries
    arts = st.channel_slice(ch["id"], 0, n)
    base = _base(request)
    title = plain(ch.get("display_title") or ch["name"])
    fg = _feed(request, feed_id=f"urn:cablebase:channel:{ch['id']}", title=f"Channel: {title}",
               html_path=views.channel_url(ch), subtitle=f"Articles of the channel {title}, latest first")
    latest = EPOCH
    full = {x["id"]: x for x in (st.get_article(r["id"]) for r in arts) if x}
    for r in reversed(arts):
        art = full.get(r["id"]) or r
        updated = iso(art.get("last_changed")) or iso(art.get("first_seen")) or EPOCH
        latest = max(latest, updated)
        e = fg.add_entry()
        e.id(f"urn:cablebase:article:{r['id']}")
        e.title(_t(plain(art.get("title")) or "(untitled)"))
        e.link(href=base + views.article_url(r["id"]), rel="alternate", type="text/html")
        # one link per entry: feedgen 1.0 writes entry links without their rel/type, so a
        # second one would be a second "alternate"; the original is linked in the content
        orig = safe_url(art.get("url"))
        e.updated(updated)
        pub = iso(art.get("published"))
        if pub:
            e.published(pub)
        if art.get("author"):
            e.author({"name": _t(plain(art["author"])) or "unknown"})
        else:
            e.author({"name": "unknown"})
        html = art.get("content") or art.get("summary") or ""
        cables = r.get("cables") or []
        links = "".join(
            f'<li><a href="{escape(base + views.cable_url(c["ref_id"]))}">{escape(c["ref_id"])}</a>'
            f' ({escape(c["kind"])})</li>' for c in cables)
        body = str(sanitize_html(html, orig))
        if links:
            body = f"<ul>{links}</ul>{body}"
        if orig:
            body = f'<p>Original: <a href="{escape(orig)}">{escape(orig)}</a></p>{body}'
        e.content(_t(body), type="html")
        for c in cables:
            e.category(term=_t(c["ref_id"]), label=_t(c["ref_id"]))
    if latest == EPOCH:
        latest = iso(ch.get("created")) or EPOCH
    return _respond(fg, latest)


def entity_feed(request: Request, data: dict[str, Any]) -> Response:
    """New cables and articles mentioning one entity (``/entity/<id>.atom``)."""
    a = arch(request)
    base = _base(request)
    name = _t(data.get("name"))
    fg = _feed(request, feed_id=f"urn:cablebase:entity:{int(data['id'])}", title=f"Entity: {name}",
               html_path=data.get("url") or views.entity_url(data["id"]),
               subtitle=f"Cables and articles mentioning {name} ({_t(data.get('type_label'))})")
    docs = data.get("documents_list") or []
    refs = [d["doc"] for d in docs if d.get("kind") == "cable"][: a.web.feed_entries]
    latest = _cable_entries(request, fg, refs)
    articles = [d for d in docs if str(d.get("doc", "")).startswith("article:")][: a.web.feed_entries]
    st = a.browse.channels
    for d in reversed(articles):
        aid = int(str(d["doc"]).split(":", 1)[1])
        art = st.get_article(aid) if st is not None else None
        if not art:
            continue
        updated = iso(art.get("last_changed")) or iso(art.get("first_seen")) or EPOCH
        latest = max(latest, updated)
        e = fg.add_entry()
        e.id(f"urn:cablebase:article:{aid}")
        e.title(_t(plain(art.get("title")) or "(untitled)"))
        e.link(href=base + views.article_url(aid), rel="alternate", type="text/html")
        e.updated(updated)
        e.author({"name": _t(plain(art.get("author"))) or "unknown"})
    return _respond(fg, latest)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
