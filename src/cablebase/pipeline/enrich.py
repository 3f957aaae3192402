"""The enrichment stage: ``cablebase enrich``.

``enrich(db)`` reads the archive's current records and, for every cable that is new or whose
record changed since it was last enriched (a sha256 of the record JSON, the model name and
``ENRICH_VERSION`` is kept per cable in ``enriched``), finds its entities, types its tags, expands its acronyms and stores its REF
edges (:class:`cablebase._store.entities.EntityStore`). Then person variants are merged
across cables and the ten most similar cables of each changed cable are recomputed
(tf-idf, :mod:`cablebase.enrich.similar`). English articles of the feeds' ``articles``
table, when there is one, get their entities too (doc id ``article:ID``).

Where the work runs:

- in this process for a handful of cables, else in a **process pool** (``workers``, one per
  core by default): the spaCy model is loaded once per worker;
- on a **Dask cluster** with ``dask="tcp://host:port"``: batches are sent to the cluster's
  workers (which must have cablebase and the model installed), results come back here.

The archive's records and articles are read through
:class:`cablebase._store.enrich_source.EnrichSource`. Only this process writes to SQLite (one
writer). The truecaser (for ALL-CAPS cables) is learned from the archive's own mixed-case
cables the first time and kept in ``enrich_meta``.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import orjson

from .._store.enrich_source import EnrichSource
from .._store.pg import reader as pg_reader
from .._store.entities import EntityStore
from .._store.entity_vouch import drop_ambiguous_short_forms, drop_unvouched, drop_unvouched_places
from ..record import Cable, Paragraph
from ..enrich.entities import MODEL, EntityExtractor, fold, places
from ..enrich.entity_rules import country_folded
from ..enrich.graph import references_of
from ..enrich.truecase import Truecaser, is_upper_text
from .pool import cpu_count, process_pool

BATCH = 16
"""Cables per task sent to a worker."""
INLINE_BELOW = 24
"""Fewer cables than this to do: no pool (starting workers and models costs seconds)."""
TRUECASER_SAMPLE = 20_000
"""Mixed-case cables the truecaser learns from (more changes little)."""
TRUECASER_KEY = "truecaser"
ENRICH_VERSION = "6"
"""Bumped when what the stage finds changes: every document is enriched again."""


@dataclass(slots=True)
class EnrichReport:
    documents: int = 0
    """Documents (cables + articles) in the archive."""
    enriched: int = 0
    """Enriched this run (new or changed)."""
    unchanged: int = 0
    removed: int = 0
    """No longer in the archive: their enrichment was removed."""
    failures: list[tuple[str, str]] = field(default_factory=list)
    merges: int = 0
    mistyped: int = 0
    """Mentions left unattributed because the archive types their word otherwise (``drop_mistyped``)."""
    unvouched: int = 0
    """Mentions left unattributed because nothing in the archive shows a person, or a place no list knows,
    or a surname the archive knows another person by (``drop_unvouched``, ``drop_unvouched_places``,
    ``drop_ambiguous_short_forms``)."""
    similar: int = 0
    """Cables whose similar-cable list was (re)computed."""
    tokens: int = 0
    mode: str = "inline"
    workers: int = 1
    elapsed: float = 0.0
    ner_seconds: float = 0.0
    store_seconds: float = 0.0
    """Of the run, the time this process spent writing what the workers found (the one writer)."""

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents, "enriched": self.enriched, "unchanged": self.unchanged,
            "removed": self.removed, "failures": [list(f) for f in self.failures], "merges": self.merges, "mistyped": self.mistyped,
            "unvouched": self.unvouched,
            "similar": self.similar, "tokens": self.tokens, "mode": self.mode, "workers": self.workers,
            "elapsed": round(self.elapsed, 3), "store_seconds": round(self.store_seconds, 3),
        }


# -- the work one worker does -------------------------------------------------------------
_EXTRACTORS: dict[tuple[str, str], EntityExtractor] = {}


def _extractor(model: str, tc_json: str) -> EntityExtractor:
    key = (model, hashlib.sha1(tc_json.encode()).hexdigest())
    ex = _EXTRACTORS.get(key)
    if ex is None:
        _EXTRACTORS.clear()
        ex = _EXTRACTORS[key] = EntityExtractor(model=model, truecaser=Truecaser.from_json(tc_json))
    return ex


def process_batch(model: str, tc_json: str, batch: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Enrich a batch of ``(doc, kind, record JSON)``; returns one result dict per doc
    (``error`` set instead when that doc failed). Pure: runs in any process or Dask worker."""
    ex = _extractor(model, tc_json)
    cables: list[Cable] = []
    out: list[dict[str, Any]] = []
    for doc, kind, rec in batch:
        try:
            cables.append(_to_cable(doc, kind, rec))
            out.append({"doc": doc, "kind": kind})
        except Exception as e:  # noqa: BLE001 - one bad record must not stop the batch
            out.append({"doc": doc, "kind": kind, "error": f"{type(e).__name__}: {e}"})
    good = [o for o in out if "error" not in o]
    try:
        results = ex.extract_many(cables)
    except Exception:  # noqa: BLE001 - find the one that fails
        results = []
        for c, o in zip(cables, good):
            try:
                results.extend(ex.extract_many([c]))
            except Exception as e:  # noqa: BLE001
                o["error"] = f"{type(e).__name__}: {e}"
                results.append(None)  # type: ignore[arg-type]
    for o, c, r in zip(good, cables, results):
        if r is None:
            continue
        o["mentions"] = [m.to_dict() for m in r.mentions]
        o["tags"] = r.tags
        o["acronyms"] = r.acronyms
        o["tokens"] = r.tokens
        o["references"] = references_of(c) if o["kind"] == "cable" else None
    return out


