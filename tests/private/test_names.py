"""Every name of a cable finds it; nothing found is thrown away.

Small archives built from cable texts written here: a ``cables.csv`` row under WikiLeaks'
malformed ID ``09EFTOLONDON2187``, telegrams read as ``09SANJOSE525`` (officially
``09SECTION01OF03SANJOSE525``) and ``74ATHENS2959`` (CFPF ``1974ATHENS02959``), and a partial
extract whose reference ID cannot be read. Each name is asked through ``Store.get_cable``,
``cablebase show``, the query language's ``ref:``, the web's ``/cable/NAME`` and article links.
"""

from __future__ import annotations

import hashlib
import sqlite3
from html import escape
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cablebase.cli import app
from cablebase.config import Settings
from cablebase.enrich.links import find_cables
from cablebase.parse import parse
from cablebase.record import Cable, Paragraph, Source
from cablebase._store import open_store
from cablebase._store.names import record_text, text_key
from cablebase.model import is_provisional
from cablebase._store.sqlite import SQLiteStore

OFFICIAL = "09EFTOLONDON2187,2009-10\n09LONDON100,2009-01\n09SECTION01OF03SANJOSE525,2009-07\n09SANJOSE100,2009-01\n74ATHENS2959,1974-03\n"

LONDON_BODY = """UNCLASSIFIED SECTION 01 OF 02 LONDON 002187

E.O. 12958: N/A
TAGS: ETRD, UK
SUBJECT: PINEAPPLE TRADE TALKS

1. (U) The pineapple negotiators met on Tuesday and agreed on nothing.

2. (U) Comment: the marmalade question remains open. End comment.
"""
LONDON_CSV = ('"1","10/12/2009 15:30","09EFTOLONDON2187","Embassy London","UNCLASSIFIED","",'
              '"R 121530Z OCT 09\nFM AMEMBASSY LONDON\nTO SECSTATE WASHDC 1234\n","' + LONDON_BODY + '"\n')
LONDON_PARTIAL = LONDON_BODY.replace("agreed on nothing.", "agreed   on\n nothing.")  # the same text, other spacing
SANJOSE = """R 011200Z JUL 09
FM AMEMBASSY SAN JOSE
TO SECSTATE WASHDC 0001
C O N F I D E N T I A L SECTION 01 OF 03 SAN JOSE 000525

E.O. 12958: DECL: 07/01/2019
TAGS: PGOV, CS
SUBJECT: COFFEE HARVEST POLITICS

1. (C) The coffee growers lobbied the assembly about the harvest.
"""
ATHENS = """R 121530Z MAR 74
FM AMEMBASSY ATHENS
TO SECSTATE WASHDC 1111
C O N F I D E N T I A L ATHENS 2959

E.O. 11652: GDS
TAGS: PFOR, GR
SUBJECT: OLIVE OIL DIPLOMACY

1. (C) The olive oil delegation arrived in Athens on Monday.
"""

NAMES = [  # (asked, stored)
    ("09EFTOLONDON2187", "09EFTOLONDON2187"),
    ("09LONDON2187", "09EFTOLONDON2187"),
    ("09london2187", "09EFTOLONDON2187"),
    ("09SANJOSE525", "09SANJOSE525"),
    ("09SECTION01OF03SANJOSE525", "09SANJOSE525"),
    ("74ATHENS2959", "74ATHENS2959"),
    ("1974ATHENS02959", "74ATHENS2959"),
    ("1974ATHENS02959_b", "74ATHENS2959"),
]

runner = CliRunner()


def cli(*args: str, env: dict[str, str]):
    return runner.invoke(app, list(args), env=env)


def write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("names")
    official = write(d, "cable2month.csv", OFFICIAL)
    return {"CABLEBASE_DB": str(d / "db"), "CABLEBASE_OFFICIAL_IDS": str(official)}


