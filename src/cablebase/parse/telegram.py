"""Raw telegram text → cable record.

Handles the routing header when present (``VZCZC…``, precedence and DTG line, ``DE``,
``FM``, ``TO``, ``INFO``), newspapers' metadata blocks (``ID:``/``ORIGIN:``/``DATE:``…),
damaged classification lines (letter-spaced, lower-cased, doubled first letters, header and
body run together) and the body conventions: ``E.O.``, ``TAGS``, ``SUBJECT``, ``REF``,
``Classified By``, numbered paragraphs with portion marks, dashed section headings,
Summary / Comment blocks, the signer, and page-break debris.

``parse_text(text, meta)`` is the entry point the other forms share: ``meta`` carries what a
page or dump already says (ref id, dates, classification, origin) and wins over the text.
"""

from __future__ import annotations

import re

from ..record import Cable, Disagreement, Paragraph, Reference
from . import refid
from .reflow import EO_ORDERS, is_flattened, reflow
from .routing import BARE_REF, META_RE, PARTIAL_SENTENCE, WEEKDAY_DATE_RE, Header, read_header, split_routing
from .subject import HANDLING_NOTE, tidy_subject


# "R 271604Z FEB 07", "O 031641Z NOV 09", "P 200414Z MAR 09", "OO 210722Z JUL 06"

# Classification words after spaces are removed and upper-cased (damage tolerated:
# doubled first letter, a lost first letter, a stray letter before).
_CLS_SQ = re.compile(
    r"^(?:[A-Z]?)(?P<cls>U?UNCLAS(?:SIFIED)?|C?CONFIDENTIAL|ONFIDENTIAL|S?SECRET|ECRET|TOPSECRET|LIMITEDOFFICIALUSE(?:ONLY)?)"
    r"(?P<rest>.*)$"
)
_CLS_NAMES = {
    "UNCLAS": "UNCLASSIFIED", "UUNCLAS": "UNCLASSIFIED", "UNCLASSIFIED": "UNCLASSIFIED",
    "UUNCLASSIFIED": "UNCLASSIFIED",
    "CONFIDENTIAL": "CONFIDENTIAL", "CCONFIDENTIAL": "CONFIDENTIAL", "ONFIDENTIAL": "CONFIDENTIAL",
    "SECRET": "SECRET", "SSECRET": "SECRET", "ECRET": "SECRET", "TOPSECRET": "TOP SECRET",
    "LIMITEDOFFICIALUSE": "LIMITED OFFICIAL USE", "LIMITEDOFFICIALUSEONLY": "LIMITED OFFICIAL USE",
}
_REST_SQ = re.compile(
    r"^(?P<cav>(?://?(?:NOFORN|NF|SBU|FOUO|ORCON|PROPIN|EXDIS|NODIS|LIMDIS|SENSITIVE|EFTO|REL[A-Z]*))*)"
    r"(?:EFTO|NOFORN|SENSITIVE|SBU|EXDIS|NODIS|LIMDIS)*"
    r"(?:(?:SECTION|[SECTIONK]{4,8})(?P<sec>\d+)(?:OF|0F|GF|O|F)(?P<secs>\d+))?"
    r"(?P<post>[A-Z]*?[A-Z])(?P<serial>\d{1,8})$"
)
# A classification line run onto the end of a header line (``…COLLECTIVEUNCLAS SECTION 01 OF 03 MEXICO 000983``)
_RUN_ON = re.compile(
    r"(UNCLAS|CONFIDENTIAL|SECRET|C O N F I D E N T I A L|S E C R E T)"
    r"((?: SECTION \d+ OF \d+)? [A-Z][A-Z ]{0,40}? \d{1,8})\s*$"
)
_TRAILING_CAVEATS = re.compile(r"(?:\s+(?:SIPDIS|NOFORN|EXDIS|NODIS|LIMDIS|SENSITIVE|EFTO))+\s*$")
PAGE_BREAK_RE = re.compile(r"^\s*[A-Z][A-Z .']{0,40}?\s+0*\d{4,8}\s+\d{3}(?:\.\d{1,2})?\s+OF\s+\d{3}\s*$", re.I)
PAGE_LINE_RE = re.compile(r"^\s*PAGE\s+\d{2}\s+[A-Z]", re.I)
SIPDIS_LINE_RE = re.compile(r"^\s*SIPDIS\s*$", re.I)
DASH_LINE_RE = re.compile(r"^\s*-{3,}[\s-]*$")
PARA_RE = re.compile(
    r"^\s*(?P<pil>¶\s*)?(?P<num>\d{1,3})\s*\.(?!\d)\s*"
    r"(?:\(\s*(?P<mark>(?:U|SBU|C|S|TS|FOUO|NF|REL|U/FOUO|SBU/NF|C/NF|S/NF|TS/NF|C/REL[A-Z ,/]*|S/REL[A-Z ,/]*|"
    r"C\s*-\s*ENTIRE TEXT|S\s*-\s*ENTIRE TEXT|U\s*-\s*ENTIRE TEXT|SBU\s*-\s*ENTIRE TEXT|"
    r"[CSU](?:/[A-Z]+)*)[^)]{0,20})\)\s*)?",
    re.I,
)
ENDMARK_RE = re.compile(
    r"^\s*(NNNN?|BT|#\d+|END CABLE TEXT|ENDS?|UNCLASSIFIED|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE(?: ONLY)?)\s*$", re.I)
