"""A real HTTP server on 127.0.0.1 (random port, in a thread) for the feed tests. No mocks.

``srv.route(path, body=..., status=..., headers=..., etag=..., last_modified=..., gzip=...,
delay=..., drip=..., stream_bytes=...)`` sets what ``path`` answers; ``srv.url(path)`` gives
its URL; ``srv.hits[path]`` counts requests and ``srv.requests`` keeps (path, headers).
"""

from __future__ import annotations

import gzip as gzip_mod
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable


LONG = "<p>" + "The ambassador met the minister and they talked at length about many things. " * 10 + "</p>"
"""An entry body long enough to count as full text (no article page is fetched for it)."""

@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    delay: float = 0.0
    """Seconds to wait before answering."""
    drip: float = 0.0
    """Seconds between 1-byte writes of the body (a slow body)."""
    stream_bytes: int = 0
    """Send this many bytes of filler without Content-Length (an oversized body)."""
    declare_length: int | None = None
    """Content-Length to announce instead of the real one."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls
    server: "_Server"

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        srv = self.server.owner
        path = self.path
        srv.hits[path] += 1
        srv.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
        r = srv.lookup(path)
        if r is None:
            return self._send(404, b"not found", {"Content-Type": "text/plain"})
        if callable(r):
            r = r(self)
        if r.delay:
            time.sleep(r.delay)
        hdrs = {"Content-Type": r.content_type, **r.headers}
        if r.etag:
            hdrs["ETag"] = r.etag
        if r.last_modified:
            hdrs["Last-Modified"] = r.last_modified
        if r.status == 200:
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if (r.etag and inm == r.etag) or (r.last_modified and not r.etag and ims == r.last_modified):
                hdrs.pop("Content-Type", None)
                return self._send(304, b"", hdrs)
        if r.stream_bytes:
            self.send_response(r.status)
            for k, v in hdrs.items():
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<!-- filler -->" * 4096
            sent = 0
            try:
                while sent < r.stream_bytes:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        body = r.body
        if r.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip_mod.compress(body)
            hdrs["Content-Encoding"] = "gzip"
        if r.drip:
            self.send_response(r.status)
            for k, v in hdrs.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(r.drip)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        if r.declare_length is not None:
            hdrs["Content-Length"] = str(r.declare_length)
        self._send(r.status, body, hdrs)

    def _send(self, status: int, body: bytes, hdrs: dict[str, str]):
        self.send_response(status)
        for k, v in hdrs.items():
            self.send_header(k, v)
        if "Content-Length" not in hdrs:
            self.send_header("Content-Length", str(len(body) if status != 304 else 0))
        self.end_headers()
        if status != 304:
            try:
                self.wfile.write(body[: int(hdrs.get("Content-Length", len(body)))])
            except (BrokenPipeError, ConnectionResetError):
                pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    owner: "FeedServer"


class FeedServer:
    def __init__(self):
        self.routes: dict[str, Route | Callable] = {}
        self.dirs: dict[str, tuple[Path, str]] = {}
        self.hits: Counter = Counter()
        self.requests: list = []
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, body: bytes | str | None = None, **kw) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if callable(kw.get("handler")):
            self.routes[path] = kw["handler"]
        else:
            self.routes[path] = Route(body=body or b"", **kw)
        return self.url(path)

    def serve_dir(self, prefix: str, root: Path, content_type: str = "application/xml") -> None:
        """Serve the files under ``root`` at ``prefix`` + relative path."""
        self.dirs[prefix] = (Path(root), content_type)

    def lookup(self, path: str):
        r = self.routes.get(path)
        if r is not None:
            return r
        for prefix, (root, ctype) in self.dirs.items():
            if path.startswith(prefix):
                from urllib.parse import unquote

                rel = unquote(path[len(prefix):])
                f = (root / rel).resolve()
                if root.resolve() in f.parents and f.is_file():
                    return Route(body=f.read_bytes(), content_type=ctype)
        return None

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def rss(title: str, items: list[dict], link: str = "http://127.0.0.1/", extra_ns: str = "") -> str:
    """A small RSS 2.0 document; each item dict may hold title, link, guid, description,
    content (CDATA content:encoded), pubDate, and raw (extra XML)."""
    from html import escape

    parts = []
    for it in items:
        x = ["<item>"]
        for k in ("title", "link", "guid", "pubDate", "description"):
            if it.get(k) is not None:
                x.append(f"<{k}>{escape(str(it[k]))}</{k}>")
        if it.get("content") is not None:
            x.append("<content:encoded><![CDATA[" + it["content"].replace("]]>", "]]]]><![CDATA[>") + "]]></content:encoded>")
        x.append(it.get("raw", ""))
        x.append("</item>")
        parts.append("".join(x))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" {extra_ns}><channel><title>{escape(title)}</title>'
        f"<link>{escape(link)}</link><description>test feed</description>" + "".join(parts) + "</channel></rss>"
    )
