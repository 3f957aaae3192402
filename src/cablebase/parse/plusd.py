"""A WikiLeaks PlusD cable (Public Library of US Diplomacy) → cable record.

Takes the text of a PlusD PDF (``pdf.pdf_text``: pages separated by ``\\f``), a PlusD cable
page as HTML, or such a page saved as text. PlusD shows a metadata block next to the
telegram, one ``Label: value`` a line (the value may also stand on the next line, and TAGS,
To and Concepts run over several)::

    Date: 1974 May 13, 10:15 (Monday)
    Canonical ID: 1974ATHENS02959_b
    Original Classification: CONFIDENTIAL
    Current Classification: UNCLASSIFIED
    Handling Restrictions: -- N/A or Blank --
    Character Count: 2481
    Executive Order: GS            Locator: TEXT ON MICROFILM,TEXT ONLINE
    TAGS: PFOR - Foreign Policy, Relations, and Cooperation | GR - Greece
    Concepts / Enclosure / Type / Office Origin / Office Action / Archive Status
    From: Greece Athens            Markings: …            To: Secretary of State

The block is found by its ``Canonical ID`` (the generic labels Date/From/To/TAGS count only
around it), before or after the telegram. Its values are the record's metadata (see
``_meta``); the rest of the text, less the page furniture (running headers and footers
repeated at the page edges, page numbers, the page's URL, site navigation) and PlusD's title
line (``2000HANOI00686 - CONFIDENTIAL``), is the telegram, read by ``telegram.parse_text``.
Without a block (a print of the telegram alone) the telegram's own header gives the
metadata; ``location``'s file name (``00DAMASCUS3013.pdf``) gives a reference ID the text
lacks, noted in ``Cable.inferred``.
"""

from __future__ import annotations

import html as _html
import re
from collections import Counter
from pathlib import PurePath

from ..errors import ParseError
from ..record import Cable, Disagreement
from . import refid
from .plusd_fields import BLANK_VALUE, classification, origin, parse_date, ref_id, tag_codes
from .routing import Header, parse_dtg, read_header, split_routing
from .telegram import parse_text
from .telegram_body import PARA_RE
from .telegram_classification import classification_line

LABELS = (
    "Date", "Canonical ID", "Original Classification", "Current Classification", "Handling Restrictions",
    "Character Count", "Executive Order", "Locator", "TAGS", "Concepts", "Enclosure", "Type", "Office Origin",
    "Office Action", "Archive Status", "From", "Markings", "To", "Subject", "Title",
)
_DISTINCT = frozenset(("canonical id", "original classification", "current classification", "handling restrictions",
                       "character count", "executive order", "office origin", "office action", "archive status"))
_LABEL_RE = re.compile(r"^\s*(" + "|".join(sorted((re.escape(x) for x in LABELS), key=len, reverse=True))
                       + r")\s*(:|$)\s*(.*)$", re.I)
_MULTI = frozenset(("tags", "to", "from", "concepts", "markings", "locator", "handling restrictions", "enclosure",
                    "subject", "title"))
_TITLE_RE = re.compile(r"^\s*(?:Cable:\s*)?((?:19|20)?\d{2}[A-Z][A-Z-]*?[A-Z]\d{1,7}(?:_[a-z0-9]{1,3})?)\s+[-–]\s+"
                       r"(UNCLASSIFIED|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE|TOP SECRET)\b[^\n]*$")
_PAGE_NO = re.compile(r"^\s*(?:-\s*\d{1,3}\s*-|(?:Page\s+)?\d{1,3}\s*(?:/|of)\s*\d{1,3}|Page\s+\d{1,3}|\d{1,3})\s*$", re.I)
_URL_LINE = re.compile(r"^\s*(?:\S*\s+)?(?:https?://|www\.)\S+(?:\s+\d{1,3}\s*(?:/|of)\s*\d{1,3})?\s*$", re.I)
"""A line that is a URL (and a page number): a print's footer when it names WikiLeaks or has the number."""
_PRINT_HEAD = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{2,4},?\s+(?:\d{1,2}:\d{2}(?:\s*[AP]M)?\s+)?.*(?:PlusD|WikiLeaks|Cable:)")
_CHROME = frozenset(x.lower() for x in (
    "Show Headers", "Hide Headers", "Print", "Tweet", "Share", "Donate", "Submit", "Search", "Shop", "Leaks",
    "News", "About", "Partners", "Contact", "WikiLeaks", "Support WikiLeaks", "Raw content", "Metadata",
    "Browse", "Your role is important:", "PlusD", "Public Library of US Diplomacy", "Cablegate", "Help",
    "Kissinger Cables", "Carter Cables", "Advanced search", "Tip", "Toggle navigation", "Menu",
))
_NARA_DEBRIS = re.compile(r"^\s{5,}(?:UNCLASSIFIED|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)(?:\s+[A-Z]{2,4}\d{3,5})?\s*$")
_NARA_PAGE = re.compile(r"(?m)^\s*PAGE\s+\d{2}\s+[A-Z][A-Z ]{1,40}?\s+\d{3,6}\s+(?:\d{2}\s+OF\s+\d{2}\s+)?(\d{2})(\d{2})(\d{2})Z")
_TELEGRAM_START = re.compile(r"^\s*(?:VZCZC|ZNY|ZNR|FM\s|E\.\s?O\.|TAGS:|SUBJECT:|SUBJ:|¶|This record is a partial)",
                             re.I)
