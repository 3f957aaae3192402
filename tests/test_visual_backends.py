"""The timelines, threads, networks and the FollowTheMoney export read the same on both
backends (SQLite and PostgreSQL; the PostgreSQL half skipped, saying why, where none answers)."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import support  # noqa: E402

pytestmark = pytest.mark.skipif(not support.corpus_available(), reason="corpus not available")


def test_visual_reads_on_each_backend(archive_settings):
    from fastapi.testclient import TestClient

    from cablebase import Archive, WebSettings
    from cablebase.web.app import create_app

    with Archive(archive_settings) as st:
        st.ingest([support.ARTICLES_2010, *(support.CABLES_2010 / p for p in support.SMALL_SET),
                   support.CABLES_2010 / "2010/02/10BRASILIA61.html"], workers=1)
        st.enrich(workers=1, similar=False)
        n = st.stats().cables
    with TestClient(create_app(archive_settings, WebSettings())) as c:
        t = c.get("/api/timeline", params={"q": ""}).json()
        assert t["total"] == n and sum(m["cables"] for m in t["months"]) + t["undated"] == n
        assert sum(m["released"] for m in t["months"]) == n
        th = c.get("/api/cables/05MADRID1626/thread").json()
        assert len(th["cables"]) > 1 and th["edges"]
        ents = c.get("/api/entities", params={"type": "PLACE"}).json()["entities"]
        net = c.get(f"/api/entities/{ents[0]['id']}/network").json()
        assert net["nodes"] and all(e["weight"] > 0 for e in net["edges"])
        lines = c.get("/api/export", params={"format": "ftm"}).content.splitlines()
        kinds = {orjson.loads(l)["schema"] for l in lines}
        assert {"Document", "Address", "Documentation"} <= kinds
        assert c.get("/search", params={"q": "madrid"}).text.count('class="bar bar-cables') >= 1
