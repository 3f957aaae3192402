"""One batch of cables into the SQLite archive: versions, current records, names (SQL only).

``prepare`` checks and packs what is to be stored (outside any transaction); ``write`` runs in
the caller's transaction and returns what it did: ``Added`` per item, the cables whose current
record changed (to index), and the provisional keys that are no longer cables (to take out of
the index). See ``store.sqlite_schema`` for the tables and ``store.names`` for names and provisional keys.

A cable without a reference ID is stored under its text key (``UNREF-…``), or as a version of
the one stored cable that has the same text; a cable with an ID absorbs the provisional cable
with its text (``names.merge``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from ..errors import StoreError
from ..record import Cable
from . import names
from .base import RawBlob
from .fill import fill_from_versions
from ..model import Added, Outcome
from .index_documents import safe_year

_CURRENT_SQL = """
SELECT c.ref_id, c.source_id, s.complete, s.paragraphs, s.body_len
FROM cables c JOIN sources s ON s.id = c.source_id WHERE c.ref_id IN ({})
"""
_CHUNK = 500  # host parameters per IN (...) list


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def chunks(seq: list[Any], n: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def list_pending(db: sqlite3.Connection, refs: list[str]) -> dict[str, int]:
    """List the changed (or removed) cables in index_pending, in the write's transaction:
    ref_id → seq. A new seq each time: the row of an older write must not clear this one."""
    out: dict[str, int] = {}
    refs = list(dict.fromkeys(refs))
    for ch in chunks(refs):
        marks = ",".join("?" * len(ch))
        db.execute(f"DELETE FROM index_pending WHERE ref_id IN ({marks})", ch)
        out.update((ref, seq) for seq, ref in db.execute(
            f"INSERT INTO index_pending (ref_id) VALUES {','.join(['(?)'] * len(ch))} RETURNING seq, ref_id", ch))
    return out


@dataclass(slots=True)
class Item:
    cable: Cable
    blob: RawBlob
    fullness: tuple[int, int, int]
    record: str
    tkey: str
    """The text key of the cable (``names.text_key``)."""
    key: str
    """Where it is stored: its ref_id, else its text key or the cable that has its text."""

    @property
    def sha(self) -> str:
        return self.blob.sha256


def prepare(items: Iterable[tuple[Cable, bytes | RawBlob]]) -> list[Item]:
    out: list[Item] = []
    blobs: dict[int, RawBlob] = {}
    for cable, raw in items:
        if isinstance(raw, RawBlob):
            blob = raw
        elif isinstance(raw, (bytes, bytearray, memoryview)):
            blob = blobs.get(id(raw))  # type: ignore[assignment]
            if blob is None:
                blob = blobs[id(raw)] = RawBlob.pack(raw)
        else:
            raise TypeError(f"raw must be bytes or RawBlob, not {type(raw).__name__}")
        tkey = names.text_key(names.record_text(cable))
        if cable.source is not None and cable.source.sha256 and cable.source.sha256 != blob.sha256:
            raise StoreError(f"{cable.ref_id or tkey}: the raw bytes given are not those the cable was parsed from")
        record = orjson.dumps(cable).decode("utf-8")  # dataclasses natively: == to_dict(), 4x faster
        out.append(Item(cable, blob, cable.fullness(), record, tkey, cable.ref_id or tkey))
    return out


def describe(items: list[Item]) -> str:
    refs = list(dict.fromkeys(it.key for it in items))
    if len(refs) == 1:
        return f"cable {refs[0]}"
    return f"{len(refs)} cables ({refs[0]} … {refs[-1]})"


def _fuller(new: tuple[int, int, int], old: tuple[int, int, int], referenced: bool) -> bool:
    """Whether a new version replaces the current one: fuller; a version whose ref_id was not
    read must be fuller than by the length of its body (the same text, differently spaced)."""
    return new > old if referenced else new[:2] > old[:2]


def _route_unreferenced(db: sqlite3.Connection, items: list[Item]) -> None:
    """Store a cable without ID as a version of the one cable (of this batch or stored) with its text."""
    lost = [it for it in items if not it.cable.ref_id]
    if not lost:
        return
    claims: dict[str, set[str]] = {}
    for it in items:
        if it.cable.ref_id:
            claims.setdefault(it.tkey, set()).add(it.key)
    for k, refs in names.owners(db, list({it.tkey for it in lost})).items():
        claims.setdefault(k, set()).update(refs)
    for it in lost:
        refs = claims.get(it.tkey)
        if refs and len(refs) == 1:
            it.key = next(iter(refs))


def write(db: sqlite3.Connection, items: list[Item]) -> tuple[list[Added], list[Cable], list[str]]:
    """Store ``items`` (in the caller's transaction): (results, changed current records, removed keys)."""
    shas = list({it.sha for it in items})
    known_raw: set[str] = set()
    known_src: set[tuple[str, str]] = set()
    for ch in chunks(shas):
        marks = ",".join("?" * len(ch))
        known_raw.update(r[0] for r in db.execute(f"SELECT sha256 FROM raw_inputs WHERE sha256 IN ({marks})", ch))
        known_src.update(db.execute(f"SELECT sha256, ref_id FROM sources WHERE sha256 IN ({marks})", ch))
    new_raw: dict[str, RawBlob] = {}
    for it in items:
        if it.sha not in known_raw and it.sha not in new_raw:
            new_raw[it.sha] = it.blob
    if new_raw:
        db.executemany(
            "INSERT INTO raw_inputs (sha256, size, codec, data) VALUES (?, ?, ?, ?)",
            ((b.sha256, b.size, b.codec, b.data) for b in new_raw.values()),
        )
    _route_unreferenced(db, items)
    refs = list({it.key for it in items})
    current: dict[str, tuple[int, tuple[int, int, int]]] = {}
    for ch in chunks(refs):
        for ref, sid, a, b, c in db.execute(_CURRENT_SQL.format(",".join("?" * len(ch))), ch):
            current[ref] = (sid, (a, b, c))
    in_db = set(current)
    stamp = now()
    results: list[Added] = []
    changed: dict[str, tuple[int, Cable, bool]] = {}
    stored: list[Item] = []
    for it in items:
        key = (it.sha, it.key)
        if key not in known_src:
            known_src.add(key)
            stored.append(it)
    sids = _insert_sources(db, stored, stamp)
    for it in items:
        ref = it.key
        sid = sids.pop((it.sha, ref), None)
        if sid is None:  # stored before, or earlier in this batch
            results.append(Added(ref, Outcome.UNCHANGED))
            continue
        old = current.get(ref)
        if old is None:
            outcome = Outcome.NEW
        elif _fuller(it.fullness, old[1], bool(it.cable.ref_id)):
            outcome = Outcome.UPDATED
        else:
            results.append(Added(ref, Outcome.VERSION))
            continue
        current[ref] = (sid, it.fullness)
        changed[ref] = (sid, it.cable if it.cable.ref_id == ref else replace(it.cable, ref_id=ref), ref in in_db)
        results.append(Added(ref, outcome))
    names.add(db, ((n, it.key) for it in stored for n in (*names.names_of(it.key, it.cable.aliases), it.tkey)))
    removed = _merge_provisional(db, stored, current, changed, in_db)
    fill_from_versions(db, [r for r in dict.fromkeys(it.key for it in stored) if r not in removed], changed, chunks)
    rows = {True: [], False: []}
    for ref, (sid, c, existed) in changed.items():
        rows[existed].append((sid, safe_year(c), c.created, c.released, c.origin, c.classification, c.subject,
                              int(c.partial), stamp, ref))
    if rows[True]:
        db.executemany(
            "UPDATE cables SET source_id=?, year=?, created=?, released=?, origin=?, classification=?,"
            " subject=?, partial=?, updated=? WHERE ref_id=?",
            rows[True],
        )
        for ch in chunks([r[-1] for r in rows[True]]):
            db.execute(f"DELETE FROM cable_tags WHERE ref_id IN ({','.join('?' * len(ch))})", ch)
    if rows[False]:
        db.executemany(
            "INSERT INTO cables (source_id, year, created, released, origin, classification, subject,"
            " partial, updated, ref_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows[False],
        )
    tags = [(ref, t) for ref, (_, c, _) in changed.items() for t in dict.fromkeys(t for t in c.tags if t)]
    if tags:
        db.executemany("INSERT INTO cable_tags (ref_id, tag) VALUES (?, ?)", tags)
    return results, [c for _, c, _ in changed.values()], removed


_SOURCE_COLS = "(ref_id, sha256, form, location, added, complete, paragraphs, body_len, record)"
_SOURCES_PER_INSERT = 300
"""Rows per multi-row INSERT (9 parameters each: well under either engine's limit)."""


def _insert_sources(db: sqlite3.Connection, items: list[Item], stamp: str) -> dict[tuple[str, str], int]:
    """Insert a version per item, in order, a few hundred rows per statement (one round trip
    each on a server): (sha256, key) → its new id."""
    out: dict[tuple[str, str], int] = {}
    for ch in chunks(items, _SOURCES_PER_INSERT):
        args: list[Any] = []
        for it in ch:
            src = it.cable.source
            args += (it.key, it.sha, src.form if src else None, src.location if src else None, stamp, *it.fullness,
                     it.record)
        sql = (f"INSERT INTO sources {_SOURCE_COLS} VALUES {','.join(['(?, ?, ?, ?, ?, ?, ?, ?, ?)'] * len(ch))}"
               " RETURNING id, sha256, ref_id")
        out.update(((sha, ref), sid) for sid, sha, ref in db.execute(sql, args))
    return out


def _merge_provisional(
    db: sqlite3.Connection,
    stored: list[Item],
    current: dict[str, tuple[int, tuple[int, int, int]]],
    changed: dict[str, tuple[int, Cable, bool]],
    in_db: set[str],
) -> list[str]:
    """Merge each provisional cable whose text a cable with an ID of this batch has into it;
    a moved version fuller than that cable's current one becomes current. Returns the keys merged."""
    claims: dict[str, set[str]] = {}
    for it in stored:
        if it.cable.ref_id:
            claims.setdefault(it.tkey, set()).add(it.key)
    found = names.provisional_among(db, list(claims)) if claims else set()
    removed = []
    for key in sorted(found):
        if len(claims[key]) != 1:
            continue  # two cables with this text: which one it is stays open
        ref = next(iter(claims[key]))
        changed.pop(key, None)
        current.pop(key, None)
        best = None
        for sid, fullness, rec in names.merge(db, key, ref):
            if _fuller(fullness, (best or current[ref])[1], False):
                best = (sid, fullness, rec)
        if best is not None:
            sid, fullness, rec = best
            current[ref] = (sid, fullness)
            cable = Cable.from_dict(orjson.loads(rec))
            changed[ref] = (sid, cable if cable.ref_id == ref else replace(cable, ref_id=ref), ref in in_db)
        removed.append(key)
    return removed


__all__ = ["Item", "chunks", "describe", "now", "prepare", "write"]
