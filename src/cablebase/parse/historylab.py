"""History Lab's annotated CFPF cables (Columbia's declassified 1973–79 telegrams) → records.

The NER gold texts of ``history-lab/historylab-parser`` are NARA Central Foreign Policy Files
cables re-flowed by annotators: a numbered entity list (``1. YAMAZAKI    PER.IND``), a line
``@@@``, then the upper-case body with every mention bracketed (``[[TEXT || N]]``, nested at
times) and sometimes AAD footer lines (``*** Current Handling Restrictions *** n/a ***``,
``Current Classification *** CONFIDENTIAL``). The text itself carries no ID: the file is named
by it (``1977TOKYO13557.txt``), in the CFPF form, so the location's name gives the record its
ID (in cablegate form, ``77TOKYO13557``, the CFPF form kept as an alias). Brackets are removed;
the body is parsed as a telegram.
"""

from __future__ import annotations

import re

from ..record import Cable
from . import refid
from .telegram import parse_text

_MARK = re.compile(r"\[\[[ \t]{0,20}((?:(?!\[\[|\]\]).){0,300}?)\s{0,20}\|\|[ \t]{0,20}\d{0,6}[ \t]{0,20}\]\]", re.S)
_LEFTOVER = re.compile(r"\[\[[ \t]*|[ \t]{0,20}\|\|[ \t]*\d{0,6}[ \t]*\]\]|[ \t]{0,20}\]\]")
_SEPARATOR = re.compile(r"^[ \t]*@{3,}[ \t\r]*$", re.M)
_CURRENT_CLS = re.compile(r"Current[ \t]+Classification[ \t]*\*{3}[ \t]*([A-Z][A-Z ]{0,40}?)[ \t]*(?:\*|$)", re.M)
_FOOTER = re.compile(r"^[ \t]*(?:NMAFVVZCZ.*|\*{3}.*|Current\s+Classification\s*\*{3}.*)$", re.M)
_ID_IN_NAME = re.compile(r"(\d{4}[A-Z][A-Z-]*?\d{3,7}(?:_[A-Za-z0-9]{1,4})?)(?:\.[A-Za-z]+)?$")
_CLS = {"UNCLASSIFIED": "UNCLASSIFIED", "CONFIDENTIAL": "CONFIDENTIAL", "SECRET": "SECRET",
        "LIMITED OFFICIAL USE": "LIMITED OFFICIAL USE", "LIMITED OFFICIAL USE ONLY": "LIMITED OFFICIAL USE"}


_ENTITY_LINE = re.compile(r"^[ \t]*\d{1,4}\.[ \t]+\S[^\n]{0,200}?[ \t]{2,}(?:PER|GPE|ORG|LOC|FAC|NORP|EVENT|MISC|DATE)\.?[A-Z.]{0,20}[ \t]*$", re.M)


def looks_like(text: str) -> bool:
    head = text[:20000]
    return "||" in head and bool(_MARK.search(head)) and bool(_SEPARATOR.search(head) or _ENTITY_LINE.search(head))


def strip_marks(text: str) -> str:
    """``[[OPEC ||2 ]] MEMBERS`` → ``OPEC MEMBERS``; nested brackets from the inside out."""
    for _ in range(8):
        new = _MARK.sub(lambda m: m.group(1).rstrip("| "), text)
        if new == text:
            break
        text = new
    return _LEFTOVER.sub("", text)  # an annotator's unclosed bracket


def id_from_location(location: str | None) -> str | None:
    """The cablegate-form ID a file's name gives (``…/1977TOKYO13557.txt`` → ``77TOKYO13557``)."""
    if not location:
        return None
    name = location.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    m = _ID_IN_NAME.search(name)
    return refid.short_form(m.group(1)) if m else None


def parse(text: str, location: str | None = None) -> list[Cable]:
    text = text.lstrip("\ufeff")
    sep = _SEPARATOR.search(text)
    if sep:
        body = text[sep.end():]
    else:  # no separator: the body starts after the entity list
        last = None
        for last in _ENTITY_LINE.finditer(text, 0, 20000):
            pass
        body = text[last.end():] if last else text
    meta: dict = {}
    cm = _CURRENT_CLS.search(body)
    if cm and cm.group(1).strip() in _CLS:
        meta["classification"] = _CLS[cm.group(1).strip()]
    body = _FOOTER.sub("", strip_marks(body)).strip()
    ref = id_from_location(location)
    if ref:
        meta["ref_id"] = ref
    c = parse_text(body, meta)
    return [c]


__all__ = ["id_from_location", "looks_like", "parse", "strip_marks"]
