"""Hostile and damaged inputs: each gets one clear error line, the batch goes on, nothing
half-written is stored, and the exit code says whether anything failed."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cablebase.pipeline import ingest as pipeline
from cablebase.cli import app
from cablebase.config import Settings
from cablebase.errors import InputTooLarge
from cablebase.record import Cable
from cablebase.sources import files
from cablebase import open_archive

TELEGRAM = """\
VZCZCXRO1234
OO RUEHWEB
DE RUEHAK #{num} 3161009
ZNY CCCCC ZZH
O 121009Z NOV 09
FM AMEMBASSY ANKARA
TO RUEHC/SECSTATE WASHDC IMMEDIATE 1234
BT
C O N F I D E N T I A L ANKARA 00{num}

SIPDIS

E.O. 12958: DECL: 11/12/2019
TAGS: PREL, TU, IR
SUBJECT: TURKEY AND IRAN TALK ABOUT THE NUCLEAR FILE

Classified By: Ambassador James Jeffrey for reasons 1.4 (b,d)

\u00b61. (C) Summary: Turkey talks with Iran about the nuclear file. End summary.

\u00b62. (C) The minister said \u2018no\u2019 at the caf\u00e9 in Tehran.
JEFFREY
"""

PAGE = (
    "<html><head><title>Cable reference id: #09ASTANA95</title></head><body>\n"
    "<h3>Viewing cable 09ASTANA95, KAZAKHSTAN: THE STEPPE</h3>\n"
    "<table class='cable'><tr><th>Reference ID</th><th>Created</th><th>Released</th>"
    "<th>Classification</th><th>Origin</th></tr>\n"
    "<tr><td><a href='/cable/2009/01/09ASTANA95.html'>09ASTANA95</a></td>\n"
    "<td><a href='/date/2009-01_0.html'>2009-01-20 11:11</a></td>\n"
    "<td><a href='/reldate/2010-11-28_0.html'>2010-11-28 18:06</a></td>\n"
    "<td><a href='/classification/4_0.html' title='secret'>CONFIDENTIAL</a></td>\n"
    "<td><a href='/origin/59_0.html'>Embassy Astana</a></td></tr></table>\n"
    "<code><pre>O 201111Z JAN 09&#x000A;FM AMEMBASSY ASTANA&#x000A;TO RUEHC/SECSTATE WASHDC IMMEDIATE 4321</pre></code>\n"
    "<code><pre>C O N F I D E N T I A L SECTION 01 OF 02 ASTANA 000095 &#x000A; &#x000A;SIPDIS &#x000A; &#x000A;"
    "E.O. 12958: DECL: 01/20/2019 &#x000A;TAGS: <a href='/tag/PREL_0.html'>PREL</a>, "
    "<a href='/tag/KZ_0.html'>KZ</a> &#x000A;SUBJECT: KAZAKHSTAN: THE STEPPE &#x000A; &#x000A;"
    "<a id='par1'>\u00b6</a>1. (C) Summary: The steppe is wide. End summary. &#x000A; &#x000A;"
    "<a id='par2'>\u00b6</a>2. (C) More text about the steppe. &#x000A; &#x000A;HOAGLAND</pre></code>\n"
    "</body></html>\n"
)


def telegram(num: int = 1561) -> str:
    return TELEGRAM.format(num=num)


def ref(num: int) -> str:
    return f"09ANKARA{num}"


runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db"


@pytest.fixture
def good(tmp_path: Path) -> list[Path]:
    """Two good inputs that must be stored whatever else is in the batch."""
    a = tmp_path / "good-a.txt"
    a.write_text(telegram(1561), encoding="utf-8")
    b = tmp_path / "good-b.html"
    b.write_text(PAGE, encoding="utf-8")
    return [a, b]


def ingest(db: Path, *paths: Path, extra: list[str] | None = None):
    return runner.invoke(app, ["ingest", "--db", str(db), *(extra or []), *map(str, paths)])


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def stored(db: Path) -> tuple[set[str], int]:
    with open_archive(settings=Settings(db_dir=db), create=False) as st:
        assert st.check().ok
        return st.ref_ids(), st.stats().sources


def assert_one_failure(result, bad: Path, *words: str) -> str:
    """Exit 1; exactly one error line, naming the bad file and saying what is wrong."""
    assert result.exit_code == 1, result.stderr
    lines = error_lines(result)
    assert len(lines) == 1, result.stderr
    [line] = lines
    assert str(bad) in line
    for w in words:
        assert w.lower() in line.lower(), line
    return line


def assert_good_stored(db: Path) -> None:
    refs, sources = stored(db)
    assert refs == {"09ANKARA1561", "09ASTANA95"}
    assert sources == 2


# -- the clean case ------------------------------------------------------------------------
def test_good_inputs_ingest_with_exit_0(db: Path, good: list[Path]) -> None:
    result = ingest(db, *good)
    assert result.exit_code == 0, result.stderr
    assert error_lines(result) == []
    assert_good_stored(db)


# -- unreadable / not a cable --------------------------------------------------------------
@pytest.mark.parametrize(
    "name, content, words",
    [
        ("empty.txt", b"", ["empty"]),
        ("blank.txt", b"  \r\n\t\n  ", ["empty"]),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, ["binary"]),
        ("bad-utf16.txt", b"\xff\xfe" + b"\x00\xd8" + b"A\x00", ["UTF-16"]),
        ("readme.txt", b"Just some notes about the weather.\nNothing to see here.\n", ["no cable"]),
        ("article.html", b"<html><body><h1>News</h1><p>The minister spoke.</p></body></html>", ["no cable"]),
    ],
)
def test_bad_file_is_one_error_line_and_the_batch_goes_on(
    db: Path, good: list[Path], tmp_path: Path, name: str, content: bytes, words: list[str]
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    result = ingest(db, good[0], bad, good[1])
    assert_one_failure(result, bad, *words)
    assert_good_stored(db)


def test_truncated_html_page_is_refused(db: Path, good: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "truncated.html"
    bad.write_text(PAGE[: PAGE.index("<code><pre>") + 20], encoding="utf-8")  # cut inside the first <pre>
    result = ingest(db, good[0], bad, good[1])
    assert_one_failure(result, bad)
    assert_good_stored(db)


def test_html_page_cut_in_the_metadata_table_is_refused(db: Path, good: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "cut.html"
    bad.write_text(PAGE[: PAGE.index("Embassy Astana")], encoding="utf-8")
    result = ingest(db, good[0], bad, good[1])
    assert_one_failure(result, bad)
    assert_good_stored(db)


def test_html_page_cut_inside_the_body_is_refused(db: Path, good: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "cut-body.html"
    bad.write_text(PAGE[: PAGE.index("More text")], encoding="utf-8")
    result = ingest(db, good[0], bad, good[1])
    assert_one_failure(result, bad)
    assert_good_stored(db)


# -- encodings that must be read, not refused ----------------------------------------------
@pytest.mark.parametrize(
    "encoding",
    ["cp1252", "latin-1", "mojibake", "utf-16", "utf-8-sig"],
)
def test_legacy_encodings_are_decoded_and_raw_bytes_kept_verbatim(db: Path, tmp_path: Path, encoding: str) -> None:
    text = telegram(1561)
    if encoding == "latin-1":
        text = text.replace("\u2018", "'").replace("\u2019", "'")  # latin-1 has no curly quotes
    if encoding == "mojibake":  # UTF-8 bytes once misread as cp1252 and saved again as UTF-8
        raw = text.encode("utf-8").decode("cp1252").encode("utf-8")
    else:
        raw = text.replace("\n", "\r\n").encode(encoding)
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(raw)
    result = ingest(db, path)
    assert result.exit_code == 0, result.stderr
    with open_archive(settings=Settings(db_dir=db), create=False) as st:
        cable = st.get(ref(1561))
        assert cable is not None
        assert "caf\u00e9" in cable.paragraphs[-1].text
        assert "\u00c3" not in cable.body and "\u00e2\u20ac" not in cable.body  # no mojibake left
        [src] = st.sources(ref(1561))
        assert st.raw(src.sha256) == raw
        assert src.sha256 == hashlib.sha256(raw).hexdigest()


# -- size cap --------------------------------------------------------------------------------
def test_200_mb_file_is_refused_without_being_read(
    db: Path, good: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:
        f.truncate(200 * 2**20)  # sparse: no disk, no time
    real_open = open

    def guarded_open(path, *a, **kw):  # type: ignore[no-untyped-def]
        assert Path(path) != big, "the oversized file was opened"
        return real_open(path, *a, **kw)

    monkeypatch.setattr(files, "open", guarded_open, raising=False)
    result = ingest(db, good[0], big, good[1])
    line = assert_one_failure(result, big, "too large", "200.0 MiB", "50.0 MiB")
    assert "max_input_bytes" in line
    assert_good_stored(db)


def test_size_cap_is_a_setting(db: Path, good: list[Path]) -> None:
    result = ingest(db, *good, extra=["--max-bytes", "100"])
    assert result.exit_code == 1
    assert len(error_lines(result)) == 2
    assert all("too large" in line for line in error_lines(result))


def test_read_file_checks_size_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(10_000)
    with pytest.raises(InputTooLarge, match="over the"):
        files.read_file(big, max_bytes=9_999)
    assert files.read_file(big, max_bytes=10_000) == bytes(10_000)


# -- paths that are not files ----------------------------------------------------------------
def test_missing_path_and_empty_directory(db: Path, good: list[Path], tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    empty_dir = tmp_path / "empty-dir"
    empty_dir.mkdir()
    (empty_dir / "picture.png").write_bytes(b"\x89PNG")  # not an input suffix: ignored in a walk
    result = ingest(db, good[0], missing, empty_dir, good[1])
    assert result.exit_code == 1
    lines = error_lines(result)
    assert len(lines) == 2, result.stderr
    assert str(missing) in lines[0] and "no such file" in lines[0]
    assert str(empty_dir) in lines[1] and "no input files" in lines[1]
    assert_good_stored(db)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_not_waited_on(db: Path, good: list[Path], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = ingest(db, good[0], fifo, good[1])
    assert_one_failure(result, fifo, "not a regular file")
    assert_good_stored(db)


def test_directory_walk_skips_hidden_and_foreign_files(db: Path, tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "a.txt").write_text(telegram(1561))
    (d / ".hidden.txt").write_text("not a cable")
    (d / "notes.docx").write_bytes(b"PK\x03\x04")
    result = ingest(db, d)
    assert result.exit_code == 0, result.stderr
    assert stored(db)[0] == {ref(1561)}


# -- archives ---------------------------------------------------------------------------------
def _tar(path: Path, members: list[tuple[str, bytes]], mode: str = "w:xz") -> None:
    with tarfile.open(path, mode) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def test_tar_members_are_inputs_and_bad_members_are_named(db: Path, tmp_path: Path) -> None:
    arc = tmp_path / "site.tar.xz"
    _tar(arc, [
        ("cable/a.txt", telegram(1561).encode()),
        ("cable/empty.txt", b""),
        ("cable/b.html", PAGE.encode()),
        ("cable/image.png", b"\x89PNG"),  # not an input suffix: skipped
    ])
    result = ingest(db, arc)
    line = assert_one_failure(result, arc)
    assert f"{arc}!cable/empty.txt" in line
    assert_good_stored(db)
    with open_archive(settings=Settings(db_dir=db), create=False) as st:
        [src] = st.sources("09ASTANA95")
        assert src.location == f"{arc}!cable/b.html"


def test_truncated_archive_keeps_what_was_readable(db: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole.tar"
    _tar(whole, [("a.txt", telegram(1561).encode()), ("b.txt", telegram(1999).encode() + b" " * 20_000)], mode="w")
    cut = tmp_path / "cut.tar"
    cut.write_bytes(whole.read_bytes()[:5_000])  # inside the second member
    result = ingest(db, cut)
    line = assert_one_failure(result, cut, "archive")
    assert "truncated" in line or "damaged" in line
    refs, _ = stored(db)
    assert refs == {ref(1561)}


def test_oversized_archive_member_is_refused(db: Path, tmp_path: Path) -> None:
    arc = tmp_path / "a.tar.gz"
    _tar(arc, [("small.txt", telegram(1561).encode()), ("big.txt", b"x" * 5000)], mode="w:gz")
    result = ingest(db, arc, extra=["--max-bytes", "4000"])
    assert_one_failure(result, arc, "too large")
    assert f"{arc}!big.txt" in error_lines(result)[0]
    assert stored(db)[0] == {ref(1561)}


# -- parser and store failures -------------------------------------------------------------------
def test_a_crashing_parser_fails_only_that_input(
    db: Path, good: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison = tmp_path / "poison.txt"
    poison.write_text(telegram(1777))
    real = pipeline.parse

    def flaky(data, *, location=None, fmt=None, official=None):  # type: ignore[no-untyped-def]
        if location and location.endswith("poison.txt"):
            raise RuntimeError("boom\nwith a second line")
        return real(data, location=location, fmt=fmt, official=official)

    monkeypatch.setattr(pipeline, "parse", flaky)
    result = ingest(db, good[0], poison, good[1])
    line = assert_one_failure(result, poison, "parser failed", "RuntimeError", "boom with a second line")
    assert "\n" not in line
    assert_good_stored(db)


def test_input_with_a_cable_lacking_its_ref_id_keeps_it_under_a_provisional_key(
    db: Path, good: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = tmp_path / "two.txt"
    two.write_text(telegram(1777))
    real = pipeline.parse

    def half(data, *, location=None, fmt=None, official=None):  # type: ignore[no-untyped-def]
        cables = real(data, location=location, fmt=fmt, official=official)
        if location and location.endswith("two.txt"):
            return cables + [Cable(ref_id=None, body="orphan", source=cables[0].source)]
        return cables

    monkeypatch.setattr(pipeline, "parse", half)
    result = ingest(db, good[0], two, good[1])
    assert result.exit_code == 0, result.stderr
    assert error_lines(result) == []
    assert "1 without a reference ID, stored as UNREF-" in " ".join(result.stderr.split())
    refs, _ = stored(db)
    assert {"09ANKARA1561", "09ASTANA95", "09ANKARA1777"} < refs
    assert [r for r in refs if r.startswith("UNREF-")] and len(refs) == 4


def test_store_failure_names_the_cable_and_spares_the_batch(db: Path, good: list[Path], tmp_path: Path) -> None:
    # Prepare an archive whose database refuses one particular cable.
    assert ingest(db, good[0]).exit_code == 0
    con = sqlite3.connect(db / "cablebase.sqlite")
    con.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON cables WHEN NEW.ref_id = '09ANKARA1777'"
        " BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
    )
    con.commit()
    con.close()
    other = tmp_path / "other.txt"
    other.write_text(telegram(1777))
    result = ingest(db, other, good[1])
    line = assert_one_failure(result, other, "09ANKARA1777", "refused by trigger")
    assert line.startswith("error: ")
    refs, sources = stored(db)
    assert refs == {ref(1561), "09ASTANA95"}
    assert sources == 2


def test_parse_command_reports_bad_inputs_the_same_way(good: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["parse", "--json", str(good[0]), str(bad), str(good[1])])
    assert_one_failure(result, bad, "empty")
    assert len(result.stdout.splitlines()) == 2


def _die_on_poison(chunk: list[tuple[str, bytes]], fmt: str | None, pack: bool) -> list:
    """Runs in a worker process: dies the way a segfaulting C extension would."""
    if any(loc.endswith("poison.txt") for loc, _ in chunk):
        os._exit(139)
    return pipeline._parse_chunk(chunk, fmt, pack)


def test_a_worker_process_dying_fails_only_its_input(tmp_path: Path) -> None:
    paths = []
    for i in range(30):
        p = tmp_path / ("poison.txt" if i == 13 else f"{i:02}.txt")
        p.write_text(telegram(1000 + i))
        paths.append(p)
    results = list(pipeline._parse_pooled(files.iter_inputs(paths), None, 2, parse_fn=_die_on_poison, pack=True))
    assert [p.input.location for p in results] == [str(p) for p in paths]  # order kept
    failed = [p for p in results if isinstance(p.result, pipeline.Failure)]
    assert len(failed) == 1
    assert failed[0].input.location.endswith("poison.txt")
    assert "parser process died" in failed[0].result.reason
    ok = [p for p in results if isinstance(p.result, list)]
    assert len(ok) == 29
    assert all(p.blob is not None and p.blob.unpack() == p.input.data for p in ok)


def test_ingest_while_another_process_writes_stops_with_one_line(db: Path, good: list[Path], monkeypatch) -> None:
    assert ingest(db, good[0]).exit_code == 0
    monkeypatch.setenv("CABLEBASE_BUSY_TIMEOUT_MS", "300")  # it waits this long for the lock, then says so
    with open_archive(settings=Settings(db_dir=db)) as holder:
        holder._store.index.open_writer()  # another writer holding the index (a private handle)
        result = ingest(db, good[1])
    assert result.exit_code == 1
    [line] = error_lines(result)
    assert "another process" in line
    assert stored(db)[0] == {ref(1561)}
