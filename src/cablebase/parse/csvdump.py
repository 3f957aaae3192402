"""Rows of the Cablegate ``cables.csv`` dump → cable records.

The dump has no header row and 8 quoted columns: id, date (``M/D/YYYY H:MM``), reference id,
origin, classification, references (``|``-separated), header, body. Quotes inside fields are
escaped as ``\\"`` (not ``""``), fields span many lines. The dump is large (≈1.7 GB):
``iter_cables`` takes any iterable of lines (an open file, say) and yields one record per row
without holding the file; ``parse`` does the same for a string.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from ..errors import ParseError
from ..record import Cable, Reference
from .telegram import parse_text

_ROW_START = re.compile(r'^"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})$")
csv.field_size_limit(2**31 - 1)


def looks_like(head: str) -> bool:
    return bool(_ROW_START.match(head.lstrip("\ufeff")))


def _date(s: str) -> str | None:
    m = _DATE.match(s.strip())
    if not m:
        return None
    mo, d, y, h, mi = (int(x) for x in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}"


def row_to_cable(row: list[str], line_no: int | None = None) -> Cable:
    if len(row) != 8:
        raise ParseError(f"row {line_no or '?'}: {len(row)} columns, expected 8")
    _id, date, ref_id, origin, classification, refs, header, body = row
    meta = {
        "ref_id": ref_id.strip() or None,
        "created": _date(date),
        "origin": origin.strip() or None,
        "classification": classification.strip() or None,
    }
    c = parse_text(header.rstrip("\n") + "\n" + body, {k: v for k, v in meta.items() if v})
    listed = [r.strip() for r in refs.split("|") if r.strip()]
    if listed:
        # The dump's own reference list is canonical; keep the letters and raw text the body gave.
        by_id = {r.ref_id: r for r in c.references if r.ref_id}
        merged = [by_id.get(r) or Reference(letter=None, raw=r, ref_id=r) for r in listed]
        merged += [r for r in c.references if r.ref_id not in set(listed)]
        c.references = merged
    return c


def iter_cables(lines: Iterable[str]) -> Iterator[Cable | ParseError]:
    """Yield a record per row, or a ParseError for a bad row (the rest go on)."""
    reader = csv.reader(lines, escapechar="\\", doublequote=False, strict=False)
    for row in reader:
        if not row or row == [""]:
            continue
        try:
            yield row_to_cable(row, reader.line_num)
        except ParseError as e:
            yield e


def parse(text: str) -> list[Cable]:
    out = []
    errors = []
    for item in iter_cables(io.StringIO(text, newline="")):
        if isinstance(item, ParseError):
            errors.append(item.reason)
        else:
            out.append(item)
    if not out and errors:
        raise ParseError("; ".join(errors[:3]))
    return out