SIGNER_RE = re.compile(r"^[A-Za-z][A-Za-z.'\- ]{1,40}$")


def _squeeze(line: str) -> str:
    return line.upper().replace(" ", "").replace("\t", "")


def classification_line(line: str) -> tuple[str, str, str | None, str | None] | None:
    """Read a classification line → (classification, post, serial, caveat text) or None.

    ``C O N F I D E N T I A L SECTION 01 OF 04 ANKARA 000348`` → (``CONFIDENTIAL``, ``ANKARA``, ``000348``, '').
    """
    s = line.strip()
    if not s or len(s) > 120:
        return None
    u = s.upper()
    if "CLAS" not in u and "ECRET" not in u and "E C R E T" not in u and "ONFIDENTIAL" not in u \
            and "N F I D E N" not in u and "L A S" not in u and "E C R E" not in u and "OFFICIAL USE" not in u:
        return None
    trail = ""
    t = _TRAILING_CAVEATS.search(s)
    if t and t.start() > 0:
        s, trail = s[: t.start()], t.group(0)
    sq = _squeeze(s)
    m = _CLS_SQ.match(sq)
    if not m:
        return None
    cls = _CLS_NAMES[m.group("cls")]
    rest = m.group("rest")
    r = _REST_SQ.match(rest)
    if not r:
        if rest in ("", "//NOFORN", "NOFORN", "//SBU", "EFTO") or rest.startswith("//"):
            return cls, "", None, rest
        return None
    return cls, r.group("post"), r.group("serial"), (r.group("cav") or "") + trail


_SCAN_STOP_CS = ("E.O.", "EO 1", "TAGS", "SUBJECT", "SUBJ:", "CLASSIFIED BY", "Classified By", "REF:")
_EMBEDDED_CLS = re.compile(
    r"(?:C O N F I D E N T I A L|S E C R E T|UNCLAS(?:SIFIED)?|CONFIDENTIAL|SECRET)"
    r"(?: SECTION \d+ OF \d+)? [A-Z][A-Z ]{0,40}? \d{5,6}(?!\d)"
)
_SCAN_STOP = ("E.O", "EO ", "TAGS", "SUBJECT", "SUBJ:", "CLASSIFIED BY", "REF:")


_RUN_TOGETHER_HEAD = re.compile(
    r"(?<=\d)\s*(?=SIPDIS)|(?<=\S)\s+(?=(?:E\.O\. (?:" + EO_ORDERS + r"|\d{5}:)|TAGS:|SUBJECT:|Classified By:|CLASSIFIED BY:))"
)
_TSV_ROW = re.compile(
    r"^(?:\d+\t)?(\d{4}-\d{2}-\d{2} \d{2}:\d{2}):\d{2}\t(\d{2}[A-Z][A-Z-]*\d+)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t(.*)$",
    re.M,
)
_ORIGIN_NAME = re.compile(r"^(?:Embassy|Consulate|Secretary of State|US |USUN|USEU|UNVIE|Mission|American Institute|REO|Iran RPO|UN )")


