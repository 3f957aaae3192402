"""The archive the timeline, thread, network and "like" tests share: the 2010 site's articles
(Portuguese, English, Spanish, French, Swedish, Russian, Arabic; their channels), the seed
page, the cablegate-2010 cables the articles link to plus a few whose REF lines name each
other (``support.SMALL_SET``), enriched (entities, the REF graph)."""

from __future__ import annotations

from pathlib import Path

import support


def build_visual_archive(db_dir: Path) -> dict:
    from cablebase import open_archive

    cited = sorted({m for p in support.ARTICLES_2010.glob("*.html")
                    for m in support._CABLE_LINK.findall(p.read_text(encoding="utf-8", errors="replace"))})
    cables = [support.CABLES_2010 / c for c in cited if (support.CABLES_2010 / c).is_file()]
    cables += [support.CABLES_2010 / p for p in support.SMALL_SET]
    with open_archive(db_dir) as st:
        report = st.ingest([support.ARTICLES_2010, support.SEED, *cables], workers=1)
        st.enrich(workers=1, similar=False)
        [garcia] = [e for e in st.entities.list_entities("PER", limit=2000) if e["name"].endswith("Garcia Luna")]
        return {"cables": report.cables, "garcia_luna": garcia}