@pytest.fixture(scope="module")
def archive(env, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    inputs = [write(d, "london.csv", LONDON_CSV), write(d, "sanjose.txt", SANJOSE), write(d, "athens.txt", ATHENS)]
    r = cli("ingest", *map(str, inputs), env=env)
    assert r.exit_code == 0, r.stderr
    return Path(env["CABLEBASE_DB"])


@pytest.fixture(scope="module")
def store(archive):
    st = open_store(Settings(db_dir=archive), create=False)
    yield st
    st.close()


@pytest.fixture(scope="module")
def client(archive, store):
    from fastapi.testclient import TestClient

    from cablebase.web.app import create_app
    from cablebase import WebSettings

    store.flush()
    with TestClient(create_app(Settings(db_dir=archive), WebSettings()), raise_server_exceptions=False) as c:
        yield c


# -- every name ---------------------------------------------------------------------------------
def test_the_archive_holds_the_three_cables_under_their_ids(store) -> None:
    assert store.ref_ids() == {"09EFTOLONDON2187", "09SANJOSE525", "74ATHENS2959"}
    assert store.check().ok


@pytest.mark.parametrize("asked,stored", NAMES)
def test_store_finds_a_cable_by_any_name(store, asked, stored) -> None:
    assert store.resolve(asked) == [stored]
    assert store.get_cable(asked).ref_id == stored
    assert [s.ref_id for s in store.get_sources(asked)] == [stored]


@pytest.mark.parametrize("asked,stored", NAMES)
def test_show_finds_a_cable_by_any_name(env, archive, asked, stored) -> None:
    r = cli("show", asked, "--json", env=env)
    assert r.exit_code == 0, r.stderr
    shown = orjson.loads(r.stdout)
    assert shown["key"] == stored and shown["record"]["ref_id"] == stored and not shown["provisional"]
    r = cli("show", asked, env=env)
    assert r.exit_code == 0 and stored in r.stdout


@pytest.mark.parametrize("asked,stored", NAMES)
def test_ref_query_matches_any_name(store, asked, stored) -> None:
    assert [h.ref_id for h in store.search(f"ref:{asked}")] == [stored]
    assert [h.ref_id for h in store.search(f"ref:{asked[:9]}*")] == [stored]


def test_ref_query_of_an_unknown_name_matches_nothing(store) -> None:
    assert store.search("ref:09LONDON2188") == [] and store.search("ref:1975ATHENS02959") == []


@pytest.mark.parametrize("asked,stored", NAMES)
def test_web_address_of_any_name_answers_under_the_stored_one(client, asked, stored) -> None:
    for suffix in ("", ".json"):
        r = client.get(f"/cable/{asked}{suffix}", follow_redirects=False)
        if asked == stored:
            assert r.status_code == 200
        else:
            assert r.status_code == 301 and r.headers["location"] == f"/cable/{stored}{suffix}"
    j = client.get(f"/cable/{asked}.json").json()
    assert j["ref_id"] == stored and j["record"]["ref_id"] == stored
    assert client.get(f"/api/cables/{asked}").json()["ref_id"] == stored


def test_cable_page_lists_the_other_names(client) -> None:
    j = client.get("/cable/74ATHENS2959.json").json()
    assert j["names"] == ["1974ATHENS02959"] and j["provisional"] is False
    assert "1974ATHENS02959" in client.get("/cable/74ATHENS2959").text
    assert "09LONDON2187" in client.get("/cable/09EFTOLONDON2187.json").json()["names"]


# -- article links --------------------------------------------------------------------------
ARTICLE = ("<p>Two cables: the CFPF telegram 1974ATHENS02959 on olive oil and 09LONDON2187 on pineapples.</p>"
           '<p>See also <a href="https://wikileaks.org/cable/2009/07/09SECTION01OF03SANJOSE525.html">the coffee'
           ' cable</a> and <a href="https://wikileaks.org/plusd/cables/1974ATHENS02959_b.html">PlusD</a>.</p>')


def test_find_cables_reads_cfpf_ids_and_malformed_ids() -> None:
    text = "1974ATHENS02959 and 1975STATE046226_b, 7575LIBREVILLE1895, 09SECTION01OF03SANJOSE525 and 09EFTOLONDON2187"
    assert [l.ref_id for l in find_cables(text)] == [
        "74ATHENS2959", "75STATE46226", "75LIBREVILLE1895", "09SANJOSE525", "09LONDON2187"]
    assert {l.ref_id for l in find_cables("https://wikileaks.org/plusd/cables/1974ATHENS02959_b.html")} == {"74ATHENS2959"}
    assert find_cables("2009BRASILIA1315 and 1999MEXICO00983 and 1974NOTAPOST02959") == []


def test_article_links_under_any_name_reach_the_stored_cable(archive, client) -> None:
    from feedserver import FeedServer, rss

    from cablebase.pipeline.poll import PollSettings, add_feed, poll
    from cablebase.sources.net import NetPolicy
    from cablebase._store.channels import ChannelStore

    srv = FeedServer()
    try:
        feed = rss("Names", [{"title": "Olives and pineapples", "link": srv.url("/post/1"), "guid": "p1",
                              "pubDate": "Wed, 01 Jun 2011 12:00:00 +0000", "content": ARTICLE}], link=srv.url("/"))
        url = srv.route("/feed/", feed)
        chan = ChannelStore.open(archive / "cablebase.sqlite")
        settings = PollSettings(net=NetPolicy(allow=("127.0.0.1",)), request_timeout=20)
        add_feed(chan, url, "Names", settings=settings)
        assert poll(chan, settings).new == 1
        chan.db.close()
    finally:
        srv.close()
    arts = client.get("/channel/Names.json").json()
    aid = (arts.get("articles") or arts.get("items"))[0]["id"]
    a = client.get(f"/article/{aid}.json").json()
    links = {c["ref_id"]: c for c in a["cables"]}
    assert set(links) == {"74ATHENS2959", "09LONDON2187", "09SANJOSE525"}
    assert all(c["in_archive"] for c in links.values())
    assert links["09LONDON2187"]["url"] == "/cable/09EFTOLONDON2187"
    assert links["09LONDON2187"]["subject"] == "PINEAPPLE TRADE TALKS"
    for stored in ("09EFTOLONDON2187", "74ATHENS2959", "09SANJOSE525"):
        assert [x["id"] for x in client.get(f"/cable/{stored}.json").json()["articles"]] == [aid]


# -- names claimed by two cables, CFPF IDs stored -----------------------------------------------
def cable(ref_id: str | None, body: str) -> tuple[Cable, bytes]:
    raw = f"{ref_id} {body}".encode()
    return Cable(ref_id=ref_id, origin="Embassy Paris", subject=body[:20], body=body,
                 paragraphs=[Paragraph(1, "U", None, body)],
                 source=Source("telegram", f"{ref_id}.txt", hashlib.sha256(raw).hexdigest())), raw


@pytest.fixture
def bare(tmp_path: Path):
    st = open_store(Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000))
    yield st
    st.close()


