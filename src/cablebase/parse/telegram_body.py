"""A telegram's body after the preamble: its lines cleaned, its paragraphs, its signer and
its Summary and Comment blocks.

``clean_body_lines`` drops SIPDIS and page-break debris (``MEXICO 00000983 002 OF 003``,
``PAGE 02 …``); ``read_paragraphs`` splits the body into numbered paragraphs with their portion
marks (``(C)``, ``(SBU/NF)``, ``(S - ENTIRE TEXT)``) and section headings (dashed, underlined or
standing alone), after taking the signer and the end marks (``NNNN``, ``BT``) off the end;
``summary_and_comments`` finds ``Summary: … End summary.`` and ``Comment: … End comment.``.
The patterns a paragraph starts with (``PARA_RE``) and a dashed line (``DASH_LINE_RE``) are
shared with the rest of the telegram parser.
"""

from __future__ import annotations

import re

from ..record import Cable, Paragraph
from .paragraph_numbers import paragraph_starts

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


def clean_body_lines(lines: list[str], post: str | None = None) -> tuple[list[str], bool]:
    """Drop SIPDIS and page-break debris; strip trailing blanks. Per-line work only where needed.
    ``post`` (squeezed, ``NEWDELHI``): a page-break run onto a line of text (``NELSON JOBIM TO
    WASHINGTON BRASILIA 00000351 001.2 OF 003``) loses only the debris, not the text."""
    text = "\n".join(lines)
    sipdis = "IPDIS" in text or "ipdis" in text
    pages = " OF 0" in text or " of 0" in text or "PAGE " in text or "page " in text
    if not (sipdis or pages):
        return [ln.rstrip() for ln in lines], False
    kept = [ln.rstrip() for ln in lines]
    drop = False
    for i in _debris_candidates(text, sipdis, pages):
        ln = kept[i]
        if sipdis and ("IPDIS" in ln or "ipdis" in ln):
            if SIPDIS_LINE_RE.match(ln):
                kept[i] = None
                drop = True
                continue
            ln = _SIPDIS_INLINE.sub("", ln)
            if not ln.strip():
                kept[i] = None
                drop = True
                continue
        if pages:
            tail = ln[-6:-3]
            if (tail == "OF " or tail == "of ") and PAGE_BREAK_RE.match(ln):
                ln = _text_before_page_break(ln, post)
                if not ln:
                    kept[i] = None
                    drop = True
                    continue
            elif "PAGE" in ln[:8] and PAGE_LINE_RE.match(ln):
                kept[i] = None
                drop = True
                continue
        kept[i] = ln
    if drop:
        kept = [ln for ln in kept if ln is not None]
    return kept, sipdis


_PAGE_TAIL_UPPER = re.compile(r"OF \d{3}[^\S\n]*$", re.M)
_PAGE_TAIL_LOWER = re.compile(r"of \d{3}[^\S\n]*$", re.M)


def _debris_candidates(text: str, sipdis: bool, pages: bool) -> list[int]:
    """The lines (indices) that may hold SIPDIS or page debris: found by scanning the text
    (``str.find`` and literal-led patterns), not line by line."""
    hits = []
    if sipdis:
        for key in ("IPDIS", "ipdis"):
            i = text.find(key)
            while i >= 0:
                hits.append(i)
                i = text.find(key, i + 5)
    if pages:
        hits.extend(m.start() for m in _PAGE_TAIL_UPPER.finditer(text))
        hits.extend(m.start() for m in _PAGE_TAIL_LOWER.finditer(text))
        i = text.find("PAGE")
        while i >= 0:
            if i - (text.rfind("\n", 0, i) + 1) <= 4:  # ``"PAGE" in line[:8]``
                hits.append(i)
            i = text.find("PAGE", i + 4)
    out: list[int] = []
    n = last = 0
    for p in sorted(hits):
        n += text.count("\n", last, p)
        last = p
        if not out or out[-1] != n:
            out.append(n)
    return out


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


def _norm_marking(mark: str | None) -> str | None:
    if not mark:
        return None
    if " " not in mark and "-" not in mark:
        return mark.upper()
    m = " ".join(mark.upper().split())
    m = re.sub(r"\s*-\s*ENTIRE TEXT.*$", "", m)
    m = m.replace(" ", "")
    return m or None


def _is_heading_line(s: str) -> bool:
    """A section heading standing on its own: short, no closing punctuation, capitalised words."""
    if len(s) > 60 or s[-1] in ".,;:\"')" or len(s.split()) > 8:
        return False
    letters = [ch for ch in s if ch.isalpha()]
    if len(letters) < 3:
        return False
    return s.isupper() or all(w[:1].isupper() or not w[:1].isalpha() or len(w) <= 3 for w in s.split())


