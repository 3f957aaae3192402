"""Every name of a cable, and cables stored before their reference ID is known.

A cable is stored under one key (``cables.ref_id``) but answers to every name it has:

- the names ``parse.refid.names`` gives its ID: the clean alias of one of WikiLeaks'
  malformed IDs (``09EFTOLONDON2187`` → ``09LONDON2187``), the CFPF form of a 1973–79 cable
  (``74ATHENS2959`` ↔ ``1974ATHENS02959``);
- the record's own ``aliases`` (the official ID of a cable read under its clean one);
- its *text key*: ``UNREF-`` + the first 16 hex digits (upper case) of the sha256 of its
  body with the whitespace taken out (``text_key``: the same text however spaced or wrapped).

A cable whose reference ID could not be read is stored under its text key, a *provisional*
key (its record keeps ``ref_id: null``). When the same text comes with a known ID, the
provisional cable is merged into the real one: its versions move there and the key stays
one of the real cable's names. A provisional record whose text a stored cable already has is
stored as a version of that cable at once.

Table (in the archive's SQLite file, filled at store time; ``rebuild`` fills it anew from
every stored version, on upgrade and by ``reindex``)::

    cable_names(name, ref_id)   name upper-cased; a name may belong to several cables

Looking a name up (``resolve``): a stored ``ref_id`` always wins (compared as given, then
upper-cased); else the cables that claim that very name; else those that claim one of its
other forms (``1974ATHENS02959_b`` → ``74ATHENS2959``). More than one cable: the name is
ambiguous, and callers say so instead of picking one.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from ..parse import refid
from . import dialect
from ..model import PROVISIONAL_PREFIX, is_provisional
from ..record import Cable

SCHEMA = """
CREATE TABLE IF NOT EXISTS cable_names (
    name    TEXT NOT NULL,
    ref_id  TEXT NOT NULL,
    PRIMARY KEY (name, ref_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cable_names_ref ON cable_names(ref_id);
"""

RECORD_SQL = (
    "CASE WHEN substr(s.record, 1, 14) = '{\"ref_id\":null' THEN json_set(s.record, '$.ref_id', c.ref_id)"
    " ELSE s.record END"
)
"""The record JSON of source ``s`` of cable ``c`` with the stored key as its ``ref_id`` when the
record has none (a provisional cable, or a version read without its ID); records are written
with ``ref_id`` first, so the test is a prefix."""
RECORD_SQL_PG = (
    "CASE WHEN substr(s.record, 1, 14) = '{\"ref_id\":null'"
    " THEN jsonb_set(s.record::jsonb, '{ref_id}', to_jsonb(c.ref_id))::text ELSE s.record END"
)
"""``RECORD_SQL`` for PostgreSQL (``jsonb_set`` for ``json_set``)."""

_CHUNK = 500


# -- pure ------------------------------------------------------------------------------------
def record_text(rec: Cable | Mapping[str, Any]) -> str:
    """The text a text key is taken from: the body, else the paragraphs joined."""
    if isinstance(rec, Cable):
        return rec.text
    return rec.get("body") or "\n\n".join((p or {}).get("text") or "" for p in rec.get("paragraphs") or [])


_WHITESPACE = b" \t\n\r\x0b\x0c"


def text_key(text: str) -> str:
    """``UNREF-`` + the first 16 hex digits of the sha256 of ``text`` without its whitespace
    (the same text however it is spaced or wrapped; removing it is 3x faster than collapsing it)."""
    if "\xa0" in text:
        text = text.replace("\xa0", "")
    norm = text.encode("utf-8", "surrogatepass").translate(None, _WHITESPACE)
    return PROVISIONAL_PREFIX + hashlib.sha256(norm).hexdigest()[:16].upper()


def names_of(ref_id: str, aliases: Iterable[str] = ()) -> list[str]:
    """Every name (upper-cased) of a cable stored as ``ref_id`` with these aliases, its own first."""
    out: dict[str, None] = {}
    for n in (ref_id, *aliases):
        if n:
            for m in refid.names(n):
                out[m.strip().upper()] = None
    return list(out)


def _present(db: sqlite3.Connection) -> bool:
    return bool(dialect.tables(db, ("cable_names",)))


# -- looking names up ------------------------------------------------------------------------
def resolve(db: sqlite3.Connection, name: str) -> list[str]:
    """The stored cables ``name`` stands for (see the module doc): one, several (ambiguous) or none."""
    q = (name or "").strip()
    if not q:
        return []
    up = q.upper()
    for cand in dict.fromkeys((q, up)):
        if db.execute("SELECT 1 FROM cables WHERE ref_id = ?", (cand,)).fetchone():
            return [cand]
    table = _present(db)
    if table:
        own = [r[0] for r in db.execute("SELECT DISTINCT ref_id FROM cable_names WHERE name = ? ORDER BY ref_id", (up,))]
        if own:
            return own
    found: dict[str, None] = {}
    for other in names_of(up)[1:]:
        for (r,) in db.execute("SELECT ref_id FROM cables WHERE ref_id = ?", (other,)):
            found[r] = None
        if table:
            for (r,) in db.execute("SELECT ref_id FROM cable_names WHERE name = ?", (other,)):
                found[r] = None
    return sorted(found)


def resolve_one(db: sqlite3.Connection, name: str) -> str | None:
    """The one stored cable ``name`` stands for; None when none or several."""
    got = resolve(db, name)
    return got[0] if len(got) == 1 else None


def canonical_many(db: sqlite3.Connection, names: Iterable[str]) -> dict[str, str]:
    """name → stored ref_id for each of ``names`` that stands for exactly one stored cable."""
    out: dict[str, str] = {}
    for n in dict.fromkeys(x for x in names if x):
        ref = resolve_one(db, n)
        if ref is not None:
            out[n] = ref
    return out


def names_for(db: sqlite3.Connection, ref_id: str) -> list[str]:
    """Every name of the stored cable ``ref_id`` (its own first)."""
    out = dict.fromkeys([ref_id, *names_of(ref_id)])
    if _present(db):
        out.update(dict.fromkeys(r[0] for r in db.execute("SELECT name FROM cable_names WHERE ref_id = ?", (ref_id,))))
    return list(out)


# -- writing ---------------------------------------------------------------------------------
def add(db: sqlite3.Connection, rows: Iterable[tuple[str, str]]) -> None:
    """Record (name, ref_id) pairs (names upper-cased by the caller: ``names_of``)."""
    db.executemany("INSERT OR IGNORE INTO cable_names (name, ref_id) VALUES (?, ?)", rows)


def owners(db: sqlite3.Connection, keys: list[str]) -> dict[str, set[str]]:
    """text key → the stored cables (other than a provisional one under that key) that claim it."""
    out: dict[str, set[str]] = {}
    for i in range(0, len(keys), _CHUNK):
        ch = keys[i : i + _CHUNK]
        for name, ref in db.execute(
            f"SELECT name, ref_id FROM cable_names WHERE name IN ({','.join('?' * len(ch))})", ch
        ):
            if ref != name:
                out.setdefault(name, set()).add(ref)
    return out


def provisional_among(db: sqlite3.Connection, keys: list[str]) -> set[str]:
    """Those of ``keys`` (text keys) stored as provisional cables."""
    if db.execute("SELECT 1 FROM cables WHERE ref_id >= ? AND ref_id < ? LIMIT 1",
                  (PROVISIONAL_PREFIX, PROVISIONAL_PREFIX[:-1] + ".")).fetchone() is None:
        return set()
    out: set[str] = set()
    for i in range(0, len(keys), _CHUNK):
        ch = keys[i : i + _CHUNK]
        out.update(r[0] for r in db.execute(f"SELECT ref_id FROM cables WHERE ref_id IN ({','.join('?' * len(ch))})", ch))
    return out


def merge(db: sqlite3.Connection, key: str, ref_id: str) -> list[tuple[int, tuple[int, int, int], str]]:
    """Merge the provisional cable ``key`` into the stored cable ``ref_id`` (in the caller's
    transaction): its versions move there (one whose input ``ref_id`` already has is dropped,
    its raw bytes being kept), its names too, and ``key`` is no longer a cable. Returns the
    moved versions as (source id, fullness, record JSON); the caller picks the current one."""
    db.execute("DELETE FROM cables WHERE ref_id = ?", (key,))
    have = {r[0] for r in db.execute("SELECT sha256 FROM sources WHERE ref_id = ?", (ref_id,))}
    moved = []
    rows = db.execute(
        "SELECT id, sha256, complete, paragraphs, body_len, record FROM sources WHERE ref_id = ? ORDER BY id", (key,)
    ).fetchall()
    for sid, sha, a, b, c, rec in rows:
        if sha in have:
            db.execute("DELETE FROM sources WHERE id = ?", (sid,))
            continue
        db.execute("UPDATE sources SET ref_id = ? WHERE id = ?", (ref_id, sid))
        have.add(sha)
        moved.append((sid, (a, b, c), rec))
    db.execute("INSERT OR IGNORE INTO cable_names (name, ref_id) SELECT name, ? FROM cable_names WHERE ref_id = ?",
               (ref_id, key))
    db.execute("DELETE FROM cable_names WHERE ref_id = ?", (key,))
    return moved


def rebuild(db: sqlite3.Connection) -> int:
    """Fill ``cable_names`` anew from every stored version (in the caller's transaction):
    the names of its cable's key, its record's aliases and its text key. Returns the rows."""
    db.execute("DELETE FROM cable_names")
    cur = db.execute("SELECT ref_id, record FROM sources")
    while True:
        rows = cur.fetchmany(1000)
        if not rows:
            break
        batch: list[tuple[str, str]] = []
        for ref, rec in rows:
            d = orjson.loads(rec)
            batch.extend((n, ref) for n in names_of(ref, d.get("aliases") or ()))
            batch.append((text_key(record_text(d)), ref))
        add(db, batch)
    return db.execute("SELECT count(*) FROM cable_names").fetchone()[0]


def problems(db: sqlite3.Connection) -> list[str]:
    """What ``check`` reports about names and versions (empty when consistent)."""
    out = []
    q = [
        ("SELECT count(*) FROM cables c WHERE NOT EXISTS"
         " (SELECT 1 FROM cable_names n WHERE n.name = upper(c.ref_id) AND n.ref_id = c.ref_id)",
         "cables lack their own name in cable_names (`cablebase reindex` rebuilds it)"),
        ("SELECT count(*) FROM cable_names n WHERE NOT EXISTS (SELECT 1 FROM cables c WHERE c.ref_id = n.ref_id)",
         "names in cable_names belong to no stored cable (`cablebase reindex` rebuilds it)"),
        ("SELECT count(*) FROM sources s WHERE NOT EXISTS (SELECT 1 FROM cables c WHERE c.ref_id = s.ref_id)",
         "stored versions belong to no cable"),
        ("SELECT count(*) FROM raw_inputs r WHERE r.codec LIKE 'zstd:%' AND NOT EXISTS"
         " (SELECT 1 FROM raw_dicts d WHERE 'zstd:' || d.id = r.codec)",
         "raw inputs were packed with a dictionary the archive no longer has (they cannot be read)"),
    ]
    if not _present(db):
        return ["the cable_names table is missing"]
    for sql, what in q:
        n = db.execute(sql).fetchone()[0]
        if n:
            out.append(f"{n} {what}")
    return out


__all__ = [
    "PROVISIONAL_PREFIX", "RECORD_SQL", "RECORD_SQL_PG", "SCHEMA", "add", "canonical_many", "is_provisional", "merge", "names_for",
    "names_of", "owners", "problems", "provisional_among", "rebuild", "record_text", "resolve", "resolve_one",
    "text_key",
]
