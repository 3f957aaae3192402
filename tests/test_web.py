"""The web archive without a browser: pages, JSON forms, Atom feeds, exports, safety, writes.

One small archive is built per module from the corpus (a few cablegate-2010 pages whose REF
lines name each other, the seed page, the alx text of 07MEXICO983 as a second version) plus
two channels polled from a local feed server: the seed channel and a hostile article.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from urllib.parse import quote

import feedparser
import orjson
import pytest
from lxml import html as lhtml

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import support  # noqa: E402

from cablebase.config import Settings  # noqa: E402
from cablebase.web.app import create_app  # noqa: E402
from cablebase import WebSettings  # noqa: E402

pytestmark = pytest.mark.skipif(not support.corpus_available(), reason="corpus not available")

TOKEN = "t0ken-for-the-tests-only-0123456789"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    d = tmp_path_factory.mktemp("webarchive")
    facts = support.build_archive(d, [support.CABLES_2010 / p for p in support.SMALL_SET])
    # the seed post is in the archive already (its saved channel page was ingested): the poll merges it
    assert facts["poll_errors"] == 0 and facts["poll_new"] + facts["poll_merged"] == 2
    return d, facts


@pytest.fixture(scope="module")
def client(archive):
    from fastapi.testclient import TestClient

    app = create_app(Settings.load(archive[0]), WebSettings())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def doc(r):
    return lhtml.fromstring(r.text)


def text(el) -> str:
    return " ".join(el.text_content().split())


SEED = quote(support.SEED_CHANNEL, safe="")


# -- pages ----------------------------------------------------------------------------------------
def test_home(client):
    r = client.get("/")
    assert r.status_code == 200
    t = doc(r)
    assert t.xpath("//form[@action='/search']//input[@name='q']")
    assert any("07MEXICO983" in text(a) for a in t.xpath("//a"))
    assert t.xpath(f"//a[@href='/channel/{SEED}']")
    j = client.get("/index.json").json()
    assert j["counts"]["cables"] >= 7 and j["counts"]["articles"] == 2 and j["counts"]["channels"] == 2


def test_cable_page_metadata_paragraphs_and_links(client):
    r = client.get("/cable/07MEXICO983")
    assert r.status_code == 200
    t = doc(r)
    heads = [text(th) for th in t.xpath("//table[@id='metadata']//th")]
    assert heads == ["Reference ID", "Created", "Released", "Classification", "Origin"]
    cells = [text(td) for td in t.xpath("//table[@id='metadata']//td")]
    assert cells[0] == "07MEXICO983" and cells[1].startswith("2007-02-27")
    assert "UNCLASSIFIED//FOR OFFICIAL USE ONLY" in cells[3] and cells[4] == "Embassy Mexico"
    assert cells[2].startswith("2011-05-25")  # from the seed's version: the fuller one has no Released
    par10 = t.xpath("//div[@id='par10']")[0]
    assert par10.xpath("ancestor::section[1]/h3")[0].text_content().strip() == "Cuba"
    assert par10.xpath(".//a[@class='parlink']/@href") == ["#par10"]
    assert "(SBU)" in text(par10)
    assert t.xpath("//aside[@id='summary']") and t.xpath("//span[@class='comment']")
    assert [text(a) for a in t.xpath("//dd[@id='tags']/a")][:2] == ["PREL", "PGOV"]
    assert t.xpath("//dd[@id='tags']/a/@href")[0] == "/tag/PREL"
    arts = t.xpath("//section[@id='articles']//a")
    assert any("Despacho revela" in text(a) for a in arts)
    srcs = t.xpath("//section[@id='sources']//tbody/tr")
    assert len(srcs) == 3  # the alx text, the seed page, the polled post (its embedded copy)


def test_ref_links_and_cited_by(client):
    t = doc(client.get("/cable/05MADRID1626"))
    refs = t.xpath("//ul[@id='refs']/li")
    assert refs
    linked = t.xpath("//ul[@id='refs']//a[@class='ref']")
    assert "/cable/05MADRID1604" in [a.get("href") for a in linked]
    missing = [text(li) for li in refs if li.xpath(".//span[contains(@class,'missing')]")]
    assert all("not in archive" in m for m in missing)
    t2 = doc(client.get("/cable/05MADRID1604"))
    assert "/cable/05MADRID1626" in t2.xpath("//section[@id='cited-by']//a/@href")


def test_cable_addresses_redirect(client):
    r = client.get("/cable/2007/02/07MEXICO983.html", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/cable/07MEXICO983"
    r = client.get("/cable/07mexico983", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/cable/07MEXICO983"


def test_unknown_ref_404_with_suggestions(client):
    r = client.get("/cable/07MEXICO98")
    assert r.status_code == 404
    t = doc(r)
    assert "/cable/07MEXICO983" in t.xpath("//ul[@class='suggestions']//a/@href")
    assert "Traceback" not in r.text
    j = client.get("/cable/07MEXICO98.json")
    assert j.status_code == 404 and j.json()["suggestions"][0]["ref_id"] == "07MEXICO983"


def test_json_forms_match(client):
    a = client.get("/cable/07MEXICO983.json").json()
    b = client.get("/api/cables/07MEXICO983").json()
    assert a == b
    assert a["record"]["ref_id"] == "07MEXICO983" and len(a["record"]["paragraphs"]) == 16
    assert {s["form"] for s in a["sources"]} >= {"article", "telegram"}
    assert {x["kind"] for x in a["articles"]} == {"embeds", "cites"}  # the seed post, the hostile one
    assert client.get("/browse/origin.json").json()["values"]
    assert client.get(f"/channel/{SEED}.json").json()["total"] == 1


def test_diff_word_by_word(client):
    srcs = client.get("/cable/07MEXICO983.json").json()["sources"]
    a, b = srcs[1]["id"], srcs[0]["id"]
    r = client.get(f"/cable/07MEXICO983/diff?a={a}&b={b}")
    assert r.status_code == 200
    t = doc(r)
    assert t.xpath("//table[contains(@class,'diff')]//tr[@class='identical']")
    j = client.get(f"/api/cables/07MEXICO983/diff?a={a}&b={b}").json()
    assert j["paragraphs"] and not j["same"] and j["summary"]["text"] in text(t.xpath("//p[@id='summary']")[0])
    raw = client.get(srcs[0]["raw_url"])
    assert raw.headers["content-type"].startswith("text/plain") and "sandbox" in raw.headers["content-security-policy"]


def test_browse_pages(client):
    t = doc(client.get("/browse/origin"))
    assert any(text(a) == "Embassy Madrid" for a in t.xpath("//a"))
    r = client.get("/origin/Embassy%20Madrid")
    assert r.status_code == 200 and "05MADRID1626" in r.text
    assert client.get("/tag/PREL").status_code == 200
    assert client.get("/tag/prel", follow_redirects=False).status_code == 301
    assert client.get("/classification/unclassified-for-official-use-only").status_code == 200
    assert client.get("/browse/created/2005-07").json if True else None
    j = client.get("/browse/created/2007-02.json").json()
    assert j["total"] >= 1 and j["cables"][0]["ref_id"] == "07MEXICO983"
    assert client.get("/browse/released").status_code == 200
    assert client.get("/browse/bogus").status_code == 404
    assert client.get("/tag/PREL_0.html", follow_redirects=False).headers["location"] == "/tag/PREL"


# -- search ---------------------------------------------------------------------------------------
def test_search_highlights_facets_and_refinement(client):
    r = client.get("/search?q=pseudoephedrine")
    assert r.status_code == 200
    t = doc(r)
    hits = t.xpath("//li[@class='hit']")
    assert hits and "07MEXICO983" in text(hits[0])
    assert [m.text_content().lower() for m in hits[0].xpath(".//mark")][0] == "pseudoephedrine"
    assert t.xpath("//details[@id='help']")
    j = client.get("/search.json?q=the").json()
    assert j["total"] >= 5 and set(j["facets"]) == {"origin", "year", "classification", "tag"}  # no entity facet before enrichment
    madrid = next(f for f in j["facets"]["origin"] if f["value"] == "Embassy Madrid")
    # the facet link on the page refines the query
    t = doc(client.get("/search?q=the"))
    href = next(a.get("href") for a in t.xpath("//section[@id='facet-origin']//a") if text(a) == "Embassy Madrid")
    assert "origin=Embassy+Madrid" in href and "q=the" in href
    j2 = client.get(href.replace("/search", "/search.json", 1)).json()
    assert j2["total"] == madrid["count"] and all(h["origin"] == "Embassy Madrid" for h in j2["hits"])
    newest = client.get("/search.json?q=the&sort=newest").json()["hits"]
    dates = [h["created"] for h in newest]
    assert dates == sorted(dates, reverse=True)


def test_search_bad_query_is_a_plain_400(client):
    r = client.get("/search?q=%28%28%28")
    assert r.status_code == 400 and "Traceback" not in r.text
    assert client.get("/search.json?q=%28%28%28").status_code == 400
    assert client.get("/search?sort=sideways").status_code == 400
    assert client.get("/search?page=abc").status_code == 400


# -- feeds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    f"/channel/{SEED}.atom", "/tag/PREL.atom", "/origin/Embassy%20Madrid.atom",
    "/classification/confidential.atom", "/search.atom?q=pseudoephedrine", "/search.atom",
    f"/channel/{quote(support.HOSTILE_CHANNEL, safe='')}.atom",
])
def test_atom_feeds_are_valid_with_stable_ids(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    f = feedparser.parse(r.content)
    assert not f.bozo, f.bozo_exception
    assert f.version == "atom10" and f.entries
    ids = [e.id for e in f.entries]
    assert all(i.startswith("urn:cablebase:") for i in ids) and len(set(ids)) == len(ids)
    again = feedparser.parse(client.get(url).content)
    assert [e.id for e in again.entries] == ids
    assert all(e.get("updated") for e in f.entries)


def test_channel_feed_entry_links_article_and_cable(client):
    f = feedparser.parse(client.get(f"/channel/{SEED}.atom").content)
    e = f.entries[0]
    assert e.title.startswith("Despacho revela")
    assert "/article/" in e.link and "07MEXICO983" in e.content[0].value


# -- export ---------------------------------------------------------------------------------------
def test_export_jsonl_and_csv(client):
    r = client.get("/api/export?format=jsonl")
    lines = [orjson.loads(l) for l in r.content.splitlines()]
    n = client.get("/index.json").json()["counts"]["cables"]
    assert len(lines) == n and lines == sorted(lines, key=lambda x: x["ref_id"])
    r = client.get("/api/export?format=csv&q=pseudoephedrine")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][0] == "ref_id" and [x[0] for x in rows[1:]] == ["07MEXICO983"]
    r = client.get("/api/export?format=jsonl&origin=Embassy+Madrid&sort=newest")
    assert all(orjson.loads(l)["origin"] == "Embassy Madrid" for l in r.content.splitlines())


def test_cli_export(archive, tmp_path):
    import typer
    from typer.testing import CliRunner

    from cablebase import cli_web

    app = typer.Typer()
    cli_web.register(app)
    out = tmp_path / "x.csv"
    res = CliRunner().invoke(app, ["export", "--format", "csv", "--db", str(archive[0]), "-q", "pseudoephedrine",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().splitlines()[1].startswith("07MEXICO983,")
    res = CliRunner().invoke(app, ["export", "--db", str(archive[0]), "--tag", "PREL"])
    assert res.exit_code == 0 and all("PREL" in orjson.loads(l)["tags"] for l in res.stdout.splitlines())


# -- safety ---------------------------------------------------------------------------------------
def test_hostile_article_is_defused(client, archive):
    aid = archive[1]["hostile_article_id"]
    for url in (f"/article/{aid}", f"/channel/{quote(support.HOSTILE_CHANNEL, safe='')}", "/"):
        r = client.get(url)
        assert r.status_code == 200
        low = r.text.lower()
        ours = '<script src="/static/htmx-2.0.11.min.js" defer></script>'
        assert low.count("<script") == low.count(ours) == 1  # our one static file, nothing else
        low = low.replace(ours, "")
        charts = '<svg xmlns="http://www.w3.org/2000/svg" class="chart '  # our own drawings (web/svg.py)
        assert low.count("<svg") == low.count(charts)  # no other SVG: none from the article
        assert "<script" not in low and "<iframe" not in low and "<object" not in low
        assert "onerror" not in low and "onload" not in low and "onclick" not in low and "onbegin" not in low
        assert "javascript:" not in low and "data:text" not in low and "<base" not in low and "<meta http" not in low
        assert "script-src 'self'" in r.headers["content-security-policy"]
        for el in doc(r).iter():
            for k, v in el.attrib.items():
                assert not k.lower().startswith("on") and "javascript" not in v.lower(), (k, v)
    j = client.get(f"/article/{aid}.json").json()
    assert "<script" not in j["content_html"] and "javascript:" not in j["content_html"].lower()
    assert "Mallory" in (j["author"] or "")


def test_security_headers_everywhere(client):
    for url in ("/", "/cable/07MEXICO983", "/search?q=x", "/api/cables/07MEXICO983", "/tag/PREL.atom", "/nowhere"):
        h = client.get(url).headers
        assert "script-src 'self'" in h["content-security-policy"] and "'unsafe-inline'" not in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"


def test_errors_are_plain_pages(archive, monkeypatch):
    from fastapi.testclient import TestClient

    from cablebase.web import views

    app = create_app(Settings.load(archive[0]), WebSettings())

    def boom(*a, **k):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(views, "home", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/")
        assert r.status_code == 500 and "Traceback" not in r.text and "secret internals" not in r.text
        assert "script-src 'self'" in r.headers["content-security-policy"]
        r = c.get("/api/home")
        assert r.status_code == 500 and r.json()["error"] == "Something went wrong"


def test_head_requests(client):
    r = client.head("/cable/07MEXICO983")
    assert r.status_code == 200 and r.content == b""


# -- writes ---------------------------------------------------------------------------------------
def test_writes_off_without_token(client):
    r = client.post("/api/feeds", json={"url": "http://127.0.0.1:1/feed"})
    assert r.status_code == 403
    assert client.post("/api/poll").status_code == 403


def test_writes_with_token(archive, tmp_path, monkeypatch):
    import shutil

    from fastapi.testclient import TestClient
    from feedserver import FeedServer, rss

    monkeypatch.setenv("CABLEBASE_NET_ALLOW", "127.0.0.1")
    d = tmp_path / "copy"
    shutil.copytree(archive[0], d)
    srv = FeedServer()
    try:
        url = srv.route("/f.xml", rss("Extra", [{"title": "On 05MADRID1604", "link": srv.url("/a"), "guid": "g1",
                                                  "description": "<p>About cable 05MADRID1604.</p>" * 3}]))
        app = create_app(Settings.load(d), WebSettings(token=TOKEN))
        with TestClient(app, raise_server_exceptions=False) as c:
            assert c.post("/api/feeds", json={"url": url}).status_code == 401
            assert c.post("/api/feeds", json={"url": url}, headers={"Authorization": "Bearer wrong"}).status_code == 401
            auth = {"Authorization": f"Bearer {TOKEN}"}
            r = c.post("/api/feeds", json={"url": url, "channel": "Extra"}, headers=auth)
            assert r.status_code == 201, r.text
            r = c.post("/api/poll", json={"all": True}, headers=auth)
            assert r.status_code == 200 and r.json()["new"] == 1, r.text
            ch = c.get("/channel/Extra.json").json()
            assert ch["total"] == 1 and ch["articles"][0]["cables"][0]["ref_id"] == "05MADRID1604"
            assert c.post("/api/feeds", json={"nope": 1}, headers=auth).status_code == 400
    finally:
        srv.close()


# -- channel paging ---------------------------------------------------------------------------------
def test_channel_pages_are_stable(archive, tmp_path):
    import shutil

    from fastapi.testclient import TestClient

    from cablebase import open_archive
    from cablebase.model import Article

    d = tmp_path / "paging"
    shutil.copytree(archive[0], d)

    def add(n0: int, n1: int) -> None:
        st = open_archive(d, create=False)
        try:
            cs = st.channels
            fid = cs.add_feed("http://127.0.0.1:9/paging.xml", "Paging")
            cs.store_entries(fid, [Article(entry_key=f"k{i}", entry_hash=f"h{i}", title=f"Post {i}",
                                               published=f"2011-01-01T00:{i // 60:02d}:{i % 60:02d}+00:00",
                                               text=f"text {i}", content_hash=f"c{i}") for i in range(n0, n1)])
        finally:
            st.close()

    add(0, 45)
    app = create_app(Settings.load(d), WebSettings())
    with TestClient(app) as c:
        latest = c.get("/channel/Paging.json").json()
        assert latest["total"] == 45 and latest["articles"][0]["title"] == "Post 44"
        last = c.get("/channel/Paging/all.json").json()
        assert last["page"] == 3 and [a["title"] for a in last["articles"]] == [f"Post {i}" for i in range(44, 39, -1)]
        first = c.get("/channel/Paging/all.json?page=1").json()
        assert [a["title"] for a in first["articles"]] == [f"Post {i}" for i in range(19, -1, -1)]
        page = doc(c.get("/channel/Paging/all?page=1"))
        ids = page.xpath("//article[@class='entry']/@id")
        assert len(ids) == 20 and all(re.fullmatch(r"a\d+", i) for i in ids)
        assert page.xpath("//article[@class='entry']//a[@class='permalink']/@href")[0].endswith(f"page=1#{ids[0]}")
        add(45, 50)  # seen by the next request, no wait (test_web_cache.py)
        assert c.get("/channel/Paging/all.json?page=1").json()["articles"] == first["articles"]
        assert c.get("/channel/Paging.json").json()["total"] == 50


# -- docs -----------------------------------------------------------------------------------------
def test_openapi_docs(client):
    spec = client.get("/openapi.json").json()
    for p in ("/api/cables/{ref_id}", "/api/search", "/api/export", "/api/channels/{name}", "/api/articles/{article_id}",
              "/api/feeds", "/api/poll"):
        assert p in spec["paths"], p
    t = doc(client.get("/docs"))
    assert any("/api/search" in text(c) for c in t.xpath("//code"))


# -- entities (an enriched archive) ---------------------------------------------------------------
def test_entities_when_enriched(archive, tmp_path):
    import shutil

    from fastapi.testclient import TestClient

    from cablebase import open_archive

    d = tmp_path / "enriched"
    shutil.copytree(archive[0], d)
    written = open_archive(d, create=False)
    es = written.entities
    es.write_doc("07MEXICO983", hash="h", month="2007-02", mentions=[
        {"key": "PER:genaro garcia luna", "type": "PER", "name": "Genaro Garcia Luna", "text": "Garcia Luna",
         "paragraph": 11, "number": 12, "start": 0, "end": 11},
        {"key": "ORG:dhs", "type": "ORG", "name": "DHS", "text": "DHS", "paragraph": 0, "number": 1, "start": 0, "end": 3},
    ])
    es.set_similar("07MEXICO983", [("05MADRID1604", 0.5), ("99NOWHERE1", 0.1)])
    written.close()
    app = create_app(Settings.load(d), WebSettings())
    with TestClient(app) as c:
        t = doc(c.get("/cable/07MEXICO983"))
        link = t.xpath("//section[@id='entities']//a[text()='Genaro Garcia Luna']/@href")
        assert link and link[0].startswith("/entity/")
        assert t.xpath("//section[@id='similar']//a/@href") == ["/cable/05MADRID1604"]
        r = c.get(link[0])
        assert r.status_code == 200 and "07MEXICO983" in r.text
        j = c.get(link[0] + ".json").json()
        assert j["name"] == "Genaro Garcia Luna" and j["documents_list"][0]["url"] == "/cable/07MEXICO983"
        assert c.get("/api/entities").json()["entities"]
        # an Atom feed per entity: the cables (and articles) mentioning it
        import feedparser

        f = feedparser.parse(c.get(link[0] + ".atom").content)
        assert not f.bozo, f.bozo_exception
        assert f.feed.title == "Entity: Genaro Garcia Luna"
        assert [e.id for e in f.entries] == ["urn:cablebase:cable:07MEXICO983"]
        # the home page leads to them: the most mentioned people, organizations and places
        home = doc(c.get("/"))
        assert home.xpath("//p[@class='entities']//a[text()='Genaro Garcia Luna']/@href") == [link[0]]
        groups = c.get("/index.json").json()["entities"]
        assert [(g["label"], [e["name"] for e in g["entities"]]) for g in groups] == [
            ("People", ["Genaro Garcia Luna"]), ("Organizations", ["DHS"])]
    # a plain archive has no entity section and no entity pages; its home page says how to get them
    assert "id=\"entities\"" not in client_get(archive[0], "/cable/07MEXICO983")
    assert "No entities yet: <code>cablebase enrich</code>" in client_get(archive[0], "/")


def client_get(db, url):
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings.load(db), WebSettings())) as c:
        return c.get(url).text


def test_search_same_answers_with_or_without_the_engines_facets(archive, monkeypatch):
    """The page's totals and facets come from the index when it offers ``search_results``, else
    they are computed in the web layer: both give the same answer."""
    from cablebase.model import SearchFilters
    from cablebase.web import search as search_mod
    from cablebase.web.archive import WebArchive
    from cablebase.web.search import search

    def run():
        a = WebArchive(Settings.load(archive[0]), WebSettings(cache=False))
        try:
            out = {}
            for q, f, sort in (("the", SearchFilters(), "relevance"), ("the", SearchFilters(origin="Embassy Madrid"), "newest"),
                               ("", SearchFilters(tags=("PREL",)), "oldest")):
                r = search(a, q, f, sort=sort, per_page=5)
                out[(q, f, sort)] = (r.total, {k: sorted(map(tuple, v)) for k, v in r.facets.items()},
                                     [h.ref_id for h in r.hits] if sort != "relevance" else None)
            return out
        finally:
            a.close()

    first = run()
    monkeypatch.setattr(search_mod, "USE_ENGINE_FACETS", False)
    second = run()
    for k in first:
        assert first[k][0] == second[k][0], k
        assert first[k][1] == second[k][1], k
        if k[2] != "relevance":
            assert first[k][2] == second[k][2], k
    assert first[("the", SearchFilters(), "relevance")][0] >= 5


def test_broken_index_leaves_pages_up(archive, tmp_path):
    """A search index that cannot be opened: pages still work, search says what to do."""
    import shutil

    from fastapi.testclient import TestClient

    d = tmp_path / "noindex"
    shutil.copytree(archive[0], d)
    shutil.rmtree(d / "index")
    (d / "index").mkdir()
    (d / "index" / "meta.json").write_text("{ this is not an index")
    with TestClient(create_app(Settings.load(d), WebSettings()), raise_server_exceptions=False) as c:
        assert c.get("/cable/07MEXICO983").status_code == 200
        assert c.get("/").status_code == 200
        r = c.get("/search?q=cuba")
        assert r.status_code == 503 and "Traceback" not in r.text
