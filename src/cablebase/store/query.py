"""The search query language: parsed here (recursive descent), compiled to tantivy queries.

One language for the CLI, the web pages and the JSON API; ``docs/query.md`` is the
reference. In short::

    iran nuclear                    both words (AND is the default)
    "nuclear program"~2             a phrase (optionally with slop)
    iran OR iraq   -sanctions       OR, NOT / -, parentheses, prefix word*
    origin:paris tag:PREL class:secret ref:09PARIS*
    subject:"arms sales" to:secstate
    from:2009-03 until:2009 created:2008..2009 released:>=2011-08 year:2007
    marking:S/NF                    a paragraph portion mark
    entity:"Garcia Luna"            cables mentioning an entity (after ``cablebase enrich``)

User text never reaches tantivy's own query parser: ``parse`` builds a small tree
(``Node``), ``Compiler`` turns it into ``tantivy.Query`` objects with the same analysis the
index used (words lower-cased, accents folded). Every malformed query raises ``BadQuery``
naming the character position and the token where it goes wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Union

from .base import BadQuery
from .names import names_of

MAX_QUERY_CHARS = 4000
MAX_DEPTH = 40
"""Parentheses and NOTs nested deeper than this are refused (a clear error, not a RecursionError)."""
MIN_PREFIX = 2
"""Characters a prefix (``word*``) must have before the star: shorter ones expand to most
of the vocabulary and make one query cost seconds."""


# -- fields ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str
    """text | tag | level | ref | marking | date | from | until | year | entity"""
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


# -- values ---------------------------------------------------------------------------------
LEVELS = {
    "u": "unclassified", "unclas": "unclassified", "unclass": "unclassified", "unclassified": "unclassified",
    "c": "confidential", "conf": "confidential", "confidential": "confidential",
    "s": "secret", "secret": "secret",
    "nf": "noforn", "noforn": "noforn",
    "fouo": "fouo", "sbu": "fouo", "sensitive": "fouo", "for official use only": "fouo", "foruo": "fouo",
    # The 1973-79 telegrams' level between UNCLASSIFIED and CONFIDENTIAL.
    "lou": "lou", "limited official use": "lou", "limited official use only": "lou", "limited": "lou",
    "ts": "topsecret", "top secret": "topsecret", "topsecret": "topsecret",
}


def level_tokens(classification: str | None) -> list[str]:
    """Index terms of a classification: its level and each caveat (``SECRET//NOFORN`` →
    ``secret``, ``noforn``; ``UNCLASSIFIED//FOR OFFICIAL USE ONLY`` → ``unclassified``, ``fouo``)."""
    if not classification:
        return []
    out = []
    for part in re.split(r"\s*/{1,2}\s*", classification.strip().lower()):
        part = " ".join(part.split())
        if part:
            out.append(LEVELS.get(part, part.replace(" ", "")))
    return list(dict.fromkeys(out))


_MARK_SPLIT = re.compile(r"\s*(?:/{1,2}|-)\s*")


def canonical_marking(mark: str | None) -> str | None:
    """``S//NF``, ``S-NF``, ``S/NOFORN`` → ``S/NF``: one spelling per portion mark."""
    if not mark:
        return None
    parts = [p for p in _MARK_SPLIT.split(mark.strip().upper()) if p]
    parts = ["NF" if p == "NOFORN" else p for p in parts]
    return "/".join(parts) or None


def marking_tokens(mark: str | None) -> list[str]:
    """Index terms of a paragraph's portion mark: the whole mark and its parts
    (``S/NF`` → ``s/nf``, ``s``, ``nf``), so ``marking:S`` finds every SECRET paragraph."""
    c = canonical_marking(mark)
    if not c:
        return []
    parts = c.lower().split("/")
    return list(dict.fromkeys([c.lower()] + (parts if len(parts) > 1 else [])))


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?)?)?")


