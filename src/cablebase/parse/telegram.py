"""Raw telegram text → cable record.

Handles the routing header when present (``VZCZC…``, precedence and DTG line, ``DE``,
``FM``, ``TO``, ``INFO``), newspapers' metadata blocks (``ID:``/``ORIGIN:``/``DATE:``…),
damaged classification lines (letter-spaced, lower-cased, doubled first letters, header and
body run together) and the body conventions: ``E.O.``, ``TAGS``, ``SUBJECT``, ``REF``,
``Classified By``, numbered paragraphs with portion marks, dashed section headings,
Summary / Comment blocks, the signer, and page-break debris.

``parse_text(text, meta)`` is the entry point the other forms share: ``meta`` carries what a
page or dump already says (ref id, dates, classification, origin) and wins over the text.
This module puts the cable together: where the header ends, its identity (ID, date,
classification, origin) and the disagreements with ``meta``. The parts it reads with live
beside it: ``routing`` (the routing header), ``telegram_classification`` (the classification
line), ``telegram_preamble`` (E.O., TAGS, SUBJECT, REF, Classified By) and ``telegram_body``
(page debris, paragraphs, signer, Summary and Comment blocks).
"""

from __future__ import annotations

import re

from ..record import Cable, Disagreement
from . import refid
from .reflow import EO_ORDERS, is_flattened, reflow
from .routing import BARE_REF, META_RE, PARTIAL_SENTENCE, WEEKDAY_DATE_RE, Header, read_header, split_routing
from .telegram_body import PARA_RE, clean_body_lines, read_paragraphs, summary_and_comments
from .telegram_classification import classification_line, classification_with_caveats, find_classification_line
from .telegram_preamble import parse_refs, read_preamble, split_run_together


_SCAN_STOP = ("E.O", "EO ", "TAGS", "SUBJECT", "SUBJ:", "CLASSIFIED BY", "REF:")


_RUN_TOGETHER_HEAD = re.compile(
    r"(?<=\d)\s*(?=SIPDIS)|(?<=\S)\s+(?=(?:E\.O\. (?:" + EO_ORDERS + r"|\d{5}:)|TAGS:|SUBJECT:|Classified By:|CLASSIFIED BY:))"
)
_TSV_ROW = re.compile(
    r"^(?:\d+\t)?(\d{4}-\d{2}-\d{2} \d{2}:\d{2}):\d{2}\t(\d{2}[A-Z][A-Z-]*\d+)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t(.*)$",
    re.M,
)
_ORIGIN_NAME = re.compile(r"^(?:Embassy|Consulate|Secretary of State|US |USUN|USEU|UNVIE|Mission|American Institute|REO|Iran RPO|UN )")


