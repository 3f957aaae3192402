"""Where a cable's SUBJECT ends. A subject runs on over several lines, and copies run it into
what follows: a handling note (``SENSITIVE BUT UNCLASSIFIED - PLEASE PROTECT ACCORDINGLY``), the
page debris of a multi-page print (``TRIPOLI 00000014 001.2 OF 002``), a REF list or the
``Classified By`` line glued on, a dashed heading, mixed-case prose. The telegram parser ends
the field at these (``tidy_subject``, for texts with their line breaks and without), and the
reflow of a flattened copy uses ``cut_subject``/``join_subject`` to put its lines back."""

from __future__ import annotations

import re

HANDLING_NOTE = re.compile(r"(?:SENSITIVE BUT UNCLASSIFIED|(?i:sensitive but unclassified|this (?:cable|message|telegram)"
                           r" is\b)|\((?:U|SBU|C|S)\)\s+(?i:this)\b)")
"""A handling note after the SUBJECT (``SENSITIVE BUT UNCLASSIFIED``, ``(U) This cable is…``): not the subject."""
_SUBJECT_STOP = re.compile(r"\s" + HANDLING_NOTE.pattern)
_UPPER_WORD = re.compile(r"[^a-z]*[A-Z][^a-z]*$")

# What ends a subject inside its own line: a handling note, page debris (``TOKYO 00003567
# 001.2 OF 002``, the post in at most ten letters), the Classified By line or a REF list run into it (also glued on:
# ``…VISIT TO CAIROClassified By:``), a dashed heading (``SUMMARY -------``), a cancelled
# transmission's slashes, a portion mark left at its end (``… GULEN (U)``).
_SUBJECT_TAIL = re.compile(
    r"\s(?:SENSITIVE BUT UNCLASSIFIED|(?i:sensitive but unclassified))"
    r"|\s[A-Z][A-Z .'-]{1,9}\s0{2,}\d{1,6}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}\b"
    r"|(?:Classified|Classfied|CLASSIFIED)\s+(?:By|by|BY)\b"
    r"|(?<![A-Za-z])(?:REFTELS?|Reftels?)\b"
    r"|(?<![A-Za-z])(?:REFS?|Refs?|Ref\(s\))(?=\.?:|\.\s|\.\.\.|\s+[A-Z]\s*[:).]|\s+[A-Z]\s+\d|\s+\d)"
    r"|(?<=[A-Z]{3})REF(?:TEL)?S?:"
    r"|\s(?:(?:SUMMARY|Summary)\s*)?-{3,}|\s[/*=]{4,}"
    r"|\s\((?:U|SBU|C|S|S/NF|C/NF)\)$|\sCLASSIFIED$"
)
_LONE_BACKSLASH = re.compile(r"(?:^|\s)\\(?=\s|$)")


def tidy_subject(subject: str | None) -> str | None:
    """The subject without what was run into it (see ``_SUBJECT_TAIL``), spaces normalised."""
    if not subject:
        return subject
    if "\\" in subject:
        subject = _LONE_BACKSLASH.sub(" ", subject)  # a dump's line continuations
    for m in _SUBJECT_TAIL.finditer(subject):
        head = subject[: m.start()]
        if len(head.split()) >= 2:
            subject = head
            break
    return " ".join(subject.split()) or None


def _prose_starts(words: list[str]) -> bool:
    """Do ``words`` read as prose (two of the first three non-empty ones with lower-case letters),
    not one mixed-case word in an upper-case subject (``TEHRAN's SHADOW``, ``NTSB and FAA``)?"""
    return sum(1 for w in [w for w in words if w][:3] if any(ch.islower() for ch in w)) >= 2


def cut_subject(line_prefix: str, subj: str) -> str:
    """A SUBJECT run into the text after it: end it where an upper-case subject turns into
    mixed-case prose, at a handling note (``SENSITIVE BUT UNCLASSIFIED``, ``(U) This cable is…``),
    or at a run of spaces (where the copy had a blank line)."""
    note = _SUBJECT_STOP.search(subj)
    if note and len(subj[: note.start()].split()) >= 2:
        return line_prefix + subj[: note.start()].rstrip() + "\n\n" + subj[note.start():].lstrip()
    gap = subj.find("   ")
    if 0 < gap:
        head = subj[:gap]
        if len(head.split()) >= 2:
            return line_prefix + head.rstrip() + "\n\n" + subj[gap:].lstrip()
    words = subj.split(" ")
    upper = 0
    for k, w in enumerate(words):
        if not w:
            continue
        if any(ch.isalpha() for ch in w) and not _UPPER_WORD.match(w):
            if not _prose_starts(words[k:]):
                continue
            # The sentence turning to prose begins at the capitalised word before the first
            # lower-case one (``… MAOISTS Summary: the …``, ``… MAOISTS The minister …``).
            b = k
            if b > 0 and words[b][:1].islower() and words[b - 1][:1].isupper():
                b -= 1
            if upper >= 2 and b > 0:
                return line_prefix + " ".join(words[:b]).rstrip() + "\n\n" + " ".join(words[b:])
            return line_prefix + subj
        if any(ch.isalpha() for ch in w):
            upper += 1
    return line_prefix + subj


# Where a flattened SUBJECT certainly ends: a paragraph mark, a first numbered paragraph, dashes,
# a handling note.
_SUBJECT_END = re.compile(r"¶|\s1\s?[.)]\s*(?:\([A-Z/]{1,6}\)\s*)?[A-Z]|-{3,}|\s" + HANDLING_NOTE.pattern)
_HEADING_WORD = re.compile(r"\s(?:SUMMARY|Summary|INTRODUCTION|Introduction|BACKGROUND|Background)[:.]?$")
_JOIN_MAX = 400


def join_subject(pre: str, i: int, next_label: int) -> str:
    """A flattened SUBJECT (starting at ``i``) whose lines the copy's runs of spaces turned into
    blank lines (``SUBJECT: KAZAKHSTAN:  GOVERNMENT'S …  -- SWEEPING EFFORT …  REF: A.``): when
    the next label, first paragraph, dashes or handling note follow within a few lines, the
    field is everything before them, on one line."""
    end = next_label
    m = _SUBJECT_END.search(pre, i, end)
    if m:
        end = m.start()
    region = pre[i:end]
    if end - i > _JOIN_MAX or "\n\n" not in region.rstrip():
        return pre
    joined = " ".join(region.split())
    h = _HEADING_WORD.search(joined)
    if h and m:
        joined = joined[: h.start()] + "\n\n" + joined[h.start():].strip()
    return pre[:i] + joined + "\n\n" + pre[end:].lstrip(" \n")


__all__ = ["HANDLING_NOTE", "cut_subject", "join_subject", "tidy_subject"]
