"""The routing header of a telegram: reading it, and putting a run-together one back on its lines.

``VZCZC…``, the precedence and date-time group (``R 271604Z FEB 07``), ``DE RUEHME #0983``,
``ZNY CCCCC ZZH``, ``FM``, ``TO``, ``INFO`` and each addressee, the 1970s ``ACTION``/``INFO``
office lines, and the newspapers' metadata lines some copies put before it. ``read_header``
fills a ``Header`` from its lines (the telegram parser's first step); ``head_break``/``glued``
are the flattened-copy reader's (``reflow``): where a copy ran the header's parts together, they
say where each line began. Pure: text in, values out.
"""

from __future__ import annotations

import re
from datetime import datetime

from . import refid

MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
DTG_RE = re.compile(r"^\s*((?:[ZOPR]\s?){1,2}|[A-Z]{1,2})\s+(\d{2})(\d{2})(\d{2})Z\s+([A-Z]{3})\s+(\d{4}|\d{2})\b")
PRECEDENCE = {"Z": "FLASH", "O": "IMMEDIATE", "P": "PRIORITY", "R": "ROUTINE"}
META_RE = re.compile(r"^(ID|ORIGIN|DATE|SOURCE|CLASSIFICATION|MISC|DESTINATION):\s*(.*)$")
WEEKDAY_DATE_RE = re.compile(
    r"^\s*(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s+(\d{1,2})\s+"
    r"(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{4}),\s+(\d{2}):(\d{2})\s*$"
)

FULL_MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), 1)}
PARTIAL_SENTENCE = "This record is a partial extract of the original cable"


def iso(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> str | None:
    """``YYYY-MM-DD HH:MM`` for a real date-time of the telegraph era, else None."""
    if not 1900 <= y <= 2099:
        return None
    try:
        datetime(y, mo, d, h, mi)
    except ValueError:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}"


def parse_dtg(line: str) -> tuple[str | None, str | None, str] | None:
    """``R 271604Z FEB 07`` → (precedence, ISO datetime, the DTG as written)."""
    m = DTG_RE.match(line)
    if not m:
        return None
    prec, d, h, mi, mon, yr = m.groups()
    if mon not in MONTHS:
        return None
    y = int(yr)
    if y < 100:
        y = refid.full_year(y)
    when = iso(y, MONTHS[mon], int(d), int(h), int(mi))
    if when is None:
        return None
    return PRECEDENCE.get(prec[0]), when, line.strip()


_PRECEDENCE_WORDS = frozenset(("IMMEDIATE", "PRIORITY", "ROUTINE", "FLASH", "NIACT"))


def split_routing(lst: list[str]) -> list[str]:
    """Addressees from TO/INFO lines: ``RUEHC/SECSTATE WASHDC 5560`` → ``SECSTATE WASHDC``."""
    out = []
    for item in lst:
        item = item.strip()
        if not item:
            continue
        if "/" in item.split(" ", 1)[0]:
            item = item.split("/", 1)[1]
        words = item.split()
        if words and words[-1].isdigit():
            words.pop()
        while words and words[-1] in _PRECEDENCE_WORDS:
            words.pop()
        item = " ".join(words)
        if item:
            out.append(item)
    return out

_ZNY = {"UUUUU": "UNCLASSIFIED", "EEEEE": "UNCLASSIFIED", "CCCCC": "CONFIDENTIAL", "SSSSS": "SECRET",
        "TTTTT": "TOP SECRET"}
DE_RE = re.compile(r"^DE\s+[A-Z]{4,7}\s+#(\d{1,6})", re.M)
"""``DE RUEHME #0983 0581604``: the sending station and the cable's serial (its last four digits)."""

_ROUTING_RE = re.compile(r"^(?:VZCZC|ZNR\s|ZNY\s|ZZH|DE\s+R[UH][A-Z]{2,5}\b|[ZOPR]{1,2}\s+R[UH][A-Z]{2,5}\b|BT$|NNNN$)")
_DISTRIB_RE = re.compile(r"^(?:INFO\s+|ACTION\s+)?(?:[A-Z0-9]{1,6}-\d{2}\s*){2,}")


