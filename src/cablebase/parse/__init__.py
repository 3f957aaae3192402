"""Parsers: text in, records out. Pure: no I/O, no globals that change.

Each input form is one module with ``parse(text, location=None) -> list[Cable]``:

- ``cablegate_html`` — a WikiLeaks cablegate page (``cable/YYYY/MM/REFID.html``)
- ``telegram`` — raw telegram text, with or without routing header
- ``csvdump`` — rows of the Cablegate ``cables.csv`` dump
- ``article`` — a cable republished (and flattened) inside a news article, blog post or feed entry

``parse(data)`` decodes bytes, detects the form and dispatches; ``fmt`` overrides detection.
"""

from __future__ import annotations

import hashlib

from ..errors import NoCableFound, ParseError
from ..record import Cable, Source
from . import article, cablegate_html, csvdump, historylab, jsondump, plusd, refid, routing, telegram
from .official import OfficialIds
from .decode import decode
from .pdf import pdf_text
from .telegram_classification import classification_line

FORMATS = {
    "cablegate-html": cablegate_html.parse,
    "telegram": telegram.parse,
    "csv": csvdump.parse,
    "article": article.parse,
    "historylab": historylab.parse,
    "json": jsondump.parse,
    "plusd": plusd.parse,
}
LOCATED = frozenset(("historylab", "plusd"))
"""Forms whose parser also reads the input's location (a file named by the cable's ID)."""


def detect(text: str) -> str:
    """Name the input form of ``text`` (one of ``FORMATS``)."""
    head = text[:4096]
    if jsondump.looks_like(head):
        return "json"
    if "<table class='cable'>" in text or ("Reference ID</th>" in text and "<pre" in text):
        return "cablegate-html"
    if csvdump.looks_like(head):
        return "csv"
    if plusd.looks_like(text):
        return "plusd"
    if historylab.looks_like(text):
        return "historylab"
    if article.looks_like(text):
        return "article"
    return "telegram"


def parse(
    data: bytes | str,
    *,
    location: str | None = None,
    fmt: str | None = None,
    official: OfficialIds | None = None,
) -> list[Cable]:
    """Parse one input (a file's bytes, a page, a post) into cable records.

    Raises ``ParseError`` (naming ``location``) when the input cannot be read or holds no
    cable. Every record gets a ``source`` with the form, location and sha256 of ``data``.
    ``official``: the official list of reference IDs (aliases; IDs of partial extracts).
    """
    if isinstance(data, bytes):
        sha = hashlib.sha256(data).hexdigest()
        if data[:5] == b"%PDF-":  # WikiLeaks PlusD's PDF export: its text, laid out as printed
            try:
                text = pdf_text(data)
            except ParseError as e:
                raise type(e)(e.reason, location) from None
            fmt = fmt or "plusd"
        else:
            text = decode(data, location)
    else:
        try:
            sha = hashlib.sha256(data.encode("utf-8")).hexdigest()
            text = data
        except UnicodeEncodeError:  # lone surrogates: hash them as given, read them as "?"
            sha = hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()
            text = data.encode("utf-8", "replace").decode("utf-8")
    if not text.strip():
        raise ParseError("empty input", location)
    form = fmt or detect(text)
    try:
        fn = FORMATS[form]
    except KeyError:
        raise ParseError(f"unknown format {form!r} (known: {', '.join(FORMATS)})", location) from None
    try:
        cables = fn(text, location) if form in LOCATED else fn(text)
    except ParseError as e:
        if e.source is None:
            raise type(e)(e.reason, location) from None
        raise
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as e:  # parser bug: still typed
        raise ParseError(f"cannot parse as {form}: {type(e).__name__}: {e}", location) from e
    if not cables:
        raise NoCableFound(f"no cable found (read as {form})", location)
    for c in cables:
        c.source = Source(form=form, location=location, sha256=sha)
        name_cable(c, official)
    return cables


def name_cable(c: Cable, official: OfficialIds | None = None) -> None:
    """Give ``c`` its other names (clean alias, CFPF form) and, with the official list, the
    official ID of a clean one, the ID of a partial extract whose text names post and serial, and
    of the banner's and the routing header's readings of a cable's ID the one that is official."""
    if official is not None:
        unofficial = c.ref_id and c.ref_id not in official and not official.official(c.ref_id)
        banner = None
        if (not c.ref_id or unofficial) and c.body:
            ci = classification_line(c.body.split("\n", 1)[0])
            if ci and ci[1] and ci[2]:
                banner = (ci[1], ci[2])
        if unofficial:
            _official_reading(c, official, banner)
        official.apply(c, None if c.ref_id else banner)
    if c.ref_id:
        for n in refid.names(c.ref_id)[1:]:
            if n not in c.aliases:
                c.aliases.append(n)


def _official_reading(c: Cable, official: OfficialIds, banner: tuple[str, str] | None) -> None:
    """The text named the cable two ways (the banner's serial, the routing header's ``DE … #NNNN``)
    and the one read is no official ID: take the other when it is one."""
    sp = refid.split_ref_id(c.ref_id)
    if not sp:
        return
    year, post, _serial = sp
    readings = [banner] if banner else []
    de = routing.DE_RE.search((c.header or "").upper())
    if de:
        readings.append((post, de.group(1)))
    for p, n in readings:
        alt = refid.canonical(year, p, n)
        if alt != c.ref_id and alt in official:
            c.ref_id = alt
            return


__all__ = ["FORMATS", "NoCableFound", "OfficialIds", "ParseError", "decode", "detect", "name_cable", "parse"]
