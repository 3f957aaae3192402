"""Hostile feeds and servers, each polled beside two good feeds from the local test server
(tests/feedserver.py, 127.0.0.1 only): the hostile one alone ends with its own stored error (or,
where the document is odd but readable, is read safely and bounded), the good ones are read in
the same pass, and nothing is fetched from anywhere but 127.0.0.1.

Time limits are small here (``SETTINGS``: 3 s without a byte, 5 s for a whole request) so that
the trickle and timeout cases stay fast, yet not so small that a loaded machine makes a good
feed time out; the defaults and every limit are listed in docs/limits.md. The 2,107 odd and ill-formed files of
feedparser's own test corpus are polled the same way by tests/test_feeds_corpus.py.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import unescape

import pytest
from feedserver import FeedServer, LONG, rss

from cablebase.sources import http as http_mod
from cablebase.pipeline.poll import PollSettings, poll
from cablebase.sources.net import NetPolicy
from cablebase._store.channels import ChannelStore

MiB = 2**20
SETTINGS = PollSettings(
    net=NetPolicy(allow=("127.0.0.1",)), connect_timeout=3.0, read_timeout=3.0, request_timeout=5.0,
    max_body_bytes=2 * MiB, fulltext=False, prepare_workers=0, backoff_base_s=60.0,
)


def good_feed(name: str, n: int = 3) -> str:
    return rss(f"Good {name}", [{"title": f"{name} {i}", "link": f"http://127.0.0.1/{name}/{i}", "guid": f"{name}-{i}",
                                 "description": LONG + f"<p>{name} {i}</p>"} for i in range(n)])


def atom(entries: str, title: str = "Atom feed") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
            f'<id>urn:x</id><updated>2010-12-01T00:00:00Z</updated>{entries}</feed>').encode()


@dataclass
class Case:
    name: str
    setup: Callable[[FeedServer], str]
    """Registers the hostile route(s); returns the feed URL to subscribe to."""
    error: str | None = None
    """A stored error is expected, containing this (case-insensitive); None: the feed is read."""
    check: Callable[[ChannelStore, dict, FeedServer], None] | None = None
    settings: dict = field(default_factory=dict)
    max_seconds: float = 10.0


# --------------------------------------------------------------------------- the cases

def _bomb(srv: FeedServer) -> str:
    raw = gzip.compress(b"<rss>" + b" " * (200 * MiB) + b"</rss>", compresslevel=9)  # 200 MiB in ~200 KB
    assert len(raw) < MiB
    return srv.route("/bomb.xml", raw, headers={"Content-Encoding": "gzip"})


def _endless(srv: FeedServer) -> str:
    return srv.route("/endless.xml", stream_bytes=10**13)  # no Content-Length, never ends


def _trickle(srv: FeedServer) -> str:
    return srv.route("/trickle.xml", good_feed("trickle").encode(), drip=1.0)  # 1 byte/s


def _stall(srv: FeedServer) -> str:
    return srv.route("/stall.xml", good_feed("stall"), delay=30.0)  # no answer at all


def _redirect_loop(srv: FeedServer) -> str:
    srv.route("/loop-a.xml", status=302, headers={"Location": "/loop-b.xml"})
    return srv.route("/loop-b.xml", status=301, headers={"Location": srv.url("/loop-a.xml")})


def _redirect_to(target: str) -> Callable[[FeedServer], str]:
    def setup(srv: FeedServer) -> str:
        return srv.route(f"/to-{abs(hash(target))}.xml", status=302, headers={"Location": target})
    return setup


def _direct(url: str) -> Callable[[FeedServer], str]:
    return lambda srv: url


def _huge_length(srv: FeedServer) -> str:
    return srv.route("/huge.xml", good_feed("huge").encode(), declare_length=10 * 2**30)  # claims 10 GB


def _short_body(srv: FeedServer) -> str:
    # claims more than it sends, then holds the connection: a read timeout, never a half feed
    return srv.route("/short.xml", good_feed("short").encode(), declare_length=1_000_000)


def _huge_headers(srv: FeedServer) -> str:
    return srv.route("/headers.xml", good_feed("hdr"), headers={f"X-Junk-{i}": "x" * 1000 for i in range(200)})


def _invalid_utf8(srv: FeedServer) -> str:
    body = good_feed("bad-utf8").encode().replace(b"bad-utf8 0</title>", b"bad \xff\xfe\xc3( utf8 \xed\xa0\x80</title>")
    return srv.route("/invalid-utf8.xml", body)


def _latin1_labelled_utf8(srv: FeedServer) -> str:
    body = good_feed("latin").replace("latin 0</title>", "Ministério das Relações Exteriores</title>")
    return srv.route("/latin1.xml", body.encode("latin-1"))  # declares UTF-8 in the XML and the header


def _utf16_label_on_utf8(srv: FeedServer) -> str:
    body = good_feed("label").replace("label 0</title>", "Ação — São Paulo</title>").encode()
    return srv.route("/utf16-label.xml", body, content_type="application/rss+xml; charset=utf-16")


def _unknown_charset(srv: FeedServer) -> str:
    body = good_feed("charset").replace('encoding="UTF-8"', 'encoding="x-no-such-charset"').encode()
    return srv.route("/unknown-charset.xml", body, content_type="application/rss+xml; charset=x-no-such-charset")


def _billion_laughs(srv: FeedServer) -> str:
    ents = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                                      for i in range(1, 10)]
    body = ('<?xml version="1.0"?><!DOCTYPE rss [' + "".join(ents) + ']><rss version="2.0"><channel>'
            "<title>&lol9;</title><item><title>&lol9;</title><guid>laughs</guid><description>&lol9;</description>"
            "</item></channel></rss>")
    return srv.route("/laughs.xml", body)


def _xxe(srv: FeedServer) -> str:
    srv.route("/xxe-probe", "SECRET-FROM-PROBE", content_type="text/plain")
    body = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY file SYSTEM "file:///etc/passwd">'
            f'<!ENTITY net SYSTEM "{srv.url("/xxe-probe")}"><!ENTITY % pe SYSTEM "{srv.url("/xxe-probe")}"> %pe;]>'
            '<rss version="2.0"><channel><title>XXE</title><item><title>x &file; &net;</title><guid>xxe</guid>'
            "<description>&file; &net;</description></item></channel></rss>")
    return srv.route("/xxe.xml", body)


def _many_entries(srv: FeedServer) -> str:
    items = "".join(f"<item><title>entry {i}</title><guid>many-{i}</guid><link>http://127.0.0.1/m/{i}</link></item>"
                    for i in range(100_000))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>{items}</channel></rss>'
    return srv.route("/many.xml", body)


def _giant_entry(srv: FeedServer) -> str:
    body = rss("Giant", [{"title": "giant", "guid": "giant", "link": "http://127.0.0.1/giant",
                          "description": "<p>" + "A" * (50 * MiB) + "</p>"}])
    return srv.route("/giant.xml", body)


def _big_entry_within_limit(srv: FeedServer) -> str:
    body = rss("Big", [{"title": "big", "guid": "big", "link": "http://127.0.0.1/big",
                        "content": "<p>" + "word " * (1_000_000) + "</p>"}])  # 5 MB of content
    return srv.route("/big.xml", body)


def _duplicate_ids(srv: FeedServer) -> str:
    items = [{"title": f"dup {i}", "guid": "same-id", "link": f"http://127.0.0.1/dup/{i}",
              "description": LONG + f"<p>version {i}</p>"} for i in range(5)]
    items += [{"title": "no id", "link": "http://127.0.0.1/dup/x", "description": LONG} for _ in range(3)]
    return srv.route("/dups.xml", rss("Dups", items))


def _year_9999(srv: FeedServer) -> str:
    items = [
        {"title": "far future", "guid": "f1", "link": "http://127.0.0.1/f/1", "description": LONG,
         "pubDate": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"title": "year zero", "guid": "f2", "link": "http://127.0.0.1/f/2", "description": LONG,
         "pubDate": "Sat, 01 Jan 0000 00:00:00 GMT"},
        {"title": "nonsense", "guid": "f3", "link": "http://127.0.0.1/f/3", "description": LONG,
         "pubDate": "Mon, 99 Foo 99999999999 99:99:99 +9999"},
    ]
    return srv.route("/dates.xml", rss("Dates", items))


def _atom_9999(srv: FeedServer) -> str:
    e = ('<entry><id>urn:a{0}</id><title>atom {0}</title><updated>{1}</updated><published>{1}</published>'
         '<link href="http://127.0.0.1/a/{0}"/><summary>' + "text " * 60 + "</summary></entry>")
    return srv.route("/atom-dates.xml", atom(e.format(1, "9999-12-31T23:59:59Z") + e.format(2, "+275760-09-13T00:00:00Z")
                                             + e.format(3, "0001-01-01T00:00:00-23:59")),
                     content_type="application/atom+xml")


def _not_a_feed(srv: FeedServer) -> str:
    return srv.route("/binary.xml", bytes(range(256)) * 1000, content_type="application/octet-stream")


def _empty(srv: FeedServer) -> str:
    return srv.route("/empty.xml", b"")


# --------------------------------------------------------------------------- checks

def _titles(store: ChannelStore, feed: dict) -> list[str]:
    rows = store.db.execute(
        "SELECT a.title FROM articles a JOIN feed_entries e ON e.article_id = a.id WHERE e.feed_id = ?", (feed["id"],))
    return [r[0] or "" for r in rows]


def _clean_text(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
    titles = _titles(store, feed)
    assert titles
    for t in titles:
        t.encode("utf-8")  # no lone surrogates made it into the archive


def _recoded(expect: str) -> Callable:
    def check(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
        _clean_text(store, feed, srv)
        assert any(expect in t for t in _titles(store, feed)), _titles(store, feed)
    return check


def _no_expansion(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
    total = store.db.execute("SELECT coalesce(sum(length(coalesce(text, '')) + length(coalesce(title, ''))), 0)"
                             " FROM articles").fetchone()[0]
    assert total < 2 * MiB  # a billion "lol"s would be 3 GB


def _no_external_entity(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
    assert srv.hits["/xxe-probe"] == 0  # never fetched by the parser
    for col in ("title", "text", "content", "summary"):
        for (v,) in store.db.execute(f"SELECT {col} FROM articles"):
            assert "root:" not in (v or "") and "SECRET-FROM-PROBE" not in (v or "")


def _capped_entries(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
    n = store.db.execute("SELECT count(*) FROM feed_entries WHERE feed_id = ?", (feed["id"],)).fetchone()[0]
    assert n == SETTINGS.limits.max_entries
    assert "100000 entries" in (feed["last_page_error"] or ""), feed  # the cut is said, not silent
    assert "max_entries" in feed["last_page_error"]


def _content_clipped(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
    (n,) = store.db.execute("SELECT max(length(content)) FROM articles a JOIN feed_entries e ON e.article_id = a.id"
                            " WHERE e.feed_id = ?", (feed["id"],)).fetchone()
    assert n is not None and n <= SETTINGS.limits.max_content_chars


def _one_article_per_id(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
    keys = [r[0] for r in store.db.execute("SELECT entry_key FROM feed_entries WHERE feed_id = ?", (feed["id"],))]
    assert len(keys) == len(set(keys)) == 2, keys  # "same-id" once, the id-less repeats once
    r = poll(store, SETTINGS, all_feeds=True)
    assert r.new == 0 and r.errors == 0  # and a rerun adds nothing


def _dates_bounded(store: ChannelStore, feed: dict, srv: FeedServer) -> None:
    rows = store.db.execute("SELECT a.published, a.sort_key FROM articles a JOIN feed_entries e ON e.article_id = a.id"
                            " WHERE e.feed_id = ?", (feed["id"],)).fetchall()
    assert len(rows) == 3
    now = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))
    for _published, sort_key in rows:
        assert sort_key <= now  # a date in 9999 does not pin an article to the top of its channel
    _, arts = store.channel_articles("hostile", all=True)
    assert len(arts) == 3


SLOW_CPU = {"read_timeout": 10.0, "request_timeout": 20.0}
"""For the cases that keep this process's CPU busy (parsing in-process, ``prepare_workers=0``):
the test server's thread waits for the GIL meanwhile, and a good neighbour must not time out."""

