"""Article pages for the entries a feed gives only as a summary: ``fetch_fulltext`` fetches
the pages of a feed's articles shorter than ``fulltext_min_chars`` (``fulltext_per_feed`` per
pass, with the same :class:`Fetcher` and its politeness), keeps their main content
(``extract_main``, via trafilatura), finds the cables they cite or embed, and stores the page,
its text, language and links on the article; a page that cannot be had is noted on the article
and the feed, never fatal to the pass.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from ..enrich.language import detect_language
from ..enrich.links import link_article
from ..parse.html_text import extract_html, extract_main
from .._store.channels import ChannelStore
from ..model import Link
from ..sources.fetch import PAGE_ACCEPT, Fetcher, FetchError
from .poll_report import FeedResult
from ..sources.settings import PollSettings


async def fetch_fulltext(store: ChannelStore, settings: PollSettings, feed: dict, res: FeedResult, fetcher: Fetcher,
                         *, add_cable: Callable | None = None,
                         parse_cable: Callable | None = None) -> tuple[str | None, int | None]:
    """Fetch the pages of the feed's summary-only articles (``fulltext_per_feed`` per pass).

    Returns (note on the last page problem, ``fulltext_min_chars`` when no article lacked its
    page: the feed's ``fulltext_clear_below``, which lets the next 304 skip the look-up)."""
    note = None
    todo = store.articles_needing_fulltext(feed["id"], settings.fulltext_min_chars, settings.fulltext_per_feed)
    if not todo:
        return None, settings.fulltext_min_chars
    prior = store.article_cables(r["id"] for r in todo)

    async def one(aid: int, data: dict):
        nonlocal note
        try:
            got = await fetcher.get(data["url"], accept=PAGE_ACCEPT, max_bytes=settings.max_page_bytes,
                                    limit_name="max_page_bytes")
            if got.status >= 300 or not got.body:
                raise FetchError(data["url"], f"HTTP {got.status}", status=got.status)
            ctype = (got.headers.get("content-type") or "").lower()
            if ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
                raise FetchError(data["url"], f"not a page ({ctype[:60]})")
            main_html = await asyncio.to_thread(extract_main, got.body, got.url)
            info = extract_html(main_html, got.url, limits=settings.limits)
            text = info.text
            feed_info = extract_html(data["content"], data["url"], limits=settings.limits)
            old_text = data["text"] or ""
            all_text = text if len(text) >= len(old_text) else old_text
            lr = link_article(all_text, [*feed_info.links, *info.links], location=got.url,
                              add_cable=add_cable, parse=parse_cable)
            links = [Link(l.ref_id, l.kind, l.offset, l.snippet[:400], l.via) for l in lr.links]
            have = {l.ref_id for l in links}
            links += [Link(l["ref_id"], l["kind"], l["offset"], l["snippet"], l["via"])
                      for l in prior.get(aid, []) if l["ref_id"] not in have]  # named only in the feed's text
            store.set_fulltext(aid, page_content=main_html, text=text,
                               language=detect_language(text) if len(text) > len(old_text) else None,
                               links=links)
            res.pages += 1
            res.links += max(0, len(links) - len(prior.get(aid, [])))
            res.embedded += sum(1 for l in lr.links if l.kind == "embeds")
            if lr.error:
                note = lr.error
        except FetchError as e:
            note = f"article page {data['url']}: {e.reason}"[:500]
            if e.status not in (429, 503) and e.retry_after is None:
                store.set_fulltext(aid, page_content=None, text=None, error=e.reason)
        except Exception as e:
            note = f"article page {data['url']}: {type(e).__name__}: {e}"[:500]
            store.set_fulltext(aid, page_content=None, text=None, error=note)

    await asyncio.gather(*(one(d["id"], d) for d in todo))
    return note, None


__all__ = ["fetch_fulltext", "extract_main"]
