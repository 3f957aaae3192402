"""What a poll pass reports: a :class:`FeedResult` per feed (its outcome — ``ok``,
``not-modified``, ``error``, ``gone`` — the HTTP status, the error stored on the feed, and the
articles, cable links and article pages it gave) and the :class:`PollReport` that adds them up
for the pass, with a one-line summary. Plain data, filled in by the poller, the writes of the
pass and the article-page fetcher.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FeedResult:
    feed_id: int
    url: str
    outcome: str
    """``ok``, ``not-modified``, ``error``, ``gone``, ``skipped``."""
    status: int | None = None
    error: str | None = None
    new: int = 0
    updated: int = 0
    merged: int = 0
    same: int = 0
    links: int = 0
    embedded: int = 0
    pages: int = 0
    crashed: bool = False
    """True when an unexpected exception (a bug, not a feed problem) ended this feed's poll."""


@dataclass
class PollReport:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    errors: int = 0
    gone: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0
    same: int = 0
    links: int = 0
    embedded: int = 0
    pages: int = 0
    elapsed: float = 0.0
    results: list[FeedResult] = field(default_factory=list)

    def add(self, r: FeedResult) -> None:
        self.feeds += 1
        self.results.append(r)
        if r.outcome == "ok":
            self.ok += 1
        elif r.outcome == "not-modified":
            self.not_modified += 1
        elif r.outcome == "gone":
            self.gone += 1
        else:
            self.errors += 1
        for k in ("new", "updated", "merged", "same", "links", "embedded", "pages"):
            setattr(self, k, getattr(self, k) + getattr(r, k))

    def summary(self) -> str:
        return (f"{self.feeds} feeds in {self.elapsed:.2f} s: {self.ok} fetched, {self.not_modified} not modified, "
                f"{self.errors} failed, {self.gone} gone; articles: {self.new} new, {self.updated} updated, "
                f"{self.merged} merged, {self.same} unchanged; {self.links} cable links, {self.embedded} embedded "
                f"cables, {self.pages} article pages")


__all__ = ["FeedResult", "PollReport"]
