"""Crash safety, the long run: ≥ 50 trials of real ``cablebase ingest`` (all 1,295 pages of
cablegate-2010) and ``cablebase poll`` (9 feeds on a local server: the 33 partner articles inline
and as teasers, the seed post embedding 07MEXICO983, 240 synthetic entries) killed with SIGKILL
at random moments, restarted, finished and checked. See ``tests/private/crash/harness.py`` for what one
trial does and checks; ``tests/private/crash/test_crash.py`` runs a few trials on one year of the corpus.

Each trial's randomness comes from its seed (``--seed`` + trial number): victims (ingest, poll or
both), kill moments, 1–3 killed rounds, ``ingest --batch-size`` (32 or 256). A quarter of the
kill moments are drawn from the victim's running time (``[time]``), the others wait until a drawn
number of cables or articles is stored, plus up to 0.3 s (``[ingest≥N]``, ``[poll≥N]``), so that
most kills land among the writes. Timing still varies, so a rerun with the same seed makes the
same choices but does not cut at exactly the same record.

    python bench/crash.py                 # 50 trials, prints the table
    python bench/crash.py --trials 5 --seed 100 --keep
    python bench/crash.py --db postgresql://postgres@127.0.0.1:5432/   # the same on PostgreSQL

Prints one line per trial and then the table; exits 1 if anything was lost or duplicated, a
check failed or a rerun added something. ``--json PATH`` writes every trial's details.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "private" / "crash"))

from harness import CABLES, Harness, corpus_available


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1000, help="seed of the first trial (then +1 each)")
    ap.add_argument("--cables", type=Path, default=CABLES, help="corpus directory ingested (read only)")
    ap.add_argument("--workdir", type=Path, default=None, help="where archives are built (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep every trial's archive and logs (failed ones are always kept)")
    ap.add_argument("--json", type=Path, default=None, help="write every trial's details here")
    ap.add_argument("--db", default=None, metavar="postgresql://USER@HOST:PORT/",
                    help="run every trial's archive on this PostgreSQL server (a new database each) instead of SQLite")
    a = ap.parse_args()
    if not corpus_available():
        print("corpus not found (../shared/corpus/cablegate-2010)", file=sys.stderr)
        return 2
    work = a.workdir or Path(tempfile.mkdtemp(prefix="cablebase-crash-"))
    h = Harness(work, cables=a.cables, batch_sizes=(32, 256), keep=a.keep, pg=a.db)
    t0 = time.monotonic()
    try:
        ref = h.reference()
        print(f"reference run: {ref.counts()}; ingest {h.durations['ingest']:.1f} s, poll {h.durations['poll']:.1f} s "
              f"(run together); work dir {work}", flush=True)
        results = []
        for i in range(a.trials):
            r = h.trial(a.seed + i)
            results.append(r)
            rounds = " | ".join(
                f"{x['victim']}@{x['delay']:.1f}s[{x['mode']}]"
                f"{'' if x['ingest'] or x['poll'] else ' (missed)'} -> {x['cables']}c/{x['articles']}a"
                f"{' (cut)' if x['cut_ingest'] or x['cut_poll'] else ''}"
                for x in r.rounds)
            print(f"trial {i + 1:3d} seed {r.seed} batch {r.batch_size:3d}: {rounds}; "
                  f"{'ok' if r.ok else 'FAILED: ' + '; '.join(r.problems[:3])} ({r.seconds:.0f} s)", flush=True)
    finally:
        h.close()
    n = len(results)
    rounds = sum(len(r.rounds) for r in results)
    row = {
        "trials": n,
        "killed rounds": rounds,
        "kills during ingest": sum(r.kills_ingest for r in results),
        "kills during poll": sum(r.kills_poll for r in results),
        "  ingest kills mid-store": sum(r.cut_ingest for r in results),
        "  poll kills mid-store": sum(r.cut_poll for r in results),
        "kills after exit (missed)": sum(r.missed for r in results),
        "recoveries": sum(r.recovered for r in results),
        "check passed": sum(r.check_ok for r in results),
        "lost records": sum(r.lost for r in results),
        "duplicated records": sum(r.duplicated for r in results),
        "added by rerun": sum(r.rerun_added for r in results),
        "failed trials": sum(not r.ok for r in results),
    }
    w = max(len(k) for k in row)
    print(f"\nseeds {a.seed}..{a.seed + n - 1}, {time.monotonic() - t0:.0f} s; expected per trial: {ref.counts()}")
    for k, v in row.items():
        print(f"{k:<{w}}  {v:>6}")
    if a.json:
        a.json.write_text(json.dumps({"summary": row, "expected": ref.counts(),
                                      "trials": [asdict(r) for r in results]}, indent=1))
    bad = row["failed trials"] or row["lost records"] or row["duplicated records"] or row["added by rerun"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
