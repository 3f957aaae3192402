"""Find the cables an article cites or embeds.

An article names a cable in several ways, all recognised here:

- a WikiLeaks link: ``cablegate.wikileaks.org/cable/2009/11/09BRASILIA1315.html``,
  ``wikileaks.org/cable/…``, ``wikileaks.ch/cable/…``, mirrors and relative links with the
  same path (``/cable/YYYY/MM/REFID.html``, the year of the path must match the ID's), and
  ``wikileaks.org/plusd/cables/09BRASILIA1315_a.html``;
- the canonical reference ID in text: ``07MEXICO983``;
- spaced forms: ``07 MEXICO 983``, ``BUENOS AIRES 2481`` and the page-header form
  ``MEXICO 00000983`` (a form without year needs the year from the article: the ``Reference ID``
  of a cable it embeds, or its ``Created:`` date; and it must be zero-padded or follow ``REF``);
- ``Reference ID: 07MEXICO983`` blocks, which mean the article republishes the cable.

No false links from ordinary numbers: the post must be a known US diplomatic post
(:mod:`cablebase.enrich.posts`), the year 66–99 or 00–10, the serial 1–9,999,999, and a
spaced form without year is taken only in the contexts above; year-like serials (1900–2029)
in spaced forms are refused.

``link_article`` adds the embedded case: when the text holds a republished cable it is parsed
with ``cablebase.parse.parse(text, fmt="article", location=url)`` and handed to an injected
``add_cable(cable, raw)`` so the archive gets it as a source (creating the cable if new).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from ..parse.refid import CFPF_YEARS, clean_alias
from .posts import MULTIWORD, POSTS, is_post

KIND_CITES = "cites"
KIND_EMBEDS = "embeds"

VALID_YEARS = frozenset([f"{y:02d}" for y in range(66, 100)] + [f"{y:02d}" for y in range(0, 11)])
SNIPPET_CHARS = 80


@dataclass(slots=True)
class CableLink:
    ref_id: str
    kind: str
    """``cites`` or ``embeds``."""
    offset: int
    """Character offset in the article text of the first mention (-1: only in a link's URL)."""
    snippet: str
    via: str
    """``url``, ``id``, ``spaced`` or ``reference``."""


_SP = r"[ \t\u00a0]"
_URL_RE = re.compile(
    r"(?:/cable/(\d{4})/(\d{2})/|/plusd/cables/)(\d{2}(?:\d{2})?[A-Za-z][A-Za-z0-9]{2,60}?\d{1,7})"
    r"(?:_[A-Za-z0-9]{1,4})?(?:\.html?)?(?![\w])"
)
_ID_RE = re.compile(r"(?<![A-Za-z0-9/_\-])(\d{2})([A-Z]{3,40})(\d{1,7})(?![A-Za-z0-9])")
_ODD_ID_RE = re.compile(r"(?<![A-Za-z0-9/_\-])(\d{4}[A-Z]{3,40}\d{1,7}|\d{2}[A-Z][A-Z0-9]{2,60}[A-Z]\d{1,7})"
                        r"(?:_[A-Za-z0-9]{1,4})?(?![A-Za-z0-9])")
"""Other names of cables in text: CFPF IDs (``1974ATHENS02959``, ``_b``) and WikiLeaks'
malformed IDs (``7575LIBREVILLE1895``, ``09SECTION01OF03SANJOSE525``)."""
_SPACED_RE = re.compile(
    rf"(?<![A-Za-z0-9.,/\-])(?:(\d{{2}}){_SP}{{1,3}})?((?:[A-Z]{{2,}}{_SP}){{0,4}}[A-Z]{{3,}}){_SP}{{1,3}}(\d{{1,8}})"
    r"(?![A-Za-z0-9]|[.,:/]\d)"
)
_HAS_ID = re.compile(r"\d\d[A-Z]{3}")
_HAS_SPACED = re.compile(r"[A-Z]{3}[ \t\u00a0]{1,3}\d")
# ASCII text mapped to its shape (digit → 9, A-Z → U, blank → space, else x): the two guards above
# become substring tests, ~6x faster than the regex scans (non-ASCII text uses the regexes).
_SHAPE = str.maketrans({**{i: "x" for i in range(128)}, **{ord(c): "9" for c in "0123456789"},
                        **{ord(c): "U" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, ord(" "): " ", ord("\t"): " "})


def _shapes(text: str) -> tuple[bool, bool]:
    """(``_HAS_ID`` matches, ``_HAS_SPACED`` matches) for ``text``."""
    if not text.isascii():
        return bool(_HAS_ID.search(text)), bool(_HAS_SPACED.search(text))
    t = text.translate(_SHAPE)
    if "UUU" not in t:
        return False, False
    return "99UUU" in t, ("UUU 9" in t or "UUU  9" in t or "UUU   9" in t)


_REFID_RE = re.compile(r"Reference\s*ID\s*[:|]?", re.I)
_CREATED_RE = re.compile(r"Created\s*[:|]?\s*(?:\w+\s+)?((?:19|20)\d\d)-\d\d-\d\d")
_REF_CONTEXT = re.compile(r"\b(?:REF|REFS|REFTEL|REFTELS|REFERENCE|REFERENCES|REF\s+[A-Z])\b[:.]?", re.I)
_EMBED_HINT = re.compile(r"\b(?:Created|Released|Classification|Origin|SUBJECT|CLASSIFIED\s+BY)\b|¶", re.I)
_CABLE_BODY_HINT = re.compile(r"\bSUBJECT\s*:.{0,3000}?(?:¶|\s)\s*1\.\s*\((?:U|C|S|SBU|S/NF|C/NF)\)", re.S)


def canonical(year: str, post: str, number: str | int) -> str | None:
    """``07MEXICO983`` from its parts, or None when it cannot be a cable ID."""
    if year not in VALID_YEARS or not is_post(post):
        return None
    try:
        n = int(number)
    except (TypeError, ValueError):
        return None
    if not 0 < n < 10_000_000:
        return None
    if post.startswith("EFTO") and post not in POSTS:
        post = post[4:]
    return f"{year}{post}{n}"


def parse_ref_id(s: str) -> str | None:
    """Normalise a written reference ID (``07MEXICO00983``, ``07mexico983``) or None."""
    m = re.fullmatch(r"\s*(\d{2})\s*([A-Za-z]{3,40})\s*0*(\d{1,7})\s*", s or "")
    if not m:
        return None
    return canonical(m.group(1), m.group(2).upper(), m.group(3))


def other_name_ref(name: str) -> str | None:
    """The reference ID a CFPF ID (1973–79: ``1974ATHENS02959_b`` → ``74ATHENS2959``) or one of
    WikiLeaks' malformed IDs (``7575LIBREVILLE1895`` → ``75LIBREVILLE1895``) stands for, or None."""
    s = name.upper()
    m = re.fullmatch(r"(\d{4})([A-Z]{3,40})0*(\d{1,7})(?:_[A-Z0-9]{1,4})?", s)
    if m and int(m.group(1)) in CFPF_YEARS:
        return canonical(m.group(1)[2:], m.group(2), m.group(3))
    clean = clean_alias(s)
    return parse_ref_id(clean) if clean else None


def _snippet(text: str, start: int, end: int) -> str:
    a = max(0, start - SNIPPET_CHARS)
    b = min(len(text), end + SNIPPET_CHARS)
    return " ".join(text[a:b].split())


def _post_of(words: str) -> str | None:
    parts = words.split()
    for i in range(len(parts)):  # longest suffix first
        cand = "".join(parts[i:])
        if is_post(cand):
            return cand
    return None


class _Found:
    def __init__(self):
        self.links: dict[str, CableLink] = {}

    def add(self, ref: str, kind: str, offset: int, snippet: str, via: str) -> None:
        cur = self.links.get(ref)
        if cur is None:
            self.links[ref] = CableLink(ref, kind, offset, snippet, via)
            return
        if kind == KIND_EMBEDS and cur.kind != KIND_EMBEDS:
            cur.kind = KIND_EMBEDS
            cur.via = via
        if offset >= 0 and (cur.offset < 0 or offset < cur.offset):
            cur.offset = offset
            cur.snippet = snippet


def _url_ref(m: re.Match) -> str | None:
    ref = parse_ref_id(m.group(3))
    if ref is None:
        # PlusD's 1974ATHENS02959_b, a malformed ID (``06SECTION01OF02HARARE628``): the cable's
        # clean name, else (a damaged post) the ID as the link's path has it.
        ref = other_name_ref(m.group(3)) or (m.group(3).upper() if m.group(1) else None)
    if ref and m.group(1) and m.group(1)[2:] != ref[:2]:
        return None  # /cable/2009/… must hold a 09… ID
    return ref


def find_cables(text: str = "", links: Iterable = (), *, year_hint: str | None = None) -> list[CableLink]:
    """Every cable named in ``text`` and in ``links`` (``HtmlLink``s of the article's HTML).

    Returned in order of first appearance; ``kind`` is ``embeds`` where a ``Reference ID``
    block shows the article republishes the cable, else ``cites``.
    """
    found = _Found()
    text = text or ""
    # 1. Links (href) — the article's own anchors.
    for ln in links:
        for href in (getattr(ln, "url", None), getattr(ln, "href", None)):
            if not href:
                continue
            m = _URL_RE.search(href)
            if m:
                ref = _url_ref(m)
                if ref:
                    off = getattr(ln, "offset", -1)
                    snip = _snippet(text, off, off + len(ln.text)) if off >= 0 else (ln.text or href)[:200]
                    found.add(ref, KIND_CITES, off, snip, "url")
                break
    if not text:
        return sorted(found.links.values(), key=lambda l: (l.offset < 0, l.offset))
    # 2. URLs written out in the text.
    if "/cable" in text:
        for m in _URL_RE.finditer(text):
            ref = _url_ref(m)
            if ref:
                found.add(ref, KIND_CITES, m.start(), _snippet(text, m.start(), m.end()), "url")
    # 3. Reference ID blocks: the article republishes a cable.
    years: list[str] = []
    for m in (_REFID_RE.finditer(text) if "eference" in text or "EFERENCE" in text else ()):
        window = text[m.end(): m.end() + 300]
        idm = _ID_RE.search(window)
        if not idm:
            continue
        ref = canonical(idm.group(1), idm.group(2), idm.group(3))
        if not ref:
            continue
        years.append(ref[:2])
        after = text[m.end(): m.end() + 1500]
        kind = KIND_EMBEDS if _EMBED_HINT.search(after) else KIND_CITES
        s = m.end() + idm.start()
        found.add(ref, kind, s, _snippet(text, m.start(), s + len(idm.group(0))), "reference")
    has_id, has_spaced = _shapes(text)
    # 4. Canonical IDs.
    for m in (_ID_RE.finditer(text) if has_id else ()):
        ref = canonical(m.group(1), m.group(2), m.group(3))
        if ref:
            found.add(ref, KIND_CITES, m.start(), _snippet(text, m.start(), m.end()), "id")
    for m in (_ODD_ID_RE.finditer(text) if has_id else ()):
        ref = other_name_ref(m.group(1))
        if ref:
            found.add(ref, KIND_CITES, m.start(), _snippet(text, m.start(), m.end()), "id")
    # 5. Spaced forms.
    year_ctx = year_hint or (years[0] if years else None)
    if year_ctx is None and has_spaced:
        cm = _CREATED_RE.search(text)
        if cm:
            year_ctx = cm.group(1)[2:]
    for m in (_SPACED_RE.finditer(text) if has_spaced else ()):
        yy, words, num = m.group(1), m.group(2), m.group(3)
        if yy is not None and text[max(0, m.start() - 4): m.start()].rstrip().upper().endswith("OF"):
            yy = None  # ``SECTION 01 OF 02 NEW DELHI 006999``: the 02 is a section count, not a year
        post = _post_of(words)
        if post is None:
            continue
        n = int(num)
        padded = num.startswith("0") and len(num) >= 5
        if not padded and 1900 <= n < 2030:
            continue  # "PARIS 2010", "BEIJING 2008": a year, not a serial
        if yy is None or yy not in VALID_YEARS:
            yy = None
            before = text[max(0, m.start() - 40): m.start()]
            if not (padded or _REF_CONTEXT.search(before)):
                continue
            if year_ctx is None:
                continue
        ref = canonical(yy or year_ctx, post, n)
        if ref:
            start = m.start(2) if m.group(1) is None else m.start()
            found.add(ref, KIND_CITES, start, _snippet(text, start, m.end()), "spaced")
    return sorted(found.links.values(), key=lambda l: (l.offset < 0, l.offset))


def may_embed(text: str) -> bool:
    """Cheap test: could this text hold a republished cable?"""
    if not text:
        return False
    # Plain substring tests first (exact: "reference" has no letter that matches a non-ASCII one
    # case-insensitively), the regexes only when they may match.
    if "reference" in text.lower() and _REFID_RE.search(text):
        return True
    return "SUBJECT" in text and bool(_CABLE_BODY_HINT.search(text[:200_000]))


AddCable = Callable[..., object]
"""``add_cable(cable, raw: bytes)``: store a parsed cable as a source (creating it if new)."""


@dataclass(slots=True)
class LinkResult:
    links: list[CableLink]
    embedded: list  # list[Cable]
    error: str | None = None
    """Why an embedded cable could not be parsed or stored (the links still stand)."""


def link_article(text: str, links: Iterable = (), *, location: str | None = None,
                 add_cable: AddCable | None = None, parse=None,
                 max_embed_chars: int = 2_000_000) -> LinkResult:
    """Find the cables an article names and store the cables it embeds.

    ``parse`` defaults to ``cablebase.parse.parse``; ``add_cable`` (optional) receives each
    embedded cable and the article text as raw bytes. Nothing raises: a failure to parse or
    store an embedded cable is returned in ``error``.
    """
    found = find_cables(text, links)
    embedded: list = []
    error = None
    if text and may_embed(text) and len(text) <= max_embed_chars:
        if parse is None:
            from ..parse import parse as parse  # noqa: PLW0127
        try:
            cables = parse(text, fmt="article", location=location) or []
        except Exception as e:  # the parser is others' code on hostile text: never let it stop us
            cables = []
            error = f"embedded cable not parsed: {type(e).__name__}: {e}"[:500]
        by_ref = {l.ref_id: l for l in found}
        for c in cables:
            ref = parse_ref_id(c.ref_id) if getattr(c, "ref_id", None) else None
            if not ref:
                continue
            embedded.append(c)
            link = by_ref.get(ref)
            if link is None:
                link = CableLink(ref, KIND_EMBEDS, -1, "", "reference")
                found.append(link)
                by_ref[ref] = link
            link.kind = KIND_EMBEDS
            if add_cable is not None:
                try:
                    add_cable(c, text.encode("utf-8", "surrogatepass"))
                except Exception as e:
                    error = f"embedded cable {ref} not stored: {type(e).__name__}: {e}"[:500]
    return LinkResult(found, embedded, error)


__all__ = ["CableLink", "LinkResult", "find_cables", "link_article", "may_embed", "canonical", "parse_ref_id",
           "KIND_CITES", "KIND_EMBEDS", "MULTIWORD"]
