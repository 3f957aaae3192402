"""Cables like a text (the use case over ``enrich.like``): fit the model on the archive's
cables, keep it while the archive does not change, rank.

``LikeIndex.of(archive)`` reads every current record once (``Archive.records``) and fits
``enrich.like.fit``; the fitted model is kept per archive directory and cable version, so a
server answers every query after the first from memory. ``fetch_text`` reads an article
address through the archive's safe fetch (``sources.fetch``: the feeds' address rules).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import orjson

from ..enrich.like import LikeModel, cable_text, fit
from ..errors import FetchError
from ..parse.html_text import extract_html, extract_main
from ..sources.fetch import PAGE_ACCEPT, Fetcher
from ..sources.settings import PollSettings

MIN_CHARS = 40
"""Cables with less text than this are left out (nothing to compare)."""

_CACHE: dict[Any, LikeModel] = {}
_LOCK = threading.Lock()


def _key(archive: Any) -> tuple[str, int]:
    return (str(archive.settings.db_dir), archive.reader().cable_version())


def ready(archive: Any) -> bool:
    """Whether the model of ``archive``'s current cables is fitted (a query answers at once)."""
    return _key(archive) in _CACHE


_FITTING: set[str] = set()


def fit_in_background(open_fn: Callable[[], Any]) -> None:
    """Fit the model in a thread of its own, on an archive ``open_fn()`` opens there (and
    closes): a server's pages do not wait for it. Once per archive at a time."""
    def run() -> None:
        a = open_fn()
        try:
            model_for(a)
        finally:
            a.close()
            _FITTING.discard(name)

    probe = open_fn()
    try:
        name = str(probe.settings.db_dir)
    finally:
        probe.close()
    with _LOCK:
        if name in _FITTING:
            return
        _FITTING.add(name)
    threading.Thread(target=run, name="like-fit", daemon=True).start()


def model_for(archive: Any) -> LikeModel:
    """The fitted model of ``archive``'s cables (kept until a cable changes)."""
    key = _key(archive)
    got = _CACHE.get(key)
    if got is not None:
        return got
    with _LOCK:
        got = _CACHE.get(key)
        if got is None:
            refs: list[str] = []
            texts: list[str] = []
            for ref, rec in archive.records():
                t = cable_text(orjson.loads(rec))
                if len(t.strip()) >= MIN_CHARS:
                    refs.append(ref)
                    texts.append(t)
            got = fit(refs, texts)
            for k in [k for k in _CACHE if k[0] == key[0]]:
                del _CACHE[k]
            _CACHE[key] = got
    return got


def like(archive: Any, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """The cables most like ``text``: [{ref_id, score, subject, created, origin, classification}]."""
    ranked = model_for(archive).rank(text, limit)
    rows = archive.reader().rows_for([r for r, _ in ranked])
    out = []
    for ref, score in ranked:
        row = rows.get(ref)
        out.append({"ref_id": ref, "score": score,
                    "subject": row.subject if row else None, "created": row.created if row else None,
                    "origin": row.origin if row else None,
                    "classification": row.classification if row else None})
    return out


async def fetch_text(url: str, settings: PollSettings) -> str:
    """The main text of the article page at ``url``, fetched with the feeds' rules (address
    checks on every hop, size and time limits: ``sources.fetch``). FetchError when it fails."""
    async with Fetcher(settings) as f:
        got = await f.get(url, accept=PAGE_ACCEPT, max_bytes=settings.max_page_bytes, limit_name="max_page_bytes")
    if got.status >= 400 or not got.body:
        raise FetchError(url, f"the page answered HTTP {got.status}")
    main = extract_main(got.body, got.url) or got.body.decode("utf-8", "replace")
    return extract_html(main, got.url, limits=settings.limits, want_links=False).text
