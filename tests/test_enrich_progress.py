"""The first run serves at once while the entities are found in the background (issue 13): the
enrichment's progress (done, total, rate, ETA) is seen from other processes — the home page and
``cablebase stats`` — while it runs, and its end too."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import support  # noqa: E402

from cablebase import WebSettings, open_archive  # noqa: E402
from cablebase.cli import app  # noqa: E402
from cablebase.config import Settings  # noqa: E402
from cablebase.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.skipif(not support.corpus_available(), reason="corpus not available")


def test_enrichment_progress_on_the_home_page_and_in_stats(tmp_path):
    from fastapi.testclient import TestClient

    d = tmp_path / "archive"
    support.build_archive(d, [support.CABLES_2010 / p for p in support.SMALL_SET])
    runner = CliRunner()
    seen: list[tuple[int, int | None, str, str | None]] = []
    with TestClient(create_app(Settings.load(d), WebSettings()), raise_server_exceptions=False) as client:
        before = client.get("/").text
        assert "No entities yet" in before and "Finding the people" not in before
        assert "enrichment" not in runner.invoke(app, ["stats", "--db", str(d)]).stdout

        def watch(done: int, total: int | None) -> None:
            if len(seen) < 2:  # what another process sees meanwhile
                with open_archive(d) as other:
                    state = other.enrich_progress()["state"]
                seen.append((done, total, client.get("/").text, state))

        with open_archive(d) as a:
            rep = a.enrich(workers=1, similar=False, on_progress=watch)
        assert rep.enriched > 0 and seen
        done, total, page, state = seen[-1]
        assert state == "running"
        assert "Finding the people, organizations and places" in page and f"of {total:,} documents" in page
        assert "No entities yet" not in page
        with open_archive(d) as other:
            assert other.enrich_progress()["state"] == "finished"
        for _ in range(40):  # the server looks for the new entity tables every few seconds
            after = client.get("/").text
            if '<p class="entities">' in after:
                break
            time.sleep(0.25)
        assert "Finding the people" not in after
        assert '<p class="entities">' in after and "No entities yet" not in after  # the entities, once found
    out = runner.invoke(app, ["stats", "--db", str(d)]).stdout
    assert f"enrichment finished: {rep.documents:,} documents" in out
