"""Entity pages on the web: the list by type, addresses by name, each mention in context with
its paragraph linked, the entity facet and ``entity:`` agreeing with the page, the JSON twins,
and the editors' "report a wrong attribution" action that admins read."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import html as lhtml

from cablebase import WebSettings, open_archive
from cablebase.config import Settings
from cablebase.web.app import create_app

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
PAGES = [CORPUS / "cablegate-txt-alx" / "cables" / "07MEXICO983.txt", CORPUS / "cablegate-2010" / "cable" / "2007" / "12" / "07LAPAZ3262.html"]

pytestmark = pytest.mark.skipif(not (CORPUS / "cablegate-2010" / "cable").is_dir(), reason="corpus not available")


def _spans(cable, words: str) -> list[tuple[int, int | None, int, int]]:
    """(paragraph index, number, start, end) of every occurrence of ``words`` in the cable."""
    out = []
    for i, p in enumerate(cable.paragraphs):
        k = p.text.find(words)
        while k >= 0:
            out.append((i, p.number, k, k + len(words)))
            k = p.text.find(words, k + 1)
    return out


def _mentions(cable, words: str, key: str, type_: str, name: str) -> list[dict]:
    return [{"paragraph": i, "number": n, "start": a, "end": b, "text": words, "type": type_, "name": name, "key": key}
            for i, n, a, b in _spans(cable, words)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    d = tmp_path_factory.mktemp("entityweb")
    with open_archive(d) as a:
        a.ingest([str(p) for p in PAGES], workers=1)
        mex, lapaz = a.get("07MEXICO983"), a.get("07LAPAZ3262")
        gl = _mentions(mex, "Garcia Luna", "PER:genaro garcia luna", "PER", "Genaro Garcia Luna")
        assert gl, "07MEXICO983 names Garcia Luna"
        ml = _mentions(lapaz, "Media Luna", "PLACE:media luna", "PLACE", "Media Luna")
        assert ml
        es = a.entities
        es.write_doc("07MEXICO983", hash="a", month="2007-02", mentions=gl + _mentions(mex, "Mexico", "PLACE:mexico", "PLACE", "Mexico"))
        es.write_doc("07LAPAZ3262", hash="b", month="2007-12", mentions=ml + _mentions(lapaz, "Bolivia", "PLACE:bolivia", "PLACE", "Bolivia"))
        tokens = {role: a.add_user(role, role)[1] for role in ("reader", "editor", "admin")}
    return {"db": d, "tokens": tokens, "gl": gl}


@pytest.fixture(scope="module")
def client(site):
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings.load(site["db"]), WebSettings()), raise_server_exceptions=False) as c:
        yield c


def doc(r):
    return lhtml.fromstring(r.text)


def test_entities_list_by_type(client):
    r = client.get("/entities")
    assert r.status_code == 200
    t = doc(r)
    names = [a.text_content() for a in t.xpath("//table[@class='entities']//a")]
    assert {"Genaro Garcia Luna", "Media Luna", "Mexico", "Bolivia"} <= set(names)
    assert t.xpath("//header//a[@href='/entities']")  # reachable from every page
    people = client.get("/entities.json?type=people").json()
    assert [e["name"] for e in people["entities"]] == ["Genaro Garcia Luna"] and people["type"] == "PER"
    assert {x["type"]: x["count"] for x in people["types"]} == {"PER": 1, "ORG": 0, "PLACE": 3}
    assert [e["name"] for e in client.get("/entities.json?name=luna").json()["entities"]] in (
        ["Genaro Garcia Luna", "Media Luna"], ["Media Luna", "Genaro Garcia Luna"])
    assert client.get("/entities?type=spaceships").status_code == 400


def test_entity_addresses_by_name_and_number(client):
    j = client.get("/entity/genaro-garcia-luna.json").json()
    assert j["name"] == "Genaro Garcia Luna" and j["url"] == "/entity/genaro-garcia-luna"
    assert client.get("/entity/Garcia%20Luna.json").json()["id"] == j["id"]  # a shorter spelling
    assert client.get(f"/entity/{j['id']}.json").json()["name"] == "Genaro Garcia Luna"  # numbers still work
    # "Luna" alone is nobody: Media Luna is a region, never merged into the person
    assert [d["doc"] for d in j["documents_list"]] == ["07MEXICO983"]
    r = client.get("/entity/Nobody%20Atall")
    assert r.status_code == 404 and "/entities?name=" in r.text
    # the cable page links to the entity by its name
    t = doc(client.get("/cable/07MEXICO983"))
    assert t.xpath("//section[@id='entities']//a[@href='/entity/genaro-garcia-luna']")


def test_each_mention_in_context_with_its_paragraph(client, site):
    r = client.get("/entity/genaro-garcia-luna")
    assert r.status_code == 200
    t = doc(r)
    marks = t.xpath("//ul[@class='kwic']/li/mark")
    assert len(marks) == len(site["gl"]) and all(m.text_content() == "Garcia Luna" for m in marks)
    first = site["gl"][0]
    links = t.xpath("//ul[@class='kwic']/li/a/@href")
    assert links[0] == f"/cable/07MEXICO983#par{first['number']}"
    j = client.get("/entity/genaro-garcia-luna.json").json()
    ctx = j["documents_list"][0]["contexts"]
    assert ctx[0]["match"] == "Garcia Luna" and ctx[0]["before"] and ctx[0]["url"].endswith(f"#par{first['number']}")


def test_search_facet_and_entity_query_agree_with_the_page(client):
    j = client.get("/search.json?q=Mexico").json()
    facet = {e["value"]: e for e in j["facets"]["entity"]}
    assert "Genaro Garcia Luna" in facet
    q = facet["Genaro Garcia Luna"]["query"]
    hits = client.get("/search.json?q=" + quote(q)).json()
    page = client.get("/entity/genaro-garcia-luna.json").json()
    assert [h["ref_id"] for h in hits["hits"]] == [d["doc"] for d in page["documents_list"]]
    assert page["query"] == q
    t = doc(client.get("/search?q=Mexico"))
    assert t.xpath("//section[@id='facet-entity']//a[@href='/entity/genaro-garcia-luna']")


def test_type_filter_the_same_in_web_api_and_cli(client, site):
    from typer.testing import CliRunner

    from cablebase.cli import app

    def web(q: str) -> list[str]:
        return sorted(h["ref_id"] for h in client.get("/search.json?q=" + quote(q)).json()["hits"])

    def api(q: str) -> list[str]:
        return sorted(h["ref_id"] for h in client.get("/api/search?q=" + quote(q)).json()["hits"])

    def cli(q: str) -> list[str]:
        r = CliRunner().invoke(app, ["search", "--db", str(site["db"]), "--json", q])
        assert r.exit_code == 0, r.output
        return sorted(json.loads(line)["ref_id"] for line in r.stdout.splitlines() if line.strip())

    cases = {"type:person": ["07MEXICO983"], "type:people": ["07MEXICO983"],
             "type:places": ["07LAPAZ3262", "07MEXICO983"], "type:orgs": [],
             # with entity:, the entity of that type: Media Luna is a place, no person
             'entity:"Media Luna" type:place': ["07LAPAZ3262"], 'entity:"Media Luna" type:person': [],
             "type:person -type:org": ["07MEXICO983"]}
    for q, want in cases.items():
        assert web(q) == api(q) == cli(q) == want, q
    r = client.get("/search.json?q=" + quote("type:animal"))
    assert r.status_code == 400 and "type:person|organization|place" in r.text
    # the query-syntax help on the search page lists the field
    t = doc(client.get("/search?q=Mexico"))
    assert any("type:" in c.text_content() for c in t.xpath("//code"))


def test_report_a_wrong_attribution(site):
    from fastapi.testclient import TestClient

    app = create_app(Settings.load(site["db"]), WebSettings(private=True))
    with TestClient(app, raise_server_exceptions=False) as c:
        tok = site["tokens"]
        eid = c.get("/entity/media-luna.json", headers={"Authorization": f"Bearer {tok['reader']}"}).json()["id"]
        m = c.get("/entity/media-luna.json", headers={"Authorization": f"Bearer {tok['reader']}"}).json()
        ctx = m["documents_list"][0]["contexts"][0]
        body = {"doc": "07LAPAZ3262", "paragraph": ctx["paragraph"], "start": ctx["start"], "end": ctx["end"],
                "note": "a test report"}
        assert c.post(f"/api/entities/{eid}/reports", json=body).status_code == 401
        assert c.post(f"/api/entities/{eid}/reports", json=body,
                      headers={"Authorization": f"Bearer {tok['reader']}"}).status_code == 403
        r = c.post(f"/api/entities/{eid}/reports", json=body, headers={"Authorization": f"Bearer {tok['editor']}"})
        assert r.status_code == 201 and r.json()["reporter"] == "editor"
        assert c.get("/admin/entity-reports.json", headers={"Authorization": f"Bearer {tok['editor']}"}).status_code == 403
        rows = c.get("/admin/entity-reports.json", headers={"Authorization": f"Bearer {tok['admin']}"}).json()["reports"]
        assert rows[0]["text"] == "Media Luna" and rows[0]["note"] == "a test report" and rows[0]["reporter"] == "editor"
        page = c.get("/admin/entity-reports", headers={"Authorization": f"Bearer {tok['admin']}"})
        assert page.status_code == 200 and "a test report" in page.text
