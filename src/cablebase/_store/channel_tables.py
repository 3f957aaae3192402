"""The tables of channels, feeds and articles, and the plumbing every part of ``ChannelStore`` uses.

``ChannelTables(conn)`` works on any ``sqlite3.Connection`` (the cable store's, or its own:
``ChannelTables.open``), creates the tables below with ``CREATE TABLE IF NOT EXISTS``
(adding columns newer than a file), and gives one transaction per call (``tx``; nested
calls join the outer one), a batched transaction across calls (``write_batch``) and rows as
dicts. Tables:

- ``channels`` — a named group of feeds; its ``title`` follows its feed's title
  ("Opera Leaks » Cuba") until set by hand.
- ``feeds`` — one subscription: URL, HTTP validators, status (``active``, ``disabled``,
  ``gone``), last fetch / error / next fetch, error count (for back-off).
- ``channel_feeds`` — many to many: several feeds per channel, a feed in several channels.
- ``articles`` — one per story however many feeds or entries carry it.
- ``feed_entries`` — (feed, entry key) → article: per-feed deduplication (entry id, else link,
  else content hash) and the raw-entry hash that tells an edit from a repeat.
- ``article_versions`` — earlier versions of an article an edit replaced.
- ``images`` — every image of an article (enclosure, media:content, media:thumbnail, img).
- ``article_cables`` — article → cable links: ``kind`` (``cites``/``embeds``), first offset in
  the article text and a snippet around it.

All writes of one call are one transaction. Times are Unix seconds (REAL) except article
dates, which are ISO 8601 UTC strings.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Self

from ..errors import StoreError
from . import dialect
from .write_batch import WriteBatch

SCHEMA = """
CREATE TABLE IF NOT EXISTS channels(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT,
    title_follows_feed INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feeds(
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    added_url TEXT,
    title TEXT,
    site_url TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT,
    etag TEXT,
    last_modified TEXT,
    interval_s INTEGER,
    added REAL NOT NULL,
    last_fetch REAL,
    last_success REAL,
    last_status INTEGER,
    last_error TEXT,
    last_error_at REAL,
    last_page_error TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    next_fetch REAL,
    fulltext_clear_below INTEGER
);
CREATE INDEX IF NOT EXISTS feeds_due ON feeds(status, next_fetch);
CREATE TABLE IF NOT EXISTS channel_feeds(
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    PRIMARY KEY(channel_id, feed_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS channel_feeds_feed ON channel_feeds(feed_id);
CREATE TABLE IF NOT EXISTS articles(
    id INTEGER PRIMARY KEY,
    url TEXT,
    canonical_url TEXT,
    title TEXT,
    author TEXT,
    published TEXT,
    updated TEXT,
    summary TEXT,
    content TEXT,
    page_content TEXT,
    text TEXT,
    language TEXT,
    content_hash TEXT,
    fulltext INTEGER NOT NULL DEFAULT 0,
    fulltext_error TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    first_seen REAL NOT NULL,
    last_changed REAL NOT NULL,
    sort_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_canonical ON articles(canonical_url);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_sort ON articles(sort_key);
CREATE TABLE IF NOT EXISTS feed_entries(
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_key TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    entry_hash TEXT,
    first_seen REAL NOT NULL,
    PRIMARY KEY(feed_id, entry_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS feed_entries_article ON feed_entries(article_id);
CREATE TABLE IF NOT EXISTS article_versions(
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    title TEXT,
    summary TEXT,
    content TEXT,
    text TEXT,
    content_hash TEXT,
    published TEXT,
    updated TEXT,
    replaced REAL NOT NULL,
    UNIQUE(article_id, version)
);
CREATE TABLE IF NOT EXISTS images(
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    mime TEXT,
    width INTEGER,
    height INTEGER,
    title TEXT,
    first_seen REAL NOT NULL,
    UNIQUE(article_id, url)
);
CREATE INDEX IF NOT EXISTS images_article ON images(article_id);
CREATE TABLE IF NOT EXISTS article_cables(
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ref_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    "offset" INTEGER,
    snippet TEXT,
    via TEXT,
    PRIMARY KEY(article_id, ref_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_cables_ref ON article_cables(ref_id);
"""

FEED_STATUSES = ("active", "disabled", "gone")


class ChannelTables:
    """The channel tables over one SQLite connection: schema, transactions, rows."""

    def __init__(self, conn: sqlite3.Connection, *, now=time.time):
        self.db = conn
        self.now = now
        self.db.row_factory = None
        try:
            with self.tx():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
                cols = dialect.columns(self.db, "feeds")
                for col, decl in self._ADDED_COLUMNS:
                    if col not in cols:  # a file from before the column
                        self.db.execute(f"ALTER TABLE feeds ADD COLUMN {col} {decl}")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot create channel tables: {e}") from None

    _ADDED_COLUMNS = (("fulltext_clear_below", "INTEGER"),)

    PAGE_SIZE = 16384
    """Page size of a file ``open`` creates: an article row (content and text, 5-10 KB) then fits in
    one page instead of spilling into an overflow chain (~30% less CPU per article stored)."""

    @classmethod
    def open(cls, path) -> Self:
        """A store on its own connection to ``path`` (WAL, foreign keys on)."""
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=10)
        if conn.execute("PRAGMA page_count").fetchone()[0] == 0:  # a new file: before anything is written
            conn.execute(f"PRAGMA page_size = {int(cls.PAGE_SIZE)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return cls(conn)

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (nested calls join the outer one)."""
        if self.db.in_transaction:  # join the outer transaction; a savepoint undoes just this part
            self._sp = getattr(self, "_sp", 0) + 1
            name = f"cb_sp{self._sp}"
            self.db.execute(f"SAVEPOINT {name}")
            try:
                yield self.db
            except BaseException:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
                raise
            else:
                self.db.execute(f"RELEASE {name}")
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def write_batch(self, every_s: float) -> WriteBatch:
        """A batched transaction over this store's connection, committed every ``every_s``
        seconds (``store.write_batch``: the poller's pass)."""
        return WriteBatch(self.db, every_s)

    def _rows(self, sql: str, args: Iterable = ()) -> list[dict[str, Any]]:
        cur = self.db.execute(sql, tuple(args))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def _one(self, sql: str, args: Iterable = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None
