"""Compiling the query language's syntax trees to tantivy queries.

``Compiler`` turns a tree from ``store.query_syntax.parse`` into ``tantivy.Query`` objects
with the same analysis the index used (words lower-cased, accents folded), resolves
``entity:`` through an ``EntityLookup``, and says in ``Compiled`` what the results page needs
to know (words for snippets, portion marks asked for). User text never reaches tantivy's
own query parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import BadQuery
from .names import names_of
from .query_syntax import DEFAULT_TEXT, FIELDS, And, Everything, Node, Not, Or, Phrase, Word, parse, walk
from .query_values import ENTITY_TYPES, LEVELS, canonical_marking, date_bounds, entity_type, period_range, year_bounds

MIN_PREFIX = 2
"""Characters a prefix (``word*``) must have before the star: shorter ones expand to most
of the vocabulary and make one query cost seconds."""


EntityLookup = Callable[["str | None", "str | None"], "list[str] | None"]
"""(name, type) → ref_ids of the cables mentioning the entity of that name (of that type, when
one is given; any entity of the type when the name is None); None when entities have not been
built."""

NoteLookup = Callable[[str], "list[str]"]
"""words → ref_ids of the cables with a note holding them."""

ENTITIES_NOT_BUILT = "entities not built yet — run `cablebase enrich` first, then entity: works"

_REGEX_META = set("\\.+*?()|[]{}^$#&-~")
_REF_LIKE = re.compile(r"\d{2}[A-Za-z][A-Za-z0-9]*\d")
_POST_WORD = re.compile(r"[A-Za-z]{2,20}")
_SERIAL = re.compile(r"\d{1,6}")
_YEAR = re.compile(r"\d{2}|\d{4}")


def _ref_run(words: list[Word | None], i: int) -> tuple[list[Word], str] | None:
    """The run of words from ``i`` that writes a reference ``[YY] POST [POST] SERIAL``, with a
    regular expression for its names (``\\d{2}MEXICO0*983``); None when there is none."""
    j = i
    year = None
    if words[j] is not None and _YEAR.fullmatch(words[j].text):  # type: ignore[union-attr]
        year = words[j].text[-2:]  # type: ignore[union-attr]
        j += 1
    post = []
    while j < len(words) and len(post) < 3 and words[j] is not None and _POST_WORD.fullmatch(words[j].text):  # type: ignore[union-attr]
        post.append(words[j].text.upper())  # type: ignore[union-attr]
        j += 1
    if not post or j >= len(words) or words[j] is None or not _SERIAL.fullmatch(words[j].text):  # type: ignore[union-attr]
        return None
    serial = int(words[j].text)  # type: ignore[union-attr]
    if serial == 0:
        return None
    run = [w for w in words[i : j + 1] if w is not None]
    yy = f"(19|20)?{year}" if year else r"\d{2}(\d{2})?"
    return run, f"{yy}{''.join(post)}0*{serial}"


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

    def __init__(self, schema: object, analyze: Callable[[str], list[str]], entities: EntityLookup | None = None,
                 notes: NoteLookup | None = None):
        import tantivy

        self.t = tantivy
        self.schema = schema
        self.analyze = analyze
        self.entities = entities
        self.entity_type: str | None = None
        """The ``type:`` of the AND group being compiled: ``entity:`` there means an entity of it."""
        self.notes = notes
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
            outer = self.entity_type
            types = {entity_type(it.text) for it in n.items
                     if isinstance(it, (Word, Phrase)) and it.field and FIELDS[it.field].kind == "type"}
            if len(types) == 1 and None not in types:
                self.entity_type = types.pop()
            try:
                return self._and(n)
            finally:
                self.entity_type = outer
        if isinstance(n, Or):
            qs = [q for q in (self.node(it) for it in n.items) if q is not None]
            if not qs:
                return None
            if len(qs) == 1:
                return qs[0]
            return T.Query.boolean_query([(T.Occur.Should, q) for q in qs])
        raise TypeError(n)  # pragma: no cover

    def _and(self, n: And) -> object | None:
        T = self.t
        must, must_not = [], []
        for ref_q, run in self.ref_lines(n.items):  # `MEXICO 983`: the cable, or the words
            words = [q for q in (self.leaf(w) for w in run) if q is not None]
            alt = T.Query.boolean_query([(T.Occur.Must, q) for q in words]) if words else None
            must.append(ref_q if alt is None else T.Query.boolean_query(
                [(T.Occur.Should, ref_q), (T.Occur.Should, alt)]))
        in_runs = {id(w) for _q, run in self.ref_lines(n.items) for w in run}
        for it in n.items:
            if id(it) in in_runs:
                continue
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

    def ref_lines(self, items: tuple[Node, ...]) -> list[tuple[object, list[Word]]]:
        """Runs of words that write a reference as REF lines and page headers do — ``MEXICO
        983``, ``MEXICO 00983``, ``07 MEXICO 983``, ``TEL AVIV 2757`` — each with a query for the
        cables so named (any year when none is given)."""
        out: list[tuple[object, list[Word]]] = []
        plain = [it if isinstance(it, Word) and it.field is None and not it.prefix else None for it in items]
        i = 0
        while i < len(plain):
            m = _ref_run(plain, i)
            if m is None:
                i += 1
                continue
            run, pattern = m
            q = self.t.Query.boost_query(self.t.Query.regex_query(self.schema, "names", pattern), 4.0)
            out.append((q, run))
            i += len(run)
        return out

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
        refs = self.entities(name, self.entity_type) if self.entities is not None else None
        if refs is None:
            raise self.fail(ENTITIES_NOT_BUILT, n)
        if not refs:
            return T.Query.empty_query()
        return T.Query.term_set_query(self.schema, "ref_id", list(refs))

    def _type(self, n: Word | Phrase) -> object:
        code = entity_type(n.text)
        if code is None:
            words = "|".join(w[0] for w in ENTITY_TYPES.values())
            raise self.fail(f"type: expects an entity type: type:{words} (people, orgs, places …)", n)
        refs = self.entities(None, code) if self.entities is not None else None
        if refs is None:
            raise self.fail(ENTITIES_NOT_BUILT.replace("entity: works", "type: works"), n)
        if not refs:
            return self.t.Query.empty_query()
        return self.t.Query.term_set_query(self.schema, "ref_id", list(refs))

    def _note(self, n: Word | Phrase) -> object:
        words = " ".join(n.text.split())
        if not words:
            raise self.fail('note: needs words, e.g. note:source or note:"call back"', n)
        refs = self.notes(words) if self.notes is not None else []
        if not refs:
            return self.t.Query.empty_query()
        return self.t.Query.term_set_query(self.schema, "ref_id", list(refs))
