"""Cables like a text (the use case over ``enrich.like``): fit the model on the archive's
cables, keep it while the archive does not change, rank.

``model_for(archive)`` reads every current record once (``Archive.records``) and fits
``enrich.like.fit``; the fitted model is kept per archive directory and cable version, in
memory (a server answers every query after the first from there) and in the archive's
directory (``MODEL_FILE``: the next command loads it instead of fitting). ``fetch_text`` reads an article
address through the archive's safe fetch (``sources.fetch``: the feeds' address rules).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from scipy import sparse

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


MODEL_FILE = "like-model.npz"
"""The fitted model, kept in the archive's directory for the next process (the CLI fits it
once per archive version, not once per command): plain arrays, read without pickle."""


def _blob(items: Any) -> np.ndarray:
    """Strings (no newline in any: tokens, 4-grams, reference IDs) as one UTF-8 byte array."""
    return np.frombuffer("\n".join(items).encode(), dtype=np.uint8)


def _unblob(a: np.ndarray) -> list[str]:
    s = a.tobytes().decode()
    return s.split("\n") if s else []


def _save(m: LikeModel, version: int, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, version=np.array([version]), refs=_blob(m.refs), words=_blob(m.words), grams=_blob(m.grams),
                     word_idf=m.word_idf, gram_idf=m.gram_idf,
                     **{f"{n}_{part}": getattr(getattr(m, n), part) for n in ("words_X", "grams_X")
                        for part in ("data", "indices", "indptr")},
                     shapes=np.array([m.words_X.shape, m.grams_X.shape]))
        os.replace(tmp, path)
    except OSError:  # a read-only archive directory: the next process fits again
        tmp.unlink(missing_ok=True)


def _load(path: Path, version: int) -> LikeModel | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            if int(z["version"][0]) != version:
                return None
            shapes = z["shapes"]
            mats = [sparse.csr_matrix((z[f"{n}_data"], z[f"{n}_indices"], z[f"{n}_indptr"]), shape=tuple(shapes[i]))
                    for i, n in enumerate(("words_X", "grams_X"))]
            return LikeModel(_unblob(z["refs"]), {w: i for i, w in enumerate(_unblob(z["words"]))},
                             {g: i for i, g in enumerate(_unblob(z["grams"]))}, z["word_idf"], z["gram_idf"], *mats)
    except (OSError, KeyError, ValueError):  # absent, another version's, or damaged: fit again
        return None


def model_for(archive: Any) -> LikeModel:
    """The fitted model of ``archive``'s cables (kept until a cable changes)."""
    key = _key(archive)
    got = _CACHE.get(key)
    if got is not None:
        return got
    path = Path(archive.settings.db_dir) / MODEL_FILE
    with _LOCK:
        got = _CACHE.get(key) or _load(path, key[1])
        if got is None:
            refs: list[str] = []
            texts: list[str] = []
            for ref, rec in archive.records():
                t = cable_text(orjson.loads(rec))
                if len(t.strip()) >= MIN_CHARS:
                    refs.append(ref)
                    texts.append(t)
            got = fit(refs, texts)
            if got.refs:
                _save(got, key[1], path)
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
