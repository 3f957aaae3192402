"""The poller against a real HTTP server on 127.0.0.1 (tests/feedserver.py): no mocks."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace

import pytest

from cablebase.pipeline.poll import PollSettings, poll
from cablebase.sources.net import NetPolicy
from cablebase._store.channels import ChannelStore
from feedserver import LONG, rss


@pytest.fixture()
def store(archive_db):
    return ChannelStore(archive_db)  # on both backends (conftest.archive_db)


@pytest.fixture()
def settings():
    return PollSettings(net=NetPolicy(allow=("127.0.0.1",)), request_timeout=5, connect_timeout=2, read_timeout=2,
                        fulltext=False)




def items(n, prefix="e", body=LONG):
    return [{"title": f"{prefix}{i}", "link": f"http://127.0.0.1/{prefix}{i}", "guid": f"{prefix}{i}",
             "description": body + f"<p>{prefix}{i}</p>"} for i in range(n)]


def feed_of(store, url):
    return next(f for f in store.list_feeds() if f["url"] == url or f["added_url"] == url)


def test_poll_conditional_get_etag(srv, store, settings):
    url = srv.route("/f.xml", rss("Feed", items(3)), etag='"v1"')
    store.add_feed(url, "C")
    r = poll(store, settings)
    assert (r.ok, r.new) == (1, 3)
    r = poll(store, settings, all_feeds=True)
    assert (r.not_modified, r.new) == (1, 0)
    assert srv.requests[-1][1]["if-none-match"] == '"v1"'
    assert "cablebase" in srv.requests[-1][1]["user-agent"]
    f = feed_of(store, url)
    assert f["last_status"] == 304 and f["last_error"] is None


def test_poll_conditional_get_last_modified_and_gzip(srv, store, settings):
    lm = "Wed, 01 Dec 2010 10:00:00 GMT"
    url = srv.route("/f.xml", rss("Feed", items(2)), last_modified=lm, gzip=True)
    store.add_feed(url, "C")
    assert poll(store, settings).new == 2
    assert "gzip" in srv.requests[-1][1]["accept-encoding"]
    r = poll(store, settings, all_feeds=True)
    assert r.not_modified == 1
    assert srv.requests[-1][1]["if-modified-since"] == lm


def test_unchanged_body_without_validators_is_not_reparsed_as_new(srv, store, settings):
    url = srv.route("/f.xml", rss("Feed", items(2)))
    store.add_feed(url, "C")
    poll(store, settings)
    r = poll(store, settings, all_feeds=True)
    assert (r.ok, r.new, r.same) == (1, 0, 2)


def test_permanent_redirect_updates_url_temporary_does_not(srv, store, settings):
    new = srv.route("/new.xml", rss("Feed", items(1)))
    old = srv.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    tmp = srv.route("/tmp.xml", status=302, headers={"Location": "/new2.xml"})
    srv.route("/new2.xml", rss("Feed2", items(1, "x")))
    store.add_feed(old, "C")
    store.add_feed(tmp, "D")
    r = poll(store, settings)
    assert r.ok == 2, r.results
    urls = {f["url"] for f in store.list_feeds()}
    assert new in urls and tmp in urls and old not in urls


def test_too_many_redirects_is_an_error(srv, store, settings):
    for i in range(8):
        srv.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    srv.route("/r8", rss("F", items(1)))
    store.add_feed(srv.url("/r0"), "C")
    r = poll(store, settings)
    assert r.errors == 1
    assert "redirects" in feed_of(store, srv.url("/r0"))["last_error"]
    assert srv.hits["/r6"] == 0  # stopped after 5 redirects


def test_410_disables_feed(srv, store, settings):
    url = srv.route("/gone.xml", status=410, body=b"gone")
    store.add_feed(url, "C")
    r = poll(store, settings)
    assert r.gone == 1
    f = feed_of(store, url)
    assert f["status"] == "gone" and "410" in f["last_error"]
    assert poll(store, settings, all_feeds=True).feeds == 0


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_honoured(srv, store, settings, status):
    url = srv.route("/busy.xml", status=status, headers={"Retry-After": "7200"})
    store.add_feed(url, "C")
    before = time.time()
    r = poll(store, settings)
    assert r.errors == 1
    f = feed_of(store, url)
    assert f["next_fetch"] >= before + 7200 - 1
    assert str(status) in f["last_error"] and "Retry-After" in f["last_error"]


def test_retry_after_http_date_and_host_hold(srv, store, settings):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 3 * 3600))
    url = srv.route("/busy.xml", status=503, headers={"Retry-After": when})
    store.add_feed(url, "C")
    poll(store, replace(settings, workers=1))
    assert feed_of(store, url)["next_fetch"] >= time.time() + 3 * 3600 - 120


def test_backoff_exponential_capped_at_a_day(srv, store, settings):
    url = srv.route("/err.xml", status=500, body=b"boom")
    fid = store.add_feed(url, "C")
    s = replace(settings, jitter=0.0, backoff_base_s=300)
    delays = []
    for _ in range(3):
        t = time.time()
        poll(store, s, all_feeds=True)
        delays.append(feed_of(store, url)["next_fetch"] - t)
    assert 299 < delays[0] < 310 and 599 < delays[1] < 610 and 1199 < delays[2] < 1210
    store.db.execute("UPDATE feeds SET error_count=40 WHERE id=?", (fid,))
    t = time.time()
    poll(store, s, all_feeds=True)
    f = feed_of(store, url)
    assert f["next_fetch"] - t <= 86400 + 5 and f["error_count"] == 41 and f["last_status"] == 500


def test_interval_with_jitter(srv, store, settings):
    url = srv.route("/f.xml", rss("F", items(1)))
    store.add_feed(url, "C")
    t = time.time()
    poll(store, replace(settings, interval_s=1000, jitter=0.2))
    nf = feed_of(store, url)["next_fetch"] - t
    assert 800 - 1 <= nf <= 1200 + 1


def test_oversized_body_streamed_and_cut(srv, store, settings):
    url = srv.route("/big.xml", stream_bytes=8 * 2**20)
    declared = srv.route("/declared.xml", body=b"x" * 100, declare_length=50 * 2**20)
    ok = srv.route("/ok.xml", rss("F", items(1)))
    for u in (url, declared, ok):
        store.add_feed(u, "C")
    r = poll(store, replace(settings, max_body_bytes=2**20))
    assert r.ok == 1 and r.errors == 2
    assert "limit" in feed_of(store, url)["last_error"]
    assert "limit" in feed_of(store, declared)["last_error"]


def test_default_body_cap_is_15_mib():
    assert PollSettings().max_body_bytes == 15 * 2**20
    assert PollSettings().max_redirects == 5


def test_slow_body_times_out_without_stopping_others(srv, store, settings):
    slow = srv.route("/slow.xml", rss("F", items(1)), drip=0.05)
    ok = srv.route("/ok.xml", rss("F", items(2, "k")))
    store.add_feed(slow, "C")
    store.add_feed(ok, "C")
    t = time.time()
    r = poll(store, replace(settings, request_timeout=1.0))
    assert time.time() - t < 4
    assert r.ok == 1 and r.errors == 1
    assert "took longer" in feed_of(store, slow)["last_error"] or "timed out" in feed_of(store, slow)["last_error"]


def test_garbage_and_html_and_404_are_stored_errors(srv, store, settings):
    g = srv.route("/garbage.xml", b"\x00\x01\x02 not a feed at all \xff")
    h = srv.route("/page.html", '<html><head><link rel="alternate" type="application/rss+xml" href="/f.xml">'
                  "</head><body>hi</body></html>", content_type="text/html")
    n = srv.url("/missing.xml")
    ok = srv.route("/f.xml", rss("F", items(1)))
    for u in (g, h, n, ok):
        store.add_feed(u, "C")
    r = poll(store, settings)
    assert r.ok == 1 and r.errors == 3 and not any(x.crashed for x in r.results)
    assert "HTML page" in feed_of(store, h)["last_error"] and "/f.xml" in feed_of(store, h)["last_error"]
    assert feed_of(store, n)["last_error"] == "HTTP 404"
    assert feed_of(store, g)["last_error"]


def test_unsafe_targets_refused_before_connecting(srv, store):
    strict = PollSettings(net=NetPolicy(), fulltext=False)  # no allow-list: 127.0.0.1 is private
    url = srv.route("/f.xml", rss("F", items(1)))
    store.add_feed(url, "C")
    store.add_feed("http://10.0.0.7/feed.xml", "C")
    store.add_feed("http://[::1]:1/feed.xml", "C")
    store.add_feed("ftp://127.0.0.1/feed.xml", "C")
    r = poll(store, strict)
    assert r.errors == 4
    assert srv.hits["/f.xml"] == 0
    errs = {f["url"]: f["last_error"] for f in store.list_feeds()}
    assert "non-public" in errs[url] and "non-public" in errs["http://10.0.0.7/feed.xml"]
    assert "scheme" in errs["ftp://127.0.0.1/feed.xml"]


def test_redirect_to_private_address_refused(srv, store, settings):
    url = srv.route("/r.xml", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data"})
    store.add_feed(url, "C")
    poll(store, settings)
    assert "non-public" in feed_of(store, url)["last_error"]


def test_net_policy_checks():
    from cablebase.sources.net import UnsafeURL, check_url_sync

    p = NetPolicy()
    for bad in ("file:///etc/passwd", "http://127.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
                "http://192.168.1.1/", "http://100.64.0.1/", "http://user:pw@8.8.8.8/", "javascript:alert(1)",
                "http://[fe80::1]/", "http://224.0.0.1/"):
        with pytest.raises(UnsafeURL):
            check_url_sync(bad, p)
    check_url_sync("http://8.8.8.8/feed", p)  # a public literal address passes (nothing is fetched)
    check_url_sync("http://127.0.0.1:9/x", NetPolicy(allow=("127.0.0.1",)))
    check_url_sync("http://127.0.0.1:9/x", NetPolicy(allow=("127.0.0.0/8",)))


def test_dedup_edit_becomes_version(srv, store, settings):
    body = rss("F", [{"title": "Story", "link": "http://127.0.0.1/s", "guid": "s1", "description": LONG}])
    url = srv.route("/f.xml", body)
    store.add_feed(url, "C")
    assert poll(store, settings).new == 1
    edited = rss("F", [{"title": "Story (updated)", "link": "http://127.0.0.1/s", "guid": "s1",
                        "description": LONG + "<p>Correction appended.</p>"}])
    srv.route("/f.xml", edited)
    r = poll(store, settings, all_feeds=True)
    assert (r.new, r.updated) == (0, 1)
    total, arts = store.channel_articles("C")
    assert total == 1 and arts[0]["title"] == "Story (updated)" and arts[0]["version"] == 2
    vers = store.article_versions(arts[0]["id"])
    assert len(vers) == 1 and vers[0]["title"] == "Story"


def test_dedup_across_feeds_by_link_and_by_content(srv, store, settings):
    a = srv.route("/a.xml", rss("A", [
        {"title": "One", "link": "http://127.0.0.1/one?utm_source=rss", "guid": "a-1", "description": LONG},
        {"title": "Two", "guid": "a-2", "description": LONG + "<p>two</p>"}]))
    b = srv.route("/b.xml", rss("B", [
        {"title": "One!", "link": "http://127.0.0.1/one", "guid": "b-1", "description": LONG + "<p>x</p>"},
        {"title": "Two", "guid": "b-2", "description": LONG + "<p>two</p>"}]))
    store.add_feed(a, "A")
    store.add_feed(b, "B")
    store.link_feed("Both", 1)
    store.link_feed("Both", 2)
    r = poll(store, replace(settings, workers=1))
    assert (r.new, r.merged) == (2, 2), r.results
    assert store.counts()["articles"] == 2
    assert store.channel_articles("Both")[0] == 2
    assert store.channel_articles("B")[0] == 2


def test_same_entry_in_one_feed_without_id_dedups_by_link_then_hash(srv, store, settings):
    url = srv.route("/f.xml", rss("F", [
        {"title": "L", "link": "http://127.0.0.1/l", "description": LONG},
        {"title": "L", "link": "http://127.0.0.1/l", "description": LONG},
        {"title": "H", "description": LONG + "h"},
        {"title": "H", "description": LONG + "h"}]))
    store.add_feed(url, "C")
    poll(store, settings)
    assert store.counts()["articles"] == 2
    assert poll(store, settings, all_feeds=True).new == 0


def test_images_from_every_source(srv, store, settings):
    raw = ('<enclosure url="http://127.0.0.1/enc.jpg" type="image/jpeg" length="1"/>'
           '<enclosure url="http://127.0.0.1/pod.mp3" type="audio/mpeg" length="1"/>'
           '<media:content url="http://127.0.0.1/mc.png" medium="image" width="640" height="480"/>'
           '<media:thumbnail url="http://127.0.0.1/th.jpg" width="120"/>')
    url = srv.route("/f.xml", rss("Pics", [{"title": "P", "link": "http://127.0.0.1/p", "guid": "p",
                                            "content": LONG + '<p><img src="/inline.gif" alt="x"></p>'
                                                       '<img src="javascript:alert(1)">', "raw": raw}]))
    store.add_feed(url, "Pics")
    poll(store, settings)
    imgs = store.channel_images("Pics")
    got = {(i["url"].rsplit("/", 1)[1], i["kind"]) for i in imgs}
    assert got == {("enc.jpg", "enclosure"), ("mc.png", "media:content"), ("th.jpg", "media:thumbnail"),
                   ("inline.gif", "img")}


def test_language_detected(srv, store, settings):
    pt = "<p>" + "O embaixador dos Estados Unidos disse que o governo brasileiro não quer a base. " * 5 + "</p>"
    url = srv.route("/f.xml", rss("F", [{"title": "pt", "guid": "1", "link": "http://127.0.0.1/1", "description": pt},
                                        {"title": "en", "guid": "2", "link": "http://127.0.0.1/2", "description": LONG}]))
    store.add_feed(url, "C")
    poll(store, settings)
    langs = {a["title"]: a["language"] for a in store.channel_articles("C")[1]}
    assert langs == {"pt": "pt", "en": "en"}


def test_fulltext_fetched_when_feed_gives_summary(srv, store, settings):
    page = ("<html><head><title>Story</title></head><body><nav><a href='/'>Home</a></nav><article><h1>Story</h1>"
            + "<p>The full story text, long enough to be the main content of this page. </p>" * 15
            + "<p>See <a href='https://wikileaks.org/plusd/cables/09BRASILIA1315_a.html'>the cable</a>.</p>"
            "</article><footer>footer</footer></body></html>")
    srv.route("/story", page, content_type="text/html; charset=utf-8")
    url = srv.route("/f.xml", rss("F", [{"title": "Story", "link": srv.url("/story"), "guid": "s",
                                         "description": "Short teaser [...]"}]))
    store.add_feed(url, "C")
    r = poll(store, replace(settings, fulltext=True))
    assert r.pages == 1
    art = store.channel_articles("C")[1][0]
    assert "full story text" in art["text"]
    assert [c["ref_id"] for c in art["cables"]] == ["09BRASILIA1315"]
    assert srv.requests[-1][1]["user-agent"].startswith("cablebase")


def test_fulltext_backlog_goes_on_through_304s_then_is_skipped(srv, store, settings):
    page = "<html><body><article>" + "<p>The full story text, long enough to be the main content. </p>" * 15
    for i in range(5):
        srv.route(f"/s{i}", page + f"<p>story {i}</p></article></body></html>", content_type="text/html")
    its = [{"title": f"S{i}", "link": srv.url(f"/s{i}"), "guid": f"s{i}", "description": "teaser"} for i in range(5)]
    url = srv.route("/f.xml", rss("F", its), etag='"v1"')
    store.add_feed(url, "C")
    s = replace(settings, fulltext=True, fulltext_per_feed=2)
    assert poll(store, s).pages == 2
    assert feed_of(store, url)["fulltext_clear_below"] is None  # more pages to fetch
    r = poll(store, s, all_feeds=True)
    assert (r.not_modified, r.pages) == (1, 2)
    assert poll(store, s, all_feeds=True).pages == 1
    assert poll(store, s, all_feeds=True).pages == 0  # the look-up finds nothing: remembered
    assert feed_of(store, url)["fulltext_clear_below"] == s.fulltext_min_chars
    hits = dict(srv.hits)
    assert poll(store, s, all_feeds=True).not_modified == 1
    assert {k: v for k, v in srv.hits.items() if k.startswith("/s")} == {k: v for k, v in hits.items() if k.startswith("/s")}
    # a higher threshold is not covered by what was checked
    assert poll(store, replace(s, fulltext_min_chars=10_000), all_feeds=True).pages == 0
    assert feed_of(store, url)["fulltext_clear_below"] == 10_000
    # new entries make the feed checked again
    srv.route("/s5", page + "<p>story 5</p></article></body></html>", content_type="text/html")
    its.append({"title": "S5", "link": srv.url("/s5"), "guid": "s5", "description": "teaser 5"})
    srv.route("/f.xml", rss("F", its), etag='"v2"')
    r = poll(store, s, all_feeds=True)
    assert (r.new, r.pages) == (1, 1)


def test_old_channel_file_gains_the_new_column(tmp_path):
    db = sqlite3.connect(tmp_path / "old.sqlite", isolation_level=None)
    db.execute("CREATE TABLE feeds(id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, added_url TEXT, title TEXT,"
               " site_url TEXT, status TEXT NOT NULL DEFAULT 'active', status_reason TEXT, etag TEXT,"
               " last_modified TEXT, interval_s INTEGER, added REAL NOT NULL, last_fetch REAL, last_success REAL,"
               " last_status INTEGER, last_error TEXT, last_error_at REAL, last_page_error TEXT,"
               " error_count INTEGER NOT NULL DEFAULT 0, next_fetch REAL)")
    db.execute("INSERT INTO feeds(url, added) VALUES('http://127.0.0.1/f.xml', 0)")
    store = ChannelStore(db)
    assert store.list_feeds()[0]["fulltext_clear_below"] is None


def test_fulltext_failure_recorded_not_fatal(srv, store, settings):
    url = srv.route("/f.xml", rss("F", [{"title": "S", "link": srv.url("/nope"), "guid": "s", "description": "teaser"}]))
    store.add_feed(url, "C")
    r = poll(store, replace(settings, fulltext=True))
    assert r.ok == 1
    f = feed_of(store, url)
    assert "404" in f["last_page_error"] and f["last_error"] is None


def test_channel_title_follows_feed_and_feed_in_two_channels(srv, store, settings):
    url = srv.route("/f.xml", rss("Opera Leaks » Cuba", items(1)))
    fid = store.add_feed(url, "cuba")
    store.link_feed("all", fid)
    poll(store, settings)
    assert store.get_channel("cuba")["display_title"] == "Opera Leaks » Cuba"
    assert set(store.feed_channels(fid)) == {"cuba", "all"}
    store.set_channel_title("all", "Everything")
    srv.route("/f.xml", rss("Opera Leaks » Cuba (new)", items(1)))
    poll(store, settings, all_feeds=True)
    assert store.get_channel("cuba")["display_title"] == "Opera Leaks » Cuba (new)"
    assert store.get_channel("all")["display_title"] == "Everything"


def test_remove_feed_keeps_articles_other_feeds_carry(srv, store, settings):
    a = srv.route("/a.xml", rss("A", items(2)))
    b = srv.route("/b.xml", rss("B", items(1)))
    store.add_feed(a, "A")
    store.add_feed(b, "B")
    poll(store, replace(settings, workers=1))
    assert store.counts()["articles"] == 2
    assert store.remove_feed(a)
    assert store.counts()["articles"] == 1 and store.channel_articles("B")[0] == 1
