"""Web serving speed: ``cablebase serve`` against Datasette on the same cables, with wrk.

    python bench/serve.py [--seconds 20] [--runs 3] [--db DIR] [--rebuild]

1. Builds (once, into ``bench/out/``) the corpus archive: the cablegate-html-2011 pages, the
   cablegate-2010 pages, the seed page and the seed channel polled from a local feed server
   (as the browser tests do), and a Datasette database of the same cables: one ``cables``
   table (ref_id, created, released, origin, classification, subject, tags, body) with FTS5
   on the body, built with sqlite-utils.
2. Starts ``cablebase serve --workers 2``, a second one with the per-worker response caches
   off (``CABLEBASE_WEB_CACHE=0``: every request does all its work), and ``datasette serve``,
   all on 127.0.0.1.
3. Runs wrk (2 threads, 32 connections, ``--seconds`` each, ``--latency``), alternating the
   servers, ``--runs`` times: our cable page, its JSON, a channel page, a search with facets
   (each also without the caches); Datasette's row page, its ``.json`` and ``?_search=``.
   Datasette's search answers slower than wrk's 2 s timeout under 32 connections: its
   latency columns then read 0 (wrk records no latency for timed-out requests) and req/s
   counts the answers that came.
4. Prints req/s, p50 and p99 per target (medians of the runs) and the ratios to the targets.

Datasette and sqlite-utils are bench-only: they live in their own virtual environment
(``bench/out/datasette-venv``, created here with pip when missing; ``--datasette-python``
names another). wrk is Debian's ``wrk``. Everything listens on and is sent to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
CABLE = "07MEXICO983"
SEARCH = "iran"

TARGETS = {  # name: (minimum ratio to Datasette's counterpart, counterpart, max p99 ms)
    "cable page": (1.5, "row page", 100.0),
    "cable JSON": (1.0, "row JSON", None),
    "search + facets": (10.0, "search", None),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


# -- building ---------------------------------------------------------------------------------------
def build_archive(db: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    import support  # the browser tests' archive builder: cables + the seed channel from a local feed server

    tar = CORPUS / "cablegate-html-2011" / "site-2011-04-25.tar.xz"
    t0 = time.perf_counter()
    facts = support.build_archive(db, [tar, CORPUS / "cablegate-2010" / "cable"], extra_versions=True)
    log(f"archive built in {time.perf_counter() - t0:.0f} s: {facts['ingested']} cables parsed, "
        f"{facts['poll_new']} articles polled")


def datasette_python(given: str | None) -> Path:
    if given:
        return Path(given)
    py = OUT / "datasette-venv" / "bin" / "python"
    if not py.exists():
        log("creating bench/out/datasette-venv with datasette and sqlite-utils (bench only) …")
        subprocess.run([sys.executable, "-m", "venv", str(py.parent.parent)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "datasette", "sqlite-utils"], check=True)
    return py


DS_BUILD = r"""
import json, sqlite3, sys
import sqlite_utils
src, dst = sys.argv[1], sys.argv[2]
con = sqlite3.connect("file:" + src + "?mode=ro", uri=True)
db = sqlite_utils.Database(dst, recreate=True)
rows = (
    {"ref_id": ref, "created": r.get("created"), "released": r.get("released"), "origin": r.get("origin"),
     "classification": r.get("classification"), "subject": r.get("subject"), "tags": " ".join(r.get("tags") or []),
     "body": r.get("body") or ""}
    for ref, r in ((ref, json.loads(rec)) for ref, rec in con.execute(
        "SELECT c.ref_id, s.record FROM cables c JOIN sources s ON s.id = c.source_id ORDER BY c.ref_id"))
)
db["cables"].insert_all(rows, pk="ref_id", batch_size=500)
db["cables"].enable_fts(["body"], fts_version="FTS5", create_triggers=False)
db.vacuum()
print(db["cables"].count)
"""


def build_datasette_db(py: Path, archive: Path, dst: Path) -> None:
    t0 = time.perf_counter()
    out = subprocess.run([str(py), "-c", DS_BUILD, str(archive / "cablebase.sqlite"), str(dst)], check=True,
                         capture_output=True, text=True)
    log(f"datasette db: {out.stdout.strip()} rows in {time.perf_counter() - t0:.0f} s")


# -- measuring --------------------------------------------------------------------------------------
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(v: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", v.strip())
    if not m:
        raise ValueError(v)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sock.group(0) if sock else None}


def check(url: str) -> None:
    with urllib.request.urlopen(url, timeout=30) as r:
        if r.status != 200:
            raise SystemExit(f"{url}: HTTP {r.status}")
        r.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", type=Path, default=OUT / "serve-archive")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--datasette-python")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found (apt-get install -y wrk)")
    OUT.mkdir(parents=True, exist_ok=True)
    if args.rebuild and args.db.exists():
        shutil.rmtree(args.db)
    if not (args.db / "cablebase.sqlite").exists():
        build_archive(args.db)
    py = datasette_python(args.datasette_python)
    ds_db = OUT / "datasette-cables.db"
    if args.rebuild or not ds_db.exists() or ds_db.stat().st_mtime < (args.db / "cablebase.sqlite").stat().st_mtime:
        build_datasette_db(py, args.db, ds_db)

    procs: list[subprocess.Popen] = []

    def start(cmd: list[str], env: dict | None = None) -> subprocess.Popen:
        p = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(p)
        return p

    serve = [sys.executable, "-m", "cablebase.cli_web", "serve", "--db", str(args.db), "--host", "127.0.0.1",
             "--workers", str(args.workers)]
    ours_port, nocache_port, ds_port = free_port(), free_port(), free_port()
    try:
        ours = start([*serve, "--port", str(ours_port)], {"CABLEBASE_WEB_CACHE": "1"})
        nocache = start([*serve, "--port", str(nocache_port)], {"CABLEBASE_WEB_CACHE": "0"})
        ds = start([str(py.parent / "datasette"), "serve", str(ds_db), "--host", "127.0.0.1", "--port", str(ds_port)])
        o, n, d = (f"http://127.0.0.1:{p}" for p in (ours_port, nocache_port, ds_port))
        wait_up(o + "/healthz", ours)
        wait_up(n + "/healthz", nocache)
        wait_up(d + "/-/versions.json", ds)
        channel = json.load(urllib.request.urlopen(o + "/channels.json"))["channels"]
        chan_url = next(c["url"] for c in channel if "Cuba" in c["title"])
        targets = [
            ("cable page", o + f"/cable/{CABLE}"),
            ("row page", d + f"/datasette-cables/cables/{CABLE}"),
            ("cable JSON", o + f"/cable/{CABLE}.json"),
            ("row JSON", d + f"/datasette-cables/cables/{CABLE}.json"),
            ("channel page", o + chan_url),
            ("search + facets", o + f"/search?q={SEARCH}"),
            ("search", d + f"/datasette-cables/cables?_search={SEARCH}"),
            ("cable page, no cache", n + f"/cable/{CABLE}"),
            ("cable JSON, no cache", n + f"/cable/{CABLE}.json"),
            ("search + facets, no cache", n + f"/search?q={SEARCH}"),
        ]
        for name, url in targets:
            check(url)  # 200, and warms each worker's caches a little
        for name, url in targets:
            subprocess.run(["wrk", "-t2", "-c8", "-d2s", url], capture_output=True)  # warm-up
        results: dict[str, list[dict]] = {name: [] for name, _ in targets}
        for run in range(args.runs):
            for name, url in targets:
                r = wrk(url, args.seconds)
                results[name].append(r)
                log(f"run {run + 1}/{args.runs} {name:28s} {r['rps']:9.1f} req/s  p50 {r['p50']:7.2f} ms  "
                    f"p99 {r['p99']:7.2f} ms  non-2xx {r['non2xx']}")
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)

    med = {k: {m: statistics.median(x[m] for x in v) for m in ("rps", "p50", "p99")} for k, v in results.items()}
    print(f"\nwrk -t2 -c32 -d{args.seconds}s --latency, medians of {args.runs} runs, cablebase {args.workers} workers\n")
    print(f"| target | req/s | p50 ms | p99 ms |")
    print(f"|---|---:|---:|---:|")
    for name, _ in targets:
        m = med[name]
        print(f"| {name} | {m['rps']:,.0f} | {m['p50']:.1f} | {m['p99']:.1f} |")
    print()
    def ratio_of(a: str, b: str) -> float:
        return med[a]["rps"] / med[b]["rps"] if med[b]["rps"] else float("inf")

    for ours_name, (ratio, theirs, p99max) in TARGETS.items():
        got = ratio_of(ours_name, theirs)
        ok = got >= ratio and (p99max is None or med[ours_name]["p99"] <= p99max)
        extra = f", p99 {med[ours_name]['p99']:.1f} ms (≤ {p99max:.0f})" if p99max else ""
        print(f"{ours_name} / Datasette {theirs}: {got:.2f}× (target ≥ {ratio}×{extra}) {'ok' if ok else 'MISSED'}")
    print("without the per-worker response caches (CABLEBASE_WEB_CACHE=0):")
    for ours_name, (_ratio, theirs, _p99) in TARGETS.items():
        print(f"  {ours_name} / Datasette {theirs}: {ratio_of(ours_name + ', no cache', theirs):.2f}×")
    if args.json:
        args.json.write_text(json.dumps({"medians": med, "runs": results}, indent=2))


if __name__ == "__main__":
    main()
