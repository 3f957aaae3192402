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

FLAT_LINE = 320
"""A line this long (telegram lines are under 80 characters) means the copy was flattened."""

_TYPO = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": ""})
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
_DTG = re.compile(r"(?P<dtg>(?:[ZOPR]\s?){1,2}\s*\d{6}Z\s+[A-Z]{3}\s+(?:\d{4}|\d{2}))(?=\s|FM\b|FM\s|$)")
_HEAD_BREAKS = re.compile(
    r"\s*(?=\bVZCZC|\bZNR\s|\bZNY\s|\bDE\s+R[UH][A-Z]{2,5}\b|\bACTION\s+[A-Z]{2,6}-\d{2}\b|\bPAGE\s+\d{2}\s)"
    r"|(?<=[A-Z\d])(?=DE\s+R[UH][A-Z]{2,5}\s+#\d|ZNY\s+[A-Z]{5}\b|ZNR\s+[A-Z]{5}\b)"
    r"|(?<=\d)\s*(?=FM\s+[A-Z])|(?<=[A-Z\d])\s*(?=FM\s+(?:AMEMBASSY|AMCONSUL|AMCONGEN|SECSTATE|USMISSION|USDEL|USINT|AIT|REO)\b)"
    r"|(?:(?<=\s)|(?<=[A-Z\d]))(?=TO\s+(?:R[UH][A-Z]{2,5}/|SECSTATE|AMEMBASSY|AMCONSUL|AMCONGEN|USMISSION|USDEL|"
    r"WHITE\s?HOUSE|SECDEF|CIA|DIA|NSC|JOINT|USCINC|CDR|DEPT))"
    r"|(?:(?<=\s)|(?<=[A-Z\d]))(?=INFO\s+(?:R[UH][A-Z]{2,5}/|[A-Z]{2,6}-\d{2}\b|AMEMBASSY|AMCONSUL|USMISSION|SECSTATE|"
    r"CIA|DIA|NSC|SECDEF|JOINT|WHITE\s?HOUSE|USCINC|CINC))"
    r"|(?<!TO)(?<!INFO)\s+(?=R[UH][A-Z]{2,5}/)|(?<=[A-Z\d])(?=R[UH][A-Z]{2,5}/[A-Z])"
    r"|(?<=[A-Z\d])(?=(?:AMEMBASSY|AMCONSUL|AMCONGEN|USMISSION|SECSTATE|USCINC|CINC)[A-Z]*\s)"
    r"|\s+(?=BT\b)|(?<=\s)(?=XMT\s)"
    r"|\s*(?=(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4},)"
    r"|(?<=\d{4},\s\d{2}:\d{2})\s*|(?<=original cable is not available\.)\s*"
)
# Preamble labels.
_LABELS = re.compile(
    r"[ECTSRc](?<![A-Za-z][ECTSRc])(?:\.\s?O\.\s?\d{4,5}|O\s1\d{4}|AGS\s*:|AGS\s+[A-Z]{2,6},?\s+[A-Z]{2,6}\b|UBJE?C?T?\s*:|EFS?\s*:|"
    r"EFTELS?\s*:|EFERENCES?\s*:|lassified\s+By\s*:|LASSIFIED\s+BY\b)"
)
# The same labels in a copy written in lower case (``tags: prel, parm``), colon required.
_LABELS_ANY_CASE = re.compile(r"(?i)\b(?:e\.\s?o\.\s?\d{4,5}|tags\s*:|subj(?:ect)?\s*:|refs?\s*:|reftels?\s*:|"
                              r"classified\s+by\s*:)")
_PAGE_OF = re.compile(r" OF \d{3}\b")
_PAGE_DEBRIS_TAIL = r"\s+\d{8}\s+\d{3}(?:\.\d{1,2})?\s*$"
_PAGE_DEBRIS = re.compile(r"[A-Z][A-Z .']{1,40}?" + _PAGE_DEBRIS_TAIL)
_PAGE_HEAD = re.compile(r"PAGE\s+\d{2}\s+[A-Z][A-Z ]{1,30}?\s+\d{4,6}\s+\d{6}Z")
_SIPDIS = re.compile(r"\s*SIPDIS\b")
_CAVEAT_WORDS = re.compile(r"\s*\b(NOFORN|EXDIS|NODIS|LIMDIS|STADIS|SENSITIVE|EFTO)\b\s*(?=[A-Z])")
_DASHES = re.compile(r"-{3,}(?: +-+)*")
# A subject's continuation taken for a paragraph: a short upper-case chunk right before a label.
_SUBJECT_TAIL = re.compile(r"^(SUBJE?C?T?\s*:[^\n]*(?:\n[ ]*[^\s][^\n]*)*)[ ]*\n[ ]*\n\s*"
                           r"(?!SUMMARY|BEGIN|COMMENT|REF|CLASSIFIED)([^a-z\n]{2,120}?)[ ]*\n[ ]*\n\s*"
                           r"(?=REF|Classified|CLASSIFIED|¶|\d{1,2}\.|-{3})", re.M)
