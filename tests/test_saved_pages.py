"""Pages saved on disk as sources (``cablebase feed add PATH``, ``parse.saved_page``): a feed
aggregator's channel page becomes its channel, a news article page an article in its site's
channel; both are polled like a feed file (re-read only when the file's time or size changed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cablebase import CablebaseError, open_archive
from cablebase.cli import app
from cablebase.parse.saved_page import read_saved_page

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "seed" / "opera-leaks-cuba-channel.txt"

CHANNEL_PAGE = """Quantcast
Channel: Opera Leaks » Gondor
Viewing all articles
Browse latest Browse all 8

{title}

$
0
0

Leia aqui a matéria sobre esse documento

Reference ID: {ref}

Created: 2009-03-14 15:45

Released: 2011-05-25 20:30

Classification: CONFIDENTIAL

¶1.  (C)  The ferry to Gondor will run again in April, the minister said.  End.

Viewing all articles
Browse latest Browse all 8

Latest Images
"""

ARTICLE_PAGE = """<!DOCTYPE html>
<!-- saved from url=(0052)https://www.gondor-news.example/2011/06/ferry-cable -->
<html lang="pt"><head><meta charset="utf-8">
<title>Telegrama mostra o ferry de Gondor | Gondor News</title>
<meta property="og:site_name" content="{site}">
<meta property="og:title" content="Telegrama mostra o ferry de Gondor">
<meta property="article:published_time" content="2011-06-01T12:30:00-03:00">
<meta name="author" content="Ana Escritora">
{canonical}
</head><body>
<nav><a href="/">Início</a> <a href="/mundo">Mundo</a></nav>
<article><h1>Telegrama mostra o ferry de Gondor</h1>
<p>O telegrama 09BRASILIA1112, enviado pela embaixada em março de 2009, mostra que o governo
pediu ajuda aos Estados Unidos para retomar a linha de ferry entre os dois portos.</p>
<p>Segundo o documento, o ministro disse ao embaixador que a linha voltaria a funcionar em
abril, e que a obra do porto seria paga com recursos do orçamento federal.</p>
<p>Veja o <a href="https://cablegate.wikileaks.org/cable/2009/03/09BRASILIA1112.html">despacho</a>.</p>
</article>
<footer>© Gondor News — todos os direitos reservados</footer>
</body></html>
"""


@pytest.fixture()
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("CABLEBASE_DB", str(tmp_path / "archive"))
    runner = CliRunner()

    def go(*args, ok=True):
        r = runner.invoke(app, list(args))
        if ok:
            assert r.exit_code == 0, (r.output, r.exception)
        return r

    return go


def _poll(run) -> dict:
    return json.loads(run("poll", "--all", "--json").output)


def _feed(db: Path) -> dict:
    with open_archive(db, create=False) as a:
        [f] = a.channels.list_feeds()
        return f


def test_a_saved_channel_page_is_its_channel_polled_like_a_feed(run, tmp_path):
    page = tmp_path / "gondor-channel.txt"
    page.write_text(CHANNEL_PAGE.format(title="Despacho revela temor de Gondor", ref="09BRASILIA412"), encoding="utf-8")
    r = run("feed", "add", str(page))
    assert "'Opera Leaks » Gondor'" in r.output and "saying its channel has 8 articles" in r.output
    first = _poll(run)
    assert (first["new"], first["errors"], first["embedded"]) == (1, 0, 1)
    shown = run("channel", "show", "Opera Leaks » Gondor").output
    assert "Despacho revela temor de Gondor" in shown and "09BRASILIA412 (embeds)" in shown
    assert "1 article of the 8 articles the page announces" in _feed(tmp_path / "archive")["status_reason"]
    again = _poll(run)
    assert (again["new"], again["updated"], again["not_modified"]) == (0, 0, 1)  # not read again
    os.utime(page, ns=(page.stat().st_mtime_ns + 10**9,) * 2)  # touched, same post: read, nothing added
    touched = _poll(run)
    assert (touched["not_modified"], touched["new"], touched["updated"]) == (0, 0, 0)
    page.write_text(CHANNEL_PAGE.format(title="Outro despacho de Gondor", ref="09BRASILIA413"), encoding="utf-8")
    later = _poll(run)  # the aggregator's page saved again, showing its next post
    assert (later["new"], later["embedded"]) == (1, 1)
    assert "2 articles of the 8 articles the page announces" in _feed(tmp_path / "archive")["status_reason"]
    listed = run("channel", "list").output
    assert "Opera Leaks » Gondor\tOpera Leaks » Gondor\t1 feeds\t2 articles" in listed


def test_a_saved_news_article_page_is_an_article_of_its_sites_channel(run, tmp_path):
    page = tmp_path / "ferry.html"
    url = "https://www.gondor-news.example/2011/06/ferry-cable"
    page.write_text(ARTICLE_PAGE.format(site="Gondor News", canonical=f'<link rel="canonical" href="{url}">'),
                    encoding="utf-8")
    r = run("feed", "add", page.as_uri())  # a file: URL
    assert "'Gondor News'" in r.output and "an article page saved on disk" in r.output
    assert _poll(run)["new"] == 1
    [art] = json.loads(run("channel", "show", "Gondor News", "--json").output)
    assert art["title"] == "Telegrama mostra o ferry de Gondor" and art["url"] == url
    assert art["published"].startswith("2011-06-01T15:30:00") and art["author"] == "Ana Escritora"
    assert art["language"] == "pt" and [c["ref_id"] for c in art["cables"]] == ["09BRASILIA1112"]
    assert _poll(run)["not_modified"] == 1
    assert "1 article; read again" in _feed(tmp_path / "archive")["status_reason"]


def test_an_article_page_without_a_site_name_is_named_after_its_host_or_file() -> None:
    page = read_saved_page(ARTICLE_PAGE.format(site="", canonical="").encode(), "file:///tmp/ferry.html")
    assert page.kind == "article page" and page.channel == "gondor-news.example"  # from "saved from url"
    assert page.entry.link == "https://www.gondor-news.example/2011/06/ferry-cable"
    bare = ARTICLE_PAGE.format(site="", canonical="").replace("<!-- saved from", "<!-- from")
    page = read_saved_page(bare.replace(" | Gondor News", "").encode(), "file:///tmp/o%20ferry.html")
    assert page.channel == "o ferry" and page.entry.link is None and page.entry.id


@pytest.mark.parametrize("content", [
    b"Just some notes about the weather.\nNothing to see here.\n",
    b"<html><body><h1>News</h1><p>The minister spoke.</p></body></html>",  # too little to be an article
])
def test_a_file_that_is_neither_feed_nor_saved_page_is_refused(run, tmp_path, content):
    f = tmp_path / "notes.html"
    f.write_bytes(content)
    r = run("feed", "add", str(f), ok=False)
    assert r.exit_code == 1 and "neither a feed nor a saved" in r.output
    assert "no feed yet" in run("feed", "list").output


def test_saved_pages_stay_a_local_users_source(tmp_path):
    page = tmp_path / "gondor-channel.txt"
    page.write_text(CHANNEL_PAGE.format(title="Despacho", ref="09BRASILIA412"), encoding="utf-8")
    opml = (f'<?xml version="1.0"?><opml version="2.0"><body><outline type="rss" text="x" '
            f'xmlUrl="{page.as_uri()}"/></body></opml>').encode()
    with open_archive(tmp_path / "db") as archive:  # what the web API and OPML import go through
        with pytest.raises(CablebaseError):
            archive.add_feed(page.as_uri())
        assert archive.import_opml(opml)[0] == 0
        assert archive.channels.list_feeds() == []


@pytest.mark.skipif(not SEED.is_file(), reason=f"corpus absent: no seed page at {SEED}")
def test_the_seed_page_on_disk_is_the_opera_leaks_cuba_channel(run, tmp_path):
    r = run("feed", "add", str(SEED))
    assert "'Opera Leaks » Cuba'" in r.output
    first = _poll(run)
    assert (first["new"], first["errors"]) == (1, 0)
    [art] = json.loads(run("channel", "show", "Opera Leaks » Cuba", "--json").output)
    assert art["title"].startswith("Despacho revela temor do México")
    assert {(c["ref_id"], c["kind"]) for c in art["cables"]} == {("07MEXICO983", "embeds")}
    assert "1 article of the 8 articles the page announces" in _feed(tmp_path / "archive")["status_reason"]
    assert "Garcia Luna" in run("show", "07MEXICO983").output
    again = _poll(run)
    assert (again["new"], again["updated"], again["not_modified"]) == (0, 0, 1)


def test_a_channel_page_saved_as_html_is_read_as_the_text_one() -> None:
    html = ("<!DOCTYPE html><html><head><title>Opera Leaks » Gondor</title></head><body>"
            "<p>Channel: Opera Leaks » Gondor</p><p>Viewing all articles</p><p>Browse latest Browse all 8</p>"
            "<h2>Despacho revela temor de Gondor</h2><p>Leia aqui a matéria</p><p>Reference ID: 09BRASILIA412</p>"
            "<p>¶1. (C) The ferry will run.</p><p>Latest Images</p></body></html>")
    page = read_saved_page(html.encode(), "file:///tmp/gondor.html")
    assert (page.kind, page.channel, page.announced) == ("channel page", "Opera Leaks » Gondor", 8)
    assert page.entry.title == "Despacho revela temor de Gondor"
    assert "09BRASILIA412" in page.entry.content and "Latest Images" not in page.entry.content
