"""What the charts show, as plain data (the JSON forms; the SVG is drawn from the same dicts).

- ``timeline_of`` — cables per month by creation date, releases by release date, and the
  articles citing them by publication date, for a set of cables (a search, an origin, a TAG,
  a classification, an entity, a channel), with the burst months (``enrich.timeline``);
- ``thread`` — the cables that cite or are cited by a cable, transitively, and the articles
  citing any of them;
- ``network`` — an entity and those mentioned in the same paragraphs, weighted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import SearchFilters
from ..enrich import timeline as tl
from ..parse.refid import split_ref_id
from .archive import WebArchive
from .render import plain, qs, safe_url
from .search import refs_matching
from .entity_views import query_term, url_for
from .views import article_url, cable_url

THREAD_DEPTH = 3
THREAD_MAX_DEPTH = 6
THREAD_MAX_CABLES = 150
"""A thread stops growing at this many cables (``truncated`` says so)."""
NETWORK_SIZE = 20


def _vq(arch: WebArchive) -> Any:
    return arch.browse.visual  # _store.visual.VisualQueries


def cable_months(arch: WebArchive) -> dict[str, tuple[str | None, str | None]]:
    return arch.memo("visual-cable-months", lambda: _vq(arch).cable_months())


def _links(arch: WebArchive) -> tuple[dict[str, list[int]], dict[int, str | None]]:
    """stored ref_id → the articles linking it; article → publication date."""
    def compute() -> tuple[dict[str, list[int]], dict[int, str | None]]:
        rows = _vq(arch).article_links()
        canon = arch.browse.canonical({r for _, r, _ in rows})
        by_ref: dict[str, list[int]] = {}
        published: dict[int, str | None] = {}
        for aid, ref, pub in rows:
            lst = by_ref.setdefault(canon.get(ref, ref), [])
            if aid not in lst:
                lst.append(aid)
            published[aid] = pub
        return by_ref, published

    return arch.memo("visual-links", compute, articles=True)


def timeline_of(arch: WebArchive, refs: Iterable[str], *, articles: Iterable[int] | None = None,
                link: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The timeline of the cables ``refs`` (and of ``articles``, by default those citing them)."""
    refs = list(dict.fromkeys(refs))
    months = cable_months(arch)
    by_ref, published = _links(arch)
    if articles is None:
        arts = sorted({a for r in refs for a in by_ref.get(r, ())})
        pub = published
    else:
        arts = sorted(set(articles))
        pub = {a: p for a, (p, _t) in _vq(arch).articles_published(arts).items()}
    rows, undated = tl.timeline({
        "cables": (months.get(r, (None, None))[0] for r in refs),
        "released": (months[r][1] for r in refs if r in months and months[r][1]),
        "articles": (pub.get(a) for a in arts),
    })
    bursts, bar = tl.bursts(rows)
    for r in rows:
        r["burst"] = r["month"] in bursts
        if link is not None and r["cables"]:
            r["url"] = link(r["month"])
    return {
        "total": len(refs), "undated": undated["cables"], "articles": len(arts),
        "undated_articles": undated["articles"],
        "months": rows, "bursts": sorted(bursts), "burst_threshold": round(bar, 2), "burst_method": tl.BURST_METHOD,
    }


def search_timeline(arch: WebArchive, q: str, filters: SearchFilters, params: dict[str, Any]) -> dict[str, Any]:
    """The timeline of a search; each month's link narrows the search to that month."""
    notes = arch.archive.notes_version() if "note" in q.lower() else 0  # note: results follow the notes
    key = ("timeline", arch.version(), notes, q.strip(), filters, tuple(sorted((k, str(v)) for k, v in params.items())))
    got = arch.results.get(key)
    if got is not None:
        return got
    refs = refs_matching(arch, q, filters, sort="ref_id")

    def link(month: str) -> str:
        narrowed = f"{q} from:{month} until:{month}".strip()
        return "/search" + qs({**params, "q": narrowed, "page": None})

    out = timeline_of(arch, refs, link=link)
    out["query"] = q
    arch.results.put(key, out)
    return out


def facet_timeline(arch: WebArchive, kind: str, value: str) -> dict[str, Any] | None:
    """The timeline of an origin, TAG or classification page."""
    if kind not in ("origin", "tag", "classification"):
        return None
    f = SearchFilters(**({"tags": (value,)} if kind == "tag" else {kind: value}))
    params = {"origin": f.origin, "classification": f.classification, "tag": list(f.tags) or None}
    return search_timeline(arch, "", f, params)


def entity_timeline(arch: WebArchive, eid: int, name: str | None = None) -> dict[str, Any]:
    """The cables and articles that mention an entity; with its ``name``, each month's bar
    leads to the search ``entity:"NAME" from:MONTH until:MONTH``."""
    docs = _vq(arch).entity_cables(int(eid))
    cables = [d for d in docs if not d.startswith("article:")]
    arts = [int(d.split(":", 1)[1]) for d in docs if d.startswith("article:") and d.split(":", 1)[1].isdigit()]
    link = None
    if name:
        term = query_term(name)

        def link(month: str) -> str:
            return "/search" + qs({"q": f"{term} from:{month} until:{month}"})
    return timeline_of(arch, cables, articles=arts, link=link)