# A TAGS field wrapped onto an indented line that the copy's spacing made a block of its own.
_TAGS_TAIL = re.compile(r"^(TAGS\b[^\n]*)[ ]*\n[ ]*\n\s*((?:[A-Z][A-Z0-9]{1,11}[,.]?[ ]*){1,30})\n[ ]*\n\s*(?=SUBJ|Subj)",
                        re.M)
_HEADING = re.compile(r"(?<!-)-{3,}+[ \n-]*+((?:[^\-¶\n]|(?<=\w)-(?=\w)){2,80}?)[ \n]*+-{3,}+[ -]*+")
_PARA = re.compile(
    r"[¶\d](?:(?<=¶)\s*(?P<pnum>\d{1,3})|(?<=\d)(?<![^\s]\d)(?P<num>\d{0,2}))\s*\.(?!\d)\s*"
    r"(?P<mark>\(\s*(?:U|SBU|C|S|TS|FOUO|NF|[CSU](?:\s*/\s*[A-Z]+)+|SBU\s*/\s*NF|[CSU]\s*-\s*ENTIRE\s+TEXT)\s*\))?"
)
_SENTENCE_END = frozenset('.:;"\')!?')
_RUNS = re.compile(r" {2,}")
_SIGNER = re.compile(r"(?<=[.!?\"')])\s+(?P<s>[A-Z][A-Z.'\-]+(?:\s[A-Z][A-Z.'\-]+){0,2})\s*(?:\s(?:BT|NNNN|#\d{3,5}))*\s*$")
_SUBJECT_LINE = re.compile(r"^(SUBJE?C?T?\s*:\s*)(.*)$", re.M)
_UPPER_WORD = re.compile(r"[^a-z]*[A-Z][^a-z]*$")


def _drop_page_debris(text: str, post: str | None = None) -> str:
    """Take out page-break lines (``NEW DELHI 00006999 002 OF 003``, ``PAGE 02 ATHENS 02959 171944Z``).
    ``post``: the banner's post, so that only it is taken for the line's start (the words before
    it are the text's: ``… WITH THE EU POLITICAL DIRECTORS STOCKHOLM 00000418 001.2 OF 006``)."""
    if " OF " in text:
        debris = _PAGE_DEBRIS
        if post:
            words = post.upper().split()
            alt = re.escape(words[-1])
            for w in reversed(words[:-1]):  # the post or its last words (``RPO DUBAI`` → ``DUBAI``)
                alt = f"(?:{re.escape(w)}\\s+)?" + alt
            debris = re.compile(alt + _PAGE_DEBRIS_TAIL)
        cuts = []
        for m in _PAGE_OF.finditer(text):
            d = debris.search(text, max(0, m.start() - 64), m.start())
            if d:
                cuts.append((d.start(), m.end()))
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
        k = a
        while k > 0 and body[k - 1] in " \n":
            k -= 1
        j = k
        while j > 0 and k - j < 70 and body[j - 1] not in '.;"\n!?¶-' and (body[j - 1] != ":" or body[j] not in " \n"):
            j -= 1
        words = body[j:k].split()
        after = body[m.end(): m.end() + 8].lstrip(" \n")
        # a heading over a numbered paragraph (``A.`` subparagraphs under one stay inside it)
        if 1 <= len(words) <= 8 and words[0][:1].isupper() and j >= last and after[:1] in "¶0123456789":
            out.append(body[last:j].rstrip(" "))
            out.append("\n\n" + " ".join(words) + "\n--------\n\n")
            last = m.end()
    out.append(body[last:])
    return "".join(out)


_GLUED = re.compile(
    r"Z\s+[A-Z]{3}\s+\d{2}FM\s|[A-Z\d](?:TO\s+R[UH][A-Z]{2,5}/|TO\s+SECSTATE\b|INFO\s+R[UH][A-Z]{2,5}/|INFO\s+AMEMBASSY\b)"
    r"|(?:PRIORITY|IMMEDIATE|ROUTINE|[A-Z]{2,}\s\d{3,4})(?:S E C R E T|C O N F I D|UNCLAS|CONFIDENTIAL|SECRET)\b"
)


def is_flattened(text: str) -> bool:
    """Does ``text`` look like a cable whose line breaks were removed (a line over ``FLAT_LINE``),
    or whose routing header was run together (``…DEC 09FM AMEMBASSY BERLINTO RUEHC/…``)?"""
    if _GLUED.search(text, 0, 3000):
        return True
    if len(text) < FLAT_LINE:
        return False
    start = 0
    n = len(text)
    while start < n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        if end - start > FLAT_LINE:
            return True
        start = end + 1
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


