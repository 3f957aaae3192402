"""What enrichment reads from the archive: the cables' current records and the feeds' articles.

``EnrichSource(conn)`` reads them over any ``sqlite3.Connection`` (the cable store's ``db``)
and creates nothing: a bare enrichment database has neither ``cable_records`` nor
``articles``, which ``has_table`` tells. The enrichment stage (``cablebase.pipeline.enrich``) and
the similar-cable lists (``cablebase.enrich.similar``) read their input here; what they find
goes to ``EntityStore``.

Iterators read as they are consumed (one statement each); ``cable_records_of`` and
``articles_of`` read ``CHUNK`` ids per statement, the next chunk when the last was consumed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from . import dialect

CHUNK = 500
"""Ids per ``IN (…)`` statement."""


class EnrichSource:
    """The archive's documents as enrichment reads them (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection):
        self.db = conn

    def has_table(self, name: str) -> bool:
        return bool(dialect.tables(self.db, (name,)))

    # -- cables --------------------------------------------------------------------------------
    def cable_record_texts(self) -> Iterator[str]:
        """Every cable's current record (JSON), in the table's order."""
        return (rec for (rec,) in self.db.execute("SELECT record FROM cable_records"))

    def cable_records_by_ref(self) -> Iterator[tuple[str, str]]:
        """(ref_id, record JSON) of every cable, by ref_id."""
        return iter(self.db.execute("SELECT ref_id, record FROM cable_records ORDER BY ref_id"))

    def cable_records_dated(self) -> Iterator[tuple[str, str, str | None]]:
        """(ref_id, record JSON, created) of every cable with a record."""
        return iter(self.db.execute(
            "SELECT r.ref_id, r.record, c.created FROM cable_records r JOIN cables c ON c.ref_id = r.ref_id"
        ))

    def cable_records_of(self, refs: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(ref_id, record JSON) of the given cables (those with a record)."""
        refs = list(refs)
        for i in range(0, len(refs), CHUNK):
            part = refs[i : i + CHUNK]
            marks = ",".join("?" * len(part))
            yield from self.db.execute(f"SELECT ref_id, record FROM cable_records WHERE ref_id IN ({marks})", part).fetchall()

    # -- articles ------------------------------------------------------------------------------
    def article_texts(self) -> Iterator[tuple[int, str, str | None, str | None, str | None]]:
        """(id, text, title, language, published) of every article with a text."""
        return iter(self.db.execute(
            "SELECT id, text, title, language, published FROM articles WHERE text IS NOT NULL AND length(text) > 0"
        ))

    def articles_of(self, ids: Iterable[int]) -> Iterator[tuple[int, str | None, str]]:
        """(id, title, text) of the given articles."""
        ids = list(ids)
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            marks = ",".join("?" * len(part))
            yield from self.db.execute(f"SELECT id, title, text FROM articles WHERE id IN ({marks})", part).fetchall()


__all__ = ["EnrichSource"]
