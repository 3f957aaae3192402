"""The SQLite archive: raw inputs, every version of every cable, the current record.

The tables, their version and upgrades are in ``store.sqlite_schema``, reading the records
in ``store.records``, the write itself in ``store.write``; ``SQLiteStore`` here opens the
file and keeps the records and the tantivy index in step.

The index is committed after SQLite (and, during ingest, only every so often), so a writer
killed in between leaves records the index does not have. Each write therefore also lists
its changed cables in ``index_pending``, in the same transaction; a row goes once the index
commit holding that document is done. The next writer to take the index lock re-indexes
whatever is still listed (``_drain_pending``), so a crash loses nothing and a rerun repairs
it. A writer that finds the index locked by another process may store its records anyway
(``add_cables(..., defer_index=True)``, used by the poller for cables embedded in articles):
they stay listed until the lock holder (or the next writer) indexes them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

import orjson

from ..config import Settings
from ..errors import Busy, IndexNotUpdated, IndexOutdated, StoreError
from ..record import Cable
from .base import ProgressCallback, RawBlob, RawDict
from ..model import Added, CheckReport, Hit, Outcome, SearchFilters, SearchResults
from . import dialect, names, notes, write
from .fill import fill_all
from .index import SearchIndex
from .raw_dicts import RawDicts
from .records import ArchiveRecords
from .sqlite_schema import SCHEMA_VERSION, Transaction, migrate

SQLITE_CACHE_KIB = 65_536
"""Page cache of each connection (SQLite's default is 2 MiB): the unique keys of a
251,287-cable archive (sha256, ref ids) are bigger than that, and every insert then reads
index pages back from disk."""

DRAIN_CHUNK = 2000
"""Records read into memory at a time when indexing what other writers listed."""
DRAIN_EVERY_S = 5.0
"""While a store holds the index (a long ingest), it indexes what other writers listed in
``index_pending`` this often (and when it opens the index, flushes and closes)."""


class SQLiteStore(ArchiveRecords):
    """The embedded archive: SQLite records plus a tantivy index beside them.

    ``SQLiteStore(settings)`` opens (``create=True``: creates) the archive in
    ``settings.db_dir``. Use as a context manager or call ``close()``.
    """

    def __init__(self, settings: Settings, *, create: bool = True):
        self.settings = settings
        self.db = self._connect(create)
        self._raw_dicts = RawDicts(self.db)
        self.index = SearchIndex(
            settings.index_path, heap_size=settings.index_heap_bytes, threads=settings.index_threads
        )
        self.index.entity_lookup = self._entity_refs
        self.index.note_lookup = lambda words: notes.refs_with_note(self.db, words)
        self._indexed: dict[str, tuple[int, int]] = {}
        """ref_id → (its index_pending seq, index commits done when its document was added):
        the row goes once a later commit is done."""
        self._deferred: set[int] = set()
        """index_pending seqs this store wrote while another process held the index."""
        self._drained = 0.0
        """When this store last indexed what others listed (0: not yet)."""

    def _connect(self, create: bool) -> sqlite3.Connection:
        """Open (``create``: create) the records' database, at its current schema."""
        settings = self.settings
        path = settings.sqlite_path
        if settings.db_dir.exists() and not settings.db_dir.is_dir():
            raise StoreError(f"{settings.db_dir} is a file; the archive (--db) is a directory")
        if not path.exists():
            if not create:
                raise StoreError(f"no archive at {settings.db_dir} (nothing ingested yet; see `cablebase ingest`)")
            try:
                settings.db_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create archive directory {settings.db_dir}: {e.strerror or e}") from None
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=settings.busy_timeout_ms / 1000)
            db.execute(f"PRAGMA busy_timeout = {int(settings.busy_timeout_ms)}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{path}: cannot switch to WAL mode (got {mode})")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            migrate(db, path)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: cannot open archive: {e}") from None
        return db

    def raw_dictionary(self) -> RawDict | None:
        return self._raw_dicts.newest()

    def add_raw_dictionary(self, data: bytes) -> RawDict:
        return self._raw_dicts.add(data)

    # -- lifecycle -----------------------------------------------------------------------
    def _tx(self) -> Transaction:
        return Transaction(self.db)

    def flush(self) -> None:
        """Make everything added so far searchable (commit the index if it is behind)."""
        try:
            self.index.commit()
            if self.index.writing:
                self._clear_indexed()
                if self._drain_pending():  # left by a crashed writer or one that found the index locked
                    self.index.commit()
                    self._clear_indexed()
        except (ValueError, OSError, RuntimeError) as e:
            raise IndexNotUpdated(f"search index commit failed ({e}); run `cablebase reindex`", []) from None

    def close(self) -> None:
        try:
            if self.index.writing or self._deferred_waiting():
                self.flush()
            self.index.close()
        except (ValueError, OSError, RuntimeError) as e:
            raise IndexNotUpdated(f"search index commit failed on close ({e}); run `cablebase reindex`", []) from None
        finally:
            self.db.close()

    # -- the index_pending list ------------------------------------------------------------
    def _deferred_waiting(self) -> bool:
        """Cables this store left unindexed are still listed: wait (``busy_timeout_ms`` at most)
        for the index lock so as to index them; False when another writer did or still holds it."""
        if not self._deferred:
            return False
        deadline = time.monotonic() + self.settings.busy_timeout_ms / 1000
        while True:
            try:
                seqs = list(self._deferred)
                left = {r[0] for ch in write.chunks(seqs) for r in self.db.execute(
                    f"SELECT seq FROM index_pending WHERE seq IN ({','.join('?' * len(ch))})", ch)}
            except sqlite3.Error:
                return False
            self._deferred &= left
            if not self._deferred:
                return False
            try:
                self.index.open_writer()
                return True
            except Busy:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)
            except StoreError:
                return False

    def _take_index_lock(self, *, wait: bool) -> None:
        """Take the index's write lock; with ``wait``, retry for ``busy_timeout_ms`` as SQLite
        does for its own lock (another process's writer commits and lets go within a second
        or so), then raise ``Busy``."""
        deadline = time.monotonic() + (self.settings.busy_timeout_ms / 1000 if wait else 0)
        while True:
            try:
                self.index.open_writer()
                return
            except Busy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def _clear_indexed(self, *, in_tx: bool = False) -> None:
        """Delete the index_pending rows of documents that a finished index commit holds
        (in the caller's transaction with ``in_tx``, else in one of its own)."""
        if not self._indexed:
            return
        commits = self.index.commits
        clean = not self.index.uncommitted  # then every document added so far is committed
        done = [(ref, seq) for ref, (seq, c) in self._indexed.items() if clean or commits > c]
        if not done:
            return
        if in_tx:
            self.db.executemany("DELETE FROM index_pending WHERE ref_id = ? AND seq = ?", done)
        else:
            try:
                with self._tx():
                    self.db.executemany("DELETE FROM index_pending WHERE ref_id = ? AND seq = ?", done)
            except sqlite3.Error:
                return  # kept: re-indexed by the next writer, which is harmless
        for ref, _ in done:
            del self._indexed[ref]

    def _drain_pending(self) -> int:
        """Index the listed cables no write of this store put there (under the index lock),
        ``DRAIN_CHUNK`` records in memory at a time."""
        mine = {seq for seq, _ in self._indexed.values()}
        rows = [(seq, ref) for seq, ref in self.db.execute("SELECT seq, ref_id FROM index_pending") if seq not in mine]
        self._drained = time.monotonic()
        if not rows:
            return 0
        seq_of = {ref: seq for seq, ref in rows}
        refs = list(seq_of)
        for i in range(0, len(refs), DRAIN_CHUNK):
            part = refs[i:i + DRAIN_CHUNK]
            cables = []
            for ch in write.chunks(part):
                for ref, rec in self.db.execute(
                    f"SELECT ref_id, record FROM cable_records WHERE ref_id IN ({','.join('?' * len(ch))})", ch
                ):
                    cables.append(Cable.from_dict(orjson.loads(rec)))
            self.index.delete(set(part) - {c.ref_id for c in cables})  # merged away: no longer a cable
            self.index.upsert(cables)
            commits = self.index.commits
            for ref in part:
                self._indexed[ref] = (seq_of[ref], commits)
        self._deferred -= set(seq_of.values())
        return len(rows)

    def index_pending(self) -> int:
        """Take the index (``Busy`` if another process keeps it past ``busy_timeout_ms``) and index
        what other writers stored and listed (a cluster's workers write records only); commits
        the index as ``index_commit_every`` says. The number of cables indexed."""
        self._take_index_lock(wait=True)
        try:
            n = self._drain_pending()
            self.index.maybe_commit(self.settings.index_commit_every)
            self._clear_indexed()
        except (ValueError, OSError, RuntimeError) as e:
            raise IndexNotUpdated(f"search index could not be updated ({e}); run `cablebase reindex`", []) from None
        return n

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------
    DEFER_INDEX = False
    """``defer_index`` when a writer does not say: the embedded archive's writers wait for the
    index lock (``busy_timeout_ms``), then fail (``Busy``) while another process holds it."""

    def add_cable(self, cable: Cable, raw: bytes | RawBlob, *, defer_index: bool | None = None) -> Added:
        return self.add_cables([(cable, raw)], defer_index=defer_index)[0]

    def add_cables(self, items: Iterable[tuple[Cable, bytes | RawBlob]], *,
                   defer_index: bool | None = None) -> list[Added]:
        """Store cables with their raw input bytes in one transaction, then index them.

        ``raw`` is the input's bytes, or a ``RawBlob`` packed from them (by a parser
        process, say); the same bytes object / blob for several cables is stored once.

        A cable without a ref_id is stored under a provisional key, or as a version of the
        cable with its text (``store.names``); ``Added.ref_id`` says where. On a database error
        nothing of the batch is stored. Raises ``IndexNotUpdated`` if the records were
        committed but the index update failed.

        If another process holds the search index for longer than ``busy_timeout_ms``, raises
        ``Busy`` before writing anything;
        with ``defer_index`` stores the records anyway and leaves them listed in
        ``index_pending`` for that process (or the next writer) to index.
        """
        if defer_index is None:
            defer_index = self.DEFER_INDEX
        prepared = self._prepare(items)
        if not prepared:
            return []
        deferred = False
        try:
            self._take_index_lock(wait=not defer_index)  # if another process keeps it, write nothing
        except IndexOutdated:
            self.reindex()  # an index of an older cablebase: rebuilt from the records, then written to
        except Busy:
            if not defer_index:
                raise
            deferred = True
        if not deferred:
            if not self._drained or time.monotonic() - self._drained >= DRAIN_EVERY_S:
                try:
                    self._drain_pending()  # what a killed writer, or one that found the index locked, listed
                except (ValueError, OSError, RuntimeError) as e:
                    raise IndexNotUpdated(f"search index could not be repaired ({e}); run `cablebase reindex`",
                                          []) from None
            if self.settings.index_commit_every > 0:
                self.index.start_autocommit()  # gathered commits, yet searchable within about a second
        try:
            with self._tx():
                if not deferred:
                    self._clear_indexed(in_tx=True)  # rows of documents committed since the last write
                results, changed, removed = self._write(prepared)
                seqs = self._list_pending([c.ref_id for c in changed] + removed)
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise Busy(f"{self.settings.describe()} is being written by another process ({e}); try again later") from None
            raise StoreError(f"cannot store {write.describe(prepared)}: {e}") from None
        except sqlite3.Error as e:
            raise StoreError(f"cannot store {write.describe(prepared)}: {e}") from None
        if deferred:
            self._deferred.update(seqs.values())
            return results
        if changed or removed:
            try:
                self.index.delete(removed)  # provisional cables merged into the one with their text
                # A cable new to the records cannot be in the index (it never runs ahead of
                # them): no delete to queue for it.
                self.index.upsert(changed, new=[a.ref_id for a in results if a.outcome is Outcome.NEW])
                commits = self.index.commits
                for ref, seq in seqs.items():
                    self._indexed[ref] = (seq, commits)
                self.index.maybe_commit(self.settings.index_commit_every)
            except (ValueError, OSError, RuntimeError) as e:
                commits = self.index.commits
                self._indexed = {r: v for r, v in self._indexed.items() if commits > v[1]}  # rolled back: stay listed
                try:
                    self.index.rollback()
                except Exception:  # noqa: BLE001 - already reporting the first failure
                    pass
                raise IndexNotUpdated(
                    f"stored {write.describe(prepared)} but the search index was not updated ({e}); run `cablebase reindex`",
                    results,
                ) from None
        return results

    def _list_pending(self, refs: list[str]) -> dict[str, int]:
        """List the changed (or removed) cables in index_pending (in the write's transaction): ref_id → seq."""
        return write.list_pending(self.db, refs)

    def _prepare(self, items: Iterable[tuple[Cable, bytes | RawBlob]]) -> list[write.Item]:
        return write.prepare(items)

    def _write(self, items: list[write.Item]) -> tuple[list[Added], list[Cable], list[str]]:
        return write.write(self.db, items)

    # -- searching -----------------------------------------------------------------------
    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0,
               sort: str = "relevance") -> list[Hit]:
        return self.index.search(query, filters, limit=limit, offset=offset, sort=sort)

    def search_results(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
                       offset: int = 0, sort: str = "relevance", facets: bool = True,
                       facet_limit: int = 100) -> SearchResults:
        return self.index.search_results(query, filters, limit=limit, offset=offset, sort=sort, facets=facets,
                                         facet_limit=facet_limit)

    def _entity_refs(self, name: str | None, type_: str | None = None) -> list[str] | None:
        """``entity:`` and ``type:`` in queries: the cables mentioning ``name`` (an entity of
        ``type_`` when given; any entity of ``type_`` when ``name`` is None); None before
        ``cablebase enrich``."""
        db = self.db
        need = ("entities", "entity_aliases", "mentions", "enriched")
        if len(dialect.tables(db, need)) != len(need) or db.execute("SELECT 1 FROM enriched LIMIT 1").fetchone() is None:
            return None
        from .entities import EntityStore

        entities = EntityStore.__new__(EntityStore)  # read only: no schema creation on this connection
        entities.db = db
        return entities.ref_ids_for_entity(name, type_)

    # -- maintenance ---------------------------------------------------------------------
    def reindex(self, progress: ProgressCallback | None = None) -> int:
        """Rebuild the search index from the records.

        Runs under the index's write lock (``Busy`` if an ingest holds it); searches keep
        answering from the old index until the new one is committed at the end. The names
        of the cables (``cable_names``) are rebuilt from the records first, and the fields a
        cable's row lacks filled in from its other versions (``fill.fill_all``).
        """
        try:
            with self._tx():
                names.rebuild(self.db)
                fill_all(self.db)  # rows stored before fields were filled in from other versions
        except sqlite3.Error as e:
            raise StoreError(f"cannot rebuild the names of the cables: {e}") from None
        total = self.count()
        listed = list(self.db.execute("SELECT ref_id, seq FROM index_pending"))
        auto = self.index.autocommitting
        self.index.stop_autocommit()  # nothing half-rebuilt may become visible
        try:
            n = self._reindex(total, progress)
        finally:
            if auto:
                self.index.start_autocommit()
        try:
            with self._tx():  # what was listed before the rebuild is in it now
                self.db.executemany("DELETE FROM index_pending WHERE ref_id = ? AND seq = ?", listed)
        except sqlite3.Error:
            pass
        return n

    def _reindex(self, total: int, progress: ProgressCallback | None) -> int:
        self.index.reset()
        n = 0
        batch: list[Cable] = []
        try:
            for cable in self.iter_indexed():
                batch.append(cable)
                if len(batch) >= 1000:
                    n += self.index.upsert(batch, new=[c.ref_id for c in batch if c.ref_id])  # after reset: all new
                    batch.clear()
                    if progress:
                        progress(n, total)
            n += self.index.upsert(batch, new=[c.ref_id for c in batch if c.ref_id])
            self.index.commit()
        except (ValueError, OSError, RuntimeError) as e:
            self.index.rollback()
            raise StoreError(f"reindex failed after {n} cables (the old index is unchanged): {e}") from None
        if progress:
            progress(n, total)
        return n

    def check(self, *, quick: bool = False) -> CheckReport:
        """Compare the records with the index and ask SQLite to verify itself."""
        problems = [
            r[0] for r in self.db.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check") if r[0] != "ok"
        ]
        problems += [f"foreign key violation in {r[0]} (rowid {r[1]}) -> {r[2]}" for r in self.db.execute("PRAGMA foreign_key_check")]
        problems += names.problems(self.db)
        return self._compare_index(problems)

    def _compare_index(self, problems: list[str]) -> CheckReport:
        stored = self.ref_ids()
        try:
            in_index = self.index.ref_ids()
        except StoreError as e:
            problems.append(str(e))
            in_index = []
        seen: set[str] = set()
        dupes: set[str] = set()
        for r in in_index:
            (dupes if r in seen else seen).add(r)
        return CheckReport(
            integrity=problems,
            missing_from_index=sorted(stored - seen),
            extra_in_index=sorted(seen - stored),
            duplicated_in_index=sorted(dupes),
            stored=len(stored),
            indexed=len(in_index),
        )


__all__ = ["SCHEMA_VERSION", "SQLiteStore"]
