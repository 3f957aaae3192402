"""The archive interface every backend implements (SQLite + tantivy now, PostgreSQL later).

A *cable* is identified by its reference ID. Each input that held it is a *source* (also
called a version): its raw bytes, form, location, sha256 and the record parsed from it. The
fullest source (``Cable.fullness()``) is the cable's *current* record. Adding a source is
idempotent: the key is (sha256 of the raw bytes, ref_id).
"""

from __future__ import annotations

import enum
import hashlib
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import zstandard

from ..errors import StoreError
from ..record import Cable


class Busy(StoreError):
    """Another process holds the archive's write lock (SQLite or the search index)."""


RAW_ZSTD_LEVEL = 1
"""zstd level for raw inputs at rest. On the cablegate pages level 1 packs 3.8× for 79 us a
page, where zlib level 1 (the codec of older archives) packed 3.5× for 351 us: as much CPU
as parsing the page. Archives keep whatever codec each blob was written with."""
RAW_MIN_COMPRESS = 512
"""Inputs smaller than this are kept as they are."""


@dataclass(frozen=True, slots=True)
class RawBlob:
    """An input's raw bytes packed for storage; ``unpack()`` gives them back verbatim.

    ``RawBlob.pack(data)`` is pure and can run in a parser process, so that the writer
    process only copies the (smaller) packed bytes.
    """

    sha256: str
    """sha256 of the original bytes: the key, and what ``Source.sha256`` holds."""
    size: int
    """Length of the original bytes."""
    codec: str | None
    """None: ``data`` is the bytes themselves; ``"zstd"``: a zstd frame; ``"zlib"``: zlib
    (archives written before zstd; still read)."""
    data: bytes

    @classmethod
    def pack(cls, raw: bytes, *, level: int = RAW_ZSTD_LEVEL, sha256: str | None = None) -> RawBlob:
        """Pack ``raw``; ``sha256`` may be given when already computed from these very bytes."""
        raw = bytes(raw)
        sha = sha256 or hashlib.sha256(raw).hexdigest()
        if len(raw) >= RAW_MIN_COMPRESS and level > 0:
            packed = _compressor(level).compress(raw)
            if len(packed) < len(raw) * 0.9:
                return cls(sha, len(raw), "zstd", packed)
        return cls(sha, len(raw), None, raw)

    def unpack(self) -> bytes:
        return unpack_raw(self.codec, self.data)


_local = threading.local()


def _compressor(level: int) -> zstandard.ZstdCompressor:
    # One per level and thread, reused: a compressor holds its context and is not safe to
    # share between threads. Frames carry the content size, so ``decompress`` sizes at once.
    cs = _local.__dict__.setdefault("compressors", {})
    c = cs.get(level)
    if c is None:
        c = cs[level] = zstandard.ZstdCompressor(level=level, write_content_size=True)
    return c


def unpack_raw(codec: str | None, data: bytes) -> bytes:
    if codec is None:
        return bytes(data)
    if codec == "zstd":
        try:
            return zstandard.ZstdDecompressor().decompress(data)
        except zstandard.ZstdError as e:
            raise StoreError(f"stored raw input is damaged (zstd: {e})") from None
    if codec == "zlib":
        try:
            return zlib.decompress(data)
        except zlib.error as e:
            raise StoreError(f"stored raw input is damaged (zlib: {e})") from None
    raise StoreError(f"unknown raw codec {codec!r}")


class Outcome(enum.Enum):
    """What adding one (cable, raw bytes) pair did."""

    NEW = "new"
    """A cable not seen before; this source is its current record."""
    UPDATED = "updated"
    """A new source of a known cable, fuller than the current one: it is now current."""
    VERSION = "version"
    """A new source of a known cable, kept but not fuller than the current one."""
    UNCHANGED = "unchanged"
    """This (sha256, ref_id) was already stored: nothing changed."""


@dataclass(frozen=True, slots=True)
class Added:
    ref_id: str
    """Where the cable was stored: its ref_id, or for one without, a provisional key (``UNREF-…``)
    or the cable with its text (``store.names``)."""
    outcome: Outcome


FILLABLE = ("created", "released", "classification", "origin", "subject")
"""Metadata the shown (fullest) version of a cable may lack — a blog copy without its release
date, a partial extract without its date — that another stored version has."""


def from_other_versions(
    current: dict[str, Any], others: Iterable[tuple[int, dict[str, Any] | None]]
) -> dict[str, dict[str, Any]]:
    """``{field: {"value", "source_id"}}`` for each of ``FILLABLE`` that the ``current`` record
    lacks, from the first of ``others`` (``(source id, record dict)``, read lazily and only while
    something is missing) that has it. The records are left as parsed: callers show what is
    filled in as coming from that version."""
    missing = [k for k in FILLABLE if not current.get(k)]
    filled: dict[str, dict[str, Any]] = {}
    if not missing:
        return filled
    for sid, other in others:
        for k in missing:
            if k not in filled and other and other.get(k):
                filled[k] = {"value": other[k], "source_id": sid}
        if len(filled) == len(missing):
            break
    return filled


