"""What the entity pages show: the list by type (``/entities``), one entity by name or number
(``/entity/genaro-garcia-luna``, ``/entity/Garcia%20Luna``, ``/entity/16076``) with every mention
in context (a keyword-in-context line, its paragraph linked), and the entity facet of a search.

An entity's address is its name (``/entity/genaro-garcia-luna``) unless another entity bears
the same name or it is a person known in one document only (a surname alone): then its number.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .. import paragraph_anchors
from .archive import WebArchive
from .render import qs
from .search import refs_matching

TYPE_LABELS = {"PER": "People", "ORG": "Organizations", "PLACE": "Places"}
TYPE_NAMES = {"per": "PER", "person": "PER", "people": "PER", "org": "ORG", "organization": "ORG",
              "organizations": "ORG", "organisation": "ORG", "organisations": "ORG", "place": "PLACE",
              "places": "PLACE"}
"""``type=`` values accepted (any case): the codes and their plain names."""
CONTEXT = 90
"""Characters shown either side of a mention."""
PER_PAGE = 25
"""Documents per entity page (each with its mentions in context)."""


def entity_type(value: str | None) -> str | None:
    """``people`` → ``PER``; None for no value; raises ValueError for an unknown type."""
    if not value:
        return None
    t = TYPE_NAMES.get(value.strip().lower())
    if t is None:
        raise ValueError(f"unknown entity type {value!r}: use people, organizations or places")
    return t


def _slug(key: str) -> str:
    return key.split(":", 1)[1].replace(" ", "-")


def shared(arch: WebArchive) -> set[str]:
    es = arch.browse.entities
    return arch.memo("entity-shared-names", es.shared_names) if es is not None else set()


def url_for(arch: WebArchive, eid: int, key: str | None) -> str:
    """``/entity/genaro-garcia-luna``, or ``/entity/ID`` when the name is not the entity's alone."""
    if not key or "@" in key or key.split(":", 1)[1] in shared(arch):
        return f"/entity/{int(eid)}"
    return f"/entity/{_slug(key)}"


def find(arch: WebArchive, name: str) -> tuple[int | None, list[int]]:
    """The entity an address names (a number, a name in any spelling, a slug), and the other
    entities that name could mean (most mentioned first)."""
    es = arch.browse.entities
    if es is None:
        return None, []
    if name.isdigit():
        return int(name), []
    ids = es.by_name(name) or es.resolve(name)
    return (ids[0], ids[1:]) if ids else (None, [])


def _kwic(text: str, start: int, end: int) -> dict[str, str]:
    before = " ".join(text[max(0, start - CONTEXT) : start].split(" "))
    after = text[end : end + CONTEXT]
    before = re.sub(r"\s+", " ", before)
    after = re.sub(r"\s+", " ", after)
    return {"before": ("…" if start > CONTEXT else "") + before, "match": re.sub(r"\s+", " ", text[start:end]),
            "after": after + ("…" if end + CONTEXT < len(text) else "")}


def _doc_texts(arch: WebArchive, doc: str) -> tuple[list[str], list[str], str | None]:
    """(paragraph texts, their anchors, subject) of a cable or an article."""
    b = arch.browse
    if doc.startswith("article:"):
        a = b.channels.get_article(int(doc.split(":", 1)[1])) if b.channels.present else None
        text = (a or {}).get("text") or ""
        paras = [p.strip() for p in text.split("\n\n") if p.strip()]
        return paras, [""] * len(paras), (a or {}).get("title")
    rec = b.record_dict(doc) or {}
    ps = rec.get("paragraphs") or []
    if ps:
        return [p.get("text") or "" for p in ps], paragraph_anchors([p.get("number") for p in ps]), rec.get("subject")
    return [rec.get("body") or ""], [""], rec.get("subject")


def contexts(arch: WebArchive, eid: int, docs: list[dict[str, Any]]) -> None:
    """Add ``mentions`` (each in context, with its paragraph's address) to each document."""
    es = arch.browse.entities
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for m in es.mentions_in(eid, [d["doc"] for d in docs]):
        by_doc.setdefault(m["doc"], []).append(m)
    for d in docs:
        paras, anchors, subject = _doc_texts(arch, d["doc"])
        out = []
        for m in by_doc.get(d["doc"], []):
            i = m["paragraph"]
            text = (subject or "") if i == -1 else (paras[i] if 0 <= i < len(paras) else "")
            if text[m["start"] : m["end"]] != m["text"]:
                continue  # the record changed since it was enriched
            anchor = "" if i == -1 or i >= len(anchors) else anchors[i]
            where = "subject" if i == -1 else (f"¶{m['number']}" if m["number"] is not None else f"paragraph {i + 1}")
            out.append({**_kwic(text, m["start"], m["end"]), "where": where, "paragraph": i, "start": m["start"],
                        "end": m["end"], "url": d.get("url", "") + (f"#{anchor}" if anchor and d.get("url") else "")})
        d["contexts"] = out


