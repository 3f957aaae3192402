"""Link-finding benchmark: precision and recall of article → cable links on the 33 cablegate-2010
articles (the oracle: the cables each links by URL, plus canonical IDs named in its text and
checked against the full list of 251,287 reference IDs — test data, read from ../shared).

Two ways in, both through the real poller and a local HTTP server on 127.0.0.1:
``page``  — feed items carry a teaser; the poller fetches each article page (full-text path);
``inline`` — feed items carry the whole article HTML as content:encoded.

    python bench/links.py
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from feedserver import FeedServer, rss  # noqa: E402

from cablebase import PollSettings, open_archive  # noqa: E402
from cablebase.sources.net import NetPolicy  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus")
ARTICLES = CORPUS / "cablegate-2010" / "articles" / "2010"
CABLE2MONTH = CORPUS / "cablemap-fixtures" / "cablemap.core" / "cablemap" / "core" / "cable2month.csv.gz"


def oracle() -> dict[str, set[str]]:
    from selectolax.lexbor import LexborHTMLParser

    all_ids = {l.split(",")[0] for l in gzip.open(CABLE2MONTH, "rt")}
    truth = {}
    for f in sorted(ARTICLES.glob("*.html")):
        if f.name == "index.html":
            continue
        raw = f.read_bytes()
        ids = {m.decode() for m in re.findall(rb'href="[^"]*/cable/\d{4}/\d\d/(\w+)\.html"', raw)}
        tree = LexborHTMLParser(raw)
        for n in tree.css("script, style"):
            n.decompose()
        ids |= {m for m in re.findall(r"\b\d\d[A-Z]{3,}\d+\b", tree.body.text(separator=" ")) if m in all_ids}
        truth[f.name] = ids
    return truth


def run(mode: str, truth: dict[str, set[str]]) -> None:
    srv = FeedServer()
    try:
        srv.serve_dir("/articles/", ARTICLES, content_type="text/html; charset=utf-8")
        items = []
        for name in truth:
            it = {"title": name, "link": srv.url("/articles/" + quote(name)), "guid": name}
            if mode == "page":
                it["description"] = "Teaser [...]"
            else:
                it["content"] = (ARTICLES / name).read_text(encoding="utf-8", errors="replace")
            items.append(it)
        url = srv.route("/feed.xml", rss("cablegate 2010", items))
        with tempfile.TemporaryDirectory() as tmp, open_archive(tmp) as archive:
            archive.channels.add_feed(url, "c")
            t = time.perf_counter()
            r = archive.poll(PollSettings(net=NetPolicy(allow=("127.0.0.1",)), fulltext_per_feed=100))
            dt = time.perf_counter() - t
            _, arts = archive.channels.channel_articles("c", all=True)
        found = {a["title"]: {c["ref_id"] for c in a["cables"]} for a in arts}
        tp = sum(len(found.get(k, set()) & v) for k, v in truth.items())
        fp = sum(len(found.get(k, set()) - v) for k, v in truth.items())
        fn = sum(len(v - found.get(k, set())) for k, v in truth.items())
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        by_url = sum(1 for v in truth.values() if v)
        print(f"{mode:7s} {len(truth)} articles ({by_url} with cables), {tp + fn} links expected: "
              f"precision {prec:.3f} recall {rec:.3f} (tp {tp}, fp {fp}, fn {fn}); poll {dt:.2f} s, "
              f"{r.pages} pages fetched")
        for k in truth:
            if found.get(k, set()) != truth[k]:
                print(f"   {k}: missing {sorted(truth[k] - found.get(k, set()))} extra {sorted(found.get(k, set()) - truth[k])}")
    finally:
        srv.close()


def main() -> None:
    truth = oracle()
    for mode in ("page", "inline"):
        run(mode, truth)


if __name__ == "__main__":
    main()
