"""Ways real copies flatten a cable, applied to clean telegram text (for bench/fidelity.py
``--set flattened`` and tests/test_flattened.py): each takes the text of a cable as the
cablegate page gives it (routing header + body) and returns it as a copy would hold it."""

from __future__ import annotations

import re

_BANNER = re.compile(r"^(\s*)(UNCLAS(?:SIFIED)?|CONFIDENTIAL|SECRET)(?=\s)", re.M)
_SPACED = re.compile(r"^\s*(?:C O N F I D E N T I A L|S E C R E T|U N C L A S)", re.M)


def one_space(text: str) -> str:
    """Every line break to one space (a JSON export, a copy-paste into a form)."""
    return text.replace("\r", "").replace("\n", " ")


def two_spaces(text: str) -> str:
    """Every line break to two spaces (some blog engines)."""
    return text.replace("\r", "").replace("\n", "  ")


def paragraphs_kept(text: str) -> str:
    """Blank lines kept, the lines of each paragraph joined (a copy re-wrapped by an editor)."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r", ""))
    return "\n\n".join(" ".join(ln.strip() for ln in b.split("\n") if ln.strip()) for b in blocks)


def header_run_together(text: str) -> str:
    """The routing header's lines joined with nothing at all, and run into the banner."""
    lines = text.replace("\r", "").split("\n")
    for k, ln in enumerate(lines):
        if _BANNER.match(ln) or _SPACED.match(ln):
            break
    else:
        return text
    return "".join(ln.strip() for ln in lines[:k]) + "\n".join(lines[k:])


def letter_spaced(text: str) -> str:
    """The banner letter-spaced (``C O N F I D E N T I A L``), the whole flattened to one line."""
    def space(m: re.Match) -> str:
        return m.group(1) + " ".join(m.group(2))
    return one_space(_BANNER.sub(space, text, count=1))


FLATTENINGS = {
    "one space": one_space,
    "two spaces": two_spaces,
    "paragraphs kept": paragraphs_kept,
    "header run together": header_run_together,
    "letter-spaced banner": letter_spaced,
}
