"""The tantivy search index: derived from the records, rebuildable at any time (``reindex``).

One document per cable (its current record). Fields:

- full text, BM25-ranked, words lower-cased and accents folded: ``subject`` (boost 2) and
  ``body`` (stored, for snippets); ``origin_t``, ``to``, ``info`` for ``origin:``/``to:``/
  ``info:`` in queries;
- keywords matched whole and case-insensitively: ``origin``, ``classification``, ``tags``
  (``SearchFilters``), ``level`` (``SECRET//NOFORN`` → ``secret``, ``noforn``), ``marking``
  (every paragraph portion mark, whole and by part);
- ``ref_id`` (raw, fast: the key), ``names`` (every name of the cable, upper-cased:
  ``store.names.names_of``; what ``ref:`` matches), ``year``, ``created_n``/``released_n`` (``YYYYMMDDHHMM``
  integers, fast: ranges and sorting);
- facets: ``origin_h``, ``class_h``, ``tags_h`` (fast integer columns: a stable 62-bit hash
  of the value as written) and ``year``; the facet counts of a result set are tantivy
  aggregations over the matching documents (integer columns: text columns cost ~2 ms more
  per query whatever the number of matches). The hashes are turned back into values from
  the terms of ``origin_f``, ``class_f``, ``tags_f`` (the values as written, raw). TAG counts
  of result sets larger than ``TAG_EXACT_MAX`` are estimated from a fixed sample of the
  matches (``shard``: a hash of the ref_id modulo ``SHARDS``) and flagged ``approximate``;
- ``pars`` (stored): each paragraph's number, portion mark and byte offset in ``body``, so a
  hit can point at the paragraph that matched (``/cable/REF#par7``).

Queries are compiled by ``store.query`` (never by tantivy's own query parser).

The directory carries ``cablebase-index.json`` with the schema version: an index built by
an older cablebase is rebuilt by the next write (``SQLiteStore`` reindexes it from the
records) and refused by searches with a message saying to run ``cablebase reindex``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import tantivy
from tantivy import Document, Filter, Index, Occur, Order, Query, SchemaBuilder, SnippetGenerator, TextAnalyzerBuilder, Tokenizer

from ..config import INDEX_HEAP_BYTES, INDEX_THREADS
from ..errors import StoreError
from ..record import Cable
from .base import FACETS, SORT_ALIASES, SORTS, BadQuery, Busy, Hit, SearchFilters, SearchResults, paragraph_anchors
from .names import names_of
from .query_compile import Compiled, Compiler, EntityLookup
from .query_values import date_number, level_tokens, marking_tokens

KEYWORD = "cb_keyword"
"""Tokenizer for keyword fields: the whole value as one lower-cased term."""
TEXT = "cb_text"
"""Tokenizer for full text: words, lower-cased, accents folded, absurdly long tokens dropped."""

INDEX_SCHEMA_VERSION = 5
"""Bumped whenever the fields change: v3 added facet columns, dates, levels, markings and
paragraph offsets; v4 made the facet columns integers and added ``shard``; v5 ``names``. An
index of another version is rebuilt from the records."""
VERSION_FILE = "cablebase-index.json"

SEARCH_FIELDS = ["subject", "body", "ref_id"]
FIELD_BOOSTS = {"subject": 2.0, "ref_id": 4.0}
SNIPPET_CHARS = 240
COMMIT_SECONDS = 30.0
"""``maybe_commit`` commits at least this often while documents are waiting (the autocommit
thread, when running, makes them searchable much sooner: ``FRESH_SECONDS``)."""
FRESH_SECONDS = 0.3
"""With ``start_autocommit``: documents waiting this long are committed (searchable), so a
cable stored during a bulk ingest is searchable within about this plus one commit."""
FACET_SEGMENT_SIZE = 20_000
"""Buckets each segment keeps per facet before merging: above the distinct values of origin,
classification, year and TAG of the whole release, so counts are exact."""
SHARDS = 1024
TAG_EXACT_MAX = 4000
"""Result sets up to this size get exact TAG counts; larger ones count TAGs over a sample of
about this many matches (every match has ~5 TAGs: counting them costs ~80 ns each) and
scale up. The total and the other facets are always exact."""


class IndexOutdated(StoreError):
    """The index on disk was built by another version of cablebase: ``reindex`` rebuilds it."""


def _schema() -> tantivy.Schema:
    sb = SchemaBuilder()
    sb.add_text_field("ref_id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("names", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("kind", fast=True)  # 1 on every cable document: what the facet pass counts
    sb.add_text_field("origin", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("origin_f", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("origin_h", fast=True)
    sb.add_text_field("origin_t", tokenizer_name=TEXT)
    sb.add_text_field("classification", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("class_f", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("class_h", fast=True)
    sb.add_text_field("level", tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("tags", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("tags_f", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("tags_h", fast=True)
    sb.add_integer_field("shard", indexed=True, fast=True)
    sb.add_text_field("marking", tokenizer_name=KEYWORD, index_option="basic")
    sb.add_integer_field("year", stored=True, indexed=True, fast=True)
    sb.add_text_field("created", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("created_n", indexed=True, fast=True)
    sb.add_text_field("released", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("released_n", indexed=True, fast=True)
    sb.add_text_field("subject", stored=True, tokenizer_name=TEXT)
    sb.add_text_field("to", tokenizer_name=TEXT)
    sb.add_text_field("info", tokenizer_name=TEXT)
    sb.add_text_field("body", stored=True, tokenizer_name=TEXT)
    sb.add_bytes_field("pars", stored=True)
    return sb.build()


SCHEMA = _schema()


def _keyword_analyzer() -> tantivy.TextAnalyzer:
    return TextAnalyzerBuilder(Tokenizer.raw()).filter(Filter.lowercase()).build()


def _text_analyzer() -> tantivy.TextAnalyzer:
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(64))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .build()
    )


ANALYZER = _text_analyzer()
"""The analysis of full-text fields, applied to query words too."""


def _register(ix: Index) -> None:
    ix.register_tokenizer(KEYWORD, _keyword_analyzer())
    ix.register_tokenizer(TEXT, _text_analyzer())


def cable_body(cable: Cable) -> str:
    """The text indexed as ``body``: the cable's body, else its paragraphs joined."""
    if cable.body:
        return cable.body
    return "\n\n".join(p.text for p in cable.paragraphs)


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
    body = cable_body(cable)
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