_HTML_HINT = re.compile(r"<(?:!doctype|html|body|div|table|pre|p|br|td|dt)\b", re.I)


def looks_like(text: str) -> bool:
    """A PlusD cable: ``Canonical ID`` and at least two other PlusD-only labels, as labels."""
    head = text[:30000]
    if "anonical" not in head:
        return False
    if not re.search(r"(?:^|>|\n)\s*Canonical ID\s*:?\s*(?:<[^>]*>\s*)*(?:19|20)?\d{2}[A-Z]", head, re.I | re.M):
        return False
    found = {m.group(1).lower() for m in re.finditer(
        r"(?:^|>|\n)\s*(Original Classification|Current Classification|Handling Restrictions|Character Count|"
        r"Executive Order|Office Origin|Office Action|Archive Status)\s*:?", head, re.I)}
    return len(found) >= 2


def parse(text: str, location: str | None = None) -> list[Cable]:
    """The cable of a PlusD text (PDF text, page HTML or saved page); [] when it names none.
    ``location`` (a path or URL): its file name gives the reference ID if the text has none."""
    if not text or not text.strip():
        raise ParseError("empty PlusD text")
    if _HTML_HINT.search(text[:4096]):
        text = html_to_text(text)
    title = next((m.groups() for m in map(_TITLE_RE.match, text[:20000].split("\n")) if m), None)
    lines = _clean_lines(text)
    fields, start, end = _find_block(lines)
    tele = _telegram_part(lines, start, end)
    meta, extra = _meta(fields, title)
    header_meta = _routing_meta(tele) if not meta.get("created") or not meta.get("origin") else {}
    for k, v in header_meta.items():
        if not meta.get(k):
            meta[k] = v
    c = parse_text("\n".join(tele), {k: v for k, v in meta.items() if v})
    _drop_name_tags(c, tele)
    _finish(c, meta, extra, tele, location)
    if not (c.ref_id or c.paragraphs or c.body.strip()):
        return []
    return [c]


# --- Text: HTML, page furniture ---------------------------------------------------------------

_BLOCK_TAGS = re.compile(r"<\s*/?\s*(?:br|p|div|tr|li|h[1-6]|dt|dd|table|section|article|header|footer|ul|ol|"
                         r"blockquote|pre|title)\b[^>]*>", re.I)
_CELL_END = re.compile(r"<\s*/\s*t[dh]\s*>", re.I)
_DROP = re.compile(r"<(script|style|noscript|svg|head)\b.*?</\1\s*>", re.I | re.S)


def html_to_text(page: str) -> str:
    """A page's text with its lines: block elements and table cells end lines, ``<pre>`` keeps its own."""
    page = _DROP.sub("\n", page)
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)
    out = []
    for k, part in enumerate(re.split(r"(<pre\b[^>]*>.*?</pre\s*>)", page, flags=re.I | re.S)):
        if k % 2:  # a <pre> block: only its tags go
            out.append("\n" + re.sub(r"<[^>]+>", "", part) + "\n")
            continue
        part = re.sub(r"\s+", " ", part)
        part = _CELL_END.sub("\n", part)
        part = _BLOCK_TAGS.sub("\n", part)
        part = re.sub(r"<[^>]+>", "", part)
        out.append(part)
    return _html.unescape("".join(out))


def _clean_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\t", "    ")
    page_line = _NARA_PAGE.search(text)
    if page_line:  # a NARA print: the classification centred at each page's foot goes (not the first)
        text = text[: page_line.start()] + "\n".join(
            "" if _NARA_DEBRIS.match(ln) else ln for ln in text[page_line.start():].split("\n"))
    pages = [p.split("\n") for p in text.split("\f")]
    if len(pages) > 1:
        _drop_running(pages)
    lines: list[str] = []
    for p in pages:
        lines.extend(ln.rstrip() for ln in p)
    out = []
    for i, ln in enumerate(lines):
        s = ln.strip()
        if s and (_PAGE_NO.match(s) and _alone(lines, i) or _PRINT_HEAD.match(s) or _URL_LINE.match(s) and (
                re.search(r"wikileaks|plusd", s, re.I) or re.search(r"\d\s*(?:/|of)\s*\d{1,3}\s*$", s))):
            continue
        out.append(ln)
    return out


