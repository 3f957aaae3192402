"""Where the numbered paragraphs of a flattened cable begin: numbers in sequence 1, 2, 3 …
(``¶1.``, ``1.``, ``1.(C)``, ``1. (SBU)``), a number out of sequence or in mid-sentence being the
text's (``in 2. quarter``, ``scheduled for Nov. 8.``), WikiLeaks' ``¶`` after a sentence's end a
paragraph whatever its number. Used by ``reflow`` and by the telegram parser for paragraphs a
copy ran into one long line. Pure text in, positions out."""

from __future__ import annotations

import re

_PARA = re.compile(
    r"[¶\d](?:(?<=¶)\s*(?P<pnum>\d{1,3})|(?<=\d)(?<![^\s]\d)(?P<num>\d{0,2}))\s*\.(?!\d)\s*"
    r"(?P<mark>\(\s*(?:U|SBU|C|S|TS|FOUO|NF|[CSU](?:\s*/\s*[A-Z]+)+|SBU\s*/\s*NF|[CSU]\s*-\s*ENTIRE\s+TEXT)\s*\))?"
)
SENTENCE_END = frozenset('.:;"\')!?')
_ABBREVIATIONS = frozenset(("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
                            "No", "Nos", "no", "Para", "Paras", "para", "paras", "Art", "Sec", "Vol", "p", "pp"))


def _para_at(text: str, m: re.Match | None, expected: int, first: bool) -> int | None:
    """The paragraph number ``m`` starts when it is one in sequence here, else None."""
    if m is None:
        return None
    pil = m.group("pnum") is not None
    num = int(m.group("pnum") if pil else text[m.start()] + m.group("num"))
    marked = bool(m.group("mark")) or pil
    j = m.start() - 1
    while j >= 0 and text[j] in " \n":
        j -= 1
    ended = j < 0 or text[j] in SENTENCE_END or text[j] == "-"
    if ended and text[j] == "." and text[max(0, j - 6): j].rpartition(" ")[2] in _ABBREVIATIONS:
        ended = False  # ``scheduled for Nov. 8.``: a date, not a sentence's end
    if num == expected and (ended or marked) or marked and ended and (num == expected + 1 or first):
        return num
    if pil and (j < 0 or text[j] in SENTENCE_END or m.group("mark")):
        return num  # WikiLeaks' ``¶`` begins a paragraph whatever its number (a quoted text numbered anew)
    return None


def paragraph_starts(text: str, start: int) -> list[int]:
    """Where the numbered paragraphs begin, in sequence 1, 2, 3 … (a number out of sequence or
    in mid-sentence is text: ``in 2. quarter``; a portion mark or ¶ makes a number surer).
    After the first, only the next two numbers are looked for (``str.find``: a fast scan)."""
    out: list[int] = []
    expected = 1
    pos = start
    for m in _PARA.finditer(text, start):  # the first: any number when marked (partial extracts)
        num = _para_at(text, m, expected, True)
        if num is not None:
            out.append(m.start())
            expected, pos = num + 1, m.end()
            break
    else:
        return out
    while True:
        best = None
        for key in (str(expected) + ".", str(expected + 1) + "."):
            # (the next number is looked for only before the one already found, give or take a ¶)
            end = best[0] + 8 if best is not None else len(text)
            p = text.find(key, pos, end)
            while p >= 0:
                q = p - 1 if text[p - 1: p] == "¶" else p
                while q > 0 and text[q - 1] == " " and text[q - 2: q - 1] == "¶":
                    q -= 2
                if text[p - 1: p] in (" ", "\n", "¶", "") and not text[p + len(key): p + len(key) + 1].isdigit() \
                        and (p or not pos):
                    m = _PARA.match(text, q)
                    num = _para_at(text, m, expected, False) if m and m.end() > p else None
                    if num is not None:
                        if best is None or q < best[0]:
                            best = (q, num, m.end())
                        break
                p = text.find(key, p + 1, end)
                if best is not None and p > best[0]:
                    break
        p = text.find("¶", pos, best[0] if best is not None else len(text))
        while p >= 0 and (best is None or p < best[0]):
            m = _PARA.match(text, p)
            num = _para_at(text, m, expected, False) if m and m.group("pnum") else None
            if num is not None:
                best = (p, num, m.end())
                break
            p = text.find("¶", p + 1, best[0] if best is not None else len(text))
        if best is None:
            return out
        out.append(best[0])
        expected, pos = best[1] + 1, best[2]


__all__ = ["SENTENCE_END", "paragraph_starts"]
