"""Search end to end: the query language on a real index, facets, sorting, paragraph hits,
freshness, the index schema version, and real cables."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest

from cablebase.config import Settings
from cablebase.record import Paragraph
from cablebase._store import SQLiteStore, open_store
from cablebase.errors import BadQuery
from cablebase.model import SearchFilters
from cablebase._store.index import INDEX_SCHEMA_VERSION, VERSION_FILE
from cablebase._store.query import ENTITIES_NOT_BUILT

from test_store import make_cable

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"


@pytest.fixture
def settings(archive_settings: Settings) -> Settings:
    return archive_settings  # each test on both backends (conftest.archive_settings)


def _cables() -> list:
    return [
        make_cable(
            "09PARIS1", origin="Embassy Paris", classification="SECRET", tags=["PREL", "FR", "IR"],
            created="2009-03-10 10:00", released="2010-11-28 18:00", subject="FRANCE ON IRAN",
            to=["SECSTATE WASHDC"], info=["AMEMBASSY LONDON"],
            paragraphs=[
                Paragraph(1, "C", "Summary", "Summary of the visit to Paris."),
                Paragraph(2, "S/NF", None, "Sarkozy said the Iranian nuclear program worries Paris."),
                Paragraph(3, "C", None, "Nuclear energy cooperation with Iran is off the table."),
            ],
            body="SECRET PARIS 000001\n\nSUBJECT: FRANCE ON IRAN\n\n1. (C) Summary of the visit to Paris.\n\n"
                 "2. (S/NF) Sarkozy said the Iranian nuclear program worries Paris.\n\n"
                 "3. (C) Nuclear energy cooperation with Iran is off the table.\n",
        ),
        make_cable(
            "08PARIS2", origin="Embassy Paris", classification="CONFIDENTIAL", tags=["ECON", "FR"],
            created="2008-03-01 10:10", released="2011-08-30 12:00", subject="FRENCH ECONOMY",
            paragraphs=[Paragraph(1, "C", None, "The economy of France and one nuclear plant.")],
            body="CONFIDENTIAL PARIS 000002\n\n1. (C) The economy of France and one nuclear plant.\n",
        ),
        make_cable(
            "09MADRID3", origin="Embassy Madrid", classification="SECRET//NOFORN", tags=["PREL", "SP"],
            created="2009-12-24 08:00", released="2011-08-30 12:00", subject="SPAIN",
            to=["SECSTATE WASHDC", "AMEMBASSY PARIS"],
            paragraphs=[
                Paragraph(1, "S//NF", None, "Zapatero on Cuba and on Iran."),
                Paragraph(None, None, None, "El presidente habló de Téhéran."),
            ],
            body="SECRET MADRID 000003\n\n1. (S//NF) Zapatero on Cuba and on Iran.\n\nEl presidente habló de Téhéran.\n",
        ),
        make_cable(
            "07ANKARA4", origin="Embassy Ankara", classification="UNCLASSIFIED//FOR OFFICIAL USE ONLY",
            tags=["ECON", "TU"], created="2007-06-01 09:00", released="2010-12-01 10:00", subject="TURKISH TRADE",
            paragraphs=[Paragraph(1, "SBU", None, "Trade figures for the quarter.")],
            body="UNCLAS ANKARA 000004\n\n1. (SBU) Trade figures for the quarter.\n",
        ),
    ]


@pytest.fixture
def st(settings: Settings):
    store = open_store(settings)
    store.add_cables(_cables())
    yield store
    store.close()


def refs(st: SQLiteStore, q: str, **kw: object) -> set[str]:
    return {h.ref_id for h in st.search(q, limit=100, **kw)}  # type: ignore[arg-type]


# -- the language on a real index ------------------------------------------------------------
def test_words_phrases_booleans(st: SQLiteStore) -> None:
    assert refs(st, "nuclear") == {"09PARIS1", "08PARIS2"}
    assert refs(st, "nuclear iran") == {"09PARIS1"}  # AND by default
    assert refs(st, "nuclear AND iran") == {"09PARIS1"}
    assert refs(st, "cuba OR economy") == {"09MADRID3", "08PARIS2"}
    assert refs(st, "nuclear -iran") == {"08PARIS2"}
    assert refs(st, "nuclear NOT iran") == {"08PARIS2"}
    assert refs(st, "-nuclear") == {"09MADRID3", "07ANKARA4"}
    assert refs(st, "(cuba OR economy) AND (iran OR plant)") == {"09MADRID3", "08PARIS2"}
    assert refs(st, '"nuclear program"') == {"09PARIS1"}
    assert refs(st, '"program nuclear"') == set()
    assert refs(st, '"iranian program"~1') == {"09PARIS1"}
    assert refs(st, "nucl*") == {"09PARIS1", "08PARIS2"}
    assert refs(st, '"nuclear prog*"') == {"09PARIS1"}
    assert refs(st, "teheran") == {"09MADRID3"}  # accents folded
    assert refs(st, "TÉHÉRAN") == {"09MADRID3"}
    assert refs(st, "") == refs(st, "*") == {"09PARIS1", "08PARIS2", "09MADRID3", "07ANKARA4"}
    assert refs(st, "09MADRID3") == {"09MADRID3"}  # a reference ID as a word


def test_fields(st: SQLiteStore) -> None:
    assert refs(st, "origin:paris") == {"09PARIS1", "08PARIS2"}
    assert refs(st, 'origin:"embassy madrid"') == {"09MADRID3"}
    assert refs(st, "tag:prel") == {"09PARIS1", "09MADRID3"}
    assert refs(st, "tag:EC*") == {"08PARIS2", "07ANKARA4"}
    assert refs(st, "class:secret") == {"09PARIS1", "09MADRID3"}  # SECRET and SECRET//NOFORN
    assert refs(st, "class:secret//noforn") == {"09MADRID3"}
    assert refs(st, "level:noforn") == {"09MADRID3"}
    assert refs(st, "class:unclassified") == {"07ANKARA4"}
    assert refs(st, "class:fouo") == refs(st, "class:sbu") == {"07ANKARA4"}
    assert refs(st, "class:c") == {"08PARIS2"}
    assert refs(st, "ref:09paris1") == {"09PARIS1"}
    assert refs(st, "ref:09*") == {"09PARIS1", "09MADRID3"}
    assert refs(st, "subject:spain") == {"09MADRID3"}
    assert refs(st, "subject:iran") == {"09PARIS1"}
    assert refs(st, "to:secstate") == {"09PARIS1", "09MADRID3"}
    assert refs(st, 'to:"amembassy paris"') == {"09MADRID3"}
    assert refs(st, "info:london") == {"09PARIS1"}
    assert refs(st, "year:2009") == {"09PARIS1", "09MADRID3"}
    assert refs(st, "year:2007..2008") == {"08PARIS2", "07ANKARA4"}
    assert refs(st, "year:09") == {"09PARIS1", "09MADRID3"}
    assert refs(st, "from:2009") == {"09PARIS1", "09MADRID3"}
    assert refs(st, "until:2008-03") == {"08PARIS2", "07ANKARA4"}  # the whole of March 2008
    assert refs(st, "from:2008-03-02 until:2009-03-10") == {"09PARIS1"}
    assert refs(st, "created:2009-12") == {"09MADRID3"}
    assert refs(st, "created:<2008") == {"07ANKARA4"}
    assert refs(st, "released:2011-08-30") == {"08PARIS2", "09MADRID3"}
    assert refs(st, "released:>=2010-12") == {"08PARIS2", "09MADRID3", "07ANKARA4"}
    assert refs(st, "released:2010-11-28..2010-11-30") == {"09PARIS1"}
    assert refs(st, "marking:S/NF") == {"09PARIS1", "09MADRID3"}  # S/NF and S//NF are one mark
    assert refs(st, "marking:s") == {"09PARIS1", "09MADRID3"}  # every SECRET paragraph
    assert refs(st, "marking:SBU") == {"07ANKARA4"}
    assert refs(st, "nuclear class:confidential origin:paris") == {"08PARIS2"}
    assert refs(st, "iran -origin:madrid") == {"09PARIS1"}
    assert refs(st, "tag:(SP OR TU)") == {"09MADRID3", "07ANKARA4"}


def test_filters_do_not_change_relevance(st: SQLiteStore) -> None:
    plain = {h.ref_id: h.score for h in st.search("nuclear")}
    filtered = {h.ref_id: h.score for h in st.search("nuclear origin:paris tag:FR")}
    assert filtered == pytest.approx(plain)


def test_bad_values_say_where(st: SQLiteStore) -> None:
    cases = {
        "class:ultra": "unknown classification",  # (top secret is a level: see test_wild)
        "from:yesterday": "from: expects a date",
        "released:2011-13": "released: expects",
        "year:later": "year: expects",
        "marking:": "needs a value",
        "a*": "too short",
        "iran ---": "must be followed by",
        "...": "nothing to search for",
    }
    for q, words in cases.items():
        with pytest.raises(BadQuery, match=words):
            st.search(q)
    with pytest.raises(BadQuery) as info:
        st.search("nuclear from:2009-02-30x")
    assert info.value.position == 13 and info.value.token == "from:2009-02-30x"  # at the bad value


def test_random_queries_only_ever_fail_as_badquery(st: SQLiteStore) -> None:
    rng = random.Random(11)
    parts = ['"', "(", ")", "-", "*", "nuclear", "iran", "tag:", "class:", "origin:", "from:", "released:", "year:",
             "marking:", "ref:", "2009", "..", ">=", "S/NF", "secret", "OR", "AND", "NOT", " ", " ", "~2", "é", ":"]
    for _ in range(1500):
        q = "".join(rng.choice(parts) for _ in range(rng.randint(1, 10)))
        try:
            st.search_results(q, limit=3)
        except BadQuery:
            pass


def test_entity_field_before_and_after_enrichment(st: SQLiteStore) -> None:
    with pytest.raises(BadQuery, match="entities not built yet"):
        st.search('entity:"Nicolas Sarkozy"')
    assert "cablebase enrich" in ENTITIES_NOT_BUILT
    from cablebase._store.entities import EntityStore

    es = EntityStore(st.db)
    with es.tx() as db:
        db.execute("INSERT INTO entities(id, key, type, name, last) VALUES (1, 'PER:nicolas sarkozy', 'PER', 'Nicolas Sarkozy', 'sarkozy')")
        db.execute("INSERT INTO entity_aliases(alias, entity_id) VALUES ('sarkozy', 1)")
        db.execute("INSERT INTO mentions(doc, kind, paragraph, number, start, \"end\", entity_id, type, text)"
                   " VALUES ('09PARIS1', 'cable', 1, 2, 0, 7, 1, 'PER', 'Sarkozy')")
        db.execute("INSERT INTO enriched(doc, kind, hash, month, enriched_at) VALUES ('09PARIS1', 'cable', 'x', '2009-03', 'now')")
    assert refs(st, 'entity:"Nicolas Sarkozy"') == {"09PARIS1"}
    assert refs(st, "entity:sarkozy nuclear") == {"09PARIS1"}
    assert refs(st, "entity:nobody") == set()


def test_type_field_cables_mentioning_an_entity_of_that_type(st: SQLiteStore) -> None:
    with pytest.raises(BadQuery, match="entities not built yet.*type: works"):
        st.search("type:person")
    from cablebase._store.entities import EntityStore

    es = EntityStore(st.db)
    with es.tx() as db:
        # "Madrid": a place in 09MADRID3, and (a club of that name) an organisation in 08PARIS2
        for eid, key, typ, name, last in ((11, "PER:jose zapatero", "PER", "Jose Zapatero", "zapatero"),
                                          (12, "PLACE:madrid", "PLACE", "Madrid", "madrid"),
                                          (13, "ORG:madrid", "ORG", "Madrid", "madrid")):
            db.execute("INSERT INTO entities(id, key, type, name, last) VALUES (?, ?, ?, ?, ?)", (eid, key, typ, name, last))
        for doc, eid, typ, text in (("09MADRID3", 11, "PER", "Zapatero"), ("09MADRID3", 12, "PLACE", "Madrid"),
                                    ("08PARIS2", 13, "ORG", "Madrid"), ("09PARIS1", 13, "ORG", "Madrid")):
            db.execute("INSERT INTO mentions(doc, kind, paragraph, number, start, \"end\", entity_id, type, text)"
                       " VALUES (?, 'cable', 1, 1, 0, 5, ?, ?, ?)", (doc, eid, typ, text))
        db.execute("INSERT INTO enriched(doc, kind, hash, month, enriched_at) VALUES ('09MADRID3', 'cable', 'x', '2009-03', 'now')")
    assert refs(st, "type:person") == refs(st, "type:people") == refs(st, "type:PER") == {"09MADRID3"}
    assert refs(st, "type:place") == refs(st, "type:places") == {"09MADRID3"}
    assert refs(st, "type:organization") == refs(st, "type:orgs") == refs(st, "type:organisation") == {"08PARIS2", "09PARIS1"}
    assert refs(st, "type:(person OR organization)") == {"09MADRID3", "08PARIS2", "09PARIS1"}
    assert refs(st, "-type:organization") == {"09MADRID3", "07ANKARA4"}
    assert refs(st, "type:org economy") == {"08PARIS2"}
    # with entity: in the same group, the entity of that type
    assert refs(st, "entity:madrid") == {"08PARIS2", "09PARIS1"}  # the most mentioned Madrid
    assert refs(st, "entity:madrid type:place") == {"09MADRID3"}
    assert refs(st, "entity:madrid type:org") == {"08PARIS2", "09PARIS1"}
    assert refs(st, "entity:zapatero type:place") == set()  # a person, not a place
    # the type holds in its group only
    assert refs(st, "(entity:madrid type:place) OR entity:madrid") == {"09MADRID3", "08PARIS2", "09PARIS1"}
    with pytest.raises(BadQuery) as info:
        st.search("iran type:animal")
    assert info.value.token == "type:animal" and "type:person|organization|place" in info.value.reason


# -- results: facets, sorting, paging, paragraphs --------------------------------------------
def test_facets_count_every_match(st: SQLiteStore) -> None:
    res = st.search_results("", limit=1)
    assert res.total == 4 and len(res.hits) == 1
    assert dict(res.facets["origin"]) == {"Embassy Paris": 2, "Embassy Madrid": 1, "Embassy Ankara": 1}
    assert res.facets["origin"][0] == ("Embassy Paris", 2)
    assert res.facets["year"] == [(2009, 2), (2008, 1), (2007, 1)]  # newest first
    assert dict(res.facets["tag"]) == {"PREL": 2, "FR": 2, "ECON": 2, "IR": 1, "SP": 1, "TU": 1}
    assert dict(res.facets["classification"])["SECRET//NOFORN"] == 1
    res = st.search_results("nuclear", SearchFilters(origin="embassy paris"))
    assert res.total == 2 and dict(res.facets["year"]) == {2009: 1, 2008: 1}
    res = st.search_results("nothingmatchesthis")
    assert res.total == 0 and res.hits == [] and all(v == [] for v in res.facets.values())
    assert st.search_results("nuclear", facets=False).facets == {}
    d = st.search_results("nuclear").to_dict()
    assert d["total"] == 2 and d["facets"]["origin"] == [{"value": "Embassy Paris", "count": 2}]


def test_sort_by_dates_and_page(st: SQLiteStore) -> None:
    newest = [h.ref_id for h in st.search("", sort="created")]
    assert newest == ["09MADRID3", "09PARIS1", "08PARIS2", "07ANKARA4"]
    assert [h.ref_id for h in st.search("", sort="oldest")] == newest[::-1]
    assert [h.ref_id for h in st.search("", sort="created-asc", limit=2, offset=1)] == ["08PARIS2", "09PARIS1"]
    released = [h.ref_id for h in st.search("", sort="released-asc")]
    assert released[:2] == ["09PARIS1", "07ANKARA4"]
    page1 = [h.ref_id for h in st.search("nuclear OR cuba OR trade", limit=2)]
    page2 = [h.ref_id for h in st.search("nuclear OR cuba OR trade", limit=2, offset=2)]
    assert len(set(page1 + page2)) == 4
    with pytest.raises(BadQuery, match="unknown sort"):
        st.search("", sort="alphabetical")


def test_hits_point_to_the_paragraph_that_matched(st: SQLiteStore) -> None:
    [hit] = st.search("sarkozy")
    assert (hit.paragraph, hit.paragraph_index, hit.marking, hit.anchor) == (2, 1, "S/NF", "par2")
    assert hit.snippet.startswith("Sarkozy said")
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["Sarkozy"]
    assert (hit.released, hit.tags) == ("2010-11-28 18:00", ("PREL", "FR", "IR"))
    [hit] = st.search("teheran")
    assert hit.anchor == "text2" and hit.paragraph is None  # an unnumbered paragraph
    assert hit.snippet[hit.highlights[0][0] : hit.highlights[0][1]] == "Téhéran"
    # marking: points at a paragraph so marked, the one with the query's words first.
    [hit] = st.search("marking:C cooperation")
    assert hit.anchor == "par3" and hit.marking == "C"
    hits = {h.ref_id: h for h in st.search("marking:S/NF")}
    assert hits["09PARIS1"].anchor == "par2" and hits["09MADRID3"].marking == "S//NF"
    assert hits["09PARIS1"].snippet.startswith("Sarkozy said")
    # no words in the text: no paragraph
    assert st.search("tag:ECON origin:ankara")[0].anchor is None
    assert set(st.search("sarkozy")[0].to_dict()) >= {"anchor", "paragraph", "marking", "released", "tags"}


# -- freshness, versions, consistency ------------------------------------------------------------
def test_a_stored_cable_is_searchable_at_once(st: SQLiteStore) -> None:
    st.add_cable(*make_cable("09NEW5", body="Freshly stored about pineapples."))
    assert refs(st, "pineapples") == {"09NEW5"}


def test_bulk_writes_become_searchable_within_a_second(tmp_path: Path) -> None:
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000, index_commit_every=100_000)
    with open_store(s) as writer, open_store(s) as reader:
        writer.add_cable(*make_cable("09BULK1", body="Bananas in bulk."))
        t0 = time.monotonic()
        while not reader.search("bananas"):
            assert time.monotonic() - t0 < 1.0, "not searchable within 1 s"
            time.sleep(0.02)
        assert writer.check().ok


def test_an_index_of_an_older_schema_is_rebuilt_by_the_next_write(settings: Settings) -> None:
    with open_store(settings) as st:
        st.add_cables(_cables())
    (settings.index_path / VERSION_FILE).unlink()  # as an index written by cablebase ≤ v2 looks
    with open_store(settings) as st:
        with pytest.raises(Exception, match="reindex"):
            st.search("nuclear")
        assert not st.check().ok
    with open_store(settings) as st:
        st.add_cable(*make_cable("09NEW5", body="Written after the upgrade."))
        assert st.check().ok
        assert refs(st, "nuclear") == {"09PARIS1", "08PARIS2"}
        assert refs(st, "upgrade") == {"09NEW5"}
    assert f'"schema": {INDEX_SCHEMA_VERSION}' in (settings.index_path / VERSION_FILE).read_text()


def test_reindex_keeps_paragraph_hits_and_facets(st: SQLiteStore) -> None:
    before = st.search_results("nuclear OR cuba")
    assert st.reindex() == 4
    after = st.search_results("nuclear OR cuba")
    assert after.total == before.total and after.facets == before.facets
    assert [h.anchor for h in after.hits] == [h.anchor for h in before.hits]
    assert st.check().ok


# -- real cables -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    pages = CORPUS / "cablegate-2010" / "cable"
    if not pages.is_dir():
        pytest.skip(f"real corpus not found at {pages}")
    from cablebase.pipeline.ingest import ingest

    s = Settings(db_dir=tmp_path_factory.mktemp("real") / "db", index_heap_bytes=50_000_000)
    some = sorted(pages.glob("2009/*/*.html"))[::3][:150]
    with open_store(s) as st:
        r = ingest(st, some, settings=s, workers=0)
        assert not r.failures
    st = open_store(s, create=False)
    yield st
    st.close()


def test_real_facets_match_the_records(real: SQLiteStore) -> None:
    res = real.search_results("", limit=0, facet_limit=10_000)
    assert res.total == real.count()
    want = Counter(c for (c,) in real.db.execute("SELECT origin FROM cables"))
    assert dict(res.facets["origin"]) == dict(want)
    tags = Counter(t for (t,) in real.db.execute("SELECT tag FROM cable_tags"))
    assert dict(res.facets["tag"]) == dict(tags)
    years = Counter(y for (y,) in real.db.execute("SELECT year FROM cables"))
    assert dict(res.facets["year"]) == dict(years)
    assert len(real.search_results("", limit=0, facet_limit=5).facets["tag"]) == 5
    secret = real.db.execute("SELECT count(*) FROM cables WHERE classification LIKE 'SECRET%'").fetchone()[0]
    assert real.search_results("class:secret", limit=0).total == secret
    noforn = real.db.execute("SELECT count(*) FROM cables WHERE classification LIKE '%NOFORN'").fetchone()[0]
    assert real.search_results("class:noforn", limit=0).total == noforn


def test_real_paragraph_hits_are_the_paragraphs_of_the_record(real: SQLiteStore) -> None:
    seen = 0
    for q in ("iran", "government", "minister", "marking:S/NF", "marking:C election"):
        for h in real.search(q, limit=10):
            if h.paragraph_index is None:
                continue
            c = real.get_cable(h.ref_id)
            assert c is not None
            p = c.paragraphs[h.paragraph_index]
            assert p.number == h.paragraph and p.marking == h.marking
            if h.highlights:
                a, b = h.highlights[0]
                word = h.snippet[a:b].lower()
                assert word in " ".join(p.text.split()).lower(), (h.ref_id, word)
            if q.startswith("marking:S/NF"):
                assert h.marking in ("S/NF", "S//NF", "S-NF", "S/NOFORN")
            seen += 1
    assert seen >= 20


def test_real_sorting_is_by_date(real: SQLiteStore) -> None:
    hits = real.search("class:secret", sort="created", limit=50)
    dates = [h.created for h in hits]
    assert dates == sorted(dates, reverse=True)
    hits = real.search("iran", sort="released-asc", limit=50)
    rel = [h.released for h in hits]
    assert rel == sorted(rel)


def test_tag_counts_of_large_result_sets_come_from_a_sample(st: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from cablebase._store import index

    exact = st.search_results("")
    assert exact.approximate == () and exact.to_dict()["approximate"] == []
    monkeypatch.setattr(index, "TAG_EXACT_MAX", 1)
    est = st.search_results("")
    assert est.approximate == ("tag",)
    assert est.total == exact.total and est.facets["origin"] == exact.facets["origin"]  # still exact
    assert all(0 < n <= est.total for _, n in est.facets["tag"])
    assert {t for t, _ in est.facets["tag"]} <= {t for t, _ in exact.facets["tag"]}
