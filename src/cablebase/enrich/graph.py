"""The cable graph: which cables a cable's REF lines cite, and which cables cite it.

The parser reads ``REF: A. STATE 12345 B. 08 MADRID 1021`` into ``Cable.references``
(``letter``, ``raw``, ``ref_id``). ``references_of(cable)`` gives the edges to store: the
parser's id when it has one, else an id resolved here from the raw text (``MADRID 1021``
with the cable's year, ``08MADRID1021``, ``07 MEXICO 983``) when the post is a known US post;
else the edge is kept with ``ref_id`` None (the raw text still shows on the page). A
reference to the cable itself and duplicates are dropped.

Edges are stored by :class:`cablebase._store.entities.EntityStore` (``cable_refs``);
``cites``/``cited_by`` there answer for any id, in the archive or not yet.
"""

from __future__ import annotations

import re
from typing import Any

from ..parse.refid import canonical, split_ref_id
from ..record import Cable
from .posts import MULTIWORD, is_post

_SPACED = re.compile(r"^(?:(\d{2})\s*)?([A-Z][A-Z ]{1,40}?)\s*0*(\d{1,7})$")
_ID = re.compile(r"^(\d{2})([A-Z]{3,40})(\d{1,7})$")


def resolve(raw: str, year: int | None) -> str | None:
    """A reference as written → canonical id, or None (``MADRID 1021``, 2008 → ``08MADRID1021``)."""
    s = " ".join(raw.upper().replace(".", " ").split())
    s = re.sub(r"^(?:REF(?:TEL)?S?\s*:?|\(?[A-Z]\)|[A-Z](?=\s))\s*", "", s)
    m = _ID.match(s.replace(" ", ""))
    if m and is_post(m.group(2)):
        return canonical(m.group(1), m.group(2), m.group(3))
    m = _SPACED.match(s)
    if not m:
        return None
    yy, post, serial = m.group(1), m.group(2).strip(), m.group(3)
    key = MULTIWORD.get(post, post.replace(" ", ""))
    if not is_post(key):
        return None
    if yy is None:
        if year is None:
            return None
        yy = str(year % 100)
    if int(serial) == 0:
        return None
    return canonical(yy, key, serial)


def references_of(cable: Cable) -> list[dict[str, Any]]:
    """The cable's outgoing edges: ``{ref_id, letter, raw}`` (ref_id None: unresolved)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()
    for r in cable.references:
        rid = r.ref_id
        if rid and split_ref_id(rid) is None:
            rid = None
        if rid is None:
            rid = resolve(r.raw, cable.year or _year_of(cable.ref_id))
        if rid is not None and rid == cable.ref_id:
            continue
        key = (rid, (r.raw or "").strip())
        if key in seen:
            continue
        seen.add(key)
        out.append({"ref_id": rid, "letter": r.letter, "raw": (r.raw or "").strip()})
    return out


def _year_of(ref_id: str | None) -> int | None:
    if not ref_id:
        return None
    s = split_ref_id(ref_id)
    return s[0] if s else None


def neighbourhood(store, ref_id: str) -> dict[str, Any]:
    """``{"cites": [...], "cited_by": [...]}`` of one cable, from an ``EntityStore``."""
    return {"cites": store.cites(ref_id), "cited_by": store.cited_by(ref_id)}


__all__ = ["neighbourhood", "references_of", "resolve"]
