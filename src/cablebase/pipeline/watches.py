"""Watches: saved searches that fire when a matching cable, version or article arrives.

A watch is a query (the search language of ``docs/query.md``), optionally a webhook, and a
secret of its own. It fires for

- a new cable whose record matches (kind ``new``),
- a new version of a cable whose current record matches (kind ``version``),
- a new article that matches (kind ``article``; see ``pipeline.watch_match``),

whichever process stored it: ``cablebase ingest``, a poll, the web API, another machine's
writer on a shared database.

Why a watermark over the change stream, not a hook in the writers: every writer would need
the hook (ingest, the poller, a crashed writer's repair, a process of another version), and
a hook that runs inside a write either slows it or is lost when the process dies between the
commit and the hook. Instead each watch keeps two watermarks over the archive's change
stream (``store.watch_changes``: ids of ``sources`` and ``articles`` rows, which only grow) and
a *delivery pass* looks at what arrived past them:

1. it reads the new rows once for all watches, and keeps the *settled* prefix: a version
   whose cable may not be searchable yet (listed in ``index_pending``) waits
   (``PENDING_WAIT_S``, ``STALL_S``), an article waits ``ARTICLE_SETTLE_S`` for its cable
   links and page text;
2. for each watch, the cables among the new rows are matched by running the watch's query in
   the search index restricted to their ref_ids; the articles as ``watch_match`` says;
3. each match is recorded as one event per (watch, item), idempotently (``UNIQUE`` +
   ``ON CONFLICT DO NOTHING``): a pass run twice, or by two processes at once, records and
   sends nothing twice. In the same transaction the watch's watermarks move on and, if it has
   a webhook, one *delivery* (a JSON body naming the new items) is queued;
4. due deliveries are sent (``pipeline.watch_delivery``): signed, retried with back-off,
   every attempt logged.

A crash between steps loses nothing (the watermarks move with the events) and sends nothing
twice unless it falls between a receiver's answer and the log of it (at-least-once, as every
webhook). The pass runs in ``cablebase serve`` and ``cablebase poll --watch`` (a background
thread, every ``INTERVAL_S`` seconds) and in ``cablebase watch run``; a matching write is
delivered within about ``INTERVAL_S`` plus the index's commit delay (seconds).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import orjson

from .._store import index_facets
from .._store.index import SearchIndex
from .._store.watch_changes import new_articles, new_sources
from .._store.watch_tables import WatchStore
from ..errors import BadQuery, CablebaseError, UnsafeURL
from ..sources.net import ENV_ALLOW, NetPolicy, check_url_sync
from .watch_match import ArticleText, matches

log = logging.getLogger("cablebase.watches")

INTERVAL_S = 5.0
"""How often the background deliverers (``serve``, ``poll --watch``, ``watch run``) run a pass."""
BATCH = 2000
"""Rows of the change stream read at once."""
MAX_BATCHES = 25
"""Batches per pass at most (the rest waits for the next pass)."""
PENDING_WAIT_S = 10.0
"""A version whose cable is still listed in ``index_pending`` (a writer clears its rows only at
its next write or when it closes, well after the index commit that made the cable searchable)
is matched this long after it was stored if the index has the cable by then."""
STALL_S = 120.0
"""... and after this long in any case (a writer died before indexing, and nobody has repaired
it yet: the cable is matched against what the index holds)."""
ARTICLE_SETTLE_S = 5.0
"""An article is matched this long after it was first stored (its cable links come with it
or soon after)."""
MAX_QUERY_CHARS = 1000


@dataclass(frozen=True, slots=True)
class NewWatch:
    id: int
    query: str
    webhook: str | None
    secret: str
    """Shown once, when the watch is made: the key of its deliveries' signatures."""
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "query": self.query, "webhook": self.webhook, "secret": self.secret,
                "created_by": self.created_by}


@dataclass(slots=True)
class PassReport:
    watches: int = 0
    events: int = 0
    queued: int = 0
    """Deliveries queued by this pass."""
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"watches": self.watches, "events": self.events, "queued": self.queued, "sent": self.sent,
                "retrying": self.retrying, "failed": self.failed, "errors": self.errors}


def check_webhook(url: str, policy: NetPolicy) -> None:
    """The feeds' URL-safety rules (``sources.net``), DNS included; ``UnsafeURL`` naming
    ``CABLEBASE_NET_ALLOW`` when the target's address is refused."""
    try:
        check_url_sync(url, policy)
    except UnsafeURL as e:
        reason = e.reason
        if "address" in reason and ENV_ALLOW not in reason:
            reason += (f"; a webhook may not reach loopback, private or reserved addresses unless"
                       f" {ENV_ALLOW} allows the host or network")
        raise UnsafeURL(url, reason) from None


def add_watch(store: WatchStore, index: SearchIndex, query: str, webhook: str | None, policy: NetPolicy, *,
              created_by: str = "local", now: float | None = None) -> NewWatch:
    """A new watch (``BadQuery`` for a malformed or empty query, ``UnsafeURL`` for a webhook the
    network policy refuses), firing on what arrives from now on."""
    query = (query or "").strip()
    if not query:
        raise BadQuery("a watch needs a query (it would fire on everything)", query="")
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"query too long ({len(query)} characters, at most {MAX_QUERY_CHARS})", query=query[:80])
    index.compile(query)
    webhook = (webhook or "").strip() or None
    if webhook:
        check_webhook(webhook, policy)
    secret = "whsec_" + secrets.token_urlsafe(32)
    wid = store.add(query, webhook, secret, created_by or "local", time.time() if now is None else now)
    return NewWatch(wid, query, webhook, secret, created_by or "local")


