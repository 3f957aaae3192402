"""Crash safety: ``cablebase ingest`` (real corpus) and ``cablebase poll`` (local feed server)
killed with SIGKILL at random moments, restarted and finished; then ``check`` passes, every
cable and article is there exactly once, and a rerun adds nothing.

A handful of trials on one year of the corpus (the full ≥ 50-trial run on all of it is
``python bench/crash.py``), plus the two store-level cases those trials found:
records committed to SQLite whose index commit never happened (a kill in between), and a
cable embedded in an article that the poller stores while an ingest holds the search index.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from harness import CABLES, Harness, corpus_available

from cablebase.config import Settings
from cablebase.record import Cable, Source
from cablebase._store import open_store
from cablebase.errors import Busy

SEEDS = (11, 12)


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    if not corpus_available():
        pytest.skip("cablegate-2010 corpus not available")
    h = Harness(tmp_path_factory.mktemp("crash"), cables=CABLES / "2008", synthetic_per_feed=10,
                batch_sizes=(16, 32), max_rounds=1, timeout=120)
    yield h
    h.close()


def test_killed_ingest_and_poll_lose_and_duplicate_nothing(harness):
    expected = harness.reference()
    assert expected.counts()["cables"] == 226  # 225 pages of 2008 + 07MEXICO983 embedded in the seed post
    results = []
    for i, seed in enumerate(SEEDS):
        harness.rerun = i == 0  # the rerun (must add nothing) once: each costs a full ingest and poll
        results.append(harness.trial(seed))
    bad = [(r.seed, r.problems[:5]) for r in results if not r.ok]
    assert not bad, bad
    assert sum(r.kills_ingest + r.kills_poll for r in results) >= 1, [r.rounds for r in results]
    assert sum(r.lost + r.duplicated + r.rerun_added for r in results) == 0


# --------------------------------------------------------------------------- the store's side

def _cable(ref: str) -> tuple[Cable, bytes]:
    raw = f"raw {ref}".encode()
    import hashlib

    c = Cable(ref_id=ref, subject=f"subject {ref}", body=f"NUCLEAR talks, cable {ref}",
              source=Source(form="telegram", location=f"/x/{ref}", sha256=hashlib.sha256(raw).hexdigest()))
    return c, raw


def test_records_committed_but_never_indexed_are_indexed_by_the_next_writer(tmp_path: Path) -> None:
    """A writer killed between the SQLite commit and the index commit (here: os._exit right after
    ``add_cables`` with index commits gathered) leaves records the index lacks; the next write
    indexes them, so ``check`` passes without a ``reindex``."""
    db = tmp_path / "db"
    code = textwrap.dedent(f"""
        import os, hashlib
        from pathlib import Path
        from cablebase.config import Settings
        from cablebase.record import Cable, Source
        from cablebase._store import open_store
        st = open_store(Settings(db_dir=Path({str(db)!r}), index_heap_bytes=50_000_000, index_commit_every=10**6))
        items = []
        for i in range(40):
            raw = f"raw 09KILLED{{i}}".encode()
            items.append((Cable(ref_id=f"09KILLED{{i}}", body="text", source=Source(form="telegram", location="x",
                          sha256=hashlib.sha256(raw).hexdigest())), raw))
        st.add_cables(items)
        os._exit(9)  # no index commit, no close: as SIGKILL would leave it
    """)
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    s = Settings(db_dir=db, index_heap_bytes=50_000_000)
    with open_store(s) as st:
        assert st.count() == 40
        assert len(st.check().missing_from_index) == 40
        st.add_cable(*_cable("09NEXT1"))
        assert st.check().ok
    with open_store(s) as st:  # and the list is empty once the commit holding them is done
        assert st.db.execute("SELECT count(*) FROM index_pending").fetchone()[0] == 0


def test_a_cable_stored_while_another_process_holds_the_index_is_not_lost(tmp_path: Path) -> None:
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000)
    with open_store(s) as ingest, open_store(s) as poller:
        ingest.add_cable(*_cable("09HELD1"))  # holds the index writer from now on, as a running ingest does
        with pytest.raises(Busy):
            poller.add_cable(*_cable("09EMBED2"))  # by default: refused, nothing written
        assert poller.ref_ids() == {"09HELD1"}
        poller.add_cable(*_cable("09EMBED2"), defer_index=True)  # the poller's way: stored, listed
        assert poller.ref_ids() == {"09HELD1", "09EMBED2"}
        ingest.flush()  # the lock holder indexes what others listed
        assert ingest.check().ok
        assert [h.ref_id for h in ingest.search("09EMBED2")] == ["09EMBED2"]
    with open_store(s) as st:
        assert st.check().ok
        assert st.db.execute("SELECT count(*) FROM index_pending").fetchone()[0] == 0


def test_a_deferring_writer_indexes_its_cables_itself_when_the_lock_comes_free(tmp_path: Path) -> None:
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000)
    ingest = open_store(s)
    ingest.add_cable(*_cable("09HELD1"))
    poller = open_store(s)
    poller.add_cable(*_cable("09EMBED2"), defer_index=True)
    ingest.index.close()  # the ingest lets the lock go after its last look at the list ...
    ingest.db.close()
    poller.close()  # ... so the poller, closing, takes the free lock and indexes its cable itself
    with open_store(s) as st:
        assert st.check().ok and st.count() == 2


def test_a_long_running_writer_indexes_what_others_listed_as_it_goes(tmp_path: Path, monkeypatch) -> None:
    import cablebase._store.sqlite as sqlite_store

    monkeypatch.setattr(sqlite_store, "DRAIN_EVERY_S", 0.0)  # default: every 5 s
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000)
    with open_store(s) as ingest, open_store(s) as poller:
        ingest.add_cable(*_cable("09HELD1"))
        poller.add_cable(*_cable("09EMBED2"), defer_index=True)
        ingest.add_cable(*_cable("09HELD3"))  # its next write picks the listed cable up
        assert [h.ref_id for h in ingest.search("09EMBED2")] == ["09EMBED2"]
        assert ingest.check().ok
