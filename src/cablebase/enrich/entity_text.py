"""The texts of a cable read for entities, and what is blanked out of them first:
``paragraphs_of`` lists the subject line (index ``SUBJECT``) and each paragraph (the body when
the record has none); ``blank_debris`` puts spaces, same length, over what is not the
paragraph's own text — page-break lines, URLs, a section heading the parser left at its end —
so that spans found stay spans of the record's own text.
"""

from __future__ import annotations

import re

from ..record import Cable
from .truecase import is_upper_text

SUBJECT = -1
"""``paragraph`` index of the subject line."""

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)  # "HTTP://WWW.STATE.SGOV.GOV/…" too
_PAGE_BREAK_RE = re.compile(r"\b[A-Z][A-Z ]{1,30} 0{2,}\d{1,7} {1,3}\d{3}(?:\.\d)? OF \d{3}\b")
_DASHES_RE = re.compile(r"^\s*-{4,}[\s-]*$")


def blank_debris(text: str) -> str:
    """Spaces over what is not the paragraph's own text (same length): page-break lines
    (``DUBAI 00000379 002.2 OF 003``) and a section heading the parser left at the end
    (a last line underlined with dashes, or a last line in capitals after mixed-case text)."""
    text = _PAGE_BREAK_RE.sub(lambda m: " " * len(m.group(0)), text)
    text = _URL_RE.sub(lambda m: " " * len(m.group(0)), text)
    lines = text.split("\n")
    # drop trailing empty lines from consideration
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if end >= 2 and _DASHES_RE.match(lines[end - 1]):
        k = end - 2
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k >= 1:  # keep a one-line paragraph that is itself a heading
            for i in range(k, end):
                lines[i] = " " * len(lines[i])
    elif end >= 2:
        last = lines[end - 1].strip()
        body = " ".join(lines[: end - 1])
        if last and len(last) <= 80 and last.upper() == last and any(c.isalpha() for c in last) and not is_upper_text(body):
            lines[end - 1] = " " * len(lines[end - 1])
    return "\n".join(lines)


def paragraphs_of(cable: Cable) -> list[tuple[int, int | None, str]]:
    """(index, number, text) of each part of the cable read for entities: the subject line
    (index ``SUBJECT``) and every paragraph (the body when the record has no paragraphs)."""
    out: list[tuple[int, int | None, str]] = []
    if cable.subject:
        out.append((SUBJECT, None, cable.subject))
    if cable.paragraphs:
        for i, p in enumerate(cable.paragraphs):
            if p.text and p.text.strip():
                out.append((i, p.number, p.text))
    elif cable.body and cable.body.strip():
        out.append((0, None, cable.body))
    return out


__all__ = ["SUBJECT", "blank_debris", "paragraphs_of"]
