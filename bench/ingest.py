"""Ingest speed over the real corpus: parse + store + index, cables/s, and what that means
for the full 251,287-cable Cablegate release.

Wall-clock rows depend on what else the machine is doing (the load average is printed);
the CPU column (process CPU ms per cable) and the CPU model built from it do not.

    python bench/ingest.py [--sample 2010|2011] [--workers N] [--batch-size N] [--db postgresql://…]

``--sample 2010`` (default): the 1,295 cablegate-2010 pages (loose files).
``--sample 2011``: the 6,712 cable pages of cablegate-html-2011 (unpacked to a temp dir).

Prints a table: each stage alone in one process, then the real pipeline end to end
(fresh archive each time: parsing in this process, then in --workers processes), a re-ingest of
the same inputs (all unchanged), and a projection to 251,287 cables against the target of
10 minutes on this machine. With ``--db postgresql://USER@HOST:PORT/NAME``, the same end-to-end
ingest then runs into a new database on that server (``NAME_bench_PID``, dropped afterwards),
side by side with the embedded archive, and search latency (p50/p99 over the same queries) is
measured on both. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from cablebase.config import INDEX_COMMIT_EVERY, Settings
from cablebase.parse import parse
from cablebase import open_archive
from cablebase.pipeline.ingest import default_workers
from cablebase.sources.files import RawInput, iter_inputs
from cablebase._store import RawBlob, open_store
from cablebase._store.pg import drop_database

QUERIES = ["nuclear", "iran nuclear", "pseudoephedrine", "president", "class:secret election", "oil",
           "human rights", "tag:PGOV", "origin:\"Embassy Madrid\"", "military", "bank", "corruption police",
           "visit", "\"prime minister\"", "drug trafficking", "energy", "china", "terrorism", "trade", "refugees"]

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FULL = 251_287
TARGET_S = 600.0


def sample_paths(corpus: Path, which: str, tmp: Path) -> list[Path]:
    if which == "2010":
        return [corpus / "cablegate-2010" / "cable"]
    # The 2011 archive also holds article and listing pages: unpack only the cable pages.
    arc = corpus / "cablegate-html-2011" / "site-2011-04-25.tar.xz"
    if not arc.exists():
        return [arc]
    out = tmp / "cablegate-html-2011"
    with tarfile.open(arc) as tf:
        for m in tf:
            if m.isfile() and m.name.startswith("cable/") and m.name.endswith(".html"):
                dest = out / m.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(tf.extractfile(m).read())  # type: ignore[union-attr]
    return [out / "cable"]


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def row(name: str, cables: int, seconds: float, note: str = "", cpu: float | None = None) -> None:
    rate = cables / seconds if seconds else float("inf")
    proj = FULL / rate if rate else float("inf")
    cpu_ms = f"{cpu * 1000 / cables:>10.2f}" if cpu is not None and cables else " " * 10
    print(f"{name:<38}{cables:>8}{seconds:>9.2f}{rate:>11.0f}{proj / 60:>10.1f}{cpu_ms}  {note}")


class Timer:
    """Wall and CPU time (this process and its threads) of a block."""

    def __enter__(self) -> "Timer":
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", default="2010", choices=["2010", "2011"])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--db", help="also ingest into a new database on this PostgreSQL server, side by side")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cablebase-bench-"))
    try:
        paths = sample_paths(a.corpus, a.sample, tmp)
        if not all(p.exists() for p in paths):
            raise SystemExit(f"corpus not found: {paths} (expected the shared corpus beside the repository)")
        print(f"sample: {a.sample} ({', '.join(map(str, paths))}); {os.cpu_count()} CPUs; "
              f"workers={a.workers}, batch={a.batch_size}; load average before: {os.getloadavg()[0]:.1f}\n")
        print(f"{'stage':<38}{'cables':>8}{'seconds':>9}{'cables/s':>11}{'251k min':>10}{'CPU ms/c':>10}")
        print("-" * 88)

        # Each stage alone, in this process, on the same inputs (private parts: the storage
        # stages are timed on _store directly; the end-to-end rows below go through the Archive).
        with Timer() as t_read:
            inputs = [i for i in iter_inputs(paths) if isinstance(i, RawInput)]
        with Timer() as t_parse:
            items = [(c, i.data) for i in inputs for c in parse(i.data, location=i.location)]
        n = len(items)
        mb = sum(len(i.data) for i in inputs) / 1e6
        row("read (files / archive members)", n, t_read.wall, f"{len(inputs)} inputs, {mb:.0f} MB", t_read.cpu)
        row("parse (1 process)", n, t_parse.wall, "", t_parse.cpu)
        with Timer() as t_pack:
            blobs = {id(i.data): RawBlob.pack(i.data) for i in inputs}
        items = [(c, blobs[id(raw)]) for c, raw in items]
        packed = sum(len(b.data) for b in blobs.values()) / 1e6
        row("pack raw bytes (sha256 + zstd)", n, t_pack.wall, f"{mb:.0f} MB -> {packed:.0f} MB", t_pack.cpu)
        s = Settings(db_dir=tmp / "stages", batch_size=a.batch_size)
        st = open_store(s)
        with Timer() as t_store:
            for k in range(0, n, a.batch_size):
                with st._tx():
                    st._write(st._prepare(items[k : k + a.batch_size]))
        with Timer() as t_index:
            for k in range(0, n, a.batch_size):
                st.index.upsert(c for c, _ in items[k : k + a.batch_size])
                st.index.maybe_commit(INDEX_COMMIT_EVERY)
            st.close()  # final commit + merges
        row("store: SQLite (batched transactions)", n, t_store.wall, "", t_store.cpu)
        row(f"index: tantivy (commit per {INDEX_COMMIT_EVERY})", n, t_index.wall, "", t_index.cpu)
        stages = (t_read, t_parse, t_pack, t_store, t_index)
        row("sum of stages (1 process)", n, sum(t.wall for t in stages), "", sum(t.cpu for t in stages))
        parser_cpu = (t_parse.cpu + t_pack.cpu) / n
        writer_cpu = (t_read.cpu + t_store.cpu + t_index.cpu) / n
        bound = 1 / max(parser_cpu / max(a.workers, 1), writer_cpu) if a.workers else 1 / (parser_cpu + writer_cpu)
        print(f"CPU model: parser process {parser_cpu * 1000:.2f} ms/cable (parse + pack), writer {writer_cpu * 1000:.2f}"
              f" ms/cable (read + store + index)\n  -> at most {bound:,.0f} cables/s with {a.workers} parser process(es),"
              f" {FULL / bound / 60:.1f} min for {FULL:,}, on otherwise idle cores")
        print("-" * 88)
        del items, blobs

        # The real pipeline, end to end, fresh archive each time.
        for workers in dict.fromkeys([0, a.workers]):
            s = Settings(db_dir=tmp / f"e2e-{workers}", batch_size=a.batch_size, index_commit_every=INDEX_COMMIT_EVERY)
            with open_archive(settings=s) as st:
                r = st.ingest(paths, workers=workers)
                assert not r.failures, r.failures[:3]
                label = "parsing in-process" if workers == 0 else f"{workers} parser process{'es' if workers > 1 else ''}"
                row(f"ingest end to end, {label}", r.cables, r.elapsed,
                    "<- target" if workers == a.workers else "")
                if workers == a.workers:
                    r2 = st.ingest(paths, workers=workers)
                    row("re-ingest, same bytes (all unchanged)", r2.cables, r2.elapsed)
                    t = time.perf_counter()
                    k = st.reindex()
                    row("reindex from SQLite", k, time.perf_counter() - t)
                    t = time.perf_counter()
                    ok = st.check().ok
                    row("check (integrity_check + index compare)", k, time.perf_counter() - t, "ok" if ok else "DRIFT")
                    db_bytes = s.sqlite_path.stat().st_size + (
                        Path(str(s.sqlite_path) + "-wal").stat().st_size if Path(str(s.sqlite_path) + "-wal").exists() else 0
                    )
                    ix_bytes = dir_size(s.index_path)
                    e2e = r
                    embedded = (s, r.elapsed)
        if a.db:
            postgres_side_by_side(a, paths, tmp, *embedded)
        print("-" * 88)
        print(f"load average after: {os.getloadavg()[0]:.1f} (other work on the machine slows every row)")
        rate = e2e.cables / e2e.elapsed
        proj = FULL / rate
        verdict = "meets" if proj <= TARGET_S else "MISSES"
        print(f"\nprojection for {FULL:,} cables at {rate:,.0f} cables/s: {proj / 60:.1f} min "
              f"({verdict} the {TARGET_S / 60:.0f}-minute target, which needs {FULL / TARGET_S:,.0f} cables/s)")
        per = (db_bytes + ix_bytes) / e2e.cables
        print(f"archive size: SQLite {db_bytes / 1e6:,.0f} MB + index {ix_bytes / 1e6:,.0f} MB for {e2e.cables:,} cables "
              f"({per / 1e3:,.0f} KB/cable incl. raw page) -> ~{per * FULL / 1e9:,.0f} GB for {FULL:,}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def latency(archive, reps: int = 5) -> tuple[float, float]:
    """p50 and p99 in ms of ``archive.search_results`` (20 hits + facets) over ``QUERIES``."""
    for q in QUERIES:  # warm: the first search of an archive opens its index and builds facet caches
        archive.search_results(q, limit=20)
    ms = []
    for _ in range(reps):
        for q in QUERIES:
            t = time.perf_counter()
            archive.search_results(q, limit=20)
            ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return ms[len(ms) // 2], ms[min(len(ms) - 1, int(len(ms) * 0.99))]


def postgres_side_by_side(a, paths: list[Path], tmp: Path, embedded: Settings, embedded_s: float) -> None:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(a.db)
    name = f"{(parts.path.strip('/') or 'cablebase')}_bench_{os.getpid()}"
    url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    s = Settings(db_dir=tmp / "pg-index", db_url=url, batch_size=a.batch_size, index_commit_every=INDEX_COMMIT_EVERY)
    try:
        with open_archive(settings=s) as pg:
            r = pg.ingest(paths, workers=a.workers)
            assert not r.failures, r.failures[:3]
            row("ingest end to end, PostgreSQL", r.cables, r.elapsed,
                f"{r.elapsed / embedded_s:.2f}x embedded (target <= 1.5x)")
            ok = pg.check().ok
            with open_archive(settings=embedded, create=False) as emb:
                same = all([h.ref_id for h in emb.search(q, limit=20)] == [h.ref_id for h in pg.search(q, limit=20)]
                           for q in QUERIES)
                e50, e99 = latency(emb)
            p50, p99 = latency(pg)
        print(f"  PostgreSQL archive check: {'ok' if ok else 'DRIFT'}; same hits, same order as embedded for all "
              f"{len(QUERIES)} queries: {same}")
        print(f"  search p50/p99 (20 hits + facets, {len(QUERIES)} queries x 5): embedded {e50:.1f}/{e99:.1f} ms, "
              f"PostgreSQL {p50:.1f}/{p99:.1f} ms (the index is tantivy on both)")
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