def _paragraph_starts(text: str, start: int) -> list[int]:
    """Where the numbered paragraphs begin, in sequence 1, 2, 3 … (a number out of sequence or
    in mid-sentence is text: ``in 2. quarter``; a portion mark or ¶ makes a number surer)."""
    out = []
    expected = 1
    for m in _PARA.finditer(text, start):
        pil = m.group("pnum") is not None
        num = int(m.group("pnum") if pil else text[m.start()] + m.group("num"))
        marked = bool(m.group("mark")) or pil
        i = m.start()
        j = i - 1
        while j >= 0 and text[j] in " \n":
            j -= 1
        ended = j < 0 or text[j] in _SENTENCE_END or text[j] == "-"
        if num == expected and (ended or marked) or marked and ended and (num == expected + 1 or not out):
            out.append(i)
            expected = num + 1
    return out


def _cut_subject(line_prefix: str, subj: str) -> str:
    """A SUBJECT run into the text after it: end it where an upper-case subject turns into
    mixed-case prose, or at a run of spaces (where the copy had a blank line)."""
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


def _space_hints(text: str) -> str:
    """Runs of spaces where a copy had line breaks: when runs come in several lengths, or in one
    length as frequent as line breaks are (a line every ~70 characters), the commonest and
    shorter ones were line breaks and longer ones blank lines; runs of one length, rare, stand for blank lines
    (``NEW DELHI 006999  SIPDIS  E.O. 12958``)."""
    if text.count("\n") * 2000 > len(text):
        return text  # the copy kept line breaks of its own (paragraphs): runs are just spacing
    runs: dict[int, int] = {}
    for r in _RUNS.findall(text):
        runs[len(r)] = runs.get(len(r), 0) + 1
    if not runs:
        return text
    common = max(runs, key=runs.__getitem__)
    as_lines = len(runs) > 1 or runs[common] * 300 >= len(text)

    def sub(m: re.Match) -> str:
        a, b = m.start(), m.end()
        if text[a - 1: a] == "." and text[a - 2: a - 1].isdigit() and text[b: b + 1] == "(":
            return " "  # inside a paragraph mark: ``1.  (C)``
        if as_lines and len(m.group()) <= common:
            return "\n"
        return "\n\n"

    return _RUNS.sub(sub, text)


def reflow(text: str) -> str:
    """Line breaks put back before every telegram convention found in ``text``."""
    if not text.isascii():
        text = text.translate(_TYPO)
    text = text.replace("\r", "").replace("\t", " ")
    hinted = _space_hints(text)
    one_line = hinted is not text
    b = _banner(hinted, 0)
    text = _drop_page_debris(hinted, b.group("post") if b else None)
    b = _banner(text, 0)
    if b:
        head, body = text[: b.start()], text[b.end():]
        banner = " ".join(b.group(0).split())
    else:
        lab = _LABELS.search(text)
        cut = lab.start() if lab else 0
        head, body, banner = text[:cut], text[cut:], None
    # The routing header: each part on its own line.
    if head.strip():
        head = _DTG.sub(lambda m: "\n" + m.group("dtg") + "\n", head)
        head = _HEAD_BREAKS.sub("\n", head)
    if not one_line and max(map(len, body.split("\n"))) <= 100:
        # Only the routing header was run together: the body keeps its own lines.
        out = head.rstrip() + "\n" + (banner + "\n" if banner else "") + body.lstrip(" ")
        return out
    # Body: SIPDIS and caveats, labels, headings, paragraphs, signer.
    if "SIPDIS" in body:
        body = _SIPDIS.sub("\n\nSIPDIS\n\n", body)
    labels = _LABELS if "TAGS" in body or "SUBJ" in body else _LABELS_ANY_CASE
    lab = labels.search(body)
    pre_end = lab.start() if lab else 0
    if pre_end:
        body = _CAVEAT_WORDS.sub(lambda m: "\n" + m.group(1) + "\n", body[:pre_end]) + body[pre_end:]
    body = labels.sub(lambda m: "\n\n" + m.group(0), body)
    body = _SUBJECT_LINE.sub(lambda m: _cut_subject(m.group(1), m.group(2)) if len(m.group(2)) > 60 else m.group(0),
                             body, count=1)
    body = _TAGS_TAIL.sub(lambda m: m.group(1) + " " + m.group(2) + "\n\n", body, count=1)
    body = _SUBJECT_TAIL.sub(lambda m: m.group(1) + "\n" + m.group(2) + "\n\n", body, count=1)
    body = _HEADING.sub(lambda m: "\n\n--------\n" + m.group(1).strip() + "\n--------\n\n", body)
    body = _underlined(body)
    subj = body.find("SUBJ")
    if subj < 0:
        sm = _LABELS_ANY_CASE.search(body)
        subj = sm.start() if sm else 0
    starts = _paragraph_starts(body, max(subj, 0))
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
    return "\n".join(ln.strip() for ln in out.split("\n"))


__all__ = ["FLAT_LINE", "is_flattened", "reflow"]
