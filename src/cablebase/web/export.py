"""Exports of any size: JSON Lines (one full record per line) or CSV (one row per cable).

Both stream: the records are read in chunks from a connection of their own, so an export of
the whole archive holds one chunk in memory, never the archive. Used by
``cablebase export`` and ``GET /api/export``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import orjson

from .. import Archive, SearchFilters
from .archive import WebArchive
from .search import refs_matching

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "ref_id", "created", "released", "classification", "origin", "subject", "tags", "references", "to", "info",
    "precedence", "dtg", "partial", "signer", "paragraphs", "body",
)
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


def stream(archive: Archive, refs: list[str] | None, fmt: str) -> Iterator[bytes]:
    """The export as chunks of bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "jsonl":
        buf: list[bytes] = []
        for _ref, rec in archive.records(refs):
            buf.append(rec)
            if len(buf) >= _ROWS_PER_CHUNK:
                yield b"\n".join(buf) + b"\n"
                buf.clear()
        if buf:
            yield b"\n".join(buf) + b"\n"
        return
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    n = 0
    for _ref, rec in archive.records(refs):
        w.writerow(_csv_row(orjson.loads(rec)))
        n += 1
        if n % _ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")
