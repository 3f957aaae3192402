"""The archive interface every backend implements (SQLite + tantivy now, PostgreSQL later).

A *cable* is identified by its reference ID. Each input that held it is a *source* (also
called a version): its raw bytes, form, location, sha256 and the record parsed from it. The
fullest source (``Cable.fullness()``) is the cable's *current* record. Adding a source is
idempotent: the key is (sha256 of the raw bytes, ref_id).
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import zstandard

from ..errors import StoreError
from ..model import Added, CheckReport, Hit, SearchFilters, SearchResults, Stats, StoredSource
from ..record import Cable


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


__all__ = ["ProgressCallback", "RawBlob", "Store", "unpack_raw"]
