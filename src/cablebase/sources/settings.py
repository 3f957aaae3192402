"""The settings of the polling side: :class:`PollSettings` gathers every limit a poll obeys —
fetching (timeouts, redirects, body sizes, keep-alive, per-host limit), scheduling (interval,
jitter, back-off), article pages, preparation workers and batched commits — with safe
defaults, and ``USER_AGENT``, the User-Agent naming the project that every request sends.
One frozen, picklable value handed to the fetcher, the poller and ``add_feed`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..version import VERSION as __version__
from ..parse.feed_model import FeedLimits
from .net import NetPolicy

USER_AGENT = f"cablebase/{__version__} (feed reader for the cablebase cable archive; polite polling)"


@dataclass(frozen=True)
class PollSettings:
    """Every limit of the polling side. Safe defaults; override with ``dataclasses.replace``."""

    user_agent: str = USER_AGENT
    workers: int = 32
    """Feeds fetched at once."""
    per_host: int = 4
    """Requests open at once to one host."""
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_timeout: float = 120.0
    """Whole request, body included (a slow-drip body is cut here)."""
    max_redirects: int = 5
    max_body_bytes: int = 15 * 2**20
    """A feed body larger than this is refused (streamed; never read whole first)."""
    max_page_bytes: int = 15 * 2**20
    """Same for an article page fetched for its full text."""
    max_head_bytes: int = 64 * 2**10
    """Status line and headers of a response larger than this are refused."""
    keepalive_s: float = 5.0
    """An idle connection is reused for this long, then closed."""
    drain_max_bytes: int = 64 * 2**10
    """The body of a redirect, 304 or error response up to this is read and dropped, so that its
    connection goes back to the pool (kept alive); a larger one closes the connection."""
    interval_s: float = 3600.0
    """Default time between two polls of a feed (a feed's own ``interval_s`` wins)."""
    jitter: float = 0.1
    """Each interval is stretched or shrunk at random by up to this fraction."""
    backoff_base_s: float = 300.0
    """First retry delay of a failing feed; doubles with each failure ..."""
    max_backoff_s: float = 86400.0
    """... up to this (a day). Retry-After is honoured up to this too."""
    fulltext: bool = True
    """Fetch the article page when a feed gives only a summary."""
    fulltext_min_chars: int = 500
    """An entry whose text is shorter than this counts as a summary."""
    fulltext_per_feed: int = 20
    """Article pages fetched per feed per pass at most."""
    language_sample_chars: int = 600
    prepare_workers: int | None = None
    """Processes that parse feeds and prepare their entries (HTML → text, links, language) while
    the poller goes on fetching and writing. None: one per CPU, at most 8 (none on one CPU);
    0: everything on the poller's own thread."""
    prepare_backlog: int = 4
    """Feeds handed to one worker at a time; when every worker has that many, the poller
    prepares the next feed itself."""
    prepare_timeout_s: float = 300.0
    """A feed whose preparation takes longer fails (its worker is killed; the pass goes on)."""
    commit_every_s: float = 0.5
    """A pass writes in one transaction committed this often (0: a transaction per write)."""
    limits: FeedLimits = FeedLimits()
    net: NetPolicy = NetPolicy()


__all__ = ["PollSettings", "USER_AGENT"]
