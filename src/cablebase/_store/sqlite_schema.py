"""The SQLite archive's tables, their version and its upgrades, and its transactions.

Tables::

    raw_dicts(id PK, created, data)            zstd dictionaries trained on the archive's own
                                               inputs (``base.train_dictionary``)
    raw_inputs(sha256 PK, size, codec, data)   the bytes of each input, once (zstd-packed
                                               when that helps, ``zstd:<id>`` with a raw_dicts
                                               dictionary; ``get_raw`` gives them verbatim)
    sources(id PK, ref_id, sha256 -> raw_inputs, form, location, added,
            complete, paragraphs, body_len,    Cable.fullness() of this version
            record)                            the record parsed from it (JSON)
            UNIQUE(sha256, ref_id)             re-adding the same bytes changes nothing
    cables(ref_id PK, source_id -> sources,    the current (fullest) version
           year, created, released, origin, classification, subject, partial, updated)
    cable_tags(ref_id -> cables, tag)
    cable_records (view)                       ref_id + the current record JSON (the key as its
                                               ref_id where the record has none)
    cable_names(name, ref_id)                  every name of every cable (``store.names``)
    index_pending(seq, ref_id UNIQUE)          cables whose index document may not be
                                               committed yet (written with the records)

One input file may hold many cables (a CSV dump), so raw bytes live in ``raw_inputs`` keyed
by hash and each cable's version points at them. Every write is one transaction; the
tantivy index is updated after the commit and can always be rebuilt from these tables.

``migrate`` creates the tables in a new file and upgrades an older one (``PRAGMA
user_version`` holds ``SCHEMA_VERSION``); ``Transaction`` is one ``BEGIN IMMEDIATE`` …
``COMMIT``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import StoreError
from . import names

SCHEMA_VERSION = 5

TABLES = """
CREATE TABLE IF NOT EXISTS raw_dicts (
    id      INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    data    BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS raw_inputs (
    sha256  TEXT PRIMARY KEY,
    size    INTEGER NOT NULL,
    codec   TEXT,
    data    BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    id          INTEGER PRIMARY KEY,
    ref_id      TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES raw_inputs(sha256),
    form        TEXT,
    location    TEXT,
    added       TEXT NOT NULL,
    complete    INTEGER NOT NULL,
    paragraphs  INTEGER NOT NULL,
    body_len    INTEGER NOT NULL,
    record      TEXT NOT NULL,
    UNIQUE (sha256, ref_id)
);
CREATE INDEX IF NOT EXISTS sources_ref_id ON sources(ref_id);
CREATE TABLE IF NOT EXISTS cables (
    ref_id          TEXT PRIMARY KEY,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    year            INTEGER,
    created         TEXT,
    released        TEXT,
    origin          TEXT,
    classification  TEXT,
    subject         TEXT,
    partial         INTEGER NOT NULL DEFAULT 0,
    updated         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cables_year ON cables(year);
CREATE INDEX IF NOT EXISTS cables_origin ON cables(origin);
CREATE INDEX IF NOT EXISTS cables_classification ON cables(classification);
CREATE TABLE IF NOT EXISTS cable_tags (
    ref_id  TEXT NOT NULL REFERENCES cables(ref_id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (ref_id, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cable_tags_tag ON cable_tags(tag);
CREATE VIEW IF NOT EXISTS cable_records AS
    SELECT c.ref_id AS ref_id, RECORD_SQL AS record FROM cables c JOIN sources s ON s.id = c.source_id;
CREATE TABLE IF NOT EXISTS index_pending (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    ref_id  TEXT NOT NULL UNIQUE
);
"""
"""The tables of every backend (``RECORD_SQL`` stands for the engine's spelling of
``names.RECORD_SQL``)."""
SCHEMA = TABLES.replace("RECORD_SQL", names.RECORD_SQL) + names.SCHEMA


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the archive file ``path`` opened as ``db`` to ``SCHEMA_VERSION`` (created when new)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: archive schema v{version} is newer than this cablebase (v{SCHEMA_VERSION})")
    with Transaction(db):
        if version == 1:  # v2: raw inputs may be stored compressed
            db.execute("ALTER TABLE raw_inputs ADD COLUMN codec TEXT")
        db.execute("DROP VIEW IF EXISTS cable_records")  # v4: the key stands in for a missing ref_id
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                db.execute(stmt)
        if 0 < version < 4:
            names.rebuild(db)  # v4: every name of every stored cable
        # v5: raw_dicts, the zstd dictionaries raw inputs may be packed with (codec zstd:<id>)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:
            self.db.execute("ROLLBACK")
