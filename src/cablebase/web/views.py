"""What each page shows, as plain data: the HTML templates and the JSON forms read the same dicts.

Every function takes the ``WebArchive`` and returns a JSON-serialisable dict (or None when
the thing does not exist). Nothing here escapes or sanitises for HTML except article content,
which is sanitised once (``content_html``) so that the JSON form carries the safe version too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from .. import BROWSE_KINDS, CableRow, SearchFilters, from_other_versions, is_provisional
from .archive import WebArchive
from .diffview import public_record, public_source
from .entity_views import url_for
from .glossary import glossary, tag_meaning
from .render import day, plain, safe_url, sanitize_html, slug

KIND_LABELS = {
    "created": "Creation date",
    "released": "Release date",
    "origin": "Origin",
    "tag": "TAG",
    "classification": "Classification",
}


# -- URLs --------------------------------------------------------------------------------------
def cable_url(ref: str) -> str:
    return "/cable/" + quote(ref, safe="")


def browse_url(kind: str, value: str) -> str:
    if kind == "classification":
        return "/classification/" + slug(value)
    if kind in ("origin", "tag"):
        return f"/{kind}/" + quote(value, safe="")
    return f"/browse/{kind}/" + quote(value, safe="")


def channel_url(ch: dict[str, Any]) -> str:
    name = ch.get("name") or ""
    if not name or "/" in name or name.isdigit() or name.endswith((".json", ".atom")):
        return f"/channel/{ch['id']}"
    return "/channel/" + quote(name, safe="")


def article_url(article_id: int) -> str:
    return f"/article/{int(article_id)}"


def row_dict(r: CableRow) -> dict[str, Any]:
    d = r.to_dict()
    d["url"] = cable_url(r.ref_id)
    return d


# -- home ---------------------------------------------------------------------------------------
def counts(arch: WebArchive) -> dict[str, int]:
    def compute() -> dict[str, int]:
        b = arch.browse
        c = b.channels.counts()
        return {
            **b.totals(),
            "channels": c["channels"],
            "feeds": c["feeds"],
            "articles": c["articles"],
            "images": c["images"],
            "article_cable_links": c["article_cables"],
        }

    return arch.memo("counts", compute, articles=True)


def channels_list(arch: WebArchive) -> list[dict[str, Any]]:
    b = arch.browse
    if not b.channels.present:
        return []
    out = []
    for ch in b.channels.list_channels():
        out.append({
            "id": ch["id"], "name": ch["name"], "title": ch["display_title"], "feeds": ch["feeds"],
            "articles": ch["articles"], "url": channel_url(ch), "feed_url": channel_url(ch) + ".atom",
        })
    return out


def _article_brief(a: dict[str, Any], existing: dict[str, str]) -> dict[str, Any]:
    return {
        "id": a["id"],
        "url": article_url(a["id"]),
        "original_url": safe_url(a.get("url")),
        "title": plain(a.get("title")) or "(untitled)",
        "author": plain(a.get("author")) or None,
        "published": a.get("published"),
        "language": a.get("language"),
        "cables": [
            {"ref_id": c["ref_id"], "kind": c["kind"], "in_archive": c["ref_id"] in existing,
             "url": cable_url(existing.get(c["ref_id"], c["ref_id"]))}
            for c in a.get("cables", [])
        ],
    }


def home(arch: WebArchive) -> dict[str, Any]:
    b = arch.browse
    arts = b.channels.latest_articles(10)
    existing = b.canonical(c["ref_id"] for a in arts for c in a["cables"])
    prog = arch.archive.enrich_progress()
    running = prog if prog and prog["state"] == "running" else None
    return {
        "counts": counts(arch),
        "latest_cables": [row_dict(r) for r in arch.memo("latest", lambda: b.latest_cables(15))],
        "latest_articles": [_article_brief(a, existing) for a in arts],
        "channels": channels_list(arch),
        # while an enrichment runs, its entities arrive: the list is taken again as it goes on
        "entities": arch.memo(("home-entities", running["done"] // 200 if running else None,
                               prog["state"] if prog else None), lambda: _top_entities(arch))
                    if b.entities is not None else [],  # none yet: not remembered (they may come any second)
        "enriching": running and {"done": running["done"], "total": running["total"],
                                  "rate": running["rate"], "eta": duration(running["eta_s"])},
    }


def duration(seconds: float | None) -> str | None:
    """``about 8 min`` (None when it cannot be told)."""
    if seconds is None:
        return None
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    return f"about {round(seconds / 60)} min"


def _top_entities(arch: WebArchive, per_type: int = 8) -> list[dict[str, Any]]:
    """The people, organizations and places most documents mention (none before ``cablebase enrich``)."""
    es = arch.browse.entities
    if es is None:
        return []
    out = []
    for code in ("PER", "ORG", "PLACE"):
        items = [{"id": e["id"], "name": e["name"], "documents": e["documents"], "url": url_for(arch, e["id"], e["key"])}
                 for e in es.list_entities(code, limit=per_type)]
        if items:
            out.append({"type": code, "label": ENTITY_TYPES[code], "entities": items})
    return out


# -- cable -------------------------------------------------------------------------------------
def cable(arch: WebArchive, ref_id: str) -> dict[str, Any] | None:
    b = arch.browse
    ref = b.resolve(ref_id)
    if ref is None:
        return None
    rec = b.record_dict(ref)
    meta = b.cable_row(ref)
    if rec is None or meta is None:
        return None
    refs = rec.get("references") or []
    existing = b.canonical([r.get("ref_id") for r in refs if r.get("ref_id")])
    names = b.all_names(ref)  # cited and linked under any of them
    cited_by = sorted({c for n in names for c in arch.cited_by(n)} - {ref})
    cited_rows = b.rows_for(cited_by) if cited_by else {}
    articles = []
    if b.channels.present:
        for a in {x["id"]: x for x in b.channels.articles_citing(ref, names)}.values():
            articles.append({
                "id": a["id"], "url": article_url(a["id"]), "original_url": safe_url(a.get("url")),
                "title": plain(a.get("title")) or "(untitled)", "published": a.get("published"),
                "language": a.get("language"), "kind": a.get("kind"), "snippet": a.get("snippet"),
            })
    sources = b.sources(ref)
    # a field the shown version lacks, from another version
    filled = from_other_versions(rec, ((s["id"], b.source_record(ref, s["id"])) for s in sources[1:]))
    sources = [public_source(s, cable_url(ref)) for s in sources]
    ents, similar = _enrichment(arch, ref)
    codes = glossary(arch, ref)
    if rec.get("ref_id") is None and not is_provisional(ref):
        rec["ref_id"] = ref  # the shown version was read without its ID (merged by its text)
    return {
        "ref_id": ref,
        "url": cable_url(ref),
        "provisional": is_provisional(ref),
        "names": [n for n in names[1:] if n != ref.upper() and not is_provisional(n)],
        "entities": ents,
        "similar": similar,
        "glossary": codes,
        "record": public_record(rec),
        "from_other_versions": filled,
        "updated": meta.get("updated"),
        "references": [
            {**r, "in_archive": bool(r.get("ref_id")) and r.get("ref_id") in existing,
             "url": cable_url(existing[r["ref_id"]]) if r.get("ref_id") in existing else None}
            for r in refs
        ],
        "cited_by": [
            {"ref_id": c, "url": cable_url(c),
             "subject": cited_rows[c].subject if c in cited_rows else None,
             "created": cited_rows[c].created if c in cited_rows else None}
            for c in cited_by
        ],
        "articles": articles,
        "sources": sources,
        "links": {
            "html": cable_url(ref), "json": cable_url(ref) + ".json",
            "origin": browse_url("origin", _f(rec, filled, "origin")) if _f(rec, filled, "origin") else None,
            "classification": (browse_url("classification", _f(rec, filled, "classification"))
                               if _f(rec, filled, "classification") else None),
            "created": browse_url("created", _f(rec, filled, "created")[:7]) if _f(rec, filled, "created") else None,
            "released": browse_url("released", _f(rec, filled, "released")[:10]) if _f(rec, filled, "released") else None,
        },
    }


ENTITY_TYPES = {"PER": "People", "ORG": "Organizations", "PLACE": "Places", "GPE": "Places", "LOC": "Places"}


def entity_url(eid: int) -> str:
    return f"/entity/{int(eid)}"


def _enrichment(arch: WebArchive, ref: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Entities mentioned in a cable (one per entity, with its count) and its similar cables,
    when the archive has been enriched; empty lists otherwise."""
    es = arch.browse.entities
    if es is None:
        return [], []
    try:
        seen: dict[int, dict[str, Any]] = {}
        for m in es.mentions_of(ref):
            e = seen.get(m["entity_id"])
            if e is None:
                e = seen[m["entity_id"]] = {"id": m["entity_id"], "name": m["name"], "type": m["type"],
                                            "url": url_for(arch, m["entity_id"], m.get("key")), "mentions": 0,
                                            "paragraphs": []}
            e["mentions"] += 1
            if m.get("number") is not None and m["number"] not in e["paragraphs"]:
                e["paragraphs"].append(m["number"])
        ents = sorted(seen.values(), key=lambda e: (-e["mentions"], e["name"]))
        sim = es.similar(ref)
        rows = arch.browse.rows_for([x["ref_id"] for x in sim])
        similar = [{"ref_id": x["ref_id"], "score": x["score"], "url": cable_url(x["ref_id"]),
                    "subject": rows[x["ref_id"]].subject if x["ref_id"] in rows else None,
                    "in_archive": x["ref_id"] in rows} for x in sim]
        return ents, similar
    except Exception:  # noqa: BLE001 - enrichment tables of another version: the page goes on without them
        return [], []


