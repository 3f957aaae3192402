"""Crash-safety harness: real ``cablebase ingest`` and ``cablebase poll`` processes, killed with
SIGKILL at random moments, restarted, finished; then the archive is checked record by record.

Used by ``tests/private/crash/test_crash.py`` (a handful of trials) and ``bench/crash.py`` (≥ 50).

One trial (``Harness.trial(seed)``), all randomness from ``random.Random(seed)``:

1. a fresh archive with the test feeds subscribed (channels + feeds, no fetch);
2. 1–3 *rounds*: ``cablebase ingest CORPUS`` and ``cablebase poll`` (``--all`` after the first
   round) are started together (so they also write the archive concurrently); at a random
   moment the victim (ingest, poll or both) gets SIGKILL — the whole process group, parser and preparer workers included — and the other is
   left to finish; a kill that comes after the victim has exited counts as missed, not as a kill;
3. a last round runs both to completion (no kill), then ``cablebase check --json``;
4. the archive is compared with a clean reference run: every cable, source, raw input, article,
   feed entry, cable link — each exactly once, no half records (record JSON, tags and raw bytes
   agree with each other), no feed left with an error;
5. ``ingest`` and ``poll --all`` run once more and must add nothing (same snapshot).

The feeds are served by ``tests/feedserver.py`` on 127.0.0.1 in this process: the 33 real
cablegate-2010 partner articles (inline, and as teasers whose pages are fetched), the seed post
that embeds 07MEXICO983 (so the poller writes a cable into the archive too), and synthetic
entries that cite corpus cables.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parents[1]))  # tests/: feedserver

from feedserver import FeedServer, rss

CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus")
CABLES = CORPUS / "cablegate-2010" / "cable"
ARTICLES = CORPUS / "cablegate-2010" / "articles" / "2010"
SEED = CORPUS / "seed" / "opera-leaks-cuba-channel.txt"

CLI = str(Path(sys.executable).with_name("cablebase"))
VICTIMS = ("ingest", "poll", "both")


def corpus_available() -> bool:
    return CABLES.is_dir() and ARTICLES.is_dir() and SEED.is_file()


def _seed_post() -> tuple[str, str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("Despacho revela"))
    end = next(i for i, l in enumerate(lines) if i > start and l.startswith("Viewing all articles"))
    body = [l for l in lines[start + 1:end] if l.strip() and l.strip() not in ("$", "0")]
    return lines[start], "".join(f"<p>{escape(p)}</p>" for p in body)


def _some_refs(n: int) -> list[str]:
    refs = sorted(p.stem for p in CABLES.rglob("*.html"))
    step = max(1, len(refs) // n)
    return refs[::step][:n]


def serve_feeds(srv: FeedServer, *, synthetic_per_feed: int = 40) -> list[tuple[str, str]]:
    """Register the test feeds on ``srv``; returns [(feed URL, channel)]."""
    srv.serve_dir("/articles/", ARTICLES, content_type="text/html; charset=utf-8")
    srv.serve_dir("/pages/", ARTICLES, content_type="text/html; charset=utf-8")
    names = sorted(p.name for p in ARTICLES.glob("*.html") if p.name != "index.html")
    refs = _some_refs(200)
    filler = ("The ambassador met the minister and they discussed the bilateral agenda at length; "
              "the embassy reported the conversation to Washington in a cable. ") * 12
    feeds: list[tuple[str, str]] = []
    # inline feeds: whole articles as content:encoded; each article in two feeds (merged once)
    for k in range(6):
        items = []
        for j, name in enumerate(names):
            if j % 3 == k % 3:
                items.append({"title": name[:-5].replace("-", " "), "link": srv.url("/articles/" + quote(name)),
                              "guid": f"article-{name}", "pubDate": f"Mon, {1 + j % 28:02d} Nov 2010 10:00:00 GMT",
                              "content": (ARTICLES / name).read_text(encoding="utf-8", errors="replace")})
        for i in range(synthetic_per_feed):
            a, b = refs[(k * 31 + i) % len(refs)], refs[(k * 17 + 3 * i + 1) % len(refs)]
            items.append({"title": f"Report {k}-{i}", "link": srv.url(f"/news/{k}/{i}"), "guid": f"news-{k}-{i}",
                          "pubDate": f"Tue, {1 + i % 28:02d} Dec 2010 {i % 24:02d}:00:00 GMT",
                          "content": f"<p>Feed {k}, story {i}: cable {a} and cable {b}.</p><p>{filler}</p>"})
        validators = ({"etag": f'"inline-{k}"'} if k % 3 == 0 else
                      {"last_modified": "Wed, 01 Dec 2010 10:00:00 GMT"} if k % 3 == 1 else {})
        feeds.append((srv.route(f"/inline/{k}.xml", rss(f"Inline {k}", items), **validators), f"Inline {k % 2}"))
    # teaser feeds: the poller fetches each article page for its text
    for k in range(2):
        items = [{"title": f"Teaser {name}", "link": srv.url("/pages/" + quote(name)), "guid": f"teaser-{name}",
                  "description": "Leia mais [...]"} for j, name in enumerate(names) if j % 2 == k]
        feeds.append((srv.route(f"/teaser/{k}.xml", rss(f"Teaser {k}", items)), "Teasers"))
    # the seed post: a cable flattened into a blog post (stored as cable 07MEXICO983)
    title, content = _seed_post()
    seed = rss("Opera Leaks » Cuba", [{
        "title": title, "link": srv.url("/2011/06/despacho-revela-temor/"), "guid": srv.url("/?p=1234"),
        "pubDate": "Wed, 01 Jun 2011 12:00:00 +0000", "description": "Leia aqui [...]", "content": content}],
        link=srv.url("/"))
    feeds.append((srv.route("/category/cuba/feed/", seed), "Opera Leaks » Cuba"))
    return feeds


def subscribe(db: Path, feeds: list[tuple[str, str]]) -> None:
    """Create the archive and subscribe to ``feeds`` (no fetch), as ``feed add --no-fetch`` does."""
    from cablebase.config import Settings
    from cablebase._store import open_store
    from cablebase._store.channels import ChannelStore

    st = open_store(Settings.load(db), create=True)
    try:
        cs = ChannelStore(st.db)
        with cs.tx():
            for url, channel in feeds:
                cs.add_feed(url, channel)
    finally:
        st.close()


# --------------------------------------------------------------------------- snapshots

@dataclass
class Snapshot:
    cables: dict[str, int]
    """ref_id → rows (always 1 unless something is duplicated)."""
    sources: dict[tuple[str, str], int]
    raw: dict[str, int]
    articles: dict[str, int]
    """canonical URL → articles with it."""
    entries: dict[tuple[str, str], int]
    links: dict[tuple[str, str, str], int]
    images: int
    versions: int
    feed_errors: dict[str, str]
    half: list[str] = field(default_factory=list)
    """Half or inconsistent records found."""

    def counts(self) -> dict[str, int]:
        return {"cables": sum(self.cables.values()), "sources": sum(self.sources.values()),
                "raw": sum(self.raw.values()), "articles": sum(self.articles.values()),
                "entries": sum(self.entries.values()), "links": sum(self.links.values()),
                "images": self.images, "versions": self.versions}


def _count(rows) -> dict:
    out: dict = {}
    for r in rows:
        k = r[0] if len(r) == 1 else tuple(r)
        out[k] = out.get(k, 0) + 1
    return out


def open_ro(db: Path | str):
    """A connection that reads the archive ``db``: its SQLite file (read-only), or its
    PostgreSQL database (``postgresql://…``; the same SQL through the store's adapter)."""
    if isinstance(db, str):
        from cablebase._store.pg import connect

        return connect(db, create=False)
    return sqlite3.connect(f"file:{db / 'cablebase.sqlite'}?mode=ro", uri=True, timeout=30)


def new_archive(d: Path, pg: str | None, name: str) -> Path | str:
    """Where a run keeps its archive: ``d/archive``, or a new database ``cbcrash_NAME`` on the
    PostgreSQL server ``pg`` (dropped first, its local index too)."""
    if pg is None:
        return d / "archive"
    from urllib.parse import urlsplit, urlunsplit

    from cablebase._store.pg import drop_database
    from cablebase.config import index_home

    parts = urlsplit(pg)
    url = urlunsplit((parts.scheme, parts.netloc, f"/cbcrash_{name}", parts.query, ""))
    drop_database(url)
    shutil.rmtree(index_home(url), ignore_errors=True)
    return url


def drop_archive(db: Path | str) -> None:
    """Drop a PostgreSQL archive ``new_archive`` made, and its local index (a directory's
    archive goes with the run's directory)."""
    if isinstance(db, str):
        from cablebase._store.pg import drop_database
        from cablebase.config import index_home

        drop_database(db)
        shutil.rmtree(index_home(db), ignore_errors=True)


def snapshot(db: Path) -> Snapshot:
    """Everything the archive holds, read directly from SQLite (read-only)."""
    from cablebase._store.base import unpack_raw
    from cablebase.errors import StoreError

    con = open_ro(db)
    try:
        q = con.execute
        snap = Snapshot(
            cables=_count(q("SELECT ref_id FROM cables")),
            sources=_count(q("SELECT ref_id, sha256 FROM sources")),
            raw=_count(q("SELECT sha256 FROM raw_inputs")),
            articles=_count(q("SELECT canonical_url FROM articles")),
            entries=_count(q("SELECT f.url, e.entry_key FROM feed_entries e JOIN feeds f ON f.id = e.feed_id")),
            links=_count(q("SELECT a.canonical_url, c.ref_id, c.kind FROM article_cables c"
                           " JOIN articles a ON a.id = c.article_id")),
            images=q("SELECT count(*) FROM images").fetchone()[0],
            versions=q("SELECT count(*) FROM article_versions").fetchone()[0],
            feed_errors={u: e for u, e in q("SELECT url, last_error FROM feeds WHERE last_error IS NOT NULL")},
        )
        half = snap.half
        # a cable row without its current source, or whose record is not that cable
        tags = {}
        for ref, tag in q("SELECT ref_id, tag FROM cable_tags"):
            tags.setdefault(ref, set()).add(tag)
        for ref, rec, sref in q("SELECT c.ref_id, s.record, s.ref_id FROM cables c LEFT JOIN sources s ON s.id = c.source_id"):
            if rec is None:
                half.append(f"cable {ref}: no current source")
                continue
            d = orjson.loads(rec)
            if d.get("ref_id") != ref or sref != ref:
                half.append(f"cable {ref}: current record is of {d.get('ref_id')}/{sref}")
            if {t for t in d.get("tags") or [] if t} != tags.get(ref, set()):
                half.append(f"cable {ref}: cable_tags differ from the record's tags")
        for ref, n in q("SELECT ref_id, count(*) FROM sources WHERE ref_id NOT IN (SELECT ref_id FROM cables) GROUP BY ref_id"):
            half.append(f"{n} source(s) of {ref} with no cable row")
        dicts = {i: bytes(d) for i, d in q("SELECT id, data FROM raw_dicts")}
        for sha, codec, data, size in q("SELECT sha256, codec, data, size FROM raw_inputs"):
            try:
                raw = unpack_raw(codec, data, dicts)
            except StoreError as e:  # packed with a dictionary the archive lacks
                half.append(f"raw input {sha[:12]}: {e}")
                continue
            if hashlib.sha256(raw).hexdigest() != sha or len(raw) != size:
                half.append(f"raw input {sha[:12]}: bytes do not match their hash/size")
        for sha, in q("SELECT DISTINCT sha256 FROM sources WHERE sha256 NOT IN (SELECT sha256 FROM raw_inputs)"):
            half.append(f"source bytes {sha[:12]} missing")
        for aid, in q("SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM feed_entries)"):
            half.append(f"article {aid}: no feed entry")
        for aid, in q("SELECT id FROM articles WHERE text IS NULL OR text = ''"):
            half.append(f"article {aid}: no text")
        return snap
    finally:
        con.close()


def compare(expected: Snapshot, got: Snapshot) -> tuple[int, int, list[str]]:
    """(records lost, records duplicated, descriptions) of ``got`` against ``expected``."""
    lost = dup = 0
    notes: list[str] = []
    for name in ("cables", "sources", "raw", "articles", "entries", "links"):
        e, g = getattr(expected, name), getattr(got, name)
        for k, n in e.items():
            m = g.get(k, 0)
            if m < n:
                lost += n - m
                notes.append(f"{name}: lost {k}")
            elif m > n:
                dup += m - n
                notes.append(f"{name}: duplicated {k} ({m}x)")
        for k, m in g.items():
            if k not in e:
                dup += m
                notes.append(f"{name}: unexpected {k}")
    for name in ("images", "versions"):
        e, g = getattr(expected, name), getattr(got, name)
        if g < e:
            lost += e - g
            notes.append(f"{name}: {g} instead of {e}")
        elif g > e:
            dup += g - e
            notes.append(f"{name}: {g} instead of {e}")
    if got.feed_errors:
        notes += [f"feed error: {u}: {err}" for u, err in got.feed_errors.items()]
    notes += got.half
    return lost, dup, notes


def _stored(db: Path, corpus: Path) -> tuple[int, int, int]:
    """(cables, of which from the corpus, articles) in the archive now."""
    con = open_ro(db)
    try:
        return (con.execute("SELECT count(*) FROM cables").fetchone()[0],
                con.execute("SELECT count(DISTINCT ref_id) FROM sources WHERE location LIKE ?",
                            (f"{corpus}%",)).fetchone()[0],
                con.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        con.close()


# --------------------------------------------------------------------------- processes

class Proc:
    def __init__(self, name: str, args: list[str], db: Path, logdir: Path, tag: str):
        self.name = name
        env = {**os.environ, "CABLEBASE_DB": str(db), "CABLEBASE_NET_ALLOW": "127.0.0.1", "NO_COLOR": "1",
               "PYTHONFAULTHANDLER": "1"}  # a crash (not a kill) prints where it happened
        self.out = (logdir / f"{tag}-{name}.out").open("wb")
        self.err_path = logdir / f"{tag}-{name}.err"
        self.err = self.err_path.open("wb")
        self.started = time.monotonic()
        self.ended: float | None = None
        self.p = subprocess.Popen([CLI, *args], env=env, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL,
                                  start_new_session=True)  # own process group: its workers die with it

    def alive(self) -> bool:
        return self.p.poll() is None

    def kill(self) -> bool:
        """SIGKILL the whole process group; True when the main process was still running."""
        was_alive = self.alive()
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()
        self._reap_group()
        return was_alive

    def _reap_group(self) -> None:
        # children (parser / preparer workers, forkserver) are in the group: wait until none is left
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.p.pid, 0)
            except ProcessLookupError:
                return
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.02)

    def wait(self, timeout: float) -> int:
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError(f"{self.name} did not finish within {timeout:.0f} s") from None
        if self.ended is None:
            self.ended = time.monotonic()
        self._reap_group()
        self.out.close()
        self.err.close()
        return rc

    def close(self) -> None:
        if self.alive():
            self.kill()
        self.out.close()
        self.err.close()

    def stderr_tail(self, n: int = 2000) -> str:
        try:
            return self.err_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


