"""Storage side of entity attribution: one type per word across the archive (``EntityWriter.drop_mistyped``)."""

from __future__ import annotations

import sqlite3

from cablebase._store.entity_writes import EntityWriter


def test_one_type_per_word_across_the_archive():
    """A surname read as a place once, a place's name read as a person once: not attributed."""
    def m(para, start, text, type_, name, key):
        return {"paragraph": para, "number": para + 1, "start": start, "end": start + len(text), "text": text,
                "type": type_, "name": name, "key": key}

    es = EntityWriter(sqlite3.connect(":memory:"))
    people = [m(0, i * 20, "Mikheil Saakashvili", "PER", "Mikheil Saakashvili", "PER:mikheil saakashvili") for i in range(4)]
    es.write_doc("A1", hash="a", month="2009-01", mentions=people)
    es.write_doc("A2", hash="b", month="2009-01", mentions=[
        m(0, 0, "Saakashvili", "PLACE", "Saakashvili", "PLACE:saakashvili"),
        m(0, 30, "Tbilisi", "PLACE", "Tbilisi", "PLACE:tbilisi"), m(1, 0, "Georgia", "PLACE", "Georgia", "PLACE:georgia")])
    for doc in ("A3", "A4"):
        es.write_doc(doc, hash=doc, month="2009-02", mentions=[m(0, 0, "Frankfurt", "PLACE", "Frankfurt", "PLACE:frankfurt")])
    es.write_doc("A5", hash="c", month="2009-03", mentions=[m(0, 0, "Frankfurt", "PER", "Frankfurt", "PER:frankfurt@A5")])
    assert es.drop_mistyped({"georgia", "tbilisi"}) == 2
    left = {(d, t, k) for d, t, k in es.db.execute("SELECT m.doc, m.text, e.key FROM mentions m JOIN entities e ON e.id = m.entity_id")}
    assert ("A2", "Saakashvili", "PLACE:saakashvili") not in left and ("A5", "Frankfurt", "PER:frankfurt@A5") not in left
    assert {("A2", "Tbilisi", "PLACE:tbilisi"), ("A2", "Georgia", "PLACE:georgia"), ("A3", "Frankfurt", "PLACE:frankfurt")} <= left
    assert es.db.execute("SELECT count(*) FROM mentions WHERE doc = 'A1'").fetchone()[0] == 4  # the person's own


def test_a_one_word_place_no_list_knows_in_one_document_only_is_not_attributed():
    es = EntityWriter(sqlite3.connect(":memory:"))
    row = {"paragraph": 0, "number": 1, "start": 0, "end": 6, "type": "PLACE"}
    es.write_doc("B1", hash="a", month="2009-01", mentions=[{**row, "text": "Zedari", "name": "Zedari", "key": "PLACE:zedari"},
                                                           {**row, "start": 10, "end": 17, "text": "Comoros", "name": "Comoros", "key": "PLACE:comoros"}])
    for doc in ("B2", "B3"):
        es.write_doc(doc, hash=doc, month="2009-01", mentions=[{**row, "text": "Batumi", "name": "Batumi", "key": "PLACE:batumi"}])
    assert es.drop_mistyped({"comoros"}) == 1
    left = {r[0] for r in es.db.execute("SELECT text FROM mentions")}
    assert left == {"Comoros", "Batumi"}


def test_a_person_nothing_in_the_archive_shows_is_not_attributed():
    """``drop_unvouched``: a person entity none of whose mentions carries a sign of a person (a ``p:``
    key: a title, a role, speech …) loses its mentions, unless its first name is that of people
    the archive vouches for; signs are the entity's once variants merge."""
    from cablebase._store.entity_vouch import drop_unvouched, unvouched

    def m(start, text, key, signs=()):
        return {"paragraph": 0, "number": 1, "start": start, "end": start + len(text), "text": text, "type": "PER",
                "name": text, "key": key, "evidence": list(signs)}

    es = EntityWriter(sqlite3.connect(":memory:"))
    es.write_doc("C1", hash="a", month="2009-01", mentions=[
        m(0, "Goldstone Report", "PER:goldstone report"),
        m(30, "Jose Ramos", "PER:jose ramos", ["p:jose ramos"]),
        m(60, "Jose Alvarez", "PER:jose alvarez", ["p:jose alvarez"]),
        m(90, "Jose Serrano", "PER:jose serrano"),  # two Joses vouched for: a first name
        m(120, "Gantz", "PER:gantz@C1", ["p:gantz"]),
        m(140, "Anna Lind", "PER:anna lind"),
    ])
    es.write_doc("C2", hash="b", month="2009-01", mentions=[m(0, "Anna Lind", "PER:anna lind", ["p:anna lind"])])
    ids = dict(es.db.execute("SELECT key, id FROM entities").fetchall())
    assert set(unvouched(es.db)) == {ids["PER:goldstone report"]}
    assert drop_unvouched(es) == 1
    left = {r[0] for r in es.db.execute("SELECT text FROM mentions")}
    assert "Goldstone Report" not in left and {"Jose Serrano", "Gantz", "Anna Lind", "Jose Ramos"} <= left
    assert set(unvouched(es.db, given=0)) == {ids["PER:goldstone report"], ids["PER:jose serrano"]}


