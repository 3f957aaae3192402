"""What enrichment found, in the archive's SQLite file: entities, mentions, the cable graph,
similar cables, typed tags and acronyms.

``EntityStore(conn)`` works on any ``sqlite3.Connection`` (the cable store's ``db``, or its
own) and creates its tables with ``CREATE TABLE IF NOT EXISTS``:

- ``entities`` — one per person, organisation or place: ``key`` (``PER:genaro garcia luna``),
  type, display name; ``merged_into`` when a variant was found to be another entity.
- ``entity_aliases`` — every folded spelling seen → entity (``garcia luna`` → Genaro Garcia
  Luna): how a name typed by a user finds its entity.
- ``mentions`` — document (cable ref id, or ``article:ID``), paragraph index and number,
  character span in that paragraph's text, entity, type, the text as written.
- ``cable_refs`` — the graph: (from ref id, to ref id, letter, raw) for every REF line entry;
  ``to_ref`` is NULL when the reference could not be resolved to an id. A cited cable need
  not be in the archive: ``cited_by`` works for any id.
- ``similar`` — the ten most similar cables of each cable, with scores.
- ``doc_tags``, ``doc_acronyms`` — typed TAGS and acronym expansions per document.
- ``enriched`` — per document the hash of the record it was enriched from and its month
  (``YYYY-MM``): what makes ``cablebase enrich`` incremental and the timelines cheap.
- ``enrich_meta`` — key/value (the truecaser table, model name, counters).

Person variants merge across cables when unambiguous: a name that ends exactly one longer
person's name in the archive (``Garcia Luna`` → ``Genaro Garcia Luna``, ``Medina Mora`` →
``Eduardo Medina Mora``, ``Sarkozy`` → ``Nicolas Sarkozy``) becomes that entity; while two
or more longer names end it (``Chavez``: Hugo Chavez, Adan Chavez) it stays on its own. A
merge is not undone when a second candidate turns up later.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ..enrich.entities import fold

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities(
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    last TEXT NOT NULL,
    merged_into INTEGER REFERENCES entities(id)
);
CREATE INDEX IF NOT EXISTS entities_type ON entities(type);
CREATE INDEX IF NOT EXISTS entities_last ON entities(type, last);
CREATE TABLE IF NOT EXISTS entity_aliases(
    alias TEXT NOT NULL,
    entity_id INTEGER NOT NULL REFERENCES entities(id),
    PRIMARY KEY(alias, entity_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mentions(
    doc TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'cable',
    paragraph INTEGER,
    number INTEGER,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    entity_id INTEGER NOT NULL REFERENCES entities(id),
    type TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mentions_doc ON mentions(doc);
CREATE INDEX IF NOT EXISTS mentions_entity ON mentions(entity_id, doc);
CREATE TABLE IF NOT EXISTS cable_refs(
    from_ref TEXT NOT NULL,
    to_ref TEXT,
    letter TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL,
    PRIMARY KEY(from_ref, letter, raw)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cable_refs_to ON cable_refs(to_ref);
CREATE TABLE IF NOT EXISTS similar(
    ref_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    other TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY(ref_id, rank)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_tags(
    doc TEXT NOT NULL,
    pos INTEGER NOT NULL,
    tag TEXT NOT NULL,
    kind TEXT NOT NULL,
    meaning TEXT,
    PRIMARY KEY(doc, pos)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_tags_meaning ON doc_tags(kind, meaning);
CREATE TABLE IF NOT EXISTS doc_acronyms(
    doc TEXT NOT NULL,
    acronym TEXT NOT NULL,
    expansion TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY(doc, acronym)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS enriched(
    doc TEXT PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'cable',
    hash TEXT NOT NULL,
    month TEXT,
    enriched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS enriched_month ON enriched(month);
CREATE TABLE IF NOT EXISTS enrich_meta(
    key TEXT PRIMARY KEY,
    value TEXT
);
"""

