"""The channel / feed / poll commands end to end, against a local HTTP server."""

from __future__ import annotations

import json
from html import escape

import pytest
from typer.testing import CliRunner

from cablebase.cli import app
from feedserver import LONG, rss



@pytest.fixture()
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("CABLEBASE_NET_ALLOW", "127.0.0.1")
    monkeypatch.setenv("CABLEBASE_DB", str(tmp_path / "archive"))
    runner = CliRunner()

    def go(*args, ok=True):
        r = runner.invoke(app, list(args))
        if ok:
            assert r.exit_code == 0, (r.output, r.exception)
        return r

    return go


def test_channel_feed_poll_show(srv, run):
    its = [{"title": f"Post {i}", "link": f"http://127.0.0.1/p{i}", "guid": f"p{i}",
            "pubDate": f"Mon, 0{i + 1} Feb 2010 10:00:00 GMT",
            "description": LONG + (f"<p>Cable 09BRASILIA13{i}5 says.</p>" if i % 2 == 0 else ""),
            "raw": f'<enclosure url="http://127.0.0.1/img{i}.jpg" type="image/jpeg" length="1"/>'}
           for i in range(5)]
    feed = srv.route("/blog/category/cuba/feed/", rss("Opera Leaks » Cuba", its))
    page = srv.route("/blog/", '<html><head><link rel="alternate" type="application/rss+xml" '
                     'href="/blog/category/cuba/feed/"></head><body>blog</body></html>', content_type="text/html")
    r = run("feed", "add", page)
    assert "Opera Leaks » Cuba" in r.output and "found on" in r.output
    run("channel", "add", "all")
    run("feed", "add", feed, "--channel", "all")
    r = run("poll")
    assert "5 new" in r.output
    r = run("channel", "show", "Opera Leaks » Cuba", "--per-page", "2")
    assert "Browse all 5" in r.output and "page 1 of 3" in r.output
    assert r.output.index("Post 4") < r.output.index("Post 3")  # latest first
    r = run("channel", "show", "all", "--all", "--json")
    arts = json.loads(r.output)
    assert len(arts) == 5
    assert {"url", "title", "published", "language", "images", "cables"} <= set(arts[0])
    assert arts[0]["title"] == "Post 4" and arts[0]["cables"] == [
        {"ref_id": "09BRASILIA1345", "kind": "cites", "offset": arts[0]["cables"][0]["offset"],
         "snippet": arts[0]["cables"][0]["snippet"]}]
    assert arts[0]["images"] == [{"url": "http://127.0.0.1/img4.jpg", "kind": "enclosure"}]
    r = run("channel", "images", "all")
    assert "Latest Images (5)" in r.output
    r = run("feed", "list")
    assert "status: active" in r.output and "next fetch" in r.output
    r = run("poll", "--all", "--json")
    assert json.loads(r.output)["same"] == 5


def test_feed_list_shows_errors_and_410(srv, run):
    bad = srv.route("/bad.xml", status=500, body=b"x")
    gone = srv.route("/gone.xml", status=410, body=b"x")
    run("feed", "add", bad, "--channel", "c", "--no-fetch")
    run("feed", "add", gone, "--channel", "c", "--no-fetch")
    assert run("poll", ok=False).exit_code == 1  # a feed failed: the exit status says so
    r = run("feed", "list", "--json")
    rows = {x["url"]: x for x in json.loads(r.output)}
    assert rows[bad]["last_error"] == "HTTP 500" and rows[bad]["status"] == "active"
    assert rows[gone]["status"] == "gone"
    r = run("feed", "list")
    assert "last error: HTTP 500" in r.output and "status: gone" in r.output
    run("feed", "enable", gone)
    run("feed", "remove", bad)
    assert bad not in run("feed", "list").output


def test_feed_add_refuses_unsafe_and_unreachable(run, monkeypatch):
    monkeypatch.setenv("CABLEBASE_NET_ALLOW", "")
    r = run("feed", "add", "http://127.0.0.1:9/feed.xml", ok=False)
    assert r.exit_code == 1
    r = run("feed", "add", "file:///etc/passwd", ok=False)
    assert r.exit_code == 1


def test_opml_round_trip(srv, run, tmp_path):
    a = srv.route("/a.xml", rss("A", []))
    b = srv.route("/b.xml", rss("B", []))
    opml = tmp_path / "subs.opml"
    opml.write_text(f'''<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><opml version="2.0"><body>
<outline text="Cuba"><outline type="rss" text="A &amp; co" xmlUrl="{escape(a)}"/></outline>
<outline type="rss" text="B" xmlUrl="{escape(b)}"/>
<outline type="rss" text="evil" xmlUrl="javascript:alert(1)"/>
</body></opml>''')
    r = run("feed", "import", str(opml))
    assert "2 feeds imported" in r.output
    r = run("channel", "list", "--json")
    assert {c["name"] for c in json.loads(r.output)} == {"Cuba", "B"}
    out = tmp_path / "out.opml"
    run("feed", "export", "-o", str(out))
    text = out.read_text()
    assert a in text and b in text and 'text="Cuba"' in text
    from cablebase.parse.subscriptions import parse_opml

    assert {(f.url, f.channel) for f in parse_opml(out.read_bytes())} == {(a, "Cuba"), (b, "B")}


def test_empty_states_say_what_to_do_next(run):
    r = run("channel", "list")
    assert "no channel yet" in r.output and "cablebase feed add" in r.output
    r = run("feed", "list")
    assert "no feed yet" in r.output
    run("channel", "add", "Empty")
    r = run("channel", "show", "Empty")
    assert "no article yet" in r.output and "cablebase poll" in r.output
    r = run("entity", "list")
    assert "cablebase enrich" in r.output


LOCAL_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local Leaks</title><link>http://example.org/</link>
<item><title>Cable on the ferry</title><link>http://example.org/1</link><guid>1</guid>
<description>The cable 09BRASILIA1112 says the ferry will run.</description></item>
</channel></rss>
"""


def test_a_feed_file_on_disk_is_polled_like_any_feed(run, tmp_path):
    f = tmp_path / "local.xml"
    f.write_text(LOCAL_FEED, encoding="utf-8")
    r = run("feed", "add", str(f))
    assert "file://" in r.output and "Local Leaks" in r.output
    first = json.loads(run("poll", "--json").output)
    assert (first["new"], first["errors"]) == (1, 0)
    again = json.loads(run("poll", "--all", "--json").output)
    assert (again["new"], again["not_modified"]) == (0, 1)  # same time and size: not read again
    f.write_text(LOCAL_FEED.replace("</channel>", "<item><title>Second</title><guid>2</guid>"
                                    "<description>More.</description></item></channel>"), encoding="utf-8")
    third = json.loads(run("poll", "--all", "--json").output)
    assert third["new"] == 1
    shown = run("channel", "show", "Local Leaks").output
    assert "09BRASILIA1112" in shown


def test_only_the_local_user_subscribes_to_files(tmp_path):
    from cablebase import CablebaseError, open_archive

    secret = tmp_path / "secret.xml"
    secret.write_text(LOCAL_FEED, encoding="utf-8")
    with open_archive(tmp_path / "db") as archive:  # what the web API and feeds go through
        with pytest.raises(CablebaseError):
            archive.add_feed(secret.as_uri())
        assert archive.channels.list_feeds() == []