def parse_text(text: str, meta: dict | None = None) -> Cable:
    """Parse one cable's text (header optional). ``meta`` overrides what the text says."""
    meta = dict(meta or {})
    c = Cable()
    lines = text.split("\n")
    flat = is_flattened(text, lines)
    if flat:
        text = reflow(text)
        lines = text.split("\n")
    row = _TSV_ROW.search(text) if "\t" in text else None
    if row:
        # A row of a tab-separated dump pasted into the page (fields, then the header and body
        # with every line ending in a backslash): take its metadata, keep its text.
        created, ref, origin, cls, _refs, _rest = row.groups()
        for k, v in (("created", created), ("ref_id", ref), ("origin", origin), ("classification", cls)):
            if v and not meta.get(k):
                meta[k] = v
        text = text[row.start(6):].replace("\\\n", "\n")
        if text.endswith("\\"):
            text = text[:-1]
        lines = text.split("\n")
    h = Header()
    split = False
    for i, ln in enumerate(lines[:160]):
        # (the labels the pattern looks for, tested inline first: most lines have none)
        if len(ln) > 60 and ("SIPDIS" in ln or "E.O. " in ln or "TAGS:" in ln or "SUBJECT:" in ln
                             or "lassified By:" in ln or "LASSIFIED BY:" in ln) and _RUN_TOGETHER_HEAD.search(ln):
            lines[i] = "\n".join(_RUN_TOGETHER_HEAD.split(ln))
            split = True
    if split:
        lines = "\n".join(lines).split("\n")
    k, cls_info = find_classification_line(lines)
    if k >= 0 and not cls_info[1]:
        stop = k
        for stop in range(k + 1, min(len(lines), k + 80)):
            if lines[stop].strip().upper().startswith(_SCAN_STOP):
                break
        read_header(lines[:k] + lines[k + 1: stop], h)
        body_lines = lines[stop:]
        cls_line_text = lines[k].strip()
    elif k >= 0:
        read_header([ln for ln in lines[:k] if not classification_line(ln)], h)
        body_lines = lines[k + 1:]
        cls_line_text = lines[k].strip()
    else:
        # No classification line: header ends at the first preamble line (E.O./TAGS/SUBJECT).
        stop = 0
        for stop, ln in enumerate(lines[:120]):
            if ln.strip().upper().startswith(_SCAN_STOP):
                break
        else:
            stop = 0
        hdr = lines[:stop]
        # keep unrecognised lines before the preamble as body text
        read_header(hdr, h)
        body_lines = [ln for ln in hdr if ln.rstrip() not in h.lines and ln.strip()
                      and not ln.strip().startswith(PARTIAL_SENTENCE)
                      and not META_RE.match(ln.strip()) and not WEEKDAY_DATE_RE.match(ln.strip())] + lines[stop:]
        cls_line_text = None
    if h.lines:
        c.header = "\n".join(h.lines).strip() or None
    partial = h.partial
    news = h.news
    weekday_created = h.weekday_created or h.telegram_date
    if h.telegram_from and not h.fm:
        h.fm = h.telegram_from[0]
        if not cls_info or not cls_info[1]:
            cls_info = ((cls_info or (None,))[0] or h.zny, h.telegram_from[1].replace(" ", ""), h.telegram_from[2],
                        cls_info[3] if cls_info else "")
    for key in ("ORIGIN", "DATE", "CLASSIFICATION", "SOURCE"):
        if "XXXX" in news.get(key, "XXXX"):
            news.pop(key, None)
    if "SOURCE" in news and not _ORIGIN_NAME.match(news["SOURCE"]):
        news.pop("SOURCE")
    if "ORIGIN" in news and not BARE_REF.match(news["ORIGIN"]) and not refid.REF_ID_RE.match(news["ORIGIN"]):
        news.pop("ORIGIN")
    fm_post = refid.post_from_fm(h.fm) if h.fm else None
    if cls_info and cls_info[1] and "XXXX" in cls_info[1] and fm_post:
        cls_info = (cls_info[0], fm_post, cls_info[2], cls_info[3])
    if cls_info and cls_info[1] and fm_post and h.de_serial and h.dtg \
            and int(cls_info[2]) % 10000 != int(h.de_serial) % 10000 and cls_info[1] != fm_post:
        # The body is another cable's (a known defect of some copies): the header names this one.
        cls_info = (h.zny or cls_info[0], fm_post, h.de_serial, "")
    elif cls_info and cls_info[1] and cls_info[2] and h.de_serial and h.dtg and cls_info[1] == fm_post \
            and int(cls_info[2]) < 10000 and int(cls_info[2]) != int(h.de_serial):
        # Same post, another serial on the banner (``NAIROBI 004428`` under ``DE RUEHNR #4427``,
        # ``TRIPOLI 00011`` under ``#0112``): the routing header's serial is the cable's.
        cls_info = (cls_info[0], cls_info[1], h.de_serial, cls_info[3])
    if cls_info is None and (h.zny or h.de_serial and h.dtg):
        cls_info = (h.zny, "", None, "")  # no classification line read: the header's ZNY, DE and FM name the cable
    if cls_info and not cls_info[1] and h.de_serial and fm_post:
        cls_info = (cls_info[0], fm_post, h.de_serial, cls_info[3])

    # Caveats: lines between the classification line and E.O./TAGS/SUBJECT/first paragraph.
    caveat_text = cls_info[3] if cls_info else ""
    for s in body_lines[:40]:
        u = s.strip().upper()
        if PARA_RE.match(s) and "¶" in s[:6] or u.startswith(("SUBJECT", "CLASSIFIED BY")):
            break
        if u.startswith(("E.O", "EO ", "TAGS")):
            break
        if len(u) <= 40 and not u.startswith("REF") or "SENSITIVE" in u or "NOFORN" in u:
            caveat_text += " " + u

    body_lines, sipdis = clean_body_lines(body_lines, cls_info[1] if cls_info and cls_info[1] else None)
    body_lines = split_run_together(body_lines)
    c.sipdis = sipdis or "SIPDIS" in caveat_text.upper()

    # Preamble fields.
    first_para_idx, ref_lines = read_preamble(c, body_lines)

    # Identity: the metadata wins; where the text says otherwise, the disagreement is kept.
    text_created = h.created or weekday_created
    if not text_created and news.get("DATE"):
        dm = re.match(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})", news["DATE"])
        if dm:
            text_created = "%s-%s-%s %s:%s" % dm.groups()
    created = meta.get("created") or text_created
    c.created = created
    c.dtg = h.dtg
    c.precedence = h.precedence
    year = int(created[:4]) if created else None
    post = serial = None
    if cls_info and cls_info[1] and cls_info[2]:
        post, serial = cls_info[1], cls_info[2]
    text_ref = news.get("ORIGIN")
    if not text_ref and post and (text_created or created):
        text_ref = refid.canonical(int((text_created or created)[:4]), post, serial)
    c.ref_id = meta.get("ref_id") or text_ref
    if c.ref_id and not year:
        sp = refid.split_ref_id(c.ref_id)
        if sp:
            year = sp[0]
    text_cls = news.get("CLASSIFICATION")
    if not text_cls and cls_info:
        text_cls = classification_with_caveats(cls_info[0], caveat_text)
    c.classification = meta.get("classification") or text_cls
    text_origin = news.get("SOURCE")
    if not text_origin and h.fm:
        text_origin = refid.origin_from_fm(h.fm)
    origin = meta.get("origin") or text_origin
    if not origin:
        sp = refid.split_ref_id(c.ref_id) if c.ref_id else None
        if sp:
            origin = refid.origin_for_post(sp[1])
        elif post:
            origin = refid.origin_for_post(post)
    c.origin = origin
    if meta:
        _disagreements(c, meta, text_ref, text_cls, text_created, text_origin)
    c.released = meta.get("released")
    c.to = split_routing(h.to)
    c.info = split_routing(h.info)
    own_post = refid.split_ref_id(c.ref_id)[1] if c.ref_id and refid.split_ref_id(c.ref_id) else post
    c.references = parse_refs(" ".join(ref_lines), year, own_post) if ref_lines else []
    c.partial = bool(meta.get("partial", partial))

    # Paragraphs, headings, signer.
    rest = body_lines[first_para_idx:]
    read_paragraphs(c, rest, split_long=not flat)
    pre = body_lines[:first_para_idx]
    body_text = "\n".join(([cls_line_text] if cls_line_text else []) + pre + rest).strip("\n")
    c.body = body_text
    summary_and_comments(c)
    if flat:
        # A flattened copy lost the line breaks inside paragraphs: one line each.
        for p in c.paragraphs:
            p.text = " ".join(p.text.split())
    return c


def _disagreements(c: Cable, meta: dict, ref: str | None, cls: str | None, created: str | None,
                   origin: str | None) -> None:
    """Note where the metadata given and the text's own reading differ (the metadata is kept)."""
    m = meta.get("ref_id")
    if m and ref and ref != m and ref not in refid.names(m) and m not in refid.names(ref):
        c.disagreements.append(Disagreement("ref_id", m, ref))
    m = meta.get("classification")
    if m and cls and cls != m.upper():
        c.disagreements.append(Disagreement("classification", m, cls))
    m = meta.get("created")
    if m and created and m[:10] != created[:10]:
        c.disagreements.append(Disagreement("created", m, created))
    m = meta.get("origin")
    if m and origin and origin != m:
        c.disagreements.append(Disagreement("origin", m, origin))


def looks_like(text: str) -> bool:
    head = text[:3000].upper()
    return bool(re.search(r"\bTAGS\b|\bSUBJECT:|VZCZC|\bFM (AMEMBASSY|SECSTATE|AMCONSUL|USMISSION)", head))


def parse(text: str) -> list[Cable]:
    c = parse_text(text)
    if not (c.ref_id or c.paragraphs and (c.tags or c.subject or c.classification)):
        return []
    return [c]
