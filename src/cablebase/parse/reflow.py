"""Put a flattened cable's lines back: text whose line breaks were removed or re-wrapped.

Cables circulate with their line breaks gone: JSON and database exports, blog posts, feed
items and copy-pastes turn a telegram into one long line (``C O N F I D E N T I A L NEW DELHI
006999  SIPDIS  E.O. 12958: DECL: 11/01/2014 TAGS: PREL, PTER SUBJECT: … 1. (C) Summary: …``),
or keep paragraphs and join their lines, or run the routing header together with no separator
at all (``…ZZH P 211631Z DEC 09FM AMEMBASSY BERLINTO RUEHC/SECSTATE WASHDC PRIORITY 6111INFO …``).

The telegram conventions themselves say where lines began, so ``reflow`` puts a line break
back before each of them: the routing header's parts (``VZCZC``, ``DE``, the date-time group,
``FM``/``TO``/``INFO`` and each addressee), the classification banner (also letter-spaced or
lower-case), ``SIPDIS`` and caveat lines, ``E.O.``, ``TAGS``, ``SUBJECT``, ``REF``,
``Classified By``, the numbered paragraphs in sequence (``¶1.``, ``1.``, ``1.(C)``, ``1. (SBU)``),
dashed section headings and the signer; page-break debris (``NEW DELHI 00006999 002 OF 003``,
``PAGE 02 ATHENS 02959 171944Z``) is taken out. The result is handed to the telegram parser as
if the copy had never been flattened. Pure text in, text out.
"""

from __future__ import annotations

import re
from collections import Counter

from .paragraph_numbers import SENTENCE_END, paragraph_starts
from .routing import DTG_IN_TEXT, HEAD_TOKENS, glued, head_break
from .subject import cut_subject, join_subject

FLAT_LINE = 320
"""A line this long (telegram lines are under 80 characters) means the copy was flattened."""

_SPACES = (("\u00a0", " "), ("\u2009", " "), ("\u202f", " "), ("\u200b", ""))
"""Only spacing is normalised: the copy's own characters (curly quotes, dashes) are its text."""

_CLS_WORD = (r"(?:TOP\s+SECRET|S\s?E\s?C\s?R\s?E\s?T|C\s?O\s?N\s?F\s?I\s?D\s?E\s?N\s?T\s?I\s?A\s?L|"
             r"U\s?N\s?C\s?L\s?A\s?S(?:\s?S\s?I\s?F\s?I\s?E\s?D)?|LIMITED\s+OFFICIAL\s+USE(?:\s+ONLY)?)")
# The banner: classification [caveat] [SECTION n OF m] POST SERIAL (post: 1-4 words).
_BANNER = re.compile(
    r"(?<![a-z/])(?i:" + _CLS_WORD + r")(?:\s*//?\s*(?:NOFORN|NF|SBU|FOUO|ORCON|EXDIS|NODIS|LIMDIS))?"
    r"(?:\s+(?:EFTO|NOFORN|EXDIS|NODIS|LIMDIS|SENSITIVE|STADIS))*"
    r"(?:\s+(?i:SECTION)\s+\d{1,2}\s+(?i:OF)\s+\d{1,2})?"
    r"\s+(?P<post>(?i:[A-Z][A-Z'.]*(?:\s+[A-Z][A-Z'.]*){0,3}))\s+(?P<serial>\d{1,7})(?![\d/.:-]|\s+(?:OF|PAGE)\b)"
)
_BANNER_STOP = frozenset(("OF", "THE", "AND", "FOR", "TO", "IN", "ON", "AT", "BY", "WITH", "PARA", "PARAGRAPH",
                          "SECTION", "REF", "REFTEL", "TEL", "NO", "PAGE", "USC", "CFR", "EO", "DECL", "TAGS"))

