"""Safe to publish from (issue 17): what a reporter quotes must be right and reachable. Copies
compared word by word, no server path on a public page, one value per field on every page and
export, and no dead end. On a small archive built from the corpus (``tests/browser/support.py``)."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import html as lhtml

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import support  # noqa: E402

from cablebase import WebSettings  # noqa: E402
from cablebase.config import Settings  # noqa: E402
from cablebase.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.skipif(not support.corpus_available(), reason="corpus not available")

ARTICLE = support.ARTICLES_2010 / "Brasil-rejeitou-prisioneiros-de.html"  # links 3 cables on the dead cablegate site
SERVER_PATH = re.compile(r"(?:/work/|/home/|/tmp/|/shared/corpus|/var/|[A-Za-z]:\\\\)")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    d = tmp_path_factory.mktemp("publish")
    facts = support.build_archive(d, [support.CABLES_2010 / p for p in support.SMALL_SET])
    from cablebase import open_archive

    with open_archive(d) as st:
        st.ingest([ARTICLE, support.CABLES_2010 / "2005/10/05BRASILIA2767.html"], workers=1)
        st.enrich(workers=1, similar=False)
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


def _sources(client):
    srcs = client.get("/cable/07MEXICO983.json").json()["sources"]
    by_name = {s["location"]: s["id"] for s in srcs}
    return by_name["07MEXICO983.txt"], by_name["opera-leaks-cuba-channel.txt"]


# -- comparing copies -----------------------------------------------------------------------------
def test_blog_copy_of_07MEXICO983_is_faithful_word_by_word(client):
    tel, blog = _sources(client)
    j = client.get(f"/cable/07MEXICO983/diff.json?a={tel}&b={blog}").json()
    s = j["summary"]
    # the blog ran the paragraphs together and curled the quotes: the words are the same but
    # for the signature (GARZA) the blog left out
    assert s["verdict"] == "faithful" and s["identical_pct"] >= 99.5 and s["changes"] == 1
    assert [(c["kind"], c["a"]) for c in j["changes"] if not c["header"]] == [("dropped", "GARZA")]
    numbered = [p for p in j["paragraphs"] if p["label"]]
    assert len({p["label"] for p in numbered}) == 16 and all(p["status"] in ("identical", "changed") for p in numbered)
    assert j == client.get(f"/api/cables/07MEXICO983/diff?a={tel}&b={blog}").json()
    t = doc(client.get(f"/cable/07MEXICO983/diff?a={tel}&b={blog}"))
    assert text(t.xpath("//p[@id='summary']")[0]).startswith(s["text"])
    assert s["text"].startswith("faithful: 99.9% of words identical; 1 change")
    # the overall verdict, header included: the signature dropped is an edit
    assert s["kind"] == "edited" and not s["same"] and s["kind_text"].startswith("edited (")
    assert text(t.xpath("//p[@id='kind']")[0]).startswith(s["kind_text"])
    assert [text(d) for d in t.xpath("//table[contains(@class,'diff')]//tr[contains(@class,'changed')]//del")] == ["GARZA"]


# -- leaks ----------------------------------------------------------------------------------------
def test_no_server_path_on_public_pages(client):
    tel, blog = _sources(client)
    for url in ("/cable/07MEXICO983", "/cable/07MEXICO983.json", "/api/cables/07MEXICO983",
                "/api/export?format=jsonl", "/api/export?format=csv", "/search.json?q=pseudoephedrine",
                f"/cable/07MEXICO983/diff?a={tel}&b={blog}", f"/cable/07MEXICO983/diff.json?a={tel}&b={blog}",
                f"/api/cables/07MEXICO983/diff?a={tel}&b={blog}"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert not SERVER_PATH.search(r.text), (url, SERVER_PATH.search(r.text))
    srcs = client.get("/cable/07MEXICO983.json").json()["sources"]
    locs = {s["location"] for s in srcs}
    assert {"07MEXICO983.txt", "opera-leaks-cuba-channel.txt"} <= locs  # file names; the polled post by its URL
    assert all("/" not in loc or loc.startswith("http") for loc in locs)
    t = doc(client.get("/cable/07MEXICO983"))
    assert "07MEXICO983.txt" in [text(td) for td in t.xpath("//section[@id='sources']//td[@class='loc']")]


# -- one truth per field --------------------------------------------------------------------------
def test_released_date_the_same_on_page_list_json_and_exports(client):
    page = client.get("/cable/07MEXICO983.json").json()
    released = page["from_other_versions"]["released"]["value"]  # the alx text lacks it; the blog copy has it
    assert released.startswith("2011-05-25")
    t = doc(client.get("/origin/Embassy%20Mexico"))
    row = [r for r in t.xpath("//table//tr") if "07MEXICO983" in text(r)][0]
    assert released[:10] in text(row)
    j = client.get("/origin/Embassy%20Mexico.json").json()
    assert [c["released"] for c in j["cables"] if c["ref_id"] == "07MEXICO983"] == [released]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/export?format=csv&q=07MEXICO983").text)))
    assert [r["released"] for r in rows if r["ref_id"] == "07MEXICO983"] == [released]
    lines = client.get("/api/export?format=jsonl&q=07MEXICO983").text.splitlines()
    assert '"released":"' + released + '"' in lines[0]
    assert client.get("/api/search?q=released:2011-05-25").json()["total"] >= 1


# -- no dead end: search ---------------------------------------------------------------------------
@pytest.mark.parametrize("q", ["MEXICO 983", "MEXICO 00983", "07 MEXICO 983", "2007 MEXICO 983", "mexico 983"])
def test_ref_line_form_finds_the_cable(client, q):
    j = client.get("/api/search", params={"q": q}).json()
    assert [h["ref_id"] for h in j["hits"]][:1] == ["07MEXICO983"], j


def test_ref_line_form_of_another_year_or_post_finds_nothing_else(client):
    assert "07MEXICO983" not in [h["ref_id"] for h in client.get("/api/search", params={"q": "08 MEXICO 983"}).json()["hits"]]
    assert "07MEXICO983" not in [h["ref_id"] for h in client.get("/api/search", params={"q": "MEXICO 984"}).json()["hits"]]


# -- exports ---------------------------------------------------------------------------------------
def test_export_links_on_every_result_list(client):
    t = doc(client.get("/search", params={"q": "pseudoephedrine"}))
    links = t.xpath("//p[@id='total']//a[@class='export']/@href")  # beside the total, not in the help panel
    assert any("format=csv" in h for h in links) and any("format=jsonl" in h for h in links)
    assert not t.xpath("//details//a[@class='export']")
    r = client.get([h for h in links if "format=csv" in h][0])
    assert r.status_code == 200 and "07MEXICO983" in r.text
    t = doc(client.get("/origin/Embassy%20Madrid"))
    csv_link = [h for h in t.xpath("//a[@class='export']/@href") if "format=csv" in h][0]
    rows = list(csv.DictReader(io.StringIO(client.get(csv_link).text)))
    assert rows and {r["origin"] for r in rows} == {"Embassy Madrid"}
    j = client.get("/origin/Embassy%20Madrid.json").json()
    assert len(rows) == j["total"]


def test_csv_export_has_url_matched_paragraph_and_entities(client):
    r = client.get("/api/export", params={"format": "csv", "q": "pseudoephedrine"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    [row] = [x for x in rows if x["ref_id"] == "07MEXICO983"]
    assert row["url"] == "/cable/07MEXICO983"
    assert row["matched_paragraph"] == "¶6 (/cable/07MEXICO983#par6)"
    assert "pseudoephedrine" in row["matched_text"].lower()
    ents = row["entities"].split("; ")
    assert "Genaro Garcia Luna" in ents and "Michael Chertoff" in ents
    t = doc(client.get("/cable/07MEXICO983"))
    assert t.xpath("//*[@id='par6']")  # the anchor the export names is on the page
    every = list(csv.DictReader(io.StringIO(client.get("/api/export", params={"format": "csv"}).text)))
    assert all(x["url"] == "/cable/" + quote(x["ref_id"], safe="") and x["matched_paragraph"] == "" for x in every)


# -- codes explained ----------------------------------------------------------------------------------
def test_tag_meanings_and_acronyms_shown_on_the_cable_page(client):
    t = doc(client.get("/cable/07MEXICO983"))
    tags = {text(a): a.get("title") for a in t.xpath("//dd[@id='tags']/a")}
    assert tags["PGOV"].lower() == "internal governmental affairs" and tags["SNAR"].lower() == "narcotics"
    gl = {text(a): a.get("title") for a in t.xpath("//dd[@id='glossary']//abbr")}
    assert gl["PGOV"].lower() == "internal governmental affairs"
    assert gl["DHS"] == "Department of Homeland Security"
    body = {text(a): a.get("title") for a in t.xpath("//div[@id='body']//abbr")}
    assert body["DHS"] == "Department of Homeland Security" and body["PGR"] == "Office of the Attorney General"
    j = client.get("/cable/07MEXICO983.json").json()["glossary"]
    assert {"acronym": "DHS", "expansion": "Department of Homeland Security"} in j["acronyms"]
    assert {t["tag"]: t["meaning"] for t in j["tags"]}["PGOV"].lower() == "internal governmental affairs"


def test_codes_marked_only_where_they_stand_as_words():
    from cablebase.web.glossary import abbreviate

    codes = {"DCM": "Deputy Chief of Mission", "PGOV": "Internal governmental affairs"}
    segs = abbreviate([("The DCM met DCMS staff; PGOV, ", False), ("the DCM said", True)], codes)
    assert segs == [("The ", False, None), ("DCM", False, "Deputy Chief of Mission"), (" met DCMS staff; ", False, None),
                    ("PGOV", False, "Internal governmental affairs"), (", ", False, None),
                    ("the ", True, None), ("DCM", True, "Deputy Chief of Mission"), (" said", True, None)]
    assert abbreviate([("no codes", False)], {}) == [("no codes", False, None)]


# -- articles beside cables -------------------------------------------------------------------------
def test_search_finds_the_article_that_quotes_the_cable(client, archive):
    j = client.get("/api/search", params={"q": "pseudoephedrine"}).json()
    assert [h["ref_id"].split("#")[0] for h in j["hits"]] == ["07MEXICO983"]
    titles = [h["title"] for h in j["articles"]["hits"]]
    assert archive[1]["seed_title"] in titles
    assert {k["value"]: k["count"] for k in j["kinds"]} == {"cable": 1, "article": j["articles"]["total"]}
    hit = j["articles"]["hits"][titles.index(archive[1]["seed_title"])]
    assert "pseudoephedrine" in hit["snippet"].lower() and hit["url"].startswith("/article/")
    a, b = hit["highlights"][0]
    assert hit["snippet"][a:b].lower() == "pseudoephedrine"
    only = client.get("/api/search", params={"q": "pseudoephedrine", "kind": "article"}).json()
    assert only["hits"] == [] and only["articles"]["total"] == j["articles"]["total"]
    cables = client.get("/api/search", params={"q": "pseudoephedrine", "kind": "cable"}).json()
    assert cables["articles"]["hits"] == [] and cables["hits"]
    assert client.get("/search.json", params={"q": "pseudoephedrine"}).json()["articles"]["total"] >= 1
    t = doc(client.get("/search", params={"q": "pseudoephedrine"}))
    assert archive[1]["seed_title"] in [text(x) for x in t.xpath("//section[@id='articles']//div[@class='hittitle']/a")]
    assert t.xpath("//section[@id='facet-kind']//a[contains(@href,'kind=article')]")
    t = doc(client.get("/search", params={"q": "pseudoephedrine", "kind": "article"}))
    assert not t.xpath("//p[@id='total']") and t.xpath("//section[@id='articles']//li")


def test_a_search_of_cable_fields_is_of_cables_only(client):
    j = client.get("/api/search", params={"q": "tag:PGOV"}).json()
    assert j["articles"] == {"total": 0, "hits": [], "searched": False}


def test_cable_links_in_articles_point_to_the_archive(client):
    arts = client.get("/api/search", params={"q": "Guantánamo", "kind": "article"}).json()["articles"]["hits"]
    art = next(a for a in arts if "Guant" in a["title"])
    j = client.get(art["url"] + ".json").json()
    hrefs = lhtml.fromstring(j["content_html"]).xpath("//a/@href")
    assert "/cable/05BRASILIA2767" in hrefs and "/cable/09BRASILIA1276" in hrefs
    assert not [h for h in hrefs if "cablegate.wikileaks.org" in h]
    t = doc(client.get(art["url"]))
    assert t.xpath("//a[@href='/cable/05BRASILIA2767']")
    assert client.get("/cable/05BRASILIA2767").status_code == 200  # in the archive: the link works


# -- did you mean --------------------------------------------------------------------------------------
def test_did_you_mean_for_a_query_with_no_hit(client, archive, monkeypatch):
    j = client.get("/api/search", params={"q": "pseudoefedrine"}).json()
    assert j["total"] == 0 and j["did_you_mean"] == "pseudoephedrine"
    assert client.get("/api/search", params={"q": "pseudoephedrine"}).json()["did_you_mean"] is None
    assert client.get("/api/search", params={"q": "xyzzyqx"}).json()["did_you_mean"] is None
    t = doc(client.get("/search", params={"q": "Chertof pseudoefedrine"}))
    [a] = t.xpath("//p[@id='did-you-mean']/a")
    assert text(a) == "chertoff pseudoephedrine"
    assert client.get("/api/search", params={"q": text(a)}).json()["total"] >= 1  # the suggestion finds something
    from typer.testing import CliRunner

    from cablebase.cli import app

    monkeypatch.setenv("CABLEBASE_DB", str(archive[0]))
    r = CliRunner().invoke(app, ["search", "Chertof"])
    assert r.exit_code == 0 and "did you mean: cablebase search chertoff" in " ".join(r.output.split())


def test_plain_language_help_linked_from_every_page(client):
    r = client.get("/help")
    assert r.status_code == 200
    t = doc(r)
    assert "How to use this archive" in text(t.xpath("//h1")[0])
    links = t.xpath("//main//a[starts-with(@href, '/')]/@href")
    assert len(links) >= 4
    for h in links:  # its examples work
        assert client.get(h).status_code == 200, h
    tel, blog = _sources(client)
    for url in ("/", "/search?q=cuba", "/cable/07MEXICO983", f"/cable/07MEXICO983/diff?a={tel}&b={blog}",
                "/origin/Embassy%20Madrid", "/channels", "/nosuchpage"):
        assert doc(client.get(url)).xpath("//nav//a[@href='/help']"), url


def test_diff_of_a_version_that_does_not_exist_names_those_that_do(client):
    r = client.get("/cable/07MEXICO983/diff.json?a=99999&b=1")
    assert r.status_code == 404
    url = re.search(r"(/cable/07MEXICO983/diff\?a=\d+&b=\d+)", r.json()["detail"]).group(1)
    assert client.get(url).status_code == 200


def test_tag_meanings_where_tags_are_listed(client):
    j = client.get("/browse/tag.json").json()
    assert {v["value"]: v["meaning"] for v in j["values"]}["PREL"] == "External political relations"
    t = doc(client.get("/tag/PREL"))
    assert "External political relations" in text(t.xpath("//h1")[0])
    t = doc(client.get("/search", params={"q": "cuba"}))
    titles = {text(a): a.get("title") for a in t.xpath("//section[@id='facet-tag']//a")}
    assert titles.get("PREL") == "External political relations"
