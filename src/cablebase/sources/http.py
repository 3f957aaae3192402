"""A small HTTP/1.1 client for the poller (GET, keep-alive) and the watches' webhooks (POST), h11 for the protocol.

Why not httpx: on a pass of a thousand feeds most answers are a bodiless 304, and
httpx/httpcore spend ~1 ms of CPU on each (URL and header models, anyio, the pool's
liveness checks); this client spends ~0.15 ms. The protocol itself (status line, headers,
Content-Length vs chunked framing, keep-alive rules, malformed input) is h11's, a strict and
well-tested state machine; this module only moves bytes and keeps connections.

What it does: ``http`` and ``https`` (certificate checked, certifi's roots when installed),
one idle pool per (scheme, host, port) reused LIFO and dropped after ``keepalive_s``,
``Accept-Encoding: gzip, deflate`` with decompression capped by the caller (decoded bytes are
what is counted), a connect timeout and a per-read timeout. A request on a reused connection
that the server had closed meanwhile is retried once on a fresh one (GET is idempotent).
No redirects (the caller follows them, checking each hop), no cookies, no proxies. ``post``
sends a body on a fresh connection (never retried: a POST is not idempotent).
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from dataclasses import dataclass, field
from typing import AsyncIterator
from urllib.parse import quote, urlsplit

import h11

from ..errors import BodyTooLarge, ConnectError, ConnectTimeout, HTTPError, ProtocolError, ReadTimeout

CHUNK = 64 * 1024
_TARGET_SAFE = "/%:@!$&'()*+,;=-._~?"
"""Kept as they are in a request target; anything else (non-ASCII, spaces, ``<>{}|\\^`"[]``) is
percent-encoded (UTF-8), as browsers do."""


def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        ctx = ssl.create_default_context(cafile=certifi.where())
    except Exception:  # certifi missing or unreadable: the system's roots
        ctx = ssl.create_default_context()
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _host_header(host: str, port: int, scheme: str) -> str:
    h = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return h if port == default else f"{h}:{port}"


def _ascii_host(host: str) -> str:
    if host.isascii():
        return host
    try:
        import idna

        return idna.encode(host, uts46=True).decode("ascii")
    except Exception:
        return host.encode("idna").decode("ascii")


@dataclass(slots=True)
class URL:
    scheme: str
    host: str
    port: int
    target: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def split_url(url: str) -> URL:
    """Scheme, ASCII host, port and request target of an absolute http(s) URL (ValueError if not)."""
    p = urlsplit(url)
    scheme = p.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported scheme {scheme!r}")
    host = p.hostname
    if not host:
        raise ValueError("no host in URL")
    port = p.port or (443 if scheme == "https" else 80)
    target = p.path or "/"
    if p.query:
        target += "?" + p.query
    target = quote(target, safe=_TARGET_SAFE)
    return URL(scheme, _ascii_host(host.lower()), port, target)


class _Conn:
    __slots__ = ("reader", "writer", "h11", "key", "idle_since", "used")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key, max_head: int):
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=max_head)
        self.key = key
        self.idle_since = 0.0
        self.used = 0

    def usable(self) -> bool:
        """Still open, nothing unread, no EOF seen (checked before reuse)."""
        return not (self.writer.transport.is_closing() or self.reader.at_eof()
                    or getattr(self.reader, "_buffer", None))

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass


class _Decoder:
    """Content-Encoding decoding: gzip and deflate (zlib-wrapped or raw); identity and unknown
    codings pass through, as httpx does. Output is capped: a bomb is refused, never expanded."""

    def __init__(self, encodings: list[str]):
        self.steps: list = []
        for enc in reversed(encodings):
            if enc in ("gzip", "x-gzip"):
                self.steps.append(zlib.decompressobj(zlib.MAX_WBITS | 16))
            elif enc == "deflate":
                self.steps.append(None)  # zlib-wrapped or raw: decided on the first bytes

    def _step(self, i: int, data: bytes):
        d = self.steps[i]
        if d is None:
            zlib_header = len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] * 256 + data[1]) % 31 == 0
            d = self.steps[i] = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        return d

    def decode(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``; raises BodyTooLarge rather than produce more than ``limit`` bytes at once."""
        for i in range(len(self.steps)):
            if not data:
                return data
            d = self._step(i, data)
            try:
                data = d.decompress(data, limit + 1)
            except zlib.error as e:
                raise ProtocolError(f"bad compressed body: {e}") from None
            if d.unconsumed_tail or len(data) > limit:
                raise BodyTooLarge(f"decoded body over the {limit}-byte limit")
        return data

    def flush(self, limit: int) -> bytes:
        out = b""
        for i, d in enumerate(self.steps):
            if d is None:
                if not out:
                    continue
                d = self._step(i, out)
            try:
                out = (d.decompress(out, limit + 1) if out else b"") + d.flush()
            except zlib.error as e:
                raise ProtocolError(f"bad compressed body: {e}") from None
            if d.unconsumed_tail or len(out) > limit:
                raise BodyTooLarge(f"decoded body over the {limit}-byte limit")
        return out


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]
    """Lower-case names; a repeated header's values joined with ``, ``."""
    url: str
    _client: "Client" = field(repr=False)
    _conn: _Conn | None = field(repr=False)
    _read_timeout: float = field(repr=False, default=30.0)
    _done: bool = field(repr=False, default=False)

    async def _events(self) -> AsyncIterator[bytes]:
        """Raw body bytes as h11 hands them out; ends at end of message (connection then reusable)."""
        conn = self._conn
        if conn is None or self._done:
            return
        h = conn.h11
        while True:
            ev = h.next_event()
            if ev is h11.NEED_DATA:
                h.receive_data(await self._client._read(conn, self._read_timeout))
                continue
            if type(ev) is h11.Data:
                yield bytes(ev.data)
                continue
            if type(ev) is h11.EndOfMessage or type(ev) is h11.ConnectionClosed:
                self._done = True
                self._release()
                return
            raise ProtocolError(f"unexpected {type(ev).__name__} in response body")

    async def aiter_bytes(self, limit: int) -> AsyncIterator[bytes]:
        """The decoded body in chunks (BodyTooLarge when one decoded chunk alone passes ``limit``)."""
        enc = self.headers.get("content-encoding")
        dec = _Decoder([e.strip().lower() for e in enc.split(",")]) if enc else None
        if dec is None or not dec.steps:
            async for raw in self._wrap(self._events()):
                yield raw
            return
        async for raw in self._wrap(self._events()):
            out = dec.decode(raw, limit)
            if out:
                yield out
        tail = dec.flush(limit)
        if tail:
            yield tail

    async def _wrap(self, it: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        try:
            async for x in it:
                yield x
        except h11.RemoteProtocolError as e:
            self.close()
            raise ProtocolError(f"malformed response: {e}") from None

    async def drain(self, limit: int) -> None:
        """Read and drop a body of up to ``limit`` raw bytes so the connection can be reused."""
        clen = self.headers.get("content-length")
        if clen is not None and clen.isdigit() and int(clen) > limit:
            return
        async for raw in self._wrap(self._events()):
            limit -= len(raw)
            if limit < 0:
                return

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._client._release(conn)

    def close(self) -> None:
        """Give the connection back (when the body was read to its end) or close it."""
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._done:
                self._client._release(conn)
            else:
                conn.close()


class Client:
    """GETs over pooled HTTP/1.1 connections. ``async with Client(...) as c``; ``await c.get(...)``."""

    def __init__(self, *, connect_timeout: float = 10.0, read_timeout: float = 30.0, keepalive_s: float = 5.0,
                 max_idle: int = 100, max_idle_per_host: int = 8, max_head_bytes: int = 64 * 1024,
                 headers: dict[str, str] | None = None, ssl_context: ssl.SSLContext | None = None):
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.keepalive_s = keepalive_s
        self.max_idle = max_idle
        self.max_idle_per_host = max_idle_per_host
        self.max_head_bytes = max_head_bytes
        self.headers = dict(headers or {})
        self._ssl = ssl_context
        self._idle: dict[tuple, list[_Conn]] = {}
        self._n_idle = 0
        self._closed = False
        self.opened = 0
        """Connections opened so far (tests and benchmarks read it)."""

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        for conns in self._idle.values():
            for c in conns:
                c.close()
        self._idle.clear()
        self._n_idle = 0

    # -- pool ------------------------------------------------------------------------
    def _release(self, conn: _Conn) -> None:
        h = conn.h11
        if self._closed or h.our_state is not h11.DONE or h.their_state is not h11.DONE:
            conn.close()
            return
        try:
            h.start_next_cycle()
        except h11.LocalProtocolError:
            conn.close()
            return
        conns = self._idle.setdefault(conn.key, [])
        if len(conns) >= self.max_idle_per_host or self._n_idle >= self.max_idle:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        conns.append(conn)
        self._n_idle += 1

    def _take_idle(self, key) -> _Conn | None:
        conns = self._idle.get(key)
        now = time.monotonic()
        while conns:
            c = conns.pop()
            self._n_idle -= 1
            if now - c.idle_since < self.keepalive_s and c.usable():
                return c
            c.close()
        return None

    async def _open(self, u: URL, address: str | None = None) -> _Conn:
        ctx = None
        if u.scheme == "https":
            if self._ssl is None:
                self._ssl = _ssl_context()
            ctx = self._ssl
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    address or u.host, u.port, ssl=ctx, server_hostname=u.host if ctx else None, limit=CHUNK)
        except TimeoutError:
            raise ConnectTimeout(f"no connection to {u.host}:{u.port} within {self.connect_timeout:g} s (connect_timeout)") from None
        except ssl.SSLError as e:
            raise ConnectError(f"TLS failed with {u.host}: {e}") from None
        except OSError as e:
            raise ConnectError(f"cannot connect to {u.host}:{u.port}: {e.strerror or e}") from None
        self.opened += 1
        return _Conn(reader, writer, u.key, self.max_head_bytes)

    async def _read(self, conn: _Conn, timeout: float) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await conn.reader.read(CHUNK)
        except TimeoutError:
            conn.close()
            raise ReadTimeout(f"nothing read for {timeout:g} s (read_timeout)") from None
        except OSError as e:
            conn.close()
            raise HTTPError(f"connection lost: {e.strerror or e}") from None

    # -- requests --------------------------------------------------------------------
    async def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """Send a GET and read the response head. The caller reads the body (``aiter_bytes`` /
        ``drain``) and must ``close()`` the response (connection reused when the body was read)."""
        try:
            u = split_url(url)
        except ValueError as e:
            raise HTTPError(f"bad URL: {e}") from None
        hdrs = [("Host", _host_header(u.host, u.port, u.scheme))]
        hdrs += list(self.headers.items())
        if "accept-encoding" not in {k.lower() for k in self.headers}:
            hdrs.append(("Accept-Encoding", "gzip, deflate"))
        if headers:
            hdrs += list(headers.items())
        req = h11.Request(method="GET", target=u.target, headers=hdrs)
        for attempt in (0, 1):
            conn = self._take_idle(u.key) if attempt == 0 else None
            reused = conn is not None
            if conn is None:
                conn = await self._open(u)
            try:
                return await self._exchange(conn, req, url)
            except _Stale:
                conn.close()
                if not reused:
                    raise HTTPError("server closed the connection without answering") from None
            except BaseException:
                conn.close()
                raise
        raise HTTPError("server closed the connection without answering")  # pragma: no cover

    async def post(self, url: str, body: bytes, headers: dict[str, str] | None = None, *,
                   address: str | None = None) -> Response:
        """Send a POST of ``body`` on a new connection (to ``address``, the host's address already
        checked, when given: no second look-up) and read the response head (the caller reads or
        drains the body and must ``close()`` the response)."""
        try:
            u = split_url(url)
        except ValueError as e:
            raise HTTPError(f"bad URL: {e}") from None
        hdrs = [("Host", _host_header(u.host, u.port, u.scheme)), *self.headers.items(), *(headers or {}).items(),
                ("Content-Length", str(len(body)))]
        req = h11.Request(method="POST", target=u.target, headers=hdrs)
        conn = await self._open(u, address)
        try:
            return await self._exchange(conn, req, url, body)
        except _Stale:
            conn.close()
            raise HTTPError("server closed the connection without answering") from None
        except BaseException:
            conn.close()
            raise

    async def _exchange(self, conn: _Conn, req: h11.Request, url: str, body: bytes = b"") -> Response:
        h = conn.h11
        try:
            data = h.send(req) + (h.send(h11.Data(data=body)) if body else b"") + h.send(h11.EndOfMessage())
        except h11.LocalProtocolError as e:
            raise HTTPError(f"bad request: {e}") from None
        first = conn.used == 0
        conn.used += 1
        try:
            conn.writer.write(data)
        except (OSError, RuntimeError):
            raise _Stale() from None
        got = 0
        while True:
            try:
                ev = h.next_event()
            except h11.RemoteProtocolError as e:
                if "buffer too long" in str(e):  # h11's max_incomplete_event_size
                    raise ProtocolError(f"response head over {self.max_head_bytes} bytes (max_head_bytes)") from None
                raise ProtocolError(f"malformed response: {e}") from None
            if ev is h11.NEED_DATA:
                try:
                    chunk = await self._read(conn, self.read_timeout)
                except ReadTimeout:
                    raise
                except HTTPError:
                    if not got and not first:
                        raise _Stale() from None
                    raise
                if not chunk and not got and not first:
                    raise _Stale()
                got += len(chunk)
                if got > self.max_head_bytes + CHUNK:
                    raise ProtocolError(f"response head over {self.max_head_bytes} bytes (max_head_bytes)")
                h.receive_data(chunk)
                continue
            if type(ev) is h11.InformationalResponse:
                continue
            if type(ev) is h11.Response:
                if got - len(h.trailing_data[0]) > self.max_head_bytes:
                    raise ProtocolError(f"response head over {self.max_head_bytes} bytes (max_head_bytes)")
                headers: dict[str, str] = {}
                for k, v in ev.headers:
                    name = k.decode("latin-1")
                    val = v.decode("latin-1")
                    headers[name] = f"{headers[name]}, {val}" if name in headers else val
                return Response(ev.status_code, headers, url, self, conn, self.read_timeout)
            if type(ev) is h11.ConnectionClosed:
                if not got and not first:
                    raise _Stale()
                raise HTTPError("server closed the connection without answering")
            raise ProtocolError(f"unexpected {type(ev).__name__} before the response")


class _Stale(Exception):
    """A reused keep-alive connection turned out closed before any answer: retry on a new one."""


__all__ = ["Client", "Response", "HTTPError", "ConnectError", "ConnectTimeout", "ReadTimeout", "ProtocolError",
           "split_url"]
