"""The same archive on both backends, through the public face: what one stores and answers,
the other does too; ``migrate`` moves an archive across and back without losing a row; and
several processes write one PostgreSQL archive at once without a lost or doubled write.

Runs with the ``backend`` fixture (``conftest``): the PostgreSQL half is skipped, saying why,
where no PostgreSQL answers."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cablebase import StoreError, open_archive
from pgtest import drop_pg_database, pg_unavailable, pg_url

FIXTURES = Path(__file__).parent / "fixtures"

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Desk Leaks</title><link>https://example.org/</link>
<item><title>Testville cable</title><link>https://example.org/a</link><guid>a</guid>
<pubDate>Mon, 02 Jan 2006 10:00:00 GMT</pubDate>
<description>The cable 09STATE100 went to all posts, a reporter writes.</description></item>
<item><title>Other</title><link>https://example.org/b</link><guid>b</guid>
<description>Nothing cited here at all, only words about the weather.</description></item>
</channel></rss>
"""
INPUTS = [FIXTURES / "cables-sample.csv", FIXTURES / "telegram-damaged.txt", FIXTURES / "telegram-latin1-crlf.txt"]


def fill(archive, tmp_path: Path) -> None:
    archive.ingest(INPUTS)
    feed = tmp_path / "desk.xml"
    feed.write_text(FEED, encoding="utf-8")
    archive.add_local_feed(feed)
    archive.poll(all_feeds=True)


def answers(archive) -> dict:
    """What a user sees of an archive: records, versions, searches, channels, links."""
    refs = sorted(archive.ref_ids())
    chans = archive.channels.list_channels()
    return {
        "refs": refs,
        "records": {r: archive.get(r).to_dict() for r in refs},
        "versions": {r: [(s.sha256, s.form) for s in archive.sources(r)] for r in refs},
        "search": [(h.ref_id, round(h.score, 4)) for h in archive.search("subject OR paragraph", limit=10)],
        "facets": archive.search_results("", limit=0).facets,
        "channels": [(c["name"], c["articles"]) for c in chans],
        "articles": sorted((a["title"], tuple(sorted(x["ref_id"] for x in a["cables"])))
                           for c in chans for a in archive.channels.channel_articles(c["name"], all=True)[1]),
        "stats": archive.stats().by_classification,
    }


def test_each_backend_stores_and_answers_alike(archive_settings, tmp_path):
    with open_archive(settings=archive_settings) as a:
        fill(a, tmp_path)
        got = answers(a)
        assert a.check().ok
    assert got["refs"] and got["search"] and got["channels"] == [("Desk Leaks", 2)]
    assert ("Testville cable", ("09STATE100",)) in got["articles"]
    # the very same on the embedded default
    from cablebase.config import Settings

    with open_archive(settings=Settings(db_dir=tmp_path / "ref", index_heap_bytes=50_000_000)) as ref:
        fill(ref, tmp_path)
        assert answers(ref) == got


def test_reopened_archive_keeps_everything_and_a_second_ingest_adds_nothing(archive_settings, tmp_path):
    with open_archive(settings=archive_settings) as a:
        fill(a, tmp_path)
        before = answers(a)
    with open_archive(settings=archive_settings, create=False) as a:
        rep = a.ingest(INPUTS)
        assert rep.outcomes.get("new", 0) == 0 and not rep.failures
        assert answers(a) == before


@pytest.fixture
def pg_target():
    if pg_unavailable():
        pytest.skip(pg_unavailable())
    name = f"cbtest_{uuid.uuid4().hex[:12]}"
    yield pg_url(name)
    drop_pg_database(name)


