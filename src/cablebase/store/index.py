"""The tantivy search index: derived from the records, rebuildable at any time (``reindex``).

One document per cable (its current record). Facet fields are exact-match keywords,
matched case-insensitively; ``subject`` and ``body`` are full text, BM25-ranked, accents
folded. ``body`` is stored so results carry a highlighted snippet.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import tantivy
from tantivy import Document, Filter, Index, Occur, Query, SchemaBuilder, SnippetGenerator, TextAnalyzerBuilder, Tokenizer

from ..config import INDEX_HEAP_BYTES, INDEX_THREADS
from ..errors import StoreError
from ..record import Cable
from .base import Busy, Hit, SearchFilters

KEYWORD = "cb_keyword"
"""Tokenizer for facet fields: the whole value as one lower-cased term."""
TEXT = "cb_text"
"""Tokenizer for full text: words, lower-cased, accents folded, absurdly long tokens dropped."""

SEARCH_FIELDS = ["subject", "body", "ref_id"]
FIELD_BOOSTS = {"subject": 2.0, "ref_id": 4.0}
SNIPPET_CHARS = 240
COMMIT_SECONDS = 30.0
"""``maybe_commit`` commits at least this often while documents are waiting."""


class BadQuery(StoreError):
    """The search query could not be parsed."""


def _schema() -> tantivy.Schema:
    sb = SchemaBuilder()
    sb.add_text_field("ref_id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("origin", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("classification", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("tags", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_integer_field("year", stored=True, indexed=True, fast=True)
    sb.add_text_field("created", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("subject", stored=True, tokenizer_name=TEXT)
    sb.add_text_field("body", stored=True, tokenizer_name=TEXT)
    return sb.build()


SCHEMA = _schema()


def _register(ix: Index) -> None:
    ix.register_tokenizer(KEYWORD, TextAnalyzerBuilder(Tokenizer.raw()).filter(Filter.lowercase()).build())
    ix.register_tokenizer(
        TEXT,
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(64))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .build(),
    )


def cable_body(cable: Cable) -> str:
    """The text indexed as ``body``: the cable's body, else its paragraphs joined."""
    if cable.body:
        return cable.body
    return "\n\n".join(p.text for p in cable.paragraphs)


def to_document(cable: Cable) -> Document:
    if not cable.ref_id:
        raise ValueError("a cable without ref_id cannot be indexed")
    d = Document()
    d.add_text("ref_id", cable.ref_id)
    if cable.origin:
        d.add_text("origin", cable.origin)
    if cable.classification:
        d.add_text("classification", cable.classification)
    for t in cable.tags:
        d.add_text("tags", t)
    year = safe_year(cable)
    if year is not None:
        d.add_integer("year", year)
    if cable.created:
        d.add_text("created", cable.created)
    if cable.subject:
        d.add_text("subject", cable.subject)
    d.add_text("body", cable_body(cable))
    return d


def safe_year(cable: Cable) -> int | None:
    try:
        return cable.year
    except (ValueError, TypeError):
        return None


