"""A cable as a search index document (``to_document``) and the values that go into one.

The body text indexed (``Cable.text``), where each paragraph starts in it
(``paragraph_offsets``, stored so a hit can point at its paragraph), the facet columns'
stable hashes (``facet_hash``), the sampling shard (``shard_of``) and the year
(``safe_year``). Classification levels, portion marks and dates become terms the same way
queries read them (``store.query_values``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable

import orjson
from tantivy import Document

from ..record import Cable
from .index_schema import SHARDS
from .names import names_of
from .query_values import date_number, level_tokens, marking_tokens

def paragraph_offsets(body: str, texts: Iterable[str]) -> list[int]:
    """Byte offset in ``body`` (UTF-8) where each paragraph's text starts; -1 when not found.

    The record's paragraph texts are the body's lines joined, so the first words are looked
    for in order, whitespace-insensitively when the plain prefix is not there."""
    out: list[int] = []
    pos = 0
    ascii_body = body.isascii()
    byte_pos = 0  # UTF-8 length of body[:pos]
    for text in texts:
        i = body.find(text[:40], pos) if text else -1
        if i < 0 and text:
            words = text.split()[:6]
            if words:
                m = re.compile(r"\s+".join(map(re.escape, words))).search(body, pos)
                i = m.start() if m else -1
        if i < 0:
            out.append(-1)
            continue
        if not ascii_body:
            byte_pos += len(body[pos:i].encode("utf-8"))
        pos = i
        out.append(i if ascii_body else byte_pos)
    return out


@functools.lru_cache(maxsize=65536)
def facet_hash(value: str) -> int:
    """A facet value's integer in the ``*_h`` columns: stable across processes and versions."""
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big") >> 2


def shard_of(ref_id: str) -> int:
    return facet_hash(ref_id) % SHARDS


_marking_tokens = functools.lru_cache(maxsize=4096)(marking_tokens)


def to_document(cable: Cable) -> Document:
    if not cable.ref_id:
        raise ValueError("a cable without ref_id cannot be indexed")
    d = Document()
    d.add_text("ref_id", cable.ref_id)
    for n in names_of(cable.ref_id, cable.aliases):
        d.add_text("names", n)
    d.add_integer("kind", 1)
    d.add_integer("shard", shard_of(cable.ref_id))
    if cable.origin:
        d.add_text("origin", cable.origin)
        d.add_text("origin_f", cable.origin)
        d.add_integer("origin_h", facet_hash(cable.origin))
        d.add_text("origin_t", cable.origin)
    if cable.classification:
        d.add_text("classification", cable.classification)
        d.add_text("class_f", cable.classification)
        d.add_integer("class_h", facet_hash(cable.classification))
        for t in level_tokens(cable.classification):
            d.add_text("level", t)
    for t in dict.fromkeys(cable.tags):
        if t:
            d.add_text("tags", t)
            d.add_text("tags_f", t)
            d.add_integer("tags_h", facet_hash(t))
    marks: dict[str, None] = {}
    for p in cable.paragraphs:
        for t in _marking_tokens(p.marking):
            marks[t] = None
    for t in marks:
        d.add_text("marking", t)
    year = safe_year(cable)
    if year is not None:
        d.add_integer("year", year)
    if cable.created:
        d.add_text("created", cable.created)
        n = date_number(cable.created)
        if n is not None:
            d.add_integer("created_n", n)
    if cable.released:
        d.add_text("released", cable.released)
        n = date_number(cable.released)
        if n is not None:
            d.add_integer("released_n", n)
    if cable.subject:
        d.add_text("subject", cable.subject)
    for a in cable.to:
        d.add_text("to", a)
    for a in cable.info:
        d.add_text("info", a)
    body = cable.text
    d.add_text("body", body)
    if cable.paragraphs:
        offs = paragraph_offsets(body, (p.text for p in cable.paragraphs))
        d.add_bytes("pars", orjson.dumps([[p.number, p.marking, o] for p, o in zip(cable.paragraphs, offs)]))
    return d


def safe_year(cable: Cable) -> int | None:
    try:
        return cable.year
    except (ValueError, TypeError):
        return None
