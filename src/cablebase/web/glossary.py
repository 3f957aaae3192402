"""What the codes in a cable mean, where they appear: TAG meanings and acronym expansions
found by ``cablebase enrich`` (``PGOV`` → internal governmental affairs, ``DCM`` → Deputy Chief
of Mission), as a glossary for the cable page and as tooltips on the codes in its text."""

from __future__ import annotations

import re
from typing import Any

from ..enrich.tags import type_tag
from .archive import WebArchive


def tag_meaning(tag: str) -> str | None:
    """What a TAG stands for (``PGOV`` → Internal governmental affairs, ``MX`` → Mexico), from
    the TAG tables enrichment uses; None when unknown."""
    try:
        return type_tag(tag).meaning
    except Exception:  # noqa: BLE001 - a courtesy: a table that cannot be read gives no meaning
        return None


def glossary(arch: WebArchive, ref: str) -> dict[str, Any]:
    """``{"tags": [{tag, kind, meaning}], "acronyms": [{acronym, expansion}]}`` of a cable; empty
    lists before ``cablebase enrich``."""
    es = arch.browse.entities
    if es is None:
        return {"tags": [], "acronyms": []}
    try:
        tags = [t for t in es.tags_of(ref) if t.get("tag")]
        acronyms = [{"acronym": a["acronym"], "expansion": a["expansion"]}
                    for a in es.acronyms_of(ref) if a.get("acronym") and a.get("expansion")]
    except Exception:  # noqa: BLE001 - enrichment tables of another version: the page goes on without them
        return {"tags": [], "acronyms": []}
    return {"tags": tags, "acronyms": acronyms}


def explained(g: dict[str, Any]) -> dict[str, str]:
    """code → what it means, for tooltips (acronyms, then TAGs with a meaning)."""
    out = {a["acronym"]: a["expansion"] for a in g.get("acronyms") or []}
    for t in g.get("tags") or []:
        if t.get("meaning"):
            out.setdefault(t["tag"], t["meaning"])
    return out


def abbreviate(segments: list[tuple[str, bool]], codes: dict[str, str]) -> list[tuple[str, bool, str | None]]:
    """Each (text, is_comment) segment split where a known code stands as a word:
    (text, is_comment, its meaning or None)."""
    if not codes:
        return [(s, c, None) for s, c in segments]
    pat = re.compile(r"(?<![\w/-])(" + "|".join(re.escape(k) for k in sorted(codes, key=len, reverse=True))
                     + r")(?![\w-])")
    out: list[tuple[str, bool, str | None]] = []
    for seg, is_comment in segments:
        pos = 0
        for m in pat.finditer(seg):
            if m.start() > pos:
                out.append((seg[pos:m.start()], is_comment, None))
            out.append((m.group(0), is_comment, codes[m.group(0)]))
            pos = m.end()
        if pos < len(seg):
            out.append((seg[pos:], is_comment, None))
    return out
