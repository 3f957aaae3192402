"""The press an ingest finds: articles of a WikiLeaks site snapshot stored as articles.

Pages that hold no cable are read by ``parse.press``; the articles among them (WikiLeaks' and
its partners' stories on the cables, press releases, editorials) are stored here, each in the
channel of the section the site filed it under (``WikiLeaks » Brazil``, ``WikiLeaks » Latin
America`` …), prepared as a feed entry is (text, links to the cables it cites or embeds,
language), and linked to the cables. Each channel has one local source, ``cablebase:press/…``,
which is never fetched: its status says so. A feed aggregator's channel page saved as text
(the seed's ``Opera Leaks » Cuba``) becomes that channel, its post an article that embeds the
cable it republishes; the source's status says how many of the articles the page announces it
holds. Re-ingesting the same pages changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from .._store.channels import ChannelStore
from ..parse.press import CHANNEL_PREFIX, SITE_URL, PressPage, channel_of, press_entry
from .entries import PrepareOptions, set_languages, prepare_entry
from .identity import entry_hash, entry_key

SOURCE_PREFIX = "cablebase:press/"
LOCAL_REASON = "articles read from ingested pages of a WikiLeaks site snapshot; not a feed to poll"
BASE_URL = SITE_URL


@dataclass(slots=True)
class PressReport:
    articles: int = 0
    """Articles stored new or changed."""
    same: int = 0
    """Articles already stored as they are."""
    links: int = 0
    channels: list[str] = field(default_factory=list)


def store_press(channels: ChannelStore, pages: list[tuple[str, PressPage]],
                opts: PrepareOptions = PrepareOptions()) -> PressReport:
    """Store the article pages (``(location, page)``) in their sections' channels."""
    report = PressReport()
    by_channel: dict[str, list[tuple[str, PressPage]]] = defaultdict(list)
    for loc, page in pages:
        if page.kind == "article":
            by_channel[channel_of(page)].append((loc, page))
    for name, items in sorted(by_channel.items()):
        saved = items[0][1].channel is not None
        fid = channels.add_feed(SOURCE_PREFIX + quote(name), name, title=None if saved else name)
        announced = max((p.announced or 0 for _, p in items), default=0)
        channels.set_feed_status(fid, "disabled", saved_reason(SAVED_AS_TEXT, len(items), announced)
                                 + "; not a feed to poll" if saved else LOCAL_REASON)
        known = channels.entry_state(fid)
        arts = []
        for loc, page in items:
            e = press_entry(page, "page:" + loc.rsplit("::", 1)[-1])
            key, eh = entry_key(e), entry_hash(e)
            if key in known and known[key][1] == eh:
                report.same += 1
                continue
            prepared = prepare_entry(e, key, eh, BASE_URL, opts, language=False)
            arts.append(prepared.data)
            report.links += len(prepared.data.links or [])
        if arts:
            set_languages(arts, opts.language_sample_chars)
            channels.store_entries(fid, arts, known)
            report.articles += len(arts)
        report.channels.append(name)
    return report


def saved_reason(what: str, held: int, announced: int | None) -> str:
    """What a saved page holds of what it announces, said where its source is listed:
    ``a channel page saved as text: 1 article of the 8 articles the page announces; …``."""
    of = f" of the {announced} articles the page announces" if announced and announced > held else ""
    return f"{what}: {held} article{'s' if held != 1 else ''}{of}"


SAVED_AS_TEXT = "a channel page saved as text"


def saved_on_disk(kind: str) -> str:
    """``a channel page saved on disk``, ``an article page saved on disk`` (``kind``: a ``SavedPage``'s)."""
    return ("an " if kind[:1] in "aeiou" else "a ") + kind + " saved on disk"


__all__ = ["CHANNEL_PREFIX", "PressReport", "saved_on_disk", "saved_reason", "store_press"]