def process_refs(model: str, tc_json: str, url: str, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """``process_batch`` for documents named, not carried: a Dask worker reads their records
    from the PostgreSQL archive at ``url`` itself (so they do not travel through the scheduler)."""
    db = pg_reader(url)
    try:
        src = EnrichSource(db)
        recs = dict(src.cable_records_of([d for d, k in items if k == "cable"]))
        for aid, title, text in src.articles_of(int(d.split(":", 1)[1]) for d, k in items if k == "article"):
            recs[f"article:{aid}"] = orjson.dumps({"title": title, "text": text}).decode()
    finally:
        db.close()
    out = process_batch(model, tc_json, [(d, k, recs[d]) for d, k in items if d in recs])
    return out + [{"doc": d, "kind": k, "error": "no longer in the archive"} for d, k in items if d not in recs]


def _to_cable(doc: str, kind: str, rec: str) -> Cable:
    if kind == "cable":
        return Cable.from_dict(orjson.loads(rec))
    # an article: its text, paragraph by paragraph
    d = orjson.loads(rec)
    paras = [p.strip() for p in (d.get("text") or "").split("\n\n") if p.strip()]
    return Cable(
        ref_id=doc,
        subject=d.get("title"),
        paragraphs=[Paragraph(i + 1, None, None, p) for i, p in enumerate(paras)],
    )


def _init_worker() -> None:
    """One BLAS thread per worker process: the pool is the parallelism (two OpenBLAS threads
    per worker on a two-core machine cost a quarter of the throughput)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


# -- the stage --------------------------------------------------------------------------------
def _month(created: str | None) -> str | None:
    if created and len(created) >= 7 and created[4] == "-":
        return created[:7]
    return None


def _sha(text: str, salt: str = "") -> str:
    """The hash kept per document: of its record, the model and the stage's version (a new
    model or stage version means enriching everything again)."""
    return hashlib.sha256((salt + "\x00" + text).encode("utf-8")).hexdigest()


def learn_truecaser(db: sqlite3.Connection, *, sample: int = TRUECASER_SAMPLE) -> Truecaser:
    """Learn how words are written from the archive's mixed-case cables."""
    texts: list[str] = []
    n = 0
    for rec in EnrichSource(db).cable_record_texts():
        d = orjson.loads(rec)
        paras = [p.get("text") or "" for p in d.get("paragraphs") or []] or [d.get("body") or ""]
        if not paras or is_upper_text(" ".join(paras[:3])):
            continue
        texts.extend(paras)
        n += 1
        if n >= sample:
            break
    return Truecaser.learn(texts)


