"""A WikiLeaks cablegate page (``/cable/YYYY/MM/REFID.html``) → cable record.

The page's metadata table (Reference ID, Created, Released, Classification, Origin) is
taken as given, with two known defects of the site corrected: the Created minutes repeat
the hour on the 2010–11 site, so the time is taken from the telegram's date-time group when
the dates agree; and the classification link's ``title`` is shifted, so its text is used.
The two ``<pre>`` blocks (routing header, body) are read with selectolax and handed to the
telegram parser.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from ..errors import ParseError
from ..record import Cable
from .telegram import parse_text

_TABLE_START = re.compile(r"<table\s+class=['\"]cable['\"]", re.I)
_PRE_OPEN = re.compile(r"<pre[\s>]", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
_H3 = re.compile(r"<h3>\s*Viewing cable\s+([^,<]+?)\s*,\s*(.*?)</h3>", re.S | re.I)


def looks_like(text: str) -> bool:
    return bool(_TABLE_START.search(text))


def _table_start(text: str) -> int:
    """Where the metadata table opens (-1: none): the site's own spelling by a plain find (a
    case-insensitive scan of a 50 KB page costs 25 us), any other spelling by the pattern."""
    i = text.find("<table class='cable'>")
    if i >= 0:
        return i
    m = _TABLE_START.search(text)
    return m.start() if m else -1


def parse(text: str) -> list[Cable]:
    start = _table_start(text)
    if start < 0:
        raise ParseError("no cablegate metadata table (<table class='cable'>) in the page")
    end = text.rfind("</pre>")
    if end < start:
        raise ParseError("page has a metadata table but no <pre> cable text (truncated page?)")
    closed = text.count("</pre>", start)
    opened = text.count("<pre>", start) + text.count("<pre ", start)  # the site's spelling: cheap
    if opened != closed:
        opened = len(_PRE_OPEN.findall(text, start))  # any spelling, before calling it truncated
    if opened != closed:
        raise ParseError(f"truncated page: {opened} <pre> blocks opened, {closed} closed")
    tree = HTMLParser(text[start: end + 6])
    cells = tree.css("table.cable td")
    if len(cells) < 5:
        raise ParseError(f"metadata table has {len(cells)} cells, expected 5")
    ref_id, created, released, classification, origin = (" ".join(td.text().split()) for td in cells[:5])
    pres = [p.text(deep=True) for p in tree.css("pre")]
    if not pres:
        raise ParseError("no <pre> cable text in the page")
    created = created if _DATE.match(created) else ""
    released = released if _DATE.match(released) else ""
    meta = {
        "ref_id": ref_id or None,
        "released": released or None,
        "classification": classification or None,
        "origin": origin or None,
    }
    c = parse_text("\n".join(pres), meta)
    # Created: trust the DTG's time when it is the same day; else the table.
    if c.created and created and c.created[:10] == created[:10]:
        pass
    else:
        c.created = created or c.created
    if not c.subject:
        h = _H3.search(text, 0, start)
        if h and h.group(2).strip():
            c.subject = " ".join(h.group(2).split())
    return [c]