def _find_cls_line(lines: list[str]) -> tuple[int, tuple | None]:
    """Index of the main classification line (with post and serial), else of the first bare one."""
    bare = None
    best = None
    for i, ln in enumerate(lines[:160]):
        s = ln.strip()
        if not s:
            continue
        if s.startswith(_SCAN_STOP_CS) or PARA_RE.match(ln) and "¶" in ln[:5]:
            break
        ci = classification_line(s)
        if ci:
            # The last classification line before the preamble is the cable's own: earlier ones
            # belong to printouts and newspapers' headers.
            if ci[1]:
                best = (i, ci)
            elif bare is None:
                bare = (i, ci)
            continue
        m = _RUN_ON.search(s)
        if m and m.start() > 0:
            head, tail = s[: m.start()], s[m.start():]
            ci = classification_line(tail)
            if ci and ci[1]:
                lines[i: i + 1] = [head, tail]
                return i + 1, ci
    if best:
        return best
    # A classification line run into other text ("…:00C O N F I D E N T I A L SECTION 01 OF 03
    # RIYADH 002441SIPDIS…"): split it out.
    for i, ln in enumerate(lines[:160]):
        m = _EMBEDDED_CLS.search(ln)
        if m:
            ci = classification_line(m.group(0))
            if ci and ci[1]:
                lines[i: i + 1] = [ln[: m.start()], m.group(0), ln[m.end():]]
                return i + 1, ci
    if bare:
        return bare
    return -1, None


def _norm_marking(mark: str | None) -> str | None:
    if not mark:
        return None
    if " " not in mark and "-" not in mark:
        return mark.upper()
    m = " ".join(mark.upper().split())
    m = re.sub(r"\s*-\s*ENTIRE TEXT.*$", "", m)
    m = m.replace(" ", "")
    return m or None


def _classification_with_caveats(cls: str | None, caveat_text: str) -> str | None:
    """Normalise as WikiLeaks did: ``SECRET//NOFORN``, ``UNCLASSIFIED//FOR OFFICIAL USE ONLY``."""
    if not cls:
        return None
    up = caveat_text.upper()
    if cls == "UNCLASSIFIED":
        if re.search(r"\bSENSITIVE\b|FOR OFFICIAL USE ONLY|\bFOUO\b|\bSBU\b", up):
            return "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
        return cls
    if re.search(r"NOFORN|NOT RELEASABLE TO FOREIGN", up):
        return cls + "//NOFORN"
    return cls


_EO_RE = re.compile(r"^(?:E\.\s?O\.?|EO)\s*(\d{4,5})?\s*:?\s*(.*)$", re.I)
_DECL_RE = re.compile(r"DECL\s*:?\s*(.*)$", re.I)
_TAGS_RE = re.compile(r"^TAGS\b\s*:?", re.I)
_SUBJ_RE = re.compile(r"^SUBJ(?:ECT)?\s*:\s*", re.I)
_REF_RE = re.compile(r"^REFS?(?:TEL)?\s*:\s*", re.I)
_CLBY_RE = re.compile(r"^CLASSIFIED\s+BY\b\s*:?\s*", re.I)
# Preamble fields: (cheap prefix test on the upper-cased line, pattern of the label, name).
_PREAMBLE_FIELDS = (("TAGS", _TAGS_RE, "TAGS"), ("SUBJ", _SUBJ_RE, "SUBJECT"), ("REF", _REF_RE, "REF"),
                    ("CLASSIFIED", _CLBY_RE, "CLBY"))