def default_workers() -> int:
    """NLP worker processes: one per CPU."""
    return max(1, cpu_count())


def enrich(
    db: sqlite3.Connection,
    *,
    workers: int | None = None,
    dask: str | None = None,
    force: bool = False,
    model: str = MODEL,
    similar: bool = True,
    articles: bool = True,
    batch: int = BATCH,
    relearn_truecaser: bool = False,
    inline_below: int = INLINE_BELOW,
    on_progress: Callable[[int, int], None] | None = None,
    db_url: str | None = None,
) -> EnrichReport:
    """Enrich every new or changed document of the archive whose SQLite connection is ``db``
    (``SQLiteStore.db``). ``force``: everything again. ``db_url``: the archive's PostgreSQL URL,
    from which Dask workers read the records themselves. See the module doc."""
    t0 = time.perf_counter()
    es = EntityStore(db)
    source = EnrichSource(db)
    rep = EnrichReport()

    # the truecaser
    tc_json = None if (force or relearn_truecaser) else es.get_meta(TRUECASER_KEY)
    if tc_json is None:
        tc_json = learn_truecaser(db).to_json() if source.has_table("cable_records") else Truecaser().to_json()
        es.set_meta(TRUECASER_KEY, tc_json)
    es.set_meta("model", model)
    if force or es.get_meta("version") != ENRICH_VERSION:
        es.unmerge_people()  # merges made by other rules: every document is enriched again, merges redone
    es.set_meta("version", ENRICH_VERSION)

    # what to do: (doc, kind, hash, month)
    salt = f"{model}\x00{ENRICH_VERSION}"
    known = es.hashes()
    todo: list[tuple[str, str, str, str | None]] = []
    present: set[str] = set()
    if source.has_table("cable_records"):
        for ref, rec, created in source.cable_records_dated():
            present.add(ref)
            h = _sha(rec, salt)
            if force or known.get(ref) != h:
                todo.append((ref, "cable", h, _month(created)))
            else:
                rep.unchanged += 1
    if articles and source.has_table("articles"):
        for aid, text, title, lang, published in source.article_texts():
            if lang not in (None, "", "en"):
                continue
            doc = f"article:{aid}"
            present.add(doc)
            h = _sha((title or "") + "\x00" + text, salt)
            if force or known.get(doc) != h:
                todo.append((doc, "article", h, _month(published)))
            else:
                rep.unchanged += 1
    gone = [d for d in known if d not in present]
    for d in gone:
        es.remove_doc(d)
    rep.removed = len(gone)
    rep.documents = len(present)

    meta = {doc: (kind, h, month) for doc, kind, h, month in todo}

    def records() -> Iterator[list[tuple[str, str, str]]]:
        chunk: list[tuple[str, str, str]] = []
        cables = [d for d, k, _, _ in todo if k == "cable"]
        arts = [d for d, k, _, _ in todo if k == "article"]
        for ref, rec in source.cable_records_of(cables):
            chunk.append((ref, "cable", rec))
            if len(chunk) >= batch:
                yield chunk
                chunk = []
        for aid, title, text in source.articles_of(int(d.split(":", 1)[1]) for d in arts):
            chunk.append((f"article:{aid}", "article", orjson.dumps({"title": title, "text": text}).decode()))
            if len(chunk) >= batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    new_people: list[int] = []
    done = 0
    changed_cables: list[str] = []

    def store(results: list[dict[str, Any]]) -> None:
        t_store = time.perf_counter()
        with es.tx():  # a batch a transaction (each document a savepoint): fewer round trips on a server
            _store_results(results)
        rep.store_seconds += time.perf_counter() - t_store

    def _store_results(results: list[dict[str, Any]]) -> None:
        nonlocal done
        for r in results:
            doc = r["doc"]
            kind, h, month = meta[doc]
            if "error" in r or "mentions" not in r:
                rep.failures.append((doc, r.get("error", "no result")))
                continue
            new_people.extend(
                es.write_doc(
                    doc, kind=kind, hash=h, month=month, mentions=r["mentions"], tags=r["tags"],
                    acronyms=r["acronyms"], references=r["references"],
                )
            )
            rep.tokens += r.get("tokens", 0)
            rep.enriched += 1
            if kind == "cable":
                changed_cables.append(doc)
        done += len(results)
        if on_progress:
            on_progress(done, len(todo))

    t_ner = time.perf_counter()
    if todo and on_progress:
        on_progress(0, len(todo))  # the count to do, before the first batch (the models load first)
    if todo:
        if dask:
            rep.mode = "dask"
            rep.workers = _run_dask(dask, model, tc_json, _named(todo, batch) if db_url else records(), store, db_url)
        else:
            n = default_workers() if workers is None else max(1, workers)
            if n <= 1 or len(todo) < inline_below:
                rep.mode, rep.workers = "inline", 1
                for chunk in records():
                    store(process_batch(model, tc_json, chunk))
            else:
                rep.mode, rep.workers = "pool", n
                _run_pool(n, model, tc_json, records(), store)
    rep.ner_seconds = time.perf_counter() - t_ner

    rep.merges = es.merge_people(new_people) + es.resolve_titled()
    # one type per word across the archive: a surname the model read as a place once, a place as a person
    known = {*country_folded(), *(fold(p) for p in places())}
    rep.mistyped = es.drop_mistyped(known)
    # a person only where some mention, anywhere in the archive, shows one (a title, speech, a first name known);
    # a place no list knows only where some mention names it as one ("in Wana")
    rep.unvouched = drop_unvouched(es) + drop_unvouched_places(es, known)
    # a surname resolved to the cable's longer name while the archive knows another person better by it
    rep.unvouched += drop_ambiguous_short_forms(es)
    if similar and (changed_cables or rep.removed):
        from .similar import update_similar

        rep.similar = update_similar(db, es, changed_cables)
    rep.elapsed = time.perf_counter() - t0
    return rep


