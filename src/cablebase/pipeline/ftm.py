"""The archive's entities as FollowTheMoney entities, loadable into Aleph / OpenAleph.

One JSON object per line (``EntityProxy.to_dict()``, what ``ftm`` and ``alephclient
write-entities`` read), built with the ``followthemoney`` package's own model:

- every person → ``Person``, organisation → ``Organization``, place → ``Address`` (``full``
  and, when the name is a country, ``country``);
- every cable exported → ``Document`` (``title``: the subject, ``name``: the reference ID,
  ``date`` created, ``publishedAt`` released, ``publisher`` its origin, ``keywords`` its TAGS,
  ``sourceUrl`` its page with ``CABLEBASE_WEB_BASE_URL``, and the names it mentions in
  ``peopleMentioned`` / ``companiesMentioned`` / ``locationMentioned``);
- every (cable, entity) it mentions → ``Mention`` (``document``, ``resolved``: the person or
  organisation, ``name`` as written, ``detectedSchema``) or, for places, which a ``Mention``
  cannot resolve to, ``Documentation`` (``document``, ``entity``, ``role`` "mentioned").
- every person, organisation and place with its name as the archive shows it (the spellings
  found are on the ``Mention`` lines).

Entities first (only those the exported cables mention), then documents, then the links, so a
loader meets every id before it is referenced. Ids: ``cablebase-entity-ID``,
``cablebase-cable-REF``, ``cablebase-mention-REF-ID``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from followthemoney import model

SCHEMAS = {"PER": "Person", "ORG": "Organization", "PLACE": "Address", "GPE": "Address", "LOC": "Address"}
MENTIONED = {"Person": "peopleMentioned", "Organization": "companiesMentioned", "Address": "locationMentioned"}


def _country(name: str) -> str | None:
    try:
        from followthemoney.types import registry

        return registry.country.clean(name)
    except Exception:  # noqa: BLE001 - a name that is no country
        return None


def _line(proxy: Any) -> bytes:
    return orjson.dumps(proxy.to_dict()) + b"\n"


def stream(archive: Any, refs: list[str] | None = None, *, base_url: str | None = None) -> Iterator[bytes]:
    """The FollowTheMoney export of the cables ``refs`` (None: every cable) and the entities
    they mention, as JSON Lines."""
    reader = archive.reader()
    vq = reader.visual
    table = reader.facet_table()  # tags per cable
    wanted = set(table) if refs is None else {r for r in refs if r in table}
    rows = reader.rows_for(sorted(wanted))
    ents = {eid: (SCHEMAS.get(t), name) for eid, t, name in vq.entities_all() if SCHEMAS.get(t)}
    links: dict[str, list[tuple[int, str]]] = {}
    for doc, eid, text, _n in vq.mentions_by_doc():
        if doc in wanted and eid in ents:
            links.setdefault(doc, []).append((eid, text))
    used = sorted({eid for lst in links.values() for eid, _ in lst})
    for eid in used:
        schema, name = ents[eid]
        p = model.make_entity(schema)
        p.id = f"cablebase-entity-{eid}"
        p.add("name", name)
        if schema == "Address":
            p.add("full", name)
            c = _country(name)
            if c:
                p.add("country", c)
        yield _line(p)
    base = (base_url or "").rstrip("/")
    for ref in sorted(wanted):
        row = rows.get(ref)
        if row is None:
            continue
        d = model.make_entity("Document")
        d.id = f"cablebase-cable-{ref}"
        d.add("name", ref)
        d.add("title", row.subject or ref)
        d.add("date", (row.created or "")[:10] or None)
        d.add("publishedAt", (row.released or "")[:10] or None)
        d.add("publisher", row.origin)
        d.add("keywords", list(table[ref].tags))
        if base:
            d.add("sourceUrl", f"{base}/cable/{ref}")
        for eid, _text in links.get(ref, []):
            schema, name = ents[eid]
            d.add(MENTIONED[schema], name)
        yield _line(d)
    for ref in sorted(links):
        for eid, text in links[ref]:
            schema, name = ents[eid]
            if schema == "Address":
                m = model.make_entity("Documentation")
                m.add("entity", f"cablebase-entity-{eid}")
                m.add("role", "mentioned")
            else:
                m = model.make_entity("Mention")
                m.add("resolved", f"cablebase-entity-{eid}")
                m.add("name", text or name)
                m.add("detectedSchema", schema)
            m.id = f"cablebase-mention-{ref}-{eid}"
            m.add("document", f"cablebase-cable-{ref}")
            yield _line(m)