# --------------------------------------------------------------------------- trials

@dataclass
class TrialResult:
    seed: int
    batch_size: int = 0
    rounds: list[dict] = field(default_factory=list)
    """Each killed round: victim, planned delay (s), whether ingest/poll were actually killed."""
    kills_ingest: int = 0
    kills_poll: int = 0
    cut_ingest: int = 0
    """Ingest kills that left part of the corpus stored (the rest came with the restart)."""
    cut_poll: int = 0
    """Poll kills that left part of the articles stored."""
    missed: int = 0
    recovered: bool = False
    check_ok: bool = False
    lost: int = 0
    duplicated: int = 0
    rerun_added: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (self.recovered and self.check_ok and not self.lost and not self.duplicated
                and not self.rerun_added and not self.problems)


class Harness:
    """One feed server and one reference snapshot, shared by many trials."""

    def __init__(self, workdir: Path, *, cables: Path = CABLES, synthetic_per_feed: int = 40,
                 batch_sizes: tuple[int, ...] = (256,), max_rounds: int = 3, rerun: bool = True,
                 timeout: float = 300.0, keep: bool = False, pg: str | None = None):
        self.workdir = Path(workdir)
        self.pg = pg
        """A PostgreSQL server (``postgresql://USER@HOST:PORT/``): each run's archive is a new
        database there instead of a directory."""
        self.batch_sizes = batch_sizes
        """``ingest --batch-size`` of a trial is picked from these (smaller: more transactions to cut)."""
        self.batch_size = batch_sizes[0]
        self.max_rounds = max_rounds
        self.rerun = rerun
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cables = cables
        self.timeout = timeout
        self.keep = keep
        self.srv = FeedServer()
        self.srv.httpd.handle_error = lambda *a: None  # a killed poller resets its connections: not news
        self.feeds = serve_feeds(self.srv, synthetic_per_feed=synthetic_per_feed)
        self.expected: Snapshot | None = None
        self.corpus_cables = 0
        self.durations = {"ingest": 10.0, "poll": 10.0}

    def close(self) -> None:
        self.srv.close()

    # -- commands ----------------------------------------------------------------------
    def _ingest(self, db: Path, logdir: Path, tag: str) -> Proc:
        return Proc("ingest", ["ingest", "--batch-size", str(self.batch_size), str(self.cables)], db, logdir, tag)

    def _poll(self, db: Path, logdir: Path, tag: str, *, all_feeds: bool = False) -> Proc:
        return Proc("poll", ["poll", "--json", *(["--all"] if all_feeds else [])], db, logdir, tag)

    def _finish(self, procs: list[Proc], problems: list[str], expect_ok: bool = True) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline and any(p.ended is None for p in procs):
            for p in procs:
                if p.ended is None and p.p.poll() is not None:
                    p.ended = time.monotonic()
            time.sleep(0.02)
        for p in procs:
            rc = p.wait(self.timeout)
            if expect_ok and rc != 0:
                problems.append(f"{p.name} exited {rc}: {p.stderr_tail(600)}")

    def _run_both(self, db: Path, logdir: Path, tag: str, problems: list[str], *, all_feeds: bool = False) -> dict:
        ing, pol = self._ingest(db, logdir, tag), self._poll(db, logdir, tag, all_feeds=all_feeds)
        self._finish([ing, pol], problems)
        took = {p.name: (p.ended or time.monotonic()) - p.started for p in (ing, pol)}
        try:
            report = json.loads((logdir / f"{tag}-poll.out").read_text() or "{}")
        except ValueError:
            report = {}
            problems.append(f"{tag}: poll printed no JSON report")
        for f in report.get("failures", []):
            problems.append(f"{tag}: poll failure: {f['url']}: {f['error']}")
        report["_took"] = took
        return report

    def check(self, db: Path, problems: list[str]) -> bool:
        r = subprocess.run([CLI, "check", "--json", "--db", str(db)], check=False, capture_output=True,
                           timeout=self.timeout)
        try:
            rep = json.loads(r.stdout)
        except ValueError:
            problems.append(f"check printed no JSON (exit {r.returncode}): {r.stderr.decode(errors='replace')[-500:]}")
            return False
        if r.returncode != 0 or not rep.get("ok"):
            problems.append(f"check failed: {json.dumps(rep)[:800]}")
            return False
        return True

    # -- reference ---------------------------------------------------------------------
    def reference(self) -> Snapshot:
        """A clean run (no kill): what every trial must end with. Also times each command."""
        if self.expected is not None:
            return self.expected
        d = self.workdir / "reference"
        shutil.rmtree(d, ignore_errors=True)
        db = new_archive(d, self.pg, "reference")
        d.mkdir(parents=True)
        subscribe(db, self.feeds)
        problems: list[str] = []
        rep = self._run_both(db, d, "ref", problems)
        self.durations = rep["_took"]
        if not self.check(db, problems) or problems:
            raise RuntimeError("reference run failed: " + "; ".join(problems))
        snap = snapshot(db)
        _, _, notes = compare(snap, snap)
        if notes:
            raise RuntimeError("reference archive is not clean: " + "; ".join(notes[:10]))
        if not snap.cables or not snap.articles:
            raise RuntimeError("reference run stored nothing")
        self.expected = snap
        self.corpus_cables = _stored(db, self.cables)[1]
        if not self.keep:
            shutil.rmtree(d, ignore_errors=True)
            drop_archive(db)
        return snap

    # -- one trial ---------------------------------------------------------------------
    def _moment(self, rng: random.Random, victim: str, db: Path, ing: Proc, pol: Proc) -> tuple[str, float]:
        """Wait for the moment to kill; returns (how it was chosen, seconds since the start).

        A quarter of the kills come at a moment drawn from the victim's clean running time
        (start-up and parsing included); the others once a random share of what is left to
        store is stored, plus up to 0.3 s (so they land between and inside writes)."""
        watched = ing if victim == "ingest" else pol if victim == "poll" else rng.choice((ing, pol))
        total = self.corpus_cables if watched is ing else len(self.expected.articles) if self.expected else 0
        now = _stored(db, self.cables)
        done = now[1] if watched is ing else now[2]
        if rng.random() < 0.25 or done >= total:
            span = max(self.durations["ingest"] if victim == "ingest" else self.durations["poll"]
                       if victim == "poll" else max(self.durations.values()), 0.5)
            delay = rng.uniform(0.05, 1.0) * span
            time.sleep(max(0.0, delay - (time.monotonic() - ing.started)))
            return "time", time.monotonic() - ing.started
        target = done + max(1, round(rng.uniform(0.02, 0.98) * (total - done)))
        jitter = rng.uniform(0.0, 0.3)
        deadline = time.monotonic() + self.timeout
        while watched.alive() and time.monotonic() < deadline:
            got = _stored(db, self.cables)
            if (got[1] if watched is ing else got[2]) >= target:
                break
            time.sleep(0.01)
        time.sleep(jitter)
        return f"{watched.name}≥{target}", time.monotonic() - ing.started

    def trial(self, seed: int) -> TrialResult:
        expected = self.reference()
        rng = random.Random(seed)
        res = TrialResult(seed)
        self.batch_size = res.batch_size = rng.choice(self.batch_sizes)
        t0 = time.monotonic()
        d = self.workdir / f"trial-{seed}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        db = new_archive(d, self.pg, f"trial{seed}")
        subscribe(db, self.feeds)
        try:
            for k in range(rng.randint(1, self.max_rounds)):
                victim = rng.choice(VICTIMS)
                tag = f"r{k}"
                # every feed each round (the kill may cut a first fetch or a refetch); due ones at the end
                ing, pol = self._ingest(db, d, tag), self._poll(db, d, tag, all_feeds=k > 0)
                mode, delay = self._moment(rng, victim, db, ing, pol)
                rnd = {"victim": victim, "mode": mode, "delay": round(delay, 2), "ingest": False, "poll": False}
                for p in (ing, pol):
                    if victim in (p.name, "both"):
                        rnd[p.name] = p.kill()
                        if not rnd[p.name]:
                            res.missed += 1
                for p in (ing, pol):
                    if victim not in (p.name, "both"):
                        self._finish([p], res.problems)
                    else:
                        p.close()
                res.kills_ingest += rnd["ingest"]
                res.kills_poll += rnd["poll"]
                rnd["cables"], from_corpus, rnd["articles"] = _stored(db, self.cables)  # what the kill left
                # the kill cut a run that had stored part of its work (not before its first write, not after its last)
                rnd["cut_ingest"] = rnd["ingest"] and 0 < from_corpus < self.corpus_cables
                rnd["cut_poll"] = rnd["poll"] and 0 < rnd["articles"] < len(expected.articles)
                res.cut_ingest += rnd["cut_ingest"]
                res.cut_poll += rnd["cut_poll"]
                res.rounds.append(rnd)
            # restart and finish
            self._run_both(db, d, "finish", res.problems)
            res.recovered = not res.problems
            res.check_ok = self.check(db, res.problems)
            got = snapshot(db)
            res.lost, res.duplicated, notes = compare(expected, got)
            res.problems += notes
            if not self.rerun:
                return res
            # a rerun adds nothing
            report = self._run_both(db, d, "rerun", res.problems, all_feeds=True)
            again = snapshot(db)
            added = {k: v - got.counts()[k] for k, v in again.counts().items() if v != got.counts()[k]}
            res.rerun_added = sum(abs(v) for v in added.values()) + sum(report.get(k, 0) for k in ("new", "updated"))
            if res.rerun_added:
                res.problems.append(f"rerun changed the archive: {added} / poll {report}")
            if not self.check(db, res.problems):
                res.check_ok = False
        except Exception as e:  # noqa: BLE001 - a harness failure is a failed trial, reported
            res.problems.append(f"harness: {type(e).__name__}: {e}")
        finally:
            res.seconds = time.monotonic() - t0
            if res.ok and not self.keep:
                shutil.rmtree(d, ignore_errors=True)
                drop_archive(db)
        return res


__all__ = [
    "CABLES",
    "Harness",
    "Snapshot",
    "TrialResult",
    "compare",
    "corpus_available",
    "serve_feeds",
    "snapshot",
    "subscribe",
]
