"""PlusD's metadata values → the record's fields: dates, classifications, TAG codes, the
reference ID of a Canonical ID, the origin of a From line. Used by ``plusd``."""

from __future__ import annotations

import re
from datetime import datetime

from . import refid

BLANK_VALUE = re.compile(r"^(?:--\s*)?(?:N/?A(?: or Blank)?|Not Assigned|Blank|None|-+)?(?:\s*--)?$", re.I)
"""PlusD's words for an empty field (``-- N/A or Blank --``, ``-- Not Assigned --``)."""
_TAG_CODE = re.compile(r"(?:^|[|;,\n]|\s{2,})\s*([A-Z][A-Z0-9]{1,11})\s+[-–]\s")
_TAG_BARE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")

MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), 1)}


def parse_date(s: str) -> str | None:
    """PlusD's ``1974 May 13, 10:15 (Monday)`` and other spellings → ``YYYY-MM-DD HH:MM``."""
    s = " ".join(s.replace(",", " ").split())
    hm = re.search(r"\b(\d{1,2}):(\d{2})\b", s)
    hh, mi = (int(hm.group(1)), int(hm.group(2))) if hm else (0, 0)
    y = mo = d = None
    m = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        name = r"([A-Za-z]{3,9})\.?"
        for pat, order in ((rf"\b(\d{{4}}) {name} (\d{{1,2}})\b", "ymd"), (rf"\b(\d{{1,2}}) {name} (\d{{4}})\b", "dmy"),
                           (rf"\b{name} (\d{{1,2}}) (\d{{4}})\b", "mdy")):
            m = re.search(pat, s)
            if m and m.group(order.index("m") + 1)[:3].lower() in MONTHS:
                g = dict(zip(order, m.groups()))
                y, mo, d = int(g["y"]), MONTHS[g["m"][:3].lower()], int(g["d"])
                break
        else:
            m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", s)
            if m:
                mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return _iso(y, mo, d, hh, mi) if y is not None else None


def _iso(y: int, mo: int, d: int, hh: int, mi: int) -> str | None:
    if not 1900 <= y <= 2099:
        return None
    try:
        return datetime(y, mo, d, hh, mi).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return None


_CLS_WORDS = (("TOP SECRET", "TOP SECRET"), ("SECRET", "SECRET"), ("CONFIDENTIAL", "CONFIDENTIAL"),
              ("LIMITED OFFICIAL USE", "LIMITED OFFICIAL USE"), ("LOU", "LIMITED OFFICIAL USE"),
              ("UNCLASSIFIED", "UNCLASSIFIED"), ("UNCLAS", "UNCLASSIFIED"))


def classification(value: str | None, handling: str | None = None) -> str | None:
    """A PlusD classification in cablegate spelling (``Confidential`` → ``CONFIDENTIAL``,
    ``LOU`` → ``LIMITED OFFICIAL USE``), ``//NOFORN`` added when the handling says so."""
    if not value:
        return None
    v = " ".join(value.upper().replace("_", " ").split())
    base, _, rest = v.partition("//")
    base = base.strip()
    for word, name in _CLS_WORDS:
        if base == word or base.startswith(word + " ") and word != "SECRET":
            base = name
            break
    else:
        if base in ("C", "S", "U", "TS"):
            base = {"C": "CONFIDENTIAL", "S": "SECRET", "U": "UNCLASSIFIED", "TS": "TOP SECRET"}[base]
        elif base == "SBU":
            base, rest = "UNCLASSIFIED", "FOR OFFICIAL USE ONLY"
        else:
            return None
    out = base + ("//" + rest.strip() if rest.strip() else "")
    if handling and re.search(r"\bNOFORN\b|NO FOREIGN", handling.upper()) and "NOFORN" not in out:
        out += "//NOFORN"
    return out


def tag_codes(value: str | None) -> list[str]:
    """The TAG codes of a TAGS value (``PREL - Political Affairs--… | XF - …`` → PREL, XF)."""
    if not value:
        return []
    codes = _TAG_CODE.findall(value)
    if not codes and " - " not in value:
        codes = [t for t in re.split(r"[\s,;|]+", value) if _TAG_BARE.match(t)]
    return list(dict.fromkeys(codes))


def ref_id(canonical: str | None) -> str | None:
    if not canonical:
        return None
    cid = canonical.split()[0].strip(".,;")
    short = refid.short_form(cid) if re.match(r"^(?:19|20)\d{2}[A-Z]", cid) else None
    return short or re.sub(r"_[A-Za-z0-9]{1,4}$", "", cid).upper() or None


_ORIGIN_NAME = re.compile(r"^(?:Embassy|Consulate|Secretary of State|US Mission|Mission|USUN|USEU|UNVIE|REO|"
                          r"American Institute|US Interests|Iran RPO|US Delegation)\b")


def origin(value: str | None, ref: str | None) -> str | None:
    if not value:
        return None
    first = re.split(r"\s*[|;\n]\s*", value)[0].strip()
    o = refid.origin_from_fm(first)
    if o:
        return o
    if _ORIGIN_NAME.match(first):
        return first
    sp = refid.split_ref_id(ref) if ref else None
    if sp and first.upper().replace(" ", "").endswith(sp[1]):  # "Greece Athens" for ATHENS
        return refid.origin_for_post(sp[1])
    return None