CASES = [
    Case("gzip bomb", _bomb, error="-byte limit (max_body_bytes", settings=SLOW_CPU),
    Case("endless body", _endless, error="-byte limit (max_body_bytes; cut while reading)"),
    Case("1 byte/s trickle", _trickle, error="took longer than 5 s (request_timeout)"),
    Case("no answer", _stall, error="nothing read for 3 s (read_timeout)"),
    Case("redirect loop", _redirect_loop, error="more than 5 redirects (max_redirects)"),
    Case("redirect to link-local (cloud metadata)", _redirect_to("http://169.254.169.254/latest/meta-data/"),
         error="non-public address 169.254.169.254"),
    Case("redirect to private", _redirect_to("http://10.0.0.1/feed"), error="non-public address 10.0.0.1"),
    Case("redirect to loopback ::1", _redirect_to("http://[::1]:6379/"), error="non-public address ::1"),
    Case("redirect to mapped IPv6", _redirect_to("http://[::ffff:192.168.1.1]/"), error="non-public address"),
    Case("redirect to hex-obfuscated loopback", _redirect_to("http://0x7f000002/"), error="non-public address 127.0.0.2"),
    Case("redirect to file:", _redirect_to("file:///etc/passwd"), error="scheme 'file' not allowed"),
    Case("redirect to ftp:", _redirect_to("ftp://127.0.0.1/feed.xml"), error="scheme 'ftp' not allowed"),
    Case("redirect with credentials", _redirect_to("http://user:pw@127.0.0.1/"), error="credentials in URL"),
    Case("feed on a private address", _direct("http://192.168.0.1/feed.xml"), error="non-public address 192.168.0.1"),
    Case("feed on gopher:", _direct("gopher://127.0.0.1:70/"), error="scheme 'gopher' not allowed"),
    Case("10 GB Content-Length", _huge_length, error="body of 10737418240 bytes is over the 2097152-byte limit (max_body_bytes)"),
    Case("body shorter than its Content-Length", _short_body, error="nothing read for 3 s (read_timeout)"),
    Case("200 KB of headers", _huge_headers, error="response head over 65536 bytes (max_head_bytes)"),
    Case("invalid UTF-8", _invalid_utf8, check=_clean_text),
    Case("latin-1 labelled UTF-8", _latin1_labelled_utf8, check=_recoded("Relações")),
    Case("UTF-8 labelled UTF-16", _utf16_label_on_utf8, check=_recoded("São Paulo")),
    Case("unknown charset", _unknown_charset, check=_clean_text),
    Case("billion laughs", _billion_laughs, check=_no_expansion),
    Case("external entities (XXE)", _xxe, check=_no_external_entity),
    Case("100,000 entries", _many_entries, check=_capped_entries, settings={**SLOW_CPU, "max_body_bytes": 16 * MiB},
         max_seconds=30),
    Case("an entry of 50 MB", _giant_entry, error="-byte limit (max_body_bytes", settings={**SLOW_CPU, "max_body_bytes": 15 * MiB}),
    Case("an entry of 5 MB within the body limit", _big_entry_within_limit, check=_content_clipped,
         settings={**SLOW_CPU, "max_body_bytes": 15 * MiB}),
    Case("duplicated ids", _duplicate_ids, check=_one_article_per_id),
    Case("dates in the year 9999", _year_9999, check=_dates_bounded),
    Case("Atom dates in 9999 and beyond", _atom_9999, check=_dates_bounded),
    Case("binary noise", _not_a_feed, error="not a feed"),
    Case("empty body", _empty, error="empty body"),
]


