"""People and places the archive can vouch for: a name the model reads as a person is attributed
only when some mention of that person, anywhere in the archive, shows a person; a place no list
knows, only when some mention names it as a place (``drop_unvouched_places``).

Evidence, per mention (``enrich.entity_people.person_sign``, stored as a ``p:`` key among the
entity's aliases): a title or a role word before the name (``President``, ``Mr.``, ``opposition
leader``), a verb of saying or an age after it, the cable's signature, the curated list of
people. A name never seen so is as often a report, a board, a fleet, a tax or a broken phrase
(``Goldstone Report``, ``Executive Board``) as a person: on the hand-labelled samples, one person
attribution in ten without such evidence was wrong, one in two hundred with it.

A full name whose first word is the first name of at least ``given`` people the archive vouches
for (``Riina Kionka``: other Riinas are vouched for) is vouched for by that first name.

``drop_unvouched(writer)`` runs after the person merges (a variant's evidence is its entity's):
the mentions of person entities without evidence are removed — not attributed, as
``EntityWriter.drop_mistyped`` does for mistyped words. A person vouched for only by a later
cable gets the earlier cables' mentions back when those are enriched again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..enrich.entity_names import fold, strip_titles
from ..enrich.entity_people import PLACE_SIGN, SCOPE, SIGN_PREFIX, significant_words

GIVEN = 2
"""Vouched-for people whose first name a full name must share to be vouched for by it."""


def unvouched(db: Any, given: int = GIVEN) -> list[int]:
    """Ids of the person entities (not merged into another) that the archive cannot vouch for."""
    people = {eid: key[4:] for eid, key in db.execute(
        "SELECT id, key FROM entities WHERE type = 'PER' AND merged_into IS NULL").fetchall()}
    vouched = {r[0] for r in db.execute(
        "SELECT DISTINCT coalesce(e.merged_into, e.id) FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
        " WHERE e.type = 'PER' AND a.alias LIKE ?", (SIGN_PREFIX + "%",)).fetchall()}
    firsts: dict[str, set[int]] = {}
    for eid in vouched:
        words = significant_words(people.get(eid, ""))
        if len(words) >= 2 and len(words[0]) > 1:
            firsts.setdefault(words[0], set()).add(eid)
    out = []
    for eid, name in people.items():
        if eid in vouched:
            continue
        words = significant_words(name) if SCOPE not in name else []
        if given and len(words) >= 2 and len(words[0]) > 1 and len(firsts.get(words[0], set()) - {eid}) >= given:
            continue  # "Riina Kionka": a first name the archive knows people by
        out.append(eid)
    return out


def unvouched_places(db: Any, known: set[str] | frozenset[str]) -> list[int]:
    """Ids of the place entities no list knows (``known``: folded names of countries and places)
    and that no mention, anywhere in the archive, names as a place (an ``l:`` key: ``in Wana``), or
    whose name begins as a surname does (``SURNAME_PARTICLES``: ``De Juana``)."""
    vouched = {r[0] for r in db.execute(
        "SELECT DISTINCT coalesce(e.merged_into, e.id) FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
        " WHERE e.type = 'PLACE' AND a.alias LIKE ?", (PLACE_SIGN + "%",)).fetchall()}
    return [eid for eid, key in db.execute("SELECT id, key FROM entities WHERE type = 'PLACE' AND merged_into IS NULL")
            if key[6:] not in known and (eid not in vouched or key[6:].split(" ", 1)[0] in SURNAME_PARTICLES)]


SURNAME_PARTICLES = frozenset(["de", "del", "dos", "van", "von", "bin", "ibn", "ben", "bint"])
"""First words of surnames (``De Juana``, ``van Rompuy``, ``bin Laden``): a place no list knows whose
name begins with one is a person's name typed a place, whatever preposition stands before it."""


def drop_unvouched_places(writer: Any, known: set[str] | frozenset[str]) -> int:
    """Remove the mentions of places the archive cannot vouch for (``unvouched_places``): a name no
    list knows and never written after a preposition of place is as often a party, an army, a
    people or a person (``Batasuna``, ``Bundeswehr``, ``Baloch``, ``Sanchez de Lozada``). Returns
    the number of mentions removed."""
    return writer.drop_mentions(unvouched_places(writer.db, known))


def drop_unvouched(writer: Any, given: int = GIVEN) -> int:
    """Remove the mentions of person entities the archive cannot vouch for (see the module doc);
    ``writer``: an ``EntityWriter``. Returns the number of mentions removed."""
    return writer.drop_mentions(unvouched(writer.db, given))


def ambiguous_short_forms(db: Any) -> list[tuple[str, Any, int, int, int]]:
    """Mentions that stand for a longer name by its surname (``Ben Ali`` → the cable's ``Leila Ben
    Ali``) while the archive names another person of that surname — another given name — at least
    as often (``Zine El Abidine Ben Ali``): the cable may mean either, so the mention is not
    attributed. A surname stays with the person the archive knows best by it (``Karzai`` after
    ``Hamid Karzai``, not ``Ahmed Wali Karzai``); spellings of one given name (``Dmitriy``,
    ``Dmitry``) or a middle name more or less (``Asif Ali Zardari``) are no other person. Returns
    (doc, paragraph, start, end, entity id)."""
    people = {eid: key[4:] for eid, key in db.execute(
        "SELECT id, key FROM entities WHERE type = 'PER' AND merged_into IS NULL").fetchall() if SCOPE not in key}
    by_last: defaultdict[str, list[int]] = defaultdict(list)
    for eid, name in people.items():
        if name:
            by_last[name.split()[-1]].append(eid)
    seen: Counter[int] = Counter()
    short: list[tuple[str, Any, int, int, int, str]] = []
    for doc, para, start, end, eid, text in db.execute(
            'SELECT doc, paragraph, start, "end", entity_id, text FROM mentions WHERE type = \'PER\'').fetchall():
        name = people.get(eid)
        if not name:
            continue
        seen[eid] += 1
        f = fold(strip_titles(text))
        if f and f != name and name.endswith(" " + f):
            short.append((doc, para, start, end, eid, f))
    out = []
    for doc, para, start, end, eid, f in short:
        first = _given(people[eid], f)
        rivals = [c for c in by_last[f.split()[-1]] if c != eid and people[c].endswith(" " + f)
                  and _given(people[c], f)[:3] != first[:3]]  # "Asif Zardari", "Dmitriy Medvedev": the same person
        if any(seen[c] >= seen[eid] for c in rivals):
            out.append((doc, para, start, end, eid))
    return out


def _given(name: str, short: str) -> str:
    """The first word of ``name`` before the short form ``short`` that ends it (its given name)."""
    head = name[: len(name) - len(short)].split()
    return head[0].strip(".\"") if head else ""


def drop_ambiguous_short_forms(writer: Any) -> int:
    """Remove the mentions ``ambiguous_short_forms`` finds; ``writer``: an ``EntityWriter``.
    Returns the number removed."""
    n = 0
    with writer.tx() as db:
        for doc, para, start, end, eid in ambiguous_short_forms(writer.db):
            n += db.execute(
                'DELETE FROM mentions WHERE doc = ? AND coalesce(paragraph, -2) = ? AND start = ? AND "end" = ?'
                " AND entity_id = ?", (doc, -2 if para is None else para, start, end, eid)).rowcount
    return n


__all__ = ["GIVEN", "SURNAME_PARTICLES", "ambiguous_short_forms", "drop_ambiguous_short_forms", "drop_unvouched", "drop_unvouched_places",
           "unvouched", "unvouched_places"]
