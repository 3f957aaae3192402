"""Raw inputs packed with a zstd dictionary trained on the archive's own inputs (both backends).

Pages of one site wrap every cable in the same navigation: the ingest trains a dictionary on
its first inputs when the archive has none, keeps it in ``raw_dicts``, and the parser processes
pack each input with it. Every input must come back verbatim, a later ingest must reuse the
dictionary, and a blob whose dictionary is missing must say so."""

from __future__ import annotations

import hashlib
import random
import sqlite3

import pytest

from cablebase import StoreError, open_archive
from cablebase._store.base import RawBlob, RawDict, train_dictionary, unpack_raw

WORDS = ("embassy ministry minister election reform budget security border trade energy police court "
         "parliament opposition coalition press visit official program agreement meeting").split()


def navigation(seed: int = 1) -> str:
    """A made-up site frame (menus and listings) shared by every page: 20 KB."""
    rng = random.Random(seed)
    links = [f"<li><a href='/tag/{rng.choice(WORDS)}_{i}.html'>{' '.join(rng.choices(WORDS, k=3))}</a></li>"
             for i in range(400)]
    return "<div class='nav'><ul>" + "\n".join(links) + "</ul></div>"


def telegram(n: int, rng: random.Random) -> str:
    paras = "\n\n".join(f"{i}. (SBU) " + " ".join(rng.choices(WORDS, k=60)).capitalize() + "."
                        for i in range(1, 5))
    return (f"UNCLAS TESTVILLE {n:06d}\n\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: PGOV XX\n"
            f"SUBJECT: TESTVILLE REPORT NUMBER {n}\n\n{paras}\n\nDOE\n")


def pages(tmp_path, count: int, seed: int = 7) -> list:
    rng = random.Random(seed)
    nav = navigation()
    out = tmp_path / f"pages-{seed}"
    out.mkdir()
    files = []
    for n in range(1, count + 1):
        f = out / f"06TESTVILLE{n}.txt"
        # The shared frame before and after the telegram, as a saved page has it.
        f.write_text(f"ORIGIN: 06TESTVILLE{n}\n\n{telegram(n, rng)}\n<!-- {nav} -->\n", encoding="utf-8")
        files.append(f)
    return files


def test_too_few_or_unrelated_inputs_train_no_dictionary():
    rng = random.Random(3)
    assert train_dictionary([b"x" * 2000] * 20) is None  # too few
    noise = [rng.randbytes(4000) for _ in range(300)]  # nothing shared: no gain
    assert train_dictionary(noise) is None


def test_a_dictionary_packs_shared_frames_and_gives_the_bytes_back():
    rng = random.Random(5)
    nav = navigation().encode()
    samples = [telegram(n, rng).encode() + nav for n in range(300)]
    data = train_dictionary(samples)
    assert data is not None
    d = RawDict(9, data)
    raw = telegram(999, rng).encode() + nav
    plain, packed = RawBlob.pack(raw), RawBlob.pack(raw, dictionary=d)
    assert packed.codec == "zstd:9" and len(packed.data) < len(plain.data) * 0.6
    assert packed.unpack({9: data}) == raw and packed.sha256 == hashlib.sha256(raw).hexdigest()
    with pytest.raises(StoreError, match="dictionary 'zstd:9'.*missing"):
        unpack_raw(packed.codec, packed.data, {})


def test_ingest_trains_one_dictionary_keeps_it_and_every_input_comes_back(archive_settings, tmp_path):
    files = pages(tmp_path, 240)
    with open_archive(settings=archive_settings) as a:
        report = a.ingest(files)
        assert report.cables == 240 and not report.failures
        store = a._store
        d = store.raw_dictionary()
        assert d is not None and d.id == 1
        rows = store.db.execute("SELECT codec, count(*), sum(length(data)), sum(size) FROM raw_inputs GROUP BY codec").fetchall()
        assert [(r[0], r[1]) for r in rows] == [("zstd:1", 240)]
        assert rows[0][2] < rows[0][3] / 8  # the frame is in the dictionary, not in each blob
        for f in files:
            raw = f.read_bytes()
            assert a.raw(hashlib.sha256(raw).hexdigest()) == raw
        # A later ingest packs with the same dictionary and trains none.
        more = pages(tmp_path, 230, seed=8)
        a.ingest(more)
        assert store.db.execute("SELECT count(*) FROM raw_dicts").fetchone()[0] == 1
        raw = more[-1].read_bytes()
        assert a.raw(hashlib.sha256(raw).hexdigest()) == raw
    # Opened again (a new process would do the same): the dictionary is read from the archive.
    with open_archive(settings=archive_settings) as a:
        raw = files[17].read_bytes()
        assert a.raw(hashlib.sha256(raw).hexdigest()) == raw


def test_a_small_ingest_packs_without_a_dictionary(archive_settings, tmp_path):
    files = pages(tmp_path, 30)
    with open_archive(settings=archive_settings) as a:
        a.ingest(files)
        assert a._store.raw_dictionary() is None
        codecs = {r[0] for r in a._store.db.execute("SELECT DISTINCT codec FROM raw_inputs")}
        assert codecs == {"zstd"}


def test_an_archive_of_schema_v4_gains_the_table(tmp_path):
    from cablebase.config import Settings

    s = Settings(db_dir=tmp_path / "db")
    with open_archive(settings=s) as a:
        a.ingest(pages(tmp_path, 3))
    path = s.db_dir / "cablebase.sqlite"
    db = sqlite3.connect(path)
    db.execute("DROP TABLE raw_dicts")
    db.execute("PRAGMA user_version = 4")
    db.commit()
    db.close()
    with open_archive(settings=s) as a:
        assert a._store.raw_dictionary() is None
        assert len(a.ref_ids()) == 3
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 5


def test_check_names_blobs_whose_dictionary_is_gone(archive_settings, tmp_path):
    with open_archive(settings=archive_settings) as a:
        a.ingest(pages(tmp_path, 220))
        assert a.check().ok
        db = a._store.db
        db.execute("BEGIN")
        db.execute("UPDATE raw_inputs SET codec = 'zstd:99' WHERE sha256 IN (SELECT sha256 FROM raw_inputs LIMIT 2)")
        db.execute("COMMIT")
        report = a.check()
        assert not report.ok
        assert any("2 raw inputs were packed with a dictionary" in p for p in report.integrity)