# Routing header parts, when the header was run together with spaces or with nothing at all.
# Preamble labels. ``E.O.`` only before the numbers of the orders that govern classification
# (a subject may name another: ``DESIGNATION … UNDER E.O. 13382``), or with its colon.
EO_ORDERS = r"1(?:1652|2065|2356|2958|3292|3526)\b"
_LABELS = re.compile(
    r"[ECTSRc](?<![A-Za-z][ECTSRc])(?:\.\s?O\.\s?(?:" + EO_ORDERS + r"|\d{4,5}\s*:)|O\s(?:" + EO_ORDERS + r")|AGS\s*:|AGS\s+[A-Z]{2,6},?\s+[A-Z]{2,6}\b|UBJE?C?T?\s*:|EFS?\s*:|"
    r"EFTELS?\s*:|EFERENCES?\s*:|lassified\s+By\s*:|LASSIFIED\s+BY\b)"
)
# The same labels in a copy written in lower case (``tags: prel, parm``), colon required.
_LABELS_ANY_CASE = re.compile(r"(?i)\b(?:e\.\s?o\.\s?(?:" + EO_ORDERS + r"|\d{4,5}\s*:)|tags\s*:|subj(?:ect)?\s*:|refs?\s*:|reftels?\s*:|"
                              r"classified\s+by\s*:)")
_PAGE_OF = re.compile(r" OF \d{3}\b")
_PAGE_HEAD = re.compile(r"PAGE\s+\d{2}\s+[A-Z][A-Z ]{1,30}?\s+\d{4,6}\s+\d{6}Z")
_SIPDIS = re.compile(r"SIPDIS\b")
# (each led by a literal or a set of words: a fast scan; a word's start is checked where it is used)
_CAVEAT_WORDS = re.compile(r"(NOFORN|EXDIS|NODIS|LIMDIS|STADIS|SENSITIVE|EFTO)\b\s*(?=[A-Z])")
_DASHES = re.compile(r"----*(?: +-+)*")
# A subject's continuation taken for a paragraph: a short upper-case chunk right before a label.
_SUBJECT_TAIL = re.compile(r"^(SUBJE?C?T?\s*:[^\n]*(?:\n[ ]*[^\s][^\n]*)*)[ ]*\n[ ]*\n\s*"
                           r"(?!SUMMARY|BEGIN|COMMENT|REF|CLASSIFIED)([^a-z\n]{2,120}?)[ ]*\n[ ]*\n\s*"
                           r"(?=REF|Classified|CLASSIFIED|¶|\d{1,2}\.|-{3})", re.M)
# A TAGS field wrapped onto an indented line that the copy's spacing made a block of its own.
_TAGS_TAIL = re.compile(r"^(TAGS\b[^\n]*)[ ]*\n[ ]*\n\s*([A-Z][A-Z0-9]{1,11}(?:[,.]?[ ]+[A-Z][A-Z0-9]{1,11}){0,29}[,.]?[ ]*)\n[ ]*\n\s*(?=SUBJ|Subj)",
                        re.M)
_HEADING = re.compile(r"---(?<!----)-*+[ \n-]*+((?:[^\-¶\n]|(?<=\w)-(?=\w)){2,80}?)[ \n]*+-{3,}+[ -]*+")
_BACKSLASH_BREAK = re.compile(r"(?<=\s)\\(?=\s|$)")
_RUNS = re.compile(r"  +")  # (a literal prefix: several times faster than `` {2,}``)
_MARK_GAP = re.compile(r"\.(?<=\d\.)  +(?=\()")
_SIGNER = re.compile(r"(?<=[.!?\"')])\s+(?P<s>[A-Z][A-Z.'\-]+(?:\s[A-Z][A-Z.'\-]+){0,2})\s*(?:\s(?:BT|NNNN|#\d{3,5}))*\s*$")
_COLON_AFTER = re.compile(r"\s*:")
_SUBJECT_LINE = re.compile(r"^(SUBJE?C?T?\s*:\s*)(.*)$", re.M)


def _debris_start(text: str, i: int, post_words: list[str]) -> int | None:
    """Where a page-break line ending at ``i`` (just before `` OF 003``) begins: the post, a
    serial of 8 digits, a page number (``NEW DELHI 00006999 002``); None when that is not it."""
    w = text[max(0, i - 80): i]
    base = i - len(w)
    parts = w.rsplit(None, 2)
    if len(parts) < 3:
        return None
    serial, page = parts[1], parts[2]
    if not (len(serial) == 8 and serial.isdigit() and page[:3].isdigit() and len(page) in (3, 5, 6)):
        return None
    end = base + w.rfind(serial)
    k = end
    while k > 0 and text[k - 1] in " \n":
        k -= 1
    start = _post_before(text, k, post_words)
    if start is None and len(" ".join(post_words)) > 10:
        # the print's page header holds the post's first ten letters (``VLADIVOSTO``, ``OUAGADOUGO``)
        start = _post_before(text, k, " ".join(post_words)[:10].split())
    return start


