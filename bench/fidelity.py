"""Fidelity of the telegram parser on the real cablegate-2010 pages.

For each of the 1,295 pages: take the text of the ``<pre>`` blocks alone (the metadata table
removed), parse it with the telegram parser, and compare with the page's metadata table
(Reference ID, Classification, Origin, Created date) and its TAG links. Prints per-field
accuracy (all cables, full cables, partial extracts) and every miss with ref id and reason.

    python bench/fidelity.py [--corpus ../shared/corpus] [--misses] [--set 2010|2011|flattened|partial|historylab]

``--set flattened``: every cable of the 2010 pages and the 2011 snapshot, flattened five ways
(``bench/flatten.py``), parsed as a user would (``cablebase.parse.parse``, form detected) and
compared field by field with the clean parse of the same text; ``--set partial``: every partial
extract of both sets given its ID from its body text alone through the official ID list;
``--set historylab``: History Lab's 218 annotated CFPF cables parsed with their IDs.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

from cablebase.config import official_ids
from cablebase.parse import parse, refid
from cablebase.parse.telegram import parse_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flatten import FLATTENINGS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
FIELDS = ("ref_id", "classification", "origin", "created", "tags")

_OTHER_BODY = "the page's body is another cable's; the header (FM, DTG) has no DE line, so this cable's serial is not in the text"
_NOFORN_TEXT = "the text says NOFORN after the classification line; the site's table omits it"
_NOFORN_SITE = "the site's table says NOFORN; the text never does"
# Misses on full cables that the text cannot support, each checked by hand (see README).
EXPLAINED = {
    ("88BAGHDAD28", "ref_id"): _OTHER_BODY + " (body: STATE 068250)",
    ("88BAGHDAD28", "classification"): _OTHER_BODY + " (body: STATE 068250, SECRET)",
    ("09HAVANA132", "ref_id"): _OTHER_BODY + " (body: MOSCOW 000512)",
    ("09HAVANA132", "classification"): _OTHER_BODY + " (body: MOSCOW 000512, CONFIDENTIAL)",
    ("10MEXICO614", "classification"): "the body is ISLAMABAD 000416's (SECRET); the site's "
                                       "UNCLASSIFIED//FOR OFFICIAL USE ONLY is nowhere in the text",
    ("06CARACAS219", "classification"): _NOFORN_TEXT,
    ("09STATE14577", "classification"): _NOFORN_TEXT,
    ("09MOSCOW1108", "classification"): _NOFORN_TEXT,
    ("09STATE81957", "classification"): _NOFORN_TEXT,
    ("09STATE83014", "classification"): _NOFORN_TEXT,
    ("09MEXICO3061", "classification"): _NOFORN_TEXT,
    ("09MEXICO3101", "classification"): _NOFORN_TEXT,
    ("09STATE119085", "classification"): _NOFORN_TEXT,
    ("06SEOUL2238", "classification"): _NOFORN_SITE,
    ("08BRASILIA504", "classification"): _NOFORN_SITE,
    ("08LONDON1991", "classification"): _NOFORN_SITE + " (one (C/NF) portion mark; taking portion marks "
                                                       "as the cable's caveat breaks 40 other cables)",
    ("08RABAT727", "classification"): "text and ZNY line say CONFIDENTIAL; the site says SECRET",
    ("09TBILISI1123", "classification"): "text says CONFIDENTIAL; the site says SECRET//NOFORN",
}

_ROW = re.compile(
    r"<a href='/cable/[^']+'>(?P<ref>[^<]+)</a>.*?<a href='/date/[^']+'>(?P<created>[^<]+)</a>"
    r".*?<a href='/classification/[^']+'[^>]*>(?P<cls>[^<]+)</a>.*?<a href='/origin/[^']+'>(?P<origin>[^<]+)</a>",
    re.S,
)
_PRE = re.compile(r"<pre>(.*?)</pre>", re.S)
_TAG = re.compile(r"<a href='/tag/[^']+'>([^<]+)</a>")
_TAGSTRIP = re.compile(r"<[^>]+>")


def oracle(page: str) -> tuple[dict, str]:
    m = _ROW.search(page)
    if not m:
        raise ValueError("no metadata row")
    start = page.find("<table class='cable'>")
    pres = _PRE.findall(page, start)
    truth = {
        "ref_id": m.group("ref").strip(),
        "classification": m.group("cls").strip(),
        "origin": m.group("origin").strip(),
        "created": m.group("created").strip()[:10],
        "tags": list(dict.fromkeys(html.unescape(t).strip() for p in pres for t in _TAG.findall(p))),
        "partial": "partial extract of the original cable" in pres[0] if pres else False,
    }
    text = "\n".join(html.unescape(_TAGSTRIP.sub("", p)) for p in pres)
    return truth, text


def _wrapped(c, want) -> bool:
    """True when the cable's TAGS field continues past its first line (the site's links stop there)."""
    for ln in c.body.split("\n"):
        if ln.lstrip().upper().startswith("TAGS"):
            first = [t for t in re.split(r"[\s,]+", ln.split(":", 1)[-1].upper()) if t]
            return first == want or first[-len(want):] == want
    return False


def compare(truth: dict, c) -> dict[str, str | None]:
    """Field → None when right, else a reason."""
    got = {
        "ref_id": c.ref_id,
        "classification": c.classification,
        "origin": c.origin,
        "created": (c.created or "")[:10] or None,
        "tags": c.tags,
    }
    out = {}
    for f in FIELDS:
        want = truth[f]
        have = got[f]
        if f == "tags":
            want = [t.upper() for t in want]
            if not want:
                # The site linked no TAGS on this page (it did not recognise the newspapers'
                # "TAGS X, Y" form): no oracle for this field.
                out[f] = "n/a"
                continue
            # The site linked only the first line of a wrapped TAGS field: ours may go on.
            ok = have[: len(want)] == want and (len(have) == len(want) or _wrapped(c, want))
        elif f == "ref_id":
            ok = want == have or want in c.aliases  # WikiLeaks' malformed IDs answer as aliases
        else:
            ok = want == have
        out[f] = None if ok else f"want {want!r} got {have!r}"
    return out


def _pages_2011(corpus: Path):
    import tarfile

    with tarfile.open(corpus / "cablegate-html-2011" / "site-2011-04-25.tar.xz") as tar:
        for m in tar:
            if m.isfile() and m.name.startswith("cable/") and m.name.endswith(".html"):
                yield m.name, tar.extractfile(m).read().decode("utf-8", "replace")


def run(corpus: Path, which: str = "2010") -> tuple[list, list]:
    if which == "2011":
        pages = list(_pages_2011(corpus))
    else:
        pages = [(str(p), p.read_text(encoding="utf-8", errors="replace"))
                 for p in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))]
    if not pages:
        sys.exit(f"no pages under {corpus}")
    rows = []
    official = official_ids()
    for _name, page in pages:
        truth, text = oracle(page)
        try:
            c = parse(text, official=official)[0]
            res = compare(truth, c)
        except Exception as e:  # reported as a miss on every field
            res = {f: f"exception {type(e).__name__}: {e}" for f in FIELDS}
        rows.append((truth, res))
    return pages, rows


def table(rows) -> list[tuple]:
    out = []
    for f in FIELDS:
        line = [f]
        for sel in (lambda t: True, lambda t: not t["partial"], lambda t: t["partial"]):
            sub = [r for t, r in rows if sel(t)]
            sub = [r for r in sub if r[f] != "n/a"]
            ok = sum(1 for r in sub if r[f] is None)
            line.append((ok, len(sub)))
        out.append(tuple(line))
    return out


FLAT_FIELDS = ("ref_id", "classification", "created", "tags", "subject", "paragraphs")


def _view(c) -> dict:
    return {"ref_id": c.ref_id, "classification": c.classification, "created": c.created, "tags": c.tags,
            "subject": c.subject, "paragraphs": len(c.paragraphs)}


def run_flattened(corpus: Path) -> None:
    """Each flattening against the clean parse of the same text, per field, both sets."""
    import time

    for which in ("2010", "2011"):
        pages = list(_pages_2011(corpus)) if which == "2011" else [
            (str(p), p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))]
        texts = [oracle(page)[1] for _n, page in pages]
        print(f"\ncablegate-{which}: {len(texts)} cables, each flattened {len(FLATTENINGS)} ways; "
              "the same fields as the clean parse of the same text:\n")
        print(f"{'flattening':<22}" + "".join(f"{f:>15}" for f in FLAT_FIELDS) + f"{'cables/s':>10}")
        clean = [_view(parse_text(t)) for t in texts]
        for name, fn in FLATTENINGS.items():
            flat = [fn(t) for t in texts]
            ok = dict.fromkeys(FLAT_FIELDS, 0)
            t0 = time.perf_counter()
            got = []
            for t in flat:
                try:
                    got.append(_view(parse(t)[0]))
                except Exception as e:  # noqa: BLE001 - a miss on every field
                    got.append({f: f"error {e}" for f in FLAT_FIELDS})
            rate = len(flat) / (time.perf_counter() - t0)
            for g, c in zip(got, clean):
                for f in FLAT_FIELDS:
                    ok[f] += g[f] == c[f]
            print(f"{name:<22}" + "".join(f"{100 * ok[f] / len(flat):14.2f}%" for f in FLAT_FIELDS) + f"{rate:10.0f}")


def run_partial(corpus: Path) -> None:
    """Partial extracts: their page's ID from the body text alone, through the official list."""
    official = official_ids()
    if official is None:
        sys.exit("the official ID list is needed (CABLEBASE_OFFICIAL_IDS)")
    for which in ("2010", "2011"):
        pages = list(_pages_2011(corpus)) if which == "2011" else [
            (str(p), p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))]
        n = right = wrong = 0
        for _name, page in pages:
            truth, text = oracle(page)
            if not truth["partial"]:
                continue
            n += 1
            c = parse(text, official=official)[0]
            if c.ref_id == truth["ref_id"] or truth["ref_id"] in c.aliases:
                right += 1
            elif c.ref_id:
                wrong += 1
        print(f"cablegate-{which}: {n} partial extracts: {right} ({100 * right / max(n, 1):.2f}%) given their page's ID, "
              f"{wrong} a wrong one, {n - right - wrong} none")


