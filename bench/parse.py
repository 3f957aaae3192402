"""Parse speed on one core over the real corpus: cables/s and MB/s of input.

Repeats passes over the cablegate-2010 pages (and the raw-telegram and blog-copy forms)
until at least --seconds have passed per form, then prints a table.

    python bench/parse.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cablebase.parse import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def load(corpus: Path) -> dict[str, list[bytes]]:
    return {
        "cablegate-html (2010 pages)": [p.read_bytes() for p in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))],
        "telegram (raw text, latin-1)": [p.read_bytes() for p in sorted(
            (corpus / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate-converted").glob("*.txt"))],
        "article (seed blog copy)": [(corpus / "seed" / "opera-leaks-cuba-channel.txt").read_bytes()],
    }


def measure(docs: list[bytes], seconds: float) -> tuple[int, int, float]:
    cables = nbytes = 0
    t0 = time.perf_counter()
    while True:
        for d in docs:
            cables += len(parse(d))
            nbytes += len(d)
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return cables, nbytes, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    a = ap.parse_args()
    print(f"{'form':<32}{'cables':>10}{'seconds':>10}{'cables/s':>12}{'MB/s':>8}")
    for form, docs in load(a.corpus).items():
        n, b, dt = measure(docs, a.seconds)
        print(f"{form:<32}{n:>10}{dt:>10.1f}{n / dt:>12.0f}{b / dt / 1e6:>8.1f}")
    print("\none process, one core; target ≥ 2,000 cables/s on the cablegate HTML pages")


if __name__ == "__main__":
    main()