def _post_before(text: str, k: int, post_words: list[str]) -> int | None:
    """Where the post (or its last words: ``RPO DUBAI`` → ``DUBAI``) ending at ``k`` begins."""
    start = None
    for word in reversed(post_words):
        if text[max(0, k - len(word)): k].upper() != word or text[k - len(word) - 1: k - len(word)].isalpha():
            break
        start = k = k - len(word)
        while k > 0 and text[k - 1] in " \n":
            k -= 1
    return start


def _drop_page_debris(text: str, post: str | None = None) -> str:
    """Take out page-break lines (``NEW DELHI 00006999 002 OF 003``, ``PAGE 02 ATHENS 02959 171944Z``).
    ``post``: the banner's post, so that only it is taken for the line's start (the words before
    it are the text's: ``… WITH THE EU POLITICAL DIRECTORS STOCKHOLM 00000418 001.2 OF 006``);
    without it, the one word before the serial."""
    if " OF " in text:
        cuts = []
        for m in _PAGE_OF.finditer(text):
            words = post.upper().split() if post else None
            if not words:
                w = text[max(0, m.start() - 80): m.start()].rsplit(None, 3)
                words = [w[0].upper()] if len(w) == 4 and w[0].isalpha() else []
            a = _debris_start(text, m.start(), words) if words else None
            if a is not None:
                cuts.append((a, m.end()))
        if cuts:
            parts, last = [], 0
            for a, b in cuts:
                if a >= last:
                    parts.append(text[last:a])
                    last = b
            parts.append(text[last:])
            text = " ".join(parts)
    if "PAGE " in text:
        text = _PAGE_HEAD.sub(" ", text)
    return text


def _underlined(body: str) -> str:
    """Underlined headings (``Summary -------``) on lines of their own, as dashed ones are."""
    if "---" not in body:
        return body
    out, last = [], 0
    for m in _DASHES.finditer(body):
        a = m.start()
        if body[a - 1: a] == "\n" and body[m.end(): m.end() + 1] == "\n":
            continue  # a dashed heading's line, already in place
        after = body[m.end(): m.end() + 8].lstrip(" \n")
        if after[:1] not in "¶0123456789" or not after:
            continue  # a heading stands over a numbered paragraph (``A.`` subparagraphs stay inside it)
        k = a
        while k > 0 and body[k - 1] in " \n":
            k -= 1
        j = k
        while j > 0 and k - j < 70 and body[j - 1] not in '.;"\n!?¶-' and (body[j - 1] != ":" or body[j] not in " \n"):
            j -= 1
        words = body[j:k].split()
        if 1 <= len(words) <= 8 and words[0][:1].isupper() and j >= last:
            out.append(body[last:j].rstrip(" "))
            out.append("\n\n" + " ".join(words) + "\n--------\n\n")
            last = m.end()
    out.append(body[last:])
    return "".join(out)


_MARKS = re.compile(r"(?:¶\s*\d{1,3}\s*\.|\b\d{1,3}\.\s?\((?:U|SBU|C|S|TS|FOUO|[CSU]/[A-Z]+)\))")


_BANNER_WORDS = ("UNCLAS", "CONFIDENTIAL", "SECRET", "C O N F", "S E C R", "U N C L", "LIMITED OFFICIAL",
                 "nclas", "onfidential", "ecret")


def _run_together(line: str) -> bool:
    """Does this long line hold what a telegram puts on several: a preamble label after other text,
    a routing header or the banner run into text, or more than one numbered paragraph? (A
    paragraph kept on one line by a newspaper does not.) Cheap ``in`` tests guard each pattern."""
    s = line.strip()
    if _LABELS.search(s, 1):
        return True
    if ("ags:" in s or "ubj" in s or "lassified by" in s or "e.o." in s) and _LABELS_ANY_CASE.search(s, 1):
        return True
    if "FM " in s and DTG_IN_TEXT.search(s):
        return True  # a routing header run into text
    if any(w in s for w in _BANNER_WORDS) and _banner(s, 1) is not None:
        return True
    return _two_marks(s)