def entity(arch: WebArchive, eid: int) -> dict[str, Any] | None:
    es = arch.browse.entities
    if es is None:
        return None
    data = es.page(int(eid))
    if data is None:
        return None
    docs = data.get("documents_list") or []
    refs = [d["doc"] for d in docs if d.get("kind") == "cable"]
    rows = arch.browse.rows_for(refs)
    for d in docs:
        if d.get("kind") == "cable":
            d["url"] = cable_url(d["doc"])
            d["subject"] = rows[d["doc"]].subject if d["doc"] in rows else None
        elif str(d["doc"]).startswith("article:"):
            d["url"] = article_url(int(str(d["doc"]).split(":", 1)[1]))
    for c in data.get("co_mentioned") or []:
        c["url"] = url_for(arch, c["id"], c.get("key"))
    data["url"] = url_for(arch, data["id"], data.get("key"))
    data["type_label"] = ENTITY_TYPES.get(data.get("type"), data.get("type"))
    return data


def entities_list(arch: WebArchive, type_: str | None, page: int, per_page: int = 100) -> dict[str, Any]:
    es = arch.browse.entities
    items = es.list_entities(type_, limit=per_page, offset=(page - 1) * per_page) if es else []
    for e in items:
        e["url"] = url_for(arch, e["id"], e.get("key"))
    return {"type": type_, "page": page, "per_page": per_page, "entities": items, "enriched": es is not None}


