"""Channels and the feeds they group: subscribing, fetch bookkeeping, back-off, titles.

``FeedRecords`` adds to ``ChannelTables`` the ``channels``, ``feeds`` and ``channel_feeds``
rows: creating and naming channels (a channel's title follows its first feed's until set by
hand), subscribing (idempotent) and unsubscribing feeds, which feeds are due, and what each
fetch brought (HTTP validators, errors and their count for the back-off, status).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import StoreError
from .channel_tables import FEED_STATUSES, ChannelTables

_KEEP: Any = object()


class FeedRecords(ChannelTables):
    """Channels and feeds (see the module doc)."""

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
            return self.db.execute(
                "INSERT INTO channels(name, title, title_follows_feed, created) VALUES(?,?,?,?) RETURNING id",
                (name, title, 0 if title else 1, self.now()),
            ).fetchone()[0]

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
                    "INSERT INTO feeds(url, added_url, title, added, next_fetch, interval_s) VALUES(?,?,?,?,?,?)"
                    " RETURNING id",
                    (url, added_url or url, title, now, now, interval_s),
                ).fetchone()[0]
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
                     fulltext_clear_below: int | None = _KEEP, status_reason: str | None = _KEEP) -> None:
        """Record a successful fetch (200 or 304): clears the error state (and sets ``last_page_error``
        when ``page_error`` is given, as ``feed_note`` does; ``status_reason``: what the source is)."""
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
            if status_reason is not _KEEP:
                sets.append("status_reason=?")
                args.append(status_reason)
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
