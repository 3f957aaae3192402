"""What enrichment found, in the archive's SQLite file: entities, mentions, the cable graph,
similar cables, typed tags and acronyms.

``EntityStore(conn)`` works on any ``sqlite3.Connection`` (the cable store's ``db``, or its
own) and creates its tables with ``CREATE TABLE IF NOT EXISTS`` (``store.entity_writes``
lists them, writes them and says how person variants merge).

``EntityStore`` reads them: an entity by any of its names (``resolve``), its page (documents,
timeline, co-mentions), a document's mentions, typed TAGS and acronyms, the cable graph
(``cites``, ``cited_by``) and similar cables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from ..enrich.entity_names import fold
from . import dialect
from .entity_writes import SCHEMA, EntityWriter

TYPES = ("PER", "ORG", "PLACE")


class EntityStore(EntityWriter):
    """Entities, mentions, the cable graph and similar cables (see the module doc)."""

    # -- reading: entities ---------------------------------------------------------------
    def resolve(self, name: str, type_: str | None = None) -> list[int]:
        """Entity ids a name (as a user types it) stands for; best first (most mentioned).

        Tries the key, the folded spelling among aliases, then names ending with it
        (``Luna`` finds nothing; ``Garcia Luna`` finds Genaro Garcia Luna)."""
        f = fold(name)
        if not f:
            return []
        db = self.db
        if type_:
            types = (type_,)
        else:
            types = TYPES
        ids: list[int] = []
        for t in types:
            row = db.execute("SELECT coalesce(merged_into, id) FROM entities WHERE key = ?", (f"{t}:{f}",)).fetchone()
            if row:
                ids.append(row[0])
        for (eid,) in db.execute(
            "SELECT DISTINCT coalesce(e.merged_into, e.id) FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
            " WHERE a.alias = ?",
            (f,),
        ):
            ids.append(eid)
        if not ids and len(f.split()) >= 2:
            last = f.split()[-1]
            for (eid, key) in db.execute("SELECT id, key FROM entities WHERE last = ? AND merged_into IS NULL", (last,)):
                if key.split(":", 1)[1].endswith(" " + f):
                    ids.append(eid)
        ids = list(dict.fromkeys(ids))
        if type_:
            ids = [i for i in ids if self._type(i) == type_]
        counts = {i: self._count(i) for i in ids}
        return sorted(ids, key=lambda i: -counts[i])

    def _type(self, eid: int) -> str | None:
        row = self.db.execute("SELECT type FROM entities WHERE id = ?", (eid,)).fetchone()
        return row[0] if row else None

    def _count(self, eid: int) -> int:
        return self.db.execute("SELECT count(*) FROM mentions WHERE entity_id = ?", (eid,)).fetchone()[0]

    def entity(self, eid: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT id, key, type, name, merged_into FROM entities WHERE id = ?", (eid,)).fetchone()
        if not row:
            return None
        if row[4] is not None:
            return self.entity(row[4])
        aliases = [r[0] for r in self.db.execute("SELECT alias FROM entity_aliases WHERE entity_id = ? ORDER BY alias", (eid,))
                   if ":" not in r[0] and "@" not in r[0]]  # not the evidence keys
        variants = [
            r[0]
            for r in self.db.execute(
                "SELECT text, count(*) n FROM mentions WHERE entity_id = ? GROUP BY text ORDER BY n DESC, text LIMIT 20", (eid,)
            )
        ]
        n, docs = self.db.execute("SELECT count(*), count(DISTINCT doc) FROM mentions WHERE entity_id = ?", (eid,)).fetchone()
        return {
            "id": row[0], "key": row[1], "type": row[2], "name": row[3], "scoped": "@" in row[1],
            "aliases": aliases, "spellings": variants, "mentions": n, "documents": docs,
        }

    def documents(self, eid: int) -> list[dict[str, Any]]:
        """Every cable and article mentioning the entity: doc, kind, mentions, month, paragraphs."""
        numbers = ("string_agg(DISTINCT CAST(m.number AS TEXT), ',')" if dialect.is_pg(self.db)
                   else "group_concat(DISTINCT m.number)")
        rows = self.db.execute(
            f"SELECT m.doc, m.kind, count(*), e.month, {numbers}"
            " FROM mentions m LEFT JOIN enriched e ON e.doc = m.doc WHERE m.entity_id = ?"
            " GROUP BY m.doc, m.kind, e.month ORDER BY e.month, m.doc",
            (eid,),
        )
        out = []
        for doc, kind, n, month, nums in rows:
            paras = sorted({int(x) for x in (nums or "").split(",") if x})
            out.append({"doc": doc, "kind": kind, "mentions": n, "month": month, "paragraphs": paras})
        return out

    def timeline(self, eid: int) -> list[tuple[str, int]]:
        """Mentions per month (``YYYY-MM``), oldest first; documents without a date left out."""
        return [
            (r[0], r[1])
            for r in self.db.execute(
                "SELECT e.month, count(*) FROM mentions m JOIN enriched e ON e.doc = m.doc"
                " WHERE m.entity_id = ? AND e.month IS NOT NULL GROUP BY e.month ORDER BY e.month",
                (eid,),
            )
        ]

    def co_mentioned(self, eid: int, limit: int = 20) -> list[dict[str, Any]]:
        """Entities mentioned in the same documents, by number of shared documents."""
        rows = self.db.execute(
            "SELECT o.entity_id, count(DISTINCT o.doc) n FROM mentions o"
            " WHERE o.doc IN (SELECT DISTINCT doc FROM mentions WHERE entity_id = ?) AND o.entity_id != ?"
            " GROUP BY o.entity_id ORDER BY n DESC, o.entity_id LIMIT ?",
            (eid, eid, limit),
        ).fetchall()
        out = []
        for oid, n in rows:
            e = self.db.execute("SELECT name, type, key FROM entities WHERE id = ?", (oid,)).fetchone()
            out.append({"id": oid, "name": e[0], "type": e[1], "key": e[2], "documents": n})
        return out

    def page(self, name_or_id: str | int, type_: str | None = None) -> dict[str, Any] | None:
        """All an entity page shows: the entity, its documents, timeline, co-mentions."""
        if isinstance(name_or_id, int) or (isinstance(name_or_id, str) and name_or_id.isdigit()):
            eid: int | None = int(name_or_id)
        else:
            ids = self.find(str(name_or_id), type_)
            eid = ids[0] if ids else None
        if eid is None:
            return None
        ent = self.entity(eid)
        if ent is None:
            return None
        eid = ent["id"]
        return {
            **ent,
            "documents_list": self.documents(eid),
            "timeline": self.timeline(eid),
            "co_mentioned": self.co_mentioned(eid),
        }

    def list_entities(self, type_: str | None = None, *, limit: int = 50, offset: int = 0,
                      name: str | None = None) -> list[dict[str, Any]]:
        """Entities by number of documents mentioning them (``name``: whose name contains it)."""
        where = "WHERE e.merged_into IS NULL" + (" AND e.type = ?" if type_ else "")
        args: list[Any] = [type_] if type_ else []
        if name and name.strip():
            where += " AND lower(e.name) LIKE ?"  # the name shown (a key also holds a document's id)
            args.append("%" + " ".join(name.lower().split()).replace("%", "").replace("_", "") + "%")
        rows = self.db.execute(
            f"SELECT e.id, e.name, e.type, count(m.doc), count(DISTINCT m.doc) d, e.key FROM entities e"
            f" JOIN mentions m ON m.entity_id = e.id {where} GROUP BY e.id, e.name, e.type, e.key"
            " ORDER BY d DESC, e.name LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return [{"id": r[0], "name": r[1], "type": r[2], "mentions": r[3], "documents": r[4], "key": r[5]} for r in rows]

    def type_counts(self) -> dict[str, int]:
        """Entities with mentions, per type."""
        return dict(self.db.execute(
            "SELECT e.type, count(*) FROM entities e WHERE e.merged_into IS NULL"
            " AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id) GROUP BY e.type"
        ).fetchall())

    def find(self, name: str, type_: str | None = None) -> list[int]:
        """The entities a name, as a user gives it, stands for — the one rule for the entity page
        (CLI and web), ``entity:`` in queries and the web's entity addresses: an entity number;
        else the entities named exactly so (any spelling, ``genaro-garcia-luna``); else
        ``resolve`` (aliases, a longer name ending with it). Best first."""
        s = name.strip()
        if s.isdigit():
            row = self.db.execute("SELECT coalesce(merged_into, id), type FROM entities WHERE id = ?", (int(s),)).fetchone()
            return [row[0]] if row and (not type_ or row[1] == type_) else []
        ids = [i for i in self.by_name(s) if not type_ or self._type(i) == type_]
        return ids or self.resolve(s, type_)

    def by_name(self, name: str) -> list[int]:
        """Entities named exactly ``name`` (folded: ``genaro-garcia-luna`` is Genaro Garcia Luna),
        any type, merged variants followed, people of one document left out; most mentioned first."""
        f = fold(name)
        if not f:
            return []
        ids = []
        for t in TYPES:
            row = self.db.execute("SELECT coalesce(merged_into, id) FROM entities WHERE key = ?", (f"{t}:{f}",)).fetchone()
            if row:
                ids.append(row[0])
        ids = [i for i in dict.fromkeys(ids) if self._count(i)]
        return sorted(ids, key=lambda i: -self._count(i))

    def shared_names(self) -> set[str]:
        """Folded names that more than one entity with mentions bears (their pages go by number)."""
        seen: dict[str, int] = {}
        for (key,) in self.db.execute(
            "SELECT e.key FROM entities e WHERE e.merged_into IS NULL AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)"
        ):
            name = key.split(":", 1)[1].split("@", 1)[0]
            seen[name] = seen.get(name, 0) + 1
        return {n for n, c in seen.items() if c > 1}

    def mentions_in(self, eid: int, docs: list[str]) -> list[dict[str, Any]]:
        """The mentions of entity ``eid`` in ``docs``: doc, paragraph index and number, span, text."""
        if not docs:
            return []
        marks = ",".join("?" * len(docs))
        rows = self.db.execute(
            f'SELECT doc, paragraph, number, start, "end", text FROM mentions WHERE entity_id = ? AND doc IN ({marks})'
            " ORDER BY doc, paragraph, start",
            (eid, *docs),
        )
        return [{"doc": r[0], "paragraph": r[1], "number": r[2], "start": r[3], "end": r[4], "text": r[5]} for r in rows]

    def facet(self, docs: list[str], limit: int = 12, chunk: int = 900) -> list[dict[str, Any]]:
        """The entities most of ``docs`` mention: id, name, type, key, documents (for a search facet)."""
        counts: dict[int, int] = {}
        for i in range(0, len(docs), chunk):
            part = docs[i : i + chunk]
            marks = ",".join("?" * len(part))
            for eid, n in self.db.execute(
                f"SELECT entity_id, count(DISTINCT doc) FROM mentions WHERE doc IN ({marks}) GROUP BY entity_id", part
            ):
                counts[eid] = counts.get(eid, 0) + n
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        out = []
        for eid, n in top:
            row = self.db.execute("SELECT name, type, key FROM entities WHERE id = ?", (eid,)).fetchone()
            out.append({"id": eid, "name": row[0], "type": row[1], "key": row[2], "documents": n})
        return out

    def reports(self, limit: int = 200) -> list[dict[str, Any]]:
        """Reported attributions, latest first (for admins)."""
        rows = self.db.execute(
            'SELECT r.id, r.entity_id, e.name, e.type, r.doc, r.paragraph, r.start, r."end", r.text, r.reporter, r.note,'
            " r.created FROM entity_reports r LEFT JOIN entities e ON e.id = r.entity_id ORDER BY r.id DESC LIMIT ?",
            (limit,),
        )
        keys = ("id", "entity_id", "entity", "type", "doc", "paragraph", "start", "end", "text", "reporter", "note", "created")
        return [dict(zip(keys, r)) for r in rows]

    def ref_ids_for_entity(self, name: str | None, type_: str | None = None) -> list[str]:
        """For the query language's ``entity:"Garcia Luna"``: the cables mentioning it (an entity
        of ``type_`` when given); ``type:place`` (``name`` None): the cables mentioning any
        entity of ``type_``."""
        if name is None:
            if not type_:
                return []
            return [r[0] for r in self.db.execute(
                "SELECT DISTINCT m.doc FROM mentions m JOIN entities e ON e.id = m.entity_id"
                " WHERE e.type = ? AND m.kind = 'cable' ORDER BY m.doc", (type_,))]
        ids = self.find(name, type_)
        if not ids:
            return []
        eid = ids[0]
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT doc FROM mentions WHERE entity_id = ? AND kind = 'cable' ORDER BY doc", (eid,)
            )
        ]

    def mentions_of(self, doc: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            'SELECT m.paragraph, m.number, m.start, m."end", m.text, m.type, e.id, e.name, e.key FROM mentions m'
            " JOIN entities e ON e.id = m.entity_id WHERE m.doc = ? ORDER BY m.paragraph, m.start",
            (doc,),
        )
        return [
            {"paragraph": r[0], "number": r[1], "start": r[2], "end": r[3], "text": r[4], "type": r[5], "entity_id": r[6],
             "name": r[7], "key": r[8]}
            for r in rows
        ]

    def attributions(self, kind: str = "cable", type: str | None = None) -> list[tuple[str, int, int, int]]:
        """Every mention of documents of ``kind`` (of entities of ``type``: ``PER``, ``ORG``,
        ``PLACE``; any when None) as (doc, paragraph, start, end), in a fixed order (for drawing
        a seeded sample of attributions to label)."""
        where, args = ("kind = ?", (kind,)) if type is None else ("kind = ? AND type = ?", (kind, type))
        return [tuple(r) for r in self.db.execute(
            f'SELECT doc, paragraph, start, "end" FROM mentions WHERE {where} ORDER BY doc, paragraph, start, "end"', args)]

    def tags_of(self, doc: str) -> list[dict[str, Any]]:
        return [
            {"tag": r[0], "kind": r[1], "meaning": r[2]}
            for r in self.db.execute("SELECT tag, kind, meaning FROM doc_tags WHERE doc = ? ORDER BY pos", (doc,))
        ]

    def acronyms_of(self, doc: str) -> list[dict[str, Any]]:
        return [
            {"acronym": r[0], "expansion": r[1], "kind": r[2], "source": r[3]}
            for r in self.db.execute(
                "SELECT acronym, expansion, kind, source FROM doc_acronyms WHERE doc = ? ORDER BY acronym", (doc,)
            )
        ]

    # -- reading: the graph ----------------------------------------------------------------
    def _in_archive(self, refs: list[str]) -> set[str]:
        if not refs:
            return set()
        try:
            marks = ",".join("?" * len(refs))
            return {r[0] for r in self.db.execute(f"SELECT ref_id FROM cables WHERE ref_id IN ({marks})", refs)}
        except sqlite3.OperationalError:  # no cables table: a bare enrichment database
            return {r[0] for r in self.db.execute(f"SELECT doc FROM enriched WHERE doc IN ({','.join('?' * len(refs))})", refs)}

    def cites(self, ref_id: str) -> list[dict[str, Any]]:
        """What a cable's REF lines cite, in order: ref id (None: unresolved), letter, raw,
        and whether the cited cable is in the archive."""
        rows = self.db.execute(
            "SELECT to_ref, letter, raw FROM cable_refs WHERE from_ref = ? ORDER BY letter, raw", (ref_id,)
        ).fetchall()
        have = self._in_archive([r[0] for r in rows if r[0]])
        return [{"ref_id": r[0], "letter": r[1] or None, "raw": r[2], "in_archive": r[0] in have} for r in rows]

    def cited_by(self, ref_id: str) -> list[dict[str, Any]]:
        """Cables whose REF lines cite ``ref_id`` (in the archive or not)."""
        rows = self.db.execute(
            "SELECT from_ref, letter, raw FROM cable_refs WHERE to_ref = ? ORDER BY from_ref", (ref_id,)
        ).fetchall()
        return [{"ref_id": r[0], "letter": r[1] or None, "raw": r[2]} for r in rows]

    def similar(self, ref_id: str) -> list[dict[str, Any]]:
        return [
            {"ref_id": r[0], "score": r[1]}
            for r in self.db.execute("SELECT other, score FROM similar WHERE ref_id = ? ORDER BY rank", (ref_id,))
        ]

    def similar_rows(self) -> Iterator[tuple[str, str, float]]:
        """(ref_id, other, score) of every similar-cable list, by ref_id then rank."""
        return iter(self.db.execute("SELECT ref_id, other, score FROM similar ORDER BY ref_id, rank"))

    def counts(self) -> dict[str, int]:
        db = self.db
        q = lambda sql: db.execute(sql).fetchone()[0]
        return {
            "documents": q("SELECT count(*) FROM enriched"),
            "entities": q("SELECT count(*) FROM entities WHERE merged_into IS NULL"),
            "people": q("SELECT count(*) FROM entities WHERE merged_into IS NULL AND type = 'PER'"),
            "organizations": q("SELECT count(*) FROM entities WHERE merged_into IS NULL AND type = 'ORG'"),
            "places": q("SELECT count(*) FROM entities WHERE merged_into IS NULL AND type = 'PLACE'"),
            "mentions": q("SELECT count(*) FROM mentions"),
            "references": q("SELECT count(*) FROM cable_refs"),
            "similar": q("SELECT count(DISTINCT ref_id) FROM similar"),
        }


def entity_ref_ids(conn: sqlite3.Connection, name: str | None, type_: str | None = None) -> list[str]:
    """``entity:"Garcia Luna"`` for the search layer: the ref ids of the cables mentioning
    the entity a name stands for (variants merged), sorted; [] when none."""
    try:
        return EntityStore(conn).ref_ids_for_entity(name, type_)
    except sqlite3.OperationalError:
        return []

__all__ = ["SCHEMA", "EntityStore", "entity_ref_ids"]