def _clean_body_lines(lines: list[str], post: str | None = None) -> tuple[list[str], bool]:
    """Drop SIPDIS and page-break debris; strip trailing blanks. Per-line work only where needed.
    ``post`` (squeezed, ``NEWDELHI``): a page-break run onto a line of text (``NELSON JOBIM TO
    WASHINGTON BRASILIA 00000351 001.2 OF 003``) loses only the debris, not the text."""
    text = "\n".join(lines)
    sipdis = "IPDIS" in text or "ipdis" in text
    pages = " OF 0" in text or " of 0" in text or "PAGE " in text or "page " in text
    if not (sipdis or pages):
        return [ln.rstrip() for ln in lines], False
    kept = []
    for ln in lines:
        ln = ln.rstrip()
        if sipdis and ("IPDIS" in ln or "ipdis" in ln):
            if SIPDIS_LINE_RE.match(ln):
                continue
            ln = _SIPDIS_INLINE.sub("", ln)
            if not ln.strip():
                continue
        if pages:
            tail = ln[-6:-3]
            if (tail == "OF " or tail == "of ") and PAGE_BREAK_RE.match(ln):
                ln = _text_before_page_break(ln, post)
                if not ln:
                    continue
            elif "PAGE" in ln[:8] and PAGE_LINE_RE.match(ln):
                continue
        kept.append(ln)
    return kept, sipdis


_PAGE_BREAK_TAIL = re.compile(r"\s+0*\d{4,8}\s+\d{3}(?:\.\d{1,2})?\s+OF\s+\d{3}\s*$", re.I)


def _text_before_page_break(ln: str, post: str | None) -> str:
    """What of a page-break line is text: the words before the post (none when the line starts with it)."""
    m = _PAGE_BREAK_TAIL.search(ln) if post else None
    if not m:
        return ""
    words = ln[: m.start()].split()
    k = len(words)
    got = ""
    while k > 0 and len(got) < len(post):
        got = words[k - 1].upper() + got
        k -= 1
    if got != post or k == 0:
        return ""
    return " ".join(words[:k])


_SIPDIS_INLINE = re.compile(r"(?<!\s)\s*+\bSIPDIS\b", re.I)
_RUN_TOGETHER = re.compile(r"(?<=\S)\s+(?=(?:TAGS|SUBJECT|SUBJ|REFS?|REFTEL|E\.O\.|Classified By|CLASSIFIED BY)\s*:)")


def _may_run_together(ln: str) -> bool:
    """Cheap test before the run-together patterns: does a preamble label occur in the line at all?"""
    return ("SIPDIS" in ln or "TAGS" in ln or "SUBJ" in ln or "REF" in ln or "E.O." in ln
            or "lassified By" in ln or "LASSIFIED BY" in ln)


def _split_run_together(lines: list[str]) -> list[str]:
    """Split preamble lines that a copy ran together (``E.O. 12958: DECL: … TAGS: BR PREL``)."""
    out: list[str] = []
    for idx, ln in enumerate(lines):
        if PARA_RE.match(ln) and idx > 0:
            out.extend(lines[idx:])
            return out
        if idx < 60 and _may_run_together(ln) and _RUN_TOGETHER.search(ln):
            out.extend(_RUN_TOGETHER.split(ln))
        else:
            out.append(ln)
    return out


def _resolve_ref(raw: str, year: int | None, own_post: str | None) -> str | None:
    """``ANKARA 1561`` in a 2009 cable → ``09ANKARA1561``; ``08 MADRID 1021`` → ``08MADRID1021``."""
    s = raw.upper()
    m = re.search(r"\b(\d{2})\s*([A-Z][A-Z]+(?:\s[A-Z]+){0,3})\s+0*(\d{1,7})\b", s)
    yy = None
    if m:
        yy, post, serial = int(m.group(1)), m.group(2), m.group(3)
    else:
        m = re.search(r"\b([A-Z][A-Z]+(?:\s[A-Z]+){0,3})\s+0*(\d{1,7})\b", s)
        if not m:
            return None
        post, serial = m.group(1), m.group(2)
    post = post.replace(" ", "")
    for junk in ("REF", "REFS", "REFTEL", "AND", "ALSO", "SEE", "TEL", "E", "IIR", "DTG"):
        if post.startswith(junk) and len(post) > len(junk) and post[len(junk):] in refid.MULTIWORD | {"STATE": 1}:
            post = post[len(junk):]
    if post in ("SECSTATE",):
        post = "STATE"
    if len(post) < 3 or post in ("THE", "OF", "NO", "FOR", "DATED", "PARA", "PARAGRAPH", "SECTION", "EO", "DECL",
                                  "PAGE", "OF", "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY",
                                  "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER", "RES", "UNSCR",
                                  "RESOLUTION", "USC", "CFR", "LAW", "ARTICLE"):
        return None
    if yy is None:
        if year is None:
            return None
        yy = year % 100
    return refid.canonical(yy, post, serial)


