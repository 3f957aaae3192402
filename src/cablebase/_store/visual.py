"""Read queries behind the timelines, threads and networks (``cablebase.web.visual``).

Plain SQL over the existing tables, written once for SQLite and PostgreSQL, on a read-only
connection (``Browse.db``):

- ``cable_months`` — ref_id → (month created, month released), ``YYYY-MM``;
- ``article_links`` — every article → cable link with the article's publication date;
- ``co_mentions`` — the entities mentioned in the same paragraphs as one entity, with the
  number of paragraphs they share, and the paragraphs of a set of entities (for the edges
  between them);
- ``entity_docs`` — the cables that mention an entity (its timeline).
"""

from __future__ import annotations

from typing import Any

from . import dialect

_CHUNK = 500


class VisualQueries:
    """On one connection (one per thread, as ``Browse``)."""

    def __init__(self, db: Any):
        self.db = db

    def has(self, *tables: str) -> bool:
        return len(dialect.tables(self.db, tables)) == len(tables)

    def cable_months(self) -> dict[str, tuple[str | None, str | None]]:
        return {r[0]: (r[1], r[2]) for r in self.db.execute(
            "SELECT ref_id, substr(created, 1, 7), substr(released, 1, 7) FROM cables")}

    def article_links(self) -> list[tuple[int, str, str | None]]:
        """(article id, ref_id as linked, publication date) of every link."""
        if not self.has("articles", "article_cables"):
            return []
        return [(int(r[0]), r[1], r[2]) for r in self.db.execute(
            "SELECT ac.article_id, ac.ref_id, a.published FROM article_cables ac"
            " JOIN articles a ON a.id = ac.article_id ORDER BY ac.article_id")]

    def articles_published(self, ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
        """article id → (publication date, title)."""
        out: dict[int, tuple[str | None, str | None]] = {}
        for i in range(0, len(ids), _CHUNK):
            ch = ids[i : i + _CHUNK]
            for r in self.db.execute(
                    f"SELECT id, published, title FROM articles WHERE id IN ({','.join('?' * len(ch))})", ch):
                out[int(r[0])] = (r[1], r[2])
        return out

    def entity_cables(self, eid: int) -> list[str]:
        """The documents (cables and ``article:ID``) that mention entity ``eid``."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT doc FROM mentions WHERE entity_id = ? ORDER BY doc", (eid,))]

    def co_mentions(self, eid: int, limit: int = 20) -> list[tuple[int, str, str, int, str]]:
        """(entity id, name, type, shared paragraphs, key) of the entities mentioned in the same
        paragraphs as ``eid``, most shared first."""
        rows = self.db.execute(
            "SELECT x.entity_id, e.name, e.type, count(*) AS n, e.key FROM ("
            " SELECT DISTINCT m.entity_id, m.doc, m.paragraph FROM mentions m"
            " JOIN (SELECT DISTINCT doc, paragraph FROM mentions WHERE entity_id = ? AND paragraph IS NOT NULL) p"
            " ON p.doc = m.doc AND p.paragraph = m.paragraph WHERE m.entity_id <> ?) x"
            " JOIN entities e ON e.id = x.entity_id"
            " GROUP BY x.entity_id, e.name, e.type, e.key ORDER BY n DESC, e.name LIMIT ?",
            (eid, eid, limit))
        return [(int(r[0]), r[1], r[2], int(r[3]), r[4]) for r in rows]

    def entity_name(self, eid: int) -> tuple[str, str, str] | None:
        """(name, type, key) of an entity."""
        r = self.db.execute("SELECT name, type, key FROM entities WHERE id = ?", (eid,)).fetchone()
        return (r[0], r[1], r[2]) if r else None

    def paragraphs_of(self, ids: list[int]) -> dict[int, set[tuple[str, int]]]:
        """entity id → the (doc, paragraph) pairs that mention it."""
        out: dict[int, set[tuple[str, int]]] = {i: set() for i in ids}
        if not ids:
            return out
        for r in self.db.execute(
                "SELECT DISTINCT entity_id, doc, paragraph FROM mentions WHERE paragraph IS NOT NULL"
                f" AND entity_id IN ({','.join('?' * len(ids))})", ids):
            out[int(r[0])].add((r[1], int(r[2])))
        return out

    # -- for the FollowTheMoney export (``pipeline.ftm``) ----------------------------------
    def entities_all(self) -> list[tuple[int, str, str]]:
        """(id, type, name) of every entity not merged into another."""
        if not self.has("entities"):
            return []
        return [(int(r[0]), r[1], r[2]) for r in self.db.execute(
            "SELECT id, type, name FROM entities WHERE merged_into IS NULL ORDER BY id")]

    def mentions_by_doc(self) -> list[tuple[str, int, str, int]]:
        """(document, entity id, a spelling as written, mentions) of every cable and article
        document, by document."""
        if not self.has("mentions"):
            return []
        return [(r[0], int(r[1]), r[2], int(r[3])) for r in self.db.execute(
            "SELECT doc, entity_id, min(text), count(*) FROM mentions GROUP BY doc, entity_id ORDER BY doc, entity_id")]
