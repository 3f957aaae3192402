"""The archive's change stream, as the watches read it: new ``sources`` rows and new ``articles``.

Every cable stored, and every new version of a stored cable, is a new row of ``sources``
(``store.sqlite_schema``); every new story a feed brings is a new row of ``articles``
(``store.channel_tables``). Both have increasing integer ids, so "what arrived since" is
``id > watermark``, whichever process wrote it (ingest, poll, the web). Writers hand
out these ids inside their write transaction (``BEGIN IMMEDIATE``: SQLite's one write lock, on
PostgreSQL the advisory lock ``store.pg`` takes for it), so they commit in id order and a row
below a watermark never appears later. A writer that stored rows outside that lock would break
this; the events' ``UNIQUE`` key would then let a pass re-read a window of recent rows
harmlessly. The delivery pass also waits for a row to settle (its cable searchable, its
article's links stored) before passing it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_SOURCES = """
SELECT s.id, s.ref_id, s.added, c.subject,
       (SELECT min(s2.id) FROM sources s2 WHERE s2.ref_id = s.ref_id) AS first_id,
       (SELECT count(*) FROM index_pending p WHERE p.ref_id = s.ref_id) AS pending,
       c.ref_id AS cable
FROM sources s LEFT JOIN cables c ON c.ref_id = s.ref_id
WHERE s.id > ? ORDER BY s.id LIMIT ?
"""


def new_sources(db: sqlite3.Connection, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` versions stored after ``after`` (by id): ``id``, ``ref_id``, ``added``
    (ISO 8601), ``subject`` (of the cable's current record), ``first`` (the cable's first
    version: a new cable), ``pending`` (its index document may not be committed yet) and
    ``cable`` (False when it is no longer a cable of its own: merged into another)."""
    out = []
    for sid, ref, added, subject, first_id, pending, cable in db.execute(_SOURCES, (after, limit)):
        out.append({"id": sid, "ref_id": ref, "added": added, "subject": subject, "first": first_id == sid,
                    "pending": bool(pending), "cable": cable is not None})
    return out


def new_articles(db: sqlite3.Connection, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` articles stored after ``after`` (by id), with the ref_ids they link
    (``refs``). The channel tables must exist (``WatchStore`` makes them)."""
    cur = db.execute("SELECT id, url, title, summary, text, first_seen FROM articles WHERE id > ?"
                     " ORDER BY id LIMIT ?", (after, limit))
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r["refs"] = []
    if by_id:
        ids = list(by_id)
        for aid, ref in db.execute(
                f"SELECT article_id, ref_id FROM article_cables WHERE article_id IN ({','.join('?' * len(ids))})"
                " ORDER BY article_id, ref_id", ids):
            by_id[aid]["refs"].append(ref)
    return rows


def latest(db: sqlite3.Connection) -> tuple[int, int]:
    """(the latest source id, the latest article id): where a new watch starts."""
    s = db.execute("SELECT coalesce(max(id), 0) FROM sources").fetchone()[0]
    a = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    return int(s), int(a)


__all__ = ["latest", "new_articles", "new_sources"]