def _run_pool(
    n: int,
    model: str,
    tc_json: str,
    chunks: Iterator[list[tuple[str, str, str]]],
    store: Callable[[list[dict[str, Any]]], None],
) -> None:
    window = n * 3
    pending: deque[Future[list[dict[str, Any]]]] = deque()
    with process_pool(n, initializer=_init_worker) as pool:
        try:
            for chunk in chunks:
                pending.append(pool.submit(process_batch, model, tc_json, chunk))
                if len(pending) >= window:
                    store(pending.popleft().result())
            while pending:
                store(pending.popleft().result())
        except BaseException:
            for f in pending:
                f.cancel()
            raise


def _named(todo: list[tuple[str, str, str, str | None]], batch: int) -> Iterator[list[tuple[str, str]]]:
    """(doc, kind) batches: what a worker reading the archive itself is handed."""
    for i in range(0, len(todo), batch):
        yield [(doc, kind) for doc, kind, _, _ in todo[i:i + batch]]


def _run_dask(
    address: str,
    model: str,
    tc_json: str,
    chunks: Iterator[list[Any]],
    store: Callable[[list[dict[str, Any]]], None],
    db_url: str | None = None,
) -> int:
    """Send batches to the Dask cluster at ``address`` (with ``db_url``: their names, the workers
    read the records); store results as they come back."""
    from distributed import Client, as_completed

    with Client(address, timeout="30s") as client:
        nworkers = max(1, len(client.scheduler_info().get("workers", {})))
        try:
            client.run(_init_worker)
        except Exception as e:  # noqa: BLE001 - only a speed setting
            print(f"cablebase enrich: could not limit BLAS threads on the Dask workers: {e}", file=sys.stderr)
        tc_future = client.scatter(tc_json, broadcast=True)
        window = nworkers * 4

        def submit(chunk: list[Any]) -> Any:
            if db_url:
                return client.submit(process_refs, model, tc_future, db_url, chunk, pure=False)
            return client.submit(process_batch, model, tc_future, chunk, pure=False)

        it = iter(chunks)
        futures = []
        for chunk in it:
            futures.append(submit(chunk))
            if len(futures) >= window:
                break
        ac = as_completed(futures)
        for fut in ac:
            store(fut.result())
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(submit(nxt))
        return nworkers


__all__ = ["EnrichReport", "default_workers", "enrich", "learn_truecaser", "process_batch"]