_MARK_AFTER = re.compile(r"\((?:U|SBU|C|S|TS|FOUO|[CSU]/[A-Z]{1,6}|SBU/NF)\)")


def _mark_mid_line(text: str) -> bool:
    """A numbered paragraph's mark after the end of a sentence inside a line (``… end. 4. (C) …``,
    ``… end. ¶4. …``): found by ``str.find`` on ``. (`` and ``¶`` (a fast scan)."""
    i = text.find(". (")
    while i >= 0:
        j = i
        while j > 0 and text[j - 1].isdigit():
            j -= 1
        if 0 < i - j <= 3:
            k = j - 1 if text[j - 1: j] != "¶" else j - 2
            if text[k: k + 1] == " " and (text[k - 1: k] not in ("\n", "") and _MARK_AFTER.match(text, i + 2)):
                return True  # ``… end.  2. (SBU) …``, ``… FRAMEWORK 2. (SBU) …``: a portion-marked paragraph mid-line
        i = text.find(". (", i + 3)
    i = text.find("¶")
    while i >= 0:
        if i > 1 and text[i - 1] == " " and text[i - 2] in SENTENCE_END and text[i + 1: i + 2].isdigit():
            return True
        i = text.find("¶", i + 1)
    return False


def _two_marks(s: str) -> bool:
    n = 0
    for _ in _MARKS.finditer(s):
        n += 1
        if n > 1:
            return True
    return False


def is_flattened(text: str, lines: list[str] | None = None) -> bool:
    """Does ``text`` look like a cable whose line breaks were removed (a line over ``FLAT_LINE``
    holding what belongs on several), or whose routing header was run together
    (``…DEC 09FM AMEMBASSY BERLINTO RUEHC/…``)? ``lines``: ``text.split("\n")`` when the caller has it."""
    if lines is None:
        lines = text.split("\n")
    lens = list(map(len, lines))
    longest = max(lens)
    if longest <= 80:
        return False  # every line as a telegram's
    if len(lines) <= 3 and longest <= FLAT_LINE:
        return any(n > 80 and _run_together(ln) for ln, n in zip(lines, lens))  # a short cable on one line
    if longest > FLAT_LINE:
        if len(lines) * 1000 < len(text):
            return True  # next to no line breaks at all
        long_lines = [ln for ln, n in zip(lines, lens) if n > FLAT_LINE]
        # Labels at the start of lines (a newspaper's one-paragraph-a-line page): only paragraphs
        # run together count. Else the first long lines tell: a flattened copy runs its header
        # and preamble together at the top.
        top = text[:6000]
        if not ("\nSUBJ" in top or "\nTAGS" in top or "\nSubj" in top) \
                and any(_run_together(ln) for ln in long_lines[:2]):
            return True
        if _mark_mid_line(text):
            return True  # paragraphs run together further down (``… end. ¶4. (C) …``)
    # A header run together makes a long line near the top (telegram lines are under 80).
    k = text.count("\n", 0, 3000) + 1
    if max(lens[:k]) > 80:
        for ln, n in zip(lines[:k], lens[:k]):
            if n > 80 and ("FM " in ln or "TO R" in ln or "INFO " in ln or any(w in ln for w in _BANNER_WORDS)):
                return glued(text)
    return False


def _banner(text: str, start: int) -> re.Match | None:
    """The classification banner (post and serial) at or after ``start``, skipping look-alikes."""
    pos = start
    while True:
        m = _BANNER.search(text, pos)
        if not m:
            return None
        words = m.group("post").split()
        # A post is a place: not a function word (``SECRET TO THE 2009``), at most 4 words.
        while words and words[0].upper() in _BANNER_STOP:
            words = words[1:]
        if words and words[-1].upper() not in _BANNER_STOP and (
                len(m.group("serial")) >= 3 or _LABELS.match(text, m.end()) or _SIPDIS.match(text, m.end())):
            return m
        pos = m.end()


def banner_start(text: str) -> int:
    """Where a classification banner with post and serial begins in ``text`` after its start
    (a second copy run into a line: ``SUBJECT: … TRAF... UNCLAS YEREVAN 000494``), else -1."""
    b = _banner(text, 0)
    return b.start() if b and b.start() > 0 else -1