def _parse_refs(text: str, year: int | None, own_post: str | None) -> list[Reference]:
    text = " ".join(text.split())
    parts = re.split(r"(?:^|\s)(?:¶\s*)?([A-Z])\s*[.)]\s+(?=\S)", " " + text)
    refs: list[Reference] = []
    if len(parts) > 1 and parts[1] == "A":
        it = iter(parts[1:])
        for letter, chunk in zip(it, it):
            chunk = chunk.strip()
            if chunk:
                refs.append(Reference(letter=letter, raw=chunk, ref_id=_resolve_ref(chunk, year, own_post)))
    elif text.strip():
        refs.append(Reference(letter=None, raw=text.strip(), ref_id=_resolve_ref(text, year, own_post)))
    return refs


def _word_positions(low: str, word: str) -> list[int]:
    out = []
    i = low.find(word)
    while i >= 0:
        out.append(i)
        i = low.find(word, i + 1)
    return out


_PREFIX_OK = re.compile(r"(?:^|[\s(.:;\-])(?:(?:begin|embassy|post|congen|consulate|mission|usun|usnato|useu|"
                        r"department)\s+)?$")


def _find_blocks(text: str, low: str, word: str) -> list[str]:
    """Text between ``Word:`` and ``End word`` (``Comment: … End comment.``), each block once."""
    blocks = []
    starts = []
    ends = []
    for i in _word_positions(low, word):
        j = i + len(word)
        before = low[max(0, i - 16): i]
        if before.endswith("end ") or before.endswith("end\n"):
            ends.append((i - 4, j))
            continue
        rest = low[j: j + 12].lstrip(" ")
        if rest[:1] in (":", ".", "-") and (i == 0 or not low[i - 1].isalnum()) and _PREFIX_OK.search(before):
            starts.append(j + (len(low[j: j + 12]) - len(rest)) + 1)
    si = 0
    for e_start, e_end in ends:
        # the last start before this end that is after the previous end
        cand = [st for st in starts[si:] if st <= e_start]
        if not cand:
            continue
        st = cand[-1]
        si = starts.index(st) + 1
        block = " ".join(text[st:e_start].split())
        if block:
            blocks.append(block)
    return blocks


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
    k, cls_info = _find_cls_line(lines)
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

    body_lines, sipdis = _clean_body_lines(body_lines, cls_info[1] if cls_info and cls_info[1] else None)
    body_lines = _split_run_together(body_lines)
    c.sipdis = sipdis or "SIPDIS" in caveat_text.upper()

    # Preamble fields.
    n = len(body_lines)
    i = 0
    fields: dict[str, list[str]] = {name: [] for _, _, name in _PREAMBLE_FIELDS}
    tags_lines, subject_lines, ref_lines, clby_lines = (fields[k] for k in ("TAGS", "SUBJECT", "REF", "CLBY"))
    first_para_idx = None
    first_text_idx = None  # the first line of text after the preamble fields
    seen_field = False
    cur = None
    while i < n:
        ln = body_lines[i]
        s = ln.strip()
        up = s.upper()
        if (s[:1].isdigit() or s[:1] == "¶") and PARA_RE.match(ln) and not up.startswith(("E.O", "EO ")) and (
                "¶" in ln[:6] or cur not in ("REF",) or re.match(r"^\s*1\s*\.", ln)):
            if cur == "REF" and re.match(r"^\s*¶?\s*[A-Z]\.", ln):
                pass
            else:
                first_para_idx = i
                break
        if not s:
            if cur in ("SUBJECT", "TAGS") and _field_goes_on(body_lines, i + 1, cur, fields[cur]):
                pass  # a newspaper's copy put a blank line inside the field
            elif cur in ("SUBJECT", "TAGS", "CLBY"):
                cur = None
            elif cur == "REF":
                # REF lists may have blank lines between letters.
                nxt = next((body_lines[t].strip() for t in range(i + 1, min(n, i + 3)) if body_lines[t].strip()), "")
                if not re.match(r"^¶?\s*[A-Z]\s*[.)]\s", nxt):
                    cur = None
            i += 1
            continue
        m = _EO_RE.match(s)
        if m and (up.startswith("E.O") or up.startswith("EO ")):
            dm = _DECL_RE.search(m.group(2))
            c.decl = (dm.group(1).strip() if dm else m.group(2).strip()) or None
            cur = "EO"
            seen_field = True
            i += 1
            continue
        for prefix, rx, name in _PREAMBLE_FIELDS:
            if up.startswith(prefix) and rx.match(up):
                fields[name].append(rx.sub("", s))
                cur = name
                seen_field = True
                break
        else:
            if cur == "SUBJECT" and HANDLING_NOTE.match(s) or cur in ("SUBJECT", "TAGS") and s[:3] == "---" \
                    and DASH_LINE_RE.match(s):
                cur = None  # a handling note (``SENSITIVE BUT UNCLASSIFIED``) or a heading's dashes: past the field
            if cur in fields:
                fields[cur].append(s)
            elif seen_field and first_text_idx is None:
                first_text_idx = i
        i += 1
    if first_para_idx is None:
        # No numbered paragraphs: the text after the preamble is one unnumbered block.
        first_para_idx = first_text_idx if first_text_idx is not None else n
    # A dashed heading right before the first paragraph belongs to it ("----- / Summary / -----").
    b = first_para_idx
    while b > 0 and not body_lines[b - 1].strip():
        b -= 1
    if b >= 3 and DASH_LINE_RE.match(body_lines[b - 1]) and DASH_LINE_RE.match(body_lines[b - 3]) \
            and body_lines[b - 2].strip():
        first_para_idx = b - 3

    tags: list[str] = []
    for t in re.split(r"[,\s]+", " ".join(tags_lines)):
        t = t.strip().strip(".;:").upper()
        if t and re.match(r"^[A-Z][A-Z0-9]{1,11}$", t) and t not in tags:
            tags.append(t)
    c.tags = tags
    c.subject = tidy_subject(" ".join(subject_lines))
    c.classified_by = " ".join(" ".join(clby_lines).split()) or None

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
        text_cls = _classification_with_caveats(cls_info[0], caveat_text)
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
    c.references = _parse_refs(" ".join(ref_lines), year, own_post) if ref_lines else []
    c.partial = bool(meta.get("partial", partial))

    # Paragraphs, headings, signer.
    rest = body_lines[first_para_idx:]
    _paragraphs(c, rest)
    pre = body_lines[:first_para_idx]
    body_text = "\n".join(([cls_line_text] if cls_line_text else []) + pre + rest).strip("\n")
    c.body = body_text
    full = "\n".join(p.text for p in c.paragraphs)
    low = full.lower()
    sums = _find_blocks(full, low, "summary")
    if not sums:
        for p in c.paragraphs:
            if (p.heading or "").lower() == "summary":
                sums = [re.sub(r"\s*End\s+Summary\.?\s*$", "", " ".join(p.text.split()), flags=re.I)]
                break
    c.summary = sums[0] if sums else None
    c.comments = _find_blocks(full, low, "comment")
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


