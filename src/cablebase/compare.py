"""Comparing two copies of a cable word by word, as a reporter checking a republished cable needs.

``compare(a, b)`` takes two texts (a cable's body as two sources give it) and says, block by
block (a paragraph, a heading, a header line group: text between blank lines), which are
identical, changed (word-level), missing from ``b``, added in ``b`` or redacted
(``XXXXXXXXXXXX``), with a summary ("faithful: 99.6% of words identical; 3 changes") and an
overall verdict, header lines included (``kind``): identical, rewrapped, edited, grew or shrank
(``_kind``; an edit confined to the E.O./TAGS/SUBJECT lines is an edit, not "identical").

What does not count as a change: how the text is wrapped and spaced, quote and dash styles
(``“”`` for ``"``, ``—`` for ``-``), the ``¶`` before a paragraph number, and the debris copies
carry or drop (``SIPDIS``, page-break lines ``MEXICO 00000983 002 OF 003``, dashed underlines).
The words are aligned over the whole text at once (``difflib``), so a copy that runs
paragraphs together or splits them differently still lines up word for word.

Pure: no archive, no I/O.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

FAITHFUL_PCT = 98.0
"""At or above this share of identical words (and with no paragraph missing or added), a copy is
called faithful."""

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
})
_PAGE_BREAK = re.compile(r"\b[A-Z][A-Z.]*(?: [A-Z][A-Z.]*)* +0*\d{1,8} +\d{3}(?:\.\d)? +OF +\d{3}\b")
_DEBRIS_WORD = re.compile(r"^(?:SIPDIS|-+|_+|=+|\.+|¶)$")
_BLOCKS = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_REDACTED = re.compile(r"X{6,}|\[[^\]]{0,40}\bremoved\]", re.I)
_PUNCT = re.compile(r"^([(\[\"'“‘«]*)(.*?)([)\]\"'”’».,;:!?]*)$", re.S)
_PARA_NO = re.compile(r"^¶?\s*(\d{1,3})\.")
_HYPHEN_WRAP = re.compile(r"([A-Za-z]{2})-[ \t]*\n\s*([A-Za-z])")
"""A word hyphenated at a line end (``Counter-`` / ``Terrorism``): one word, as a re-wrap joins it."""
_PARA_LINE = re.compile(r"(?m)^[ \t]*¶?\s*\d{1,3}\.\s+\(")


@dataclass(slots=True)
class _Word:
    text: str     # as written
    key: str      # what is compared
    block: int    # which block of its text
    glued: bool   # written without a space before (punctuation split off a word)


def _norm(word: str) -> str:
    w = unicodedata.normalize("NFKC", word).translate(_QUOTES)
    w = w.lstrip("¶")
    return re.sub(r"-{2,}", "-", w)


def _words(text: str, header: bool = False) -> tuple[list[_Word], list[str], int]:
    """The words of ``text`` (debris left out), the label of each block (``¶3`` or "") and,
    with ``header``, how many blocks are the header."""
    out: list[_Word] = []
    labels: list[str] = []
    blocks = _BLOCKS.split(_HYPHEN_WRAP.sub(r"\1-\2", (text or "").strip()))
    for bi, block in enumerate(blocks):
        m = _PARA_NO.match(block.strip())
        labels.append(f"¶{m.group(1)}" if m else "")
        block = _PAGE_BREAK.sub(" ", block)
        for chunk in block.split():
            if _DEBRIS_WORD.match(_norm(chunk) or "-"):
                continue
            m = _PUNCT.match(chunk)
            pieces = [(m.group(1), False), (m.group(2), bool(m.group(1))), (m.group(3), bool(m.group(1) or m.group(2)))]
            for piece, glued in pieces:
                if piece:
                    key = _norm(piece)
                    if key:
                        out.append(_Word(piece, key, bi, glued))
    return out, labels, _header_blocks(blocks) if header else 0


def _header_blocks(blocks: list[str]) -> int:
    """How many of a body's blocks are its header: those before its first numbered paragraph
    and that paragraph's heading (routing, ``TAGS``, ``SUBJECT`` lines, which copies often
    carry as metadata or drop); 0 when no block starts with a paragraph number."""
    first = next((i for i, bl in enumerate(blocks) if _PARA_NO.match(bl.strip())), None)
    if first is None:  # paragraphs not set apart by blank lines: the block where they start
        first = next((i for i, bl in enumerate(blocks) if _PARA_LINE.search(bl)), None)
        return first or 0
    while first > 0 and _is_heading(blocks[first - 1]):
        first -= 1
    return first


_HEADER_WORD = re.compile(r"^(?:TAGS|SUBJECT|E\.?O\.?|REF|CLASSIFIED|DECL|SECTION)\b", re.I)


def _is_heading(block: str) -> bool:
    """A section heading (``Summary``, ``Meth Precursors``), underlined with dashes or not."""
    if re.search(r"^\s*[-_=—–]{3,}\s*$", block, re.M):
        return True
    words = block.split()
    return (0 < len(words) <= 6 and not re.search(r"[:,;]", block) and not _PARA_NO.match(block.strip())
            and not _HEADER_WORD.match(block.strip()))


_DATELINE = re.compile(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4},"
                       r"\s+\d{2}:\d{2}\s*$")
_META_LINE = re.compile(r"^(?:ID|ORIGIN|DATE|SOURCE|CLASSIFICATION|MISC|DESTINATION):\s*\S")
_TAG = re.compile(r"<[^>]{0,2000}>")


def page_furniture(raw: str | None) -> list[str]:
    """The lines of a version's page that its record keeps as metadata, not as text: a partner
    newspaper's dateline above the cable (``Thursday, 23 October 2008, 09:20``, the creation
    date) and a newspaper's metadata block (``ID:``/``ORIGIN:``/``DATE:``/``SOURCE:`` lines).
    A copy that adds or drops them is edited there (the README of the real version histories
    counts it a text edit)."""
    out: list[str] = []
    for line in html.unescape(_TAG.sub("\n", raw or "")).splitlines():
        s = " ".join(line.split()) if len(line) <= 2000 else ""
        if s and len(s) <= 400 and ((len(s) <= 60 and _DATELINE.search(s)) or _META_LINE.match(s)):
            out.append(s)
    return out


def compared_text(cable: Any, raw: str | None = None) -> str:
    """What two versions of a cable (``Cable`` records) are compared on: with ``raw`` (the page
    the version was read from) its ``page_furniture``, one line each; the routing header the
    version carries (a copy that adds or drops it is edited there); then its text."""
    furniture = "\n\n".join(page_furniture(raw))
    return "\n\n".join(x for x in (furniture, getattr(cable, "header", None), cable.text) if x)


def compare_cable(a: str, b: str) -> dict[str, Any]:
    """``compare`` of two cable bodies, the header apart: the verdict, the share of identical
    words and the changes counted are those of the text (the numbered paragraphs and their
    headings); what the headers (routing, TAGS, SUBJECT lines) differ by is shown and summed
    up apart (``header``; rows and changes there are marked ``header``)."""
    return compare(a, b, header=True)


def _redaction(words: list[_Word], other: int) -> bool:
    """Whether these words (one side of a change, against ``other`` words on the other side)
    are a redaction: ``XXXXXXXXXXXX`` or ``[Source removed]`` with little else, standing for a
    few words (a long passage that holds one is text added; a marker for a long passage is a
    gap in an extract)."""
    text = _join(words)
    marks = len(_REDACTED.findall(text))
    if not marks:
        return False
    rest = len(_REDACTED.sub(" ", text).split())
    return rest <= 3 + 2 * marks and other <= 12 * marks


def _merge_trivial(ops: list[tuple[str, int, int, int, int]], wa: list[_Word]) -> list[tuple[str, int, int, int, int]]:
    """The opcodes with a run of equal punctuation between two changes (``.`` ``(`` ``)`` of two
    different paragraphs) folded into one change."""
    out: list[list[Any]] = []
    for tag, i1, i2, j1, j2 in ops:
        trivial = (tag == "equal" and len(ops) > 1
                   and not any(c.isalnum() for w in wa[i1:i2] for c in w.key))
        if (tag != "equal" or trivial) and out and out[-1][0] != "equal":
            out[-1][2], out[-1][4] = i2, j2
            out[-1][0] = "replace" if out[-1][2] > out[-1][1] and out[-1][4] > out[-1][3] else out[-1][0]
        else:
            out.append(["replace" if trivial else tag, i1, i2, j1, j2])
    return [tuple(o) for o in out]  # type: ignore[misc]


def _join(words: list[_Word]) -> str:
    return "".join(w.text if w.glued or not i else " " + w.text for i, w in enumerate(words))


def _part(parts: list[dict[str, Any]], op: str, w: _Word) -> None:
    """Add word ``w`` to the parts of a row; ``glued``: the part starts without a space."""
    if parts and parts[-1]["op"] == op:
        parts[-1]["text"] += w.text if w.glued else " " + w.text
    else:
        parts.append({"op": op, "text": w.text, "glued": w.glued})


def compare(a: str, b: str, *, header: bool = False) -> dict[str, Any]:
    """Compare text ``a`` (left) with ``b`` (right); a JSON-ready dict (see the module doc).
    ``header``: tell the header apart (``compare_cable``)."""
    wa, la, ha = _words(a, header)
    wb, lb, hb = _words(b, header)
    sm = difflib.SequenceMatcher(None, [w.key for w in wa], [w.key for w in wb], autojunk=False)
    ops = _merge_trivial(sm.get_opcodes(), wa)
    # a block of b none of whose words are in a is a block added in b (else its changes show
    # in the row of the block of a it matches)
    b_kept = {wb[j].block for tag, _i1, _i2, j1, j2 in ops if tag == "equal" for j in range(j1, j2)}
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    order: list[tuple[str, int]] = []

    def row(side: str, block: int) -> dict[str, Any]:
        k = (side, block)
        if k not in rows:
            rows[k] = {"a_block": block if side == "a" else None, "b_block": block if side == "b" else None,
                       "header": block < (ha if side == "a" else hb), "parts": [], "_ops": set(), "_red": False}
            order.append(k)
        return rows[k]

    changes: list[dict[str, Any]] = []
    same = {True: 0, False: 0}  # identical words, in the header and not
    cur_a = 0  # the block of a where the walk stands
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                r = row("a", wa[i].block)
                cur_a = wa[i].block
                if r["b_block"] is None:
                    r["b_block"] = wb[j].block
                r["_ops"].add("equal")
                same[wa[i].block < ha] += 1
                _part(r["parts"], "equal", wa[i])
            continue
        redacted = _redaction(wb[j1:j2], i2 - i1) or _redaction(wa[i1:i2], j2 - j1)
        kind = "redacted" if redacted else {"replace": "changed", "delete": "dropped", "insert": "added"}[tag]
        where = wa[i1].block if i2 > i1 else cur_a
        in_header = wa[i1].block < ha if i2 > i1 else (wb[j1].block < hb)
        changes.append({"kind": kind, "a": _join(wa[i1:i2]) or None, "b": _join(wb[j1:j2]) or None,
                        "paragraph": la[where] if la else "", "header": in_header})
        for i in range(i1, i2):
            r = row("a", wa[i].block)
            cur_a = wa[i].block
            r["_ops"].add("delete")
            r["_red"] |= redacted
            _part(r["parts"], "delete", wa[i])
        for j in range(j1, j2):
            r = row("a", cur_a) if (wb[j].block in b_kept and wa) else row("b", wb[j].block)
            if r["b_block"] is None:
                r["b_block"] = wb[j].block
            r["_ops"].add("insert")
            r["_red"] |= redacted
            _part(r["parts"], "insert", wb[j])
    paragraphs = [_status(rows[k], la, lb) for k in order]
    text_rows = [r for r in paragraphs if not r["header"]]
    out = _summary(text_rows, [c for c in changes if not c["header"]], same[False],
                   sum(w.block >= ha for w in wa), sum(w.block >= hb for w in wb))
    head = _summary([r for r in paragraphs if r["header"]], [c for c in changes if c["header"]], same[True],
                    sum(w.block < ha for w in wa), sum(w.block < hb for w in wb))
    if header and not head["same"]:
        n = head["paragraphs"]
        what = ", ".join(f"{n[k]} {k}" for k in ("changed", "missing", "added", "redacted") if n[k])
        out["text"] += f" (header lines apart: {what})"
        if out["verdict"] == "identical":  # the text is, the header is not: not "no change"
            out["verdict"] = "faithful"
            out["text"] = "faithful" + out["text"][len("identical"):]
    out.update(_kind(a, b, paragraphs, changes, len(wa), len(wb)))
    out["same"] = out["kind"] in ("identical", "rewrapped")
    return {"summary": out, "header": head if header else None, "paragraphs": paragraphs, "changes": changes}


GREW = 1.25
"""``b`` has at least this many times the words of ``a``, few of them taken away: the text grew
(an extract or a stub replaced by the full text); at most 1 / GREW times: it shrank."""

KINDS = ("identical", "rewrapped", "edited", "grew", "shrank")


def _kind(a: str, b: str, paragraphs: list[dict[str, Any]], changes: list[dict[str, Any]],
          words_a: int, words_b: int) -> dict[str, Any]:
    """The overall verdict, header included: ``identical`` (the same characters), ``rewrapped``
    (only wrapping, spacing, quote or dash style and page debris differ), ``grew`` / ``shrank``
    (whole passages added / taken away), else ``edited``, with what was: the paragraphs and
    header lines changed, missing, added, and redacted, counted apart."""
    if not changes:
        kind = "identical" if (a or "").strip() == (b or "").strip() else "rewrapped"
    else:
        added = sum(len((c["b"] or "").split()) for c in changes if c["kind"] != "redacted")
        dropped = sum(len((c["a"] or "").split()) for c in changes if c["kind"] != "redacted")
        if words_b >= GREW * words_a and added >= 2 * dropped:
            kind = "grew"
        elif words_a >= GREW * words_b and dropped >= 2 * added:
            kind = "shrank"
        else:
            kind = "edited"
    edits: dict[str, dict[str, int]] = {"text": {}, "header": {}}
    for p in paragraphs:
        if p["status"] != "identical":
            d = edits["header" if p["header"] else "text"]
            d[p["status"]] = d.get(p["status"], 0) + 1
    redactions = sum(c["kind"] == "redacted" for c in changes)
    text = {"identical": "identical: the same text",
            "rewrapped": "rewrapped: the same words, only wrapping, spacing, quote or dash style or page debris differ",
            "edited": "edited", "grew": "text grew", "shrank": "text shrank"}[kind]
    if kind not in ("identical", "rewrapped"):
        text += f" ({words_a} → {words_b} words)"
        for where, label in (("text", "paragraphs"), ("header", "header lines")):
            if edits[where]:
                text += f"; {label}: " + ", ".join(f"{n} {k}" for k, n in edits[where].items())
        if redactions:
            text += f"; {redactions} redaction{'s' if redactions != 1 else ''} (XXXXXXXXXXXX)"
    return {"kind": kind, "kind_text": text, "edits": edits, "redactions": redactions}


def _status(r: dict[str, Any], la: list[str], lb: list[str]) -> dict[str, Any]:
    o = r.pop("_ops")
    red = r.pop("_red")
    if o == {"equal"}:
        status = "identical"
    elif o == {"delete"}:
        status = "missing"
    elif o == {"insert"}:
        status = "added"
    else:
        status = "redacted" if red else "changed"
    r["status"] = status
    r["a_label"] = la[r["a_block"]] if r["a_block"] is not None else ""
    r["b_label"] = lb[r["b_block"]] if r["b_block"] is not None else ""
    r["label"] = r["a_label"] or r["b_label"]
    return r


def _summary(rows: list[dict[str, Any]], changes: list[dict[str, Any]], same_words: int,
             words_a: int, words_b: int) -> dict[str, Any]:
    counts = {"identical": 0, "changed": 0, "missing": 0, "added": 0, "redacted": 0}
    for r in rows:
        counts[r["status"]] += 1
    total = words_a + words_b
    n = len(changes)
    pct = 100.0 if total == 0 else 200.0 * same_words / total
    pct = min(round(pct, 1), 99.9) if n else 100.0
    if n == 0:
        verdict = "identical"
    elif pct >= FAITHFUL_PCT and not counts["missing"] and not counts["added"]:
        verdict = "faithful"
    else:
        verdict = "differs"
    only_redactions = n > 0 and all(c["kind"] == "redacted" for c in changes)
    text = f"{verdict}: {pct:g}% of words identical; {n} change{'s' if n != 1 else ''}"
    text += " (all of them redactions)" if only_redactions else ""
    text += "".join(f"; {counts[k]} {k}" for k in ("missing", "added", "redacted") if counts[k])
    return {"verdict": verdict, "text": text, "identical_pct": pct, "changes": n, "words_a": words_a,
            "words_b": words_b, "identical_words": same_words, "paragraphs": counts, "same": n == 0,
            "only_redactions": only_redactions}
