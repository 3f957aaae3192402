"""The search index's directory and writing: opening, the writer, commits, autocommit.

``WritableIndex`` opens a tantivy index in a directory (checking its schema version, marking
a new one), holds its one writer (the index's write lock: ``Busy`` when another process
has it) behind a lock shared with the autocommit thread, and adds, replaces, deletes,
commits, rolls back and rebuilds documents. ``store.index.SearchIndex`` adds searching.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import tantivy
from tantivy import Index

from ..config import INDEX_HEAP_BYTES, INDEX_THREADS
from ..errors import StoreError
from ..record import Cable
from ..errors import Busy
from .index_documents import to_document
from .index_schema import INDEX_SCHEMA_VERSION, SCHEMA, VERSION_FILE, register_analyzers
from ..errors import IndexOutdated

COMMIT_SECONDS = 30.0
"""``maybe_commit`` commits at least this often while documents are waiting (the autocommit
thread, when running, makes them searchable much sooner: ``FRESH_SECONDS``)."""
FRESH_SECONDS = 0.3
"""With ``start_autocommit``: documents waiting this long are committed (searchable), so a
cable stored during a bulk ingest is searchable within about this plus one commit."""


class WritableIndex:
    """A tantivy index in a directory. Writes go through one lazily opened writer."""

    def __init__(self, path: Path, *, heap_size: int = INDEX_HEAP_BYTES, threads: int = INDEX_THREADS):
        self.path = Path(path)
        self.heap_size = heap_size
        self.threads = threads
        self._index: Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._dirty = False
        self._pending = 0
        self._oldest_pending: float | None = None
        self._last_commit = time.monotonic()
        self._lock = threading.RLock()
        """Held around every use of the writer (the autocommit thread shares it)."""
        self._auto: threading.Thread | None = None
        self._auto_stop = threading.Event()
        self._auto_error: BaseException | None = None
        self._seen_meta: tuple[int, int, int] | None = None
        """What the searcher last loaded (``meta.json``'s inode, mtime, size): None again on reopening."""
        self.commits = 0

    # -- opening -------------------------------------------------------------------------
    @property
    def version_path(self) -> Path:
        return self.path / VERSION_FILE

    def _disk_version(self) -> int | None:
        """The schema version of the index on disk (None: no index there yet; 0: unmarked, old)."""
        if not (self.path / "meta.json").exists():
            return None
        try:
            return int(json.loads(self.version_path.read_text())["schema"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    @property
    def index(self) -> Index:
        if self._index is None:
            self.path.mkdir(parents=True, exist_ok=True)
            version = self._disk_version()
            if version is not None and version != INDEX_SCHEMA_VERSION:
                raise IndexOutdated(
                    f"search index {self.path} was built by {'an older' if version < INDEX_SCHEMA_VERSION else 'a newer'}"
                    f" cablebase (index schema v{version}, this one needs v{INDEX_SCHEMA_VERSION}); run `cablebase reindex`"
                )
            try:
                ix = Index(SCHEMA, str(self.path), reuse=True)
            except ValueError as e:
                if "schema does not match" in str(e):
                    raise IndexOutdated(
                        f"search index {self.path} was built with another schema; run `cablebase reindex`"
                    ) from None
                raise StoreError(f"cannot open search index {self.path}: {e}") from None
            if version is None:
                self._write_version()
            register_analyzers(ix)
            self._index = ix
            self._seen_meta = None
        return self._index

    def _write_version(self) -> None:
        tmp = self.version_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"schema": INDEX_SCHEMA_VERSION}) + "\n")
        os.replace(tmp, self.version_path)

    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=self.heap_size, num_threads=self.threads)
            except ValueError as e:
                if "LockBusy" in str(e):
                    raise Busy(
                        f"search index {self.path} is being written by another process; try again when it is done"
                    ) from None
                raise StoreError(f"cannot write search index {self.path}: {e}") from None
        return self._writer

    def open_writer(self) -> None:
        """Take the index's write lock now (``Busy`` if another process holds it)."""
        with self._lock:
            _ = self.writer

    # -- writing -------------------------------------------------------------------------
    def upsert(self, cables: Iterable[Cable], *, new: Iterable[str] = ()) -> int:
        """Replace the documents of these cables (not visible until ``commit``).

        ``new``: ref_ids known not to be in the index (cables stored for the first time):
        no delete is queued for them (each queued delete costs a term lookup in every
        segment at the next commit)."""
        fresh = set(new)
        docs = [(c.ref_id, to_document(c)) for c in cables]  # outside the lock: the slow part
        with self._lock:
            w = self.writer
            for ref, doc in docs:
                if ref not in fresh:
                    w.delete_documents_by_term("ref_id", ref)
                w.add_document(doc)
            if docs:
                self._dirty = True
                self._pending += len(docs)
                if self._oldest_pending is None:
                    self._oldest_pending = time.monotonic()
        return len(docs)

    def delete(self, ref_ids: Iterable[str]) -> None:
        with self._lock:
            w = self.writer
            for r in ref_ids:
                w.delete_documents_by_term("ref_id", r)
                self._dirty = True

    def commit(self) -> None:
        with self._lock:
            if self._writer is not None and self._dirty:
                self._writer.commit()
                self._dirty = False
                self.commits += 1
            self._pending = 0
            self._oldest_pending = None
            self._last_commit = time.monotonic()

    def maybe_commit(self, every: int) -> bool:
        """Commit if ``every`` documents (0: any) are waiting, or the last commit is old."""
        self._raise_auto_error()
        with self._lock:
            if not self._dirty:
                return False
            if self._pending >= every or time.monotonic() - self._last_commit >= COMMIT_SECONDS:
                self.commit()
                return True
            return False

    # -- freshness during bulk writes ----------------------------------------------------
    def start_autocommit(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        """Commit in a background thread whenever documents have waited ``fresh_seconds``.

        For bulk writes that gather commits (``index_commit_every``): what was stored is
        searchable within about ``fresh_seconds`` plus one commit, however slowly the
        writes come. A failed commit is raised by the next ``maybe_commit``/``commit``."""
        if self._auto is not None:
            return
        self._auto_stop.clear()

        def run() -> None:
            tick = max(0.02, fresh_seconds / 6)
            while not self._auto_stop.wait(tick):
                oldest = self._oldest_pending
                if oldest is None or time.monotonic() - oldest < fresh_seconds:
                    continue
                try:
                    self.commit()
                except Exception as e:  # noqa: BLE001 - handed to the writing thread
                    self._auto_error = e
                    return

        self._auto = threading.Thread(target=run, name="cablebase-index-autocommit", daemon=True)
        self._auto.start()

    @property
    def writing(self) -> bool:
        """This process holds the index's write lock."""
        return self._writer is not None

    @property
    def uncommitted(self) -> bool:
        """Documents were added or deleted since the last commit."""
        return self._dirty

    @property
    def autocommitting(self) -> bool:
        return self._auto is not None

    def stop_autocommit(self) -> None:
        t, self._auto = self._auto, None
        if t is not None:
            self._auto_stop.set()
            t.join()

    def _raise_auto_error(self) -> None:
        e, self._auto_error = self._auto_error, None
        if e is not None:
            raise e

    def rollback(self) -> None:
        with self._lock:
            if self._writer is not None and self._dirty:
                self._writer.rollback()
                self._dirty = False
            self._pending = 0
            self._oldest_pending = None

    def reset(self) -> None:
        """Delete every document, under the write lock (``Busy`` if another process holds it).

        Searchers keep seeing the old documents until the next ``commit``, so a rebuild
        replaces the index in one step. An index that cannot be opened (another schema or
        version, damaged files) is deleted and started afresh.
        """
        with self._lock:
            try:
                w = self.writer
            except Busy:
                raise
            except StoreError:
                self.recreate()
                w = self.writer
            w.delete_all_documents()
            self._dirty = True

    def recreate(self) -> None:
        """Delete the index directory and start an empty index."""
        with self._lock:
            self.close()
            if self.path.exists():
                shutil.rmtree(self.path)
            self._index = None

    def close(self) -> None:
        self.stop_autocommit()
        with self._lock:
            if self._writer is not None:
                try:
                    self.commit()
                finally:
                    w, self._writer = self._writer, None
                    w.wait_merging_threads()
            self._index = None
        self._raise_auto_error()
