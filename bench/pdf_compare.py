"""PDF text libraries compared on the PlusD PDFs of the corpus (``cablegate-txt-paulmathieu``).

For each library installed: time per PDF (best of ``--repeat`` runs over all files) and what
the telegram parser can do with its text, which is what fidelity means here:

- ``blank``: blank lines kept (paragraph and block breaks) — PDFs whose text has any
- ``¶ split``: lines holding a lone ``¶`` (the paragraph mark torn from its number)
- ``2sp``: runs of two spaces kept (after a full stop, in indented continuations)
- ``bad``: U+FFFD or control characters (garbled text)
- ``breaks``: gaps of three or more blank lines (a page break left inside a paragraph)
- ``paras``: numbered paragraphs the telegram parser finds, all PDFs together
- ``ref ok``: cables whose reference ID read from the text equals the file name

    python bench/pdf_compare.py [--repeat 3] [--corpus PATH]

Prints a Markdown table. Skips (exit 0, with a message) when the corpus is missing.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT = ROOT.parent / "shared" / "corpus" / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate"


def _cablebase(data: bytes) -> str:
    from cablebase.parse.pdf import pdf_text

    return pdf_text(data).replace("\f", "")


def _pdfium_plain(data: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).replace("\r", "")
    finally:
        doc.close()


def _pdfminer(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data)).replace("\f", "")  # form feeds out, its blank lines kept


def _pypdf(data: bytes) -> str:
    import pypdf

    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


LIBS = [
    ("pypdfium2 + cablebase layout (chosen)", "pypdfium2", _cablebase),
    ("pypdfium2, get_text_range", "pypdfium2", _pdfium_plain),
    ("pdfminer.six, extract_text", "pdfminer.six", _pdfminer),
    ("pypdf, extract_text", "pypdf", _pypdf),
]


def _page_break_gaps(text: str) -> int:
    """Runs of three or more blank lines: a page break turned into a gap inside a paragraph
    (typed text has at most one or two blank lines in a row)."""
    return len(re.findall(r"\n[ \t]*\n[ \t]*\n[ \t]*\n", text))


def measure(files: list[Path], fn, repeat: int) -> dict:
    from cablebase.parse.telegram import parse_text

    datas = [p.read_bytes() for p in files]
    texts = [fn(d) for d in datas]  # warm-up and the texts measured
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for d in datas:
            fn(d)
        best = min(best, time.perf_counter() - t)
    r = {"ms": best / len(datas) * 1000, "blank": 0, "split": 0, "2sp": 0, "bad": 0, "breaks": 0,
         "paras": 0, "ref": 0}
    for p, text in zip(files, texts):
        lines = text.split("\n")
        r["blank"] += any(not ln.strip() for ln in lines[1:-1])
        r["split"] += sum(1 for ln in lines if ln.strip() == "¶")
        r["2sp"] += text.count(".  ")
        r["bad"] += len(re.findall(r"[\ufffd\x00-\x08\x0b\x0e-\x1f]", text))
        r["breaks"] += _page_break_gaps(text)
        c = parse_text(text)
        r["paras"] += sum(1 for x in c.paragraphs if x.number is not None)
        r["ref"] += c.ref_id == p.stem
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = sorted(args.corpus.glob("*.pdf"))
    if not files:
        print(f"skipped: no PDFs at {args.corpus} (the shared corpus is missing)")
        return 0
    print(f"{len(files)} PDFs from {args.corpus}\n")
    print("| library | version | ms/PDF | blank | ¶ split | 2sp | bad | breaks | paras | ref ok |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, dist, fn in LIBS:
        try:
            version = metadata.version(dist)
            r = measure(files, fn, args.repeat)
        except Exception as e:  # not installed, or it failed: say so in the table
            print(f"| {label} | — | not run: {type(e).__name__}: {str(e)[:60]} | | | | | | | |")
            continue
        n = len(files)
        print(f"| {label} | {version} | {r['ms']:.1f} | {r['blank']}/{n} | {r['split']} | {r['2sp']} | "
              f"{r['bad']} | {r['breaks']} | {r['paras']} | {r['ref']}/{n} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