class Header:
    __slots__ = ("precedence", "dtg", "created", "fm", "to", "info", "lines", "zny", "de_serial", "news",
                 "weekday_created", "partial", "telegram_from", "telegram_date")

    def __init__(self) -> None:
        self.precedence = self.dtg = self.created = self.fm = None
        self.to: list[str] = []
        self.info: list[str] = []
        self.lines: list[str] = []
        self.zny = self.de_serial = None
        self.news: dict[str, str] = {}
        self.weekday_created = None
        self.partial = False
        self.telegram_from = self.telegram_date = None

BARE_REF = re.compile(r"^\d{2}[A-Z]{3,}\d{1,6}$")
_TG_FROM = re.compile(r"^From:\s+(.*?)\s*\(([A-Z][A-Z ]+?)\s+0*(\d+)\b", re.I)

_TG_DATE = re.compile(r"^TELEGRAM\s+([A-Z][a-z]+)\s+(\d{1,2}),\s+(\d{4})")


def read_header(lines: list[str], h: Header) -> None:
    """Read routing header, newspapers' metadata and dates from the lines before the classification line."""
    mode = None
    for raw in lines:
        s = raw.strip()
        if not s:
            continue
        up = s.upper()
        if s.startswith(PARTIAL_SENTENCE):
            h.partial = True
            continue
        mm = META_RE.match(s)
        if mm:
            h.news[mm.group(1)] = mm.group(2).strip()
            continue
        wm = WEEKDAY_DATE_RE.match(s)
        if wm:
            d, mon, y, hh, mi = wm.groups()
            h.weekday_created = iso(int(y), FULL_MONTHS[mon], int(d), int(hh), int(mi))
            continue
        if BARE_REF.match(s):
            h.news.setdefault("ORIGIN", s)
            continue
        tf = _TG_FROM.match(s)
        if tf:
            h.telegram_from = (tf.group(1), tf.group(2), tf.group(3))
            continue
        td = _TG_DATE.match(s)
        if td and td.group(1) in FULL_MONTHS:
            h.telegram_date = iso(int(td.group(3)), FULL_MONTHS[td.group(1)], int(td.group(2)))
            continue
        h.lines.append(raw.rstrip())
        if _ROUTING_RE.match(up):
            if up.startswith(("ZNY", "ZNR")):
                for tok in up.split()[1:]:
                    if tok in _ZNY:
                        h.zny = _ZNY[tok]
            dm = DE_RE.match(up)
            if dm:
                h.de_serial = dm.group(1)
            mode = None
            continue
        if h.dtg is None:
            dtg = parse_dtg(up)
            if dtg:
                h.precedence, h.created, h.dtg = dtg
                mode = None
                continue
        if up.startswith("FM "):
            h.fm = s[3:].strip()
            mode = "FM"
            continue
        if up.startswith("TO "):
            mode = "TO"
            item = s[3:]
        elif up.startswith("INFO "):
            if _DISTRIB_RE.match(up):
                mode = "DISTRIB"
                continue
            mode = "INFO"
            item = s[5:]
        elif mode in ("TO", "INFO"):
            item = s
        elif mode == "DISTRIB":
            if _DISTRIB_RE.match(up) or up.startswith("/"):
                continue
            mode = None
            continue
        else:
            continue
        (h.to if mode == "TO" else h.info).append(item)


DTG_IN_TEXT = re.compile(r"(?P<dtg>(?:[ZOPR]\s?){1,2}\s*\d{6}Z\s+[A-Z]{3}\s+(?:\d{4}|\d{2}))(?=\s|FM\b|FM\s|$)")
_STATION = r"(?:AMEMBASSY|AMCONSUL|AMCONGEN|SECSTATE|USMISSION|USDEL|USINT|AIT|REO)\b"
_ADDRESSEE = (r"(?:R[UH][A-Z]{2,5}/|SECSTATE|AMEMBASSY|AMCONSUL|AMCONGEN|USMISSION|USDEL|WHITE\s?HOUSE|SECDEF|CIA|DIA|"
              r"NSC|JOINT|USCINC|CINC|CDR|DEPT)")
