"""Read-only browsing queries over the archive's SQLite file (what the web pages need).

Everything here is plain SQL over the existing schema (``store.sqlite_schema`` and
``store.channel_tables``) on a connection opened read-only (``mode=ro``): the web server can
never write the archive through it. Queries that the ``Store`` interface does not have yet:

- ``record_json`` / ``record_dict`` — the current record as stored (no dataclass round trip);
- ``cables_where`` — one page of cables by creation month, release day, origin, TAG or
  classification, newest first, with the total;
- ``facet_values`` — every origin / TAG / classification / month / day with its count;
- ``facet_table`` — ref_id → (origin, year, classification, tags, created), for counting
  search facets in memory;
- ``cited_by`` — the cables whose REF lines name a cable (a reverse map built from the
  records' ``references``);
- ``existing`` / ``canonical`` — which of some ref_ids (or other names) the archive holds;
- ``similar_refs`` — ref_ids near an unknown one (same post and year, nearest serial);
- read-only channel, article and image queries (``ReadOnlyChannels``).

``version()`` is a cheap token that changes whenever a cable's current record may have
changed; in-memory caches are keyed on it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import StoreError
from ..model import BROWSE_KINDS, FILLABLE, CableRow, FacetRow
from ..parse.refid import split_ref_id
from . import dialect, names
from .channels import ChannelStore
from .visual import VisualQueries

_CHUNK = 500


def connect_readonly(path: Path, *, busy_timeout_ms: int = 10_000) -> sqlite3.Connection:
    """A read-only connection to the archive's SQLite file (StoreError if it is not there)."""
    if not Path(path).exists():
        raise StoreError(f"no archive at {Path(path).parent} (nothing ingested yet; see `cablebase ingest`)")
    uri = "file:" + str(Path(path).resolve()).replace("?", "%3f").replace("#", "%23") + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                             timeout=busy_timeout_ms / 1000)
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        db.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: cannot open archive: {e}") from None
    return db


_FILLED_COLS = ", ".join(f"c.{k}" for k in FILLABLE)


def _filled(row: tuple[Any, ...]) -> bytes:
    """A cable's record as JSON with the fields its version lacks from its row (filled in from
    its other versions when stored: ``fill``): the values every list and page shows."""
    rec = orjson.loads(row[1])
    missing = {k: v for k, v in zip(FILLABLE, row[2:]) if v and not rec.get(k)}
    if not missing:
        return row[1].encode("utf-8")
    rec.update(missing)
    return orjson.dumps(rec)


_LIST_COLS = "c.ref_id, c.created, c.released, c.origin, c.classification, c.subject"
_ORDER_NEWEST = " ORDER BY c.created IS NULL, c.created DESC, c.ref_id"


