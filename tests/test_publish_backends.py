"""Issue 17's storage parts on both backends (SQLite and PostgreSQL): a field the shown version
lacks filled in from another version in lists and exports, articles searched by their words,
the REF-line form of a reference, and "did you mean"."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from cablebase import open_archive

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

SEED = CORPUS / "seed" / "opera-leaks-cuba-channel.txt"
ALX = CORPUS / "cablegate-txt-alx" / "cables" / "07MEXICO983.txt"


@pytest.mark.parametrize("order", ["blog first", "text first"])
def test_publishable_fields_and_searches(archive_settings, order):
    if not SEED.is_file() or not ALX.is_file():
        pytest.skip("corpus not found")
    with open_archive(settings=archive_settings) as st:
        for p in ([SEED, ALX] if order == "blog first" else [ALX, SEED]):
            st.ingest([p], workers=1)
        shown = st.get("07MEXICO983")
        assert shown.released is None  # the alx text, the fullest version, has no release date ...
        rec = orjson.loads(dict(st.records())["07MEXICO983"])
        assert rec["released"] == "2011-05-25 20:30"  # ... the blog copy has: lists and exports show it
        assert [r.released for r in st.reader().rows_for(["07MEXICO983"]).values()] == ["2011-05-25 20:30"]
        assert [h.ref_id for h in st.search("released:2011-05-25")] == ["07MEXICO983"]
        st.reindex()
        assert [h.ref_id for h in st.search("released:2011-05-25")] == ["07MEXICO983"]  # a rebuilt index too
        total, rows = st.channels.search_articles(["pseudoephedrine", "Garcia Luna"])
        assert total == 1 and "pseudoephedrine" in rows[0]["text"].lower()
        assert st.channels.search_articles(["pseudoephedrine", "xyzzyq"])[0] == 0
        assert st.channels.search_articles(["100%_"])[0] == 0  # LIKE's wildcards are words here
        for q in ("MEXICO 983", "MEXICO 00983", "07 MEXICO 983"):
            assert [h.ref_id for h in st.search(q)][:1] == ["07MEXICO983"], q
        assert st.did_you_mean("pseudoefedrine") == "pseudoephedrine"
        assert st.did_you_mean("pseudoephedrine") is None