_FIELD_AFTER = re.compile(r"^(?:REF(?:TELS?|S)?\b|Classified\s+By|CLASSIFIED\s+BY|SUBJ|¶|\d{1,3}\s*\.|-{3})", re.I)
_TAG_LINE = re.compile(r"^[A-Z][A-Z0-9]{1,11}(?:[,.]?\s+[A-Z][A-Z0-9]{1,11}){0,29}[,.]?\s*$")


def _field_goes_on(lines: list[str], i: int, cur: str, so_far: list[str]) -> bool:
    """After a blank line in SUBJECT or TAGS: is the next line the field's continuation? Only a
    short upper-case line (tag codes for TAGS) followed, after a blank line, by the next label or
    the first paragraph: ``SUBJECT: … DECEMBER 7 VISIT`` / blank / ``TO LONDON`` / blank / ``Classified By``;
    for SUBJECT also one line in the subject's case right before the REF list, Classified By or
    the first paragraph (``… BY BROWN'S`` / blank / ``QUICK MANEUVERS …`` / ``REF: A. LONDON 2666``)."""
    n = len(lines)
    while i < n and not lines[i].strip():
        i += 1
    if i >= n:
        return False
    nxt = lines[i].strip()
    if cur == "SUBJECT" and _subject_goes_on(lines, i, nxt, so_far):
        return True
    if len(nxt) > 80 or any(ch.islower() for ch in nxt) or _another_part(nxt):
        return False
    if cur == "TAGS" and not _TAG_LINE.match(nxt):
        return False
    j = i + 1
    if j >= n or lines[j].strip():
        return False
    while j < n and not lines[j].strip():
        j += 1
    return j < n and bool(_FIELD_AFTER.match(lines[j].strip())) and (cur == "TAGS") == lines[j].strip().upper().startswith("SUBJ")


