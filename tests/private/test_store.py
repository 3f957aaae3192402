"""The archive: SQLite records + tantivy index, with hand-made cables (no parser needed)."""

from __future__ import annotations

import dataclasses
import threading
import time
import hashlib
import zlib
import sqlite3
from pathlib import Path

import orjson
import pytest

from cablebase.config import Settings, resolve_db_dir
from cablebase.errors import StoreError
from cablebase.record import Cable, Paragraph, Reference, Source
from cablebase._store.sqlite import SCHEMA_VERSION
from cablebase._store import SQLiteStore, Store, open_store
from cablebase.errors import IndexNotUpdated
from cablebase.errors import BadQuery
from cablebase.model import Outcome, SearchFilters

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"


def make_cable(ref_id: str = "09ANKARA1561", raw: bytes | None = None, **kw: object) -> tuple[Cable, bytes]:
    raw = raw if raw is not None else f"raw bytes of {ref_id} {kw.get('body', '')}".encode()
    fields: dict[str, object] = dict(
        ref_id=ref_id,
        origin="Embassy Ankara",
        created="2009-11-12 09:09",
        released="2010-11-28 18:06",
        classification="CONFIDENTIAL",
        tags=["PREL", "TU"],
        subject="TURKEY AND IRAN",
        references=[Reference("A", "09ANKARA1400", "09ANKARA1400")],
        paragraphs=[Paragraph(1, "C", "Summary", "Turkey talks with Iran.")],
        body="Turkey talks with Iran about the nuclear file.",
        source=Source("telegram", f"{ref_id}.txt", hashlib.sha256(raw).hexdigest()),
    )
    fields.update(kw)
    return Cable(**fields), raw  # type: ignore[arg-type]


@pytest.fixture
def settings(archive_settings: Settings) -> Settings:
    """A new archive on each backend (the contract: ``conftest.archive_settings``)."""
    return archive_settings


sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
"""For what only the embedded archive has (its file, WAL, SQLite's own checks)."""
pg_only = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
"""For what only the team server does (a second writer's records indexed by the first)."""


@pytest.fixture
def store(settings: Settings):
    st = open_store(settings)
    yield st
    st.close()


def count(st: SQLiteStore, table: str) -> int:
    return st.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# -- opening -----------------------------------------------------------------------------
@sqlite_only
def test_store_implements_protocol_and_uses_wal(store: SQLiteStore) -> None:
    assert isinstance(store, Store)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == store.settings.busy_timeout_ms
    assert store.settings.sqlite_path.exists()


def test_open_missing_archive_without_create_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no archive at"):
        open_store(Settings(db_dir=tmp_path / "nothing"), create=False)
    assert not (tmp_path / "nothing").exists()


def test_db_location_flag_beats_env_beats_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CABLEBASE_DB", raising=False)
    default = resolve_db_dir()
    assert default.name == "cablebase"
    monkeypatch.setenv("CABLEBASE_DB", str(tmp_path / "env"))
    assert resolve_db_dir() == tmp_path / "env"
    assert resolve_db_dir(tmp_path / "flag") == tmp_path / "flag"


# -- adding ------------------------------------------------------------------------------
def test_add_then_get_round_trips_the_record(store: SQLiteStore) -> None:
    cable, raw = make_cable()
    assert store.add_cable(cable, raw).outcome is Outcome.NEW
    got = store.get_cable("09ANKARA1561")
    assert got is not None
    assert got.to_dict() == cable.to_dict()
    assert store.get_cable("09ankara1561") is not None  # case-insensitive lookup
    assert store.get_cable("NOPE") is None
    [src] = store.get_sources("09ANKARA1561")
    assert src.current and src.form == "telegram" and src.size == len(raw)
    assert store.get_raw(src.sha256) == raw


def test_same_bytes_again_changes_nothing(store: SQLiteStore) -> None:
    cable, raw = make_cable()
    store.add_cable(cable, raw)
    before = {t: count(store, t) for t in ("cables", "sources", "raw_inputs", "cable_tags")}
    updated = store.db.execute("SELECT updated, source_id FROM cables").fetchone()
    again = store.add_cables([(cable, raw), (cable, raw)])
    assert [a.outcome for a in again] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert {t: count(store, t) for t in before} == before
    assert store.db.execute("SELECT updated, source_id FROM cables").fetchone() == updated
    assert store.index.num_docs == 1