def date_bounds(text: str) -> tuple[int, int] | None:
    """``2009`` / ``2009-03`` / ``2009-03-17`` / ``2009-03-17T10:30`` → the first and last
    minute of that period as ``YYYYMMDDHHMM`` integers (None: not a date)."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        return None
    y, mo, d, hh, mi = m.groups()
    year = int(y)
    if mo is None:
        return year * 10**8 + 1010000, year * 10**8 + 12312359
    month = int(mo)
    if not 1 <= month <= 12:
        return None
    base = (year * 100 + month) * 10**6
    if d is None:
        return base + 10000, base + 312359
    day = int(d)
    if not 1 <= day <= 31:
        return None
    base += day * 10**4
    if hh is None:
        return base, base + 2359
    h, mnt = int(hh), int(mi)
    if h > 23 or mnt > 59:
        return None
    return base + h * 100 + mnt, base + h * 100 + mnt


def date_number(value: str | None) -> int | None:
    """A record's ``YYYY-MM-DD HH:MM`` (or a prefix of it) as a ``YYYYMMDDHHMM`` integer."""
    if not value:
        return None
    b = date_bounds(value.replace(" ", "T", 1)[:16])
    return b[0] if b else None


_RANGE = re.compile(r"(.*?)\.\.(.*)")
_CMP = re.compile(r"(>=|<=|>|<)(.*)")


def period_range(text: str, parse_one: Callable[[str], tuple[int, int] | None]) -> tuple[int | None, int | None] | None:
    """``A``, ``A..B``, ``A..``, ``..B``, ``>=A``, ``>A``, ``<=B``, ``<B`` → inclusive (low, high)."""
    text = text.strip()
    m = _RANGE.fullmatch(text)
    if m:
        a, b = m.group(1).strip(), m.group(2).strip()
        if not a and not b:
            return None
        lo = parse_one(a) if a else None
        hi = parse_one(b) if b else None
        if (a and lo is None) or (b and hi is None):
            return None
        return (lo[0] if lo else None, hi[1] if hi else None)
    m = _CMP.fullmatch(text)
    if m:
        op, v = m.group(1), m.group(2).strip()
        b = parse_one(v)
        if b is None:
            return None
        return {">=": (b[0], None), ">": (b[1] + 1, None), "<=": (None, b[1]), "<": (None, b[0] - 1)}[op]
    b = parse_one(text)
    return b


def year_bounds(text: str) -> tuple[int, int] | None:
    t = text.strip()
    if re.fullmatch(r"\d{4}", t):
        return int(t), int(t)
    if re.fullmatch(r"\d{2}", t):  # 09 → 2009, 75 → 1975, as in reference IDs
        y = int(t)
        y += 2000 if y < 50 else 1900
        return y, y
    return None


# -- compiling ------------------------------------------------------------------------------
EntityLookup = Callable[[str], "list[str] | None"]
"""name → ref_ids of the cables mentioning it; None when entities have not been built."""

ENTITIES_NOT_BUILT = "entities not built yet — run `cablebase enrich` first, then entity: works"

_REGEX_META = set("\\.+*?()|[]{}^$#&-~")
_REF_LIKE = re.compile(r"\d{2}[A-Za-z][A-Za-z0-9]*\d")


def regex_escape(s: str) -> str:
    return "".join("\\" + c if c in _REGEX_META else c for c in s)


@dataclass
class Compiled:
    """A compiled query and what the results page needs to know about it."""

    query: object
    """The ``tantivy.Query`` to run."""
    tree: Node
    markings: tuple[str, ...] = ()
    """Portion-mark terms asked for (not negated): the paragraph a hit points to carries one."""
    text: bool = False
    """The query has words or phrases searched in the cable text (snippets can highlight)."""
    fields: set[str] = field(default_factory=set)
    words: tuple[str, ...] = ()
    """Analyzed words searched in the cable text (not negated): where snippets look first."""
    prefixes: tuple[str, ...] = ()
    """Analyzed prefixes (``nucl*``) searched in the cable text (not negated)."""