def _another_part(line: str) -> bool:
    """Does ``line`` begin the next part of the telegram (a label, a paragraph, a heading word,
    the classification), so that it cannot continue SUBJECT or TAGS?"""
    return bool(_FIELD_AFTER.match(line)) or line.upper().startswith(("SUMMARY", "COMMENT", "BEGIN", "E.O", "TAGS")) \
        or bool(classification_line(line))


_SUBJECT_AFTER = re.compile(r"^(?:REF(?:TELS?|S)?\b|Classified\s+By|CLASSIFIED\s+BY|¶|\d{1,3}\s*\.)", re.I)


def _subject_goes_on(lines: list[str], i: int, nxt: str, so_far: list[str]) -> bool:
    """Is ``nxt`` (line ``i``, after a blank line in the SUBJECT) the subject's last line?"""
    if len(nxt) > 120 or nxt[-1] == "." or _another_part(nxt) or HANDLING_NOTE.match(nxt) \
            or nxt.upper().startswith("INTRODUCTION"):
        return False
    if not any(ch.islower() for ch in " ".join(so_far)) and any(ch.islower() for ch in nxt):
        return False
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j < len(lines) and bool(_SUBJECT_AFTER.match(lines[j].strip()))


def _is_heading_line(s: str) -> bool:
    """A section heading standing on its own: short, no closing punctuation, capitalised words."""
    if len(s) > 60 or s[-1] in ".,;:\"')" or len(s.split()) > 8:
        return False
    letters = [ch for ch in s if ch.isalpha()]
    if len(letters) < 3:
        return False
    return s.isupper() or all(w[:1].isupper() or not w[:1].isalpha() or len(w) <= 3 for w in s.split())


def _next_starts_paragraph(lines: list[str], i: int, end: int) -> bool:
    while i < end and not lines[i].strip():
        i += 1
    return i < end and bool(PARA_RE.match(lines[i])) and lines[i].lstrip()[:1] in "¶0123456789"


