"""Settings of the web server (``cablebase serve``): where, how many workers, the write token.

Read from the command line, else the environment:

- ``CABLEBASE_DB`` — the archive directory (as for every command);
- ``CABLEBASE_WEB_TOKEN`` — the token that turns on write actions over HTTP (adding a feed,
  polling now). Without one they are off: the server is read-only;
- ``CABLEBASE_WEB_TOKEN_FILE`` — a file holding that token (its first line);
- ``CABLEBASE_WEB_BASE_URL`` — the public URL of the site (for absolute links in feeds; by
  default the URL each request came in on);
- ``CABLEBASE_WEB_CACHE`` — ``0`` turns off the per-worker result caches (search results,
  facet counts), for measuring.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .. import Settings

TOKEN_ENV = "CABLEBASE_WEB_TOKEN"
TOKEN_FILE_ENV = "CABLEBASE_WEB_TOKEN_FILE"
BASE_URL_ENV = "CABLEBASE_WEB_BASE_URL"
CACHE_ENV = "CABLEBASE_WEB_CACHE"

MIN_TOKEN_CHARS = 16


@dataclass(frozen=True, slots=True)
class WebSettings:
    token: str | None = None
    """Bearer token for write actions; None: write actions are off."""
    base_url: str | None = None
    """Public URL of the site, without a trailing slash (None: from each request)."""
    per_page: int = 50
    """Cables per page of a listing."""
    search_per_page: int = 20
    feed_entries: int = 50
    """Entries in an Atom feed."""
    cache: bool = True
    """Per-worker caches of search results and facet counts."""
    cache_entries: int = 512

    @classmethod
    def from_env(cls, **overrides: object) -> "WebSettings":
        token = os.environ.get(TOKEN_ENV) or None
        tf = os.environ.get(TOKEN_FILE_ENV)
        if not token and tf:
            token = read_token_file(Path(tf))
        s = cls(
            token=token,
            base_url=(os.environ.get(BASE_URL_ENV) or "").rstrip("/") or None,
            cache=os.environ.get(CACHE_ENV, "1").strip().lower() not in ("0", "false", "no", "off"),
        )
        overrides = {k: v for k, v in overrides.items() if v is not None}
        s = replace(s, **overrides) if overrides else s  # type: ignore[arg-type]
        if s.token is not None and len(s.token) < MIN_TOKEN_CHARS:
            raise ValueError(f"the web token must have at least {MIN_TOKEN_CHARS} characters")
        return s


def read_token_file(path: Path) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ValueError(f"cannot read token file {path}: {e.strerror or e}") from None
    return lines[0].strip() if lines and lines[0].strip() else None


def archive_settings(db: str | os.PathLike[str] | None = None) -> Settings:
    return Settings.load(db)