def page(arch: WebArchive, eid: int, page_no: int = 1, others: list[int] | tuple[int, ...] = ()) -> dict[str, Any] | None:
    """One entity: its names, every document mentioning it (``PER_PAGE`` a page, each mention in
    context), timeline, co-mentioned entities, the other entities its name could mean."""
    es = arch.browse.entities
    if es is None:
        return None
    data = es.page(int(eid))
    if data is None:
        return None
    docs = data.pop("documents_list", None) or []
    pages = max(1, -(-len(docs) // PER_PAGE))
    shown = docs[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
    rows = arch.browse.rows_for([d["doc"] for d in shown if d.get("kind") == "cable"])
    for d in shown:
        if d.get("kind") == "cable":
            d["url"] = f"/cable/{d['doc']}"
            d["subject"] = rows[d["doc"]].subject if d["doc"] in rows else None
        elif str(d["doc"]).startswith("article:"):
            d["url"] = f"/article/{int(str(d['doc']).split(':', 1)[1])}"
    contexts(arch, data["id"], shown)
    data["documents_list"] = shown
    data["page"], data["pages"] = page_no, pages
    data["url"] = url_for(arch, data["id"], data["key"])
    for c in data.get("co_mentioned") or []:
        c["url"] = url_for(arch, c["id"], c.get("key"))
    data["type_label"] = TYPE_LABELS.get(data.get("type"), data.get("type"))
    term = query_term(data["name"]) if not data.get("scoped") and url_for(arch, data["id"], data["key"]) != f"/entity/{data['id']}" \
        else f"entity:{data['id']}"
    data["query"] = term
    data["search_url"] = "/search?q=" + quote(term)
    data["others"] = []
    for o in others:
        e = es.entity(o)
        if e is not None and e["id"] != data["id"]:
            data["others"].append({"id": e["id"], "name": e["name"], "type_label": TYPE_LABELS.get(e["type"], e["type"]),
                                   "url": url_for(arch, e["id"], e["key"]), "mentions": e["mentions"]})
    return data


def listing(arch: WebArchive, type_: str | None, page: int, name: str | None = None, per_page: int = 100) -> dict[str, Any]:
    es = arch.browse.entities
    items = es.list_entities(type_, limit=per_page + 1, offset=(page - 1) * per_page, name=name) if es else []
    more = len(items) > per_page
    items = items[:per_page]
    for e in items:
        e["url"] = url_for(arch, e["id"], e.get("key"))
        e["type_label"] = TYPE_LABELS.get(e["type"], e["type"])
        e["scoped"] = "@" in (e.get("key") or "")
    counts = es.type_counts() if es else {}
    return {"type": type_, "type_label": TYPE_LABELS.get(type_ or "", "All entities"), "name": name or "",
            "page": page, "per_page": per_page, "next_page": page + 1 if more else None, "entities": items,
            "enriched": es is not None,
            "types": [{"type": t, "label": TYPE_LABELS[t], "count": counts.get(t, 0)} for t in TYPE_LABELS]}


def facet(arch: WebArchive, refs: list[str], limit: int = 12, cap: int = 5000) -> list[dict[str, Any]]:
    """The entities most of the matching cables mention (the first ``cap`` of them)."""
    es = arch.browse.entities
    if es is None or not refs:
        return []
    out = es.facet(list(refs)[:cap], limit=limit)
    for e in out:
        e["url"] = url_for(arch, e["id"], e["key"])
        e["type_label"] = TYPE_LABELS.get(e["type"], e["type"])
    return out


def search_facet(arch: WebArchive, query: str, filters: Any, params: Any) -> list[dict[str, Any]]:
    """The entity facet of a search: the entities the matching cables mention most, each a link
    that adds its ``entity:`` term to the query (the same cables its page lists) and a link to its page."""
    if arch.browse.entities is None:
        return []
    key = ("entity-facet", arch.version()[0], query.strip(), filters)
    got = arch.results.get(key)
    if got is None:
        got = facet(arch, refs_matching(arch, query, filters, sort="ref_id"))
        for e in got:
            term = query_term(e["name"]) if e["url"] != f"/entity/{e['id']}" else f"entity:{e['id']}"
            e["query"] = term
        arch.results.put(key, got)
    out = []
    for e in got:
        if e["query"] in query:
            continue  # already chosen
        out.append({**e, "search_url": "/search" + qs(params, q=(query.strip() + " " + e["query"]).strip(), page=None)})
    return out


def query_term(name: str) -> str:
    """The ``entity:`` term that finds the cables of an entity named ``name``."""
    return 'entity:"' + name.replace('"', "") + '"'


__all__ = ["PER_PAGE", "TYPE_LABELS", "contexts", "entity_type", "facet", "find", "listing", "page", "query_term", "shared",
           "url_for"]
