"""Polling benchmark: cablebase's poller against lemon24/reader on the same feeds.

1,000 feeds × 20 entries (~2 KB of HTML each) served from 127.0.0.1 by a small asyncio HTTP/1.1
server in a separate process (ETag on every feed, so a second pass is all 304). Each run does a
first full pass on a fresh database, then an all-304 pass; cablebase and reader alternate,
3 runs each; medians and the ratios are printed.

    python bench/poll.py [--feeds 1000] [--entries 20] [--runs 3] [--reader-workers 16] [--no-reader]
                         [--server-check] [--baseline-src DIR]

``--baseline-src DIR`` adds, in each run, the cablebase whose sources are in ``DIR/src`` (a
``git worktree`` of an older commit, say), in a subprocess against the same server: a before /
after table from one run. ``--server-check`` adds a bare client (the server's ceiling).

reader (``pip install reader``) is a benchmark-only dependency. The machine's other load
moves every figure (cablebase uses several processes, reader one): compare within a run only.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import time
from html import escape
from pathlib import Path

WORDS = ("embassy minister talks agreement security border trade cable ambassador government policy "
         "officials meeting reported president region cooperation foreign ministry election").split()


def make_feed(i: int, n: int, port: int) -> bytes:
    items = []
    for j in range(n):
        paras = []
        for k in range(8):
            w = " ".join(WORDS[(i * 7 + j * 3 + k * 5 + m) % len(WORDS)] for m in range(30))
            paras.append(f"<p>{w.capitalize()}. Paragraph {k} of entry {j} in feed {i}.</p>")
        if j % 5 == 0:
            paras.append(f'<p>See <a href="http://cablegate.wikileaks.org/cable/2009/11/09BRASILIA{1000 + j}.html">'
                         f"the cable</a> and 07MEXICO983.</p>")
        body = "".join(paras)
        items.append(
            f"<item><title>Entry {j} of feed {i}</title><link>http://127.0.0.1:{port}/f{i}/e{j}</link>"
            f"<guid>http://127.0.0.1:{port}/f{i}/e{j}</guid>"
            f"<pubDate>Mon, {1 + j % 28:02d} Feb 2010 10:{j % 60:02d}:00 GMT</pubDate>"
            f"<description>{escape(body)}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {i}</title>'
            f"<link>http://127.0.0.1:{port}/f{i}</link><description>bench</description>{''.join(items)}"
            "</channel></rss>").encode()


def serve(sock: socket.socket, n_feeds: int, n_entries: int, ready) -> None:
    """The benchmark's HTTP server (runs in its own process: it does not share the GIL)."""
    port = sock.getsockname()[1]
    feeds = {f"/f{i}.xml".encode(): make_feed(i, n_entries, port) for i in range(n_feeds)}

    class Proto(asyncio.Protocol):
        def connection_made(self, transport):
            self.t = transport
            self.buf = b""

        def data_received(self, data):
            self.buf += data
            while b"\r\n\r\n" in self.buf:
                head, self.buf = self.buf.split(b"\r\n\r\n", 1)
                lines = head.split(b"\r\n")
                parts = lines[0].split(b" ")
                path = parts[1] if len(parts) > 1 else b"/"
                inm = None
                for ln in lines[1:]:
                    if ln[:14].lower() == b"if-none-match:":
                        inm = ln[14:].strip()
                body = feeds.get(path)
                if body is None:
                    self.t.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    continue
                etag = b'"' + path.strip(b"/") + b'-v1"'
                if inm == etag:
                    self.t.write(b"HTTP/1.1 304 Not Modified\r\nETag: " + etag + b"\r\n\r\n")
                else:
                    self.t.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: " + etag +
                                 b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    async def main():
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(Proto, sock=sock, backlog=1024)
        ready.set()
        async with srv:
            await srv.serve_forever()

    asyncio.run(main())


