"""Channels, feeds and the articles they bring, in the archive's SQLite file.

``ChannelStore(conn)`` works on any ``sqlite3.Connection`` (the cable store's, or its own) and
creates its tables with ``CREATE TABLE IF NOT EXISTS``. Tables:

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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from ..errors import StoreError
from ..parse.feed import FeedImage

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


@dataclass(slots=True)
class LinkRow:
    ref_id: str
    kind: str
    offset: int | None = None
    snippet: str | None = None
    via: str | None = None


@dataclass(slots=True)
class ArticleData:
    """One entry, ready to store (what the poller computed from a feed entry)."""

    entry_key: str
    entry_hash: str
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    summary: str | None = None
    content: str | None = None
    text: str = ""
    language: str | None = None
    content_hash: str | None = None
    images: list[FeedImage] = field(default_factory=list)
    links: list[LinkRow] | None = None
    """None: leave links as they are; a list: replace the article's links with it."""


def _reduce_slots(self):
    """Pickle a slotted dataclass as its constructor's arguments (fields in order): smaller and
    ~30% faster both ways than the default, which matters for the prepare workers' answers."""
    return (type(self), tuple([getattr(self, f) for f in self.__slots__]))


LinkRow.__reduce__ = ArticleData.__reduce__ = _reduce_slots  # type: ignore[method-assign]


def _iso_now(now: float) -> str:
    return datetime.fromtimestamp(now, timezone.utc).isoformat()


def _sort_key(published: str | None, now: float, _iso: tuple[str, str] | None = None) -> str:
    """The article's date for sorting: its publication date, unless missing or over a day ahead."""
    now_iso, limit = _iso or (_iso_now(now), _iso_now(now + 86400))
    if published and published <= limit:
        return published
    return now_iso


_KEEP: Any = object()


