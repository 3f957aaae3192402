"""Search hits as shown: snippets of the matching text and the paragraph they are in.

``build_hits`` turns a page of matches into ``Hit`` objects: the best fragment of each
cable's text for the query (tantivy's snippet generator, run on a window around the densest
spot of the query's words), its highlights as character offsets, and the paragraph it falls
in (or, for ``marking:`` queries, the best paragraph carrying the portion mark asked for).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson
import tantivy
from tantivy import Document, Occur, Query, SnippetGenerator

from ..model import Hit, paragraph_anchors
from .index_schema import ANALYZER, SCHEMA
from .query_compile import Compiled
from .query_values import marking_tokens

SNIPPET_CHARS = 240


def char_offsets(text: str, byte_ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    if text.isascii():
        return tuple((a, b) for a, b in byte_ranges)
    raw = text.encode("utf-8")
    out = []
    for a, b in byte_ranges:
        ca = len(raw[:a].decode("utf-8", "ignore"))
        cb = ca + len(raw[a:b].decode("utf-8", "ignore"))
        out.append((ca, cb))
    return tuple(out)


_FLAT = str.maketrans("\n\r\t\f\v", "     ")


def _flat(text: str) -> str:
    if "\n" in text or "\r" in text or "\t" in text or "\f" in text or "\v" in text:
        return text.translate(_FLAT)
    return text


def _first(d: dict, key: str) -> Any:
    v = d.get(key)
    return v[0] if v else None


def build_hits(s: tantivy.Searcher, compiled: Compiled, scored: list[tuple[float, Any]]) -> list[Hit]:
    """The ``Hit`` of each (score, document address), with its snippet and paragraph."""
    if not scored:
        return []
    snippets = _Snippets(s, compiled)
    return [_hit(s.doc(addr), score, compiled, snippets) for score, addr in scored]


def _hit(doc: Document, score: float, compiled: Compiled, snippets: _Snippets) -> Hit:
    d = doc.to_dict()
    body = str(_first(d, "body") or "")
    raw_pars = _first(d, "pars")
    pars: list[list[Any]] = orjson.loads(bytes(raw_pars)) if raw_pars else []
    frag, highlights, pidx = "", (), None
    if compiled.markings and pars:
        frag, highlights, pidx = snippets.in_marked_paragraph(body.encode("utf-8"), pars)
    elif snippets.active:
        raw = body.encode("utf-8")
        first = next((p[2] for p in pars if p[2] >= 0), 0)
        found = snippets.snippet(raw, first)
        if found:
            frag, highlights, frag_at = found
            if pars:
                hl_at = frag_at + len(frag[: highlights[0][0]].encode("utf-8"))
                pidx = _paragraph_at(pars, hl_at)
                if pidx is not None and frag_at < pars[pidx][2]:
                    # the fragment began before the paragraph: start it there
                    cut = len(raw[frag_at : pars[pidx][2]].decode("utf-8", "ignore"))
                    if 0 < cut <= highlights[0][0]:
                        frag = frag[cut:]
                        highlights = tuple((x - cut, y - cut) for x, y in highlights)
    if not frag:
        start = 0
        if pidx is not None and pars[pidx][2] >= 0:
            start = len(body.encode("utf-8")[: pars[pidx][2]].decode("utf-8", "ignore"))
        frag = " ".join(body[start : start + SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]
        highlights = ()
    frag = _flat(frag)  # one char for one: offsets stay right
    number = marking = anchor = None
    if pidx is not None:
        number, marking = pars[pidx][0], pars[pidx][1]
        anchor = paragraph_anchors(p[0] for p in pars[: pidx + 1])[pidx]
    return Hit(
        ref_id=str(_first(d, "ref_id")),
        subject=_first(d, "subject"),
        created=_first(d, "created"),
        origin=_first(d, "origin"),
        classification=_first(d, "classification"),
        score=score,
        snippet=frag,
        highlights=highlights,
        released=_first(d, "released"),
        tags=tuple(str(t) for t in d.get("tags") or ()),
        paragraph_index=pidx,
        paragraph=number,
        marking=marking,
        anchor=anchor,
    )


WINDOW_BEFORE = 200
WINDOW_AFTER = 800
"""Snippets are first looked for in this window (bytes) around the densest spot of the
query's words: tantivy's snippet generator re-analyzes whatever text it is given, and a
whole 10 KB cable costs ~0.3 ms where the window costs ~0.03 ms."""


class _Snippets:
    """Best fragments of hits' text for one query. Texts are handled as UTF-8 bytes: the
    paragraph offsets and tantivy's ranges are bytes, and ``bytes.lower`` is cheap."""

    def __init__(self, searcher: tantivy.Searcher, compiled: Compiled):
        self.s = searcher
        self.compiled = compiled
        self.gen: SnippetGenerator | None = None
        if compiled.text:
            self.gen = SnippetGenerator.create(searcher, compiled.query, SCHEMA, "body")
            self.gen.set_max_num_chars(SNIPPET_CHARS)
        self.needles = tuple(w.encode("utf-8") for w in compiled.words + compiled.prefixes if w)
        self._prefix_re = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, compiled.prefixes)) + r")\w*", re.I)
            if compiled.prefixes else None
        )

    @property
    def active(self) -> bool:
        return self.gen is not None

    def _generator(self, text: str) -> SnippetGenerator:
        """The query's generator; for prefix queries, one that also knows the words of
        ``text`` the prefixes expand to (tantivy highlights terms, not patterns)."""
        assert self.gen is not None
        if self._prefix_re is None:
            return self.gen
        words: dict[str, None] = {}
        for m in self._prefix_re.finditer(text):
            for t in ANALYZER.analyze(m.group()):
                words[t] = None
            if len(words) >= 32:
                break
        if not words:
            return self.gen
        q = Query.boolean_query([(Occur.Should, self.compiled.query)]  # type: ignore[list-item]
                                + [(Occur.Should, Query.term_query(SCHEMA, "body", w)) for w in words])
        gen = SnippetGenerator.create(self.s, q, SCHEMA, "body")
        gen.set_max_num_chars(SNIPPET_CHARS)
        return gen

    def density(self, low: bytes, prefer_from: int = 0) -> tuple[int, int]:
        """(distinct query words found, offset of the densest spot) in lower-cased text; among
        equally dense spots the first at or after ``prefer_from`` (the first paragraph: the
        header's SUBJECT line often repeats the words), else the first."""
        occ: list[tuple[int, int]] = []
        for i, w in enumerate(self.needles):
            j = low.find(w)
            k = 0
            while j >= 0 and k < 8:
                occ.append((j, i))
                j = low.find(w, j + 1)
                k += 1
        if not occ:
            return 0, -1
        occ.sort()
        best: tuple[int, bool] = (0, False)
        best_at = occ[0][0]
        for k, (at, _) in enumerate(occ):
            seen = set()
            for at2, i2 in occ[k:]:
                if at2 - at > SNIPPET_CHARS:
                    break
                seen.add(i2)
            key = (len(seen), at >= prefer_from)
            if key > best:
                best, best_at = key, at
        return best[0], best_at

    def snippet(self, raw: bytes, prefer_from: int = 0) -> tuple[str, tuple[tuple[int, int], ...], int] | None:
        """(fragment, highlights in it as characters, byte offset of the fragment in ``raw``),
        or None when nothing of the query is highlighted in ``raw``."""
        if self.gen is None:
            return None
        _, at = self.density(raw.lower(), prefer_from)
        if at >= 0 and len(raw) > WINDOW_BEFORE + WINDOW_AFTER:
            a = raw.rfind(b" ", 0, max(0, at - WINDOW_BEFORE)) + 1
            b = raw.find(b" ", at + WINDOW_AFTER)
            b = len(raw) if b < 0 else b
            r = self._run(raw[a:b])
            if r is not None:
                return r[0], r[1], a + r[2]
        return self._run(raw)

    def _run(self, raw: bytes) -> tuple[str, tuple[tuple[int, int], ...], int] | None:
        text = raw.decode("utf-8", "ignore")
        one = Document()
        one.add_text("body", text)
        snip = self._generator(text).snippet_from_doc(one)
        hl = snip.highlighted()
        if not hl:
            return None
        frag = snip.fragment()
        return frag, char_offsets(frag, ((h.start, h.end) for h in hl)), snip.fragment_range().start

    def in_marked_paragraph(self, raw: bytes, pars: list[list[Any]]) -> tuple[str, tuple[tuple[int, int], ...], int | None]:
        """The best paragraph among those carrying a portion mark the query asks for: the one
        with most of the query's words (the first such paragraph when the query has none)."""
        wanted = set(self.compiled.markings)
        ends = _paragraph_ends(pars, len(raw))
        cands: list[tuple[int, int, bytes]] = []
        for i, (_num, mark, start) in enumerate(pars):
            if start < 0 or not wanted.intersection(marking_tokens(mark)):
                continue
            text = raw[start : ends[i]]
            n = self.density(text.lower())[0] if self.needles else 0
            cands.append((n, i, text))
        if not cands:
            return "", (), None
        if self.gen is None:
            return "", (), cands[0][1]
        cands.sort(key=lambda c: -c[0])  # stable: among equals, the first paragraph
        for _n, i, text in cands[:3]:
            r = self.snippet(text)
            if r is not None:
                return r[0], r[1], i
        return "", (), cands[0][1]


def _paragraph_ends(pars: list[list[Any]], body_len: int) -> list[int]:
    ends = [body_len] * len(pars)
    nxt = body_len
    for i in range(len(pars) - 1, -1, -1):
        ends[i] = nxt
        if pars[i][2] >= 0:
            nxt = pars[i][2]
    return ends


def _paragraph_at(pars: list[list[Any]], byte_offset: int) -> int | None:
    """The paragraph holding a byte offset of the body (None: before the first paragraph)."""
    found = None
    for i, p in enumerate(pars):
        if p[2] < 0:
            continue
        if p[2] <= byte_offset:
            found = i
        else:
            break
    return found
