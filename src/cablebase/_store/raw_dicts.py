"""The archive's zstd dictionaries for raw inputs (table ``raw_dicts``).

An ingest trains one on its first inputs when the archive has none (``base.train_dictionary``)
and keeps it here; the parser processes pack every input with the newest one, and a blob names
the dictionary it needs (codec ``zstd:<id>``). A dictionary is never changed or removed, so
every blob stays readable; ``get_raw`` looks it up here.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from .base import RawDict, dictionary_id
from .sqlite_schema import Transaction


class RawDicts:
    """Reads and writes of ``raw_dicts`` through the store's connection ``db``."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._known: dict[int, bytes] = {}

    def newest(self) -> RawDict | None:
        row = self.db.execute("SELECT id, data FROM raw_dicts ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        self._known[row[0]] = bytes(row[1])
        return RawDict(row[0], self._known[row[0]])

    def add(self, data: bytes) -> RawDict:
        with Transaction(self.db):
            ident = self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM raw_dicts").fetchone()[0]
            self.db.execute("INSERT INTO raw_dicts (id, created, data) VALUES (?, ?, ?)",
                            (ident, datetime.now(UTC).isoformat(timespec="seconds"), bytes(data)))
        self._known[ident] = bytes(data)
        return RawDict(ident, self._known[ident])

    def lookup(self, codec: str | None) -> dict[int, bytes]:
        """The dictionaries a blob of ``codec`` needs (all known ones; loaded on first need)."""
        ident = dictionary_id(codec)
        if ident is not None and ident not in self._known:
            row = self.db.execute("SELECT data FROM raw_dicts WHERE id = ?", (ident,)).fetchone()
            if row is not None:
                self._known[ident] = bytes(row[0])
        return self._known