def _alone(lines: list[str], i: int) -> bool:
    """Is line i set apart (a blank line or the edge on one side)? A page number is."""
    before = not lines[i - 1].strip() if i > 0 else True
    after = not lines[i + 1].strip() if i + 1 < len(lines) else True
    return before or after


def _norm(s: str) -> str:
    return re.sub(r"\d+", "#", " ".join(s.split()))


def _drop_running(pages: list[list[str]]) -> None:
    """Remove running headers and footers: the first and last lines of pages that recur (digits
    aside) at the edges of at least two pages; classification lines are the telegram's own."""
    edges: Counter = Counter()
    for p in pages:
        idx = [i for i, ln in enumerate(p) if ln.strip()]
        for i in set(idx[:3] + idx[-3:]):
            edges[_norm(p[i])] += 1
    running = {k for k, v in edges.items() if v >= 2 and len(k) > 1 and re.search(r"[A-Za-z#]", k)}
    if not running:
        return
    for p in pages:
        idx = [i for i, ln in enumerate(p) if ln.strip()]
        for i in set(idx[:3] + idx[-3:]):
            s = p[i].strip()
            if _norm(p[i]) in running and not classification_line(s) and not PARA_RE.match(s):
                p[i] = ""


# --- The metadata block ------------------------------------------------------------------------

def _find_block(lines: list[str]) -> tuple[dict[str, str], int, int]:
    """The block's fields (label → value) and its line range [start, end); ({}, 0, 0) if none."""
    anchor = next((i for i, ln in enumerate(lines) if re.match(r"^\s*Canonical ID\b", ln, re.I)), None)
    if anchor is None:
        return {}, 0, 0
    start = anchor
    j = anchor - 1
    while j >= 0 and anchor - j <= 12:
        s = lines[j].strip()
        if s and _LABEL_RE.match(s):
            start = j
        elif s and not (j > 0 and _empty_label(lines[j - 1])):
            break
        j -= 1
    fields: dict[str, list[str]] = {}
    cur = None
    i = start
    n = len(lines)
    while i < n:
        s = lines[i].strip()
        m = _LABEL_RE.match(s) if s else None
        if m and (m.group(2) == ":" or m.group(1).lower() in _DISTINCT or cur is not None or i == start):
            if m.group(1).lower() in fields:  # a label again: the telegram's own (TAGS:, SUBJECT:)
                break
            cur = m.group(1).lower()
            fields.setdefault(cur, [])
            if m.group(3).strip():
                fields[cur].append(m.group(3).strip())
        elif not s:
            k = i + 1
            while k < n and not lines[k].strip():
                k += 1
            m = _LABEL_RE.match(lines[k].strip()) if k < n else None
            if not m or m.group(1).lower() in fields:
                break
        elif cur is not None and _continues(cur, fields[cur], s):
            fields[cur].append(s)
        else:
            break
        i += 1
    return {k: "\n".join(v) for k, v in fields.items()}, start, i


def _empty_label(ln: str) -> bool:
    m = _LABEL_RE.match(ln.strip())
    return bool(m and not m.group(3).strip())


def _continues(label: str, values: list[str], s: str) -> bool:
    """May line ``s`` go on the value of ``label``? (A label's own value may be on the next line.)"""
    if _TELEGRAM_START.match(s):
        return False
    if not values:
        return True
    return label in _MULTI and len(values) < 60 and not classification_line(s) and not parse_dtg(s)


def _value(fields: dict[str, str], key: str) -> str | None:
    v = fields.get(key)
    if v is None:
        return None
    v = " ".join(v.split())
    return None if BLANK_VALUE.match(v) else v


def _meta(fields: dict[str, str], title: tuple[str, str] | None) -> tuple[dict, dict]:
    canonical = _value(fields, "canonical id") or (title[0] if title else None)
    ref = ref_id(canonical)
    handling = _value(fields, "handling restrictions")
    cls = classification(_value(fields, "original classification"), handling) \
        or classification(_value(fields, "current classification"), handling) \
        or classification(title[1] if title else None, handling)
    date = _value(fields, "date")
    meta = {"ref_id": ref, "created": parse_date(date) if date else None, "classification": cls,
            "origin": origin(_value(fields, "from"), ref)}
    to = fields.get("to")
    extra = {
        "canonical": canonical.split()[0] if canonical else None,
        "tags": tag_codes(fields.get("tags")),
        "subject": _value(fields, "subject") or _value(fields, "title"),
        "to": [x for x in (" ".join(p.split()) for p in re.split(r"[|;\n]", to)) if x and not BLANK_VALUE.match(x)]
        if to else [],
    }
    return meta, extra