class ChannelStore:
    """Channels, feeds, articles, images and article→cable links over one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection, *, now=time.time):
        self.db = conn
        self.now = now
        self.db.row_factory = None
        try:
            with self.tx():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
                cols = {r[1] for r in self.db.execute("PRAGMA table_info(feeds)")}
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
    def open(cls, path) -> "ChannelStore":
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

    def _rows(self, sql: str, args: Iterable = ()) -> list[dict[str, Any]]:
        cur = self.db.execute(sql, tuple(args))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def _one(self, sql: str, args: Iterable = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    # ------------------------------------------------------------------ channels
    def add_channel(self, name: str, title: str | None = None) -> int:
        """Create channel ``name`` (or return the existing one's id)."""
        name = (name or "").strip()
        if not name:
            raise StoreError("a channel needs a name")
        with self.tx():
            row = self.db.execute("SELECT id FROM channels WHERE name=?", (name,)).fetchone()
            if row:
                if title:
                    self.set_channel_title(name, title)
                return row[0]
            cur = self.db.execute(
                "INSERT INTO channels(name, title, title_follows_feed, created) VALUES(?,?,?,?)",
                (name, title, 0 if title else 1, self.now()),
            )
            return cur.lastrowid

    def set_channel_title(self, name: str, title: str | None) -> None:
        """Set a channel's title by hand (None: let it follow its feed again)."""
        with self.tx():
            self.db.execute("UPDATE channels SET title=?, title_follows_feed=? WHERE name=?",
                            (title, 0 if title else 1, name))

    def get_channel(self, name: str) -> dict[str, Any] | None:
        row = self._one("SELECT * FROM channels WHERE name=?", (name,))
        if row is None:
            try:
                row = self._one("SELECT * FROM channels WHERE id=?", (int(name),))
            except (TypeError, ValueError):
                row = None
        if row is not None:
            row["display_title"] = row["title"] or row["name"]
        return row

    def list_channels(self) -> list[dict[str, Any]]:
        rows = self._rows(
            """SELECT c.*, (SELECT COUNT(*) FROM channel_feeds cf WHERE cf.channel_id=c.id) AS feeds,
                      (SELECT COUNT(DISTINCT fe.article_id) FROM feed_entries fe
                        JOIN channel_feeds cf ON cf.feed_id=fe.feed_id WHERE cf.channel_id=c.id) AS articles
               FROM channels c ORDER BY c.name"""
        )
        for r in rows:
            r["display_title"] = r["title"] or r["name"]
        return rows

    def remove_channel(self, name: str) -> bool:
        with self.tx():
            cur = self.db.execute("DELETE FROM channels WHERE name=?", (name,))
            return cur.rowcount > 0

    # ------------------------------------------------------------------ feeds
    def add_feed(self, url: str, channel: str | None = None, *, title: str | None = None,
                 added_url: str | None = None, interval_s: int | None = None) -> int:
        """Subscribe to ``url`` (idempotent) and put it in ``channel`` (created when new)."""
        now = self.now()
        with self.tx():
            row = self.db.execute("SELECT id FROM feeds WHERE url=?", (url,)).fetchone()
            if row:
                fid = row[0]
                self.db.execute("UPDATE feeds SET status='active', status_reason=NULL WHERE id=? AND status='disabled'",
                                (fid,))
            else:
                fid = self.db.execute(
                    "INSERT INTO feeds(url, added_url, title, added, next_fetch, interval_s) VALUES(?,?,?,?,?,?)",
                    (url, added_url or url, title, now, now, interval_s),
                ).lastrowid
            if channel:
                cid = self.add_channel(channel)
                self.db.execute("INSERT OR IGNORE INTO channel_feeds(channel_id, feed_id) VALUES(?,?)", (cid, fid))
                if title:
                    self._follow_title(fid, title)
            return fid

    def link_feed(self, channel: str, feed_id: int) -> None:
        with self.tx():
            cid = self.add_channel(channel)
            self.db.execute("INSERT OR IGNORE INTO channel_feeds(channel_id, feed_id) VALUES(?,?)", (cid, feed_id))

    def unlink_feed(self, channel: str, feed_id: int) -> bool:
        with self.tx():
            cur = self.db.execute(
                "DELETE FROM channel_feeds WHERE feed_id=? AND channel_id=(SELECT id FROM channels WHERE name=?)",
                (feed_id, channel))
            return cur.rowcount > 0

    def find_feed(self, ref: str | int) -> dict[str, Any] | None:
        """A feed by id, URL or original URL."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            row = self._one("SELECT * FROM feeds WHERE id=?", (int(ref),))
            if row:
                return row
        return self._one("SELECT * FROM feeds WHERE url=? OR added_url=? ORDER BY id LIMIT 1", (ref, ref))

    get_feed = find_feed

    def remove_feed(self, ref: str | int) -> bool:
        """Unsubscribe; the feed's articles go too unless another feed also carries them."""
        row = self.find_feed(ref)
        if row is None:
            return False
        with self.tx():
            fid = row["id"]
            self.db.execute(
                """DELETE FROM articles WHERE id IN (SELECT article_id FROM feed_entries WHERE feed_id=?)
                   AND id NOT IN (SELECT article_id FROM feed_entries WHERE feed_id<>?)""", (fid, fid))
            self.db.execute("DELETE FROM feeds WHERE id=?", (fid,))
        return True

    def list_feeds(self, channel: str | None = None) -> list[dict[str, Any]]:
        sql = """SELECT f.*, (SELECT group_concat(c.name, ', ') FROM channel_feeds cf JOIN channels c ON c.id=cf.channel_id
                              WHERE cf.feed_id=f.id) AS channels,
                             (SELECT COUNT(*) FROM feed_entries fe WHERE fe.feed_id=f.id) AS entries
                 FROM feeds f"""
        if channel:
            sql += " WHERE f.id IN (SELECT feed_id FROM channel_feeds WHERE channel_id=(SELECT id FROM channels WHERE name=?))"
            return self._rows(sql + " ORDER BY f.id", (channel,))
        return self._rows(sql + " ORDER BY f.id")

    def feed_channels(self, feed_id: int) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT c.name FROM channel_feeds cf JOIN channels c ON c.id=cf.channel_id WHERE cf.feed_id=? ORDER BY c.name",
            (feed_id,))]

    def due_feeds(self, now: float | None = None, *, all_active: bool = False,
                  feed_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Active feeds whose next fetch time has come (all active ones with ``all_active``)."""
        now = self.now() if now is None else now
        if feed_ids is not None:
            ids = list(feed_ids)
            if not ids:
                return []
            return self._rows(f"SELECT * FROM feeds WHERE id IN ({','.join('?' * len(ids))}) AND status='active'", ids)
        if all_active:
            return self._rows("SELECT * FROM feeds WHERE status='active' ORDER BY id")
        return self._rows("SELECT * FROM feeds WHERE status='active' AND (next_fetch IS NULL OR next_fetch<=?)"
                          " ORDER BY next_fetch, id", (now,))

    def next_due(self) -> float | None:
        row = self.db.execute("SELECT MIN(next_fetch) FROM feeds WHERE status='active'").fetchone()
        return row[0] if row else None

    def _follow_title(self, feed_id: int, title: str) -> None:
        self.db.execute(
            """UPDATE channels SET title=? WHERE title_follows_feed=1 AND (title IS NULL OR title<>?)
               AND id IN (SELECT channel_id FROM channel_feeds WHERE feed_id=?)
               AND (SELECT MIN(feed_id) FROM channel_feeds WHERE channel_id=channels.id)=?""",
            (title, title, feed_id, feed_id))

    def feed_fetched(self, feed_id: int, *, status: int, next_fetch: float, etag: str | None = None,
                     last_modified: str | None = None, title: str | None = None, site_url: str | None = None,
                     new_url: str | None = None, not_modified: bool = False, page_error: str | None = _KEEP,
                     fulltext_clear_below: int | None = _KEEP) -> None:
        """Record a successful fetch (200 or 304): clears the error state (and sets ``last_page_error``
        when ``page_error`` is given, as ``feed_note`` does)."""
        now = self.now()
        with self.tx():
            sets = ["last_fetch=?", "last_success=?", "last_status=?", "error_count=0", "last_error=NULL",
                    "next_fetch=?"]
            args: list[Any] = [now, now, status, next_fetch]
            if page_error is not _KEEP:
                sets.append("last_page_error=?")
                args.append(page_error[:2000] if page_error else None)
            if fulltext_clear_below is not _KEEP:
                sets.append("fulltext_clear_below=?")
                args.append(fulltext_clear_below)
            if not not_modified:
                sets += ["etag=?", "last_modified=?"]
                args += [etag, last_modified]
            if title:
                sets.append("title=?")
                args.append(title)
            if site_url:
                sets.append("site_url=?")
                args.append(site_url)
            if new_url:
                clash = self.db.execute("SELECT id FROM feeds WHERE url=? AND id<>?", (new_url, feed_id)).fetchone()
                if clash is None:
                    sets.append("url=?")
                    args.append(new_url)
            self.db.execute(f"UPDATE feeds SET {', '.join(sets)} WHERE id=?", (*args, feed_id))
            if title:
                self._follow_title(feed_id, title)

    def feed_failed(self, feed_id: int, *, error: str, next_fetch: float, status: int | None = None,
                    count: bool = True) -> None:
        """Record a failed fetch or parse; ``count`` feeds the exponential back-off."""
        now = self.now()
        with self.tx():
            self.db.execute(
                f"""UPDATE feeds SET last_fetch=?, last_status=?, last_error=?, last_error_at=?,
                    error_count=error_count+{1 if count else 0}, next_fetch=? WHERE id=?""",
                (now, status, error[:2000], now, next_fetch, feed_id))

    def feed_note(self, feed_id: int, error: str | None) -> None:
        """Record a non-fatal problem (an entry or article page failed) without backing off."""
        with self.tx():
            self.db.execute("UPDATE feeds SET last_page_error=? WHERE id=?", (error[:2000] if error else None, feed_id))

    def set_feed_status(self, feed_id: int, status: str, reason: str | None = None) -> None:
        if status not in FEED_STATUSES:
            raise StoreError(f"unknown feed status {status!r} (known: {', '.join(FEED_STATUSES)})")
        with self.tx():
            self.db.execute("UPDATE feeds SET status=?, status_reason=?, next_fetch=NULL WHERE id=?",
                            (status, reason, feed_id))
            if status == "active":
                self.db.execute("UPDATE feeds SET next_fetch=?, error_count=0 WHERE id=?", (self.now(), feed_id))

    def set_feed_url(self, feed_id: int, url: str) -> bool:
        with self.tx():
            if self.db.execute("SELECT 1 FROM feeds WHERE url=? AND id<>?", (url, feed_id)).fetchone():
                return False
            self.db.execute("UPDATE feeds SET url=? WHERE id=?", (url, feed_id))
            return True

    # ------------------------------------------------------------------ articles
    def entry_state(self, feed_id: int) -> dict[str, tuple[int, str | None]]:
        """entry key → (article id, raw entry hash) for every entry already seen in a feed."""
        return {k: (a, h) for k, a, h in self.db.execute(
            "SELECT entry_key, article_id, entry_hash FROM feed_entries WHERE feed_id=?", (feed_id,))}

    def store_entries(self, feed_id: int, items: list[ArticleData],
                      known: dict[str, tuple[int, str | None]] | None = None) -> list[tuple[int, str]]:
        """Store a feed's new or changed entries in one transaction.

        Returns (article id, outcome) per item; outcome is ``new`` (a new article),
        ``merged`` (another feed already had it: same canonical link or same content),
        ``updated`` (an edit: the old text goes to ``article_versions``) or ``same``.
        """
        known = self.entry_state(feed_id) if known is None else known
        now = self.now()
        out: list[tuple[int, str]] = []
        with self.tx():
            self._store_batch(feed_id, items, known, now, out)
            if items:  # new or changed articles may lack their page
                self.db.execute("UPDATE feeds SET fulltext_clear_below=NULL WHERE id=? AND fulltext_clear_below"
                                " IS NOT NULL", (feed_id,))
        return out

    _IN_CHUNK = 500

    def _min_ids(self, column: str, values: set[str]) -> dict[str, int]:
        """value → smallest article id with that ``canonical_url`` / ``content_hash``."""
        out: dict[str, int] = {}
        vals = list(values)
        for i in range(0, len(vals), self._IN_CHUNK):
            chunk = vals[i:i + self._IN_CHUNK]
            out.update(self.db.execute(
                f"SELECT {column}, MIN(id) FROM articles WHERE {column} IN ({','.join('?' * len(chunk))})"
                f" GROUP BY {column}", chunk))
        return out

    def _store_batch(self, feed_id: int, items: list[ArticleData], known, now: float,
                     out: list[tuple[int, str]]) -> None:
        """``_store_one`` for each item, with the common case (a new article) done in bulk.

        Same outcome, same ids and rows as one ``_store_one`` after the other: merge candidates
        are looked up for the whole batch first (the earliest article with the same canonical
        URL, else the same content hash; an article added earlier in the batch counts), new
        articles take the ids SQLite would give them (max + 1, …) and go in with executemany.
        Anything else (a known entry, a merge) flushes the bulk rows and goes through
        ``_store_one``, and so does everything after it (the lookups may have changed).
        """
        fresh = [it for it in items if it.entry_key not in known]
        canon = self._min_ids("canonical_url", {it.canonical_url for it in fresh if it.canonical_url})
        chash = self._min_ids("content_hash", {it.content_hash for it in fresh if it.content_hash})
        next_id = (self.db.execute("SELECT MAX(id) FROM articles").fetchone()[0] or 0) + 1
        iso = (_iso_now(now), _iso_now(now + 86400))
        pending: list[tuple[int, ArticleData]] = []
        p_canon: dict[str, int] = {}
        p_hash: dict[str, int] = {}
        one_by_one = next_id + len(items) >= 2**63 - 1  # SQLite then picks ids at random: let it
        for it in items:
            if not one_by_one and it.entry_key not in known:
                aid = None
                if it.canonical_url:
                    aid = canon.get(it.canonical_url) or p_canon.get(it.canonical_url)
                if aid is None and it.content_hash:
                    aid = chash.get(it.content_hash) or p_hash.get(it.content_hash)
                if aid is None:
                    aid = next_id
                    next_id += 1
                    pending.append((aid, it))
                    if it.canonical_url:
                        p_canon.setdefault(it.canonical_url, aid)
                    if it.content_hash:
                        p_hash.setdefault(it.content_hash, aid)
                    known[it.entry_key] = (aid, it.entry_hash)
                    out.append((aid, "new"))
                    continue
            self._insert_new(feed_id, pending, now, iso)
            pending = []
            one_by_one = True
            out.append(self._store_one(feed_id, it, known, now))
        self._insert_new(feed_id, pending, now, iso)

    def _insert_new(self, feed_id: int, rows: list[tuple[int, ArticleData]], now: float,
                    iso: tuple[str, str]) -> None:
        if not rows:
            return
        db = self.db
        db.executemany(
            """INSERT INTO articles(id, url, canonical_url, title, author, published, updated, summary, content, text,
                   language, content_hash, first_seen, last_changed, sort_key)
               VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            [(aid, it.url, it.canonical_url, it.title, it.author, it.published, it.updated, it.summary, it.content,
              it.text, it.language, it.content_hash, now, now, _sort_key(it.published, now, iso)) for aid, it in rows])
        db.executemany("INSERT INTO feed_entries(feed_id, entry_key, article_id, entry_hash, first_seen) VALUES(?,?,?,?,?)",
                       [(feed_id, it.entry_key, aid, it.entry_hash, now) for aid, it in rows])
        images = [(aid, i.url, i.kind, i.mime, i.width, i.height, i.title, now) for aid, it in rows for i in it.images]
        if images:
            db.executemany(
                "INSERT OR IGNORE INTO images(article_id, url, kind, mime, width, height, title, first_seen)"
                " VALUES(?,?,?,?,?,?,?,?)", images)
        links = [(aid, l.ref_id, l.kind, l.offset, l.snippet, l.via) for aid, it in rows for l in (it.links or ())]
        if links:
            # rows a deleted article with a reused id may have left (the one-by-one path deletes them too)
            db.execute("DELETE FROM article_cables WHERE article_id BETWEEN ? AND ?", (rows[0][0], rows[-1][0]))
            db.executemany('INSERT OR REPLACE INTO article_cables(article_id, ref_id, kind, "offset", snippet, via)'
                           " VALUES(?,?,?,?,?,?)", links)

    def _store_one(self, feed_id: int, it: ArticleData, known, now: float) -> tuple[int, str]:
        db = self.db
        hit = known.get(it.entry_key)
        if hit is not None:
            aid = hit[0]
            db.execute("UPDATE feed_entries SET entry_hash=? WHERE feed_id=? AND entry_key=?",
                       (it.entry_hash, feed_id, it.entry_key))
            known[it.entry_key] = (aid, it.entry_hash)
            outcome = self._update(aid, it, now, force=True)
            return aid, outcome
        aid = None
        if it.canonical_url:
            r = db.execute("SELECT id FROM articles WHERE canonical_url=? ORDER BY id LIMIT 1",
                           (it.canonical_url,)).fetchone()
            aid = r[0] if r else None
        if aid is None and it.content_hash:
            r = db.execute("SELECT id FROM articles WHERE content_hash=? ORDER BY id LIMIT 1",
                           (it.content_hash,)).fetchone()
            aid = r[0] if r else None
        if aid is not None:
            db.execute("INSERT OR REPLACE INTO feed_entries(feed_id, entry_key, article_id, entry_hash, first_seen)"
                       " VALUES(?,?,?,?,?)", (feed_id, it.entry_key, aid, it.entry_hash, now))
            known[it.entry_key] = (aid, it.entry_hash)
            self._update(aid, it, now, force=False)
            return aid, "merged"
        aid = db.execute(
            """INSERT INTO articles(url, canonical_url, title, author, published, updated, summary, content, text,
                   language, content_hash, first_seen, last_changed, sort_key)
               VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (it.url, it.canonical_url, it.title, it.author, it.published, it.updated, it.summary, it.content,
             it.text, it.language, it.content_hash, now, now, _sort_key(it.published, now)),
        ).lastrowid
        db.execute("INSERT INTO feed_entries(feed_id, entry_key, article_id, entry_hash, first_seen) VALUES(?,?,?,?,?)",
                   (feed_id, it.entry_key, aid, it.entry_hash, now))
        known[it.entry_key] = (aid, it.entry_hash)
        self._add_images(aid, it.images, now)
        if it.links:
            self._set_links(aid, it.links)
        return aid, "new"

    def _update(self, aid: int, it: ArticleData, now: float, *, force: bool) -> str:
        db = self.db
        cur = db.execute("SELECT content_hash, length(text), version, title, summary, content, text, published,"
                         " updated FROM articles WHERE id=?", (aid,)).fetchone()
        if cur is None:
            return "same"
        self._add_images(aid, it.images, now)
        if cur[0] == it.content_hash:
            return "same"
        if not force and len(it.text or "") <= (cur[1] or 0):
            return "same"  # another feed's copy, no fuller than ours
        version = cur[2]
        db.execute(
            """INSERT OR REPLACE INTO article_versions(article_id, version, title, summary, content, text,
                   content_hash, published, updated, replaced) VALUES(?,?,?,?,?,?,?,?,?,?)""",
            (aid, version, cur[3], cur[4], cur[5], cur[6], cur[0], cur[7], cur[8], now))
        db.execute(
            """UPDATE articles SET title=?, author=COALESCE(?, author), updated=?, summary=?, content=?,
                   text=CASE WHEN fulltext=1 AND length(text) > length(?) THEN text ELSE ? END,
                   language=COALESCE(?, language), content_hash=?, version=?, last_changed=?,
                   published=COALESCE(published, ?) WHERE id=?""",
            (it.title, it.author, it.updated, it.summary, it.content, it.text, it.text, it.language,
             it.content_hash, version + 1, now, it.published, aid))
        if it.links is not None:
            self._set_links(aid, it.links)
        return "updated"

    def _add_images(self, aid: int, images: list[FeedImage], now: float) -> None:
        if images:
            self.db.executemany(
                "INSERT OR IGNORE INTO images(article_id, url, kind, mime, width, height, title, first_seen)"
                " VALUES(?,?,?,?,?,?,?,?)",
                [(aid, i.url, i.kind, i.mime, i.width, i.height, i.title, now) for i in images])

    def _set_links(self, aid: int, links: list[LinkRow]) -> None:
        self.db.execute("DELETE FROM article_cables WHERE article_id=?", (aid,))
        if links:
            self.db.executemany(
                'INSERT OR REPLACE INTO article_cables(article_id, ref_id, kind, "offset", snippet, via)'
                " VALUES(?,?,?,?,?,?)",
                [(aid, l.ref_id, l.kind, l.offset, l.snippet, l.via) for l in links])

    def set_links(self, article_id: int, links: list[LinkRow]) -> None:
        with self.tx():
            self._set_links(article_id, links)

    def add_images(self, article_id: int, images: list[FeedImage]) -> None:
        with self.tx():
            self._add_images(article_id, images, self.now())

    def set_fulltext(self, article_id: int, *, page_content: str | None, text: str | None,
                     language: str | None = None, links: list[LinkRow] | None = None,
                     error: str | None = None) -> None:
        """Record the article page's main text (or why it could not be had)."""
        with self.tx():
            if error is not None:
                self.db.execute("UPDATE articles SET fulltext=-1, fulltext_error=? WHERE id=?",
                                (error[:2000], article_id))
                return
            self.db.execute(
                """UPDATE articles SET fulltext=1, fulltext_error=NULL, page_content=?,
                       text=CASE WHEN length(?) > length(COALESCE(text, '')) THEN ? ELSE text END,
                       language=COALESCE(?, language) WHERE id=?""",
                (page_content, text or "", text, language, article_id))
            if links is not None:
                self._set_links(article_id, links)

    def get_article(self, article_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM articles WHERE id=?", (article_id,))

    def article_versions(self, article_id: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM article_versions WHERE article_id=? ORDER BY version", (article_id,))

    def article_cables(self, article_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        ids = list(article_ids)
        out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            for r in self._rows(
                    f'SELECT article_id, ref_id, kind, "offset", snippet, via FROM article_cables'
                    f" WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, \"offset\"", chunk):
                out[r.pop("article_id")].append(r)
        return out

    def article_images(self, article_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        ids = list(article_ids)
        out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            for r in self._rows(
                    f"SELECT article_id, url, kind, mime, width, height, title FROM images"
                    f" WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, id", chunk):
                out[r.pop("article_id")].append(r)
        return out

    def articles_citing(self, ref_id: str, names: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Articles linked to a cable (by its ref_id or any of ``names``), newest first, with the link's kind."""
        refs = list(dict.fromkeys([ref_id, *names]))[:100]
        return self._rows(
            f"""SELECT a.id, a.url, a.title, a.published, a.language, ac.kind, ac."offset", ac.snippet
               FROM article_cables ac JOIN articles a ON a.id=ac.article_id WHERE ac.ref_id IN ({','.join('?' * len(refs))})
               ORDER BY a.sort_key DESC, a.id DESC""", refs)

    def fulltext_clear(self, feed_id: int, below: int | None) -> None:
        """Record that none of a feed's articles with text shorter than ``below`` lacks its page
        (None: not known). ``store_entries`` forgets it when the feed brings articles."""
        with self.tx():
            self.db.execute("UPDATE feeds SET fulltext_clear_below=? WHERE id=?", (below, feed_id))

    def articles_needing_fulltext(self, feed_id: int, min_chars: int, limit: int) -> list[dict[str, Any]]:
        """A feed's articles whose text is only a summary and whose page was not fetched yet."""
        return self._rows(
            """SELECT a.id, a.url, a.content, a.text FROM articles a JOIN feed_entries fe ON fe.article_id=a.id
               WHERE fe.feed_id=? AND a.fulltext=0 AND a.url IS NOT NULL AND length(COALESCE(a.text,'')) < ?
               ORDER BY a.id DESC LIMIT ?""", (feed_id, min_chars, limit))

    # ------------------------------------------------------------------ browsing
    _CHANNEL_ARTICLES = """FROM articles a WHERE a.id IN (
        SELECT fe.article_id FROM feed_entries fe JOIN channel_feeds cf ON cf.feed_id=fe.feed_id
        WHERE cf.channel_id=?)"""

    def channel_articles(self, name: str, *, page: int = 1, per_page: int = 20,
                         all: bool = False) -> tuple[int, list[dict[str, Any]]]:
        """(total, articles) of a channel, latest first; ``all`` ignores paging.

        Each article dict has its ``cables`` (list of {ref_id, kind, offset, snippet}) and
        ``images`` (list of {url, kind, …}).
        """
        ch = self.get_channel(name)
        if ch is None:
            raise StoreError(f"no channel named {name!r}")
        total = self.db.execute("SELECT COUNT(*) " + self._CHANNEL_ARTICLES, (ch["id"],)).fetchone()[0]
        sql = ("SELECT a.id, a.url, a.title, a.author, a.published, a.updated, a.language, a.version, a.summary,"
               " a.text, a.first_seen " + self._CHANNEL_ARTICLES + " ORDER BY a.sort_key DESC, a.id DESC")
        args: list[Any] = [ch["id"]]
        if not all:
            page = max(1, page)
            sql += " LIMIT ? OFFSET ?"
            args += [per_page, (page - 1) * per_page]
        rows = self._rows(sql, args)
        cables = self.article_cables(r["id"] for r in rows)
        images = self.article_images(r["id"] for r in rows)
        for r in rows:
            r["cables"] = cables.get(r["id"], [])
            r["images"] = images.get(r["id"], [])
        return total, rows

    def channel_images(self, name: str, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Latest images of a channel's articles (newest article first)."""
        ch = self.get_channel(name)
        if ch is None:
            raise StoreError(f"no channel named {name!r}")
        return self._rows(
            """SELECT i.url, i.kind, i.mime, i.width, i.height, i.title, a.id AS article_id, a.url AS article_url,
                      a.title AS article_title, a.published
               FROM images i JOIN articles a ON a.id=i.article_id
               WHERE i.article_id IN (SELECT fe.article_id FROM feed_entries fe JOIN channel_feeds cf
                                      ON cf.feed_id=fe.feed_id WHERE cf.channel_id=?)
               ORDER BY a.sort_key DESC, a.id DESC, i.id LIMIT ? OFFSET ?""", (ch["id"], limit, offset))

    def counts(self) -> dict[str, int]:
        return {t: self.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("channels", "feeds", "articles", "article_versions", "images", "article_cables")}