@pytest.fixture()
def srv():
    s = FeedServer()
    s.httpd.handle_error = lambda *a: None  # clients that give up reset connections: expected here
    yield s
    s.close()


@pytest.fixture()
def connections(monkeypatch):
    """Every (host, port) the poller opens a connection to."""
    opened: list[tuple[str, int]] = []
    real = http_mod.Client._open

    async def spy(self, u):
        opened.append((u.host, u.port))
        return await real(self, u)

    monkeypatch.setattr(http_mod.Client, "_open", spy)
    return opened


def _poll_with_neighbours(srv: FeedServer, case: Case) -> tuple[ChannelStore, dict, list[dict], float]:
    store = ChannelStore(sqlite3.connect(":memory:", isolation_level=None))
    good = [srv.route(f"/good-{i}.xml", good_feed(f"good{i}")) for i in range(2)]
    hostile = case.setup(srv)
    store.add_feed(good[0], "good")
    store.add_feed(hostile, "hostile")
    store.add_feed(good[1], "good")
    settings = replace(SETTINGS, **case.settings)
    t = time.perf_counter()
    r = poll(store, settings)
    took = time.perf_counter() - t
    assert r.feeds == 3, r.results
    assert not any(x.crashed for x in r.results), [(x.url, x.error) for x in r.results]
    feeds = {f["url"]: f for f in store.list_feeds()}
    h = feeds.get(hostile) or next(f for f in feeds.values() if f["added_url"] == hostile)
    others = [feeds[u] for u in good]
    return store, h, others, took


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_one_hostile_feed_among_good_ones(srv, connections, case: Case):
    store, h, others, took = _poll_with_neighbours(srv, case)
    for f in others:  # the neighbours are read in the same pass
        assert f["last_status"] == 200 and f["last_error"] is None and f["entries"] == 3, (f["last_error"], took)
    if case.error is not None:
        assert h["last_error"], f"{case.name}: no error stored: {h}"
        assert case.error.lower() in h["last_error"].lower(), h["last_error"]
        assert h["error_count"] == 1 and h["next_fetch"] > time.time() + 30  # backs off
    else:
        assert h["last_error"] is None, h["last_error"]
        assert h["last_status"] == 200
    if case.check:
        case.check(store, h, srv)
    assert took < case.max_seconds, f"{case.name}: the pass took {took:.1f} s"
    assert {host for host, _ in connections} <= {"127.0.0.1"}, connections  # nothing else was ever contacted


