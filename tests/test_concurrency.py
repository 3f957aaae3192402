"""Readers and writers at once, as separate processes: ``cablebase serve`` answering requests while
``cablebase ingest`` and ``cablebase poll`` write the same archive, and small writes (``feed add``,
``channel add``) during a long poll. SQLite runs in WAL mode (readers never wait for the writer)
with a busy timeout (a writer waits its turn): no "database is locked" may reach a user, neither
as a failed command nor as an error page, and the archive ends consistent (``check``).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "private" / "crash"))
from feedserver import FeedServer, rss
from harness import ARTICLES, CABLES, corpus_available, serve_feeds, subscribe

CLI = str(Path(sys.executable).with_name("cablebase"))
LOCKED = ("database is locked", "database table is locked", "sqlite3.OperationalError", "is being written by another")

pytestmark = pytest.mark.skipif(not corpus_available(), reason="cablegate-2010 corpus not available")


def _env(db: Path | str) -> dict[str, str]:
    return {**os.environ, "CABLEBASE_DB": str(db), "CABLEBASE_NET_ALLOW": "127.0.0.1", "NO_COLOR": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], db: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([CLI, *args], env=_env(db), stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        os.killpg(p.pid, 15)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()


def _articles(db: Path) -> int:
    con = sqlite3.connect(f"file:{db / 'cablebase.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def _no_lock_errors(text: str, who: str) -> None:
    for s in LOCKED:
        assert s not in text, f"{who}: {s!r} reached the user:\n{text[-2000:]}"


@pytest.fixture(scope="module")
def feeds():
    srv = FeedServer()
    srv.httpd.handle_error = lambda *a: None
    yield srv, serve_feeds(srv, synthetic_per_feed=60)
    srv.close()


def test_serve_reads_while_ingest_and_poll_write(tmp_path, feeds, archive_settings, monkeypatch):
    """On both backends: on PostgreSQL with two serve workers, as a team's server runs."""
    _srv, subs = feeds
    db = archive_settings.db_url or archive_settings.db_dir
    monkeypatch.setenv("CABLEBASE_INDEX_DIR", str(archive_settings.db_dir))  # a PostgreSQL archive's index
    workers = "2" if archive_settings.is_pg else "1"
    first = subprocess.run([CLI, "ingest", str(CABLES / "2007")], check=False, env=_env(db), capture_output=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    subscribe(db, subs)
    port = _free_port()
    serve = _start(["serve", "--port", str(port), "--workers", workers], db, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        ref = min(p.stem for p in (CABLES / "2007").rglob("*.html"))
        paths = ["/", "/search?q=embassy", "/search?q=nuclear&sort=newest", f"/cable/{ref}", f"/cable/{ref}.json",
                 "/channels", "/channel/Teasers", "/channel/Inline%200", "/search.json?q=minister", "/browse/origin",
                 "/api/stats", "/api/home", "/channels.json"]
        seen: dict[int, int] = {}
        bad: list[str] = []
        stop = threading.Event()

        def reader(k: int) -> None:
            i = k
            while not stop.is_set():
                path = paths[i % len(paths)]
                i += 1
                try:
                    with urllib.request.urlopen(base + path, timeout=30) as r:
                        body, status = r.read().decode("utf-8", "replace"), r.status
                except urllib.error.HTTPError as e:
                    body, status = e.read().decode("utf-8", "replace"), e.code
                except OSError as e:
                    bad.append(f"{path}: {type(e).__name__}: {e}")
                    continue
                seen[status] = seen.get(status, 0) + 1
                if status not in (200, 404):
                    bad.append(f"{path}: HTTP {status}: {body[:300]}")
                if status >= 500 or any(s in body for s in LOCKED):
                    bad.append(f"{path}: HTTP {status}: {body[:300]}")

        readers = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(3)]
        for t in readers:
            t.start()
        ingest = _start(["ingest", "--batch-size", "16", str(CABLES / "2009")], db, tmp_path / "ingest.log")
        poll = _start(["poll", "--json"], db, tmp_path / "poll.log")
        try:
            rc_ingest, rc_poll = ingest.wait(300), poll.wait(300)
        finally:
            _stop(ingest)
            _stop(poll)
            stop.set()
            for t in readers:
                t.join(60)
        ing_out = (tmp_path / "ingest.log").read_text(errors="replace")
        poll_out = (tmp_path / "poll.log").read_text(errors="replace")
        assert rc_ingest == 0, ing_out[-2000:]
        assert rc_poll == 0, poll_out[-2000:]
        _no_lock_errors(ing_out, "ingest")
        _no_lock_errors(poll_out, "poll")
        report = json.loads(poll_out[poll_out.index("{"):poll_out.rindex("}") + 1])
        assert report["errors"] == 0 and report["new"] > 300, report
        assert not bad, bad[:10]
        assert sum(seen.values()) >= 30 and set(seen) <= {200, 404}, seen  # readers were answered throughout
    finally:
        _stop(serve)
    _no_lock_errors((tmp_path / "serve.log").read_text(errors="replace"), "serve")
    check = subprocess.run([CLI, "check", "--json"], check=False, env=_env(db), capture_output=True, timeout=120)
    assert check.returncode == 0 and json.loads(check.stdout)["ok"], check.stdout[-2000:]
    counts = json.loads(check.stdout)
    assert counts["stored"] == len(list((CABLES / "2007").rglob("*.html"))) + len(list((CABLES / "2009").rglob("*.html"))) + 1


def test_small_writes_during_a_long_poll_wait_their_turn(tmp_path):
    """The poller writes a pass in transactions it commits every ``commit_every_s`` (0.5 s):
    other writers (``feed add``, ``channel add``, a second ``poll``) must get in between, not
    starve until their busy timeout gives up (before the fix: ``channel add`` failed with
    'database is locked' whenever a poll was running)."""
    srv = FeedServer()
    srv.httpd.handle_error = lambda *a: None
    try:
        names = sorted(p.name for p in ARTICLES.glob("*.html") if p.name != "index.html")
        body = rss("Busy", [{"title": n, "guid": n, "link": srv.url(f"/a/{i}"),
                             "content": (ARTICLES / n).read_text(encoding="utf-8", errors="replace")}
                            for i, n in enumerate(names)])
        subs = [(srv.route(f"/f{i}.xml", body.replace("<title>Busy</title>", f"<title>Busy {i}</title>")), "busy")
                for i in range(15)]
        # and slow ones, so that the pass surely outlasts the writers below
        subs += [(srv.route(f"/slow{i}.xml", body.replace("<title>Busy</title>", f"<title>Slow {i}</title>"),
                            delay=8.0), "slow") for i in range(8)]
        db = tmp_path / "archive"
        subscribe(db, subs)
        poll = _start(["poll", "--no-fulltext"], db, tmp_path / "poll.log")
        writers: list[tuple[list[str], subprocess.Popen, float]] = []
        second = None
        try:
            deadline = time.monotonic() + 120
            while _articles(db) == 0:  # the pass is under way and writing
                assert poll.poll() is None and time.monotonic() < deadline, (tmp_path / "poll.log").read_text()
                time.sleep(0.05)
            for i in range(6):
                # the extra feeds exist: the second ``poll --all`` may reach them
                extra = srv.route(f"/extra{i}.xml", rss(f"Extra {i}", []))
                args = (["feed", "add", extra, "--channel", "extra", "--no-fetch"] if i % 2
                        else ["channel", "add", f"Channel {i}"])
                writers.append((args, _start(args, db, tmp_path / f"w{i}.log"), time.monotonic()))
            second = _start(["poll", "--all", "--no-fulltext"], db, tmp_path / "poll2.log")
            for i, (args, w, t0) in enumerate(writers):
                rc = w.wait(120)
                out = (tmp_path / f"w{i}.log").read_text(errors="replace")
                assert rc == 0, (args, out)
                _no_lock_errors(out, " ".join(args))
            assert poll.poll() is None, "the poll ended before the writers did: make it longer"
            assert poll.wait(300) == 0
            assert second.wait(300) == 0
        finally:
            _stop(poll)
            for _, w, _ in writers:
                _stop(w)
            if second is not None:
                _stop(second)
        for log in ("poll.log", "poll2.log"):
            _no_lock_errors((tmp_path / log).read_text(errors="replace"), log)
        check = subprocess.run([CLI, "feed", "list", "--json"], check=False, env=_env(db), capture_output=True,
                               timeout=120)
        feeds = json.loads(check.stdout)
        assert len(feeds) == len(subs) + 3, feeds
        assert not [f for f in feeds if f["last_error"]], [(f["url"], f["last_error"]) for f in feeds if f["last_error"]]
    finally:
        srv.close()