def channel_timeline(arch: WebArchive, articles: list[dict[str, Any]]) -> dict[str, Any]:
    refs = [c["ref_id"] for a in articles for c in a.get("cables", []) if c.get("in_archive")]
    return timeline_of(arch, arch.browse.canonical(refs).values(), articles=[a["id"] for a in articles])


# -- threads --------------------------------------------------------------------------------------
def thread(arch: WebArchive, ref_id: str, depth: int = THREAD_DEPTH) -> dict[str, Any] | None:
    b = arch.browse
    root = b.resolve(ref_id)
    if root is None:
        return None
    depth = max(1, min(int(depth), THREAD_MAX_DEPTH))
    level: dict[str, int] = {root: 0}
    queue = [root]
    edges: dict[tuple[str, str], str | None] = {}
    truncated = False
    records: dict[str, dict[str, Any]] = {}
    while queue:
        cur = queue.pop(0)
        rec = b.record_dict(cur) if b.resolve(cur) == cur else None
        near: list[str] = []
        if rec is not None:
            records[cur] = rec
            cited = [r for r in rec.get("references") or [] if r.get("ref_id")]
            canon = b.canonical([r["ref_id"] for r in cited])
            for r in cited:
                to = canon.get(r["ref_id"], r["ref_id"])
                if to != cur:
                    edges[(cur, to)] = edges.get((cur, to)) or r.get("letter") or None
                    near.append(to)
        names = b.all_names(cur) if rec is not None else [cur]
        for citing in sorted({c for n in names for c in arch.cited_by(n)} - {cur}):
            edges.setdefault((citing, cur), None)
            near.append(citing)
        if level[cur] >= depth:
            continue
        for n in near:
            if n in level:
                continue
            if len(level) >= THREAD_MAX_CABLES:
                truncated = True
                break
            level[n] = level[cur] + 1
            queue.append(n)
    rows = b.rows_for(list(level))
    cables = []
    for ref in sorted(level, key=lambda r: ((rows[r].created or "") if r in rows else "", r)):
        row = rows.get(ref)
        parts = split_ref_id(ref)
        cables.append({
            "ref_id": ref, "created": row.created if row else None,
            "classification": row.classification if row else None,
            "origin": (row.origin if row else None) or _origin_of(parts[1] if parts else None, rows),
            "subject": row.subject if row else None, "in_archive": row is not None,
            "url": cable_url(ref) if row else None, "depth": level[ref],
            "when": None if row or not parts else f"{parts[0]}-07-01",
        })
    have = set(level)
    edge_list = [{"from": f, "to": t, "letter": letter} for (f, t), letter in sorted(edges.items())
                 if f in have and t in have]
    articles: dict[int, dict[str, Any]] = {}
    if b.channels.present:
        for c in cables:
            if not c["in_archive"]:
                continue
            for a in b.channels.articles_citing(c["ref_id"], b.all_names(c["ref_id"])):
                got = articles.setdefault(a["id"], {
                    "id": a["id"], "url": article_url(a["id"]), "original_url": safe_url(a.get("url")),
                    "title": plain(a.get("title")) or "(untitled)", "published": a.get("published"),
                    "language": a.get("language"), "cables": []})
                if c["ref_id"] not in got["cables"]:
                    got["cables"].append(c["ref_id"])
    changes = sorted({c["classification"] for c in cables if c["classification"]})
    return {
        "ref_id": root, "url": cable_url(root), "depth": depth, "truncated": truncated,
        "cables": cables, "edges": edge_list, "classifications": changes,
        "articles": sorted(articles.values(), key=lambda a: (a["published"] or "", a["id"])),
    }


def _origin_of(city: str | None, rows: dict[str, Any]) -> str | None:
    """The origin of a cable not in the archive, from its ID's post (``BRASILIA``): the
    thread's own spelling (``Embassy Brasilia``) when another cable of it has that post."""
    if not city:
        return None
    key = city.upper()
    for row in rows.values():
        o = row.origin or ""
        if o.upper().replace(" ", "").endswith(key):
            return o
    return city.title()


# -- networks -------------------------------------------------------------------------------------
def network(arch: WebArchive, eid: int, size: int = NETWORK_SIZE) -> dict[str, Any] | None:
    if arch.browse.entities is None:
        return None
    vq = _vq(arch)
    me = vq.entity_name(int(eid))
    if me is None:
        return None
    co = vq.co_mentions(int(eid), size)
    ids = [c[0] for c in co]
    paras = vq.paragraphs_of(ids)
    edges = [{"source": int(eid), "target": i, "weight": n} for i, _name, _t, n, _k in co]
    for x in range(len(ids)):
        for y in range(x + 1, len(ids)):
            n = len(paras[ids[x]] & paras[ids[y]])
            if n:
                edges.append({"source": ids[x], "target": ids[y], "weight": n})
    return {
        "id": int(eid), "name": me[0], "type": me[1], "url": url_for(arch, int(eid), me[2]),
        "nodes": [{"id": i, "name": name, "type": t, "weight": n, "url": url_for(arch, i, key)} for i, name, t, n, key in co],
        "edges": edges,
        "method": "entities mentioned in the same paragraphs; weight: the number of paragraphs they share",
    }
