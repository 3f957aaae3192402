"""The archive's value types: what its use cases return and take (besides the cable record
itself, ``Cable`` and its parts, in ``record``). Plain frozen dataclasses with ``to_dict()``
for the JSON forms; the CLI, the web app and the storage backends all use these."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .parse.feed_model import FeedImage
from .record import Cable

PROVISIONAL_PREFIX = "UNREF-"
"""Key of a cable stored without a reference ID (``UNREF-`` + 16 upper-case hex digits)."""


def is_provisional(ref_id: str | None) -> bool:
    """True for a provisional key (``UNREF-…``): the cable's reference ID was never read."""
    return bool(ref_id) and ref_id.startswith(PROVISIONAL_PREFIX)  # type: ignore[union-attr]


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


@dataclass(slots=True)
class MigrateReport:
    """Result of ``Archive.migrate_to``: every table's rows on both sides, and the target's check."""

    source: str
    target: str
    tables: list[tuple[str, int, int]]
    """(table, rows in the source, rows in the target after the copy)."""
    indexed: int
    """Cables the target's new search index holds."""
    check: CheckReport

    @property
    def ok(self) -> bool:
        return self.check.ok and all(a == b for _, a, b in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "source": self.source, "target": self.target, "indexed": self.indexed,
                "tables": [{"table": t, "source": a, "target": b} for t, a, b in self.tables],
                "check": self.check.to_dict()}


BROWSE_KINDS = ("created", "released", "origin", "tag", "classification")
"""What cables can be browsed by (``cables_where(kind, value)``)."""


@dataclass(frozen=True, slots=True)
class CableRow:
    """One line of a cable listing."""

    ref_id: str
    created: str | None
    released: str | None
    origin: str | None
    classification: str | None
    subject: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref_id": self.ref_id, "created": self.created, "released": self.released, "origin": self.origin,
            "classification": self.classification, "subject": self.subject,
        }


@dataclass(frozen=True, slots=True)
class FacetRow:
    """What ``facet_table`` holds for one cable."""

    origin: str | None
    year: int | None
    classification: str | None
    tags: tuple[str, ...]
    created: str | None


@dataclass(slots=True)
class Link:
    """One article → cable link: how the article names the cable (``kind``: cited, embedded …)."""

    ref_id: str
    kind: str
    offset: int | None = None
    snippet: str | None = None
    via: str | None = None


@dataclass(slots=True)
class Article:
    """One article as a feed entry gave it, ready to store (what the poller computed from the entry)."""

    entry_key: str
    entry_hash: str
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    summary: str | None = None
    content: str | None = None
    text: str = ""
    language: str | None = None
    content_hash: str | None = None
    images: list[FeedImage] = field(default_factory=list)
    links: list[Link] | None = None
    """None: leave links as they are; a list: replace the article's links with it."""


def reduce_slots(self):
    """Pickle a slotted dataclass as its constructor's arguments (fields in order): smaller and
    ~30% faster both ways than the default, which matters for the prepare workers' answers."""
    return (type(self), tuple([getattr(self, f) for f in self.__slots__]))


Link.__reduce__ = Article.__reduce__ = reduce_slots  # type: ignore[method-assign]
