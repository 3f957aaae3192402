"""Exports of any size: JSON Lines (one full record per line) or CSV (one row per cable).

Both stream: the records are read in chunks from a connection of their own, so an export of
the whole archive holds one chunk in memory, never the archive. Used by
``cablebase export`` and ``GET /api/export``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import quote

import orjson

from .. import Archive, Hit, SearchFilters, paragraph_anchors
from .archive import WebArchive
from .diffview import public_record
from .search import refs_matching

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "ref_id", "created", "released", "classification", "origin", "subject", "tags", "references", "to", "info",
    "precedence", "dtg", "partial", "signer", "paragraphs", "body",
    "url", "matched_paragraph", "matched_text", "entities",
)
"""The record's fields; then the cable's page (absolute with ``CABLEBASE_WEB_BASE_URL``), the
paragraph the query matched (``¶6``, its page anchor in ``url#par6`` form) and its text around
the match, and the entities the cable mentions (after ``cablebase enrich``), most mentioned first."""
MEDIA_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}
_ROWS_PER_CHUNK = 200


def plan(arch: WebArchive, query: str, filters: SearchFilters, sort: str = "ref_id") -> list[str] | None:
    """The ref_ids to export, in order; None means every cable by ref_id (streamed from SQLite)."""
    if not query.strip() and filters == SearchFilters() and sort == "ref_id":
        return None
    return refs_matching(arch, query, filters, sort=sort)


def _csv_row(rec: dict) -> list[str]:
    refs = "; ".join(r.get("ref_id") or r.get("raw") or "" for r in rec.get("references") or [])
    return [
        rec.get("ref_id") or "", rec.get("created") or "", rec.get("released") or "", rec.get("classification") or "",
        rec.get("origin") or "", rec.get("subject") or "", " ".join(rec.get("tags") or []), refs,
        "; ".join(rec.get("to") or []), "; ".join(rec.get("info") or []), rec.get("precedence") or "",
        rec.get("dtg") or "", "1" if rec.get("partial") else "0", rec.get("signer") or "",
        str(len(rec.get("paragraphs") or [])), rec.get("body") or "",
    ]


def _extra(ref: str, rec: dict, hit: Hit | None, entities: list[str], base_url: str) -> list[str]:
    url = f"{base_url}/cable/{quote(ref, safe='')}"
    if hit is None:
        return [url, "", "", "; ".join(entities)]
    return [url, _matched_paragraph(rec, hit, url), hit.snippet or "", "; ".join(entities)]


def _matched_paragraph(rec: dict, hit: Hit, url: str) -> str:
    """``¶6 (URL#par6)``: the first paragraph holding the first matched term of the hit's snippet."""
    terms = [hit.snippet[a:b].lower() for a, b in hit.highlights if b > a]
    paras = rec.get("paragraphs") or []
    if not terms or not paras:
        return ""
    anchors = paragraph_anchors(p.get("number") for p in paras)
    for p, anchor in zip(paras, anchors):
        if terms[0] in " ".join((p.get("text") or "").split()).lower():
            label = f"¶{p['number']}" if p.get("number") is not None else f"paragraph {anchors.index(anchor) + 1}"
            return f"{label} ({url}#{anchor})"
    return ""


def stream(archive: Archive, refs: list[str] | None, fmt: str, *, query: str = "",
           filters: SearchFilters | None = None, base_url: str | None = None) -> Iterator[bytes]:
    """The export as chunks of bytes. ``query`` (and ``filters``): the search the export is
    of, for the CSV's matched paragraph."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "jsonl":
        buf: list[bytes] = []
        for _ref, rec in archive.records(refs):
            buf.append(orjson.dumps(public_record(orjson.loads(rec))))  # no server path in an export
            if len(buf) >= _ROWS_PER_CHUNK:
                yield b"\n".join(buf) + b"\n"
                buf.clear()
        if buf:
            yield b"\n".join(buf) + b"\n"
        return
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    plan = archive.search_plan(query, filters or SearchFilters()) if query.strip() and refs is not None else None
    base = (base_url or "").rstrip("/")
    batch: list[tuple[str, bytes, list[str]]] = []

    def flush() -> str:
        hits = {h.ref_id.split("#", 1)[0]: h for h in archive.hits_for(plan, [r for r, _, _ in batch])} if plan else {}
        for ref, rec, ents in batch:
            r = orjson.loads(rec)
            w.writerow(_csv_row(r) + _extra(ref, r, hits.get(ref), ents, base))
        batch.clear()
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    for row in archive.records_with_entities(refs):
        batch.append(row)
        if len(batch) >= _ROWS_PER_CHUNK:
            yield flush().encode("utf-8")
    yield flush().encode("utf-8")