def test_a_name_two_cables_claim_points_to_neither_until_one_is_stored_under_it(bare: SQLiteStore, tmp_path) -> None:
    bare.add_cables([cable("09EFTOPARIS100", "Cheese."), cable("09SBUPARIS100", "Wine.")])
    bare.flush()
    assert bare.resolve("09PARIS100") == ["09EFTOPARIS100", "09SBUPARIS100"]
    assert bare.get_cable("09PARIS100") is None and bare.get_sources("09PARIS100") == []
    r = cli("show", "09PARIS100", env={"CABLEBASE_DB": str(tmp_path / "db")})
    assert r.exit_code == 1 and "a name of 2 cables: 09EFTOPARIS100, 09SBUPARIS100" in " ".join(r.stderr.split())
    bare.add_cable(*cable("09PARIS100", "Bread."))  # the stored ref_id itself wins
    assert bare.get_cable("09PARIS100").body == "Bread."
    assert bare.get_cable("09EFTOPARIS100").body == "Cheese."
    assert bare.check().ok


def test_a_cable_stored_under_its_cfpf_id_answers_to_the_short_one(bare: SQLiteStore) -> None:
    bare.add_cable(*cable("1976ROME01234", "Pasta."))
    bare.flush()
    for asked in ("1976ROME01234", "76ROME1234", "1976ROME01234_b", "76rome1234"):
        assert bare.get_cable(asked).ref_id == "1976ROME01234"
        assert [h.ref_id for h in bare.search(f"ref:{asked}")] == ["1976ROME01234"]