def run_trivial(port: int, n: int, conns: int) -> tuple[float, float, dict]:
    """The server's ceiling: a bare keep-alive client (``conns`` connections) that reads each body
    and does nothing with it; a full pass, then an all-304 pass with the ETags it got."""
    etags: dict[int, bytes] = {}

    async def one_pass(conditional: bool) -> int:
        todo = list(range(n))
        got = 0

        async def conn():
            nonlocal got
            rd, wr = await asyncio.open_connection("127.0.0.1", port)
            while todo:
                i = todo.pop()
                inm = b"If-None-Match: " + etags[i] + b"\r\n" if conditional else b""
                wr.write(b"GET /f%d.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n" % i + inm + b"\r\n")
                head = await rd.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    k, _, v = line.partition(b":")
                    if k.lower() == b"content-length":
                        length = int(v)
                    elif k.lower() == b"etag":
                        etags[i] = v.strip()
                got += len(await rd.readexactly(length)) if length else 0
            wr.close()

        await asyncio.gather(*(conn() for _ in range(conns)))
        return got

    t0 = time.perf_counter()
    size = asyncio.run(one_pass(False))
    t1 = time.perf_counter()
    asyncio.run(one_pass(True))
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, {"MiB": round(size / 2**20)}


def run_cablebase(port: int, n: int, tmp: Path, workers: int, per_host: int) -> tuple[float, float, dict]:
    """Two passes through the archive's face (``Archive.poll``); a baseline whose sources predate
    the face (``--baseline-src``) is driven through its own poller and channel store."""
    from dataclasses import replace

    try:
        from cablebase import PollSettings, open_archive
    except ImportError:
        return _run_before_the_face(port, n, tmp, workers, per_host)
    with open_archive(tmp / f"cb-{time.time_ns()}") as archive:
        with archive.channels.tx():
            for i in range(n):
                archive.channels.add_feed(f"http://127.0.0.1:{port}/f{i}.xml", f"channel {i % 50}")
        s = PollSettings()
        s = replace(s, net=replace(s.net, allow=("127.0.0.1",)), workers=workers, per_host=per_host)
        t0 = time.perf_counter()
        r1 = archive.poll(s, all_feeds=True)
        t1 = time.perf_counter()
        r2 = archive.poll(s, all_feeds=True)
        t2 = time.perf_counter()
    info = {"new": r1.new, "errors": r1.errors + r2.errors, "not_modified": r2.not_modified, "links": r1.links}
    return t1 - t0, t2 - t1, info


def _run_before_the_face(port: int, n: int, tmp: Path, workers: int, per_host: int) -> tuple[float, float, dict]:
    import importlib

    feeds = importlib.import_module("cablebase.sources.feeds")
    net = importlib.import_module("cablebase.sources.net")
    channels = importlib.import_module("cablebase.store.channels")
    store = channels.ChannelStore.open(tmp / f"cb-{time.time_ns()}.sqlite")
    with store.tx():
        for i in range(n):
            store.add_feed(f"http://127.0.0.1:{port}/f{i}.xml", f"channel {i % 50}")
    s = feeds.PollSettings(net=net.NetPolicy(allow=("127.0.0.1",)), workers=workers, per_host=per_host)
    t0 = time.perf_counter()
    r1 = feeds.poll(store, s, all_feeds=True)
    t1 = time.perf_counter()
    r2 = feeds.poll(store, s, all_feeds=True)
    t2 = time.perf_counter()
    info = {"new": r1.new, "errors": r1.errors + r2.errors, "not_modified": r2.not_modified, "links": r1.links}
    store.db.close()
    return t1 - t0, t2 - t1, info


def run_reader(port: int, n: int, tmp: Path, workers: int) -> tuple[float, float, dict]:
    from reader import make_reader

    db = tmp / f"rd-{time.time_ns()}.sqlite"
    with make_reader(str(db)) as r:
        for i in range(n):
            r.add_feed(f"http://127.0.0.1:{port}/f{i}.xml")
        t0 = time.perf_counter()
        r.update_feeds(scheduled=False, workers=workers)
        t1 = time.perf_counter()
        r.update_feeds(scheduled=False, workers=workers)
        t2 = time.perf_counter()
        info = {"entries": r.get_entry_counts().total}
    return t1 - t0, t2 - t1, info


