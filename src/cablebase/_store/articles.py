"""The articles feeds bring: storing entries (deduplicated), edits, page text, images, cable links.

An entry ready to store is a ``model.Article`` (what the poller computed from a feed entry),
an article → cable link a ``model.Link``. ``ArticleRecords`` adds to ``ChannelTables`` the
``articles``, ``feed_entries``, ``article_versions``, ``images`` and ``article_cables`` rows:
a feed's new or changed entries in one transaction (new articles in bulk; the same story
from another feed merged; an edit keeping the earlier version), the article page's full
text, and the links to cables.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..model import Article, Link
from ..parse.feed_model import FeedImage
from . import dialect
from .channel_tables import ChannelTables

_LINK_UPSERT = (' ON CONFLICT(article_id, ref_id) DO UPDATE SET kind = excluded.kind, "offset" = excluded."offset",'
                ' snippet = excluded.snippet, via = excluded.via')
"""What an article → cable link row becomes when the article links that cable already."""


def _iso_now(now: float) -> str:
    return datetime.fromtimestamp(now, timezone.utc).isoformat()


def _sort_key(published: str | None, now: float, _iso: tuple[str, str] | None = None) -> str:
    """The article's date for sorting: its publication date, unless missing or over a day ahead."""
    now_iso, limit = _iso or (_iso_now(now), _iso_now(now + 86400))
    if published and published <= limit:
        return published
    return now_iso


class ArticleRecords(ChannelTables):
    """Storing articles and what hangs off them (see the module doc)."""

    # ------------------------------------------------------------------ articles
    def entry_state(self, feed_id: int) -> dict[str, tuple[int, str | None]]:
        """entry key → (article id, raw entry hash) for every entry already seen in a feed."""
        return {k: (a, h) for k, a, h in self.db.execute(
            "SELECT entry_key, article_id, entry_hash FROM feed_entries WHERE feed_id=?", (feed_id,))}

    def store_entries(self, feed_id: int, items: list[Article],
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

    def _store_batch(self, feed_id: int, items: list[Article], known, now: float,
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
        pending: list[tuple[int, Article]] = []
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

    def _insert_new(self, feed_id: int, rows: list[tuple[int, Article]], now: float,
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
        dialect.ids_given(db, "articles")
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
            db.executemany('INSERT INTO article_cables(article_id, ref_id, kind, "offset", snippet, via)'
                           " VALUES(?,?,?,?,?,?)" + _LINK_UPSERT, links)

    def _store_one(self, feed_id: int, it: Article, known, now: float) -> tuple[int, str]:
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
            db.execute("INSERT INTO feed_entries(feed_id, entry_key, article_id, entry_hash, first_seen)"
                       " VALUES(?,?,?,?,?) ON CONFLICT(feed_id, entry_key) DO UPDATE SET article_id = excluded.article_id,"
                       " entry_hash = excluded.entry_hash, first_seen = excluded.first_seen",
                       (feed_id, it.entry_key, aid, it.entry_hash, now))
            known[it.entry_key] = (aid, it.entry_hash)
            # what the copy already stored lacks (its link, author, date: a copy from a saved
            # page has none), the other copy gives
            db.execute("UPDATE articles SET url=COALESCE(url, ?), canonical_url=COALESCE(canonical_url, ?),"
                       " author=COALESCE(author, ?), published=COALESCE(published, ?) WHERE id=?",
                       (it.url, it.canonical_url, it.author, it.published, aid))
            self._update(aid, it, now, force=False)
            return aid, "merged"
        aid = db.execute(
            """INSERT INTO articles(url, canonical_url, title, author, published, updated, summary, content, text,
                   language, content_hash, first_seen, last_changed, sort_key)
               VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id""",
            (it.url, it.canonical_url, it.title, it.author, it.published, it.updated, it.summary, it.content,
             it.text, it.language, it.content_hash, now, now, _sort_key(it.published, now)),
        ).fetchone()[0]
        db.execute("INSERT INTO feed_entries(feed_id, entry_key, article_id, entry_hash, first_seen) VALUES(?,?,?,?,?)",
                   (feed_id, it.entry_key, aid, it.entry_hash, now))
        known[it.entry_key] = (aid, it.entry_hash)
        self._add_images(aid, it.images, now)
        if it.links:
            self._set_links(aid, it.links)
        return aid, "new"

    def _update(self, aid: int, it: Article, now: float, *, force: bool) -> str:
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
            """INSERT INTO article_versions(article_id, version, title, summary, content, text,
                   content_hash, published, updated, replaced) VALUES(?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(article_id, version) DO UPDATE SET title = excluded.title, summary = excluded.summary,
                   content = excluded.content, text = excluded.text, content_hash = excluded.content_hash,
                   published = excluded.published, updated = excluded.updated, replaced = excluded.replaced""",
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

    def _set_links(self, aid: int, links: list[Link]) -> None:
        self.db.execute("DELETE FROM article_cables WHERE article_id=?", (aid,))
        if links:
            self.db.executemany(
                'INSERT INTO article_cables(article_id, ref_id, kind, "offset", snippet, via)'
                " VALUES(?,?,?,?,?,?)" + _LINK_UPSERT,
                [(aid, l.ref_id, l.kind, l.offset, l.snippet, l.via) for l in links])

    def set_links(self, article_id: int, links: list[Link]) -> None:
        with self.tx():
            self._set_links(article_id, links)

    def add_images(self, article_id: int, images: list[FeedImage]) -> None:
        with self.tx():
            self._add_images(article_id, images, self.now())

    def set_fulltext(self, article_id: int, *, page_content: str | None, text: str | None,
                     language: str | None = None, links: list[Link] | None = None,
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
