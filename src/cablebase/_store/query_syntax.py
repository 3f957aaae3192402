"""The query language's syntax: its fields, the syntax tree, the lexer and the parser.

``parse(query)`` turns a query string into a small tree (``Word``, ``Phrase``, ``Everything``,
``And``, ``Or``, ``Not``) using ``FIELDS``, the language's ``field:`` names; every malformed
query raises ``BadQuery`` naming the character position and the token where it goes wrong.
``walk`` visits a tree. No index is needed here: ``store.query_compile`` turns trees into
tantivy queries, ``store.query`` is the language's front door.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

from ..errors import BadQuery

MAX_QUERY_CHARS = 4000
MAX_DEPTH = 40
"""Parentheses and NOTs nested deeper than this are refused (a clear error, not a RecursionError)."""


# -- fields ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str
    """text | tag | level | ref | marking | date | from | until | year | entity | type | note"""
    index_fields: tuple[tuple[str, float], ...] = ()
    """For text kinds: the index fields searched and their boosts."""
    help: str = ""


DEFAULT_TEXT: tuple[tuple[str, float], ...] = (("body", 1.0), ("subject", 2.0))

FIELDS: dict[str, FieldSpec] = {}


def _field(names: str, kind: str, index_fields: tuple[tuple[str, float], ...] = (), help: str = "") -> None:
    first = names.split()[0]
    for n in names.split():
        FIELDS[n] = FieldSpec(first, kind, index_fields, help)


_field("subject", "text", (("subject", 1.0),), "words of the SUBJECT line")
_field("body text", "text", (("body", 1.0),), "words of the cable text only")
_field("origin", "text", (("origin_t", 1.0),), "words of the sending post: origin:paris, origin:\"Embassy Paris\"")
_field("to", "text", (("to", 1.0),), "addressees on the TO line: to:secstate")
_field("info", "text", (("info", 1.0),), "addressees on the INFO line")
_field("tag tags", "tag", help="a TAGS entry: tag:PREL, tag:K* ")
_field("class classification level", "level", help="classification level or caveat: class:secret, class:noforn")
_field("ref id", "ref", help="reference ID or other name of a cable: ref:09PARIS1234, ref:09PARIS*")
_field("marking mark", "marking", help="a paragraph portion mark: marking:S/NF, marking:C")
_field("from", "from", help="created on or after: from:2009, from:2009-03, from:2009-03-17")
_field("until", "until", help="created on or before (the whole period): until:2009-06")
_field("created date", "created", help="created in a period or range: created:2009-03, created:2008..2009")
_field("released", "released", help="released by WikiLeaks: released:2011-08-30, released:>=2011")
_field("year", "year", help="year created: year:2009, year:2005..2007")
_field("entity", "entity", help="a person, organisation or place: entity:\"Garcia Luna\" (after `cablebase enrich`)")
_field("type", "type", help="cables mentioning a person, organisation or place: type:person|organization|place "
       "(people, orgs, places …); with entity: in the same group, the entity of that type: entity:luna type:place")
_field("note notes", "note", help="cables with a note holding these words: note:source, note:\"call back\"")

FIELD_NAMES = sorted({s.name for s in FIELDS.values()})


# -- syntax tree ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Word:
    text: str
    pos: int
    field: str | None = None
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    pos: int
    field: str | None = None
    slop: int = 0
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Everything:
    pos: int


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node
    pos: int


Node = Union[Word, Phrase, Everything, And, Or, Not]


# -- lexer ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Tok:
    kind: str
    """word | phrase | field | ( | ) | and | or | not | minus | plus | eof"""
    text: str
    pos: int
    slop: int = 0


_SLOP = re.compile(r"~(\d{1,2})")
_FIELD_WORD = re.compile(r"([A-Za-z_]+):(.*)", re.S)
_BREAK = set(" \t\r\n\f\v()\"\u00a0\u3000")
_OPS = {"AND": "and", "OR": "or", "NOT": "not", "&&": "and", "||": "or"}
# Typographic quotes typed or pasted by users are quotes too.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})


def _show(tok: Tok) -> str:
    if tok.kind == "eof":
        return "the end of the query"
    if tok.kind == "phrase":
        return f'"{tok.text}"'
    if tok.kind == "field":
        return f"'{tok.text}:'"
    return f"'{tok.text}'"


def tokenize(query: str) -> list[Tok]:
    q = query.translate(_QUOTES)
    out: list[Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            out.append(Tok(c, c, i))
            i += 1
            continue
        if c == '"':
            end = q.find('"', i + 1)
            if end < 0:
                raise BadQuery("this quote is never closed", query=query, position=i, token='"')
            text = q[i + 1 : end]
            j = end + 1
            slop = 0
            m = _SLOP.match(q, j)
            if m:
                slop = int(m.group(1))
                j = m.end()
            if j < n and q[j] == "*":  # "nuclear prog"*  == "nuclear prog*"
                text += "*"
                j += 1
            out.append(Tok("phrase", text, i, slop))
            i = j
            continue
        if c in "-+!" and i + 1 < n and not q[i + 1].isspace() and q[i + 1] != ")":
            out.append(Tok("plus" if c == "+" else "minus", c, i))
            i += 1
            continue
        j = i
        while j < n and q[j] not in _BREAK:
            j += 1
        word = q[i:j]
        if word in _OPS:
            out.append(Tok(_OPS[word], word, i))
        else:
            m = _FIELD_WORD.fullmatch(word)
            if m and not word.startswith("http"):
                name, rest = m.group(1), m.group(2)
                if name.lower() not in FIELDS and not rest and (j >= n or q[j] not in '("'):
                    out.append(Tok("word", word, i))  # "Subject:" in pasted text: a word, its colon punctuation
                    i = j
                    continue
                if name.lower() not in FIELDS:
                    raise BadQuery(
                        f"unknown field '{name}:' (fields: {', '.join(f + ':' for f in FIELD_NAMES)};"
                        f' put text with a colon in quotes: "{word}")',
                        query=query, position=i, token=name + ":",
                    )
                out.append(Tok("field", name.lower(), i))
                if rest:
                    out.append(Tok("word", rest, i + len(name) + 1))
                elif j >= n or q[j] not in '("':
                    raise BadQuery(f"'{name}:' needs a value right after the colon (e.g. {name}:word or "
                                   f'{name}:"two words")', query=query, position=i, token=name + ":")
            elif word in ("-", "+", "!"):
                pass  # a lone dash between words: nothing to search
            else:
                out.append(Tok("word", word, i))
        i = j
    out.append(Tok("eof", "", len(q)))
    return out


# -- parser ---------------------------------------------------------------------------------
_STARTS = {"word", "phrase", "field", "(", "not", "minus", "plus"}


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.toks = tokenize(query)
        self.i = 0
        self.depth = 0

    def peek(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, msg: str, tok: Tok) -> BadQuery:
        return BadQuery(msg, query=self.query, position=tok.pos, token=tok.text or None)

    def parse(self) -> Node:
        if self.peek().kind == "eof":
            return Everything(0)
        node = self.expr(None)
        t = self.peek()
        if t.kind == ")":
            raise self.fail("this ')' closes nothing", t)
        if t.kind != "eof":  # pragma: no cover - expr consumes everything else
            raise self.fail(f"unexpected {_show(t)}", t)
        return node

    def _nest(self, tok: Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"query nested more than {MAX_DEPTH} levels deep", tok)

    def expr(self, fld: str | None) -> Node:
        items = [self.conj(fld)]
        while self.peek().kind == "or":
            op = self.take()
            self._operand_after(op)
            items.append(self.conj(fld))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _operand_after(self, op: Tok) -> None:
        t = self.peek()
        if t.kind not in _STARTS:
            raise self.fail(f"'{op.text}' must be followed by a word, phrase or field; found {_show(t)}", op)

    def conj(self, fld: str | None) -> Node:
        t = self.peek()
        if t.kind in ("and", "or"):
            raise self.fail(f"'{t.text}' needs a word, phrase or field before it", t)
        items = [self.unary(fld)]
        while True:
            t = self.peek()
            if t.kind == "and":
                self.take()
                self._operand_after(t)
                items.append(self.unary(fld))
            elif t.kind in _STARTS:
                items.append(self.unary(fld))
            else:
                break
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self, fld: str | None) -> Node:
        t = self.peek()
        if t.kind in ("not", "minus"):
            self.take()
            self._operand_after(t)
            self._nest(t)
            node = Not(self.unary(fld), t.pos)
            self.depth -= 1
            return node
        if t.kind == "plus":
            self.take()
            return self.unary(fld)
        return self.primary(fld)

    def primary(self, fld: str | None) -> Node:
        t = self.take()
        if t.kind == "(":
            if self.peek().kind == ")":
                raise self.fail("empty parentheses", t)
            self._nest(t)
            node = self.expr(fld)
            self.depth -= 1
            close = self.peek()
            if close.kind != ")":
                raise self.fail(f"this '(' is never closed (found {_show(close)} where ')' was expected)", t)
            self.take()
            return node
        if t.kind == "field":
            v = self.peek()
            if v.pos != t.pos + len(t.text) + 1 or v.kind not in ("word", "phrase", "("):
                raise self.fail(f"'{t.text}:' needs a value right after the colon", t)
            return self.primary(t.text)
        if t.kind == "word":
            text = t.text
            if text == "*":
                if fld is not None:
                    raise self.fail(f"'{fld}:*' is not supported; leave the field out to match everything", t)
                return Everything(t.pos)
            prefix = text.endswith("*") and len(text) > 1
            if prefix:
                text = text.rstrip("*")
            if "*" in text:
                raise self.fail("a * can only end a word (prefix search: nucl*)", t)
            return Word(text, t.pos, fld, prefix)
        if t.kind == "phrase":
            text = t.text.strip()
            prefix = text.endswith("*")
            if prefix:
                text = text.rstrip("*").rstrip()
            if not text:
                raise self.fail("empty phrase", t)
            return Phrase(text, t.pos, fld, t.slop, prefix)
        if t.kind == ")":
            raise self.fail("this ')' closes nothing", t)
        if t.kind == "eof":
            raise self.fail("the query ends where a word, phrase or field was expected", t)
        raise self.fail(f"unexpected {_show(t)}", t)  # pragma: no cover


def parse(query: str) -> Node:
    """The syntax tree of a query; ``BadQuery`` (with the position) when it is malformed."""
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"query too long ({len(query)} characters, at most {MAX_QUERY_CHARS})",
                       query=query[:80], position=MAX_QUERY_CHARS, token=None)
    return _Parser(query).parse()


def walk(node: Node, negated: bool = False) -> Iterator[tuple[Node, bool]]:
    """Every node with whether it sits under an odd number of NOTs."""
    yield node, negated
    if isinstance(node, (And, Or)):
        for it in node.items:
            yield from walk(it, negated)
    elif isinstance(node, Not):
        yield from walk(node.item, not negated)
