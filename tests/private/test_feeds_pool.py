"""Feed preparation in worker processes: same articles as in-process, a dying or stuck worker
fails only its feed (the pass goes on, the pool comes back), batched writes equal one-by-one."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from dataclasses import replace

import pytest

from cablebase.pipeline import prepare
from cablebase.pipeline.poll import PollSettings, poll
from cablebase.sources.net import NetPolicy
from cablebase._store.channels import ChannelStore
from cablebase.model import Article, Link
from feedserver import LONG, rss



def _settings(**kw):
    return PollSettings(net=NetPolicy(allow=("127.0.0.1",)), request_timeout=10, connect_timeout=2, read_timeout=5,
                        fulltext=False, **kw)


def _ready_pool(n=2) -> prepare.PreparePool:
    pool = prepare.get_pool(n)
    deadline = time.monotonic() + 120
    while pool.live < n:
        assert time.monotonic() < deadline, "prepare pool did not start"
        time.sleep(0.05)
    return pool


def _articles(store):
    return sorted((a["url"], a["title"], a["text"], a["language"], a["content_hash"], a["sort_key"])
                  for a in store._rows("SELECT * FROM articles"))


def test_pool_gives_the_same_articles_as_in_process(srv):
    for i in range(6):
        its = [{"title": f"t{i}-{j}", "link": f"http://127.0.0.1/a{i}/{j}", "guid": f"g{i}-{j}",
                "description": LONG + f"<p>See 07MEXICO983 and <a href='http://cablegate.wikileaks.org/cable/2009/11/"
                               f"09BRASILIA{1000 + j}.html'>this</a>.</p>"} for j in range(5)]
        srv.route(f"/f{i}.xml", rss(f"Feed {i}", its), etag=f'"{i}"')
    got = {}
    for workers in (0, 2):
        if workers:
            _ready_pool(workers)
        store = ChannelStore(sqlite3.connect(":memory:", isolation_level=None), now=lambda: 1.7e9)
        for i in range(6):
            store.add_feed(srv.url(f"/f{i}.xml"), "C")
        r = poll(store, _settings(prepare_workers=workers), now=lambda: 1.7e9)
        assert (r.ok, r.new, r.errors, r.links) == (6, 30, 0, 60)
        got[workers] = (_articles(store), store.counts())
        assert poll(store, _settings(prepare_workers=workers), all_feeds=True).not_modified == 6
    assert got[0] == got[2]


def test_dead_worker_fails_its_job_and_the_pool_comes_back():
    pool = _ready_pool(2)
    before = pool.restarts

    async def main():
        with pytest.raises(prepare.PrepareCrashed, match="died"):
            await pool.run(30, 3, fn=os._exit)
        assert pool.restarts > before

    asyncio.run(main())
    pool = _ready_pool(2)

    async def again():
        return await pool.run(30, b"<rss><channel><title>x</title></channel></rss>", None, None, {},
                              prepare.PrepareOptions())

    assert asyncio.run(again()).title == "x"


def test_stuck_worker_is_killed_after_the_time_limit():
    pool = _ready_pool(2)

    async def main():
        t = time.monotonic()
        with pytest.raises(prepare.PrepareCrashed, match="longer than"):
            await pool.run(0.5, 30, fn=time.sleep)
        assert time.monotonic() - t < 10

    asyncio.run(main())
    _ready_pool(2)


def _store():
    return ChannelStore(sqlite3.connect(":memory:", isolation_level=None), now=lambda: 1.7e9)


def _item(key, url=None, text="some text", title="T", links=None):
    return Article(entry_key=key, entry_hash="h" + key, url=url, canonical_url=url, title=title, text=text,
                       content_hash=f"c-{title}-{text}", links=links)


def test_batched_writes_equal_one_by_one():
    """Bulk path vs _store_one: new rows, merges inside the batch and with older rows, known keys."""
    batches = [
        [_item("a", "http://x/1"), _item("b", "http://x/2", links=[Link("07MEXICO983", "cites", 3, "s", "id")]),
         _item("c", "http://x/1", text="longer text here"), _item("d", None, text="some text")],
        [_item("e", "http://x/3"), _item("a", "http://x/1", text="edited"), _item("f", "http://x/3"),
         _item("g", None, text="edited", title="T")],
        [_item(f"n{i}", f"http://y/{i}") for i in range(30)],
    ]
    results = []
    for bulk in (True, False):
        store = _store()
        fid = store.add_feed("http://127.0.0.1/f.xml", "C")
        fid2 = store.add_feed("http://127.0.0.1/g.xml", "C")
        outs = []
        for b in batches:
            for f in (fid, fid2):
                items = [replace(x) for x in b]
                if bulk:
                    outs.append(store.store_entries(f, items))
                else:
                    known = store.entry_state(f)
                    with store.tx():
                        outs.append([store._store_one(f, it, known, store.now()) for it in items])
        dump = {t: store._rows(f"SELECT * FROM {t} ORDER BY 1, 2") for t in
                ("articles", "feed_entries", "article_versions", "images", "article_cables")}
        results.append((outs, dump))
    assert results[0] == results[1]


def test_workers_that_cannot_start_leave_preparation_in_process(monkeypatch, srv):
    calls = []

    class NoZygote:
        def __init__(self, timeout):
            calls.append(timeout)
            raise OSError("no processes here")

    monkeypatch.setattr(prepare, "_Zygote", NoZygote)
    pool = prepare.PreparePool(2)
    pool.start()
    deadline = time.monotonic() + 10
    while pool._starting and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not pool.ready and pool._failed_at is not None and len(calls) == 1
    pool.start()  # within RETRY_AFTER_S: not tried again
    time.sleep(0.05)
    assert len(calls) == 1
    monkeypatch.setattr(prepare, "_POOLS", {2: pool})
    srv.route("/f.xml", rss("F", [{"title": "t", "link": "http://127.0.0.1/a", "guid": "g", "description": LONG}]))
    store = _store()
    store.add_feed(srv.url("/f.xml"), "C")
    r = poll(store, _settings(prepare_workers=2))
    assert (r.ok, r.new, r.errors) == (1, 1, 0)