def test_names_are_filled_for_an_older_archive_and_checked(tmp_path: Path) -> None:
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000)
    with open_store(s) as st:
        st.add_cables([cable("09EFTOPARIS100", "Cheese."), cable(None, "Nobody knows.")])
    con = sqlite3.connect(s.sqlite_path)  # as archive schema v3 left it: no names, the plain view
    con.executescript(
        "DROP TABLE cable_names; DROP VIEW cable_records; CREATE VIEW cable_records AS SELECT c.ref_id AS ref_id,"
        " s.record AS record FROM cables c JOIN sources s ON s.id = c.source_id; PRAGMA user_version = 3;")
    con.close()
    with open_store(s) as st:
        assert st.get_cable("09PARIS100").ref_id == "09EFTOPARIS100"
        key = text_key("Nobody knows.")
        assert st.get_cable(key).ref_id == key and st.check().ok
        st.db.execute("DELETE FROM cable_names WHERE ref_id = '09EFTOPARIS100'")
        problems = st.check().integrity
        assert any("lack their own name" in p for p in problems)
        st.reindex()
        assert st.check().ok and st.get_cable("09PARIS100") is not None


# -- nothing found is thrown away -------------------------------------------------------------
@pytest.fixture
def fresh(tmp_path: Path, env) -> tuple[dict[str, str], Path]:
    e = dict(env, CABLEBASE_DB=str(tmp_path / "db"), CABLEBASE_OFFICIAL_IDS="")  # (the list would infer the ID)
    return e, tmp_path


def test_the_partial_and_the_full_copy_have_the_same_text_key() -> None:
    [part] = parse(LONDON_PARTIAL.encode(), fmt="telegram")
    [full] = parse(LONDON_CSV.encode())
    assert part.ref_id is None and full.ref_id == "09EFTOLONDON2187"
    assert record_text(part) != record_text(full)  # spaced differently...
    assert text_key(record_text(part)) == text_key(record_text(full))  # ...the same text