def run_baseline(src: str, port: int, n: int, tmp: Path, workers: int, per_host: int) -> tuple[float, float, dict]:
    """``run_cablebase`` with the cablebase in ``src/src`` (a subprocess: its own imports; its language
    model is loaded before the clock starts, as it is for the in-process runs after the first)."""
    import json
    import subprocess

    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]); import poll; "
            "from pathlib import Path; from cablebase.enrich.language import detect_language; "
            "detect_language('The ambassador met the minister to talk about the border and trade agreement.'); "
            "print(json.dumps(poll.run_cablebase(int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]), "
            "int(sys.argv[6]), int(sys.argv[7]))))")
    out = subprocess.run([sys.executable, "-c", code, str(Path(src) / "src"), str(Path(__file__).parent), str(port),
                          str(n), str(tmp), str(workers), str(per_host)], capture_output=True, text=True, check=True)
    full, nm, info = json.loads(out.stdout.strip().splitlines()[-1])
    return full, nm, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--entries", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=32, help="cablebase workers (default: its default, 32)")
    ap.add_argument("--per-host", type=int, default=4, help="cablebase per-host limit (default: its default, 4)")
    ap.add_argument("--reader-workers", type=int, default=16)
    ap.add_argument("--no-reader", action="store_true")
    ap.add_argument("--baseline-src", metavar="DIR",
                    help="also run the cablebase whose sources are in DIR/src (e.g. a git worktree of an older commit)")
    ap.add_argument("--server-check", action="store_true",
                    help="also time a bare client (4 keep-alive connections) per run: the server's ceiling")
    a = ap.parse_args()

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=serve, args=(sock, a.feeds, a.entries, ready), daemon=True)
    proc.start()
    ready.wait(120)
    sample = make_feed(0, a.entries, port)
    print(f"server: 127.0.0.1:{port} (pid {proc.pid}); {a.feeds} feeds × {a.entries} entries, "
          f"{len(sample) / 1024:.0f} KiB per feed, {len(sample) / a.entries / 1024:.1f} KiB per entry")
    res: dict[str, list[tuple[float, float]]] = {"cablebase": [], "reader": []}
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            for run in range(a.runs):
                if a.server_check:
                    full, nm, info = run_trivial(port, a.feeds, a.per_host)
                    res.setdefault("bare client", []).append((full, nm))
                    print(f"run {run + 1} bare client: full {full:6.2f} s   all-304 {nm:5.2f} s   {info}", flush=True)
                if a.baseline_src:
                    full, nm, info = run_baseline(a.baseline_src, port, a.feeds, tmp, a.workers, a.per_host)
                    res.setdefault("baseline", []).append((full, nm))
                    print(f"run {run + 1} baseline:  full {full:6.2f} s   all-304 {nm:5.2f} s   {info}", flush=True)
                full, nm, info = run_cablebase(port, a.feeds, tmp, a.workers, a.per_host)
                res["cablebase"].append((full, nm))
                print(f"run {run + 1} cablebase: full {full:6.2f} s   all-304 {nm:5.2f} s   {info}", flush=True)
                if not a.no_reader:
                    full, nm, info = run_reader(port, a.feeds, tmp, a.reader_workers)
                    res["reader"].append((full, nm))
                    print(f"run {run + 1} reader:    full {full:6.2f} s   all-304 {nm:5.2f} s   {info}", flush=True)
    finally:
        proc.terminate()
        proc.join(5)
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in res.items() if v}
    print("\nmedians of", a.runs, "runs:")
    for k, (f, n) in med.items():
        print(f"  {k:10s} full pass {f:6.2f} s   all-304 pass {n:5.2f} s")
    if "reader" in med:
        rf, rn = med["reader"]
        cf, cn = med["cablebase"]
        print(f"  ratio (reader / cablebase): full {rf / cf:.1f}x   all-304 {rn / cn:.1f}x")
        if "baseline" in med:
            bf, bn = med["baseline"]
            print(f"  ratio (reader / baseline):  full {rf / bf:.1f}x   all-304 {rn / bn:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