def _char_offsets(text: str, byte_ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    raw = text.encode("utf-8")
    out = []
    for a, b in byte_ranges:
        ca = len(raw[:a].decode("utf-8", "ignore"))
        cb = ca + len(raw[a:b].decode("utf-8", "ignore"))
        out.append((ca, cb))
    return tuple(out)


_FLAT = str.maketrans("\n\r\t\f\v", "     ")


def _first(d: dict, key: str) -> object:
    v = d.get(key)
    return v[0] if v else None


class SearchIndex:
    """A tantivy index in a directory. Writes go through one lazily opened writer."""

    def __init__(self, path: Path, *, heap_size: int = INDEX_HEAP_BYTES, threads: int = INDEX_THREADS):
        self.path = Path(path)
        self.heap_size = heap_size
        self.threads = threads
        self._index: Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._dirty = False
        self._pending = 0
        self._last_commit = time.monotonic()

    # -- opening -------------------------------------------------------------------------
    @property
    def index(self) -> Index:
        if self._index is None:
            self.path.mkdir(parents=True, exist_ok=True)
            try:
                ix = Index(SCHEMA, str(self.path), reuse=True)
            except ValueError as e:
                if "schema does not match" in str(e):
                    raise StoreError(
                        f"search index {self.path} was built with another schema; run `cablebase reindex`"
                    ) from None
                raise StoreError(f"cannot open search index {self.path}: {e}") from None
            _register(ix)
            self._index = ix
        return self._index

    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=self.heap_size, num_threads=self.threads)
            except ValueError as e:
                if "LockBusy" in str(e):
                    raise Busy(
                        f"search index {self.path} is being written by another process; try again when it is done"
                    ) from None
                raise StoreError(f"cannot write search index {self.path}: {e}") from None
        return self._writer

    def open_writer(self) -> None:
        """Take the index's write lock now (``Busy`` if another process holds it)."""
        _ = self.writer

    # -- writing -------------------------------------------------------------------------
    def upsert(self, cables: Iterable[Cable]) -> int:
        """Replace the documents of these cables (not visible until ``commit``)."""
        w = self.writer
        n = 0
        for c in cables:
            doc = to_document(c)
            w.delete_documents_by_term("ref_id", c.ref_id)
            w.add_document(doc)
            n += 1
        self._dirty = self._dirty or n > 0
        self._pending += n
        return n

    def delete(self, ref_ids: Iterable[str]) -> None:
        w = self.writer
        for r in ref_ids:
            w.delete_documents_by_term("ref_id", r)
            self._dirty = True

    def commit(self) -> None:
        if self._writer is not None and self._dirty:
            self._writer.commit()
            self._dirty = False
        self._pending = 0
        self._last_commit = time.monotonic()

    def maybe_commit(self, every: int) -> bool:
        """Commit if ``every`` documents (0: any) are waiting, or the last commit is old."""
        if not self._dirty:
            return False
        if self._pending >= every or time.monotonic() - self._last_commit >= COMMIT_SECONDS:
            self.commit()
            return True
        return False

    def rollback(self) -> None:
        if self._writer is not None and self._dirty:
            self._writer.rollback()
            self._dirty = False
        self._pending = 0

    def reset(self) -> None:
        """Delete every document, under the write lock (``Busy`` if another process holds it).

        Searchers keep seeing the old documents until the next ``commit``, so a rebuild
        replaces the index in one step. An index that cannot be opened (another schema,
        damaged files) is deleted and started afresh.
        """
        try:
            w = self.writer
        except Busy:
            raise
        except StoreError:
            self.recreate()
            w = self.writer
        w.delete_all_documents()
        self._dirty = True

    def recreate(self) -> None:
        """Delete the index directory and start an empty index."""
        self.close()
        if self.path.exists():
            shutil.rmtree(self.path)
        self._index = None

    def close(self) -> None:
        if self._writer is not None:
            try:
                self.commit()
            finally:
                w, self._writer = self._writer, None
                w.wait_merging_threads()
        self._index = None

    # -- reading -------------------------------------------------------------------------
    def _searcher(self) -> tantivy.Searcher:
        ix = self.index
        ix.reload()
        return ix.searcher()

    @property
    def num_docs(self) -> int:
        return self._searcher().num_docs

    def ref_ids(self) -> list[str]:
        """The ref_id of every live document (a ref_id listed twice means a duplicate)."""
        s = self._searcher()
        n = s.num_docs
        if not n:
            return []
        res = s.search(Query.all_query(), limit=n, count=False, order_by_field="ref_id")
        return [key for key, _ in res.hits]

    def parse_query(self, query: str) -> Query:
        q = query.strip()
        if not q or q == "*":
            return Query.all_query()
        try:
            return self.index.parse_query(q, SEARCH_FIELDS, field_boosts=FIELD_BOOSTS)
        except ValueError as e:
            raise BadQuery(f"bad search query {query!r}: {e}") from None

    def filter_queries(self, filters: SearchFilters) -> list[Query]:
        out = []
        if filters.origin:
            out.append(Query.term_query(SCHEMA, "origin", filters.origin.strip().lower()))
        if filters.classification:
            out.append(Query.term_query(SCHEMA, "classification", filters.classification.strip().lower()))
        for t in filters.tags:
            out.append(Query.term_query(SCHEMA, "tags", t.strip().lower()))
        if filters.year is not None:
            out.append(Query.term_query(SCHEMA, "year", int(filters.year)))
        return out

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0) -> list[Hit]:
        text_q = self.parse_query(query)
        fq = self.filter_queries(filters or SearchFilters())
        q = Query.boolean_query([(Occur.Must, text_q)] + [(Occur.Must, f) for f in fq]) if fq else text_q
        s = self._searcher()
        if not s.num_docs or limit <= 0:
            return []
        res = s.search(q, limit=limit, offset=offset, count=False)
        gen = SnippetGenerator.create(s, text_q, SCHEMA, "body")
        gen.set_max_num_chars(SNIPPET_CHARS)
        hits = []
        for score, addr in res.hits:
            doc = s.doc(addr)
            d = doc.to_dict()
            snip = gen.snippet_from_doc(doc)
            frag = snip.fragment()
            highlights = _char_offsets(frag, ((h.start, h.end) for h in snip.highlighted()))
            frag = frag.translate(_FLAT)  # one char for one: offsets stay right
            if not frag:
                body = str(_first(d, "body") or "")
                frag = " ".join(body[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]
            hits.append(
                Hit(
                    ref_id=str(_first(d, "ref_id")),
                    subject=_first(d, "subject"),  # type: ignore[arg-type]
                    created=_first(d, "created"),  # type: ignore[arg-type]
                    origin=_first(d, "origin"),  # type: ignore[arg-type]
                    classification=_first(d, "classification"),  # type: ignore[arg-type]
                    score=float(score),
                    snippet=frag,
                    highlights=highlights,
                )
            )
        return hits