def test_a_cable_without_reference_id_is_stored_found_and_merged_into_the_real_one(fresh) -> None:
    env, d = fresh
    part = write(d, "partial.txt", LONDON_PARTIAL)
    r = cli("parse", str(part), "--json", env=env)
    assert r.exit_code == 0 and orjson.loads(r.stdout)["ref_id"] is None
    r = cli("ingest", str(part), env=env)
    assert r.exit_code == 0, r.stderr
    key = text_key(LONDON_PARTIAL)
    assert f"1 without a reference ID, stored as {key}" in " ".join(r.stderr.split())
    assert key.startswith("UNREF-") and len(key) == 22 and is_provisional(key)

    # stored, searchable by its text and by its key, shown marked as such
    r = cli("show", key, "--json", env=env)
    shown = orjson.loads(r.stdout)
    assert shown["key"] == key and shown["provisional"] and shown["record"]["ref_id"] is None
    assert [s["location"] for s in shown["sources"]] == [str(part)]
    r = cli("show", key.lower(), env=env)
    assert r.exit_code == 0 and "no reference ID read" in " ".join(r.stdout.split())
    for q in ("pineapple marmalade", f"ref:{key}"):
        r = cli("search", q, "--json", env=env)
        assert [orjson.loads(x)["ref_id"] for x in r.stdout.splitlines()] == [key], q
    with _client(d / "db") as web:
        page = web.get(f"/cable/{key}")
        assert page.status_code == 200 and 'id="provisional"' in page.text
        assert web.get(f"/cable/{key}.json").json()["provisional"] is True

    # the same text arrives with its ID: the provisional cable becomes a version of the real one
    full = write(d, "london.csv", LONDON_CSV)
    r = cli("ingest", str(full), env=env)
    assert r.exit_code == 0, r.stderr
    with open_store(Settings(db_dir=d / "db"), create=False) as st:
        assert st.ref_ids() == {"09EFTOLONDON2187"}
        assert st.check().ok
        assert st.get_cable(key).ref_id == "09EFTOLONDON2187"
        assert st.get_cable("09LONDON2187").created == "2009-10-12 15:30"  # the full copy is the one shown
        assert sorted(s.location for s in st.get_sources(key)) == sorted([str(part), str(full)])
        assert [h.ref_id for h in st.search("pineapple marmalade")] == ["09EFTOLONDON2187"]
        assert st.db.execute("SELECT count(*) FROM index_pending").fetchone()[0] == 0
    r = cli("show", key, "--json", env=env)
    assert orjson.loads(r.stdout)["key"] == "09EFTOLONDON2187"
    with _client(d / "db") as web:
        r = web.get(f"/cable/{key}", follow_redirects=False)
        assert r.status_code == 301 and r.headers["location"] == "/cable/09EFTOLONDON2187"
    assert cli("check", env=env).exit_code == 0

    # the unreferenced copy again, and a second one: versions of the real cable at once
    again = write(d, "again.txt", LONDON_PARTIAL + "\n")
    r = cli("ingest", str(part), str(again), env=env)
    assert r.exit_code == 0, r.stderr
    assert "2 without a reference ID, stored as versions of known cables" in " ".join(r.stderr.split())
    with open_store(Settings(db_dir=d / "db"), create=False) as st:
        assert st.ref_ids() == {"09EFTOLONDON2187"} and len(st.get_sources("09EFTOLONDON2187")) == 3
        assert st.check().ok


def test_an_input_with_no_cable_at_all_still_says_so_once(fresh) -> None:
    env, d = fresh
    junk = write(d, "list.txt", "Just a shopping list.\nMilk\nEggs\n")
    r = cli("ingest", str(junk), env=env)
    assert r.exit_code == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no cable found" in errors[0]


def _client(db: Path):
    from fastapi.testclient import TestClient

    from cablebase.web.app import create_app
    from cablebase import WebSettings

    return TestClient(create_app(Settings(db_dir=db), WebSettings()), raise_server_exceptions=False)


def test_a_merge_whose_index_update_failed_is_repaired_by_the_next_writer(tmp_path: Path, monkeypatch) -> None:
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000)
    text = "The same text, read once without its reference ID."
    with open_store(s) as st:
        [added] = st.add_cables([cable(None, text)])
    key = added.ref_id
    st = open_store(s)
    monkeypatch.setattr(st.index, "delete", lambda refs: (_ for _ in ()).throw(OSError("disk full")))
    from cablebase.errors import IndexNotUpdated

    with pytest.raises(IndexNotUpdated):
        st.add_cables([cable("09PARIS200", text)])
    monkeypatch.undo()
    st.index.close()
    st.db.close()
    with open_store(s) as st:  # records merged, index behind: listed in index_pending
        assert st.ref_ids() == {"09PARIS200"}
        assert key in st.check().extra_in_index
        st.add_cables([cable("09PARIS201", "Another cable.")])
        st.flush()
        assert st.check().ok
        assert [h.ref_id for h in st.search("reference")] == ["09PARIS200"]