def _space_hints(text: str) -> str:
    """Runs of spaces where a copy had line breaks: when runs come in several lengths, or in one
    length as frequent as line breaks are (a line every ~70 characters), the commonest and
    shorter ones were line breaks and longer ones blank lines; runs of one length, rare, stand for blank lines
    (``NEW DELHI 006999  SIPDIS  E.O. 12958``)."""
    if text.count("\n") * 2000 > len(text):
        return text  # the copy kept line breaks of its own (paragraphs): runs are just spacing
    runs = Counter(map(len, _RUNS.findall(text)))
    if not runs:
        return text
    common = max(runs, key=runs.__getitem__)
    if "(" in text:
        text = _MARK_GAP.sub(". ", text)  # inside a paragraph mark: ``1.  (C)``
    if len(runs) > 1 or runs[common] * 300 >= len(text):
        if common >= 4 and (runs[common] * 100 < len(text) or max(map(len, _RUNS.split(text))) > 200):
            # Too rare for line breaks (a line every ~70 characters), or text runs on for longer
            # than a line between them, and as long as a blank line with the spaces around it
            # (``LEBANON \n \nREF`` → four): a blank line, and so are longer runs.
            common = 3
        text = re.sub(" " * (common + 1) + "+", "\n\n", text)
        for n in range(common, 1, -1):  # what runs are left are line breaks (str.replace: C speed)
            text = text.replace(" " * n, "\n")
        return text
    return _RUNS.sub("\n\n", text)


# The end of a ``Classified By:`` line: its reasons (``reasons 1.4 (b) and (d).``, ``1.5(B),(D)``).
CLBY_REASONS = re.compile(
    r"1\.[45]\s*(?:\(\s*[a-hA-H](?:\s*[,&]?\s*(?:(?i:and)\s+)?[a-hA-H]\b)*\s*\)|[a-hA-H]\b(?:\s*,\s*[a-hA-H]\b)*)"
    r"(?:\s*(?:,|(?i:and)|&)\s*(?:\(\s*[a-hA-H]\s*\)|[a-hA-H]\b))*\.?"
)
_PREAMBLE = 4000
"""Characters after the banner where the preamble's labels are looked for (E.O. … REF … Classified By)."""


def _preamble(body: str) -> str:
    """The preamble's labels on lines of their own, caveats before them, SUBJECT and TAGS whole."""
    pre = body[:_PREAMBLE]
    labels = _LABELS if "TAGS" in pre or "SUBJ" in pre else _LABELS_ANY_CASE
    lab = labels.search(pre)
    pre_end = lab.start() if lab else 0
    if pre_end:
        pre = _caveats_apart(pre[:pre_end]) + pre[pre_end:]
    if "Classified By" in pre:
        pre = _unglue_classified_by(pre)  # ``…VISIT TO CAIROClassified By:``
    pre = labels.sub(lambda m: "\n\n" + m.group(0), pre)
    i = _line_start(pre, "SUBJ")
    if i >= 0:
        nxt = labels.search(pre, i + 4)
        pre = join_subject(pre, i, nxt.start() if nxt else len(pre))
    m = _SUBJECT_LINE.match(pre, i) if i >= 0 else None
    if m and len(m.group(2)) > 60:
        b = banner_start(m.group(2))
        if b > 0:  # a second copy's banner run into the subject (a page holding two copies)
            pre = pre[: m.start(2) + b] + "\n\n" + pre[m.start(2) + b:]
            m = _SUBJECT_LINE.match(pre, i)
        pre = pre[: m.start()] + cut_subject(m.group(1), m.group(2)) + pre[m.end():]
    cl = pre.find("lassified By")
    if cl < 0:
        cl = pre.find("LASSIFIED BY")
    if cl >= 0:
        r = CLBY_REASONS.search(pre, cl, cl + 400)
        if r and "\n\n" not in pre[cl: r.end()]:
            pre = pre[: r.end()] + "\n\n" + pre[r.end():].lstrip(" ")
    # (each rule tried only at its label's line: a line-anchored pattern scanned over the whole
    # preamble costs as much as the rest of it)
    i = _line_start(pre, "TAGS")
    m = _TAGS_TAIL.match(pre, i) if i >= 0 else None
    if m:
        pre = pre[: m.start()] + m.group(1) + " " + m.group(2) + "\n\n" + pre[m.end():]
    i = _line_start(pre, "SUBJ")
    m = _SUBJECT_TAIL.match(pre, i) if i >= 0 else None
    if m:
        pre = pre[: m.start()] + m.group(1) + "\n" + m.group(2) + "\n\n" + pre[m.end():]
    return pre


