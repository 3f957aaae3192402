"""Writing what enrichment found: the tables, one document's results, merging person variants,
similar cables.

``EntityWriter(conn)`` works on any ``sqlite3.Connection`` (the cable store's ``db``, or its
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
- ``entity_reports`` — "this attribution is wrong", as editors report it: the entity, the
  document, paragraph and span of the mention, who reported it, a note, when (admins read them).
- ``enrich_meta`` — key/value (the truecaser table, model name, counters).

Person variants merge across cables when unambiguous: a name that ends exactly one longer
person's name in the archive (``Garcia Luna`` → ``Genaro Garcia Luna``, ``Medina Mora`` →
``Eduardo Medina Mora``, ``Sarkozy`` → ``Nicolas Sarkozy``) becomes that entity, unless it is a
whole name itself (three significant words: ``Ali Abdullah Saleh`` is not his son ``Ahmad Ali
Abdullah Saleh``); while two
or more longer names end it (``Chavez``: Hugo Chavez, Adan Chavez) it stays on its own. A
merge is not undone when a second candidate turns up later.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self

from ..enrich.entity_names import fold, strip_titles
from ..enrich.entity_people import EVIDENCE_PREFIX, SCOPE, is_full_name, patronym_in, whole_name
from . import dialect

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
CREATE TABLE IF NOT EXISTS entity_reports(
    id INTEGER PRIMARY KEY,
    entity_id INTEGER NOT NULL,
    doc TEXT NOT NULL,
    paragraph INTEGER,
    start INTEGER,
    "end" INTEGER,
    text TEXT,
    reporter TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_reports_entity ON entity_reports(entity_id);
CREATE TABLE IF NOT EXISTS enrich_meta(
    key TEXT PRIMARY KEY,
    value TEXT
);
"""

TABLES = ("entities", "entity_aliases", "mentions", "cable_refs", "similar", "doc_tags", "doc_acronyms", "enriched",
          "entity_reports", "enrich_meta")
