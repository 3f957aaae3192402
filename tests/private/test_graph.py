"""The enrichment store, the cable graph, similar cables and the enrich stage (inline, process
pool, Dask), on synthetic rows and on a small archive of real cablegate-2010 pages."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cablebase.config import Settings
from cablebase.enrich.graph import references_of, resolve
from cablebase.record import Cable, Reference
from cablebase._store.entities import EntityStore

CABLES = {  # three Madrid cables citing each other; two cables citing a State cable not in the set
    "06MADRID1914": "2006/07/06MADRID1914.html",
    "06MADRID2657": "2006/10/06MADRID2657.html",
    "06MADRID3104": "2006/12/06MADRID3104.html",
    "09STOCKHOLM194": "2009/03/09STOCKHOLM194.html",
    "09DOHA214": "2009/03/09DOHA214.html",
}


def mention(text: str, type_: str, name: str | None = None, paragraph: int = 0, start: int = 0) -> dict:
    from cablebase.enrich.entities import entity_key

    name = name or text
    return {"paragraph": paragraph, "number": paragraph + 1, "start": start, "end": start + len(text),
            "text": text, "type": type_, "name": name, "key": entity_key(type_, name)}


@pytest.fixture
def es(archive_db) -> EntityStore:
    return EntityStore(archive_db)  # on both backends (conftest.archive_db)


# -- graph ---------------------------------------------------------------------------------
def test_resolve_reference_forms():
    assert resolve("STATE 12345", 2009) == "09STATE12345"
    assert resolve("08 MADRID 1021", 2009) == "08MADRID1021"
    assert resolve("A. 05 NAIROBI 2243", 2006) == "05NAIROBI2243"
    assert resolve("BUENOS AIRES 2481", 1966) == "66BUENOSAIRES2481"
    assert resolve("MADRID 1021", None) is None  # no year: no guess
    assert resolve("TELCON OF MAY 3", 2009) is None


def test_references_of_keeps_unresolved_and_drops_self():
    c = Cable(ref_id="09MADRID100", created="2009-03-01 10:00", references=[
        Reference("A", "STATE 12345", "09STATE12345"),
        Reference("B", "MADRID 99", None),
        Reference("C", "MADRID 100", None),  # itself
        Reference("D", "TELCON OF MAY 3", None),
    ])
    edges = references_of(c)
    assert [(e["letter"], e["ref_id"]) for e in edges] == [("A", "09STATE12345"), ("B", "09MADRID99"), ("D", None)]


def test_cites_and_cited_by_for_cables_not_in_the_archive(es):
    es.write_doc("09DOHA214", hash="h1", month="2009-03", references=[{"ref_id": "09STATE15113", "letter": "A", "raw": "STATE 15113"}])
    es.write_doc("09STOCKHOLM194", hash="h2", month="2009-03", references=[{"ref_id": "09STATE15113", "letter": None, "raw": "STATE 15113"}])
    assert [c["ref_id"] for c in es.cited_by("09STATE15113")] == ["09DOHA214", "09STOCKHOLM194"]
    cites = es.cites("09DOHA214")
    assert cites == [{"ref_id": "09STATE15113", "letter": "A", "raw": "STATE 15113", "in_archive": False}]
    es.write_doc("09STATE15113", hash="h3", month="2009-02", references=[])
    assert es.cites("09DOHA214")[0]["in_archive"] is True
    # re-enriching a cable replaces its edges
    es.write_doc("09DOHA214", hash="h4", month="2009-03", references=[])
    assert [c["ref_id"] for c in es.cited_by("09STATE15113")] == ["09STOCKHOLM194"]


# -- entities across cables --------------------------------------------------------------------
def test_name_variants_merge_across_cables(es):
    es.write_doc("07MEXICO1", hash="a", month="2007-01", mentions=[mention("Garcia Luna", "PER"), mention("Medina Mora", "PER"), mention("Mexico", "PLACE")])
    es.write_doc("07MEXICO2", hash="b", month="2007-02", mentions=[mention("Genaro Garcia Luna", "PER"), mention("Calderon", "PER"), mention("Mexico", "PLACE")])
    es.write_doc("07MEXICO3", hash="c", month="2007-02", mentions=[mention("Eduardo Medina Mora", "PER"), mention("Felipe Calderon", "PER"), mention("Luna", "PER")])
    n = es.merge_people()
    assert n >= 2
    gl = es.resolve("Garcia Luna")
    assert gl == es.resolve("Genaro Garcia Luna") and len(gl) == 1
    assert es.entity(gl[0])["name"] == "Genaro Garcia Luna"
    # "Luna" alone (07MEXICO3: "Media Luna" is a region) is nobody's surname by itself
    assert es.ref_ids_for_entity("Garcia Luna") == ["07MEXICO1", "07MEXICO2"]
    assert es.ref_ids_for_entity('medina mora') == ["07MEXICO1", "07MEXICO3"]
    # nor is a one-word name that ends one longer name only
    assert es.resolve("Calderon", "PER") != es.resolve("Felipe Calderon", "PER")
    page = es.page("Garcia Luna")
    assert page["timeline"] == [("2007-01", 1), ("2007-02", 1)]
    assert [d["doc"] for d in page["documents_list"]] == ["07MEXICO1", "07MEXICO2"]
    co = {c["name"] for c in page["co_mentioned"]}
    assert {"Mexico", "Medina Mora"} <= co or {"Mexico", "Eduardo Medina Mora"} <= co
    assert es.list_entities("PLACE")[0]["name"] == "Mexico"


def test_ambiguous_short_name_is_not_merged(es):
    es.write_doc("A", hash="a", month=None, mentions=[mention("Raul Castro Ruz", "PER"), mention("Fidel Castro Ruz", "PER")])
    es.write_doc("B", hash="b", month=None, mentions=[mention("Castro Ruz", "PER"), mention("Chavez", "PER")])
    es.write_doc("C", hash="c", month=None, mentions=[mention("Hugo Chavez", "PER"), mention("Adan Chavez", "PER")])
    es.merge_people()
    ids = es.resolve("Castro Ruz")
    assert len(ids) == 1 and es.entity(ids[0])["name"] == "Castro Ruz"
    assert es.entity(es.resolve("Chavez", "PER")[0])["name"] == "Chavez"


def test_surname_alone_merges_on_title_and_country_only(es):
    from cablebase.enrich.entity_people import evidence_keys, scoped_key

    def person(text, name, key, title=None, country="Venezuela"):
        m = mention(text, "PER", name)
        m["key"], m["evidence"] = key, evidence_keys(title, key.split(":", 1)[1].split("@")[0], {country})
        return m

    es.write_doc("09CARACAS1", hash="a", month=None, mentions=[person("Hugo Chavez", "Hugo Chavez", "PER:hugo chavez", "president")])
    es.write_doc("09CARACAS2", hash="b", month=None, mentions=[person("Chavez", "Chavez", scoped_key("chavez", "09CARACAS2"), "president")])
    es.write_doc("09CARACAS3", hash="c", month=None, mentions=[person("Chavez", "Chavez", scoped_key("chavez", "09CARACAS3"), "minister")])
    es.write_doc("09MADRID4", hash="d", month=None, mentions=[person("Chavez", "Chavez", scoped_key("chavez", "09MADRID4"), "president", "Spain")])
    assert es.resolve_titled() == 1
    assert es.ref_ids_for_entity("Hugo Chavez") == ["09CARACAS1", "09CARACAS2"]  # same title, same country
    # another title or another country: a person of that cable alone
    assert len({m["entity_id"] for d in ("09CARACAS3", "09MADRID4") for m in es.mentions_of(d)}) == 2


def test_rewrite_is_idempotent(es):
    for _ in range(2):
        es.write_doc("X", hash="a", month="2009-01", mentions=[mention("Jimenez", "PER"), mention("Spain", "PLACE")],
                     tags=[{"tag": "SP", "kind": "country", "meaning": "Spain"}],
                     acronyms=[{"acronym": "MFA", "expansion": "Ministry of Foreign Affairs", "kind": "ORG", "source": "list"}])
    assert len(es.mentions_of("X")) == 2
    assert es.tags_of("X") == [{"tag": "SP", "kind": "country", "meaning": "Spain"}]
    assert es.acronyms_of("X")[0]["acronym"] == "MFA"
    assert es.hashes() == {"X": "a"}


# -- the stage on real cables ----------------------------------------------------------------
def _needs_stage_deps() -> None:
    """The stage needs spaCy, the model package and scikit-learn (PyPI dependencies)."""
    pytest.importorskip("spacy")
    pytest.importorskip("sklearn")
    from cablebase.enrich.entities import MODEL

    pytest.importorskip(MODEL)


@pytest.fixture
def archive(corpus: Path, tmp_path: Path):
    _needs_stage_deps()
    from cablebase.pipeline.ingest import ingest
    from cablebase._store import open_store

    settings = Settings.load(tmp_path / "db")
    st = open_store(settings)
    paths = [corpus / "cablegate-2010" / "cable" / p for p in CABLES.values()]
    rep = ingest(st, paths, settings=settings, workers=0)
    assert rep.cables == len(CABLES)
    yield st
    st.close()


def test_enrich_inline_then_incremental(archive):
    from cablebase.pipeline.enrich import enrich

    rep = enrich(archive.db, workers=1)
    assert rep.ok and rep.enriched == len(CABLES) and rep.mode == "inline"
    es = EntityStore(archive.db)
    # the REF graph, including a cited cable that is not in the archive
    assert [c["ref_id"] for c in es.cites("06MADRID3104") if c["ref_id"]][:1] == ["06MADRID2657"]
    assert "06MADRID3104" in [c["ref_id"] for c in es.cited_by("06MADRID2657")]
    assert {c["ref_id"] for c in es.cited_by("09STATE15113")} == {"09STOCKHOLM194", "09DOHA214"}
    # typed tags, similar cables
    kinds = {t["kind"] for t in es.tags_of("06MADRID1914")}
    assert {"subject", "country"} <= kinds
    sim = es.similar("06MADRID2657")
    assert sim and sim[0]["ref_id"].startswith("06MADRID")
    # entities with pages
    spain = es.page("Spain")
    assert spain and spain["type"] == "PLACE" and spain["documents"] >= 3
    assert spain["timeline"][0][0].startswith("2006-")
    # nothing changed: nothing to do
    rep2 = enrich(archive.db, workers=1)
    assert rep2.enriched == 0 and rep2.unchanged == len(CABLES)
    # a fuller version of one cable: only that one again
    c = archive.get_cable("06MADRID1914")
    c.paragraphs.append(type(c.paragraphs[0])(99, "U", None, "Ambassador Aguirre met Zapatero in Barcelona."))
    c.source = None
    archive.add_cable(c, b"a fuller copy")
    rep3 = enrich(archive.db, workers=1)
    assert rep3.enriched == 1 and rep3.unchanged == len(CABLES) - 1
    assert any(m["text"] == "Barcelona" for m in es.mentions_of("06MADRID1914"))


def test_enrich_in_a_process_pool(archive):
    from cablebase.pipeline.enrich import enrich

    rep = enrich(archive.db, workers=2, inline_below=1, similar=False)
    assert rep.ok and rep.mode == "pool" and rep.workers == 2 and rep.enriched == len(CABLES)
    assert EntityStore(archive.db).counts()["mentions"] > 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_enrich_on_a_dask_cluster(archive, tmp_path):
    pytest.importorskip("distributed")
    from cablebase.pipeline.enrich import enrich

    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    logs = [open(tmp_path / f"dask{i}.log", "wb") for i in range(3)]  # noqa: SIM115 - closed in finally
    procs = [subprocess.Popen(
        [str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=logs[0], env=env,
    )]
    try:
        from distributed import Client

        deadline = time.time() + 60
        client = None
        while time.time() < deadline:
            try:
                client = Client(addr, timeout="2s")
                break
            except OSError:
                time.sleep(0.3)
        assert client is not None, "scheduler did not start"
        for i in range(2):
            procs.append(subprocess.Popen(
                [str(bindir / "dask"), "worker", addr, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                 "--memory-limit", "2GB"],
                stdout=subprocess.DEVNULL, stderr=logs[i + 1], env=env,
            ))
        client.wait_for_workers(2, timeout=60)
        client.close()
        rep = enrich(archive.db, dask=addr, similar=False)
        assert rep.ok, rep.failures
        assert rep.mode == "dask" and rep.workers == 2 and rep.enriched == len(CABLES)
        es = EntityStore(archive.db)
        assert es.counts()["documents"] == len(CABLES)
        assert es.page("Spain") is not None
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()


def test_cli_enrich_and_entity_pages(archive):
    import json

    import typer
    from typer.testing import CliRunner

    from cablebase import cli_enrich
    from cablebase._store.entities import entity_ref_ids

    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a group, as the real app is
        pass

    cli_enrich.register(app)
    db = str(archive.settings.db_dir)
    r = CliRunner().invoke(app, ["enrich", "--workers", "1", "--json", "--db", db])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["enriched"] == len(CABLES)
    r = CliRunner().invoke(app, ["entity", "show", "Spain", "--json", "--db", db])
    assert r.exit_code == 0, r.output
    page = json.loads(r.stdout)
    assert page["name"] == "Spain" and page["documents_list"] and page["timeline"]
    r = CliRunner().invoke(app, ["entity", "list", "--type", "PLACE", "--json", "--db", db])
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["type"] == "PLACE"
    r = CliRunner().invoke(app, ["entity", "show", "Nobody Atall", "--db", db])
    assert r.exit_code == 1
    assert set(entity_ref_ids(archive.db, "Spain")) >= {"06MADRID1914", "06MADRID2657", "06MADRID3104"}


def test_english_articles_get_entities_too():
    _needs_stage_deps()
    from cablebase.pipeline.enrich import enrich
    from cablebase._store.channels import ChannelStore

    conn = sqlite3.connect(":memory:", isolation_level=None)
    ChannelStore(conn)
    conn.execute(
        "INSERT INTO articles(id, url, title, published, text, language, first_seen, last_changed, sort_key)"
        " VALUES (1, 'http://example.org/a', 'Leaked cable on Mexico', '2011-03-02T10:00:00Z',"
        " 'Secretary Genaro Garcia Luna met Michael Chertoff in Mexico City.\n\nThe cable was sent from Washington.',"
        " 'en', 0, 0, 'a'),"
        " (2, 'http://example.org/b', 'Telegrama', '2011-03-02T10:00:00Z', 'Genaro Garcia Luna en la Ciudad de Mexico.',"
        " 'es', 0, 0, 'b')"
    )
    rep = enrich(conn, workers=1)  # "Secretary": what shows a person (a name alone is attributed to no one)
    assert rep.ok and rep.enriched == 1 and rep.documents == 1
    es = EntityStore(conn)
    page = es.page("Garcia Luna")
    assert page and page["documents_list"][0] == {
        "doc": "article:1", "kind": "article", "mentions": 1, "month": "2011-03", "paragraphs": [1]
    }
    assert es.ref_ids_for_entity("Garcia Luna") == []  # articles are not cables


def test_similar_lists_exact_and_reduced(archive):
    """tf-idf cosine for small archives, the LSA space for large ones: same shape of answer."""
    from cablebase.pipeline.similar import update_similar

    es = EntityStore(archive.db)
    for lsa_above in (10**9, 2):
        n = update_similar(archive.db, es, None, lsa_above=lsa_above)
        assert n == len(CABLES)
        for ref in CABLES:
            sims = es.similar(ref)
            assert ref not in [s["ref_id"] for s in sims]
            assert all(0 < s["score"] <= 1.0001 for s in sims)
            assert [s["score"] for s in sims] == sorted((s["score"] for s in sims), reverse=True)
        assert es.similar("06MADRID2657")[0]["ref_id"].startswith("06MADRID")