@dataclass(frozen=True, slots=True)
class StoredSource:
    """One stored version of a cable (raw bytes are fetched separately: ``get_raw``)."""

    id: int
    ref_id: str
    sha256: str
    form: str | None
    location: str | None
    size: int
    added: str
    """UTC time the source was first stored, ISO 8601."""
    fullness: tuple[int, int, int]
    current: bool
    record: Cable

    def to_dict(self, *, record: bool = False) -> dict[str, Any]:
        d = {
            "id": self.id,
            "ref_id": self.ref_id,
            "sha256": self.sha256,
            "form": self.form,
            "location": self.location,
            "size": self.size,
            "added": self.added,
            "fullness": list(self.fullness),
            "current": self.current,
        }
        if record:
            d["record"] = self.record.to_dict()
        return d


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Facet filters; all given ones must match (tags: every tag listed).

    Matched exactly (case-insensitively) against the whole value, as a facet click gives
    it. The query language has the same and more (``origin:``, ``class:secret`` …)."""

    origin: str | None = None
    classification: str | None = None
    year: int | None = None
    tags: tuple[str, ...] = ()


class BadQuery(StoreError):
    """The search query is malformed: ``position`` (0-based character) and ``token`` say where.

    ``str(e)`` is one line (``bad search query at character 12 (')'): this ')' closes
    nothing``); ``pointer()`` gives the query with a caret under the place."""

    def __init__(self, reason: str, *, query: str | None = None, position: int | None = None,
                 token: str | None = None):
        self.reason = reason
        self.query = query
        self.position = position
        self.token = token
        where = f" at character {position + 1}" if position is not None else ""
        tok = f" ({token!r})" if token else ""
        super().__init__(f"bad search query{where}{tok}: {reason}")

    def pointer(self) -> str:
        """Two lines: the query, and a caret under the position (empty when unknown)."""
        if self.query is None or self.position is None:
            return ""
        q = " ".join(self.query.splitlines())
        pos = min(self.position, len(q))
        return f"{q}\n{' ' * pos}^"

    def to_dict(self) -> dict[str, Any]:
        return {"error": "bad_query", "message": str(self), "reason": self.reason,
                "position": self.position, "token": self.token}


SORTS = ("relevance", "created", "created-asc", "released", "released-asc")
"""Orders ``search`` accepts: best match first, or by date (newest first; ``-asc`` oldest
first). ``newest`` / ``oldest`` are accepted for ``created`` / ``created-asc``."""
SORT_ALIASES = {"newest": "created", "oldest": "created-asc", "created-desc": "created", "released-desc": "released"}

FACETS = ("origin", "year", "classification", "tag")


def paragraph_anchors(numbers: Iterable[int | None]) -> list[str]:
    """The HTML id of each paragraph of a cable page: ``par7`` for a numbered paragraph,
    ``text3`` (position) for an unnumbered one, ``par7-12`` when a number repeats."""
    seen: set[str] = set()
    out = []
    for i, num in enumerate(numbers):
        a = f"par{num}" if num is not None else f"text{i + 1}"
        if a in seen:
            a = f"{a}-{i + 1}"
        seen.add(a)
        out.append(a)
    return out


@dataclass(frozen=True, slots=True)
class Hit:
    ref_id: str
    subject: str | None
    created: str | None
    origin: str | None
    classification: str | None
    score: float
    snippet: str
    """Plain text of the best body fragment (within the paragraph that matched, when known)."""
    highlights: tuple[tuple[int, int], ...] = ()
    """(start, end) character offsets of matched terms within ``snippet``."""
    released: str | None = None
    tags: tuple[str, ...] = ()
    paragraph_index: int | None = None
    """Position (0-based) in ``Cable.paragraphs`` of the paragraph that matched, if any."""
    paragraph: int | None = None
    """That paragraph's number as written (``¶7`` → 7); None when unnumbered or no paragraph."""
    marking: str | None = None
    """That paragraph's portion mark as written (``S/NF``)."""
    anchor: str | None = None
    """That paragraph's id on the cable page (``par7``): link to ``/cable/REF#par7``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref_id": self.ref_id,
            "subject": self.subject,
            "created": self.created,
            "released": self.released,
            "origin": self.origin,
            "classification": self.classification,
            "tags": list(self.tags),
            "score": self.score,
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
            "paragraph_index": self.paragraph_index,
            "paragraph": self.paragraph,
            "marking": self.marking,
            "anchor": self.anchor,
        }


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results, the number of matches, and facet counts over all matches."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]]
    """``origin``, ``classification``, ``tag``: (value, count), most common first; ``year``:
    newest first. Empty when not asked for."""
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    took_ms: float = 0.0
    approximate: tuple[str, ...] = ()
    """Facets whose counts were estimated from a sample of the matches (``tag`` for large
    result sets: see ``store.index.TAG_EXACT_MAX``); the others, and ``total``, are exact."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "approximate": list(self.approximate),
            "sort": self.sort,
            "offset": self.offset,
            "limit": self.limit,
            "took_ms": round(self.took_ms, 2),
            "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [{"value": v, "count": n} for v, n in vals] for k, vals in self.facets.items()},
        }