def test_migrate_to_postgresql_and_back_loses_nothing(tmp_path, pg_target, monkeypatch):
    from cablebase.config import Settings

    monkeypatch.setenv("CABLEBASE_INDEX_DIR", str(tmp_path / "pg-index"))
    src = Settings(db_dir=tmp_path / "src", index_heap_bytes=50_000_000)
    with open_archive(settings=src) as a:
        fill(a, tmp_path)
        want = answers(a)
        rep = a.migrate_to(pg_target)
    assert rep.ok, rep.to_dict()
    assert {t for t, n, _ in rep.tables if n} >= {"raw_inputs", "sources", "cables", "articles", "article_cables"}
    with open_archive(pg_target, create=False) as pg:
        assert answers(pg) == want
        back = pg.migrate_to(str(tmp_path / "back"))
        assert back.ok
        with pytest.raises(StoreError, match="already holds an archive"):
            pg.migrate_to(str(tmp_path / "back"))
    with open_archive(tmp_path / "back", create=False) as b:
        assert answers(b) == want
    with open_archive(settings=src) as a, pytest.raises(StoreError, match="not empty"):
        a.migrate_to(pg_target)  # nothing written into an archive that has rows


WRITER = """
import sys
from cablebase import open_archive
with open_archive(sys.argv[1]) as a:
    rep = a.ingest(sys.argv[2:])
    assert not rep.failures, rep.failures
"""


def test_several_processes_write_one_postgresql_archive(tmp_path, pg_target, monkeypatch, corpus):
    """Two ingests of overlapping inputs at once, while a third process reads: every cable
    once, nothing lost, no 'locked' error, and ``check`` passes."""
    monkeypatch.setenv("CABLEBASE_INDEX_DIR", str(tmp_path / "pg-index"))
    pages = sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))[:160]
    a, b = [str(p) for p in pages[:100]], [str(p) for p in pages[60:]]
    with open_archive(pg_target):
        pass  # made before the writers start
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, pg_target, *part], stderr=subprocess.PIPE, text=True)
             for part in (a, b)]
    seen = 0
    with open_archive(pg_target, create=False) as reader:
        while any(p.poll() is None for p in procs):
            seen = max(seen, reader.stats().cables)
    errs = [p.stderr.read() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert not any("locked" in e.lower() for e in errs), errs
    with open_archive(pg_target, create=False) as done:
        refs = done.ref_ids()
        assert done.check().ok
        assert len(refs) == done.stats().cables >= seen
    with open_archive(tmp_path / "one", create=True) as one:  # the same inputs, one process, embedded
        one.ingest([*a, *b])
        assert one.ref_ids() == refs


PAGES = ["/", "/cable/09STATE100", "/search?q=subject", "/browse/origin", "/origin/Secretary%20of%20State",
         "/channels", "/channel/Desk%20Leaks", "/article/1", "/cable/09STATE100/diff", "/search.atom?q=subject"]
JSON = ["/index.json", "/api/cables/09STATE100", "/api/search?q=subject", "/api/browse/origin", "/channels.json",
        "/channel/Desk%20Leaks/all.json", "/api/stats", "/api/home"]
VOLATILE = {"first_seen", "last_changed", "updated", "added", "last_fetch", "last_success", "next_fetch", "took_ms",
            "elapsed", "created_at", "generated"}


def _stable(v):
    """A JSON answer without the times of day it was stored at (which differ between two builds)."""
    if isinstance(v, dict):
        return {k: _stable(x) for k, x in v.items() if k not in VOLATILE}
    if isinstance(v, list):
        return [_stable(x) for x in v]
    return v


def test_the_web_serves_both_backends_alike(archive_settings, tmp_path):
    from fastapi.testclient import TestClient

    from cablebase.config import Settings, WebSettings
    from cablebase.web.app import create_app

    ref = Settings(db_dir=tmp_path / "ref", index_heap_bytes=50_000_000)
    for s in (archive_settings, ref):
        with open_archive(settings=s) as a:
            fill(a, tmp_path)
    got = {}
    for s in (archive_settings, ref):
        with TestClient(create_app(s, WebSettings()), raise_server_exceptions=False) as c:
            got[s.describe()] = {u: (r.status_code, _stable(r.json()) if u in JSON else None)
                                 for u in PAGES + JSON for r in [c.get(u)]}
    mine, theirs = got[archive_settings.describe()], got[ref.describe()]
    assert {u for u, (status, _) in mine.items() if status != 200} == set()
    assert mine == theirs