"""The tables SCHEMA makes (present: nothing to make)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EntityWriter:
    """The enrichment tables over one SQLite connection, and writing them (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection):
        self.db = conn
        # statement by statement: executescript would commit a transaction the caller holds;
        # in one transaction of its own otherwise, so that two processes opening a new
        # PostgreSQL archive at once do not both create the tables
        if len(dialect.tables(conn, TABLES)) == len(TABLES):
            return  # nothing to make: no write (and no wait for another writer's lock)
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
        except BaseException:
            if own and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if own:
            conn.execute("COMMIT")

    @classmethod
    def open(cls, path: str) -> Self:
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
        self.db.execute("INSERT INTO enrich_meta(key, value) VALUES (?, ?)"
                        " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

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
        mentions = list(mentions)
        with self.tx() as db:
            self._delete_doc(db, doc, refs=references is not None)
            known = self._known_entities(db, {m["key"] for m in mentions})
            ids: dict[str, int] = {}
            rows = []
            aliases: dict[tuple[str, int], None] = {}
            pending: set[tuple[str, str]] = set()  # (alias, type) of those not written yet
            """Written together at the end (one statement, not two a mention: on PostgreSQL each
            is a round trip), or before looking up a key not yet known, which may find them."""
            for m in mentions:
                key = m["key"]
                if not key:
                    continue  # a name found but attributed to no one (a surname alone, without evidence)
                eid = ids.get(key)
                if eid is None:
                    eid = known.get(key)
                    if eid is None:
                        if (key.split(":", 1)[1], m["type"]) in pending:
                            self._aliases(db, aliases)  # this key may be one of them: write them first
                            pending.clear()
                        eid, created = self._entity(db, key, m["type"], m["name"], absent=True)
                        if created and m["type"] == "PER":
                            new_people.append(eid)
                    ids[key] = eid
                for alias in (fold(m["text"]) if m["type"] != "PER" else fold(strip_titles(m["text"])), fold(m["name"]),
                              *(m.get("evidence") or ())):
                    aliases[(alias, eid)] = None
                    pending.add((alias, m["type"]))
                rows.append((doc, kind, m.get("paragraph"), m.get("number"), m["start"], m["end"], eid, m["type"], m["text"]))
            self._aliases(db, aliases)
            db.executemany(
                'INSERT INTO mentions(doc, kind, paragraph, number, start, "end", entity_id, type, text)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.executemany(
                "INSERT INTO doc_tags(doc, pos, tag, kind, meaning) VALUES (?, ?, ?, ?, ?) ON CONFLICT(doc, pos)"
                " DO UPDATE SET tag = excluded.tag, kind = excluded.kind, meaning = excluded.meaning",
                [(doc, i, t["tag"], t["kind"], t.get("meaning")) for i, t in enumerate(tags)],
            )
            db.executemany(
                "INSERT INTO doc_acronyms(doc, acronym, expansion, kind, source) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(doc, acronym) DO UPDATE SET expansion = excluded.expansion, kind = excluded.kind,"
                " source = excluded.source",
                [(doc, a["acronym"], a["expansion"], a["kind"], a["source"]) for a in acronyms],
            )
            if references is not None:
                db.executemany(
                    "INSERT OR IGNORE INTO cable_refs(from_ref, to_ref, letter, raw) VALUES (?, ?, ?, ?)",
                    [(doc, r.get("ref_id"), r.get("letter") or "", r.get("raw") or "") for r in references],
                )
            db.execute(
                "INSERT INTO enriched(doc, kind, hash, month, enriched_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(doc)"
                " DO UPDATE SET kind = excluded.kind, hash = excluded.hash, month = excluded.month,"
                " enriched_at = excluded.enriched_at",
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

    def _entity(self, db: sqlite3.Connection, key: str, type_: str, name: str, *,
                absent: bool = False) -> tuple[int, bool]:
        """The entity of ``key`` (made when new); ``absent``: the caller knows no entity has it."""
        row = None if absent else db.execute("SELECT id, merged_into FROM entities WHERE key = ?", (key,)).fetchone()
        if row:
            return (row[1] or row[0]), False
        # a spelling already known as another entity's alias (same type)
        folded = key.split(":", 1)[1]
        hit = db.execute(
            "SELECT e.id, e.merged_into FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
            " WHERE a.alias = ? AND e.type = ? LIMIT 2",
            (folded, type_),
        ).fetchall()
        if len(hit) == 1 and (type_ != "PER" or (SCOPE not in folded and is_full_name(folded))):
            # a surname alone is never taken for someone across cables
            return (hit[0][1] or hit[0][0]), False
        last = folded.split()[-1] if folded else ""
        eid = db.execute("INSERT INTO entities(key, type, name, last) VALUES (?, ?, ?, ?) RETURNING id",
                         (key, type_, name, last)).fetchone()[0]
        self._alias(db, folded, eid)
        return eid, True

    def _known_entities(self, db: sqlite3.Connection, keys: set[str]) -> dict[str, int]:
        """key → entity id (the one it was merged into, if it was) of the keys already stored."""
        out: dict[str, int] = {}
        keys_l = sorted(keys)
        for i in range(0, len(keys_l), 500):
            part = keys_l[i:i + 500]
            for key, eid, merged in db.execute(
                f"SELECT key, id, merged_into FROM entities WHERE key IN ({','.join('?' * len(part))})", part
            ):
                out[key] = merged or eid
        return out

    def _aliases(self, db: sqlite3.Connection, aliases: dict[tuple[str, int], None]) -> None:
        rows = [(a, eid) for a, eid in aliases if a]
        if rows:
            db.executemany("INSERT OR IGNORE INTO entity_aliases(alias, entity_id) VALUES (?, ?)", rows)
        aliases.clear()

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
            if not row or row[2] is not None or SCOPE in row[0]:
                continue
            name = row[0].split(":", 1)[1]
            words = name.split()
            # 1. this name ends exactly one longer name: it is that person
            longer = self._longer_people(name, row[1]) if is_full_name(name) and not whole_name(name) else []
            if len(longer) == 1:
                self.merge(eid, longer[0])
                n += 1
                continue
            # 2. shorter names that end this one, and no other name
            for k in range(1, len(words)):
                short = " ".join(words[k:])
                if not is_full_name(short):
                    break
                if whole_name(short):
                    continue  # "Ali Abdullah Saleh" is not "Ahmad Ali Abdullah Saleh"
                srow = db.execute(
                    "SELECT id FROM entities WHERE key = ? AND merged_into IS NULL", ("PER:" + short,)
                ).fetchone()
                if srow and self._longer_people(short, words[-1]) == [eid]:
                    self.merge(srow[0], eid)
                    n += 1
        return n

    def report(self, entity_id: int, doc: str, *, reporter: str, paragraph: int | None = None, start: int | None = None,
               end: int | None = None, note: str = "") -> int:
        """Record an editor's report that a mention is wrongly attributed to ``entity_id``."""
        text = None
        if start is not None and end is not None:
            row = self.db.execute(
                'SELECT text FROM mentions WHERE doc = ? AND paragraph = ? AND start = ? AND "end" = ?',
                (doc, paragraph, start, end),
            ).fetchone()
            text = row[0] if row else None
        with self.tx() as db:
            return db.execute(
                'INSERT INTO entity_reports(entity_id, doc, paragraph, start, "end", text, reporter, note, created)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (entity_id, doc, paragraph, start, end, text, reporter, note, _now()),
            ).fetchone()[0]

    def unmerge_people(self) -> None:
        """Forget every person merge (before enriching everything again under new rules)."""
        with self.tx() as db:
            db.execute("UPDATE entities SET merged_into = NULL WHERE type = 'PER' AND merged_into IS NOT NULL")

    def resolve_titled(self) -> int:
        """Title + surname: a person known by a surname in one cable only (a scoped key) is the
        one person the archive names in full with the same title, in a cable from or about the
        same country (``entity_people``: the ``t:`` evidence keys both carry). Several such
        people, or none: it stays on its own. Returns the number of merges."""
        rows = self.db.execute(
            "SELECT s.id, c.id, c.merged_into FROM entities s"
            " JOIN entity_aliases sa ON sa.entity_id = s.id"
            " JOIN entity_aliases ca ON ca.alias = sa.alias AND ca.entity_id <> s.id"
            " JOIN entities c ON c.id = ca.entity_id"
            " WHERE s.type = 'PER' AND s.merged_into IS NULL AND s.key LIKE ? AND sa.alias LIKE ?"
            " AND c.type = 'PER' AND c.key NOT LIKE ?",
            ("PER:%" + SCOPE + "%", EVIDENCE_PREFIX + "%", "PER:%" + SCOPE + "%"),
        ).fetchall()
        found: dict[int, set[int]] = {}
        for sid, cid, merged in rows:
            found.setdefault(sid, set()).add(merged or cid)
        n = 0
        for sid, cands in found.items():
            if len(cands) == 1:
                self.merge(sid, next(iter(cands)))
                n += 1
        return n

    def drop_mistyped(self, known_places: Iterable[str] = (), ratio: int = 3) -> int:
        """One type per word across the archive, where the model typed one mention wrongly:
        (1) a one-word place (``PLACE:saakashvili``) that is not a known country or place
        (``known_places``, folded) and is the surname of people the archive names in full, in
        ``ratio`` times as many mentions, is a person misread: not attributed (no guess whose);
        (2) a person known by one word in one cable only (``PER:medina@DOC``) whose word the
        archive calls a place in two documents or more, and no full name ends with, is not
        attributed; (3) a one-word place that no list knows and only one document names is not
        attributed (half of them are a name, a company, a tribe or a marking). Returns the number
        of mentions removed."""
        db, known = self.db, set(known_places)
        scoped = "%" + SCOPE + "%"
        per_last = dict(db.execute(
            "SELECT e.last, count(*) FROM entities e JOIN mentions m ON m.entity_id = e.id"
            " WHERE e.type = 'PER' AND e.key NOT LIKE ? AND e.name LIKE '% %' GROUP BY e.last", (scoped,)).fetchall())
        places = db.execute(
            "SELECT e.id, substr(e.key, 7), count(*), count(DISTINCT m.doc) FROM entities e"
            " JOIN mentions m ON m.entity_id = e.id WHERE e.type = 'PLACE' AND e.key NOT LIKE '% %'"
            " GROUP BY e.id, e.key").fetchall()
        # (3) a one-word place no list knows, in one document only (``Zedari``, ``Finnivest``): as often not a place
        drop = [eid for eid, w, n, d in places if w not in known and (per_last.get(w, 0) >= ratio * n or d == 1)]
        place_docs = {w: d for _eid, w, _n, d in places}
        for eid, key in db.execute("SELECT id, key FROM entities WHERE type = 'PER' AND key LIKE ?", (scoped,)).fetchall():
            w = key[4:].split(SCOPE)[0]
            if " " not in w and place_docs.get(w, 0) >= 2 and w not in per_last:
                drop.append(eid)
        return self.drop_mentions(drop)

    def drop_mentions(self, entity_ids: list[int]) -> int:
        """Remove every mention of these entities (they are no longer attributed), in one
        transaction; returns the number of mentions removed."""
        n = 0
        with self.tx() as db:
            for i in range(0, len(entity_ids), 500):
                part = entity_ids[i : i + 500]
                n += db.execute(f"DELETE FROM mentions WHERE entity_id IN ({','.join('?' * len(part))})", part).rowcount
        return n

    def _longer_people(self, name: str, last: str) -> list[int]:
        rows = self.db.execute(
            "SELECT id, key FROM entities WHERE type = 'PER' AND last = ? AND merged_into IS NULL", (last,)
        ).fetchall()
        out = [r[0] for r in rows if r[1][4:] != name and r[1][4:].endswith(" " + name)
               and not patronym_in(r[1][4:], name)]  # "Abdulaziz al Saud" is no short form of "Abdullah bin Abdulaziz al Saud"
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