TYPES = ("PER", "ORG", "PLACE")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EntityStore:
    """Entities, mentions, the cable graph and similar cables (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection):
        self.db = conn
        # statement by statement: executescript would commit a transaction the caller holds
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)

    @classmethod
    def open(cls, path: str) -> EntityStore:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        conn.execute("PRAGMA journal_mode = WAL")
        return cls(conn)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (a savepoint when the caller already holds one)."""
        db = self.db
        if db.in_transaction:
            db.execute("SAVEPOINT enrich")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK TO enrich")
                db.execute("RELEASE enrich")
                raise
            db.execute("RELEASE enrich")
        else:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- incremental bookkeeping -------------------------------------------------------------
    def hashes(self, kind: str | None = None) -> dict[str, str]:
        """doc → hash of the record it was last enriched from."""
        if kind:
            return dict(self.db.execute("SELECT doc, hash FROM enriched WHERE kind = ?", (kind,)))
        return dict(self.db.execute("SELECT doc, hash FROM enriched"))

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM enrich_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO enrich_meta(key, value) VALUES (?, ?)", (key, value))

    # -- writing -------------------------------------------------------------------------
    def write_doc(
        self,
        doc: str,
        *,
        kind: str = "cable",
        hash: str,
        month: str | None,
        mentions: Iterable[dict[str, Any]] = (),
        tags: Iterable[dict[str, Any]] = (),
        acronyms: Iterable[dict[str, Any]] = (),
        references: Iterable[dict[str, Any]] | None = None,
    ) -> list[int]:
        """Replace everything known about ``doc`` with this enrichment result (one
        transaction). ``mentions`` are ``FoundMention.to_dict()`` shapes. Returns the ids of
        person entities created, for ``merge_people``."""
        new_people: list[int] = []
        with self.tx() as db:
            self._delete_doc(db, doc, refs=references is not None)
            ids: dict[str, int] = {}
            rows = []
            for m in mentions:
                key = m["key"]
                eid = ids.get(key)
                if eid is None:
                    eid, created = self._entity(db, key, m["type"], m["name"])
                    ids[key] = eid
                    if created and m["type"] == "PER":
                        new_people.append(eid)
                self._alias(db, fold(m["text"]) if m["type"] != "PER" else fold(_strip(m["text"])), eid)
                self._alias(db, fold(m["name"]), eid)
                rows.append((doc, kind, m.get("paragraph"), m.get("number"), m["start"], m["end"], eid, m["type"], m["text"]))
            db.executemany(
                'INSERT INTO mentions(doc, kind, paragraph, number, start, "end", entity_id, type, text)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.executemany(
                "INSERT OR REPLACE INTO doc_tags(doc, pos, tag, kind, meaning) VALUES (?, ?, ?, ?, ?)",
                [(doc, i, t["tag"], t["kind"], t.get("meaning")) for i, t in enumerate(tags)],
            )
            db.executemany(
                "INSERT OR REPLACE INTO doc_acronyms(doc, acronym, expansion, kind, source) VALUES (?, ?, ?, ?, ?)",
                [(doc, a["acronym"], a["expansion"], a["kind"], a["source"]) for a in acronyms],
            )
            if references is not None:
                db.executemany(
                    "INSERT OR IGNORE INTO cable_refs(from_ref, to_ref, letter, raw) VALUES (?, ?, ?, ?)",
                    [(doc, r.get("ref_id"), r.get("letter") or "", r.get("raw") or "") for r in references],
                )
            db.execute(
                "INSERT OR REPLACE INTO enriched(doc, kind, hash, month, enriched_at) VALUES (?, ?, ?, ?, ?)",
                (doc, kind, hash, month, _now()),
            )
        return new_people

    def _delete_doc(self, db: sqlite3.Connection, doc: str, *, refs: bool) -> None:
        db.execute("DELETE FROM mentions WHERE doc = ?", (doc,))
        db.execute("DELETE FROM doc_tags WHERE doc = ?", (doc,))
        db.execute("DELETE FROM doc_acronyms WHERE doc = ?", (doc,))
        if refs:
            db.execute("DELETE FROM cable_refs WHERE from_ref = ?", (doc,))

    def remove_doc(self, doc: str) -> None:
        with self.tx() as db:
            self._delete_doc(db, doc, refs=True)
            db.execute("DELETE FROM enriched WHERE doc = ?", (doc,))
            db.execute("DELETE FROM similar WHERE ref_id = ?", (doc,))

    def _entity(self, db: sqlite3.Connection, key: str, type_: str, name: str) -> tuple[int, bool]:
        row = db.execute("SELECT id, merged_into FROM entities WHERE key = ?", (key,)).fetchone()
        if row:
            return (row[1] or row[0]), False
        # a spelling already known as another entity's alias (same type)
        folded = key.split(":", 1)[1]
        hit = db.execute(
            "SELECT e.id, e.merged_into FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
            " WHERE a.alias = ? AND e.type = ? LIMIT 2",
            (folded, type_),
        ).fetchall()
        if len(hit) == 1 and (type_ != "PER" or len(folded.split()) >= 2):
            # a one-word person name is never taken for someone across cables
            return (hit[0][1] or hit[0][0]), False
        last = folded.split()[-1] if folded else ""
        cur = db.execute("INSERT INTO entities(key, type, name, last) VALUES (?, ?, ?, ?)", (key, type_, name, last))
        eid = cur.lastrowid
        assert eid is not None
        self._alias(db, folded, eid)
        return eid, True

    def _alias(self, db: sqlite3.Connection, alias: str, eid: int) -> None:
        if alias:
            db.execute("INSERT OR IGNORE INTO entity_aliases(alias, entity_id) VALUES (?, ?)", (alias, eid))

    def merge(self, src: int, dst: int) -> None:
        """Make entity ``src`` a variant of ``dst``: its mentions and aliases move over."""
        if src == dst:
            return
        with self.tx() as db:
            db.execute("UPDATE mentions SET entity_id = ? WHERE entity_id = ?", (dst, src))
            db.execute("UPDATE entities SET merged_into = ? WHERE id = ? OR merged_into = ?", (dst, src, src))
            db.execute(
                "INSERT OR IGNORE INTO entity_aliases(alias, entity_id) SELECT alias, ? FROM entity_aliases WHERE entity_id = ?",
                (dst, src),
            )

    def merge_people(self, ids: Iterable[int] | None = None) -> int:
        """Merge person variants across cables (see the module doc); ``ids``: only look at
        these (newly created) entities. Returns the number of merges."""
        db = self.db
        if ids is None:
            ids = [r[0] for r in db.execute("SELECT id FROM entities WHERE type = 'PER' AND merged_into IS NULL")]
        n = 0
        for eid in ids:
            row = db.execute("SELECT key, last, merged_into FROM entities WHERE id = ?", (eid,)).fetchone()
            if not row or row[2] is not None:
                continue
            name = row[0].split(":", 1)[1]
            words = name.split()
            # 1. this name ends exactly one longer name: it is that person
            longer = self._longer_people(name, row[1])
            if len(longer) == 1:
                self.merge(eid, longer[0])
                n += 1
                continue
            # 2. shorter names that end this one, and no other name
            for k in range(1, len(words)):
                short = " ".join(words[k:])
                srow = db.execute(
                    "SELECT id FROM entities WHERE key = ? AND merged_into IS NULL", ("PER:" + short,)
                ).fetchone()
                if srow and self._longer_people(short, words[-1]) == [eid]:
                    self.merge(srow[0], eid)
                    n += 1
        return n

    def _longer_people(self, name: str, last: str) -> list[int]:
        rows = self.db.execute(
            "SELECT id, key FROM entities WHERE type = 'PER' AND last = ? AND merged_into IS NULL", (last,)
        ).fetchall()
        out = [r[0] for r in rows if r[1][4:] != name and r[1][4:].endswith(" " + name)]
        return out

    def set_similar(self, ref_id: str, items: list[tuple[str, float]]) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM similar WHERE ref_id = ?", (ref_id,))
            db.executemany(
                "INSERT INTO similar(ref_id, rank, other, score) VALUES (?, ?, ?, ?)",
                [(ref_id, i + 1, o, float(s)) for i, (o, s) in enumerate(items)],
            )

    def set_similar_many(self, rows: dict[str, list[tuple[str, float]]]) -> None:
        with self.tx() as db:
            for ref_id, items in rows.items():
                db.execute("DELETE FROM similar WHERE ref_id = ?", (ref_id,))
                db.executemany(
                    "INSERT INTO similar(ref_id, rank, other, score) VALUES (?, ?, ?, ?)",
                    [(ref_id, i + 1, o, float(s)) for i, (o, s) in enumerate(items)],
                )

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
        aliases = [r[0] for r in self.db.execute("SELECT alias FROM entity_aliases WHERE entity_id = ? ORDER BY alias", (eid,))]
        variants = [
            r[0]
            for r in self.db.execute(
                "SELECT text, count(*) n FROM mentions WHERE entity_id = ? GROUP BY text ORDER BY n DESC, text LIMIT 20", (eid,)
            )
        ]
        n, docs = self.db.execute("SELECT count(*), count(DISTINCT doc) FROM mentions WHERE entity_id = ?", (eid,)).fetchone()
        return {
            "id": row[0], "key": row[1], "type": row[2], "name": row[3],
            "aliases": aliases, "spellings": variants, "mentions": n, "documents": docs,
        }

    def documents(self, eid: int) -> list[dict[str, Any]]:
        """Every cable and article mentioning the entity: doc, kind, mentions, month, paragraphs."""
        rows = self.db.execute(
            "SELECT m.doc, m.kind, count(*), e.month, group_concat(DISTINCT m.number)"
            " FROM mentions m LEFT JOIN enriched e ON e.doc = m.doc WHERE m.entity_id = ?"
            " GROUP BY m.doc ORDER BY e.month, m.doc",
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
            e = self.db.execute("SELECT name, type FROM entities WHERE id = ?", (oid,)).fetchone()
            out.append({"id": oid, "name": e[0], "type": e[1], "documents": n})
        return out

    def page(self, name_or_id: str | int, type_: str | None = None) -> dict[str, Any] | None:
        """All an entity page shows: the entity, its documents, timeline, co-mentions."""
        if isinstance(name_or_id, int) or (isinstance(name_or_id, str) and name_or_id.isdigit()):
            eid: int | None = int(name_or_id)
        else:
            ids = self.resolve(str(name_or_id), type_)
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

    def list_entities(self, type_: str | None = None, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Entities by number of documents mentioning them."""
        where = "WHERE e.merged_into IS NULL" + (" AND e.type = ?" if type_ else "")
        args: list[Any] = [type_] if type_ else []
        rows = self.db.execute(
            f"SELECT e.id, e.name, e.type, count(m.doc), count(DISTINCT m.doc) d FROM entities e"
            f" JOIN mentions m ON m.entity_id = e.id {where} GROUP BY e.id ORDER BY d DESC, e.name LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return [{"id": r[0], "name": r[1], "type": r[2], "mentions": r[3], "documents": r[4]} for r in rows]

    def ref_ids_for_entity(self, name: str, type_: str | None = None) -> list[str]:
        """For the query language's ``entity:"Garcia Luna"``: the cables mentioning it."""
        ids = self.resolve(name, type_)
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
            'SELECT m.paragraph, m.number, m.start, m."end", m.text, m.type, e.id, e.name FROM mentions m'
            " JOIN entities e ON e.id = m.entity_id WHERE m.doc = ? ORDER BY m.paragraph, m.start",
            (doc,),
        )
        return [
            {"paragraph": r[0], "number": r[1], "start": r[2], "end": r[3], "text": r[4], "type": r[5], "entity_id": r[6], "name": r[7]}
            for r in rows
        ]

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


def entity_ref_ids(conn: sqlite3.Connection, name: str, type_: str | None = None) -> list[str]:
    """``entity:"Garcia Luna"`` for the search layer: the ref ids of the cables mentioning
    the entity a name stands for (variants merged), sorted; [] when none."""
    try:
        return EntityStore(conn).ref_ids_for_entity(name, type_)
    except sqlite3.OperationalError:
        return []


def _strip(text: str) -> str:
    from ..enrich.entities import strip_titles

    return strip_titles(text)


__all__ = ["SCHEMA", "EntityStore", "entity_ref_ids"]