# Routing header parts, each found by the token itself (a literal first: a fast scan); whether a
# line break goes before it is decided from what surrounds it (``head_break``).
HEAD_TOKENS = re.compile(
    r"(?P<always>VZCZC|PAGE\s+\d{2}\s|ACTION\s+[A-Z]{2,6}-\d{2}\b"
    r"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4},(?:\s\d{2}:\d{2})?)"
    r"|(?P<zn>ZN[YR]\s+[A-Z]{5}\b|ZN[YR]\s)"
    r"|(?P<de>DE\s+R[UH][A-Z]{2,5}\b(?P<hash>\s+#\d)?)"
    r"|(?P<fm>FM\s+(?P<station>" + _STATION + r")?)"
    r"|(?P<to>(?:TO|INFO)\s+(?:" + _ADDRESSEE + r"|(?<=INFO\s)[A-Z]{2,6}-\d{2}\b))"
    r"|(?P<route>R[UH][A-Z]{2,5}/(?P<routeto>[A-Z])?)"
    r"|(?P<glue>(?:AMEMBASSY|AMCONSUL|AMCONGEN|USMISSION|SECSTATE|USCINC|CINC)[A-Z]*\s)"
    r"|(?P<end>BT\b|XMT\s)"
    r"|(?P<partial>original cable is not available\.)"
)


def head_break(m: re.Match) -> str:
    s = m.string
    i = m.start()
    prev = s[i - 1: i]
    tok = m.group(0)
    kind = m.lastgroup
    if kind in ("always", "partial"):
        return ("" if kind == "partial" else "\n") + tok + ("\n" if kind == "partial" or tok[-1:].isdigit() else "")
    glued = prev.isupper() or prev.isdigit()
    if kind == "zn":
        ok = prev.isspace() or not prev or (glued and tok[-1] != " ")
    elif kind == "de":
        ok = prev.isspace() or not prev or (glued and m.group("hash") is not None)
    elif kind == "fm":
        j = i - 1
        while j >= 0 and s[j] == " ":
            j -= 1
        ok = j >= 0 and s[j].isdigit() or (m.group("station") is not None and (glued or prev.isspace() or not prev))
    elif kind == "to":
        ok = prev.isspace() or glued or not prev
    elif kind == "route":
        if prev.isspace():
            k = i - 1
            while k >= 0 and s[k] == " ":
                k -= 1
            ok = not (s[max(0, k - 1): k + 1] == "TO" or s[max(0, k - 3): k + 1] == "INFO")
        else:
            ok = glued and m.group("routeto") is not None
    elif kind == "glue":
        ok = glued
    else:  # BT, XMT
        ok = prev.isspace()
    return "\n" + tok if ok else tok


# Run-together routing headers, each test led by a literal (a fast scan): ``…DEC 09FM AMEMBASSY``,
# ``…BERLINTO RUEHC/``, ``…6111INFO RUEHZL/``, ``…PRIORITYS E C R E T`` / ``…PRIORITYCONFIDENTIAL``.
_GLUED = (
    re.compile(r"FM\s+[A-Z]"),
    re.compile(r"TO\s+(?:R[UH][A-Z]{2,5}/|SECSTATE\b)"),
    re.compile(r"INFO\s+(?:R[UH][A-Z]{2,5}/|AMEMBASSY\b)"),
    re.compile(r"S E C R E T|C O N F I D|UNCLAS|CONFIDENTIAL|SECRET"),
)


def glued(text: str) -> bool:
    head = text[:3000]
    for m in _GLUED[0].finditer(head):
        i = m.start()
        if i >= 3 and head[i - 2: i].isdigit() and head[i - 3] == " ":
            return True
        if DTG_IN_TEXT.search(head, head.rfind("\n", 0, i) + 1, i):
            return True  # the date-time group and FM on one line
    for m in _GLUED[1].finditer(head):
        if m.start() > 0 and (head[m.start() - 1].isupper() or head[m.start() - 1].isdigit()):
            return True
    for m in _GLUED[2].finditer(head):
        if m.start() > 0 and (head[m.start() - 1].isupper() or head[m.start() - 1].isdigit()):
            return True
    for m in _GLUED[3].finditer(head):
        before = head[max(0, m.start() - 9): m.start()]
        if before.endswith(("PRIORITY", "IMMEDIATE", "ROUTINE")) or (
                before[-1:].isdigit() and (before[-4:].isdigit() or before[-3:-2] == ":")) \
                or before.endswith(("GRNC", "COLLECTIVE", "available.")):
            return True
    return False
