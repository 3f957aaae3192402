"""The writes of a poll pass — the poller's unit of work. :class:`PassWrites` batches a pass's
writes into one transaction committed every ``commit_every_s`` (other writers get the lock in
between; the transaction itself is the store's ``WriteBatch``, ``ChannelStore.write_batch``),
closes it around the archive's ``add_cable`` (which runs its own), and stores prepared entries
through ``ChannelStore.store_entries``, counting them on the feed's result.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from ..enrich.links import parse_ref_id
from .._store.channels import ChannelStore
from ..model import Article
from .entries import PreparedFeed
from .poll_report import FeedResult
from ..sources.settings import PollSettings


class PassWrites:
    """The writes of one poller's passes. ``add_cable(cable, raw)`` (the archive's) receives the
    cables embedded in articles; ``self.add_cable`` is it with the pass's transaction closed
    around it (None without one)."""

    def __init__(self, store: ChannelStore, settings: PollSettings, add_cable: Callable | None = None):
        self.store = store
        self.settings = settings
        self._add_cable_ext = add_cable
        self.add_cable = self._add_cable if add_cable is not None else None
        self._batch = store.write_batch(settings.commit_every_s)

    def begin(self) -> bool:
        """At the start of a pass: batch its writes (True), unless ``commit_every_s`` is 0 or the
        caller already holds a transaction (False: each write is its own transaction)."""
        return self._batch.begin()

    def tick(self, *, end: bool = False) -> None:
        """Commit the pass's open transaction when it is old enough (or at the end). The next one
        begins only after a pause of a quarter of ``commit_every_s``, and only if the pass wrote
        meanwhile: other writers (an ingest, ``feed add``) get the lock in between instead of
        waiting out their busy timeout on a pass that would hold it from start to end."""
        self._batch.tick(end=end)

    async def ticker(self) -> None:
        """Commits on time even while every worker waits on the network (the lock is not held idle)."""
        while True:
            await asyncio.sleep(max(0.02, self.settings.commit_every_s / 4))
            try:
                self.tick()
            except Exception:  # e.g. the lock is busy: the writes go one transaction each meanwhile
                pass

    def _add_cable(self, cable, raw: bytes):
        """The archive's add_cable runs its own transaction: close ours around it."""
        with self._batch.paused():
            return self._add_cable_ext(cable, raw)

    def store_prepared(self, fid: int, prepared: PreparedFeed, known: dict, res: FeedResult) -> str | None:
        """Hand embedded cables to ``add_cable``, store the entries; a note on the last entry problem."""
        res.same += prepared.same
        items: list[Article] = []
        note = None
        for it in prepared.items:
            if isinstance(it, str):
                note = it
                continue
            err = it.error
            if it.embedded and self.add_cable is not None:
                raw = it.data.text.encode("utf-8", "surrogatepass")
                for c in it.embedded:
                    try:
                        self.add_cable(c, raw)
                    except Exception as e:
                        ref = parse_ref_id(c.ref_id) if getattr(c, "ref_id", None) else None
                        err = f"embedded cable {ref} not stored: {type(e).__name__}: {e}"[:500]
            if err:
                note = err
            items.append(it.data)
        if not items:
            return note
        outcomes = self.store.store_entries(fid, items, known)
        for data, (aid, outcome) in zip(items, outcomes):
            setattr(res, outcome, getattr(res, outcome) + 1)
            if outcome != "same" and data.links:
                res.links += len(data.links)
                res.embedded += sum(1 for l in data.links if l.kind == "embeds")
        return note


__all__ = ["PassWrites"]
