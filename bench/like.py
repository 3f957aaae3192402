""""Cables like this text" across languages: recall@10 on the real partner articles.

The 33 articles of the 2010 WikiLeaks site (Portuguese, English, Spanish, French, Swedish,
Russian, Arabic) and the 1,295 cables of ``cablegate-2010/cable``, ingested into a fresh
archive (or ``--db`` an archive holding them). The ground truth is each article's links to
cables (``article_cables``), those in the archive. Each article's text is stripped of every
cable link, reference ID and ``ORIGIN 00NNN`` form first (``enrich.like.strip_cable_names``):
the text must not give the answer. A hit: one of the cables it links is in the top 10 of
``Archive.like``. Reported per language, with the time per query (the model fitted once,
its time reported apart).

    nice python bench/like.py [--db DIR] [--json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import orjson

from cablebase import open_archive
from cablebase.enrich.like import strip_cable_names
from cablebase.pipeline.like import MODEL_FILE

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus")
CABLES = CORPUS / "cablegate-2010" / "cable"
ARTICLES = CORPUS / "cablegate-2010" / "articles"


def run(db: Path, k: int = 10) -> dict:
    with open_archive(db) as st:
        if st.stats().cables == 0:
            st.ingest([CABLES, ARTICLES], workers=1)
        ch = st.channels
        have = st.ref_ids()
        origins = sorted({r.origin for r in st.reader().rows_for(sorted(have)).values() if r.origin})
        arts = {}
        for c in ch.list_channels():
            for a in ch.channel_articles(c["name"], all=True)[1]:
                arts[a["id"]] = a
        (Path(st.settings.db_dir) / MODEL_FILE).unlink(missing_ok=True)  # fit, not load, the model
        t0 = time.perf_counter()
        st.like("warm up", 1)
        fit_s = time.perf_counter() - t0
        per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        rows, times = [], []
        for aid in sorted(arts):
            a = arts[aid]
            gold = {l["ref_id"] for l in a["cables"]} & have
            if not gold:
                continue
            full = st.channels.get_article(aid) or {}
            text = strip_cable_names(f"{full.get('title') or ''}\n{full.get('text') or ''}", origins)
            t = time.perf_counter()
            got = [x["ref_id"] for x in st.like(text, k)]
            times.append(time.perf_counter() - t)
            rank = next((i + 1 for i, r in enumerate(got) if r in gold), None)
            lang = full.get("language") or "?"
            per_lang[lang][1] += 1
            per_lang[lang][0] += rank is not None
            rows.append({"article": aid, "language": lang, "title": (full.get("title") or "")[:60],
                         "gold": sorted(gold), "first_hit_rank": rank, "top": got[:3]})
        hits = sum(r["first_hit_rank"] is not None for r in rows)
        times.sort()
        return {
            "cables": len(have), "articles": len(rows), "links": sum(len(r["gold"]) for r in rows),
            f"recall@{k}": round(hits / len(rows), 3) if rows else None,
            "per_language": {l: {"articles": n, "hits": h} for l, (h, n) in sorted(per_lang.items())},
            "fit_s": round(fit_s, 2), "query_ms_median": round(1000 * times[len(times) // 2], 1) if times else None,
            "query_ms_max": round(1000 * times[-1], 1) if times else None,
            "rows": rows,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="an archive holding cablegate-2010 (default: a fresh one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.db:
        out = run(args.db)
    else:
        with tempfile.TemporaryDirectory() as d:
            out = run(Path(d))
    if args.json:
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    for r in out["rows"]:
        print(f"{r['language']}  {r['first_hit_rank'] or '-':>2}  {r['title']:<60}  gold={','.join(r['gold'])}  top={','.join(r['top'])}")
    print(f"recall@10 {out['recall@10']} over {out['articles']} articles ({out['links']} links), {out['cables']} cables")
    print("per language:", ", ".join(f"{l} {v['hits']}/{v['articles']}" for l, v in out["per_language"].items()))
    print(f"fit {out['fit_s']} s; query median {out['query_ms_median']} ms, max {out['query_ms_max']} ms")


if __name__ == "__main__":
    main()