def _f(rec: dict[str, Any], filled: dict[str, Any], key: str) -> str | None:
    if rec.get(key):
        return rec[key]
    return filled[key]["value"] if key in filled else None


def suggestions(arch: WebArchive, ref_id: str) -> list[dict[str, Any]]:
    """Cables near an unknown ref_id: the same post and year, then full-text matches."""
    b = arch.browse
    refs = list(dict.fromkeys(b.candidates(ref_id) + b.similar_refs(ref_id, 8)))  # the cables it names, if several
    try:
        for h in arch.archive.search(_quote_query(ref_id), SearchFilters(), limit=5):
            if h.ref_id not in refs:
                refs.append(h.ref_id)
    except Exception:  # noqa: BLE001 - suggestions are a courtesy; a query the index refuses gives none
        pass
    rows = b.rows_for(refs)
    return [row_dict(rows[r]) for r in refs if r in rows]


def _quote_query(s: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in s).split()
    return " ".join(words[:8])


# -- browsing ----------------------------------------------------------------------------------
def browse_index(arch: WebArchive, kind: str) -> dict[str, Any]:
    vals = arch.memo(("facets", kind), lambda: arch.browse.facet_values(kind))
    items = [{"value": v, "count": n, "url": browse_url(kind, v)} for v, n in vals]
    if kind == "tag":
        for it in items:
            it["meaning"] = tag_meaning(it["value"])
    out: dict[str, Any] = {"kind": kind, "label": KIND_LABELS[kind], "values": items, "total": len(items)}
    if kind in ("created", "released"):
        years: dict[str, list[dict[str, Any]]] = {}
        for it in items:
            years.setdefault(it["value"][:4], []).append(it)
        out["years"] = [{"year": y, "count": sum(i["count"] for i in v), "values": v} for y, v in years.items()]
    if kind in ("origin", "tag", "classification"):
        out["feeds"] = True
    return out