# --- The telegram -------------------------------------------------------------------------------

def _telegram_part(lines: list[str], start: int, end: int) -> list[str]:
    """The telegram: the text after the block if it holds one, else the text before it (PlusD's
    title lines left out)."""
    before = [ln for ln in lines[:start] if not _TITLE_RE.match(ln)]
    after = [ln for ln in lines[end:] if not _TITLE_RE.match(ln)]
    kept = before + after if end <= start else after if _telegramish(after) or not _telegramish(before) else before
    while kept and (not kept[0].strip() or _is_chrome(kept[0])):  # the site's navigation around it
        kept.pop(0)
    while kept and (not kept[-1].strip() or _is_chrome(kept[-1])):
        kept.pop()
    return kept


def _is_chrome(line: str) -> bool:
    s = line.strip()
    return s.rstrip(" |»›").lower() in _CHROME or not any(ch.isalnum() for ch in s)


def _telegramish(lines: list[str]) -> bool:
    for ln in lines[:400]:
        s = ln.strip()
        if s and (_TELEGRAM_START.match(s) or classification_line(s) or parse_dtg(s)):
            return True
    return False


def _routing_meta(lines: list[str]) -> dict:
    """Date and origin from a routing header the telegram parser does not read (a header with
    no classification line or preamble after it: the print of a telegram's first page only)."""
    out: dict = {}
    for ln in lines[:60]:
        s = ln.strip()
        if "created" not in out:
            d = parse_dtg(s.upper())
            if d:
                out["created"] = d[1]
                continue
        if s.upper().startswith("FM ") and "origin" not in out:
            o = refid.origin_from_fm(s[3:])
            if o:
                out["origin"] = o
    return out


def _drop_name_tags(c: Cable, tele: list[str]) -> None:
    """The telegram parser takes every word of a TAGS line as a tag, the words of a person's
    name in parentheses too (``OVIP (CLINTON, WILLIAM J.)``): those are dropped."""
    for i, ln in enumerate(tele[:120]):
        if ln.lstrip().upper().startswith("TAGS") and "(" in " ".join(tele[i:i + 3]):
            inside = set(re.findall(r"[A-Z][A-Z0-9]+", " ".join(re.findall(r"\([^)]*\)?", " ".join(tele[i:i + 3])))))
            outside = set(re.findall(r"[A-Z][A-Z0-9]+", re.sub(r"\([^)]*\)?", " ", " ".join(tele[i:i + 3]))))
            c.tags = [t for t in c.tags if t not in inside or t in outside]
            return


def _finish(c: Cable, meta: dict, extra: dict, tele: list[str], location: str | None) -> None:
    if extra["tags"]:
        if c.tags and set(c.tags) != set(extra["tags"]):
            c.disagreements.append(Disagreement("tags", ", ".join(extra["tags"]), ", ".join(c.tags)))
        c.tags = extra["tags"]
    subj = extra["subject"]
    if subj:
        if c.subject and " ".join(c.subject.upper().split()) != " ".join(subj.upper().split()):
            c.disagreements.append(Disagreement("subject", subj, c.subject))
        c.subject = subj
    if not c.to and extra["to"]:
        c.to = extra["to"]
    canonical = extra["canonical"]
    if canonical and c.ref_id and canonical != c.ref_id and canonical not in c.aliases:
        c.aliases.append(canonical)
    if not c.ref_id and location:
        stem = PurePath(location.split("?")[0]).stem
        stem = ref_id(stem) if stem else None
        if stem and (refid.split_ref_id(stem)):
            c.ref_id = stem
            c.inferred.append("ref_id")
    if not c.paragraphs and not c.subject and not c.classification and c.header is None:
        _header_only(c)
    if not c.paragraphs and not c.body.strip():
        c.partial = True


_ADDRESSEE = re.compile(r"^[A-Z][A-Z0-9 /&.,'()-]*$")


def _header_only(c: Cable) -> None:
    """A print of a routing header alone (DTG, FM, TO, INFO, no classification line): the
    telegram parser leaves it in the body unread; it is the header, and its addressees are read."""
    lines = [ln.strip() for ln in c.body.split("\n") if ln.strip()]
    if not lines or not parse_dtg(lines[0].upper()) or not all(_ADDRESSEE.match(ln) for ln in lines):
        return
    c.header, c.body = "\n".join(lines), ""
    h = Header()
    read_header(lines, h)
    c.to, c.info = split_routing(h.to), split_routing(h.info)