def test_a_place_no_list_knows_and_nothing_names_as_one_is_not_attributed():
    """``drop_unvouched_places``: a place no list knows keeps its mentions only when one of them,
    anywhere in the archive, carries an ``l:`` key (``in Wana``)."""
    from cablebase._store.entity_vouch import drop_unvouched_places

    def m(start, text, signs=()):
        return {"paragraph": 0, "number": 1, "start": start, "end": start + len(text), "text": text, "type": "PLACE",
                "name": text, "key": "PLACE:" + text.lower(), "evidence": list(signs)}

    es = EntityWriter(sqlite3.connect(":memory:"))
    es.write_doc("D1", hash="a", month="2009-01", mentions=[m(0, "Batasuna"), m(20, "Wana"), m(40, "Kabul")])
    es.write_doc("D2", hash="b", month="2009-01", mentions=[m(0, "Wana", ["l:wana"]), m(20, "De Juana", ["l:de juana"]),
                                                           m(40, "Del Rio", ["l:del rio"])])
    assert drop_unvouched_places(es, {"kabul", "del rio"}) == 2  # Batasuna; De Juana, a surname's form
    assert {r[0] for r in es.db.execute("SELECT text FROM mentions")} == {"Wana", "Kabul", "Del Rio"}


def test_a_surname_the_archive_knows_another_person_better_by_is_not_attributed():
    """``drop_ambiguous_short_forms``: ``Ben Ali`` resolved in its cable to ``Leila Ben Ali`` is
    dropped while the archive writes ``Zine el Abidine Ben Ali`` in full at least as often; a
    surname resolved to the person the archive knows best by it (``Chavez`` → Hugo) stays."""
    from cablebase._store.entity_vouch import ambiguous_short_forms, drop_ambiguous_short_forms

    def m(start, text, name):
        return {"paragraph": 0, "number": 1, "start": start, "end": start + len(text), "text": text, "type": "PER",
                "name": name, "key": "PER:" + name.lower(), "evidence": []}

    es = EntityWriter(sqlite3.connect(":memory:"))
    es.write_doc("T1", hash="a", month="2009-01", mentions=[
        m(0, "Leila Ben Ali", "Leila Ben Ali"), m(40, "Ben Ali", "Leila Ben Ali"),
        m(80, "Adan Chavez", "Adan Chavez"), m(100, "Chavez", "Adan Chavez"),
    ])
    es.write_doc("T2", hash="b", month="2009-01", mentions=[
        m(0, "Zine el Abidine Ben Ali", "Zine el Abidine Ben Ali"), m(40, "President Ben Ali", "Zine el Abidine Ben Ali"),
        m(80, "Hugo Chavez", "Hugo Chavez"), m(100, "Chavez", "Hugo Chavez"),
    ])
    es.write_doc("T3", hash="c", month="2009-01", mentions=[
        m(0, "Hugo Chavez", "Hugo Chavez"), m(40, "Zine el Abidine Ben Ali", "Zine el Abidine Ben Ali")])
    spans = {(d, s) for d, _, s, _, _ in ambiguous_short_forms(es.db)}
    # T1's "Ben Ali" (Leila: 1 full mention, Zine: 2) and "Chavez" (Adan: 1, Hugo: 2); T2's stay
    assert spans == {("T1", 40), ("T1", 100)}
    assert drop_ambiguous_short_forms(es) == 2
    left = {(d, r) for d, r in es.db.execute("SELECT doc, text FROM mentions")}
    assert ("T2", "President Ben Ali") in left and ("T2", "Chavez") in left
    assert ("T1", "Ben Ali") not in left and ("T1", "Leila Ben Ali") in left
    # named as often (3 mentions each): either may be meant
    es.write_doc("T4", hash="d", month="2009-01", mentions=[m(0, "Leila Ben Ali", "Leila Ben Ali"),
                                                           m(40, "Leila Ben Ali", "Leila Ben Ali")])
    assert {(d, s) for d, _, s, _, _ in ambiguous_short_forms(es.db)} == {("T2", 40)}
    # another spelling of the same given name is the same person, not a rival
    es.write_doc("T5", hash="e", month="2009-01", mentions=[m(0, "Hugo Chavez", "Hugo Chavez"), m(20, "Chavez", "Hugo Chavez")])
    es.write_doc("T6", hash="f", month="2009-01", mentions=[m(20 * i, "Hugo R. Chavez", "Hugo R. Chavez") for i in range(6)])
    assert ("T5", 20) not in {(d, s) for d, _, s, _, _ in ambiguous_short_forms(es.db)}


def test_a_whole_name_is_not_merged_into_a_longer_one():
    """Three significant words are a whole name: ``Ali Abdullah Saleh`` (the President) is not a
    short form of ``Ahmad Ali Abdullah Saleh`` (his son); two words still are (``Garcia Luna``)."""

    def m(text):
        return {"paragraph": 0, "number": 1, "start": 0, "end": len(text), "text": text, "type": "PER",
                "name": text, "key": "PER:" + text.lower(), "evidence": []}

    es = EntityWriter(sqlite3.connect(":memory:"))
    names = ["Ahmad Ali Abdullah Saleh", "Ali Abdullah Saleh", "Genaro Garcia Luna", "Garcia Luna",
             "Abdullah bin Abdulaziz al Saud", "Abdulaziz al Saud"]  # after "bin": a forefather's name
    for i, name in enumerate(names):
        es.write_doc(f"W{i}", hash=str(i), month="2009-01", mentions=[m(name)])
    es.merge_people()
    merged = {k for (k,) in es.db.execute("SELECT key FROM entities WHERE merged_into IS NOT NULL")}
    assert merged == {"PER:garcia luna"}