def resolve_value(arch: WebArchive, kind: str, value: str) -> str | None:
    """The stored value a URL names: a classification slug, an origin or TAG in any case."""
    if kind in ("created", "released"):
        import re

        ok = re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value)
        return value if ok else None
    vals = arch.memo(("facets", kind), lambda: arch.browse.facet_values(kind))
    if kind == "classification":
        want = slug(value)
        return next((v for v, _ in vals if slug(v) == want), None)
    for v, _ in vals:
        if v == value:
            return v
    low = value.lower()
    return next((v for v, _ in vals if v.lower() == low), None)


def browse_list(arch: WebArchive, kind: str, value: str, page: int, per_page: int) -> dict[str, Any]:
    assert kind in BROWSE_KINDS
    page = max(1, page)
    total, rows = arch.browse.cables_where(kind, value, limit=per_page, offset=(page - 1) * per_page)
    pages = max(1, -(-total // per_page))
    return {
        "kind": kind, "label": KIND_LABELS[kind], "value": value, "url": browse_url(kind, value),
        "meaning": tag_meaning(value) if kind == "tag" else None,
        "feed_url": browse_url(kind, value) + ".atom" if kind in ("origin", "tag", "classification") else None,
        "total": total, "page": page, "pages": pages, "per_page": per_page,
        "export_url": export_url(kind, value),
        "cables": [row_dict(r) for r in rows],
    }


def export_url(kind: str, value: str) -> str:
    """The export (``/api/export``, add ``&format=csv``) of the cables a listing shows."""
    if kind in ("origin", "tag", "classification"):
        return "/api/export?" + urlencode({kind: value})
    return "/api/export?" + urlencode({"q": f"{kind}:{value}"})


# -- channels and articles ----------------------------------------------------------------------
def find_channel(arch: WebArchive, name: str) -> dict[str, Any] | None:
    ch = arch.browse.channels
    if not ch.present:
        return None
    return ch.get_channel(name)


def channel(arch: WebArchive, ch: dict[str, Any], *, mode: str, page: int | None, per_page: int) -> dict[str, Any]:
    """``mode='latest'``: the newest ``per_page``; ``mode='all'``: page ``page`` of all, pages
    counted from the oldest so that a page's permalink keeps its articles as new ones come."""
    st = arch.browse.channels
    total = st.channel_total(ch["id"])
    pages = max(1, -(-total // per_page))
    if mode == "latest":
        page_no = None
        offset, limit = 0, per_page
    else:
        page_no = pages if page is None else min(max(1, page), pages)
        hi = min(page_no * per_page, total)
        lo = (page_no - 1) * per_page
        offset, limit = total - hi, max(0, hi - lo)
    arts = st.channel_slice(ch["id"], offset, limit) if limit else []
    existing = arch.browse.canonical(c["ref_id"] for a in arts for c in a["cables"])
    url = channel_url(ch)
    items = []
    for i, a in enumerate(arts):
        rank = total - offset - i  # 1 = the oldest article of the channel
        a_page = -(-rank // per_page)
        brief = _article_brief(a, existing)
        brief.update({
            "anchor": f"a{a['id']}",
            "permalink": f"{url}/all?page={a_page}#a{a['id']}",
            "excerpt": plain(a.get("summary") or a.get("excerpt"), 400),
            "images": [
                {"url": safe_url(im.get("url")), "title": plain(im.get("title")) or None}
                for im in a.get("images", []) if safe_url(im.get("url"))
            ][:4],
        })
        items.append(brief)
    images = [
        {"url": safe_url(im["url"]), "title": plain(im.get("title")) or plain(im.get("article_title")),
         "article_id": im["article_id"], "article_url": article_url(im["article_id"])}
        for im in st.channel_images(ch["name"], limit=12) if safe_url(im.get("url"))
    ]
    return {
        "id": ch["id"], "name": ch["name"], "title": plain(ch.get("display_title") or ch["name"]),
        "url": url, "all_url": f"{url}/all", "feed_url": f"{url}.atom", "json_url": f"{url}.json",
        "mode": mode, "total": total, "page": page_no, "pages": pages, "per_page": per_page,
        "articles": items, "images": images,
        "feeds": [
            {"id": f["id"], "title": plain(f["title"]) if f.get("title") else None, "url": safe_url(f.get("url")),
             "site_url": safe_url(f.get("site_url")), "status": f.get("status"),
             "note": plain(f["status_reason"]) if f.get("status_reason") else None,
             "last_success": f.get("last_success"), "last_error": f.get("last_error")}
            for f in st.list_feeds(ch["name"])
        ],
    }


def article(arch: WebArchive, article_id: int) -> dict[str, Any] | None:
    st = arch.browse.channels
    if not st.present:
        return None
    a = st.get_article(article_id)
    if a is None:
        return None
    original = safe_url(a.get("url"))
    if a.get("fulltext") == 1 and a.get("page_content"):
        html = a["page_content"]
    else:
        html = a.get("content") or a.get("summary") or ""
    links = st.article_cables([article_id]).get(article_id, [])
    existing = arch.browse.canonical(l["ref_id"] for l in links)  # the name linked → the cable stored
    rows = arch.browse.rows_for(list(set(existing.values())))
    feeds = []
    for f in st.article_feeds(article_id):
        chans = []
        for name in (f.get("channels") or "").split("\x1f"):
            c = st.get_channel(name) if name else None
            if c:
                chans.append({"name": c["name"], "title": plain(c["display_title"]), "url": channel_url(c)})
        feeds.append({"title": plain(f.get("title")) or None, "url": safe_url(f.get("url")),
                      "site_url": safe_url(f.get("site_url")), "channels": chans})
    return {
        "id": a["id"], "url": article_url(a["id"]), "original_url": original,
        "title": plain(a.get("title")) or "(untitled)", "author": plain(a.get("author")) or None,
        "published": a.get("published"), "updated": a.get("updated"), "language": a.get("language"),
        "version": a.get("version"),
        "content_html": str(sanitize_html(html, original, local_cables=True)),
        "cables": [
            {"ref_id": l["ref_id"], "kind": l["kind"], "in_archive": l["ref_id"] in existing,
             "url": cable_url(existing.get(l["ref_id"], l["ref_id"])), "snippet": l.get("snippet"),
             "subject": rows[existing[l["ref_id"]]].subject if l["ref_id"] in existing else None}
            for l in links
        ],
        "images": [
            {"url": safe_url(i.get("url")), "title": plain(i.get("title")) or None}
            for i in st.article_images([article_id]).get(article_id, []) if safe_url(i.get("url"))
        ],
        "feeds": feeds,
        "source": feeds[0] if feeds else None,
    }


def day_of(v: Any) -> str:
    return day(v)
