"""Ingest on a Dask cluster against the local ingest: the same inputs, one run, into PostgreSQL.

    python bench/dask_ingest.py [--db postgresql://postgres@127.0.0.1:5432/cablebase] [PATH ...]

Default inputs: the 1,295 cablegate-2010 pages. Each row ingests the same inputs into a new
database (``NAME_dask_bench_N``, dropped afterwards), through the public face
(``open_archive(url).ingest(...)``):

- local: ``ingest`` in this machine's processes (default parser processes; this process stores
  and indexes);
- dask, 1 worker / 2 workers: a ``dask scheduler`` and ``dask worker`` processes started here
  (one thread each, on 127.0.0.1), the workers reading, parsing and writing the records, this
  process (the client) indexing;
- dask, 2 workers, client stores: the workers send the records back and the client stores them.

The cluster's start is not timed (it is started once per row before the clock starts). Per row:
wall time, cables/s, CPU of this process (the client), the workers' time inside the units
(reading, parsing, writing) and the *cluster overhead per cable*: worker-thread time that was
not unit work (scheduling, transfers, waiting for the next unit) divided by the cables, i.e.
(wall × worker threads − unit time) / cables. Then a round trip of empty tasks, same window,
gives the scheduler's own cost per task. ``check`` is run on each archive. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from cablebase import open_archive
from cablebase._store.pg import drop_database

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, workers: int, logdir: Path):
        bindir = Path(sys.executable).parent
        port = free_port()
        self.addr = f"tcp://127.0.0.1:{port}"
        self.procs: list[subprocess.Popen] = []
        log = open(logdir / "scheduler.log", "wb")  # noqa: SIM115
        self.procs.append(subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                            str(port), "--dashboard-address", "127.0.0.1:0"],
                                           stdout=subprocess.DEVNULL, stderr=log))
        for i in range(workers):
            wl = open(logdir / f"worker{i}.log", "wb")  # noqa: SIM115
            self.procs.append(subprocess.Popen([str(bindir / "dask"), "worker", self.addr, "--nthreads", "1",
                                                "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                                "--memory-limit", "3GB"], stdout=subprocess.DEVNULL, stderr=wl))
        from distributed import Client

        deadline = time.time() + 120
        while True:
            try:
                with Client(self.addr, timeout="3s") as c:
                    c.wait_for_workers(workers, timeout=120)
                    c.run(_warm)  # import cablebase's parser on the workers before the clock starts
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)

    def close(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _warm() -> None:
    import cablebase.pipeline.dask_units  # noqa: F401


def _noop(i: int) -> int:
    return i


def task_round_trip(addr: str, n: int, window: int) -> float:
    """Seconds per empty task through the scheduler, ``window`` in flight (as the ingest's client)."""
    from distributed import Client, as_completed

    with Client(addr) as c:
        t0 = time.perf_counter()
        it = iter(range(n))
        ac = as_completed([c.submit(_noop, next(it), pure=False) for _ in range(window)])
        for f in ac:
            f.result()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(c.submit(_noop, nxt, pure=False))
        return (time.perf_counter() - t0) / n


def run(label: str, url: str, paths: list[str], threads: int, **kw) -> dict:
    drop_database(url)
    c0 = time.process_time()
    t0 = time.perf_counter()
    with open_archive(url) as a:
        rep = a.ingest(paths, **kw)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    with open_archive(url, create=False) as a:
        check = a.check()
        stats = a.stats()
    drop_database(url)
    over = (wall * threads - rep.worker_seconds) / rep.cables if threads and rep.cables else None
    return {"label": label, "wall": wall, "cpu": cpu, "cables": rep.cables, "failures": len(rep.failures),
            "unit_s": rep.worker_seconds, "worker_cpu": rep.worker_cpu, "write_s": rep.write_seconds, "overhead_ms": over * 1000 if over is not None else None,
            "check": check.ok, "stored": stats.cables}


def enrich_row(url: str, paths: list[str], n: int, addr: str) -> dict:
    """Enrichment of ``n`` of the inputs' cables on the cluster (the workers read the records from
    PostgreSQL; this process, the one writer, stores what they find)."""
    pages = sorted(p for root in paths for p in Path(root).rglob("*.html"))[:n]
    drop_database(url)
    with open_archive(url) as a:
        a.ingest(pages, dask=addr)
        t0 = time.perf_counter()
        rep = a.enrich(dask=addr, similar=False)
        wall = time.perf_counter() - t0
    drop_database(url)
    return {"docs": rep.enriched, "wall": wall, "store_s": rep.store_seconds, "tokens": rep.tokens,
            "failures": len(rep.failures)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=[str(CORPUS / "cablegate-2010" / "cable")])
    ap.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/cablebase")
    ap.add_argument("--unit", type=int, default=64, help="inputs per unit of work")
    ap.add_argument("--enrich", type=int, default=0, help="also enrich this many cables on the 2-worker cluster")
    a = ap.parse_args()
    os.environ.setdefault("CABLEBASE_INDEX_DIR", f"/tmp/cablebase-dask-bench-{os.getpid()}")
    logdir = Path(os.environ["CABLEBASE_INDEX_DIR"] + "-logs")
    logdir.mkdir(parents=True, exist_ok=True)
    base = a.db.rsplit("/", 1)[0]
    name = a.db.rsplit("/", 1)[1] or "cablebase"
    load0 = os.getloadavg()
    print(f"dask ingest bench: {', '.join(a.paths)}; {os.cpu_count()} CPUs; load average {load0[0]:.1f}", flush=True)
    rows = []
    rows.append(run("local (1 parser process + this one)", f"{base}/{name}_dask_bench_0", a.paths, 0))
    print(rows[-1], flush=True)
    trip = None
    enr = None
    for n, store_on in ((1, "workers"), (2, "workers"), (2, "client")):
        cl = Cluster(n, logdir)
        try:
            label = f"dask, {n} worker{'s' if n > 1 else ''}, {store_on} store"
            rows.append(run(label, f"{base}/{name}_dask_bench_{len(rows)}", a.paths, n, dask=cl.addr,
                            dask_store=store_on, unit_inputs=a.unit))
            print(rows[-1], flush=True)
            if n == 2 and trip is None:
                trip = task_round_trip(cl.addr, 500, 2 * 3)
                if a.enrich:
                    enr = enrich_row(f"{base}/{name}_dask_bench_enrich", a.paths, a.enrich, cl.addr)
                    print(enr, flush=True)
        finally:
            cl.close()
    load1 = os.getloadavg()
    print()
    hdr = f"{'run':<36}{'cables':>8}{'wall s':>8}{'cables/s':>10}{'client CPU s':>13}{'unit s':>8}{'overhead ms/cable':>19}  check"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        over = f"{r['overhead_ms']:.2f}" if r["overhead_ms"] is not None else "—"
        failed = f" ({r['failures']} failures)" if r["failures"] else ""
        unit = f"{r['unit_s']:.1f}" if r["unit_s"] else "—"
        print(f"{r['label']:<36}{r['cables']:>8}{r['wall']:>8.1f}{r['cables'] / r['wall']:>10.0f}{r['cpu']:>13.1f}"
              f"{unit:>8}{over:>19}  {'ok' if r['check'] else 'FAILED'}{failed}")
    print("\nper cable: worker CPU (read + parse + pack + write, the worker thread), the workers' write"
          " transactions (wall, lock waits included), the client's CPU (indexing):")
    for r in rows[1:]:
        n = r["cables"] or 1
        print(f"  {r['label']:<34} worker CPU {r['worker_cpu'] * 1000 / n:.2f} ms, write {r['write_s'] * 1000 / n:.2f} ms,"
              f" client CPU {r['cpu'] * 1000 / n:.2f} ms")
    if trip is not None:
        print(f"\nempty task round trip through the scheduler (6 in flight): {trip * 1000:.2f} ms a task,"
              f" {trip * 1000 / a.unit:.3f} ms a cable at {a.unit} inputs a unit")
    if enr:
        d = enr["docs"] or 1
        print(f"enrichment on the 2 workers: {enr['docs']} cables in {enr['wall']:.1f} s ({enr['docs'] / enr['wall']:.2f}"
              f" cables/s, {enr['tokens'] / enr['wall']:,.0f} tokens/s, {enr['tokens'] / d:,.0f} tokens a cable);"
              f" the client's writes {enr['store_s'] * 1000 / d:.1f} ms a cable"
              f" ({enr['store_s'] / enr['wall'] * 100:.0f}% of the run); {enr['failures']} failures")
    print(f"load average before {load0[0]:.1f}, after {load1[0]:.1f}; {os.cpu_count()} CPUs shared by the client,"
          " the workers, the scheduler and PostgreSQL")


if __name__ == "__main__":
    main()
