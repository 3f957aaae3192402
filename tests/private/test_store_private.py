"""SQL and the search engine stay inside ``cablebase/_store``: the layout check over the whole
package, and the storage pieces the callers now go through (``WriteBatch`` for the poller's
pass, ``EnrichSource`` for the enrichment stage, one ``char_offsets``)."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path

from cablebase._store.channels import ChannelStore
from cablebase._store.enrich_source import CHUNK, EnrichSource
from cablebase._store.index_snippets import char_offsets
from cablebase._store.write_batch import WriteBatch

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "cablebase"


def _checker():
    spec = importlib.util.spec_from_file_location("check_layout_sql", ROOT / "scripts" / "check_layout.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_no_sql_or_tantivy_outside_store() -> None:
    layout = _checker()
    findings = layout.run(["sql"], [PACKAGE])
    assert not findings, "\n" + layout.table(findings)


def _conn() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE t(x)")
    return db


def test_write_batch_commits_on_time_and_at_the_end() -> None:
    db = _conn()
    wb = WriteBatch(db, 3600.0)
    assert wb.begin() and wb.batching and db.in_transaction
    db.execute("INSERT INTO t VALUES (1)")
    wb.tick()  # not old enough: still the same transaction
    assert db.in_transaction
    wb.tick(end=True)
    assert not db.in_transaction and not wb.batching
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    wb.tick()  # no longer batching: nothing begins
    assert not db.in_transaction


def test_write_batch_pauses_around_a_call_with_its_own_transaction() -> None:
    db = _conn()
    wb = WriteBatch(db, 3600.0)
    assert wb.begin()
    db.execute("INSERT INTO t VALUES (1)")
    with wb.paused():
        assert not db.in_transaction  # the batch's writes are committed before the call
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t VALUES (2)")
        db.execute("COMMIT")
    assert db.in_transaction  # and a new transaction begun after it
    try:
        with wb.paused():
            raise KeyError("boom")
    except KeyError:
        pass
    assert db.in_transaction
    wb.tick(end=True)
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_write_batch_off_without_period_or_inside_a_transaction() -> None:
    db = _conn()
    assert not WriteBatch(db, 0).begin()
    db.execute("BEGIN")
    wb = WriteBatch(db, 1.0)
    assert not wb.begin() and not wb.batching
    with wb.paused():  # not batching: the caller's transaction is left alone
        assert db.in_transaction
    db.execute("COMMIT")


def test_channel_store_gives_a_write_batch_on_its_connection(tmp_path: Path) -> None:
    store = ChannelStore.open(tmp_path / "c.sqlite")
    wb = store.write_batch(0.5)
    assert isinstance(wb, WriteBatch) and wb.db is store.db and wb.every_s == 0.5


def test_enrich_source_reads_in_chunks() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    src = EnrichSource(db)
    assert not src.has_table("cable_records") and not src.has_table("articles")
    db.execute("CREATE TABLE cable_records(ref_id TEXT PRIMARY KEY, record TEXT)")
    db.execute("CREATE TABLE articles(id INTEGER PRIMARY KEY, title TEXT, text TEXT, language TEXT, published TEXT)")
    n = CHUNK * 2 + 7
    db.executemany("INSERT INTO cable_records VALUES (?, ?)", [(f"R{i:05d}", f"{{\"i\": {i}}}") for i in range(n)])
    db.executemany("INSERT INTO articles VALUES (?, ?, ?, 'en', NULL)", [(i, f"t{i}", f"x{i}") for i in range(1, n + 1)])
    assert src.has_table("cable_records") and src.has_table("articles")
    wanted = [f"R{i:05d}" for i in range(0, n, 2)] + ["missing"]
    got = list(src.cable_records_of(wanted))
    assert sorted(r for r, _ in got) == wanted[:-1]
    assert [r for r, _ in src.cable_records_by_ref()] == [f"R{i:05d}" for i in range(n)]
    assert len(list(src.cable_record_texts())) == n
    assert sorted(a for a, _, _ in src.articles_of(range(1, n + 1, 3))) == list(range(1, n + 1, 3))
    assert len(list(src.article_texts())) == n


def test_char_offsets_bytes_to_characters() -> None:
    assert char_offsets("plain text", [(0, 5), (6, 10)]) == ((0, 5), (6, 10))
    text = "café crème"
    raw = text.encode()
    a = raw.index("crème".encode())
    assert char_offsets(text, [(0, 5), (a, len(raw))]) == ((0, 4), (5, 10))
