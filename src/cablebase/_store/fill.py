"""One truth per field: a cable's listed metadata filled in from its other versions.

The shown (fullest) version of a cable may lack a field another stored version has — the
alx text of 07MEXICO983 has no release date, the blog copy of it does. ``show`` and the cable
page fill it in with ``model.from_other_versions``; this does the same, with the same function
and the same order of versions, for the ``cables`` row (what lists, feeds and exports read)
and for the record that is indexed (what search filters and sorts on), whenever a cable gets
a new version (``fill_all``: every cable, when ``reindex`` runs)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any, Callable, Iterator

import orjson

from ..model import FILLABLE, from_other_versions
from ..record import Cable
from .index_documents import safe_year


def fill_from_versions(
    db: sqlite3.Connection,
    refs: list[str],
    changed: dict[str, tuple[int, Cable, bool]],
    chunks: Callable[[list[Any]], Iterator[list[Any]]],
) -> None:
    """For each of ``refs`` (cables that got a new version) whose current record lacks one of
    ``FILLABLE`` and that has other versions: the current record with those fields from the
    first other version (by id) that has them, put in ``changed`` (ref → (source id, record,
    row exists)) so that its row and its index document are written with them."""
    multi: list[tuple[str, int]] = []
    for ch in chunks(refs):
        marks = ",".join("?" * len(ch))
        multi += db.execute(
            f"SELECT c.ref_id, c.source_id FROM cables c WHERE c.ref_id IN ({marks})"
            " AND (SELECT COUNT(*) FROM sources s WHERE s.ref_id = c.ref_id) > 1", ch).fetchall()
    have = {r for r, _ in multi}
    for ch in chunks([r for r in refs if r in changed and r not in have]):  # new cables: no row written yet
        marks = ",".join("?" * len(ch))
        multi += [(r, changed[r][0]) for (r,) in db.execute(
            f"SELECT ref_id FROM sources WHERE ref_id IN ({marks}) GROUP BY ref_id HAVING COUNT(*) > 1", ch)]
    for ref, sid in multi:
        if ref in changed:
            sid, cur, existed = changed[ref]
        else:
            row = db.execute("SELECT record FROM sources WHERE id = ?", (sid,)).fetchone()
            if row is None:
                continue
            cur, existed = Cable.from_dict(orjson.loads(row[0])), True
            cur = cur if cur.ref_id == ref else replace(cur, ref_id=ref)
        if all(getattr(cur, k) for k in FILLABLE):
            continue
        others = ((i, orjson.loads(rec)) for i, rec in db.execute(
            "SELECT id, record FROM sources WHERE ref_id = ? AND id <> ? ORDER BY id", (ref, sid)))
        filled = from_other_versions({k: getattr(cur, k) for k in FILLABLE}, others)
        if filled:
            changed[ref] = (sid, replace(cur, **{k: v["value"] for k, v in filled.items()}), existed)


def _chunks(seq: list[Any], n: int = 500) -> Iterator[list[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def fill_all(db: sqlite3.Connection) -> int:
    """``fill_from_versions`` for every cable (an archive stored before rows were filled in):
    the rows updated; their index documents follow at the next ``reindex``. In the caller's
    transaction."""
    lacking = " OR ".join(f"c.{k} IS NULL OR c.{k} = ''" for k in FILLABLE)
    refs = [r for (r,) in db.execute(
        f"SELECT c.ref_id FROM cables c WHERE ({lacking})"
        " AND (SELECT COUNT(*) FROM sources s WHERE s.ref_id = c.ref_id) > 1")]
    changed: dict[str, tuple[int, Cable, bool]] = {}
    fill_from_versions(db, refs, changed, _chunks)
    for ref, (_sid, c, _existed) in changed.items():
        db.execute(
            "UPDATE cables SET created = ?, released = ?, classification = ?, origin = ?, subject = ?, year = ?"
            " WHERE ref_id = ?", (c.created, c.released, c.classification, c.origin, c.subject, safe_year(c), ref))
    return len(changed)
