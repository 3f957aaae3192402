"""A cable republished inside a news article, blog post or feed entry → cable record.

Blogs flatten cables: the metadata becomes ``Reference ID: … Created: … Released: …
Classification: …``, paragraphs run together (``¶9. (SBU)`` mid-line), dashed section
headings turn into em dashes (``——- Summary ——-``), quotes become curly, and ``SIPDIS`` and
page-break lines (``MEXICO 00000983 002 OF 003``) end up inline. This module undoes that:
it normalises the typography, puts paragraph marks and headings back on lines of their own,
drops the debris, cuts the aggregator's chrome around the post, and hands the result to the
telegram parser with the metadata the post states.

Input may be plain text or HTML (tags are dropped, block elements become line breaks).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from ..record import Cable
from .telegram import parse_text

_REF_BLOCK = re.compile(
    r"Reference\s+ID\s*:\s*(?P<ref>\d{2,4}[A-Z][A-Z-]*\d+)\s*"
    r"(?:Created\s*:\s*(?P<created>\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2})?)\s*)?"
    r"(?:Released\s*:\s*(?P<released>\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2})?)\s*)?"
    r"(?:Classification\s*:\s*(?P<cls>(?:TOP\s+)?(?:UNCLASSIFIED|CONFIDENTIAL|SECRET)(?://[A-Z][A-Z ]*[A-Z])?)\s*)?"
    r"(?:Origin\s*:\s*(?P<origin>[A-Z][^\n]{2,60}?)\s*(?:\n|$))?",
)
# Where an aggregator's or blog's chrome resumes after the post.
_CHROME = re.compile(
    r"^[ \t]*+(?:Viewing all articles|Browse latest|Latest Images|Leave a (?:comment|reply)|Share this:|"
    r"Related posts|Posted in |Filed under|(?-i:Tags:)\s|Comments? \(\d+\)|« Previous|Next »)",
    re.I | re.M,
)
_TYPO = str.maketrans({
    "\u2014": "-", "\u2013": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " ",
    "\u2009": " ", "\u202f": " ", "\u200b": "",
})
_PARA_MARK = re.compile(
    r"(?<!\s)\s*+(¶\s*\d{1,3}\s*\.|(?<![\d.,$])\b\d{1,3}\.\s{1,4}\((?:U|SBU|C|S|TS|FOUO|[CSU]/[A-Z/]+|SBU/NF)\))"
)
_HEADING = re.compile(r"(?<!-)-{2,}+[ \t]*+\n?\s*+((?:[^\-¶\n]|(?<=\w)-(?=\w)){2,80}?)\s*+-{2,}")
_DANGLING_DASHES = re.compile(r"(?<=[^\s\-])[ \t]*+-{4,}+[ \t]*+(?=\n|$)")
_PAGE_BREAK = re.compile(r"(?<!\s)\s*+\b[A-Z][A-Z .']{1,30}?\s++\d{8}\s++\d{3}(?:\.\d{1,2})?\s++OF\s++\d{3}\b\s*+")
_SIPDIS = re.compile(r"(?<!\s)\s*+\bSIPDIS\b\s*+")
_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/h\d|/li|/blockquote|/pre|/tr)\b[^>]*>", re.I)


def looks_like(text: str) -> bool:
    return bool(re.search(r"Reference\s+ID\s*:\s*\d{2,4}[A-Z]", text))


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, block elements as line breaks."""
    html = _BLOCK_TAGS.sub("\n", html)
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript"):
        node.decompose()
    body = tree.body or tree.root
    return body.text(separator="") if body is not None else ""


def _normalise(text: str) -> tuple[str, bool]:
    text = text.translate(_TYPO)
    sipdis = bool(_SIPDIS.search(text))
    text = _SIPDIS.sub(" ", text)
    text = _PAGE_BREAK.sub(" ", text)
    # Dashed section headings back on lines of their own.
    text = _HEADING.sub(lambda m: "\n\n" + "-" * 8 + "\n" + m.group(1).strip() + "\n" + "-" * 8 + "\n\n", text)
    text = _DANGLING_DASHES.sub("", text)
    # Every paragraph mark starts a line.
    text = _PARA_MARK.sub(lambda m: "\n\n" + m.group(1), text)
    return text, sipdis


def _cable_from(segment: str, meta: dict) -> Cable:
    text, sipdis = _normalise(segment)
    c = parse_text(text, meta)
    c.sipdis = c.sipdis or sipdis
    # Flattened copies lose line breaks inside paragraphs: present them as one line each.
    for p in c.paragraphs:
        p.text = " ".join(p.text.split())
    return c


def parse(text: str) -> list[Cable]:
    if "<" in text and re.search(r"<(?:p|div|br|html|body|article)\b", text, re.I):
        text = html_to_text(text)
    blocks = list(_REF_BLOCK.finditer(text))
    cables = []
    for i, m in enumerate(blocks):
        end = blocks[i + 1].start() if i + 1 < len(blocks) else len(text)
        seg = text[m.end(): end]
        chrome = _CHROME.search(seg)
        if chrome:
            seg = seg[: chrome.start()]
        created = m.group("created")
        meta = {
            "ref_id": m.group("ref"),
            "created": created if created and len(created) > 10 else (created + " 00:00" if created else None),
            "released": m.group("released"),
            "classification": " ".join(m.group("cls").split()) if m.group("cls") else None,
            "origin": m.group("origin"),
        }
        cables.append(_cable_from(seg, {k: v for k, v in meta.items() if v}))
    if not cables:
        # No metadata block: a telegram pasted into the article as it was.
        c = _cable_from(text, {})
        if c.ref_id:
            cables.append(c)
    return cables