class ReadOnlyChannels(ChannelStore):
    """``ChannelStore``'s read queries on a read-only connection (its tables are not created).

    Every method that reads works as in ``ChannelStore``; the archive may have no channel
    tables yet (nothing was ever subscribed), which ``present`` tells.
    """

    def __init__(self, conn: sqlite3.Connection):  # noqa: D107 - deliberately no schema creation
        self.db = conn
        self.now = None  # type: ignore[assignment]
        self._present = False

    @property
    def present(self) -> bool:
        if not self._present:
            self._present = len(dialect.tables(self.db, (
                "channels", "feeds", "channel_feeds", "articles", "feed_entries", "images", "article_cables"))) == 7
        return self._present

    def tx(self):  # pragma: no cover - writes are impossible here
        raise StoreError("the web archive is read-only")

    # -- queries ChannelStore does not have (offset paging, lookups by article) -------------
    def channel_slice(self, channel_id: int, offset: int, limit: int) -> list[dict[str, Any]]:
        """Articles of a channel, newest first, ``limit`` from ``offset`` (with cables, images)."""
        rows = self._rows(
            """SELECT a.id, a.url, a.title, a.author, a.published, a.updated, a.language, a.version, a.summary,
                      a.first_seen, a.last_changed, substr(a.text, 1, 600) AS excerpt
               FROM articles a WHERE a.id IN (SELECT fe.article_id FROM feed_entries fe
                    JOIN channel_feeds cf ON cf.feed_id=fe.feed_id WHERE cf.channel_id=?)
               ORDER BY a.sort_key DESC, a.id DESC LIMIT ? OFFSET ?""",
            (channel_id, limit, offset),
        )
        cables = self.article_cables(r["id"] for r in rows)
        images = self.article_images(r["id"] for r in rows)
        for r in rows:
            r["cables"] = cables.get(r["id"], [])
            r["images"] = images.get(r["id"], [])
        return rows

    def channel_total(self, channel_id: int) -> int:
        return self.db.execute(
            """SELECT count(*) FROM articles a WHERE a.id IN (SELECT fe.article_id FROM feed_entries fe
               JOIN channel_feeds cf ON cf.feed_id=fe.feed_id WHERE cf.channel_id=?)""", (channel_id,)
        ).fetchone()[0]

    def latest_articles(self, limit: int = 10) -> list[dict[str, Any]]:
        if not self.present:
            return []
        rows = self._rows(
            "SELECT a.id, a.url, a.title, a.author, a.published, a.language FROM articles a"
            " ORDER BY a.sort_key DESC, a.id DESC LIMIT ?", (limit,))
        cables = self.article_cables(r["id"] for r in rows)
        for r in rows:
            r["cables"] = cables.get(r["id"], [])
        return rows

    def article_feeds(self, article_id: int) -> list[dict[str, Any]]:
        """The feeds (and their channels) that carried an article."""
        return self._rows(
            """SELECT f.id, f.url, f.title, f.site_url,
                      (SELECT group_concat(c.name, char(31)) FROM channel_feeds cf JOIN channels c ON c.id=cf.channel_id
                        WHERE cf.feed_id=f.id) AS channels
               FROM feed_entries fe JOIN feeds f ON f.id=fe.feed_id WHERE fe.article_id=? ORDER BY f.id""",
            (article_id,))

    def channel_updated(self, channel_id: int) -> str | None:
        """ISO time of the last change to any article of a channel (for feeds)."""
        row = self.db.execute(
            """SELECT max(a.last_changed) FROM articles a WHERE a.id IN (SELECT fe.article_id FROM feed_entries fe
               JOIN channel_feeds cf ON cf.feed_id=fe.feed_id WHERE cf.channel_id=?)""", (channel_id,)).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, int]:
        if not self.present:
            return {"channels": 0, "feeds": 0, "articles": 0, "images": 0, "article_cables": 0}
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("channels", "feeds", "articles", "images", "article_cables")}


def read_only_entities(conn: sqlite3.Connection):
    """``EntityStore``'s read queries on a read-only connection, or None when the enrichment
    tables are not there (``cablebase enrich`` never ran) or the module is missing."""
    try:
        from .entities import EntityStore
    except ImportError:  # pragma: no cover - the entity store is another team's, still moving
        return None
    need = ("entities", "entity_aliases", "mentions", "similar", "enriched")
    if len(dialect.tables(conn, need)) != len(need):
        return None

    class ReadOnlyEntities(EntityStore):
        def __init__(self, c: sqlite3.Connection):  # noqa: D107 - deliberately no schema creation
            self.db = c

    return ReadOnlyEntities(conn)