def _char_offsets(text: str, byte_ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
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


def normalize_sort(sort: str | None) -> str:
    s = (sort or "relevance").strip().lower()
    s = SORT_ALIASES.get(s, s)
    if s not in SORTS:
        raise BadQuery(f"unknown sort {sort!r} (known: {', '.join(SORTS)}, newest, oldest)")
    return s


_SORT_FIELDS = {"created": ("created_n", Order.Desc), "created-asc": ("created_n", Order.Asc),
                "released": ("released_n", Order.Desc), "released-asc": ("released_n", Order.Asc)}


class SearchIndex:
    """A tantivy index in a directory. Writes go through one lazily opened writer.

    ``entity_lookup`` (set by the store) resolves ``entity:`` in queries."""

    def __init__(self, path: Path, *, heap_size: int = INDEX_HEAP_BYTES, threads: int = INDEX_THREADS):
        self.path = Path(path)
        self.heap_size = heap_size
        self.threads = threads
        self.entity_lookup: EntityLookup | None = None
        self._index: Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._dirty = False
        self._pending = 0
        self._oldest_pending: float | None = None
        self._last_commit = time.monotonic()
        self._lock = threading.RLock()
        """Held around every use of the writer (the autocommit thread shares it)."""
        self._auto: threading.Thread | None = None
        self._auto_stop = threading.Event()
        self._auto_error: BaseException | None = None
        self._seen_meta: tuple[int, int, int] | None = None
        self._names: dict[str, dict[int, str]] = {}
        self.commits = 0

    # -- opening -------------------------------------------------------------------------
    @property
    def version_path(self) -> Path:
        return self.path / VERSION_FILE

    def _disk_version(self) -> int | None:
        """The schema version of the index on disk (None: no index there yet; 0: unmarked, old)."""
        if not (self.path / "meta.json").exists():
            return None
        try:
            return int(json.loads(self.version_path.read_text())["schema"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    @property
    def index(self) -> Index:
        if self._index is None:
            self.path.mkdir(parents=True, exist_ok=True)
            version = self._disk_version()
            if version is not None and version != INDEX_SCHEMA_VERSION:
                raise IndexOutdated(
                    f"search index {self.path} was built by {'an older' if version < INDEX_SCHEMA_VERSION else 'a newer'}"
                    f" cablebase (index schema v{version}, this one needs v{INDEX_SCHEMA_VERSION}); run `cablebase reindex`"
                )
            try:
                ix = Index(SCHEMA, str(self.path), reuse=True)
            except ValueError as e:
                if "schema does not match" in str(e):
                    raise IndexOutdated(
                        f"search index {self.path} was built with another schema; run `cablebase reindex`"
                    ) from None
                raise StoreError(f"cannot open search index {self.path}: {e}") from None
            if version is None:
                self._write_version()
            _register(ix)
            self._index = ix
            self._seen_meta = None
        return self._index

    def _write_version(self) -> None:
        tmp = self.version_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"schema": INDEX_SCHEMA_VERSION}) + "\n")
        os.replace(tmp, self.version_path)

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
        with self._lock:
            _ = self.writer

    # -- writing -------------------------------------------------------------------------
    def upsert(self, cables: Iterable[Cable], *, new: Iterable[str] = ()) -> int:
        """Replace the documents of these cables (not visible until ``commit``).

        ``new``: ref_ids known not to be in the index (cables stored for the first time):
        no delete is queued for them (each queued delete costs a term lookup in every
        segment at the next commit)."""
        fresh = set(new)
        docs = [(c.ref_id, to_document(c)) for c in cables]  # outside the lock: the slow part
        with self._lock:
            w = self.writer
            for ref, doc in docs:
                if ref not in fresh:
                    w.delete_documents_by_term("ref_id", ref)
                w.add_document(doc)
            if docs:
                self._dirty = True
                self._pending += len(docs)
                if self._oldest_pending is None:
                    self._oldest_pending = time.monotonic()
        return len(docs)

    def delete(self, ref_ids: Iterable[str]) -> None:
        with self._lock:
            w = self.writer
            for r in ref_ids:
                w.delete_documents_by_term("ref_id", r)
                self._dirty = True

    def commit(self) -> None:
        with self._lock:
            if self._writer is not None and self._dirty:
                self._writer.commit()
                self._dirty = False
                self.commits += 1
            self._pending = 0
            self._oldest_pending = None
            self._last_commit = time.monotonic()

    def maybe_commit(self, every: int) -> bool:
        """Commit if ``every`` documents (0: any) are waiting, or the last commit is old."""
        self._raise_auto_error()
        with self._lock:
            if not self._dirty:
                return False
            if self._pending >= every or time.monotonic() - self._last_commit >= COMMIT_SECONDS:
                self.commit()
                return True
            return False

    # -- freshness during bulk writes ----------------------------------------------------
    def start_autocommit(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        """Commit in a background thread whenever documents have waited ``fresh_seconds``.

        For bulk writes that gather commits (``index_commit_every``): what was stored is
        searchable within about ``fresh_seconds`` plus one commit, however slowly the
        writes come. A failed commit is raised by the next ``maybe_commit``/``commit``."""
        if self._auto is not None:
            return
        self._auto_stop.clear()

        def run() -> None:
            tick = max(0.02, fresh_seconds / 6)
            while not self._auto_stop.wait(tick):
                oldest = self._oldest_pending
                if oldest is None or time.monotonic() - oldest < fresh_seconds:
                    continue
                try:
                    self.commit()
                except Exception as e:  # noqa: BLE001 - handed to the writing thread
                    self._auto_error = e
                    return

        self._auto = threading.Thread(target=run, name="cablebase-index-autocommit", daemon=True)
        self._auto.start()

    @property
    def writing(self) -> bool:
        """This process holds the index's write lock."""
        return self._writer is not None

    @property
    def uncommitted(self) -> bool:
        """Documents were added or deleted since the last commit."""
        return self._dirty

    @property
    def autocommitting(self) -> bool:
        return self._auto is not None

    def stop_autocommit(self) -> None:
        t, self._auto = self._auto, None
        if t is not None:
            self._auto_stop.set()
            t.join()

    def _raise_auto_error(self) -> None:
        e, self._auto_error = self._auto_error, None
        if e is not None:
            raise e

    def rollback(self) -> None:
        with self._lock:
            if self._writer is not None and self._dirty:
                self._writer.rollback()
                self._dirty = False
            self._pending = 0
            self._oldest_pending = None

    def reset(self) -> None:
        """Delete every document, under the write lock (``Busy`` if another process holds it).

        Searchers keep seeing the old documents until the next ``commit``, so a rebuild
        replaces the index in one step. An index that cannot be opened (another schema or
        version, damaged files) is deleted and started afresh.
        """
        with self._lock:
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
        with self._lock:
            self.close()
            if self.path.exists():
                shutil.rmtree(self.path)
            self._index = None

    def close(self) -> None:
        self.stop_autocommit()
        with self._lock:
            if self._writer is not None:
                try:
                    self.commit()
                finally:
                    w, self._writer = self._writer, None
                    w.wait_merging_threads()
            self._index = None
        self._raise_auto_error()

    # -- reading -------------------------------------------------------------------------
    def _searcher(self) -> tantivy.Searcher:
        """A searcher on the latest commit (reloaded only when ``meta.json`` changed)."""
        ix = self.index
        try:
            st = os.stat(self.path / "meta.json")
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        if key is None or key != self._seen_meta:
            ix.reload()
            self._seen_meta = key
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

    def compile(self, query: str) -> Compiled:
        """The query compiled (``BadQuery`` when malformed); ``compile("")`` matches everything."""
        return Compiler(SCHEMA, ANALYZER.analyze, self.entity_lookup).compile(query)

    def parse_query(self, query: str) -> Query:
        """The tantivy query for a query string (``store.query``'s language)."""
        return self.compile(query).query  # type: ignore[return-value]

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

    def full_query(self, compiled: Compiled, filters: SearchFilters | None) -> Query:
        fq = self.filter_queries(filters or SearchFilters())
        q: Query = compiled.query  # type: ignore[assignment]
        if not fq:
            return q
        return Query.boolean_query([(Occur.Must, q)] + [(Occur.Must, Query.const_score_query(f, 0.0)) for f in fq])

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0,
               sort: str = "relevance") -> list[Hit]:
        return self.search_results(query, filters, limit=limit, offset=offset, sort=sort, facets=False,
                                   count=False).hits

    def search_results(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
                       offset: int = 0, sort: str = "relevance", facets: bool = True, facet_limit: int = 100,
                       count: bool = True) -> SearchResults:
        """A page of hits, the number of matches and (``facets``) the facet counts over all
        of them: origin, year, classification, tag (``facet_limit`` values each)."""
        t0 = time.perf_counter()
        sort = normalize_sort(sort)
        compiled = self.compile(query)
        q = self.full_query(compiled, filters)
        s = self._searcher()
        limit, offset = max(0, int(limit)), max(0, int(offset))
        if not s.num_docs:
            return SearchResults(query, 0, [], {k: [] for k in FACETS} if facets else {}, sort, offset, limit,
                                 (time.perf_counter() - t0) * 1000)
        if limit:
            if sort == "relevance":
                found = s.search(q, limit=limit, offset=offset, count=False).hits
                scored = [(float(score), addr) for score, addr in found]
            else:
                fieldname, order = _SORT_FIELDS[sort]
                found = s.search(q, limit=limit, offset=offset, count=False, order_by_field=fieldname, order=order).hits
                scored = [(0.0, addr) for _, addr in found]
        else:
            scored = []
        total = -1
        fac: dict[str, list[tuple[Any, int]]] = {}
        approximate: tuple[str, ...] = ()
        if facets or count:
            total, fac, approximate = self._aggregate(s, q, facets, facet_limit)
        hits = self._hits(s, compiled, scored)
        return SearchResults(query, total, hits, fac, sort, offset, limit, (time.perf_counter() - t0) * 1000,
                             approximate)

    def _aggregate(self, s: tantivy.Searcher, q: Query, facets: bool, facet_limit: int
                   ) -> tuple[int, dict[str, list[tuple[Any, int]]], tuple[str, ...]]:
        """(total, facets, facets estimated from a sample)."""
        size = max(1, int(facet_limit))
        seg = max(FACET_SEGMENT_SIZE, size)
        agg: dict[str, Any] = {"n": {"value_count": {"field": "kind"}}}
        if facets:
            agg["origin"] = {"terms": {"field": "origin_h", "size": size, "segment_size": seg}}
            agg["classification"] = {"terms": {"field": "class_h", "size": size, "segment_size": seg}}
            agg["year"] = {"terms": {"field": "year", "size": 1000, "segment_size": seg}}
        res = s.aggregate(q, agg)
        total = int(res["n"]["value"] or 0)
        if not facets:
            return total, {}, ()
        approximate: tuple[str, ...] = ()
        tag_q, scale = q, 1.0
        if total > TAG_EXACT_MAX:
            k = max(1, math.ceil(SHARDS * TAG_EXACT_MAX / total))
            if k < SHARDS:
                sample = Query.range_query(SCHEMA, "shard", tantivy.FieldType.Integer, 0, k - 1)
                tag_q = Query.boolean_query([(Occur.Must, q), (Occur.Must, sample)])
                scale = SHARDS / k
                approximate = ("tag",)
        tags = s.aggregate(tag_q, {"tag": {"terms": {"field": "tags_h", "size": size, "segment_size": seg}}})
        out: dict[str, list[tuple[Any, int]]] = {}
        for k_ in FACETS:
            src = tags if k_ == "tag" else res
            buckets = [(b["key"], int(b["doc_count"])) for b in src.get(k_, {}).get("buckets", [])]
            if k_ == "year":
                out[k_] = sorted(((int(y), n) for y, n in buckets), reverse=True)
                continue
            names = self._facet_names(s, k_, [int(h) for h, _ in buckets])
            vals = [(names[int(h)], n) for h, n in buckets if int(h) in names]
            if k_ == "tag" and scale != 1.0:
                vals = [(v, min(total, round(n * scale))) for v, n in vals]
            out[k_] = vals
        return total, out, approximate

    _FACET_FIELDS = {"origin": "origin_f", "classification": "class_f", "tag": "tags_f"}

    def _facet_names(self, s: tantivy.Searcher, facet: str, hashes: list[int]) -> dict[int, str]:
        """hash → value for a facet, from the values in the index (cached; re-read when a
        hash is new, i.e. after commits)."""
        cache = self._names.setdefault(facet, {})
        if any(h not in cache for h in hashes):
            for value, _n in s.terms_with_prefix(self._FACET_FIELDS[facet], ""):
                cache[facet_hash(value)] = value
        return cache

    def _hits(self, s: tantivy.Searcher, compiled: Compiled, scored: list[tuple[float, Any]]) -> list[Hit]:
        if not scored:
            return []
        snippets = _Snippets(s, compiled)
        return [self._hit(s.doc(addr), score, compiled, snippets) for score, addr in scored]

    def _hit(self, doc: Document, score: float, compiled: Compiled, snippets: _Snippets) -> Hit:
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
        return frag, _char_offsets(frag, ((h.start, h.end) for h in hl)), snip.fragment_range().start

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


__all__ = [
    "ANALYZER",
    "BadQuery",
    "INDEX_SCHEMA_VERSION",
    "IndexOutdated",
    "SCHEMA",
    "SNIPPET_CHARS",
    "SearchIndex",
    "cable_body",
    "paragraph_offsets",
    "to_document",
]