def test_every_hostile_feed_in_one_pass(srv, connections):
    """All the cases at once (those that fit the same settings): each feed gets its own outcome."""
    store = ChannelStore(sqlite3.connect(":memory:", isolation_level=None))
    cases = [c for c in CASES if not c.settings]
    urls = {}
    good = [srv.route(f"/good-{i}.xml", good_feed(f"good{i}")) for i in range(3)]
    for i, c in enumerate(cases):
        urls[c.name] = c.setup(srv)
        store.add_feed(urls[c.name], "hostile")
        if i % 10 == 0:
            store.add_feed(good[i // 10], "good")
    t = time.perf_counter()
    r = poll(store, SETTINGS)
    took = time.perf_counter() - t
    assert r.feeds == len(cases) + 3 and not any(x.crashed for x in r.results)
    feeds = {f["url"]: f for f in store.list_feeds()}
    for u in good:
        assert feeds[u]["last_error"] is None and feeds[u]["entries"] == 3
    for c in cases:
        f = feeds.get(urls[c.name]) or next(x for x in feeds.values() if x["added_url"] == urls[c.name])
        if c.error:  # its own error (which one may differ here: 30 servers share this process's CPU)
            assert f["last_error"], c.name
        else:
            assert f["last_error"] is None, (c.name, f["last_error"])
    assert took < 20, took
    assert {host for host, _ in connections} <= {"127.0.0.1"}


def test_feed_list_and_the_web_show_each_hostile_feeds_error(srv, tmp_path, monkeypatch):
    """What a user sees: ``cablebase poll`` names each failing feed and its cause, ``feed list``
    shows it per feed (text and JSON), and so does the channel page of ``cablebase serve``."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from cablebase.cli import app
    from cablebase.config import Settings
    from cablebase.web.app import create_app
    from cablebase import WebSettings

    db = tmp_path / "archive"
    monkeypatch.setenv("CABLEBASE_NET_ALLOW", "127.0.0.1")
    monkeypatch.setenv("CABLEBASE_DB", str(db))
    runner = CliRunner()
    quick = [c for c in CASES if c.name in (
        "gzip bomb", "redirect loop", "redirect to link-local (cloud metadata)", "redirect to file:",
        "10 GB Content-Length", "binary noise", "invalid UTF-8")]
    urls = {c.name: c.setup(srv) for c in quick}
    good = srv.route("/good.xml", good_feed("good"))
    for u in [good, *urls.values()]:
        r = runner.invoke(app, ["feed", "add", u, "--channel", "hostile", "--no-fetch"])
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["poll"])
    assert r.exit_code == 1 and r.exception is None or isinstance(r.exception, SystemExit), (r.output, r.exception)
    listing = runner.invoke(app, ["feed", "list"]).output
    rows = {x["url"]: x for x in json.loads(runner.invoke(app, ["feed", "list", "--json"]).output)}
    assert rows[good]["last_error"] is None and rows[good]["entries"] == 3
    for c in quick:
        row = rows[urls[c.name]]
        if c.error:  # default limits here: the cause is the same, the numbers may differ
            gist = c.error.split("(")[-1].rstrip(")") if "(" in c.error else c.error
            assert gist.lower() in row["last_error"].lower() and row["error_count"] == 1, row
            assert row["last_error"] in r.output and urls[c.name] in r.output  # what `poll` printed
            assert f"last error: {row['last_error']} (1 in a row)" in listing
        else:
            assert row["last_error"] is None and row["last_status"] == 200
    with TestClient(create_app(Settings.load(db), WebSettings()), raise_server_exceptions=False) as web:
        page = web.get("/channel/hostile")
        assert page.status_code == 200
        for c in quick:
            if c.error:
                assert f"last error: {rows[urls[c.name]]['last_error']}" in unescape(page.text), c.name


def test_a_queue_of_slow_feeds_on_one_host_does_not_time_out_the_others(srv):
    """``per_host`` requests run at once on a host; the others wait their turn, and that wait
    is not counted against their ``request_timeout`` (before: every feed queued behind slow
    ones failed with 'took longer than N s' although its server answered at once)."""
    store = ChannelStore(sqlite3.connect(":memory:", isolation_level=None))
    slow = [srv.route(f"/slow{i}.xml", good_feed(f"slow{i}"), delay=1.0) for i in range(8)]
    fast = [srv.route(f"/fast{i}.xml", good_feed(f"fast{i}")) for i in range(4)]
    for u in slow + fast:
        store.add_feed(u, "c")
    r = poll(store, replace(SETTINGS, per_host=2, request_timeout=3.0, read_timeout=2.5, workers=12))
    assert r.ok == 12 and r.errors == 0, [(x.url, x.error) for x in r.results if x.error]