@dataclass(frozen=True, slots=True)
class Stats:
    cables: int
    sources: int
    raw_inputs: int
    raw_bytes: int
    by_classification: list[tuple[str | None, int]] = field(default_factory=list)
    by_origin: list[tuple[str | None, int]] = field(default_factory=list)
    by_year: list[tuple[int | None, int]] = field(default_factory=list)
    by_form: list[tuple[str | None, int]] = field(default_factory=list)
    indexed: int | None = None
    """Documents in the search index (None when the backend has no separate index)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "cables": self.cables,
            "sources": self.sources,
            "raw_inputs": self.raw_inputs,
            "raw_bytes": self.raw_bytes,
            "indexed": self.indexed,
            "by_classification": dict(self.by_classification),
            "by_origin": dict(self.by_origin),
            "by_year": {str(k): v for k, v in self.by_year},
            "by_form": dict(self.by_form),
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Result of ``Store.check``: the archive is consistent when ``ok``."""

    integrity: list[str]
    """Problems the database itself reports (empty when fine)."""
    missing_from_index: list[str]
    """Ref IDs stored but not searchable."""
    extra_in_index: list[str]
    """Ref IDs in the index that the store does not hold."""
    duplicated_in_index: list[str]
    stored: int
    indexed: int

    @property
    def ok(self) -> bool:
        return not (self.integrity or self.missing_from_index or self.extra_in_index or self.duplicated_in_index)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "stored": self.stored,
            "indexed": self.indexed,
            "integrity": self.integrity,
            "missing_from_index": self.missing_from_index,
            "extra_in_index": self.extra_in_index,
            "duplicated_in_index": self.duplicated_in_index,
        }


@runtime_checkable
class Store(Protocol):
    """A cable archive. Implementations must make each cable's write atomic."""

    def add_cables(self, items: Iterable[tuple[Cable, bytes | RawBlob]]) -> list[Added]:
        """Store each cable with the raw bytes of the input it was parsed from.

        ``raw`` may be the bytes or a ``RawBlob`` already packed from them.

        Each cable is stored whole or not at all; the search index is updated after the
        records are committed. Raises ``StoreError`` (nothing of the failing cable stored).
        """
        ...

    def add_cable(self, cable: Cable, raw: bytes | RawBlob) -> Added:
        """``add_cables`` for one cable."""
        ...

    def get_cable(self, ref_id: str) -> Cable | None:
        """The current (fullest) record of a cable (by any of its names), or None."""
        ...

    def resolve(self, name: str) -> list[str]:
        """The stored cables a name stands for (several: the name is ambiguous)."""
        ...

    def get_sources(self, ref_id: str) -> list[StoredSource]:
        """Every stored version of a cable, current one first."""
        ...

    def get_raw(self, sha256: str) -> bytes | None:
        """The raw bytes of an input, verbatim, by their sha256."""
        ...

    def iter_cables(self) -> Iterator[Cable]:
        """Every cable's current record, ordered by ref_id."""
        ...

    def ref_ids(self) -> set[str]:
        ...

    def stats(self) -> Stats:
        ...

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0,
               sort: str = "relevance") -> list[Hit]:
        """Best matches first (or ``sort``: see ``SORTS``). An empty query matches every cable
        the filters allow. The query language is ``store.query``'s (``docs/query.md``);
        raises ``BadQuery`` for a malformed query."""
        ...

    def search_results(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
                       offset: int = 0, sort: str = "relevance", facets: bool = True,
                       facet_limit: int = 100) -> SearchResults:
        """``search`` plus the number of matches and facet counts (origin, year,
        classification, tag) over all of them."""
        ...

    def reindex(self, progress: ProgressCallback | None = None) -> int:
        """Rebuild the search index from the records; returns the number indexed."""
        ...

    def check(self) -> CheckReport:
        ...

    def flush(self) -> None:
        """Make every write so far searchable and durable (a no-op where writes already are)."""
        ...

    def close(self) -> None:
        """Flush, then release the archive."""
        ...


class ProgressCallback(Protocol):
    def __call__(self, done: int, total: int | None) -> None: ...


__all__ = [
    "Added",
    "BadQuery",
    "Busy",
    "FACETS",
    "CheckReport",
    "Hit",
    "Outcome",
    "ProgressCallback",
    "RawBlob",
    "SORTS",
    "SearchFilters",
    "SearchResults",
    "Stats",
    "Store",
    "StoredSource",
    "paragraph_anchors",
]