def run_historylab(corpus: Path) -> None:
    files = sorted((corpus / "historylab-ner-gold").rglob("gt/**/*.txt"))
    ok = paras = 0
    for f in files:
        c = parse(f.read_bytes(), location=str(f))[0]
        ok += f.stem in refid.names(c.ref_id or "")
        paras += bool(c.paragraphs)
    print(f"historylab: {len(files)} files: {ok} ({100 * ok / max(len(files), 1):.2f}%) with their ID, "
          f"{paras} with paragraphs")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--misses", action="store_true", help="list every miss")
    ap.add_argument("--set", dest="which", choices=("2010", "2011", "flattened", "partial", "historylab"),
                    default="2010",
                    help="2010: the 1,295 cablegate-2010 pages (the oracle set); 2011: the 6,712 pages of the 2011 "
                         "mirror; flattened/partial/historylab: see the module's docstring")
    a = ap.parse_args()
    if a.which in ("flattened", "partial", "historylab"):
        {"flattened": run_flattened, "partial": run_partial, "historylab": run_historylab}[a.which](a.corpus)
        return
    pages, rows = run(a.corpus, a.which)
    print(f"cablegate-{a.which}: {len(rows)} pages ({sum(1 for t, _ in rows if t['partial'])} partial extracts)\n")
    print(f"{'field':<16}{'all':>20}{'full cables':>20}{'partial':>20}")
    for f, *cols in table(rows):
        cells = "".join(f"{ok:>6}/{n:<5}{100 * ok / max(n, 1):6.2f}%  " for ok, n in cols)
        print(f"{f:<16}{cells}")
    na = sum(1 for _, r in rows if r["tags"] == "n/a")
    print(f"\ntags: {na} pages have no TAG links at all (the site did not link the newspapers' "
          "'TAGS X, Y' form); they are left out of the tags row")
    misses = [(t["ref_id"], f, r[f], t["partial"]) for t, r in rows for f in FIELDS if r[f] and r[f] != "n/a"]
    print(f"\n{len(misses)} misses")
    if a.misses:
        for ref, f, why, partial in misses:
            note = EXPLAINED.get((ref, f))
            if partial and f in ("ref_id", "created") and why.endswith("got None"):
                note = "partial extract: no routing header or date in the text, so no year (nothing invented)"
            print(f"  {ref:<24} {f:<15} {'(partial) ' if partial else ''}{why}" + (f"\n      why: {note}" if note else ""))


if __name__ == "__main__":
    main()
