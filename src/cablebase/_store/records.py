"""Reading the SQLite archive's records: cables by any name, their versions, raw inputs, counts.

``ArchiveRecords`` reads what ``store.write`` wrote (through the store's connection ``db``):
the current record of a cable, every stored version of it with its raw input, all cables,
and the figures of ``cablebase stats``. ``SQLiteStore`` is one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from ..config import Settings
from ..errors import StoreError
from ..record import Cable
from . import names
from .base import unpack_raw
from .raw_dicts import RawDicts
from ..model import FILLABLE, Stats, StoredSource
from .index import SearchIndex


class ArchiveRecords:
    """Reads of the archive's records (see the module doc)."""

    db: sqlite3.Connection
    index: SearchIndex
    _raw_dicts: RawDicts
    settings: Settings

    def _resolve(self, ref_id: str) -> str | None:
        return names.resolve_one(self.db, ref_id)

    def resolve(self, name: str) -> list[str]:
        """The stored cables ``name`` stands for (any name of a cable: ``store.names``); several: ambiguous."""
        return names.resolve(self.db, name)

    def get_cable(self, ref_id: str) -> Cable | None:
        ref = self._resolve(ref_id)
        if ref is None:
            return None
        row = self.db.execute("SELECT record FROM cable_records WHERE ref_id = ?", (ref,)).fetchone()
        return Cable.from_dict(orjson.loads(row[0])) if row else None

    def get_sources(self, ref_id: str) -> list[StoredSource]:
        ref = self._resolve(ref_id)
        if ref is None:
            return []
        rows = self.db.execute(
            "SELECT s.id, s.ref_id, s.sha256, s.form, s.location, r.size, s.added, s.complete, s.paragraphs,"
            " s.body_len, s.id = c.source_id, s.record"
            " FROM sources s JOIN raw_inputs r ON r.sha256 = s.sha256 JOIN cables c ON c.ref_id = s.ref_id"
            " WHERE s.ref_id = ? ORDER BY s.id = c.source_id DESC, s.id",
            (ref,),
        )
        return [
            StoredSource(
                id=r[0], ref_id=r[1], sha256=r[2], form=r[3], location=r[4], size=r[5], added=r[6],
                fullness=(r[7], r[8], r[9]), current=bool(r[10]), record=Cable.from_dict(orjson.loads(r[11])),
            )
            for r in rows
        ]

    def get_raw(self, sha256: str) -> bytes | None:
        row = self.db.execute("SELECT codec, data FROM raw_inputs WHERE sha256 = ?", (sha256,)).fetchone()
        return unpack_raw(row[0], row[1], self._raw_dicts.lookup(row[0])) if row else None

    def iter_cables(self) -> Iterator[Cable]:
        cur = self.db.execute("SELECT record FROM cable_records ORDER BY ref_id")
        for (rec,) in cur:
            yield Cable.from_dict(orjson.loads(rec))

    def iter_indexed(self) -> Iterator[Cable]:
        """Every cable's current record with the fields it lacks from its row (filled in from
        its other versions when stored: ``fill``): what its index document holds."""
        cols = ", ".join(f"c.{k}" for k in FILLABLE)
        cur = self.db.execute(
            f"SELECT r.record, {cols} FROM cable_records r JOIN cables c ON c.ref_id = r.ref_id ORDER BY r.ref_id")
        for rec, *vals in cur:
            c = Cable.from_dict(orjson.loads(rec))
            missing = {k: v for k, v in zip(FILLABLE, vals) if v and not getattr(c, k)}
            yield replace(c, **missing) if missing else c

    def ref_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT ref_id FROM cables")}

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM cables").fetchone()[0]

    def stats(self) -> Stats:
        db = self.db

        def grouped(col: str, table: str = "cables") -> list[tuple[Any, int]]:
            return [tuple(r) for r in db.execute(f"SELECT {col}, count(*) AS n FROM {table} GROUP BY {col} ORDER BY n DESC, {col}")]  # type: ignore[misc]

        raw = db.execute("SELECT count(*), coalesce(sum(size), 0) FROM raw_inputs").fetchone()
        try:
            indexed: int | None = self.index.num_docs
        except StoreError:
            indexed = None
        return Stats(
            cables=self.count(),
            sources=db.execute("SELECT count(*) FROM sources").fetchone()[0],
            raw_inputs=raw[0],
            raw_bytes=raw[1],
            by_classification=grouped("classification"),
            by_origin=grouped("origin"),
            by_year=[tuple(r) for r in db.execute("SELECT year, count(*) FROM cables GROUP BY year ORDER BY year")],  # type: ignore[misc]
            by_form=grouped("form", "sources"),
            indexed=indexed,
        )

    def disk_usage(self) -> dict[str, int]:
        """Bytes on disk: ``records`` (the database: SQLite's files, or PostgreSQL's database),
        ``index`` (the tantivy directory), what the record JSON takes: ``record_json``
        (as text) and ``record_json_stored`` (as stored: PostgreSQL compresses it, lz4), and
        what the raw inputs take: ``raw`` (their bytes) and ``raw_stored`` (packed, zstd)."""
        out = {"records": self._database_bytes(), "index": _dir_bytes(self.index.path)}
        row = self.db.execute(self.RECORD_BYTES_SQL).fetchone()
        out["record_json"], out["record_json_stored"] = int(row[0] or 0), int(row[1] or 0)
        row = self.db.execute("SELECT sum(size), sum(length(data)) FROM raw_inputs").fetchone()
        out["raw"], out["raw_stored"] = int(row[0] or 0), int(row[1] or 0)
        return out

    RECORD_BYTES_SQL = "SELECT sum(length(CAST(record AS BLOB))), sum(length(CAST(record AS BLOB))) FROM sources"

    def _database_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.settings.db_dir.glob("cablebase.sqlite*") if p.is_file())


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0