def _text_before_ended(strs: list[str], i: int) -> bool:
    """Does the last line of text before line ``i`` end a sentence (or a heading's dashes)? A
    blank line does not end one: ``… Please see paragraph`` / blank / ``¶3.`` is the text's; a
    heading does."""
    k = i - 1
    while k >= 0 and not strs[k]:
        k -= 1
    return k < 0 or strs[k][-1] in _ENDED or _is_heading_line(strs[k])  # (``ARTICLE II`` / ``¶1.``)


def _next_starts_paragraph(lines: list[str], i: int, end: int) -> bool:
    while i < end and not lines[i].strip():
        i += 1
    return i < end and bool(PARA_RE.match(lines[i])) and lines[i].lstrip()[:1] in "¶0123456789"


LONG_LINE = 100
"""A line this long is a paragraph a copy joined onto one line (telegram lines are under 80)."""


def split_run_paragraphs(lines: list[str]) -> list[str]:
    """A newspaper's copy that joined each paragraph's lines sometimes ran the next numbered
    paragraph on too (``… attended a lunch. 3. The CODEL …``): each numbered paragraph found in
    sequence inside a long line starts a line of its own, as in a flattened copy."""
    text = "\n".join(lines)
    cuts = []
    for s in paragraph_starts(text, 0):
        if s and text[s - 1] != "\n":
            a = text.rfind("\n", 0, s) + 1
            b = text.find("\n", s)
            if (b if b >= 0 else len(text)) - a > LONG_LINE:
                cuts.append(s)
    if not cuts:
        return lines
    parts, last = [], 0
    for s in cuts:
        parts.append(text[last:s].rstrip(" "))
        last = s
    parts.append(text[last:])
    return "\n".join(parts).split("\n")


def read_paragraphs(c: Cable, lines: list[str], split_long: bool = True) -> None:
    """``c``'s paragraphs and signer from the body's lines after the preamble. ``split_long``:
    look for numbered paragraphs run into long lines (not needed where ``reflow`` did)."""
    paras: list[Paragraph] = []
    heading = None
    cur: list[str] = []
    cur_num = cur_mark = None
    cur_heading = None
    expected = 1
    n = len(lines)
    i = 0
    underlined = -9  # the line of the last underlined heading

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
        if s and first not in "-¶" and not first.isdigit() and len(s) <= 80 and (
                i == 0 or not strs[i - 1] or i - 2 == underlined):
            nxt = strs[i + 1] if i + 1 < end else ""
            if nxt.startswith("---") and DASH_LINE_RE.match(nxt):
                flush()
                # (a heading underlined over two lines: ``… CHANCE OF BEING FRANCE'S`` / ---- / ``NEXT PRESIDENT`` / ----)
                heading = cur_heading = heading + " " + s if i - 2 == underlined else s
                underlined = i
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
                or (pil and (m.group("mark") or sentence_ended and _text_before_ended(strs, i)))
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
    if split_long and _next_number_inside(paras):
        split = split_run_paragraphs(lines)
        if split is not lines:
            read_paragraphs(c, split, split_long=False)


_ENDED = frozenset('.:;"\')!?-')


def _next_number_inside(paras: list[Paragraph]) -> bool:
    """Does a long paragraph that its successor does not follow in sequence (a gap, or the last
    one) hold the next number after a sentence's end or with a portion mark (``… a lunch. 3. The
    CODEL …``)? A cheap test (``str.find`` in those paragraphs only) before looking for paragraphs
    run into a line."""
    for k, p in enumerate(paras):
        t = p.text
        nxt = p.number + 1 if p.number is not None else 1
        if len(t) <= LONG_LINE or k + 1 < len(paras) and paras[k + 1].number == nxt:
            continue
        key = str(nxt) + "."
        i = t.find(key)
        while i >= 0:
            after = t[i + len(key): i + len(key) + 4]
            if after[:1] in (" ", "(") and t[i - 1: i] in (" ", "¶") and i > 1 and (
                    t[max(0, i - 8): i].rstrip(" ¶")[-1:] in _ENDED or after.lstrip()[:1] == "("):
                return True  # in sequence, after a sentence's end or with a portion mark
            i = t.find(key, i + 1)
    return False


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


def summary_and_comments(c: Cable) -> None:
    """The Summary (a ``Summary: … End summary.`` block, else the paragraph headed Summary) and
    the Comment blocks of ``c``'s paragraphs."""
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
