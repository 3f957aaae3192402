"""A cable's versions as the public sees them: each source by its form and a public name (never
a path on the server), and two versions compared word by word (``cablebase.compare``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .. import Cable
from ..compare import compare_cable, compared_text
from .archive import WebArchive
from .render import safe_url

_ARCHIVE_SEP = "!"


def public_location(location: Any) -> str | None:
    """What a page may show of where a version came from: a public http(s) address as it is;
    of a file on the server only its name (``07MEXICO983.txt``; an archive member as
    ``site.tar.xz!cable/2010/x.html``)."""
    if not location or not isinstance(location, str):
        return None
    if safe_url(location):
        return location
    loc = location[5:] if location.lower().startswith("file:") else location
    member = ""
    if _ARCHIVE_SEP in loc:
        loc, member = loc.split(_ARCHIVE_SEP, 1)
        member = _ARCHIVE_SEP + member.lstrip("/")
    name = loc.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return (name + member) or None


def public_source(s: dict[str, Any], cable_url: str) -> dict[str, Any]:
    """A stored version's row for a page: its location reduced to a public name."""
    out = dict(s)
    loc = s.get("location")
    out["location"] = public_location(loc)
    out["location_url"] = safe_url(loc)
    out["raw_url"] = f"{cable_url}/source/{s['id']}/raw"
    out["label"] = f"{s.get('form') or 'version'}: {out['location']}" if out["location"] else (s.get("form") or "version")
    return out


def public_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A record with the location of the version it was read from reduced to a public name."""
    src = rec.get("source")
    if isinstance(src, dict) and src.get("location"):
        rec = {**rec, "source": {**src, "location": public_location(src["location"])}}
    return rec


def _raw(arch: WebArchive, ref: str, source_id: int) -> str | None:
    """The page a version was read from, as text (for the lines its record keeps as metadata)."""
    sha = arch.browse.source_sha(ref, source_id)
    raw = arch.archive.raw(sha) if sha else None
    return raw.decode("utf-8", "replace") if raw else None


def diff(arch: WebArchive, ref_id: str, a: int, b_: int) -> dict[str, Any] | None:
    """Source ``a`` against source ``b_``, word by word, block by block (``compare_cable``)."""
    b = arch.browse
    ref = b.resolve(ref_id)
    if ref is None:
        return None
    ra, rb = b.source_record(ref, a), b.source_record(ref, b_)
    if ra is None or rb is None:
        return None
    url = "/cable/" + quote(ref, safe="")
    result = compare_cable(compared_text(Cable.from_dict(ra), _raw(arch, ref, a)),
                           compared_text(Cable.from_dict(rb), _raw(arch, ref, b_)))
    sources = {s["id"]: public_source(s, url) for s in b.sources(ref)}
    s = result["summary"]
    return {
        "ref_id": ref, "url": url, "a": sources.get(a), "b": sources.get(b_),
        "same": s["same"], "summary": s, "header": result.get("header"),
        "paragraphs": result["paragraphs"], "changes": result["changes"],
        "sources": list(sources.values()),
    }