class Browse:
    """Read-only queries on one connection (use one ``Browse`` per thread)."""

    def __init__(self, sqlite_path: Path | None = None, *, busy_timeout_ms: int = 10_000, db: Any = None):
        """On the SQLite file ``sqlite_path`` (opened read-only), or on the connection ``db``."""
        self.path = Path(sqlite_path) if sqlite_path is not None else None
        self.db = db if db is not None else connect_readonly(Path(sqlite_path), busy_timeout_ms=busy_timeout_ms)
        self.channels = ReadOnlyChannels(self.db)
        self.visual = VisualQueries(self.db)  # timelines, threads, networks (web.visual)
        self._entities: Any = None
        self._entities_checked = 0.0

    @property
    def entities(self):
        """The enrichment store (read-only), or None when the archive has not been enriched."""
        import time

        if self._entities is None and time.monotonic() - self._entities_checked > 5.0:
            self._entities_checked = time.monotonic()
            self._entities = read_only_entities(self.db)
        return self._entities

    def close(self) -> None:
        self.db.close()

    # -- versions and counts -------------------------------------------------------------
    def version(self) -> tuple[int, int]:
        """Changes whenever a cable record or the article set may have changed.

        Every write of a cable adds a ``sources`` row (the store never updates one in
        place), so its largest id moves; articles are versioned by their last change.
        """
        v = self.db.execute("SELECT coalesce(max(id), 0) FROM sources").fetchone()[0]
        a = 0
        if self.channels.present:
            a = self.db.execute("SELECT coalesce(max(last_changed), 0) * 1000 + count(*) FROM articles").fetchone()[0]
        return (int(v), int(a))

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` of this connection: it moves whenever another
        connection commits, and costs nothing to ask (``version()`` is the costly answer)."""
        if dialect.is_pg(self.db):  # no such counter: the cheap parts of version() stand for it
            return hash(self.version())
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def cable_version(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM sources").fetchone()[0])

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM cables").fetchone()[0]

    def totals(self) -> dict[str, int]:
        """Cables, sources read, distinct origins and TAGs (the home page's figures)."""
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {"cables": self.count(), "sources": one("SELECT count(*) FROM sources"),
                "origins": one("SELECT count(DISTINCT origin) FROM cables"),
                "tags": one("SELECT count(DISTINCT tag) FROM cable_tags")}

    def updated_and_tags(self, refs: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """Each cable's last update and its TAGs (space-separated), for feeds."""
        out = {}
        for i in range(0, len(refs), 500):
            ch = refs[i: i + 500]
            for r, upd, tags in self.db.execute(
                    "SELECT c.ref_id, c.updated, (SELECT group_concat(tag, ' ') FROM cable_tags t WHERE t.ref_id=c.ref_id)"
                    f" FROM cables c WHERE c.ref_id IN ({','.join('?' * len(ch))})", ch):
                out[r] = (upd, tags)
        return out

    # -- records --------------------------------------------------------------------------
    def resolve(self, ref_id: str) -> str | None:
        """The stored ref_id of the one cable a name stands for (any of its names,
        case-insensitive: ``store.names``), or None (no such cable, or several)."""
        return names.resolve_one(self.db, ref_id)

    def candidates(self, name: str) -> list[str]:
        """Every stored cable ``name`` stands for (several: the name is ambiguous)."""
        return names.resolve(self.db, name)

    def all_names(self, ref_id: str) -> list[str]:
        """Every name of the stored cable ``ref_id``, its own first."""
        return names.names_for(self.db, ref_id)

    def record_json(self, ref_id: str) -> bytes | None:
        """The current record of a cable as stored (JSON, ``Cable.to_dict()`` shape)."""
        row = self.db.execute(
            "SELECT s.record FROM cables c JOIN sources s ON s.id = c.source_id WHERE c.ref_id = ?", (ref_id,)
        ).fetchone()
        return row[0].encode("utf-8") if row else None

    def record_dict(self, ref_id: str) -> dict[str, Any] | None:
        raw = self.record_json(ref_id)
        return orjson.loads(raw) if raw is not None else None

    def cable_row(self, ref_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT ref_id, created, released, origin, classification, subject, partial, updated, year"
            " FROM cables WHERE ref_id = ?", (ref_id,)).fetchone()
        if row is None:
            return None
        keys = ("ref_id", "created", "released", "origin", "classification", "subject", "partial", "updated", "year")
        return dict(zip(keys, row))

    def sources(self, ref_id: str) -> list[dict[str, Any]]:
        """Every stored version of a cable without its record (current first, then by id)."""
        rows = self.db.execute(
            "SELECT s.id, s.sha256, s.form, s.location, r.size, s.added, s.complete, s.paragraphs, s.body_len,"
            " s.id = c.source_id FROM sources s JOIN raw_inputs r ON r.sha256 = s.sha256"
            " JOIN cables c ON c.ref_id = s.ref_id WHERE s.ref_id = ? ORDER BY s.id = c.source_id DESC, s.id",
            (ref_id,),
        ).fetchall()
        return [
            {"id": r[0], "sha256": r[1], "form": r[2], "location": r[3], "size": r[4], "added": r[5],
             "fullness": [r[6], r[7], r[8]], "current": bool(r[9])}
            for r in rows
        ]

    def source_record(self, ref_id: str, source_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT record FROM sources WHERE ref_id = ? AND id = ?", (ref_id, source_id)).fetchone()
        return orjson.loads(row[0]) if row else None

    def source_sha(self, ref_id: str, source_id: int) -> str | None:
        row = self.db.execute("SELECT sha256 FROM sources WHERE ref_id = ? AND id = ?", (ref_id, source_id)).fetchone()
        return row[0] if row else None

    def existing(self, ref_ids: Iterable[str]) -> set[str]:
        """Those of ``ref_ids`` the archive holds as its key or under another name (``canonical``)."""
        return set(self.canonical(ref_ids))

    def canonical(self, ref_ids: Iterable[str]) -> dict[str, str]:
        """name → stored ref_id, for each of ``ref_ids`` that names exactly one stored cable."""
        refs = [r for r in dict.fromkeys(ref_ids) if r]
        out: dict[str, str] = {}
        for i in range(0, len(refs), _CHUNK):
            ch = refs[i : i + _CHUNK]
            out.update((r[0], r[0]) for r in self.db.execute(
                f"SELECT ref_id FROM cables WHERE ref_id IN ({','.join('?' * len(ch))})", ch))
        out.update(names.canonical_many(self.db, [r for r in refs if r not in out]))
        return out

    def rows_for(self, ref_ids: list[str]) -> dict[str, CableRow]:
        """Listing rows for some ref_ids (those the archive holds)."""
        out: dict[str, CableRow] = {}
        for i in range(0, len(ref_ids), _CHUNK):
            ch = ref_ids[i : i + _CHUNK]
            for r in self.db.execute(f"SELECT {_LIST_COLS} FROM cables c WHERE c.ref_id IN ({','.join('?' * len(ch))})", ch):
                out[r[0]] = CableRow(*r)
        return out

    def records_for(self, ref_ids: list[str]) -> Iterator[tuple[str, bytes]]:
        """(ref_id, record JSON) for each ref_id held, in the order given."""
        for i in range(0, len(ref_ids), _CHUNK):
            ch = ref_ids[i : i + _CHUNK]
            got = {row[0]: row for row in self.db.execute(
                f"SELECT c.ref_id, s.record, {_FILLED_COLS} FROM cables c JOIN sources s ON s.id = c.source_id"
                f" WHERE c.ref_id IN ({','.join('?' * len(ch))})", ch)}
            for r in ch:
                row = got.get(r)
                if row is not None:
                    yield r, _filled(row)

    def iter_records(self) -> Iterator[tuple[str, bytes]]:
        """(ref_id, record JSON) of every cable, by ref_id, streamed."""
        cur = self.db.execute(
            f"SELECT c.ref_id, s.record, {_FILLED_COLS} FROM cables c JOIN sources s ON s.id = c.source_id"
            " ORDER BY c.ref_id")
        for row in cur:
            yield row[0], _filled(row)

    # -- listings -------------------------------------------------------------------------
    def latest_cables(self, limit: int = 10, *, by: str = "released") -> list[CableRow]:
        col = {"released": "c.released", "created": "c.created", "added": "c.updated"}[by]
        return [CableRow(*r) for r in self.db.execute(
            f"SELECT {_LIST_COLS} FROM cables c ORDER BY {col} IS NULL, {col} DESC, c.created DESC, c.ref_id LIMIT ?",
            (limit,))]

    def _where(self, kind: str, value: str) -> tuple[str, tuple[Any, ...]]:
        if kind == "created":  # value: YYYY or YYYY-MM or YYYY-MM-DD
            try:
                year = int(value[:4])
            except ValueError:
                raise StoreError(f"not a date: {value!r}") from None
            if len(value) == 4:
                return "c.year = ?", (year,)
            return "c.year = ? AND substr(c.created, 1, ?) = ?", (year, len(value), value)
        if kind == "released":
            return "substr(c.released, 1, ?) = ?", (len(value), value)
        if kind == "origin":
            return "c.origin = ?", (value,)
        if kind == "classification":
            return "c.classification = ?", (value,)
        if kind == "tag":
            return "c.ref_id IN (SELECT ref_id FROM cable_tags WHERE tag = ?)", (value,)
        raise StoreError(f"cannot browse by {kind!r} (known: {', '.join(BROWSE_KINDS)})")

    def cables_where(self, kind: str, value: str, *, limit: int = 50, offset: int = 0) -> tuple[int, list[CableRow]]:
        """(total, one page of cables) where ``kind`` is ``value``, newest first."""
        where, args = self._where(kind, value)
        total = self.db.execute(f"SELECT count(*) FROM cables c WHERE {where}", args).fetchone()[0]
        rows = [CableRow(*r) for r in self.db.execute(
            f"SELECT {_LIST_COLS} FROM cables c WHERE {where}{_ORDER_NEWEST} LIMIT ? OFFSET ?", (*args, limit, offset))]
        return total, rows

    def feed_cables(self, kind: str, value: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Cables for a feed: most recently added or updated first, with the time of that change."""
        where, args = self._where(kind, value)
        cur = self.db.execute(
            f"SELECT {_LIST_COLS}, c.updated FROM cables c WHERE {where}"
            " ORDER BY c.updated DESC, c.created IS NULL, c.created DESC, c.ref_id LIMIT ?", (*args, limit))
        keys = ("ref_id", "created", "released", "origin", "classification", "subject", "updated")
        return [dict(zip(keys, r)) for r in cur]

    def facet_values(self, kind: str) -> list[tuple[str, int]]:
        """Every value of a browse kind with its number of cables (months for ``created``,
        days for ``released``; newest first for dates, largest first otherwise)."""
        if kind == "created":
            sql = ("SELECT substr(created, 1, 7) AS v, count(*) FROM cables WHERE created IS NOT NULL"
                   " GROUP BY v ORDER BY v DESC")
        elif kind == "released":
            sql = ("SELECT substr(released, 1, 10) AS v, count(*) FROM cables WHERE released IS NOT NULL"
                   " GROUP BY v ORDER BY v DESC")
        elif kind == "origin":
            sql = "SELECT origin AS v, count(*) AS n FROM cables WHERE origin IS NOT NULL GROUP BY v ORDER BY n DESC, v"
        elif kind == "classification":
            sql = ("SELECT classification AS v, count(*) AS n FROM cables WHERE classification IS NOT NULL"
                   " GROUP BY v ORDER BY n DESC, v")
        elif kind == "tag":
            sql = "SELECT tag AS v, count(*) AS n FROM cable_tags GROUP BY v ORDER BY n DESC, v"
        else:
            raise StoreError(f"cannot browse by {kind!r} (known: {', '.join(BROWSE_KINDS)})")
        return [(r[0], r[1]) for r in self.db.execute(sql)]

    def facet_table(self) -> dict[str, FacetRow]:
        """ref_id → facet values of every cable (for counting search facets in memory)."""
        tags: dict[str, list[str]] = {}
        for ref, tag in self.db.execute("SELECT ref_id, tag FROM cable_tags"):
            tags.setdefault(ref, []).append(tag)
        return {
            ref: FacetRow(origin, year, cls, tuple(tags.get(ref, ())), created)
            for ref, origin, year, cls, created in self.db.execute(
                "SELECT ref_id, origin, year, classification, created FROM cables")
        }

    def references_table(self) -> Iterator[tuple[str, str]]:
        """(citing ref_id, cited ref_id) for every REF of every current record."""
        if dialect.is_pg(self.db):
            sql = ("SELECT c.ref_id, r.value->>'ref_id' FROM cables c JOIN sources s ON s.id = c.source_id,"
                   " jsonb_array_elements(CASE WHEN jsonb_typeof(s.record::jsonb->'references') = 'array'"
                   " THEN s.record::jsonb->'references' ELSE '[]'::jsonb END) AS r(value)"
                   " WHERE r.value->>'ref_id' IS NOT NULL")
        else:
            sql = ("SELECT c.ref_id, json_extract(r.value, '$.ref_id') FROM cables c JOIN sources s ON s.id = c.source_id,"
                   " json_each(s.record, '$.references') r WHERE json_extract(r.value, '$.ref_id') IS NOT NULL")
        cur = self.db.execute(sql)
        yield from cur

    def similar_refs(self, ref_id: str, limit: int = 10) -> list[str]:
        """Ref IDs of the same post and year as ``ref_id``, nearest serial first."""
        parts = split_ref_id(ref_id or "")
        if parts is None:
            return []
        year, post, serial = parts
        prefix = f"{year % 100:02d}{post}"
        rows = self.db.execute(
            "SELECT ref_id FROM cables WHERE ref_id >= ? AND ref_id < ? ", (prefix, prefix + "\uffff")).fetchall()
        cands = []
        for (r,) in rows:
            p = split_ref_id(r)
            if p and p[1] == post:
                cands.append((abs(p[2] - serial), r))
        return [r for _, r in sorted(cands)[:limit]]


__all__ = ["Browse", "ReadOnlyChannels", "connect_readonly"]