def cable_path(ref_id: str) -> str:
    return "/cable/" + quote(ref_id, safe="")


def article_path(article_id: int) -> str:
    return f"/article/{int(article_id)}"


def _added_at(added: str | None) -> float:
    try:
        return datetime.fromisoformat(added or "").timestamp()
    except ValueError:
        return 0.0


def _settled_sources(index: SearchIndex, rows: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """The prefix of ``rows`` that may be matched now (see the module doc, ``PENDING_WAIT_S``)."""
    waiting = [r["ref_id"] for r in rows if r["pending"] and now - _added_at(r["added"]) < STALL_S]
    indexed = index_facets.refs_among(index, "", waiting) if waiting else set()
    out = []
    for r in rows:
        if r["pending"]:
            age = now - _added_at(r["added"])
            if age < STALL_S and not (age >= PENDING_WAIT_S and r["ref_id"] in indexed):
                break
        out.append(r)
    return out


def _settled_articles(rows: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if now - (r["first_seen"] or 0.0) < ARTICLE_SETTLE_S:
            break
        out.append(r)
    return out


def payload(watch: dict[str, Any], events: list[dict[str, Any]], base_url: str | None) -> str:
    """The JSON body of a delivery: the watch and the items that matched."""
    items = []
    for e in events:
        cable = e["kind"] != "article"
        item = {"kind": e["kind"], "ref_id": e["ref_id"], "subject": e["title"] if cable else None,
                "article_id": e["article_id"], "title": e["title"], "path": e["path"]}
        if base_url:
            item["url"] = base_url + e["path"]
        items.append(item)
    return orjson.dumps({"watch": {"id": watch["id"], "query": watch["query"]}, "events": items}).decode()


def collect(db: Any, store: WatchStore, index: SearchIndex, *, base_url: str | None = None,
            now: float | None = None, report: PassReport | None = None) -> PassReport:
    """Steps 1-3 of a pass (module doc): record the new matches and queue their deliveries."""
    report = report or PassReport()
    watches = store.list()
    report.watches = len(watches)
    if not watches:
        return report
    t = time.time() if now is None else now
    for _ in range(MAX_BATCHES):
        low_s = min(w["source_mark"] for w in watches)
        low_a = min(w["article_mark"] for w in watches)
        raw_s = new_sources(db, low_s, BATCH)
        raw_a = new_articles(db, low_a, BATCH)
        srcs, arts = _settled_sources(index, raw_s, t), _settled_articles(raw_a, t)
        if not srcs and not arts:
            break
        end_s = srcs[-1]["id"] if srcs else low_s
        end_a = arts[-1]["id"] if arts else low_a
        for w in watches:
            try:
                _one_watch(db, store, index, w, srcs, arts, end_s, end_a, base_url, t, report)
            except (CablebaseError, ValueError) as e:  # a query the index no longer takes: the others go on
                report.errors.append(f"watch {w['id']}: {e}")
                log.warning("watch %s: %s", w["id"], e)
        if len(srcs) < BATCH and len(arts) < BATCH:
            break
        watches = store.list()
    return report


def _one_watch(db: Any, store: WatchStore, index: SearchIndex, w: dict[str, Any], srcs: list[dict[str, Any]],
               arts: list[dict[str, Any]], end_s: int, end_a: int, base_url: str | None, now: float,
               report: PassReport) -> None:
    mine_s = [r for r in srcs if r["id"] > w["source_mark"] and r["cable"]]
    mine_a = [r for r in arts if r["id"] > w["article_mark"]]
    hits = index_facets.refs_among(index, w["query"], [r["ref_id"] for r in mine_s]) if mine_s else set()
    linked = index_facets.refs_among(index, w["query"], [x for a in mine_a for x in a["refs"]]) if mine_a else set()
    found: list[dict[str, Any]] = []
    for r in mine_s:
        if r["ref_id"] in hits:
            found.append({"item": f"source:{r['id']}", "kind": "new" if r["first"] else "version",
                          "ref_id": r["ref_id"], "article_id": None, "title": r["subject"],
                          "path": cable_path(r["ref_id"])})
    for a in mine_a:
        via = [x for x in a["refs"] if x in linked]
        if via or matches(w["query"], ArticleText(a["title"], a["summary"], a["text"])):
            found.append({"item": f"article:{a['id']}", "kind": "article", "ref_id": via[0] if via else None,
                          "article_id": a["id"], "title": a["title"], "path": article_path(a["id"])})
    with store.tx():
        new_ids, new_events = [], []
        for ev in found:
            eid = store.add_event(w["id"], ev["item"], ev["kind"], ref_id=ev["ref_id"], article_id=ev["article_id"],
                                  title=ev["title"], path=ev["path"], now=now)
            if eid is not None:
                new_ids.append(eid)
                new_events.append(ev)
        if new_ids and w["webhook"]:
            store.add_delivery(w["id"], w["webhook"], payload(w, new_events, base_url), new_ids, now)
            report.queued += 1
        store.advance(w["id"], end_s, end_a, now)
    report.events += len(new_ids)
    w["source_mark"], w["article_mark"] = max(w["source_mark"], end_s), max(w["article_mark"], end_a)


__all__ = ["INTERVAL_S", "NewWatch", "PassReport", "add_watch", "article_path", "cable_path", "check_webhook",
           "collect", "payload"]