def test_other_sources_are_versions_and_the_fullest_is_current(store: SQLiteStore) -> None:
    html, html_raw = make_cable(raw=b"<html>page</html>")
    blog, blog_raw = make_cable(raw=b"blog post", partial=True, body="Turkey talks", paragraphs=[])
    fuller, fuller_raw = make_cable(
        raw=b"fuller",
        paragraphs=[Paragraph(1, "C", "Summary", "Turkey talks with Iran."), Paragraph(2, "C", None, "More.")],
    )
    assert store.add_cable(blog, blog_raw).outcome is Outcome.NEW
    assert store.add_cable(html, html_raw).outcome is Outcome.UPDATED  # complete beats partial
    assert store.add_cable(blog, blog_raw).outcome is Outcome.UNCHANGED
    assert store.get_cable("09ANKARA1561").partial is False
    assert store.add_cable(fuller, fuller_raw).outcome is Outcome.UPDATED  # more paragraphs
    assert len(store.get_cable("09ANKARA1561").paragraphs) == 2
    lesser, lesser_raw = make_cable(raw=b"lesser", body="short", paragraphs=[])
    assert store.add_cable(lesser, lesser_raw).outcome is Outcome.VERSION
    sources = store.get_sources("09ANKARA1561")
    assert len(sources) == 4
    assert sources[0].current and sources[0].sha256 == hashlib.sha256(b"fuller").hexdigest()
    assert sum(s.current for s in sources) == 1
    assert {store.get_raw(s.sha256) for s in sources} == {html_raw, blog_raw, fuller_raw, lesser_raw}
    assert count(store, "cables") == 1
    assert store.index.ref_ids() == ["09ANKARA1561"]  # replaced, not duplicated


def test_versions_in_one_batch_pick_the_fullest(store: SQLiteStore) -> None:
    a, ra = make_cable(raw=b"a", partial=True)
    b, rb = make_cable(raw=b"b", body="x" * 500)
    c, rc = make_cable(raw=b"c", body="y")
    results = store.add_cables([(a, ra), (b, rb), (c, rc)])
    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.UPDATED, Outcome.VERSION]
    assert store.get_cable("09ANKARA1561").body == "x" * 500
    assert count(store, "cables") == 1 and count(store, "sources") == 3


def test_one_input_with_many_cables_stores_its_bytes_once(store: SQLiteStore) -> None:
    raw = b"a CSV dump holding three cables"
    sha = hashlib.sha256(raw).hexdigest()
    items = [make_cable(r, raw=raw, source=Source("csv", "dump.csv", sha))[0] for r in ("66X1", "66X2", "66X3")]
    store.add_cables([(c, raw) for c in items])
    assert count(store, "raw_inputs") == 1
    assert count(store, "sources") == 3
    assert store.ref_ids() == {"66X1", "66X2", "66X3"}


def test_tags_table_follows_the_current_record(store: SQLiteStore) -> None:
    a, ra = make_cable(raw=b"a", partial=True, tags=["PREL", "PREL", "TU"])
    store.add_cable(a, ra)
    b, rb = make_cable(raw=b"b", tags=["KNNP", "IR"])
    store.add_cable(b, rb)
    tags = [r[0] for r in store.db.execute("SELECT tag FROM cable_tags ORDER BY tag")]
    assert tags == ["IR", "KNNP"]


def test_cable_without_ref_id_is_stored_under_a_provisional_key(store: SQLiteStore) -> None:
    good, raw = make_cable()
    bad, braw = make_cable(ref_id=None, body="A text no other cable has.")  # type: ignore[arg-type]
    added = store.add_cables([(good, raw), (bad, braw)])
    assert added[0].ref_id == "09ANKARA1561" and added[1].ref_id.startswith("UNREF-")
    assert count(store, "sources") == 2 and count(store, "raw_inputs") == 2
    assert store.get_cable(added[1].ref_id).body == "A text no other cable has."
    assert store.check().ok


