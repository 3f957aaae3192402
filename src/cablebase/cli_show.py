"""``cablebase show``: one cable as the terminal shows it, and as JSON.

A cable stored without a reference ID read has a provisional key (``UNREF-…``): shown as
that key, marked "no reference ID read"; its JSON record keeps ``ref_id: null`` and the key is
given beside it (``key``).
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from . import Cable, StoredSource, from_other_versions, is_provisional


def reference_label(ref_id: str | None) -> str | None:
    """The Reference ID line: the ID, or the provisional key said to be one."""
    if is_provisional(ref_id):
        return f"none read: stored under the provisional key {ref_id}"
    return ref_id


def show_json(cable: Cable, sources: list[StoredSource]) -> dict[str, Any]:
    """What ``cablebase show --json`` prints: the record (``ref_id`` null when none was read),
    the key it is stored under, what other versions fill in, and the versions."""
    record = cable.to_dict()
    filled = from_other_versions(record, ((s.id, s.record.to_dict()) for s in sources if not s.current))
    key = cable.ref_id
    if is_provisional(key):
        record["ref_id"] = None
    return {"key": key, "provisional": is_provisional(key), "record": record, "from_other_versions": filled,
            "sources": [s.to_dict() for s in sources]}


def render_cable(c: Cable, sources: list[StoredSource], filled: dict[str, dict[str, object]] | None = None) -> Group:
    filled = filled or {}

    def value(k: str) -> str | None:
        v = getattr(c, k)
        if v or k not in filled:
            return v
        return f"{filled[k]['value']}  (from version {filled[k]['source_id']})"

    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold cyan", no_wrap=True)
    meta.add_column()
    rows: list[tuple[str, str | None]] = [
        ("Reference ID", reference_label(c.ref_id) + ("  (inferred from the official ID list: the text names post"
                                                        " and serial, not the year)" if "ref_id" in c.inferred else "")
         if c.ref_id else None),
        ("Other names", ", ".join(c.aliases)),
        ("Subject", value("subject")),
        ("Created", value("created")),
        ("Released", value("released")),
        ("Classification", value("classification")),
        ("Origin", value("origin")),
        ("Precedence", c.precedence),
        ("DTG", c.dtg),
        ("To", ", ".join(c.to)),
        ("Info", ", ".join(c.info)),
        ("Tags", " ".join(c.tags)),
        ("References", "; ".join(r.ref_id or r.raw for r in c.references)),
        ("Classified by", c.classified_by),
        ("Declassify", c.decl),
        ("Signed", c.signer),
        ("Partial", "yes: a partial extract" if c.partial else None),
        ("Disagreements", "; ".join(f"{d.field}: the source's metadata says {d.metadata}, the text {d.text}"
                                    for d in c.disagreements)),
    ]
    for k, v in rows:
        if v:
            meta.add_row(k, escape(v))
    title = f"{c.ref_id} (no reference ID read)" if is_provisional(c.ref_id) else (c.ref_id or "cable")
    parts: list[object] = [Panel(meta, title=escape(title), title_align="left")]
    if c.summary:
        parts.append(Panel(escape(c.summary), title="Summary", title_align="left", border_style="dim"))
    if c.paragraphs:
        heading = None
        for p in c.paragraphs:
            if p.heading and p.heading != heading:
                heading = p.heading
                parts.append(Rule(escape(heading), align="left", style="dim"))
            line = Text()
            if p.number is not None:
                line.append(f"¶{p.number}. ", style="bold")
            if p.marking:
                line.append(f"({p.marking}) ", style="bold magenta")
            line.append(p.text)
            parts.append(line)
            parts.append(Text())
    elif c.body:
        parts.append(Text(c.body))
    if sources:
        t = Table("", "version", "form", "location", "size", "added", "sha256", title="Sources", title_justify="left",
                  box=None)
        for s in sources:
            t.add_row("*" if s.current else "", str(s.id), s.form or "", escape(s.location or ""), f"{s.size:,}", s.added,
                      s.sha256[:12])
        parts.append(t)
    return Group(*parts)  # type: ignore[arg-type]


__all__ = ["reference_label", "render_cable", "show_json"]