def _unglue_classified_by(pre: str) -> str:
    """A space before ``Classified By:`` run onto a capital (``…TO CAIROClassified By:``); found by
    ``str.find`` (a fast scan)."""
    out, last = [], 0
    i = pre.find("Classified By")
    while i >= 0:
        if i and "A" <= pre[i - 1] <= "Z" and _COLON_AFTER.match(pre, i + 13):
            out.append(pre[last:i])
            last = i
        i = pre.find("Classified By", i + 13)
    if not out:
        return pre
    out.append(pre[last:])
    return " ".join(out)


def _caveats_apart(text: str) -> str:
    """Caveat words (``NOFORN``, ``SENSITIVE`` …) on lines of their own, the spaces around them taken."""
    out, last = [], 0
    for m in _CAVEAT_WORDS.finditer(text):
        a = m.start()
        c = text[a - 1: a]
        if c.isalnum() or c == "_":
            continue  # inside a word
        while a > last and text[a - 1].isspace():
            a -= 1
        out.append(text[last:a])
        out.append("\n" + m.group(1) + "\n")
        last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _line_start(text: str, label: str) -> int:
    """Where the first line starting with ``label`` begins, or -1."""
    if text.startswith(label):
        return 0
    i = text.find("\n" + label)
    return i + 1 if i >= 0 else -1


def reflow(text: str) -> str:
    """Line breaks put back before every telegram convention found in ``text``."""
    if not text.isascii():
        for ch, to in _SPACES:
            if ch in text:
                text = text.replace(ch, to)
    text = text.replace("\r", "").replace("\t", " ")
    if "\\" in text:
        text = _BACKSLASH_BREAK.sub(" ", text)  # a dump's line continuations (``…\`` at each line end)
    hinted = _space_hints(text)
    one_line = hinted is not text
    text = hinted
    b = _banner(text, 0)
    if b:
        head, body = text[: b.start()], _drop_page_debris(text[b.end():], b.group("post"))
        banner = " ".join(b.group(0).split())
    else:
        lab = _LABELS.search(text)
        cut = lab.start() if lab else 0
        head, body, banner = text[:cut], _drop_page_debris(text[cut:]), None
    # The routing header: each part on its own line.
    if head.strip():
        head = DTG_IN_TEXT.sub(lambda m: "\n" + m.group("dtg") + "\n", head)
        head = HEAD_TOKENS.sub(head_break, head)
    if not one_line and body.count("\n") >= 4 and max(map(len, body.split("\n"))) <= 100:
        # Only the routing header was run together: the body keeps its own lines.
        out = head.rstrip() + "\n" + (banner + "\n" if banner else "") + body.lstrip(" ")
        return out
    # Body: SIPDIS and caveats, labels, headings, paragraphs, signer.
    if "SIPDIS" in body:
        body = _SIPDIS.sub("\n\nSIPDIS\n\n", body)
    body = _preamble(body) + body[_PREAMBLE:] if len(body) > _PREAMBLE else _preamble(body)
    body = _HEADING.sub(lambda m: "\n\n--------\n" + m.group(1).strip() + "\n--------\n\n", body)
    body = _underlined(body)
    subj = body.find("SUBJ")
    if subj < 0:
        sm = _LABELS_ANY_CASE.search(body)
        subj = sm.start() if sm else 0
    starts = paragraph_starts(body, max(subj, 0))
    if starts:
        parts = []
        last = 0
        for s in starts:
            parts.append(body[last:s].rstrip(" "))
            last = s
        parts.append(body[last:])
        body = "\n\n".join(parts)
    sig = _SIGNER.search(body[-200:])
    if sig:
        k = len(body) - 200 + sig.start("s") if len(body) > 200 else sig.start("s")
        body = body[:k].rstrip() + "\n\n" + body[k:].strip()
    out = head.rstrip() + "\n" + (banner + "\n\n" if banner else "") + body.lstrip(" ")
    return "\n".join(map(str.strip, out.split("\n")))


__all__ = ["CLBY_REASONS", "FLAT_LINE", "banner_start", "is_flattened", "reflow"]