def test_raw_bytes_must_match_the_hash_the_parser_recorded(store: SQLiteStore) -> None:
    cable, _ = make_cable()
    with pytest.raises(StoreError, match="not those"):
        store.add_cable(cable, b"some other bytes")


def refuse_cable(store: SQLiteStore, ref_id: str) -> None:
    """A trigger that makes the database refuse to store ``ref_id`` ("boom"), on either engine."""
    if isinstance(store.db, sqlite3.Connection):
        store.db.execute(f"CREATE TRIGGER boom BEFORE INSERT ON cables WHEN NEW.ref_id = '{ref_id}'"
                         " BEGIN SELECT RAISE(ABORT, 'boom'); END")
        return
    store.db.raw.execute(f"CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.ref_id = '{ref_id}' THEN"
                         " RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
    store.db.raw.execute("CREATE TRIGGER boom BEFORE INSERT ON cables FOR EACH ROW EXECUTE FUNCTION boom()")


def test_a_failing_batch_stores_nothing_at_all(store: SQLiteStore) -> None:
    # Make the database refuse the second cable half-way through the batch.
    refuse_cable(store, "09BAD2")
    items = [make_cable("09GOOD1"), make_cable("09BAD2"), make_cable("09GOOD3")]
    with pytest.raises(StoreError, match="boom"):
        store.add_cables(items)
    for t in ("cables", "sources", "raw_inputs", "cable_tags"):
        assert count(store, t) == 0, t
    assert store.index.num_docs == 0
    # The good ones go in on their own; the bad one is still refused, whole.
    assert store.add_cable(*items[0]).outcome is Outcome.NEW
    with pytest.raises(StoreError):
        store.add_cable(*items[1])
    assert store.ref_ids() == {"09GOOD1"}
    assert count(store, "sources") == 1


def test_index_failure_after_commit_is_reported_detected_and_repaired(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_cable(*make_cable("09ONE1"))

    def broken(cables: object, **_: object) -> int:
        raise ValueError("disk full")

    monkeypatch.setattr(store.index, "upsert", broken)
    with pytest.raises(IndexNotUpdated, match="reindex") as info:
        store.add_cable(*make_cable("09TWO2"))
    assert [a.outcome for a in info.value.results] == [Outcome.NEW]
    monkeypatch.undo()
    assert store.ref_ids() == {"09ONE1", "09TWO2"}  # records committed
    report = store.check()
    assert not report.ok
    assert report.missing_from_index == ["09TWO2"] and report.extra_in_index == []
    assert store.reindex() == 2
    assert store.check().ok


def test_check_finds_documents_the_store_does_not_hold(store: SQLiteStore) -> None:
    store.add_cable(*make_cable("09ONE1"))
    ghost, _ = make_cable("09GHOST9")
    store.index.upsert([ghost])
    store.index.commit()
    # and a duplicate, written behind the store's back
    from cablebase._store.index import to_document

    store.index.writer.add_document(to_document(make_cable("09ONE1")[0]))
    store.index.writer.commit()
    report = store.check()
    assert report.extra_in_index == ["09GHOST9"]
    assert report.duplicated_in_index == ["09ONE1"]
    assert not report.ok
    store.reindex()
    assert store.check().ok


@sqlite_only
def test_check_reports_sqlite_integrity_problems(store: SQLiteStore) -> None:
    store.add_cable(*make_cable("09ONE1"))
    store.db.execute("PRAGMA foreign_keys = OFF")
    store.db.execute("UPDATE cables SET source_id = 999")
    report = store.check()
    assert any("foreign key" in p for p in report.integrity)
    assert not report.ok


def test_reopening_keeps_everything(settings: Settings) -> None:
    with open_store(settings) as st:
        st.add_cable(*make_cable("09ONE1"))
    with open_store(settings, create=False) as st:
        assert st.ref_ids() == {"09ONE1"}
        assert [h.ref_id for h in st.search("nuclear")] == ["09ONE1"]
        assert st.check().ok


def test_iter_cables_yields_current_records_in_ref_order(store: SQLiteStore) -> None:
    for r in ("10B2", "09A1", "08C3"):
        store.add_cable(*make_cable(r))
    assert [c.ref_id for c in store.iter_cables()] == ["08C3", "09A1", "10B2"]


def test_stored_record_json_is_the_records_to_dict(store: SQLiteStore) -> None:
    cable, raw = make_cable(subject="Çà et là — “quotes”")
    store.add_cable(cable, raw)
    rec = store.db.execute("SELECT record FROM cable_records").fetchone()[0]
    assert orjson.loads(rec) == cable.to_dict()


def test_stats_counts_by_facet(store: SQLiteStore) -> None:
    store.add_cable(*make_cable("09A1", origin="Embassy Paris", classification="SECRET"))
    store.add_cable(*make_cable("09A2", origin="Embassy Paris", classification="SECRET", created="2008-01-01 10:10"))
    store.add_cable(*make_cable("09A3", origin="Embassy Madrid"))
    store.add_cable(*make_cable("09A3", raw=b"another copy", partial=True))
    s = store.stats()
    assert (s.cables, s.sources, s.raw_inputs, s.indexed) == (3, 4, 4, 3)
    assert s.by_origin[0] == ("Embassy Paris", 2)
    assert dict(s.by_classification) == {"SECRET": 2, "CONFIDENTIAL": 1}
    assert dict(s.by_year) == {2008: 1, 2009: 2}
    assert dict(s.by_form) == {"telegram": 4}
    assert s.to_dict()["by_year"] == {"2008": 1, "2009": 2}


# -- search ------------------------------------------------------------------------------
@pytest.fixture
def searchable(store: SQLiteStore) -> SQLiteStore:
    store.add_cables(
        [
            make_cable("09PARIS1", origin="Embassy Paris", classification="SECRET", tags=["PREL", "FR", "IR"],
                       subject="FRANCE ON IRAN", body="Sarkozy said the Iranian nuclear program worries Paris. Nuclear, nuclear."),
            make_cable("08PARIS2", origin="Embassy Paris", classification="CONFIDENTIAL", tags=["ECON", "FR"],
                       created="2008-03-01 10:10", subject="FRENCH ECONOMY", body="The economy of France and one nuclear plant."),
            make_cable("09MADRID3", origin="Embassy Madrid", classification="SECRET//NOFORN", tags=["PREL", "SP"],
                       subject="SPAIN", body="Zapatero on Cuba. El presidente habló de Téhéran."),
        ]
    )
    return store


def test_search_ranks_by_bm25_and_returns_snippets(searchable: SQLiteStore) -> None:
    hits = searchable.search("nuclear")
    assert [h.ref_id for h in hits] == ["09PARIS1", "08PARIS2"]
    assert hits[0].score > hits[1].score > 0
    top = hits[0]
    assert (top.subject, top.origin, top.classification, top.created) == (
        "FRANCE ON IRAN", "Embassy Paris", "SECRET", "2009-11-12 09:09",
    )
    assert top.highlights
    assert all(top.snippet[a:b].lower() == "nuclear" for a, b in top.highlights)


def test_search_folds_accents_and_case(searchable: SQLiteStore) -> None:
    [hit] = searchable.search("teheran")
    assert hit.ref_id == "09MADRID3"
    a, b = hit.highlights[0]
    assert hit.snippet[a:b] == "Téhéran"  # offsets are characters, not UTF-8 bytes


def test_search_filters_combine_with_the_query(searchable: SQLiteStore) -> None:
    def refs(q: str, **f: object) -> set[str]:
        return {h.ref_id for h in searchable.search(q, SearchFilters(**f))}  # type: ignore[arg-type]

    assert refs("nuclear", year=2008) == {"08PARIS2"}
    assert refs("nuclear", classification="secret") == {"09PARIS1"}  # case-insensitive, exact
    assert refs("", origin="embassy paris") == {"09PARIS1", "08PARIS2"}
    assert refs("*", tags=("PREL",)) == {"09PARIS1", "09MADRID3"}
    assert refs("", tags=("PREL", "FR")) == {"09PARIS1"}
    assert refs("", classification="SECRET//NOFORN") == {"09MADRID3"}
    assert refs("nuclear", origin="Embassy Madrid") == set()
    assert refs("09MADRID3") == {"09MADRID3"}  # a ref ID as the query
    assert refs("subject:spain") == {"09MADRID3"}


def test_search_limit_and_bad_query(searchable: SQLiteStore) -> None:
    assert len(searchable.search("", limit=2)) == 2
    with pytest.raises(BadQuery, match="bad search query"):
        searchable.search("nuclear AND (")


def test_search_on_empty_archive_is_empty(store: SQLiteStore) -> None:
    assert store.search("anything") == []


# -- real corpus -------------------------------------------------------------------------
def test_real_versions_archive_keeps_every_version(settings: Settings) -> None:
    """cablegate-html-versions: 342 pages, 160 cables whose text changed between releases."""
    archive = CORPUS / "cablegate-html-versions" / "versions.tar.xz"
    if not archive.exists():
        pytest.skip(f"real corpus not found at {archive}")
    from cablebase.pipeline.ingest import ingest

    with open_store(settings) as st:
        report = ingest(st, [archive], settings=settings, workers=0)
        assert report.failures == []
        assert report.inputs == 342
        assert len(st.ref_ids()) == 160
        assert st.stats().sources == 342
        assert report.cables_by(Outcome.NEW) == 160
        # 10STATE17263 was once cut to a stub and later given in full: the full one is shown.
        sources = st.get_sources("10STATE17263")
        assert len(sources) >= 2
        current = st.get_cable("10STATE17263")
        assert current is not None
        assert current.fullness() == max(s.fullness for s in sources)
        again = ingest(st, [archive], settings=settings, workers=0)
        assert again.cables_by(Outcome.UNCHANGED) == 342
        assert st.check().ok


@sqlite_only
def test_a_second_writer_is_told_busy_and_writes_nothing_on_the_embedded_archive(settings: Settings) -> None:
    from cablebase.errors import Busy

    settings = dataclasses.replace(settings, busy_timeout_ms=300)
    with open_store(settings) as first, open_store(settings) as second:
        first.add_cable(*make_cable("09ONE1"))  # holds the index writer from now on
        with pytest.raises(Busy, match="another process"):
            second.add_cable(*make_cable("09TWO2"))
        assert second.ref_ids() == {"09ONE1"}
        assert count(second, "sources") == 1
    with open_store(settings) as again:  # the lock goes with the writer
        again.add_cable(*make_cable("09TWO2"))
        assert again.check().ok


@sqlite_only
def test_a_second_writer_waits_for_the_index_lock_while_the_first_lets_go(settings: Settings) -> None:
    settings = dataclasses.replace(settings, busy_timeout_ms=5_000)
    holding = threading.Event()

    def first_writer() -> None:  # a writer of its own (a thread here; another process in use)
        with open_store(settings) as first:
            first.add_cable(*make_cable("09ONE1"))  # holds the index writer until closed
            holding.set()
            time.sleep(0.5)

    t = threading.Thread(target=first_writer)
    t.start()
    try:
        assert holding.wait(10)
        with open_store(settings) as second:
            second.add_cable(*make_cable("09TWO2"))  # waits, then writes: no Busy
            assert second.ref_ids() == {"09ONE1", "09TWO2"}
            assert second.check().ok
    finally:
        t.join()


@pg_only
def test_a_second_writer_on_postgresql_stores_and_the_index_holder_indexes_it(settings: Settings) -> None:
    with open_store(settings) as first, open_store(settings) as second:
        first.add_cable(*make_cable("09ONE1"))  # holds the index writer from now on
        assert second.add_cable(*make_cable("09TWO2")).outcome is Outcome.NEW  # stored, not refused
        assert first.ref_ids() == {"09ONE1", "09TWO2"}
        first.flush()  # the holder indexes what the other listed
        assert {h.ref_id for h in first.search("nuclear", limit=5)} == {"09ONE1", "09TWO2"}
    with open_store(settings) as again:
        assert again.check().ok


def test_raw_inputs_are_packed_at_rest_and_given_back_verbatim(store: SQLiteStore) -> None:
    from cablebase._store import RawBlob

    big = ("<html>" + "cable text, repeated. " * 2000 + "</html>").encode()
    cable, raw = make_cable(raw=big)
    store.add_cable(cable, raw)
    codec, stored_len = store.db.execute("SELECT codec, length(data) FROM raw_inputs").fetchone()
    assert codec == "zstd" and stored_len < len(big) / 5
    assert store.get_raw(hashlib.sha256(big).hexdigest()) == big
    # Archives written before zstd keep their zlib blobs, read back verbatim.
    old = ("<html>" + "an older archive's page. " * 500 + "</html>").encode()
    sha_old = hashlib.sha256(old).hexdigest()
    store.db.execute("INSERT INTO raw_inputs (sha256, size, codec, data) VALUES (?, ?, 'zlib', ?)",
                     (sha_old, len(old), zlib.compress(old, 1)))
    assert store.get_raw(sha_old) == old
    # A blob packed elsewhere (a parser process) is stored as given.
    other, other_raw = make_cable("09TWO2", raw=b"tiny")
    blob = RawBlob.pack(other_raw)
    assert blob.codec is None  # too small to be worth packing
    store.add_cable(other, blob)
    assert store.get_raw(blob.sha256) == b"tiny"


@sqlite_only
def test_an_archive_of_schema_v1_is_upgraded(settings: Settings) -> None:
    settings.db_dir.mkdir(parents=True)
    con = sqlite3.connect(settings.sqlite_path)
    con.executescript(
        "CREATE TABLE raw_inputs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL);"
        "INSERT INTO raw_inputs VALUES ('abc', 3, x'616263'); PRAGMA user_version = 1;"
    )
    con.close()
    with open_store(settings) as st:
        assert st.get_raw("abc") == b"abc"
        assert st.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        st.add_cable(*make_cable())
        assert st.check().ok


def test_index_commits_can_be_gathered_and_flush_publishes_them(tmp_path: Path) -> None:
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000, index_commit_every=3)
    with open_store(s) as st:
        st.add_cable(*make_cable("09A1"))
        st.add_cable(*make_cable("09A2"))
        assert st.search("nuclear") == []  # stored, not yet searchable
        assert st.check().missing_from_index == ["09A1", "09A2"]
        st.add_cable(*make_cable("09A3"))  # the third one triggers the commit
        assert len(st.search("nuclear")) == 3
        st.add_cable(*make_cable("09A4"))
        st.flush()
        assert len(st.search("nuclear")) == 4
        st.add_cable(*make_cable("09A5"))
    with open_store(s) as st:  # close() flushed too
        assert st.check().ok and len(st.search("nuclear")) == 5


def test_reindex_replaces_a_damaged_index_and_respects_a_writer(settings: Settings) -> None:
    from cablebase.errors import Busy

    with open_store(settings) as st:
        st.add_cables([make_cable("09A1"), make_cable("09A2")])
    for f in settings.index_path.glob("meta.json"):
        f.write_text("{ not json")
    with open_store(settings) as st:
        assert not st.check().ok  # the damaged index is reported, not a crash
        assert st.reindex() == 2
        assert st.check().ok
    with open_store(settings) as ingesting, open_store(settings) as other:
        ingesting.add_cable(*make_cable("09A3"))  # holds the index writer
        with pytest.raises(Busy):
            other.reindex()
        assert {h.ref_id for h in other.search("nuclear")} == {"09A1", "09A2", "09A3"}


@pg_only
def test_readers_on_postgresql_come_from_a_pool_and_cannot_write(settings: Settings) -> None:
    import sqlite3 as sqlite

    from cablebase._store import open_reader

    with open_store(settings) as st:
        st.add_cable(*make_cable("09ONE1"))
    first = open_reader(settings)
    raw = first.db.raw
    assert first.count() == 1
    with pytest.raises(sqlite.OperationalError, match="read-only"):
        first.db.execute("DELETE FROM cables")
    first.close()
    again = open_reader(settings)  # the same connection, lent again
    assert again.db.raw is raw and again.count() == 1
    other = open_reader(settings)  # while it is lent: another one
    assert other.db.raw is not raw
    again.close()
    other.close()
