"""The poller's HTTP/1.1 client (cablebase.sources.http) against raw sockets on 127.0.0.1: framing,
keep-alive, stale connections, compression limits, malformed answers. No mocks."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest

from cablebase.sources import http


async def _server(handler):
    """A raw TCP server: ``handler(reader, writer)`` answers one connection (maybe several requests)."""
    srv = await asyncio.start_server(handler, "127.0.0.1", 0)
    return srv, srv.sockets[0].getsockname()[1]


async def _read_request(reader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


async def _body(r, limit=10**7) -> bytes:
    out = b""
    async for c in r.aiter_bytes(limit):
        out += c
    return out


def test_keep_alive_reuses_one_connection_and_sends_headers():
    seen = []

    async def handler(reader, writer):
        while (req := await _read_request(reader)) is not None:
            seen.append(req)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello")
        writer.close()

    async def main():
        srv, port = await _server(handler)
        async with srv, http.Client(headers={"User-Agent": "ua/1"}) as c:
            for i in range(5):
                r = await c.get(f"http://127.0.0.1:{port}/p{i}?q=1", {"If-None-Match": '"x"'})
                assert r.status == 200 and r.headers["x-a"] == "1, 2"
                assert await _body(r) == b"hello"
                r.close()
            return c.opened

    assert run(main()) == 1
    assert len(seen) == 5
    head = seen[0].decode()
    assert head.startswith("GET /p0?q=1 HTTP/1.1\r\n")
    assert f"host: 127.0.0.1:" in head.lower() and "user-agent: ua/1" in head.lower()
    assert 'if-none-match: "x"' in head.lower() and "accept-encoding: gzip, deflate" in head.lower()


def test_304_and_unread_small_bodies_keep_the_connection():
    async def handler(reader, writer):
        n = 0
        while await _read_request(reader) is not None:
            n += 1
            if n % 2:
                writer.write(b"HTTP/1.1 304 Not Modified\r\nETag: \"v\"\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")
        writer.close()

    async def main():
        srv, port = await _server(handler)
        async with srv, http.Client() as c:
            for i in range(6):
                r = await c.get(f"http://127.0.0.1:{port}/")
                await r.drain(1024)
                r.close()
                assert r.status == (304 if i % 2 == 0 else 404)
            return c.opened

    assert run(main()) == 1


def test_chunked_body_and_close_delimited_http10_body():
    async def chunked(reader, writer):
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        await writer.drain()
        await _read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nuntil close")
        writer.close()

    async def main():
        srv, port = await _server(chunked)
        async with srv, http.Client() as c:
            r = await c.get(f"http://127.0.0.1:{port}/a")
            a = await _body(r)
            r.close()
            r = await c.get(f"http://127.0.0.1:{port}/b")
            b = await _body(r)
            r.close()
            return a, b, c.opened

    assert run(main()) == (b"hello world", b"until close", 1)


def test_stale_keep_alive_connection_is_retried_on_a_fresh_one():
    conns = []

    async def handler(reader, writer):
        conns.append(1)
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # the server drops the kept-alive connection without saying so

    async def main():
        srv, port = await _server(handler)
        async with srv, http.Client() as c:
            out = []
            for _ in range(3):
                r = await c.get(f"http://127.0.0.1:{port}/")
                out.append(await _body(r))
                r.close()
                await asyncio.sleep(0.05)
            return out

    assert run(main()) == [b"ok"] * 3
    assert len(conns) == 3


def test_gzip_deflate_raw_deflate_decoded():
    text = b"<rss>" + b"x" * 5000 + b"</rss>"
    bodies = {
        b"/gzip": (b"gzip", gzip.compress(text)),
        b"/deflate": (b"deflate", zlib.compress(text)),
        b"/raw": (b"deflate", zlib.compress(text)[2:-4]),
        b"/identity": (b"identity", text),
    }

    async def handler(reader, writer):
        while (req := await _read_request(reader)) is not None:
            enc, body = bodies[req.split(b" ")[1]]
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: " + enc + b"\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)
        writer.close()

    async def main():
        srv, port = await _server(handler)
        out = []
        async with srv, http.Client() as c:
            for p in bodies:
                r = await c.get(f"http://127.0.0.1:{port}{p.decode()}")
                out.append(await _body(r))
                r.close()
        return out

    assert run(main()) == [text] * 4


def test_gzip_bomb_refused_without_expanding():
    bomb = gzip.compress(b"\0" * (50 * 2**20))  # 50 MiB of zeros in ~50 KiB

    async def handler(reader, writer):
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + str(len(bomb)).encode()
                     + b"\r\n\r\n" + bomb)
        writer.close()

    async def main():
        srv, port = await _server(handler)
        async with srv, http.Client() as c:
            r = await c.get(f"http://127.0.0.1:{port}/")
            got = 0
            with pytest.raises(http.BodyTooLarge):
                async for chunk in r.aiter_bytes(2**20):
                    got += len(chunk)
                    assert got <= 2**20 + 1
            r.close()

    run(main())


@pytest.mark.parametrize("answer", [
    b"garbage\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
    b"HTTP/1.1 200 OK\r\nX: " + b"a" * 100_000 + b"\r\n\r\n",
    b"",
])
def test_malformed_answers_are_http_errors(answer):
    async def handler(reader, writer):
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    async def main():
        srv, port = await _server(handler)
        async with srv, http.Client(max_head_bytes=64 * 1024) as c:
            with pytest.raises(http.HTTPError):
                r = await c.get(f"http://127.0.0.1:{port}/")
                try:
                    await _body(r)
                finally:
                    r.close()

    run(main())


def test_read_timeout_and_connect_refused():
    async def silent(reader, writer):
        await asyncio.sleep(5)

    async def main():
        srv, port = await _server(silent)
        async with srv, http.Client(read_timeout=0.2) as c:
            with pytest.raises(http.ReadTimeout):
                await c.get(f"http://127.0.0.1:{port}/")
        srv2, port2 = await _server(silent)
        srv2.close()
        await srv2.wait_closed()
        async with http.Client() as c:
            with pytest.raises(http.ConnectError):
                await c.get(f"http://127.0.0.1:{port2}/")

    run(main())


def test_request_target_is_percent_encoded():
    assert http.split_url("http://Example.ORG:8080/a b/ü?x=é#frag").target == "/a%20b/%C3%BC?x=%C3%A9"
    assert http.split_url("http://example.org/a%20b/?q=[1]|2").target == "/a%20b/?q=%5B1%5D%7C2"
    u = http.split_url("https://bücher.example/")
    assert (u.scheme, u.host, u.port, u.target) == ("https", "xn--bcher-kva.example", 443, "/")
    with pytest.raises(ValueError):
        http.split_url("ftp://example.org/")
