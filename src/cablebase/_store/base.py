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
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
DICT_CODEC = "zstd:"
"""Codec prefix of a blob packed with one of the archive's dictionaries: ``zstd:<id>``."""
DICT_SIZE = 65_536
"""Bytes of a trained dictionary. Trained on 250 of the 2010 pages (1.2 s) and tried on 495
others, it packs a page (47 KB, most of it the site's navigation) into 5.2 KB at level 1
against 12.5 KB without: 2.4×, at the same speed (159 against 162 us a page). zstd's default
size (110 KB) and 800 pages did no better (5.4 KB) and took 2.8 s."""
DICT_MIN_SAMPLES = 200
"""Fewer inputs than this are too few to train on (and too few for the space to matter)."""
DICT_MIN_GAIN = 0.95
"""A trained dictionary is kept only if it packs the held-out inputs into this share of their
size packed without it, or less. It costs no speed, so 5% is worth it: on the scale bench's
resampled pages (12.6 KB, without the site's navigation) it packs 5.7 KB into 4.9 KB (0.86)."""


@dataclass(frozen=True, slots=True)
class RawDict:
    """A zstd dictionary stored in the archive (``raw_dicts``), trained on its own inputs.

    Pages of one site repeat the same navigation around every cable: a dictionary holds what
    they share, so each page's frame keeps only its own part. Blobs packed with it name it
    (codec ``zstd:<id>``); the archive keeps every dictionary it ever used."""

    id: int
    data: bytes

    @property
    def codec(self) -> str:
        return f"{DICT_CODEC}{self.id}"


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
    def pack(cls, raw: bytes, *, level: int = RAW_ZSTD_LEVEL, sha256: str | None = None,
             dictionary: RawDict | None = None) -> RawBlob:
        """Pack ``raw`` (with ``dictionary`` when given); ``sha256`` may be given when already
        computed from these very bytes."""
        raw = bytes(raw)
        sha = sha256 or hashlib.sha256(raw).hexdigest()
        if len(raw) >= RAW_MIN_COMPRESS and level > 0:
            packed = _compressor(level, dictionary).compress(raw)
            if len(packed) < len(raw) * 0.9:
                return cls(sha, len(raw), dictionary.codec if dictionary else "zstd", packed)
        return cls(sha, len(raw), None, raw)

    def unpack(self, dictionaries: Mapping[int, bytes] | None = None) -> bytes:
        return unpack_raw(self.codec, self.data, dictionaries)


_local = threading.local()


def _compressor(level: int, dictionary: RawDict | None = None) -> zstandard.ZstdCompressor:
    # One per level, dictionary and thread, reused: a compressor holds its context and is not
    # safe to share between threads. Frames carry the content size, so ``decompress`` sizes at once.
    cs = _local.__dict__.setdefault("compressors", {})
    key = (level, dictionary.data if dictionary else None)
    c = cs.get(key)
    if c is None:
        if dictionary is None:
            c = zstandard.ZstdCompressor(level=level, write_content_size=True)
        else:
            d = zstandard.ZstdCompressionDict(dictionary.data)
            c = zstandard.ZstdCompressor(level=level, dict_data=d, write_content_size=True)
        cs[key] = c
    return c


def _decompressor(key: tuple[int, bytes] | None) -> zstandard.ZstdDecompressor:
    ds = _local.__dict__.setdefault("decompressors", {})
    d = ds.get(key)
    if d is None:
        d = ds[key] = (zstandard.ZstdDecompressor() if key is None
                       else zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(key[1])))
    return d


def train_dictionary(samples: Sequence[bytes], *, size: int = DICT_SIZE, level: int = RAW_ZSTD_LEVEL) -> bytes | None:
    """A zstd dictionary trained on ``samples`` (raw inputs), or None when there are too few
    of them, training fails, or it would not pack the held-out tenth of them into
    ``DICT_MIN_GAIN`` of their size packed without it. Pure: bytes in, bytes out."""
    samples = [bytes(s) for s in samples if len(s) >= RAW_MIN_COMPRESS]
    if len(samples) < DICT_MIN_SAMPLES:
        return None
    held = samples[:: 10]
    train = [s for i, s in enumerate(samples) if i % 10]
    try:
        d = zstandard.train_dictionary(size, train)
    except zstandard.ZstdError:
        return None  # too little material in the samples
    data = d.as_bytes()
    plain = _compressor(level)
    with_dict = zstandard.ZstdCompressor(level=level, dict_data=zstandard.ZstdCompressionDict(data))
    before = sum(len(plain.compress(s)) for s in held)
    after = sum(len(with_dict.compress(s)) for s in held)
    return data if after <= before * DICT_MIN_GAIN else None


def dictionary_id(codec: str | None) -> int | None:
    """The id of the dictionary a blob of ``codec`` was packed with (``zstd:<id>``), or None."""
    if codec is None or not codec.startswith(DICT_CODEC):
        return None
    try:
        return int(codec[len(DICT_CODEC):])
    except ValueError:
        return None


def unpack_raw(codec: str | None, data: bytes, dictionaries: Mapping[int, bytes] | None = None) -> bytes:
    """The bytes a blob was packed from; ``dictionaries`` (id → data) for ``zstd:<id>`` blobs."""
    if codec is None:
        return bytes(data)
    if codec == "zstd" or codec.startswith(DICT_CODEC):
        key = None
        if codec != "zstd":
            ident, known = dictionary_id(codec), dictionaries or {}
            if ident is None or ident not in known:
                raise StoreError(f"stored raw input needs the archive's dictionary {codec!r}, which is missing")
            key = (ident, known[ident])
        try:
            return _decompressor(key).decompress(data)
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

    def raw_dictionary(self) -> RawDict | None:
        """The newest dictionary for packing raw inputs (``RawDict``), or None."""
        ...

    def add_raw_dictionary(self, data: bytes) -> RawDict:
        """Keep a trained dictionary (``train_dictionary``) and return it with its id."""
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


__all__ = ["ProgressCallback", "RawBlob", "RawDict", "Store", "dictionary_id", "train_dictionary", "unpack_raw"]
