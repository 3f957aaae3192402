"""The command line, end to end: parse, ingest, show, search, stats, check, reindex."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cablebase.cli import app
from cablebase.config import Settings
from cablebase.record import Cable
from cablebase import open_archive

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"

TELEGRAM = """\
R 121009Z NOV 09
FM AMEMBASSY {city_up}
TO RUEHC/SECSTATE WASHDC 1234
INFO RUEHFR/AMEMBASSY PARIS 0001
C O N F I D E N T I A L {city_up} 00{num}

SIPDIS

E.O. 12958: DECL: 11/12/2019
TAGS: {tags}
SUBJECT: {subject}

Classified By: Ambassador Somebody for reasons 1.4 (b,d)

\u00b61. (C) Summary: {body} End summary.

-------
Comment
-------

\u00b62. (SBU) A second paragraph about {word}.
SOMEBODY
"""


def telegram(num: int, city: str = "Ankara", tags: str = "PREL, TU", subject: str = "TURKEY TALKS",
             body: str = "Turkey talks with Iran about the nuclear file.", word: str = "weather") -> str:
    return TELEGRAM.format(num=num, city_up=city.upper(), tags=tags, subject=subject, body=body, word=word)


runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "ankara.txt").write_text(telegram(1561))
    (d / "paris.txt").write_text(
        telegram(2001, city="Paris", tags="PREL, FR, IR", subject="FRANCE ON IRAN SANCTIONS",
                 body="Sarkozy wants nuclear sanctions on Iran, nuclear talks stall.")
    )
    (d / "madrid.txt").write_text(
        telegram(3001, city="Madrid", tags="ECON, SP", subject="SPANISH ECONOMY",
                 body="Zapatero and the economy.", word="olive oil")
    )
    return d


@pytest.fixture
def db(tmp_path: Path, inputs: Path) -> Path:
    db = tmp_path / "db"
    result = run("ingest", "--db", str(db), str(inputs))
    assert result.exit_code == 0, result.stderr
    return db


def json_lines(text: str) -> list[dict]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


# -- parse ---------------------------------------------------------------------------------
def test_parse_json_prints_one_record_per_line(inputs: Path) -> None:
    result = run("parse", "--json", str(inputs / "paris.txt"), str(inputs / "ankara.txt"))
    assert result.exit_code == 0, result.stderr
    records = json_lines(result.stdout)
    assert [r["ref_id"] for r in records] == ["09PARIS2001", "09ANKARA1561"]
    assert records[0]["tags"] == ["PREL", "FR", "IR"]
    assert records[0]["source"]["form"] == "telegram"
    assert Cable.from_dict(records[0]).to_dict() == records[0]


def test_parse_table_and_forced_format(inputs: Path) -> None:
    result = run("parse", "--format", "telegram", str(inputs))
    assert result.exit_code == 0, result.stderr
    for r in ("09ANKARA1561", "09PARIS2001", "09MADRID3001"):
        assert r in result.stdout
    bad = run("parse", "--format", "pdf", str(inputs))
    assert bad.exit_code == 2
    assert "unknown format" in bad.stderr


# -- ingest ------------------------------------------------------------------------------------
def test_ingest_is_idempotent(db: Path, inputs: Path) -> None:
    again = run("ingest", "--db", str(db), str(inputs))
    assert again.exit_code == 0
    assert "0 new" in again.stderr and "3 unchanged" in again.stderr
    with open_archive(settings=Settings(db_dir=db), create=False) as st:
        assert st.stats().sources == 3


def test_db_from_environment(tmp_path: Path, inputs: Path) -> None:
    db = tmp_path / "env-db"
    assert run("ingest", str(inputs / "ankara.txt"), env={"CABLEBASE_DB": str(db)}).exit_code == 0
    assert (db / "cablebase.sqlite").exists() and (db / "index").is_dir()
    shown = run("show", "--json", "09ANKARA1561", env={"CABLEBASE_DB": str(db)})
    assert shown.exit_code == 0, shown.stderr


def test_ingest_with_worker_processes(tmp_path: Path) -> None:
    d = tmp_path / "many"
    d.mkdir()
    for i in range(80):  # enough to be worth a pool
        (d / f"{i:03}.txt").write_text(telegram(1000 + i))
    (d / "bad.txt").write_text("")
    db = tmp_path / "db"
    result = run("ingest", "--db", str(db), "--workers", "2", "--batch-size", "16", str(d))
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        f"error: {d / 'bad.txt'}: empty input"
    ]
    with open_archive(settings=Settings(db_dir=db), create=False) as st:
        assert len(st.ref_ids()) == 80
        assert st.check().ok


def test_a_second_source_of_a_cable_is_a_version(db: Path, tmp_path: Path) -> None:
    blog = tmp_path / "blog.txt"
    blog.write_text(telegram(1561).replace("\u00b62. (SBU) A second paragraph about weather.\n", ""))
    result = run("ingest", "--db", str(db), str(blog))
    assert result.exit_code == 0, result.stderr
    assert "1 other versions" in result.stderr
    shown = json_lines(run("show", "--db", str(db), "--json", "09ANKARA1561").stdout)[0]
    assert [s["current"] for s in shown["sources"]] == [True, False]
    assert shown["sources"][1]["location"] == str(blog)
    assert len(shown["record"]["paragraphs"]) == 2  # the fuller copy stays current


def test_show_fills_missing_metadata_from_another_version(db: Path, tmp_path: Path) -> None:
    """The current (fullest) version has no release date; a shorter blog copy has one:
    ``show`` gives it, saying which version it comes from, and leaves the record as parsed."""
    blog = tmp_path / "blog.html"
    blog.write_text(
        "<html><body><h1>Turkey and Iran</h1><p>Reference ID: 09ANKARA1561 Created: 2009-10-20 16:41 "
        "Released: 2011-08-30 01:44 Classification: CONFIDENTIAL Origin: Embassy Ankara</p>"
        "<p>\u00b61. (C) Turkey talks with Iran about the nuclear file.</p></body></html>"
    )
    result = run("ingest", "--db", str(db), str(blog))
    assert result.exit_code == 0, result.stderr
    shown = json_lines(run("show", "--db", str(db), "--json", "09ANKARA1561").stdout)[0]
    current, other = shown["sources"]
    assert current["current"] and current["form"] == "telegram" and other["form"] == "article"
    assert shown["record"]["released"] is None  # the fuller version's record, as parsed
    assert shown["from_other_versions"]["released"] == {"value": "2011-08-30 01:44", "source_id": other["id"]}
    assert "created" not in shown["from_other_versions"]  # the current version has its own
    pretty = run("show", "--db", str(db), "09ANKARA1561").stdout
    assert f"2011-08-30 01:44  (from version {other['id']})" in pretty


# -- show ------------------------------------------------------------------------------------
def test_show_pretty(db: Path) -> None:
    result = run("show", "--db", str(db), "09paris2001")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for text in ("09PARIS2001", "FRANCE ON IRAN SANCTIONS", "CONFIDENTIAL", "Embassy Paris", "¶1.", "(C)", "(SBU)",
                 "Comment", "PREL FR IR", "Sources"):
        assert text in out, text


def test_show_json_has_record_and_sources(db: Path) -> None:
    result = run("show", "--db", str(db), "--json", "09PARIS2001")
    [doc] = json_lines(result.stdout)
    assert doc["record"]["ref_id"] == "09PARIS2001"
    [src] = doc["sources"]
    assert src["current"] and src["form"] == "telegram" and len(src["sha256"]) == 64


def test_show_unknown_cable(db: Path) -> None:
    result = run("show", "--db", str(db), "99NOWHERE1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 99NOWHERE1: no such cable")


# -- search ------------------------------------------------------------------------------------
def test_search_json_and_filters(db: Path) -> None:
    hits = json_lines(run("search", "--db", str(db), "--json", "nuclear").stdout)
    assert [h["ref_id"] for h in hits] == ["09PARIS2001", "09ANKARA1561"]
    assert set(hits[0]) >= {"ref_id", "subject", "created", "origin", "classification", "score", "snippet"}
    assert "nuclear" in hits[0]["snippet"].lower()
    filtered = json_lines(run("search", "--db", str(db), "--json", "nuclear", "--tag", "tu").stdout)
    assert [h["ref_id"] for h in filtered] == ["09ANKARA1561"]
    by_origin = json_lines(run("search", "--db", str(db), "--json", "", "--origin", "Embassy Madrid").stdout)
    assert [h["ref_id"] for h in by_origin] == ["09MADRID3001"]
    none = run("search", "--db", str(db), "--json", "nuclear", "--year", "1999", "--classification", "SECRET")
    assert none.exit_code == 0 and none.stdout == ""
    limited = json_lines(run("search", "--db", str(db), "--json", "*", "--limit", "2").stdout)
    assert len(limited) == 2


def test_search_pretty_and_bad_query(db: Path) -> None:
    result = run("search", "--db", str(db), "olive")
    assert result.exit_code == 0
    assert "09MADRID3001" in result.stdout and "SPANISH ECONOMY" in result.stdout
    bad = run("search", "--db", str(db), "olive AND (")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: bad search query")


def test_commands_on_a_missing_archive_say_so(tmp_path: Path) -> None:
    for cmd in (["search", "x"], ["show", "X"], ["stats"], ["check"], ["reindex"]):
        result = run(*cmd, "--db", str(tmp_path / "none"))
        assert result.exit_code == 1, cmd
        assert "no archive at" in result.stderr
    assert not (tmp_path / "none").exists()


# -- stats / check / reindex ----------------------------------------------------------------------
def test_stats(db: Path) -> None:
    s = json_lines(run("stats", "--db", str(db), "--json").stdout)[0]
    assert (s["cables"], s["sources"], s["raw_inputs"], s["indexed"]) == (3, 3, 3, 3)
    assert s["by_origin"] == {"Embassy Ankara": 1, "Embassy Madrid": 1, "Embassy Paris": 1}
    assert s["by_year"] == {"2009": 3}
    pretty = run("stats", "--db", str(db))
    assert "by classification" in pretty.stdout and "CONFIDENTIAL" in pretty.stdout


def test_check_reports_drift_and_reindex_repairs_it(db: Path) -> None:
    ok = run("check", "--db", str(db))
    assert ok.exit_code == 0 and "ok" in ok.stdout
    shutil.rmtree(db / "index")  # lose the index entirely
    drift = run("check", "--db", str(db))
    assert drift.exit_code == 1
    assert "3 stored but not in the index" in drift.stderr
    assert json_lines(run("check", "--db", str(db), "--json").stdout)[0]["missing_from_index"] == [
        "09ANKARA1561", "09MADRID3001", "09PARIS2001",
    ]
    re = run("reindex", "--db", str(db))
    assert re.exit_code == 0 and "indexed 3" in re.stderr
    assert run("check", "--db", str(db)).exit_code == 0
    assert json_lines(run("search", "--db", str(db), "--json", "olive").stdout)[0]["ref_id"] == "09MADRID3001"


def test_feed_and_channel_groups_are_registered() -> None:
    assert run("channel", "--help").exit_code == 0
    assert run("feed", "--help").exit_code == 0
    assert run("--version").stdout.startswith("cablebase ")


# -- real corpus ------------------------------------------------------------------------------------
def test_real_cablegate_pages_ingest_and_search(tmp_path: Path) -> None:
    pages = CORPUS / "cablegate-2010" / "cable"
    if not pages.is_dir():
        pytest.skip(f"real corpus not found at {pages}")
    some = sorted(pages.glob("2009/1*/*.html"))[:40]
    db = tmp_path / "db"
    result = run("ingest", "--db", str(db), *map(str, some))
    assert result.exit_code == 0, result.stderr
    with open_archive(settings=Settings(db_dir=db), create=False) as st:
        assert len(st.ref_ids()) == len(some)
        assert st.check().ok
        one = st.get(some[0].stem)
        assert one is not None and one.origin and one.classification
        hits = st.search(one.subject.split()[0] if one.subject else one.ref_id)
        assert hits


def test_db_that_is_a_file_is_a_clear_error(tmp_path: Path, inputs: Path) -> None:
    f = tmp_path / "not-a-dir"
    f.write_text("")
    result = run("ingest", "--db", str(f), str(inputs))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {f} is a file; the archive (--db) is a directory"
