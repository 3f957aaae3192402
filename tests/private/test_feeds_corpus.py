"""Every file of feedparser's own test corpus (2,107 odd, ill-formed and hostile feeds), served
from a local HTTP server and polled in one run: nothing may escape, no feed may stop the run."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from cablebase.parse.feed import parse_feed
from cablebase import FeedParseError
from cablebase.pipeline.poll import PollSettings, poll
from cablebase.sources.net import NetPolicy
from cablebase._store.channels import ChannelStore
from feedserver import FeedServer

ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "feedparser-tests"
if not ROOT.exists():
    ROOT = Path("/work/shared/corpus/feedparser-tests")
FILES = sorted(p for p in ROOT.rglob("*") if p.is_file() and p.name != "LICENSE")

pytestmark = pytest.mark.skipif(not FILES, reason="feedparser-tests corpus not available")


def test_corpus_size():
    assert len(FILES) >= 2100


def test_parse_feed_never_raises_anything_but_feedparseerror():
    parsed = 0
    for f in FILES:
        try:
            parse_feed(f.read_bytes(), url="http://127.0.0.1/" + f.name)
            parsed += 1
        except FeedParseError:
            pass
    assert parsed > 2000


def test_poll_whole_corpus_from_local_server():
    srv = FeedServer()
    try:
        srv.serve_dir("/fp/", ROOT, content_type="application/xml")
        store = ChannelStore(sqlite3.connect(":memory:", isolation_level=None))
        rels = [str(f.relative_to(ROOT)) for f in FILES]
        with store.tx():
            for rel in rels:
                store.add_feed(srv.url("/fp/" + quote(rel)), rel.split("/")[0])
        settings = PollSettings(net=NetPolicy(allow=("127.0.0.1",)), fulltext=False, workers=4, per_host=4)
        r = poll(store, settings)
        assert r.feeds == len(FILES)
        crashed = [(x.url, x.error) for x in r.results if x.crashed]
        assert not crashed, crashed[:5]
        assert r.ok > 2000
        # every failure is stored on its feed
        failed = [f for f in store.list_feeds() if f["last_status"] != 200 or f["last_error"]]
        assert all(f["last_error"] for f in failed)
        # and the run can be repeated (entries now known)
        r2 = poll(store, settings, all_feeds=True)
        assert r2.new == 0 and not any(x.crashed for x in r2.results)
    finally:
        srv.close()
