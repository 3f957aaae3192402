"""Watches (issue 15): saved searches that fire on new matching cables, versions and articles,
by a signed webhook POST (retried, logged, URL-checked like feeds) and by their own Atom feed.

A real HTTP receiver on 127.0.0.1 (allowed through ``CABLEBASE_NET_ALLOW``) takes the POSTs;
the cables come from small CSV dumps written by the tests, ingested in this process or by
``cablebase ingest`` in another one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from cablebase import UnsafeURL, open_archive
from cablebase.config import Settings
from cablebase.pipeline import watches as watch_pass
from cablebase.pipeline.watch_delivery import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "t0ken-for-the-watch-tests-0123456789"


# -- helpers --------------------------------------------------------------------------------------
class Receiver:
    """A webhook receiver on 127.0.0.1: answers ``fail`` times with 500, then 204; keeps every POST."""

    def __init__(self, fail: int = 0):
        self.fail = fail
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        self.got = threading.Event()
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 500 if len(rec.answers) < rec.fail else 204
                rec.answers.append(status)
                rec.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status == 204:
                    rec.got.set()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        return [p for p, s in zip(self.posts, self.answers) if s == 204]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def cable_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A CSV dump (the cablegate CSV form) of cables (ref_id, subject, paragraph text)."""
    out = []
    for i, (ref, subject, para) in enumerate(rows, 1):
        post = "".join(ch for ch in ref[2:] if ch.isalpha()).upper()
        num = "".join(ch for ch in ref[2:] if ch.isdigit()) or "1"
        out.append(
            f'"{i}","1/3/2006 9:05","{ref}","Embassy {post.title()}","CONFIDENTIAL","","R 030905Z JAN 06\n'
            f'FM AMEMBASSY {post}\nTO SECSTATE WASHDC 1\n","C O N F I D E N T I A L {post} {int(num):06d} \n \n'
            f'E.O. 12958: DECL: 01/02/2016 \nTAGS: PREL XX \nSUBJECT: {subject} \n \n\u00b61. (C) {para} \n \nSMITH"\n')
    path.write_text("".join(out), encoding="utf-8")
    return path


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CABLEBASE_NET_ALLOW"}
    env.update({"CABLEBASE_DB": str(db), "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", **extra})
    return env


def _cli(args: list[str], db: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cablebase.cli", *args], env=_env(db, **extra),
                          capture_output=True, text=True, timeout=120)


def _start(args: list[str], db: Path, log: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cablebase.cli", *args], env=_env(db, **extra),
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        os.killpg(p.pid, 15)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()


@pytest.fixture
def empty_db(archive_settings, monkeypatch) -> str:
    """A new archive on each backend (``conftest.backend``), named as ``--db`` names it: a
    directory, or a ``postgresql://`` URL with its index in ``CABLEBASE_INDEX_DIR``."""
    monkeypatch.delenv("CABLEBASE_NET_ALLOW", raising=False)
    if archive_settings.is_pg:
        monkeypatch.setenv("CABLEBASE_INDEX_DIR", str(archive_settings.db_dir))
        return archive_settings.db_url
    return str(archive_settings.db_dir)


@pytest.fixture
def archive_dir(empty_db, monkeypatch) -> str:
    """An archive holding the two cables of the sample dump; 127.0.0.1 allowed for webhooks."""
    monkeypatch.setenv("CABLEBASE_NET_ALLOW", "127.0.0.1")
    with open_archive(empty_db) as a:
        assert a.ingest([FIXTURES / "cables-sample.csv"]).cables == 2
    return empty_db


# -- delivery from another process ------------------------------------------------------------------
@pytest.mark.parametrize("deliverer", [["watch", "run", "--interval", "1"], ["poll", "--watch"]],
                         ids=["watch-run", "poll-watch"])
def test_ingest_in_another_process_is_delivered_signed_within_60s(archive_dir, tmp_path, receiver, deliverer):
    with open_archive(archive_dir) as a:
        w = a.add_watch("zanzibar", receiver.url)
    runner = _start(deliverer, archive_dir, tmp_path / "run.log", CABLEBASE_NET_ALLOW="127.0.0.1")
    try:
        time.sleep(1.0)
        dump = cable_csv(tmp_path / "new.csv", [("06ZANZIBAR12", "CLOVES AND ZANZIBAR", "Zanzibar exports cloves."),
                                                ("06TESTVILLE9", "NOTHING TO SEE", "An unrelated paragraph.")])
        t0 = time.monotonic()
        r = _cli(["ingest", str(dump)], archive_dir)
        assert r.returncode == 0, r.stderr
        assert receiver.got.wait(60), (tmp_path / "run.log").read_text()
        assert time.monotonic() - t0 < 60
    finally:
        _stop(runner)
    (headers, body), = receiver.delivered()
    assert headers["content-type"] == "application/json"
    ts = headers["x-cablebase-timestamp"]
    expected = hmac.new(w.secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["x-cablebase-signature"] == "sha256=" + expected  # as the README tells a receiver
    assert abs(time.time() - int(ts)) < 120
    assert verify(w.secret, headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()])
    assert not verify("whsec_another", headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()])
    assert not verify(w.secret, str(int(time.time()) - 3600), body, headers[SIGNATURE_HEADER.lower()])  # replayed
    data = json.loads(body)
    assert data["watch"] == {"id": w.id, "query": "zanzibar"}
    assert [(e["kind"], e["ref_id"], e["path"]) for e in data["events"]] == [
        ("new", "06ZANZIBAR12", "/cable/06ZANZIBAR12")]  # the unrelated cable did not fire
    assert data["events"][0]["subject"] == data["events"][0]["title"] == "CLOVES AND ZANZIBAR"