class Compiler:
    """Compiles a syntax tree to ``tantivy.Query`` for one schema and one text analyzer."""

    def __init__(self, schema: object, analyze: Callable[[str], list[str]], entities: EntityLookup | None = None):
        import tantivy

        self.t = tantivy
        self.schema = schema
        self.analyze = analyze
        self.entities = entities
        self.query_text = ""

    # entry point
    def compile(self, query: str) -> Compiled:
        tree = parse(query)
        self.query_text = query
        q = self.node(tree)
        if q is None:
            raise BadQuery("nothing to search for: the query has no words (only punctuation?)",
                           query=query, position=0, token=None)
        marks: list[str] = []
        text = False
        fields: set[str] = set()
        words: list[str] = []
        prefixes: list[str] = []
        for n, neg in walk(tree):
            if isinstance(n, (Word, Phrase)):
                spec = FIELDS.get(n.field) if n.field else None
                fields.add(spec.name if spec else "text")
                if neg:
                    continue
                if spec is None or (spec.kind == "text" and any(f == "body" for f, _ in spec.index_fields)):
                    text = True
                    toks = self.analyze(n.text)
                    if n.prefix and toks:
                        prefixes.append(toks[-1])
                        toks = toks[:-1]
                    words.extend(toks)
                if spec is not None and spec.kind == "marking":
                    c = canonical_marking(n.text)
                    if c:
                        marks.append(c.lower())
        return Compiled(q, tree, tuple(dict.fromkeys(marks)), text, fields, tuple(dict.fromkeys(words)),
                        tuple(dict.fromkeys(prefixes)))

    def fail(self, msg: str, node: Word | Phrase) -> BadQuery:
        return BadQuery(msg, query=self.query_text, position=node.pos,
                        token=(f"{node.field}:" if node.field else "") + node.text)

    # tree → query
    def node(self, n: Node) -> object | None:
        T = self.t
        if isinstance(n, Everything):
            return T.Query.all_query()
        if isinstance(n, (Word, Phrase)):
            return self.leaf(n)
        if isinstance(n, Not):
            inner = self.node(n.item)
            if inner is None:
                return None
            return T.Query.boolean_query([(T.Occur.Must, T.Query.all_query()), (T.Occur.MustNot, inner)])
        if isinstance(n, And):
            must, must_not = [], []
            for it in n.items:
                if isinstance(it, Not):
                    q = self.node(it.item)
                    if q is not None:
                        must_not.append(q)
                else:
                    q = self.node(it)
                    if q is not None:
                        must.append(q)
            if not must and not must_not:
                return None
            if not must:
                must = [T.Query.all_query()]
            if len(must) == 1 and not must_not:
                return must[0]
            return T.Query.boolean_query([(T.Occur.Must, q) for q in must] + [(T.Occur.MustNot, q) for q in must_not])
        if isinstance(n, Or):
            qs = [q for q in (self.node(it) for it in n.items) if q is not None]
            if not qs:
                return None
            if len(qs) == 1:
                return qs[0]
            return T.Query.boolean_query([(T.Occur.Should, q) for q in qs])
        raise TypeError(n)  # pragma: no cover

    def leaf(self, n: Word | Phrase) -> object | None:
        if n.field is None:
            q = self.text(n, DEFAULT_TEXT)
            if isinstance(n, Word) and not n.prefix and _REF_LIKE.fullmatch(n.text):
                ref = self.t.Query.boost_query(self.t.Query.term_query(self.schema, "names", n.text.upper()), 4.0)
                q = ref if q is None else self.t.Query.boolean_query([(self.t.Occur.Should, q), (self.t.Occur.Should, ref)])
            return q
        spec = FIELDS[n.field]
        kind = spec.kind
        if kind == "text":
            q = self.text(n, spec.index_fields)
            if q is not None and spec.name == "origin":
                q = self.filter(q)
            return q
        return self.filter(getattr(self, "_" + kind)(n))

    def filter(self, q: object) -> object:
        """Filter-like clauses match without adding to the relevance score."""
        return self.t.Query.const_score_query(q, 0.0)

    def text(self, n: Word | Phrase, fields: tuple[tuple[str, float], ...]) -> object | None:
        T = self.t
        toks = self.analyze(n.text)
        if not toks:
            return None
        if n.prefix and len(toks[-1]) < MIN_PREFIX:
            raise self.fail(f"prefix '{toks[-1]}*' is too short: give at least {MIN_PREFIX} characters before the *", n)
        slop = n.slop if isinstance(n, Phrase) else 0
        qs = []
        for f, boost in fields:
            if len(toks) == 1:
                if n.prefix:
                    q = T.Query.regex_query(self.schema, f, regex_escape(toks[0]) + ".*")
                else:
                    q = T.Query.term_query(self.schema, f, toks[0])
            elif n.prefix:
                q = T.Query.phrase_prefix_query(self.schema, f, toks)
            else:
                q = T.Query.phrase_query(self.schema, f, toks, slop)
            qs.append(T.Query.boost_query(q, boost) if boost != 1.0 else q)
        return qs[0] if len(qs) == 1 else T.Query.boolean_query([(T.Occur.Should, q) for q in qs])

    def _tag(self, n: Word | Phrase) -> object:
        T = self.t
        v = " ".join(n.text.split()).lower()
        if not v:
            raise self.fail("tag: needs a TAG, e.g. tag:PREL", n)
        if n.prefix:
            return T.Query.regex_query(self.schema, "tags", regex_escape(v) + ".*")
        return T.Query.term_query(self.schema, "tags", v)

    def _level(self, n: Word | Phrase) -> object:
        T = self.t
        parts = [" ".join(p.split()) for p in re.split(r"\s*/{1,2}\s*|,", n.text.lower()) if p.strip()]
        terms = []
        for p in parts:
            if p not in LEVELS:
                raise self.fail(
                    f"unknown classification '{p}' (use unclassified, limited official use (lou), confidential, secret,"
                    " noforn or fouo;"
                    " combine with //, e.g. class:secret//noforn)", n)
            terms.append(LEVELS[p])
        if not terms:
            raise self.fail("class: needs a level, e.g. class:secret", n)
        qs = [T.Query.term_query(self.schema, "level", t) for t in dict.fromkeys(terms)]
        return qs[0] if len(qs) == 1 else T.Query.boolean_query([(T.Occur.Must, q) for q in qs])

    def _ref(self, n: Word | Phrase) -> object:
        T = self.t
        v = "".join(n.text.split()).upper()
        if not v:
            raise self.fail("ref: needs a reference ID, e.g. ref:09PARIS1234", n)
        if n.prefix:
            if len(v) < MIN_PREFIX:
                raise self.fail(f"prefix '{v}*' is too short: give at least {MIN_PREFIX} characters", n)
            return T.Query.regex_query(self.schema, "names", regex_escape(v) + ".*")
        return T.Query.term_set_query(self.schema, "names", names_of(v))  # any name: 1974ATHENS02959_b → 74ATHENS2959

    def _marking(self, n: Word | Phrase) -> object:
        c = canonical_marking(n.text)
        if not c or n.prefix:
            raise self.fail("marking: needs a portion mark, e.g. marking:S/NF, marking:C, marking:SBU", n)
        return self.t.Query.term_query(self.schema, "marking", c.lower())

    def _date_range(self, fieldname: str, lo: int | None, hi: int | None) -> object:
        return self.t.Query.range_query(self.schema, fieldname, self.t.FieldType.Integer, lo, hi, True, True)

    def _dates(self, n: Word | Phrase, fieldname: str, what: str) -> object:
        r = period_range(n.text, date_bounds)
        if r is None:
            raise self.fail(
                f"{what} expects a date (2009, 2009-03, 2009-03-17), a range (2008..2009-06) or a comparison (>=2009)", n)
        return self._date_range(fieldname, *r)

    def _created(self, n: Word | Phrase) -> object:
        return self._dates(n, "created_n", f"{n.field}:")

    def _released(self, n: Word | Phrase) -> object:
        return self._dates(n, "released_n", "released:")

    def _from(self, n: Word | Phrase) -> object:
        b = date_bounds(n.text)
        if b is None:
            raise self.fail("from: expects a date: 2009, 2009-03 or 2009-03-17", n)
        return self._date_range("created_n", b[0], None)

    def _until(self, n: Word | Phrase) -> object:
        b = date_bounds(n.text)
        if b is None:
            raise self.fail("until: expects a date: 2009, 2009-03 or 2009-03-17", n)
        return self._date_range("created_n", None, b[1])

    def _year(self, n: Word | Phrase) -> object:
        r = period_range(n.text, year_bounds)
        if r is None:
            raise self.fail("year: expects a year (2009), a range (2005..2007) or a comparison (>=2008)", n)
        return self.t.Query.range_query(self.schema, "year", self.t.FieldType.Integer, r[0], r[1], True, True)

    def _entity(self, n: Word | Phrase) -> object:
        T = self.t
        name = " ".join(n.text.split())
        if not name:
            raise self.fail('entity: needs a name, e.g. entity:"Garcia Luna"', n)
        refs = self.entities(name) if self.entities is not None else None
        if refs is None:
            raise self.fail(ENTITIES_NOT_BUILT, n)
        if not refs:
            return T.Query.empty_query()
        return T.Query.term_set_query(self.schema, "ref_id", list(refs))


__all__ = [
    "And",
    "BadQuery",
    "Compiled",
    "Compiler",
    "ENTITIES_NOT_BUILT",
    "Everything",
    "FIELDS",
    "FIELD_NAMES",
    "Not",
    "Or",
    "Phrase",
    "Word",
    "canonical_marking",
    "date_bounds",
    "date_number",
    "level_tokens",
    "marking_tokens",
    "parse",
    "tokenize",
    "walk",
]
