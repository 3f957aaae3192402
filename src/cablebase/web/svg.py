"""Server-rendered SVG charts: timelines, diplomatic threads, co-mention networks.

Each function takes plain data (the JSON forms' dicts) and returns ``Markup`` of an inline
``<svg>`` that works without JavaScript and without external resources: a ``<title>`` and a
``<desc>`` (``role="img"``), a ``<title>`` on every mark (the browser's tooltip, read by
screen readers), links as SVG ``<a>``. Every text from the data is escaped here, attributes
included; numbers are formatted by this module. The pages carry a table of the same data.
Colours and sizes are CSS classes (``static/style.css`` has them); the geometry is here.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from markupsafe import Markup, escape

CLASS_KEYS = ("top-secret", "secret", "confidential", "unclassified", "other", "absent")
"""CSS classes of the classifications (``cls-…``), strongest first."""


def _e(v: Any) -> str:
    return str(escape("" if v is None else str(v)))


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, title: str, desc: str, body: list[str], cls: str, uid: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" viewBox="0 0 {_n(width)} {_n(height)}"'
            f' width="100%" role="img" aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{uid}-t">{_e(title)}</title><desc id="{uid}-d">{_e(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


# -- timelines ------------------------------------------------------------------------------------
LANES = (("cables", "cables written", 90), ("released", "released", 34), ("articles", "articles", 34))


def timeline(rows: list[dict[str, Any]], *, title: str, link: Any = None, bursts: set[str] = frozenset(),
             uid: str = "tl") -> Markup:
    """Bars per month: cables (by creation), releases and articles in lanes of their own.
    ``link(month)`` gives the address a cables bar leads to (None: no link)."""
    left, width = 80.0, 640.0
    n = max(1, len(rows))
    step = width / n
    bw = max(1.0, step * 0.8)
    body: list[str] = []
    y = 6.0
    totals = {k: sum(r.get(k, 0) for r in rows) for k, _, _ in LANES}
    for key, label, h in LANES:
        peak = max((r.get(key, 0) for r in rows), default=0)
        body.append(f'<g class="lane lane-{key}"><text class="lane-label" x="{_n(left - 6)}" y="{_n(y + h / 2 + 4)}"'
                    f' text-anchor="end">{_e(label)}</text>')
        body.append(f'<line class="axis" x1="{_n(left)}" y1="{_n(y + h)}" x2="{_n(left + width)}" y2="{_n(y + h)}"/>')
        if peak:
            body.append(f'<text class="peak" x="{_n(left + width + 4)}" y="{_n(y + 10)}">{peak}</text>')
        for i, r in enumerate(rows):
            v = r.get(key, 0)
            if not v:
                continue
            bh = max(1.5, h * v / peak)
            x = left + i * step + (step - bw) / 2
            burst = key == "cables" and r["month"] in bursts
            tip = f"{r['month']}: {v} {label}" + (" (burst)" if burst else "")
            rect = (f'<rect class="bar bar-{key}{" burst" if burst else ""}" data-month="{_e(r["month"])}"'
                    f' x="{_n(x)}" y="{_n(y + h - bh)}" width="{_n(bw)}" height="{_n(bh)}"><title>{_e(tip)}</title></rect>')
            if burst:
                rect += f'<path class="burst-mark" d="M{_n(x + bw / 2)} {_n(y + h - bh - 2)} l-3 -5 h6 z"/>'
            href = link(r["month"]) if (link is not None and key == "cables") else None
            body.append(f'<a href="{_e(href)}">{rect}</a>' if href else rect)
        body.append("</g>")
        y += h + 10
    # years along the bottom: at most ~12 labels
    years = sorted({r["month"][:4] for r in rows})
    every = max(1, math.ceil(len(years) / 12))
    first_jan = next((i for i, r in enumerate(rows) if r["month"].endswith("-01")), n)
    for i, r in enumerate(rows):
        if r["month"].endswith("-01") or (i == 0 and first_jan * step > 36):
            yr = r["month"][:4]
            if years.index(yr) % every == 0:
                x = left + i * step
                body.append(f'<text class="year" x="{_n(x)}" y="{_n(y + 8)}">{_e(yr)}</text>')
    desc = (f"{totals['cables']} cables, {totals['released']} releases and {totals['articles']} articles per month"
            + (f", from {rows[0]['month']} to {rows[-1]['month']}" if rows else "")
            + (f"; {len(bursts)} burst months" if bursts else "") + ".")
    return _svg(left + width + 40, y + 14, title, desc, body, "timeline", uid)


# -- threads --------------------------------------------------------------------------------------
def cls_key(classification: str | None, in_archive: bool = True) -> str:
    if not in_archive:
        return "absent"
    c = (classification or "").upper().replace("_", " ")
    if "TOP SECRET" in c:
        return "top-secret"
    if "SECRET" in c:
        return "secret"
    if "CONFIDENTIAL" in c:
        return "confidential"
    if "UNCLASSIFIED" in c:
        return "unclassified"
    return "other"


def _day(d: str | None) -> float | None:
    try:
        return date.fromisoformat(str(d)[:10]).toordinal() if d else None
    except ValueError:
        return None


def thread(cables: list[dict[str, Any]], edges: list[dict[str, Any]], *, focus: str, uid: str = "th") -> Markup:
    """Cables as boxes in time (x) and by origin (lanes), an arrow from each citing cable to
    the one it cites (its REF letter on the arrow). ``cables``: dicts with ref_id, created
    (or ``when``: an estimate for those not in the archive), origin, classification,
    in_archive, url."""
    bw, bh, left, width = 112.0, 22.0, 120.0, 760.0
    days = {c["ref_id"]: _day(c.get("created") or c.get("when")) for c in cables}
    known = [d for d in days.values() if d is not None]
    lo, hi = (min(known), max(known)) if known else (0, 1)
    span = max(1.0, hi - lo)
    lanes: list[str] = []
    order = sorted(cables, key=lambda c: (days[c["ref_id"]] is None, days[c["ref_id"]] or 0, c["ref_id"]))
    for c in order:
        o = c.get("origin") or "?"
        if o not in lanes:
            lanes.append(o)
    pos: dict[str, tuple[float, float]] = {}
    lane_rows: dict[str, list[list[float]]] = {o: [] for o in lanes}  # per lane, per sub-row: right edges
    lane_y: dict[str, float] = {}
    for c in order:
        d = days[c["ref_id"]]
        x = left + (width - bw) * ((d - lo) / span if d is not None else 1.0)
        rows = lane_rows[c.get("origin") or "?"]
        for k, row in enumerate(rows):
            if all(abs(x - x0) >= bw + 4 for x0 in row):
                row.append(x)
                break
        else:
            rows.append([x])
            k = len(rows) - 1
        pos[c["ref_id"]] = (x, k)
    y = 24.0
    body: list[str] = ['<defs><marker id="%s-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7"'
                       ' markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrow"/>'
                       '</marker></defs>' % uid]
    for o in lanes:
        lane_y[o] = y
        h = max(1, len(lane_rows[o])) * (bh + 8)
        body.append(f'<text class="lane-label" x="{_n(left - 8)}" y="{_n(y + bh / 2 + 4)}" text-anchor="end">{_e(o)}</text>'
                    f'<line class="lane-line" x1="{_n(left)}" y1="{_n(y + h - 4)}" x2="{_n(left + width)}" y2="{_n(y + h - 4)}"/>')
        y += h
    xy = {r: (x, lane_y[next(c.get("origin") or "?" for c in cables if c["ref_id"] == r)] + k * (bh + 8))
          for r, (x, k) in pos.items()}
    for e in edges:
        if e["from"] not in xy or e["to"] not in xy:
            continue
        (x1, y1), (x2, y2) = xy[e["from"]], xy[e["to"]]
        sx, sy = x1 + (0 if x2 < x1 else bw), y1 + bh / 2
        tx, ty = x2 + (bw if x2 < x1 else 0), y2 + bh / 2
        if abs(x1 - x2) < 1 and abs(y1 - y2) > 1:  # same time: from the bottom/top edge
            sx = tx = x1 + bw / 2
            sy, ty = (y1 + bh, y2) if y2 > y1 else (y1, y2 + bh)
        tip = f"{e['from']} cites {e['to']}" + (f" (REF {e['letter']})" if e.get("letter") else "")
        body.append(f'<g class="edge"><title>{_e(tip)}</title><line x1="{_n(sx)}" y1="{_n(sy)}" x2="{_n(tx)}" y2="{_n(ty)}"'
                    f' marker-end="url(#{uid}-arrow)"/>')
        if e.get("letter"):
            body.append(f'<text class="edge-letter" x="{_n((sx + tx) / 2)}" y="{_n((sy + ty) / 2 - 3)}">{_e(e["letter"])}</text>')
        body.append("</g>")
    for c in cables:
        x, yy = xy[c["ref_id"]]
        k = cls_key(c.get("classification"), c.get("in_archive", True))
        when = c.get("created") or (f"about {c['when'][:4]}" if c.get("when") else "date unknown")
        tip = (f"{c['ref_id']} · {when} · " + (c.get("classification") or "classification unknown")
               + ("" if c.get("in_archive", True) else " · not in this archive")
               + (f" · {c['subject']}" if c.get("subject") else ""))
        box = (f'<g class="node cls-{k}{" focus" if c["ref_id"] == focus else ""}" data-ref="{_e(c["ref_id"])}">'
               f'<title>{_e(tip)}</title><rect x="{_n(x)}" y="{_n(yy)}" width="{_n(bw)}" height="{_n(bh)}" rx="3"/>'
               f'<text x="{_n(x + 5)}" y="{_n(yy + 15)}">{_e(c["ref_id"][:19])}</text></g>')
        body.append(f'<a href="{_e(c["url"])}">{box}</a>' if c.get("url") else box)
    if known:
        for d, anchor, x in ((lo, "start", left), (hi, "end", left + width)):
            body.append(f'<text class="year" x="{_n(x)}" y="14" text-anchor="{anchor}">{date.fromordinal(int(d)).isoformat()}</text>')
    desc = (f"{len(cables)} cables and {len(edges)} citations around {focus}, in time from left to right, "
            f"one lane per origin; an arrow goes from a cable to the one its REF line cites.")
    return _svg(left + width + 10, y + 6, f"Diplomatic thread of {focus}", desc, body, "thread", uid)


# -- networks -------------------------------------------------------------------------------------
def network(center: dict[str, Any], nodes: list[dict[str, Any]], edges: list[dict[str, Any]], *,
            uid: str = "nw") -> Markup:
    """The entity in the middle, the entities mentioned in the same paragraphs around it
    (the heaviest first, clockwise from the top), a line per pair that share paragraphs,
    thicker for more. ``nodes``: dicts with id, name, type, weight, url; ``edges``: source,
    target, weight."""
    size, cx, cy, rad = 640.0, 320.0, 300.0, 220.0
    where: dict[int, tuple[float, float]] = {center["id"]: (cx, cy)}
    for i, nd in enumerate(nodes):
        a = -math.pi / 2 + 2 * math.pi * i / max(1, len(nodes))
        where[nd["id"]] = (cx + rad * math.cos(a), cy + rad * math.sin(a))
    top = max((e["weight"] for e in edges), default=1) or 1
    body: list[str] = []
    for e in edges:
        if e["source"] not in where or e["target"] not in where:
            continue
        (x1, y1), (x2, y2) = where[e["source"]], where[e["target"]]
        w = 0.6 + 5 * e["weight"] / top
        names = {center["id"]: center["name"], **{nd["id"]: nd["name"] for nd in nodes}}
        tip = f"{names[e['source']]} and {names[e['target']]}: {e['weight']} paragraphs"
        body.append(f'<line class="link" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"'
                    f' stroke-width="{_n(w)}"><title>{_e(tip)}</title></line>')
    wtop = max((nd["weight"] for nd in nodes), default=1) or 1
    for nd in [center, *nodes]:
        x, y = where[nd["id"]]
        is_c = nd is center
        r = 16.0 if is_c else 5 + 9 * math.sqrt(nd["weight"] / wtop)
        tip = nd["name"] + ("" if is_c else f": {nd['weight']} paragraphs with {center['name']}")
        anchor = "middle" if abs(x - cx) < 40 else ("start" if x > cx else "end")
        tx = x if anchor == "middle" else x + (r + 4 if x > cx else -r - 4)
        ty = y + (r + 12 if y >= cy and anchor == "middle" else (-r - 5 if anchor == "middle" else 4))
        g = (f'<g class="node type-{_e((nd.get("type") or "").lower())}{" center" if is_c else ""}"'
             f' data-entity="{int(nd["id"])}"><title>{_e(tip)}</title>'
             f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}"/>'
             f'<text x="{_n(tx)}" y="{_n(ty)}" text-anchor="{anchor}">{_e(nd["name"][:40])}</text></g>')
        body.append(f'<a href="{_e(nd["url"])}">{g}</a>' if nd.get("url") and not is_c else g)
    desc = (f"{center['name']} and the {len(nodes)} entities most often mentioned in the same paragraphs; "
            f"{len(edges)} links, thicker for more shared paragraphs.")
    return _svg(size, size - 20, f"Who with whom: {center['name']}", desc, body, "network", uid)
