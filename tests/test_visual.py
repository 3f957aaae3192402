"""Timelines, diplomatic threads, who-with-whom networks and "cables like this text".

The pure parts (months and bursts, the SVG drawings and their escaping, the cross-language
ranking) on made-up data; the web and the CLI on a small enriched archive built from the
corpus (``visual_support``): the 2010 site's articles in seven languages and the cables they
link to.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from lxml import etree
from lxml import html as lhtml

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import support  # noqa: E402
import visual_support  # noqa: E402

from cablebase import WebSettings  # noqa: E402
from cablebase.config import Settings  # noqa: E402
from cablebase.enrich import like as lk  # noqa: E402
from cablebase.enrich import timeline as tl  # noqa: E402
from cablebase.web import svg  # noqa: E402
from cablebase.web.app import create_app  # noqa: E402

HOSTILE = '<script>alert("x")</script>&"\'<img src=x onerror=alert(1)>'


# -- pure: months and bursts ----------------------------------------------------------------------
def test_timeline_fills_the_months_between_and_counts_undated():
    rows, undated = tl.timeline({"cables": ["2009-11-03", "2010-02-01 10:00", None, "bad", "2009-11-30"],
                                 "articles": ["2010-12-01"]})
    assert [r["month"] for r in rows][:4] == ["2009-11", "2009-12", "2010-01", "2010-02"]
    assert rows[-1]["month"] == "2010-12" and rows[-1]["articles"] == 1
    assert rows[0]["cables"] == 2 and rows[1]["cables"] == 0 and sum(r["cables"] for r in rows) == 3
    assert undated == {"cables": 2, "articles": 0}


def test_bursts_mark_only_months_far_above_the_series_own_baseline():
    counts = [2, 3, 2, 1, 2, 3, 2, 40, 2, 3, 2]
    rows = [{"month": f"2009-{i + 1:02d}", "cables": n} for i, n in enumerate(counts)]
    marked, bar = tl.bursts(rows)
    assert marked == {"2009-08"} and 2 < bar < 40
    flat = [{"month": f"2009-{i + 1:02d}", "cables": 5} for i in range(12)]
    assert tl.bursts(flat)[0] == set()
    assert tl.bursts([])[0] == set()


# -- pure: drawings -------------------------------------------------------------------------------
def _xml(markup) -> etree._Element:
    return etree.fromstring(str(markup).encode())  # well-formed, or this raises


def test_timeline_svg_has_a_bar_per_month_with_cables_links_and_text():
    rows = [{"month": "2009-01", "cables": 3, "released": 0, "articles": 1},
            {"month": "2009-02", "cables": 0, "released": 0, "articles": 0},
            {"month": "2009-03", "cables": 9, "released": 2, "articles": 0}]
    s = _xml(svg.timeline(rows, title=HOSTILE, link=lambda m: f"/search?q=x+from:{m}&a=<b>", bursts={"2009-03"}))
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert s.get("role") == "img" and s.find("s:title", ns).text == HOSTILE  # escaped, so it reads back as text
    bars = s.findall(".//s:rect[@data-month]", ns)
    cables = [b for b in bars if "bar-cables" in b.get("class")]
    assert [b.get("data-month") for b in cables] == ["2009-01", "2009-03"]
    assert "burst" in cables[1].get("class") and "burst" not in cables[0].get("class")
    links = [a.get("href") for a in s.iter("{http://www.w3.org/2000/svg}a")]
    assert links == ["/search?q=x+from:2009-01&a=<b>", "/search?q=x+from:2009-03&a=<b>"]
    assert "<script" not in str(svg.timeline(rows, title=HOSTILE))


def test_thread_and_network_svgs_escape_every_text_from_the_data():
    cables = [{"ref_id": "09X1", "created": "2009-01-02", "origin": HOSTILE, "classification": "SECRET",
               "subject": HOSTILE, "in_archive": True, "url": '/cable/09X1"onmouseover="x'},
              {"ref_id": "08Y2", "created": None, "when": "2008-07-01", "origin": None, "classification": None,
               "subject": None, "in_archive": False, "url": None}]
    t = str(svg.thread(cables, [{"from": "09X1", "to": "08Y2", "letter": HOSTILE}], focus="09X1"))
    doc = _xml(t)
    nodes = [g for g in doc.iter("{http://www.w3.org/2000/svg}g") if "node" in (g.get("class") or "")]
    assert [g.get("class") for g in nodes] == ["node cls-secret focus", "node cls-absent"]
    assert "<script" not in t and 'onmouseover="x' not in t
    center = {"id": 1, "name": HOSTILE, "type": "PER"}
    nodes = [{"id": 2, "name": HOSTILE, "type": "ORG", "weight": 3, "url": "/entity/2"},
             {"id": 3, "name": "Lula", "type": "PER", "weight": 1, "url": "/entity/3"}]
    n = str(svg.network(center, nodes, [{"source": 1, "target": 2, "weight": 3}, {"source": 2, "target": 3, "weight": 1}]))
    doc = _xml(n)
    assert len([g for g in doc.iter("{http://www.w3.org/2000/svg}g") if g.get("data-entity")]) == 3
    assert [a.get("href") for a in doc.iter("{http://www.w3.org/2000/svg}a")] == ["/entity/2", "/entity/3"]
    assert "<script" not in n


# -- pure: across languages -----------------------------------------------------------------------
def test_fold_writes_every_script_in_plain_latin_letters():
    assert lk.fold("Brasília") == "brasilia"
    assert lk.fold("Лула") == "lula"
    assert "jobim" in lk.words("O ministro Nelson Jobim, em Brasília, em 2009")
    assert "2009" in lk.words("em 2009") and "para" not in lk.words("para o Brasil")


def test_ranking_finds_the_cable_by_its_names_in_another_language_and_a_named_id_first():
    refs = ["09BRASILIA1", "09MOSCOW2", "09PARIS3"]
    texts = ["MINISTER JOBIM MET AMBASSADOR SOBEL ON THE RAFALE FIGHTER PURCHASE BRASILIA 2009",
             "PUTIN AND MEDVEDEV DISCUSS GAZPROM PIPELINE MOSCOW",
             "SARKOZY ELYSEE IRAN NUCLEAR TALKS PARIS"]
    m = lk.fit(refs, texts)
    assert m.rank("Министр Жобим и посол Собел обсуждали истребители Рафаль", 3)[0][0] == "09BRASILIA1"
    assert m.rank("O ministro Jobim e os caças Rafale", 3)[0][0] == "09BRASILIA1"
    assert m.rank("Sarkozy e o Irã; ver 09MOSCOW2", 3)[0][0] == "09MOSCOW2"
    assert m.rank("nothing in common here", 3) == []


def test_strip_cable_names_leaves_no_id_link_or_post_and_number():
    t = lk.strip_cable_names("See 09BRASILIA1276 (https://x.org/cable/2009/11/09BRASILIA1276.html) and "
                             "BRASILIA 001276, then 10STATE17263.", ["BRASILIA"])
    assert not re.search(r"\d{2}[A-Z]{3,}\d|/cable/|BRASILIA\s*0", t), t


# -- the web --------------------------------------------------------------------------------------
pytestmark_corpus = pytest.mark.skipif(not support.corpus_available(), reason="corpus not available")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    if not support.corpus_available():
        pytest.skip("corpus not available")
    d = tmp_path_factory.mktemp("visual")
    return d, visual_support.build_visual_archive(d)


@pytest.fixture(scope="module")
def client(archive):
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings.load(archive[0]), WebSettings()), raise_server_exceptions=False) as c:
        yield c


@pytestmark_corpus
@pytest.mark.parametrize("q", ["", "brazil", "jobim OR lula", "class:secret"])
def test_api_timeline_adds_up_to_the_search_total(client, q):
    t = client.get("/api/timeline", params={"q": q}).json()
    total = client.get("/search.json", params={"q": q}).json()["total"]
    assert t["total"] == total > 0
    assert sum(m["cables"] for m in t["months"]) + t["undated"] == total
    assert all(re.fullmatch(r"\d{4}-\d{2}", m["month"]) for m in t["months"])
    assert all({"month", "cables", "articles", "released"} <= set(m) for m in t["months"])
    assert "median" in t["burst_method"]


@pytestmark_corpus
def test_timeline_counts_releases_and_the_articles_citing_the_cables(client):
    t = client.get("/api/timeline", params={"q": ""}).json()
    assert sum(m["released"] for m in t["months"]) == t["total"]  # every cable of the set has a release date
    arts = sum(m["articles"] for m in t["months"])
    assert arts + t["undated_articles"] == t["articles"] > 10  # the site's articles linking a cable, by publication
    assert {m["month"] for m in t["months"] if m["articles"]} <= {"2010-11", "2010-12", "2011-01"}


@pytestmark_corpus
def test_api_timeline_refuses_a_bad_query(client):
    r = client.get("/api/timeline", params={"q": "from:2009-13"})
    assert r.status_code == 400


@pytestmark_corpus
def test_search_page_bars_narrow_the_search_to_their_month(client):
    t = client.get("/api/timeline", params={"q": "brazil"}).json()
    page = lhtml.fromstring(client.get("/search", params={"q": "brazil"}).text)
    bars = page.xpath('//*[local-name()="rect"][contains(@class, "bar-cables")]')
    with_cables = [m for m in t["months"] if m["cables"]]
    assert len(bars) == len(with_cables)
    biggest = max(with_cables, key=lambda m: m["cables"])
    [link] = page.xpath(f'//*[local-name()="a"][*[local-name()="rect"][@data-month="{biggest["month"]}"]]')
    href = link.get("href")
    q = parse_qs(urlsplit(href).query)["q"][0]
    assert f"from:{biggest['month']}" in q and f"until:{biggest['month']}" in q
    narrowed = client.get(href.replace("/search", "/search.json", 1)).json()
    assert narrowed["total"] == biggest["cables"]
    assert page.xpath('//section[@id="timeline"]//table//tr')  # the text equivalent


@pytestmark_corpus
def test_origin_and_channel_pages_have_their_timeline(client):
    origin = client.get("/browse/origin.json").json()["values"][0]
    page = lhtml.fromstring(client.get(origin["url"]).text)
    bars = page.xpath('//*[local-name()="rect"][contains(@class, "bar-cables")]')
    assert sum(int(re.search(r": (\d+) ", b.xpath("string(*[local-name()='title'])")).group(1)) for b in bars) == origin["count"]
    ch = client.get("/channels.json").json()["channels"]
    busiest = max(ch, key=lambda c: c["articles"])
    page = lhtml.fromstring(client.get(busiest["url"]).text)
    arts = page.xpath('//*[local-name()="rect"][contains(@class, "bar-articles")]')
    assert sum(int(re.search(r": (\d+) ", a.xpath("string(*[local-name()='title'])")).group(1)) for a in arts) == busiest["articles"]


# -- threads --------------------------------------------------------------------------------------
@pytestmark_corpus
def test_thread_follows_cites_and_cited_by_transitively(client):
    t = client.get("/api/cables/09BRASILIA34/thread").json()
    assert t["ref_id"] == "09BRASILIA34"
    refs = {c["ref_id"]: c for c in t["cables"]}
    assert {"ref_id", "created", "classification", "origin", "subject", "in_archive"} <= set(t["cables"][0])
    assert any(e["from"] == "09BRASILIA34" for e in t["edges"]) or any(e["to"] == "09BRASILIA34" for e in t["edges"])
    assert all(e["from"] in refs and e["to"] in refs for e in t["edges"])
    assert any(not c["in_archive"] for c in t["cables"])  # cited cables the archive lacks are there, marked
    one = client.get("/api/cables/09BRASILIA34/thread?depth=1").json()
    assert {c["ref_id"] for c in one["cables"]} < set(refs)
    near = {e["to"] for e in one["edges"] if e["from"] == "09BRASILIA34"} | {e["from"] for e in one["edges"] if e["to"] == "09BRASILIA34"}
    assert {c["ref_id"] for c in one["cables"]} == near | {"09BRASILIA34"}
    assert any(e["letter"] for e in t["edges"])
    assert t["articles"] and all(set(a["cables"]) <= set(refs) for a in t["articles"])


@pytestmark_corpus
def test_thread_page_draws_every_cable_and_lists_them(client):
    t = client.get("/cable/09BRASILIA34/thread.json").json()
    page = lhtml.fromstring(client.get("/cable/09BRASILIA34/thread").text)
    nodes = page.xpath('//*[local-name()="g"][contains(@class, "node")]')
    assert len(nodes) == len(t["cables"])
    assert len(page.xpath('//table[contains(@class, "thread-table")]/tbody/tr')) == len(t["cables"])
    absent = [n for n in nodes if "cls-absent" in n.get("class")]
    assert len(absent) == sum(not c["in_archive"] for c in t["cables"])
    assert client.get("/cable/09brasilia34/thread").url.path == "/cable/09BRASILIA34/thread"
    assert client.get("/cable/99NOWHERE1/thread").status_code == 404
    assert client.get("/api/cables/09BRASILIA34/thread?depth=99").status_code == 400
    assert 'href="/cable/09BRASILIA34/thread"' in client.get("/cable/09BRASILIA34").text


# -- who with whom --------------------------------------------------------------------------------
@pytestmark_corpus
def test_network_json_and_the_entity_page_drawing(client, archive):
    eid = archive[1]["garcia_luna"]["id"]
    n = client.get(f"/api/entities/{eid}/network").json()
    assert n["name"].endswith("Garcia Luna") and n["nodes"]
    ids = {x["id"] for x in n["nodes"]}
    assert all(e["weight"] > 0 and e["source"] in ids | {eid} and e["target"] in ids for e in n["edges"])
    assert {e["target"] for e in n["edges"] if e["source"] == eid} == ids
    page = lhtml.fromstring(client.get(f"/entity/{eid}").text)
    drawn = page.xpath('//section[@id="network"]//*[local-name()="g"][@data-entity]')
    assert len(drawn) == len(n["nodes"]) + 1
    hrefs = {a.get("href") for a in page.xpath('//section[@id="network"]//*[local-name()="svg"]//*[local-name()="a"]')}
    assert hrefs == {x["url"] for x in n["nodes"]} and all(h.startswith("/entity/") for h in hrefs)
    assert page.xpath('//section[@id="timeline"]')
    assert client.get("/api/entities/999999/network").status_code == 404


# -- cables like this text ------------------------------------------------------------------------
def _article_with_links(client) -> dict:
    for ch in client.get("/channels.json").json()["channels"]:
        for a in client.get(ch["url"] + "/all.json").json()["articles"]:
            if a["language"] == "pt" and any(c["in_archive"] for c in a["cables"]):
                return client.get(a["url"] + ".json").json()
    raise AssertionError("no Portuguese article linking a cable")


@pytestmark_corpus
def test_like_finds_a_portuguese_article_s_cables_without_their_ids(client, archive):
    art = _article_with_links(client)
    from cablebase import open_archive

    with open_archive(archive[0], create=False) as st:
        text = st.channels.get_article(art["id"])["text"]
    gold = {c["ref_id"] for c in art["cables"] if c["in_archive"]}
    clean = lk.strip_cable_names(text, ["BRASILIA", "SAO PAULO", "SAOPAULO"])
    assert not gold & set(re.findall(r"\d{2}[A-Z]+\d+", clean))
    got = client.get("/api/like", params={"text": clean}).json()["cables"]
    assert gold & {c["ref_id"] for c in got}
    page = lhtml.fromstring(client.get("/like", params={"text": clean}).text)
    assert len(page.xpath('//ol[@class="like-results"]/li')) == len(got)
    related = lhtml.fromstring(client.get(art["url"]).text).xpath('//section[@id="related"]//li/a/text()')
    assert gold & set(related)


@pytestmark_corpus
def test_like_fetches_addresses_only_by_the_feeds_rules(client):
    r = client.get("/api/like", params={"url": "http://127.0.0.1:9/article"})
    assert r.status_code == 422 and "127.0.0.1" in r.json()["detail"]
    page = client.get("/like", params={"url": "http://10.0.0.1/x"})
    assert page.status_code == 422 and "could not be read" in page.text


@pytestmark_corpus
def test_cli_like_reads_a_file_in_russian_and_prints_json(archive, tmp_path):
    from typer.testing import CliRunner

    from cablebase.cli import app

    f = tmp_path / "ru.txt"
    f.write_text("Министр обороны Бразилии Нелсон Жобим и посол США Собел обсуждали истребители", encoding="utf-8")
    r = CliRunner().invoke(app, ["like", str(f), "--json", "--limit", "3", "--db", str(archive[0])])
    assert r.exit_code == 0, r.output
    got = orjson.loads(r.stdout)["cables"]
    assert 0 < len(got) <= 3 and all(c["ref_id"] for c in got)
    r = CliRunner().invoke(app, ["like", str(tmp_path / "missing.txt"), "--db", str(archive[0])])
    assert r.exit_code == 1


@pytestmark_corpus
def test_the_fitted_model_is_kept_in_the_archive_for_the_next_process(archive, monkeypatch):
    from cablebase import open_archive
    from cablebase.pipeline import like as pl

    with open_archive(archive[0], create=False) as st:
        first = st.like("Jobim Rafale Lula", 3)
    assert first and (archive[0] / pl.MODEL_FILE).is_file()
    pl._CACHE.clear()  # as a new process
    monkeypatch.setattr(pl, "fit", lambda *a: (_ for _ in ()).throw(AssertionError("fitted again")))
    with open_archive(archive[0], create=False) as st:
        assert st.like("Jobim Rafale Lula", 3) == first


def test_words_only_above_the_grams_limit(monkeypatch):
    monkeypatch.setattr(lk, "GRAMS_UP_TO", 1)
    m = lk.fit(["09BRASILIA1", "09MOSCOW2"], ["JOBIM RAFALE BRASILIA", "PUTIN GAZPROM MOSCOW"])
    assert not m.grams and m.rank("O ministro Jobim", 2)[0][0] == "09BRASILIA1"


@pytestmark_corpus
def test_entity_timeline_bars_lead_to_its_search_in_that_month(client):
    ents = client.get("/api/entities", params={"type": "PLACE"}).json()["entities"]
    e = ents[0]
    page = lhtml.fromstring(client.get(f"/entity/{e['id']}", follow_redirects=True).text)
    links = page.xpath('//section[@id="timeline"]//*[local-name()="a"][*[local-name()="rect"]]')
    assert links
    month = links[0].xpath('string(*[local-name()="rect"]/@data-month)')
    href = links[0].get("href")
    assert f"from:{month}" in parse_qs(urlsplit(href).query)["q"][0]
    n = int(re.search(r": (\d+) ", links[0].xpath('string(.//*[local-name()="title"])')).group(1))
    assert client.get(href.replace("/search", "/search.json", 1)).json()["total"] == n
