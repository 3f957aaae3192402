"""Fetching with every politeness and safety rule: :class:`Fetcher` GETs a URL over async
HTTP/1.1 with keep-alive (:mod:`cablebase.sources.http`) — conditional GET (ETag /
Last-Modified), at most ``per_host`` requests open to one host, at most ``max_redirects``
redirects with each hop checked by :mod:`cablebase.sources.net` before connecting, permanent
redirects (301/308 all the way) reported as the feed's new URL, 429/503 Retry-After honoured
(and the host held for the rest of the pass), a whole-request timeout, bodies streamed and cut
at their limit. Every failure is a :class:`FetchError` whose message names the setting at fault.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

from ..errors import FetchError
from . import http
from .net import UnsafeURL
from .resolve import Resolver
from .settings import PollSettings

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass(slots=True)
class Fetched:
    url: str
    """The URL the body came from (after redirects)."""
    status: int
    body: bytes | None
    headers: dict[str, str]
    permanent_url: str | None = None
    """Set when every redirect hop was permanent (301/308): the feed's new URL."""
    retry_after: float | None = None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 10**9))
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    return max(0.0, dt.timestamp() - now)


def _host_key(url: str) -> str:
    try:
        p = urlsplit(url)
        return f"{p.scheme}://{(p.hostname or '').lower()}:{p.port or ''}"
    except ValueError:
        return url


class Fetcher:
    """GETs with every politeness and safety rule. Use as ``async with Fetcher(settings) as f``."""

    def __init__(self, settings: PollSettings = PollSettings(), *, client: http.Client | None = None,
                 now: Callable[[], float] = time.time):
        self.settings = settings
        self.now = now
        self.resolver = Resolver(settings.net)
        self._own_client = client is None
        self.client = client or http.Client(
            connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
            keepalive_s=settings.keepalive_s, max_idle=max(settings.workers, 10),
            max_idle_per_host=max(settings.per_host, 1), max_head_bytes=settings.max_head_bytes,
            headers={"User-Agent": settings.user_agent},
        )
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._host_hold: dict[str, float] = {}

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    def _sem(self, key: str) -> asyncio.Semaphore:
        s = self._host_sems.get(key)
        if s is None:
            s = self._host_sems[key] = asyncio.Semaphore(max(1, self.settings.per_host))
        return s

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  accept: str = FEED_ACCEPT, max_bytes: int | None = None,
                  limit_name: str = "max_body_bytes") -> Fetched:
        """GET ``url``; returns 2xx/304/4xx/5xx as ``Fetched`` and raises FetchError for the rest.
        Error messages name the setting of each limit (``limit_name``: the one ``max_bytes`` is)."""
        s = self.settings
        max_bytes = s.max_body_bytes if max_bytes is None else max_bytes
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        permanent = True
        redirected = False
        current = url
        try:
            async with asyncio.timeout(s.request_timeout) as deadline:
                for _hop in range(s.max_redirects + 1):
                    key = _host_key(current)
                    hold = self._host_hold.get(key)
                    if hold is not None and hold > self.now():
                        raise FetchError(current, f"host asked us to wait (Retry-After) for {hold - self.now():.0f} s more",
                                         retry_after=hold - self.now())
                    try:
                        await self.resolver.check(current)
                    except UnsafeURL as e:
                        raise FetchError(current, str(e)) from None
                    # waiting for a turn on a busy host (per_host) is not this request's time: the clock stops
                    loop = asyncio.get_running_loop()
                    left = deadline.when() - loop.time()
                    deadline.reschedule(None)
                    async with self._sem(key):
                        deadline.reschedule(loop.time() + left)
                        r = await self.client.get(current, headers)
                        try:
                            code = r.status
                            hdrs = r.headers
                            if code >= 300:
                                # read (and drop) a small body: the connection then stays open for reuse
                                await r.drain(s.drain_max_bytes)
                            if code in (301, 302, 303, 307, 308):
                                loc = hdrs.get("location")
                                if not loc:
                                    raise FetchError(current, f"HTTP {code} redirect without Location", status=code)
                                try:
                                    nxt = urljoin(current, loc.strip())
                                except ValueError:
                                    raise FetchError(current, f"HTTP {code} to a malformed Location", status=code) from None
                                permanent = permanent and code in (301, 308)
                                redirected = True
                                current = nxt
                                continue
                            if code in (429, 503):
                                ra = parse_retry_after(hdrs.get("retry-after"), self.now())
                                if ra:
                                    self._host_hold[key] = self.now() + min(ra, s.max_backoff_s)
                                return Fetched(current, code, None, hdrs, None, ra)
                            if code >= 300:
                                return Fetched(current, code, None, hdrs,
                                               current if (redirected and permanent) else None)
                            clen = hdrs.get("content-length")
                            if clen and clen.isdigit() and int(clen) > max_bytes and "content-encoding" not in hdrs:
                                raise FetchError(current, f"body of {int(clen)} bytes is over the {max_bytes}-byte limit ({limit_name})",
                                                 status=code)
                            chunks = []
                            size = 0
                            try:
                                async for chunk in r.aiter_bytes(max_bytes):
                                    size += len(chunk)
                                    if size > max_bytes:
                                        raise http.BodyTooLarge()
                                    chunks.append(chunk)
                            except http.BodyTooLarge:
                                raise FetchError(current, f"body over the {max_bytes}-byte limit ({limit_name}; cut while reading)",
                                                 status=code) from None
                            return Fetched(current, code, b"".join(chunks), hdrs,
                                           current if (redirected and permanent) else None)
                        finally:
                            r.close()
                raise FetchError(current, f"more than {s.max_redirects} redirects (max_redirects)")
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(current, f"took longer than {s.request_timeout:g} s (request_timeout)") from None
        except (http.ConnectTimeout, http.ReadTimeout) as e:
            raise FetchError(current, f"timed out ({type(e).__name__}: {e})"[:500]) from None
        except http.HTTPError as e:
            raise FetchError(current, f"{type(e).__name__}: {e}"[:500]) from None
        except (OSError, ValueError, UnicodeError) as e:
            raise FetchError(current, f"{type(e).__name__}: {e}"[:500]) from None


__all__ = ["Fetcher", "Fetched", "FetchError", "parse_retry_after", "FEED_ACCEPT", "PAGE_ACCEPT"]
