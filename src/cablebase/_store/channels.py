"""Channels, feeds and the articles they bring, in the archive's SQLite file.

``ChannelStore(conn)`` works on any ``sqlite3.Connection`` (the cable store's, or its own) and
creates its tables (listed in ``store.channel_tables``) with ``CREATE TABLE IF NOT EXISTS``.
All writes of one call are one transaction.

``ChannelStore`` is made of parts: ``store.channel_tables`` (the tables, transactions),
``store.channel_feeds`` (channels and feeds), ``store.articles`` (storing articles, their
images and cable links); reading articles and browsing a channel are here.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import StoreError
from .articles import ArticleRecords
from .channel_feeds import FeedRecords
from .channel_tables import FEED_STATUSES, SCHEMA


class ChannelStore(FeedRecords, ArticleRecords):
    """Channels, feeds, articles, images and article→cable links over one SQLite connection."""

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

    def search_articles(self, words: list[str], *, limit: int = 20, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """Articles whose title or text holds each of ``words`` (phrases too; case-insensitive
        for ASCII letters), newest first: (how many, one page with their plain ``text``)."""
        words = [w for w in words if w.strip()][:8]
        if not words:
            return 0, []
        conds, args = [], []
        for w in words:
            pat = "%" + w.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conds.append("(LOWER(COALESCE(a.title, '')) LIKE ? ESCAPE '\\'"
                         " OR LOWER(COALESCE(a.text, a.summary, '')) LIKE ? ESCAPE '\\')")
            args += [pat, pat]
        where = " AND ".join(conds)
        total = self.db.execute(f"SELECT COUNT(*) FROM articles a WHERE {where}", args).fetchone()[0]
        rows = self._rows(
            f"SELECT a.id, a.url, a.title, a.author, a.published, a.language, a.text FROM articles a WHERE {where}"
            " ORDER BY a.sort_key DESC, a.id DESC LIMIT ? OFFSET ?", [*args, limit, offset])
        return total, rows

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


__all__ = ["FEED_STATUSES", "SCHEMA", "ChannelStore"]