def _paragraphs(c: Cable, lines: list[str]) -> None:
    paras: list[Paragraph] = []
    heading = None
    cur: list[str] = []
    cur_num = cur_mark = None
    cur_heading = None
    expected = 1
    n = len(lines)
    i = 0

    strs = [x.strip() for x in lines]

    def flush():
        nonlocal cur, cur_num, cur_mark
        txt = "\n".join(cur).strip()  # ``cur`` holds stripped lines
        if txt or cur_num is not None:
            paras.append(Paragraph(number=cur_num, marking=cur_mark, heading=cur_heading, text=txt))
        cur = []
        cur_num = cur_mark = None

    # Trailing signer and debris.
    end = n
    while end > 0 and (not strs[end - 1] or ENDMARK_RE.match(lines[end - 1])):
        end -= 1
    tail_idx = end - 1
    signer = None
    # Newspapers' markers after the signer ("EPET @ EL PAÍS").
    while tail_idx >= 0 and "@" in lines[tail_idx]:
        tail_idx -= 1
        while tail_idx >= 0 and not lines[tail_idx].strip():
            tail_idx -= 1
    if tail_idx >= 0:
        last = lines[tail_idx].strip()
        prev = lines[tail_idx - 1].strip() if tail_idx > 0 else ""
        prev_blank_or_end = not prev or prev.endswith((".", ":", '"', ")", "'", "fm")) or prev.startswith("http") \
            or (last.isupper() and len(last.split()) <= 2 and not prev.isupper())
        if SIGNER_RE.match(last) and len(last.split()) <= 3 and not last.endswith(".") and prev_blank_or_end \
                and not PARA_RE.match(last) and last.upper() not in ("END COMMENT", "END SUMMARY", "END NOTE"):
            signer = last
            end = tail_idx
    c.signer = signer

    while i < end:
        ln = lines[i]
        s = strs[i]
        first = s[:1]
        # Dashed heading: ---- / Text / ----
        if first == "-" and DASH_LINE_RE.match(ln) and i + 2 < end + 1 and i + 1 < end and strs[i + 1] \
                and i + 2 < n and DASH_LINE_RE.match(lines[i + 2]):
            flush()
            heading = strs[i + 1]
            cur_heading = heading
            i += 3
            continue
        # Underlined heading (Text / ----) or a short heading line standing alone before a paragraph.
        if s and first not in "-¶" and not first.isdigit() and len(s) <= 80 and (i == 0 or not strs[i - 1]):
            nxt = strs[i + 1] if i + 1 < end else ""
            if nxt.startswith("---") and DASH_LINE_RE.match(nxt):
                flush()
                heading = cur_heading = s
                i += 2
                continue
            if not nxt and _is_heading_line(s) and _next_starts_paragraph(lines, i + 1, end):
                flush()
                heading = cur_heading = s
                i += 1
                continue
        m = PARA_RE.match(ln) if (first.isdigit() or first == "¶") else None
        if m:
            num = int(m.group("num"))
            pil = bool(m.group("pil"))
            prev = lines[i - 1].rstrip() if i > 0 else ""
            sentence_ended = not prev or prev[-1] in ".:;\"')!?"
            # WikiLeaks put ¶ before any line starting with a number ("on September\n¶15."):
            # out of sequence and mid-sentence, that is text, not a paragraph.
            plausible = num == expected or (m.group("mark") and num in (expected, expected + 1)) \
                or (pil and (sentence_ended or m.group("mark")))
            if plausible:
                flush()
                cur_num = num
                cur_mark = _norm_marking(m.group("mark"))
                cur_heading = heading
                expected = num + 1
                rest = ln[m.end():].strip()
                if rest:
                    cur.append(rest)
                i += 1
                continue
        if not s and cur and cur_num is None and not paras:
            # blank line ends an unnumbered lead block
            cur.append("")
            i += 1
            continue
        if cur_num is None and not cur and not s:
            i += 1
            continue
        if cur_num is None and cur_heading is None:
            cur_heading = heading
        cur.append(s)
        i += 1
        if s:
            # The lines after a text line that can only continue it (not blank, not starting
            # with a dash, ¶ or digit, and not a heading, which needs a blank line before it):
            # taken at once rather than one by one through the tests above.
            j = i
            while j < end:
                t = strs[j]
                if not t or t[0] in "-¶" or t[0].isdigit():
                    break
                j += 1
            if j > i:
                cur.extend(strs[i:j])
                i = j
    flush()
    c.paragraphs = paras


def looks_like(text: str) -> bool:
    head = text[:3000].upper()
    return bool(re.search(r"\bTAGS\b|\bSUBJECT:|VZCZC|\bFM (AMEMBASSY|SECSTATE|AMCONSUL|USMISSION)", head))


def parse(text: str) -> list[Cable]:
    c = parse_text(text)
    if not (c.ref_id or c.paragraphs and (c.tags or c.subject or c.classification)):
        return []
    return [c]