def test_serve_delivers_a_watch_made_over_the_api(archive_dir, tmp_path, receiver):
    """``cablebase serve`` runs the deliverer: a watch made by POST /api/watches fires after an ingest."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _start(["serve", "--port", str(port), "--workers", "1"], archive_dir, tmp_path / "serve.log",
                    CABLEBASE_NET_ALLOW="127.0.0.1", CABLEBASE_WEB_TOKEN=TOKEN)
    import httpx

    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        r = httpx.post(base + "/api/watches", json={"query": "pemba", "webhook": receiver.url},
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["secret"] and made["id"]
        dump = cable_csv(tmp_path / "new.csv", [("06PEMBA3", "PEMBA ISLAND", "Pemba grows cloves too.")])
        t0 = time.monotonic()
        assert _cli(["ingest", str(dump)], archive_dir).returncode == 0
        assert receiver.got.wait(60), (tmp_path / "serve.log").read_text()
        assert time.monotonic() - t0 < 60
        log = httpx.get(base + f"/api/watches/{made['id']}/deliveries", timeout=30).json()
        assert [(d["status"], len(d["log"])) for d in log] == [("delivered", 1)]
        assert "secret" not in httpx.get(base + "/api/watches", timeout=30).json()[0]
    finally:
        _stop(server)
    (headers, body), = receiver.delivered()
    assert verify(made["secret"], headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()])
    assert [e["ref_id"] for e in json.loads(body)["events"]] == ["06PEMBA3"]


# -- retries, idempotence, non-matches -------------------------------------------------------------
def test_a_failing_receiver_gets_it_on_retry_and_the_log_shows_the_attempts(archive_dir, tmp_path):
    rec = Receiver(fail=2)
    try:
        with open_archive(archive_dir) as a:
            w = a.add_watch("mombasa", rec.url)
            a.ingest([cable_csv(tmp_path / "m.csv", [("06MOMBASA4", "PORT OF MOMBASA", "Mombasa harbour.")])])
            reports = []
            deadline = time.monotonic() + 30
            while not rec.got.is_set() and time.monotonic() < deadline:
                reports.append(a.run_watches(backoff_s=0.2))
                time.sleep(0.1)
            assert rec.answers == [500, 500, 204]
            assert sum(r.retrying for r in reports) == 2 and sum(r.sent for r in reports) == 1
            (d,) = a.watch_deliveries(w.id)
            assert d["status"] == "delivered" and d["attempts"] == 3
            assert [(x["attempt"], x["status"], x["error"]) for x in d["log"]] == [
                (1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 204, None)]
            assert d["log"][1]["started"] >= d["log"][0]["started"] + 0.2  # backed off
            bodies = {b for _h, b in rec.posts}
            assert len(bodies) == 1  # each retry sends the same body
            assert len({h["x-cablebase-delivery"] for h, _b in rec.posts}) == 1
        cli = _cli(["watch", "log", str(w.id)], archive_dir)
        assert cli.returncode == 0
        assert "delivered, 1 item(s), 3 attempt(s)" in cli.stdout and cli.stdout.count("HTTP 500") == 2
    finally:
        rec.close()


def test_gives_up_after_max_attempts(archive_dir, tmp_path):
    rec = Receiver(fail=100)
    try:
        with open_archive(archive_dir) as a:
            w = a.add_watch("lamu", rec.url)
            a.ingest([cable_csv(tmp_path / "l.csv", [("06LAMU1", "LAMU", "Lamu old town.")])])
            for _ in range(3):
                a.run_watches(backoff_s=0.0, max_attempts=3)
            a.run_watches(backoff_s=0.0, max_attempts=3)
            (d,) = a.watch_deliveries(w.id)
            assert d["status"] == "failed" and d["attempts"] == 3 and len(rec.posts) == 3
    finally:
        rec.close()


def test_a_second_pass_delivers_nothing_twice_and_non_matches_never_fire(archive_dir, tmp_path, receiver):
    with open_archive(archive_dir) as a:
        w = a.add_watch("zanzibar OR tag:ZZTOP", receiver.url)
        quiet = a.add_watch("nothingmatchesthis", receiver.url)
        a.ingest([cable_csv(tmp_path / "a.csv", [("06ZANZIBAR12", "ZANZIBAR", "Zanzibar."),
                                                  ("06NAIROBI5", "NAIROBI", "Nairobi traffic.")])])
        first = a.run_watches()
        assert (first.events, first.queued, first.sent) == (1, 1, 1)
        again = a.run_watches()
        assert (again.events, again.queued, again.sent) == (0, 0, 0)
        assert len(receiver.posts) == 1
        assert a.watch_events(quiet.id) == [] and a.watch_deliveries(quiet.id) == []
        # a pass that reads the same rows again (two deliverers at once, a crash before the
        # watermark moved) records and sends nothing twice: one event per (watch, item)
        a._store.db.execute("UPDATE watches SET source_mark = 0")  # private: the watermark, rewound
        assert a.run_watches().events == 0 and len(receiver.posts) == 1
        # the same bytes ingested again change nothing: no new version, no event
        a.ingest([tmp_path / "a.csv"])
        assert a.run_watches().events == 0 and len(receiver.posts) == 1
        # a watch made now does not fire on what was there before it
        late = a.add_watch("zanzibar")
        assert a.run_watches().events == 0 and a.watch_events(late.id) == []
        assert [e["ref_id"] for e in a.watch_events(w.id)] == ["06ZANZIBAR12"]


def test_a_cable_stored_by_a_writer_still_open_fires(archive_dir, tmp_path, monkeypatch, receiver):
    """A writer that stays open (``poll --watch`` storing an embedded cable) clears its
    ``index_pending`` rows only at its next write: the pass matches the cable once the index
    has it (after ``PENDING_WAIT_S``), not only when the writer closes."""
    from cablebase import parse_files

    (parsed,) = list(parse_files([cable_csv(tmp_path / "p.csv", [("06ZANZIBAR12", "ZANZIBAR", "Zanzibar.")])]))
    (cable,) = parsed.result
    writer = open_archive(archive_dir)
    try:
        with open_archive(archive_dir) as a:
            w = a.add_watch("zanzibar", receiver.url)
        writer.add_cable(cable, parsed.input.data)
        with open_archive(archive_dir) as a:
            monkeypatch.setattr(watch_pass, "PENDING_WAIT_S", 3600.0)
            assert a.run_watches().events == 0  # still listed as pending: waits
            monkeypatch.setattr(watch_pass, "PENDING_WAIT_S", 0.0)
            assert a.run_watches().sent == 1
            assert [e["ref_id"] for e in a.watch_events(w.id)] == ["06ZANZIBAR12"]
    finally:
        writer.close()


def test_a_new_version_of_a_matching_cable_fires_as_version(archive_dir, tmp_path, receiver):
    with open_archive(archive_dir) as a:
        a.ingest([cable_csv(tmp_path / "v1.csv", [("06ZANZIBAR12", "ZANZIBAR", "Zanzibar.")])])
        w = a.add_watch("zanzibar", receiver.url)
        a.ingest([cable_csv(tmp_path / "v2.csv", [("06ZANZIBAR12", "ZANZIBAR",
                                                   "Zanzibar. A longer text of the same cable, in full.")])])
        r = a.run_watches()
        assert r.events == 1 and r.sent == 1
        (e,) = a.watch_events(w.id)
        assert (e["kind"], e["ref_id"]) == ("version", "06ZANZIBAR12")
        assert json.loads(receiver.posts[0][1])["events"][0]["kind"] == "version"


def test_a_matching_article_fires(archive_dir, tmp_path, monkeypatch, receiver):
    monkeypatch.setattr(watch_pass, "ARTICLE_SETTLE_S", 0.0)
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><link>http://example.com/</link>'
        '<item><title>Cloves of Zanzibar</title><link>http://example.com/a1</link><guid>a1</guid>'
        '<description>How the islands trade.</description></item>'
        '<item><title>Weather</title><link>http://example.com/a2</link><guid>a2</guid>'
        '<description>Rain again.</description></item></channel></rss>', encoding="utf-8")
    with open_archive(archive_dir) as a:
        w = a.add_watch("zanzibar", receiver.url)
        a.add_local_feed(feed, "desk")
        a.poll(all_feeds=True)
        r = a.run_watches()
        assert r.events == 1 and r.sent == 1
        (e,) = a.watch_events(w.id)
        assert e["kind"] == "article" and e["title"] == "Cloves of Zanzibar" and e["path"].startswith("/article/")
        assert json.loads(receiver.posts[0][1])["events"][0]["article_id"] == e["article_id"]


def test_an_article_citing_a_matching_cable_fires(archive_dir, tmp_path, monkeypatch, receiver):
    monkeypatch.setattr(watch_pass, "ARTICLE_SETTLE_S", 0.0)
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><link>http://example.com/</link>'
        '<item><title>Road news</title><link>http://example.com/b1</link><guid>b1</guid>'
        '<description>The embassy wrote about it in 06NAIROBI5 that year.</description></item>'
        '<item><title>Other road news</title><link>http://example.com/b2</link><guid>b2</guid>'
        '<description>Nothing cited here.</description></item></channel></rss>', encoding="utf-8")
    with open_archive(archive_dir) as a:
        a.ingest([cable_csv(tmp_path / "n.csv", [("06NAIROBI5", "NAIROBI TRAFFIC", "Jams.")])])
        w = a.add_watch("subject:traffic", receiver.url)  # a cable field: the article's own words cannot match
        a.add_local_feed(feed, "desk")
        a.poll(all_feeds=True)
        assert a.run_watches().events == 1
        (e,) = a.watch_events(w.id)
        assert (e["kind"], e["title"], e["ref_id"]) == ("article", "Road news", "06NAIROBI5")


def test_article_text_matching():
    from cablebase.pipeline.watch_match import ArticleText, matches

    t = ArticleText("Peña Nieto visits Zanzíbar", None, "The nuclear programme was discussed.")
    assert matches("zanzibar", t) and matches("pena", t) and matches('"nuclear programme"', t)
    assert matches("nucl*", t) and matches("iran OR zanzibar", t)
    assert not matches("zanzibar -nuclear", t) and not matches("iran", t)
    assert not matches("origin:zanzibar", t) and matches("-origin:zanzibar zanzibar", t)
    assert not matches('"programme nuclear"', t)


# -- URL safety ---------------------------------------------------------------------------------------
def test_private_webhooks_are_refused_without_the_allow_setting(empty_db, tmp_path, receiver):
    d = empty_db
    with open_archive(d) as a:
        a.ingest([FIXTURES / "cables-sample.csv"])
        for url in (receiver.url, "http://10.0.0.8/hook", "http://[::1]:8080/x", "http://169.254.169.254/latest"):
            with pytest.raises(UnsafeURL, match="CABLEBASE_NET_ALLOW"):
                a.add_watch("testville", url)
        with pytest.raises(UnsafeURL, match="scheme"):
            a.add_watch("testville", "file:///etc/passwd")
        assert a.list_watches() == []
    r = _cli(["watch", "add", "testville", "--webhook", receiver.url], d)
    assert r.returncode == 1 and "CABLEBASE_NET_ALLOW" in r.stderr
    r = _cli(["watch", "add", "testville", "--webhook", receiver.url, "--json"], d, CABLEBASE_NET_ALLOW="127.0.0.1")
    assert r.returncode == 0, r.stderr
    made = json.loads(r.stdout)
    assert made["secret"].startswith("whsec_") and made["webhook"] == receiver.url
    # checked again at delivery time: the allow setting gone, the attempt is refused and logged
    with open_archive(d) as a:
        a.ingest([cable_csv(tmp_path / "t.csv", [("06TESTVILLE11", "TESTVILLE AGAIN", "More.")])])
        rep = a.run_watches()
        assert rep.events == 1 and rep.sent == 0 and rep.retrying == 1
        (dl,) = a.watch_deliveries(made["id"])
        assert "non-public address" in dl["log"][0]["error"] and dl["log"][0]["status"] is None
    assert receiver.posts == []


# -- HTTP API and Atom feed ---------------------------------------------------------------------------
@pytest.fixture
def client(archive_dir):
    from fastapi.testclient import TestClient

    from cablebase import WebSettings
    from cablebase.web.app import create_app

    app = create_app(Settings.load(archive_dir), WebSettings(token=TOKEN))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_api_watches_crud_and_feed(archive_dir, tmp_path, client, receiver):
    assert client.post("/api/watches", json={"query": "zanzibar"}).status_code == 401
    r = client.post("/api/watches", json={"query": "zanzibar", "webhook": receiver.url}, headers=AUTH)
    assert r.status_code == 201
    made = r.json()
    assert made["secret"].startswith("whsec_") and made["created_by"] == "local"
    wid = made["id"]
    assert client.post("/api/watches", json={"query": "(unclosed"}, headers=AUTH).status_code == 400
    bad = client.post("/api/watches", json={"query": "x", "webhook": "http://192.168.1.10/"}, headers=AUTH)
    assert bad.status_code == 400 and "CABLEBASE_NET_ALLOW" in bad.json()["detail"]
    assert made["webhook"] == receiver.url  # whole, to its maker
    listed = client.get("/api/watches").json()
    assert [w["id"] for w in listed] == [wid] and "secret" not in listed[0]
    assert listed[0]["webhook"] == receiver.url.rsplit("/", 1)[0] + "/…"  # readers: scheme and host
    one = client.get(f"/api/watches/{wid}").json()
    assert one["query"] == "zanzibar" and one["events"] == [] and "secret" not in one

    with open_archive(archive_dir) as a:
        a.ingest([cable_csv(tmp_path / "z.csv", [("06ZANZIBAR12", "CLOVES AND ZANZIBAR", "Zanzibar."),
                                                  ("06NAIROBI5", "NAIROBI", "Nairobi.")])])
        assert a.run_watches().sent == 1
    feed = feedparser.parse(client.get(f"/watch/{wid}.atom").content)
    assert [e.link for e in feed.entries] == ["http://testserver/cable/06ZANZIBAR12"]
    assert "06ZANZIBAR12" in feed.entries[0].title and "CLOVES AND ZANZIBAR" in feed.entries[0].title
    assert feedparser.parse(client.get(f"/api/watches/{wid}/feed").content).entries[0].id == \
        f"urn:cablebase:watch:{wid}:" + client.get(f"/api/watches/{wid}").json()["events"][0]["item"]
    log = client.get(f"/api/watches/{wid}/deliveries").json()
    assert [(d["status"], [x["status"] for x in d["log"]]) for d in log] == [("delivered", [204])]

    spec = client.get("/openapi.json").json()["paths"]
    assert {"/api/watches", "/api/watches/{watch_id}", "/api/watches/{watch_id}/deliveries"} <= set(spec)
    assert client.get("/docs").status_code == 200

    assert client.delete(f"/api/watches/{wid}").status_code == 401
    assert client.delete(f"/api/watches/{wid}", headers=AUTH).status_code == 204
    assert client.get(f"/api/watches/{wid}").status_code == 404
    assert client.get(f"/watch/{wid}.atom").status_code == 404
    assert client.delete(f"/api/watches/{wid}", headers=AUTH).status_code == 404


def test_cli_add_list_remove(archive_dir):
    r = _cli(["watch", "add", "tag:PREL"], archive_dir)
    assert r.returncode == 0 and "secret" in r.stdout
    lst = _cli(["watch", "list", "--json"], archive_dir)
    (w,) = json.loads(lst.stdout)
    assert w["query"] == "tag:PREL" and "secret" not in w
    assert _cli(["watch", "add", "(oops"], archive_dir).returncode == 1
    assert _cli(["watch", "remove", str(w["id"])], archive_dir).returncode == 0
    assert json.loads(_cli(["watch", "list", "--json"], archive_dir).stdout) == []
    assert _cli(["watch", "remove", str(w["id"])], archive_dir).returncode == 1
    once = _cli(["watch", "run", "--once", "--json"], archive_dir)
    assert once.returncode == 0 and json.loads(once.stdout)["watches"] == 0


def test_watches_migrate_to_postgresql_and_keep_firing(tmp_path, monkeypatch, receiver):
    """``migrate --to`` copies the watches with their events, deliveries and log; on the target a
    watch goes on from its watermark (nothing fires twice, a new match fires)."""
    from pgtest import drop_pg_database, pg_unavailable, pg_url

    if pg_unavailable():
        pytest.skip(pg_unavailable())
    monkeypatch.setenv("CABLEBASE_NET_ALLOW", "127.0.0.1")
    monkeypatch.setenv("CABLEBASE_INDEX_DIR", str(tmp_path / "pg-index"))
    target = pg_url(f"cbtest_{os.urandom(6).hex()}")
    try:
        with open_archive(tmp_path / "src") as a:
            a.ingest([FIXTURES / "cables-sample.csv"])
            w = a.add_watch("zanzibar", receiver.url)
            a.ingest([cable_csv(tmp_path / "a.csv", [("06ZANZIBAR12", "ZANZIBAR", "Zanzibar.")])])
            assert a.run_watches().sent == 1
            rep = a.migrate_to(target)
        assert rep.ok, rep.to_dict()
        assert {t for t, n, _ in rep.tables if n} >= {"watches", "watch_events", "watch_deliveries", "watch_attempts"}
        with open_archive(target, create=False) as pg:
            assert [x["id"] for x in pg.list_watches()] == [w.id]
            assert [d["status"] for d in pg.watch_deliveries(w.id)] == ["delivered"]
            assert pg.run_watches().events == 0
            pg.ingest([cable_csv(tmp_path / "b.csv", [("06ZANZIBAR13", "ZANZIBAR AGAIN", "Zanzibar.")])])
            assert pg.run_watches().sent == 1
            assert [e["ref_id"] for e in pg.watch_events(w.id)] == ["06ZANZIBAR13", "06ZANZIBAR12"]
            assert pg.add_watch("pemba").id == w.id + 1  # ids go on after the copied ones
        assert len(receiver.posts) == 2
    finally:
        drop_pg_database(target.rsplit("/", 1)[1])


def test_a_delivery_connects_to_the_address_it_checked(monkeypatch, receiver):
    """DNS rebinding: the name is looked up once, checked, and the POST goes to that address;
    a second look-up (which a hostile DNS server would answer with a private address) never
    happens."""
    import asyncio.base_events
    import ipaddress

    from cablebase.pipeline.watch_delivery import send_one
    from cablebase.sources.net import NetPolicy

    real = asyncio.base_events.BaseEventLoop.getaddrinfo
    asked: list[str] = []

    async def rebinding(self, host, port, *a, **kw):
        try:
            ipaddress.ip_address(host)
        except ValueError:  # a name: first the allowed address, then a private one
            asked.append(host)
            host = "127.0.0.1" if len(asked) == 1 else "10.255.255.1"
        return await real(self, host, port, *a, **kw)

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", rebinding)
    port = receiver.url.split(":")[2].split("/")[0]
    row = {"id": 1, "watch_id": 1, "url": f"http://hooks.example:{port}/hook", "body": "{}", "secret": "s"}
    status, error = send_one(row, NetPolicy(allow=("127.0.0.1/32",)), time.time())
    assert (status, error) == (204, None) and asked == ["hooks.example"]
    assert receiver.posts[0][0]["host"] == f"hooks.example:{port}"
