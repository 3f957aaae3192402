"""A telegram's preamble: the labelled fields between the classification line and the first
paragraph — ``E.O. 12958: DECL: …``, ``TAGS``, ``SUBJECT``, ``REF``, ``Classified By``.

``split_run_together`` puts back on their own lines labels that a copy ran together;
``read_preamble`` reads the fields (a field goes on over its continuation lines, and for
SUBJECT and TAGS over a blank line a newspaper's copy put inside it) and says where the
paragraphs begin; ``parse_refs`` turns the REF field into references with their IDs resolved
(``ANKARA 1561`` in a 2009 cable → ``09ANKARA1561``).
"""

from __future__ import annotations

import re

from ..record import Cable, Reference
from . import refid
from .subject import HANDLING_NOTE, tidy_subject
from .reflow import CLBY_REASONS, banner_start
from .telegram_body import DASH_LINE_RE, LONG_LINE, PARA_RE
from .telegram_classification import classification_line

_EO_RE = re.compile(r"^(?:E\.\s?O\.?|EO)\s*(\d{4,5})?\s*:?\s*(.*)$", re.I)
_DECL_RE = re.compile(r"DECL\s*:?\s*(.*)$", re.I)
_TAGS_RE = re.compile(r"^TAGS\b\s*:?", re.I)
_SUBJ_RE = re.compile(r"^SUBJ(?:ECT)?\s*:\s*", re.I)
_REF_RE = re.compile(r"^REFS?(?:TEL)?\s*:\s*", re.I)
_CLBY_RE = re.compile(r"^CLASSIFIED\s+BY\b\s*:?\s*", re.I)
_CLBY_LINE = re.compile(r"\s*CLASSIFIED\s+BY\b", re.I)
# Preamble fields: (cheap prefix test on the upper-cased line, pattern of the label, name).
_PREAMBLE_FIELDS = (("TAGS", _TAGS_RE, "TAGS"), ("SUBJ", _SUBJ_RE, "SUBJECT"), ("REF", _REF_RE, "REF"),
                    ("CLASSIFIED", _CLBY_RE, "CLBY"))


_RUN_TOGETHER = re.compile(r"(?<=\S)\s+(?=(?:TAGS|SUBJECT|SUBJ|REFS?|REFTEL|E\.O\.|Classified By|CLASSIFIED BY)\s*:)")


def _may_run_together(ln: str) -> bool:
    """Cheap test before the run-together patterns: does a preamble label occur in the line at all?"""
    return ("SIPDIS" in ln or "TAGS" in ln or "SUBJ" in ln or "REF" in ln or "E.O." in ln
            or "lassified By" in ln or "LASSIFIED BY" in ln)


def split_run_together(lines: list[str]) -> list[str]:
    """Split preamble lines that a copy ran together (``E.O. 12958: DECL: … TAGS: BR PREL``)."""
    out: list[str] = []
    for idx, ln in enumerate(lines):
        if PARA_RE.match(ln) and idx > 0:
            out.extend(lines[idx:])
            return out
        if idx < 60 and _may_run_together(ln) and _RUN_TOGETHER.search(ln):
            out.extend(_RUN_TOGETHER.split(ln))
        elif len(ln) > LONG_LINE and _CLBY_LINE.match(ln):
            out.extend(_classified_by_and_text(ln))
        else:
            out.append(ln)
    return out


def _classified_by_and_text(ln: str) -> list[str]:
    """A copy that joined lines ran the first paragraph onto the ``Classified By`` line (``… for
    reasons 1.4 (b) and (d). (C) Poloff discussed …``): the paragraph after the reasons, on its own."""
    r = CLBY_REASONS.search(ln, 0, 400)
    rest = ln[r.end():].strip() if r else ""
    return [ln[: r.end()], "", rest] if rest else [ln]


def read_preamble(c: Cable, body_lines: list[str]) -> tuple[int, list[str]]:
    """Read the preamble fields at the top of ``body_lines`` into ``c`` (``decl``, ``tags``, ``subject``,
    ``classified_by``); return the index of the first paragraph's line and the REF field's lines."""
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
            if cur == "SUBJECT" and HANDLING_NOTE.match(s) or cur in ("SUBJECT", "TAGS") and (
                    s[:3] == "---" and DASH_LINE_RE.match(s) or _banner_line(s)):
                # a handling note (``SENSITIVE BUT UNCLASSIFIED``), a heading's dashes or the
                # classification banner (a copy's TAGS line above it): past the field
                cur = None
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
    subject = " ".join(subject_lines)
    if len(subject) > 60 and ("ONF" in subject or "ECRET" in subject or "NCLAS" in subject or "E C R E" in subject):
        b = banner_start(subject)
        if b > 0:
            subject = subject[:b]  # a second copy's banner run into the subject (a page holding two copies)
    c.subject = tidy_subject(subject)
    c.classified_by = " ".join(" ".join(clby_lines).split()) or None
    return first_para_idx, ref_lines


_FIELD_AFTER = re.compile(r"^(?:REF(?:TELS?|S)?\b|Classified\s+By|CLASSIFIED\s+BY|SUBJ|¶|\d{1,3}\s*\.|-{3})", re.I)
_TAG_LINE = re.compile(r"^[A-Z][A-Z0-9]{1,11}(?:[,.]?\s+[A-Z][A-Z0-9]{1,11}){0,29}[,.]?\s*$")


def _banner_line(s: str) -> bool:
    c = classification_line(s)
    return bool(c and c[1] and c[2])


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


def parse_refs(text: str, year: int | None, own_post: str | None) -> list[Reference]:
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
