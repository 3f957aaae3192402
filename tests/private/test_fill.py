"""``reindex`` fills in the rows of an archive stored before fields were filled in from other
versions (``_store.fill.fill_all``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cablebase import open_archive

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
SEED = CORPUS / "seed" / "opera-leaks-cuba-channel.txt"
ALX = CORPUS / "cablegate-txt-alx" / "cables" / "07MEXICO983.txt"


def test_reindex_fills_rows_stored_before(tmp_path):
    if not SEED.is_file() or not ALX.is_file():
        pytest.skip("corpus not found")
    d = tmp_path / "db"
    with open_archive(d) as st:
        st.ingest([SEED, ALX], workers=1)
    db = sqlite3.connect(d / "cablebase.sqlite")
    with db:
        db.execute("UPDATE cables SET released = NULL WHERE ref_id = '07MEXICO983'")  # as stored before
    db.close()
    with open_archive(d) as st:
        assert [r.released for r in st.reader().rows_for(["07MEXICO983"]).values()] == [None]
        st.reindex()
    with open_archive(d) as st:
        assert [r.released for r in st.reader().rows_for(["07MEXICO983"]).values()] == ["2011-05-25 20:30"]
        assert [h.ref_id for h in st.search("released:2011-05-25")] == ["07MEXICO983"]
