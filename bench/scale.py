"""Search at Cablegate scale: cablebase beside bare tantivy, PostgreSQL full-text search and
grep, on one resampled 251,287-cable corpus and one set of 200 queries. Prints one table.

    python bench/scale.py                      # full size (251,287 cables), ~35-40 min on 2 cores
    python bench/scale.py --n 5000             # quick check, ~2 min
    python bench/scale.py --skip pg,grep       # leave systems out (cablebase, bare, pg, grep)
    python bench/scale.py --reuse              # keep the archives of the last run, time queries only

The corpus is built once and cached in ``--cache`` (default ``$CABLEBASE_BENCH_CACHE`` or
``~/.cache/cablebase-bench``), never in the repository. It resamples the 1,295 real pages of
``cablegate-2010``: each synthetic cable is a real page's routing header and preamble
(classification line, TAGS, SUBJECT, REF, Classified By) with its first and last real
paragraph and, between them, real paragraphs of other cables of the same classification
level, renumbered, as many as the base page had. Metadata are drawn to look like the whole
release: origins and posts from the origins seen in both cablegate mirrors (8,007 real
pages, 190 origins; weights = √count, flattening the media partners' picks), creation
years as in the 2011 mirror, dates within the year (2010: January–February only), release
dates 8% over the piecemeal releases (2010-11-28 … 2011-08-22) and the rest over the bulk
release days (2011-08-23 … 2011-09-01). Reference IDs are unique (post + year + serial).
Each page is written as a cablegate page (metadata table + the two ``<pre>`` blocks, the
site's navigation left out) and parsed once with cablebase's parser, so the plain text given
to every other system is exactly the text cablebase indexes (subject + body).

Queries (200, fixed seed): 50 single words, 50 two-word ANDs, 50 two-word ORs, 50 phrases
of 2–3 words; words are mid-frequency words of the real cables (in 1–25% of them, no stop
words), phrases are runs of words cut from real paragraphs. Every other query has two
filters (year + classification, origin + year, or TAG + classification), taken from a
cable that contains the words so that most filtered queries match something. The same
query goes to every system in its own syntax:

- cablebase: ``Store.search_results`` (BM25 top 20 with snippets and paragraph hits, the
  total, and facet counts for origin, year, classification, TAG), filters as
  ``SearchFilters``;
- bare tantivy: the same analyzer and fields indexed by tantivy alone from the extracted
  text (body stored, filters as fast fields), top 20 by BM25 from tantivy's own query parser
  — no snippets, no count, no facets;
- PostgreSQL: a ``tsvector`` column (``'simple'`` configuration: lower-cased words, no
  stemming, as in the index) with a GIN index, ``websearch_to_tsquery``, filters as
  ``WHERE``, top 20 by ``ts_rank`` — no count, no facets (statement timeout 30 s);
- grep: ``LC_ALL=C grep -c -i -F PHRASE`` over the text files (one cable per line), for the
  phrase queries only (grep has no filters: they are ignored).

Each system runs the 200 queries once to warm up, then once timed. Ingest is ``cablebase
ingest`` (the real command, default workers) as a subprocess: wall time, CPU time of it and
every process it started (this process is their subreaper), peak memory (sum of the RSS of
the process tree, sampled every 0.2 s), and, from a probe beside it, how long a stored cable
took to become searchable and whether the index ever held a cable the store did not. The
machine is shared: wall-clock rows depend on the load average (printed); CPU rows do not.
"""

from __future__ import annotations

import argparse
import ctypes
import html
import math
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
FULL = 251_287
GEN_VERSION = 1
CHUNK = 1000
"""Cables per generated directory / text file / docs file."""
DEFAULT_CACHE = Path(os.environ.get("CABLEBASE_BENCH_CACHE", Path.home() / ".cache" / "cablebase-bench"))
PG_DSN = os.environ.get("CABLEBASE_BENCH_PG", "host=127.0.0.1 port=5432 user=postgres dbname=test")
PG_TIMEOUT_MS = 30_000
HEAP = 256_000_000
TOP = 20

TARGETS = {
    "ingest_s": 600.0,
    "ingest_vs_bare": 3.0,
    "p50_ms": 5.0,
    "p99_ms": 50.0,
    "pg_or_ratio": 10.0,
    "peak_mib": 2048.0,
}

STOP = set("""a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having he
her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or
other our ours out over own same she should so some such than that the their theirs them then there these they this
those through to too under until up very was we were what when where which while who whom why will with would you
your said says also would could should mr ms per para paras ref refs sipdis""".split())


# == the corpus ==============================================================================
_TABLE = re.compile(
    r"<table class='cable'>.*?<td>\s*<a[^>]*>([^<]+)</a>\s*</td>\s*<td>\s*<a[^>]*>([^<]+)</a>\s*</td>"
    r"\s*<td>\s*<a[^>]*>([^<]+)</a>\s*</td>\s*<td>\s*<a[^>]*>([^<]+)</a>\s*</td>\s*<td>\s*<a[^>]*>([^<]+)</a>",
    re.S,
)
_PRE = re.compile(r"<code><pre>(.*?)</pre></code>", re.S)
_H3 = re.compile(r"<h3>\s*Viewing cable\s+[^,<]+?\s*,\s*(.*?)</h3>", re.S)
_ANCHOR = re.compile(r"<a id='par\d+' href='#par\d+'>¶</a>\d+\.")
_REF = re.compile(r"(\d{2})(.+?)(\d+)")
_DTG = re.compile(r"\b\d{6}Z [A-Z]{3} \d{2}\b")
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


@dataclass
class Base:
    """One real page cut into the pieces a synthetic cable is made of."""

    ref: str
    serial: str
    classification: str
    level: str
    subject: str
    header: str
    preamble: str
    chunks: list[str] = field(default_factory=list)
    """Raw (HTML-escaped) text of each paragraph, from its anchor to the next; empty when
    the page has no paragraph anchors (then ``preamble`` is the whole body)."""


def _level(classification: str) -> str:
    c = classification.upper()
    return "S" if c.startswith("SECRET") else "C" if c.startswith("CONFIDENTIAL") else "U"


def load_bases(corpus: Path) -> list[Base]:
    out = []
    for f in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html")):
        s = f.read_text(encoding="utf-8", errors="replace")
        m = _TABLE.search(s)
        pres = _PRE.findall(s)
        if not m or len(pres) != 2:
            continue
        ref, _created, _released, cls, _origin = (x.strip() for x in m.groups())
        h = _H3.search(s)
        rm = _REF.fullmatch(ref)
        body = pres[1]
        anchors = [a.start() for a in _ANCHOR.finditer(body)]
        b = Base(ref, rm.group(3) if rm else "", cls, _level(cls), " ".join(html.unescape(h.group(1)).split()) if h else "",
                 pres[0], body[: anchors[0]] if anchors else body)
        if anchors:
            b.chunks = [body[a:z] for a, z in zip(anchors, anchors[1:] + [len(body)])]
        out.append(b)
    return out


def load_metadata(corpus: Path) -> list[tuple[str, str, str]]:
    """(ref_id, created, origin) of every real page of both mirrors."""
    rows = []
    for f in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html")):
        m = _TABLE.search(f.read_text(encoding="utf-8", errors="replace"))
        if m:
            rows.append((m.group(1).strip(), m.group(2).strip(), m.group(5).strip()))
    arc = corpus / "cablegate-html-2011" / "site-2011-04-25.tar.xz"
    if arc.exists():
        with tarfile.open(arc) as tf:
            for member in tf:
                if member.isfile() and member.name.startswith("cable/") and member.name.endswith(".html"):
                    m = _TABLE.search(tf.extractfile(member).read().decode("utf-8", "replace"))  # type: ignore[union-attr]
                    if m:
                        rows.append((m.group(1).strip(), m.group(2).strip(), m.group(5).strip()))
    return rows


@dataclass(frozen=True)
class Row:
    ref: str
    origin: str
    created: str
    released: str
    base: int


def plan(n: int, bases: list[Base], meta: list[tuple[str, str, str]], seed: int) -> list[Row]:
    rng = random.Random(seed)
    posts: dict[str, Counter[str]] = defaultdict(Counter)
    origin_n: Counter[str] = Counter()
    seen: set[str] = set()
    years: Counter[int] = Counter()
    for ref, created, origin in meta:
        m = _REF.fullmatch(ref)
        if not m or ref in seen:
            continue
        seen.add(ref)
        posts[origin][m.group(2)] += 1
        origin_n[origin] += 1
        if created[:4].isdigit():
            years[int(created[:4])] += 1
    origins = sorted(origin_n)
    o_weights = [math.sqrt(origin_n[o]) for o in origins]
    ylist = sorted(years)
    y_weights = [years[y] for y in ylist]
    serial: dict[tuple[int, str], int] = {}
    used: set[str] = set()
    rows = []
    for _ in range(n):
        origin = rng.choices(origins, o_weights)[0]
        post = posts[origin].most_common(1)[0][0]
        year = rng.choices(ylist, y_weights)[0]
        key = (year, post)
        if key not in serial:
            serial[key] = rng.randint(1, 2500)
        while True:
            serial[key] += rng.randint(1, 3)
            ref = f"{year % 100:02d}{post}{serial[key]}"
            if ref not in used:
                break
        used.add(ref)
        last_day = 59 if year == 2010 else 364
        day = rng.randint(0, last_day)
        t = time.gmtime(time.mktime((year, 1, 1, 12, 0, 0, 0, 0, 0)) + day * 86400)
        created = f"{year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        if rng.random() < 0.08:
            d = rng.randint(0, 267)  # 2010-11-28 … 2011-08-22
            base_t = time.mktime((2010, 11, 28, 12, 0, 0, 0, 0, 0))
        else:
            d = rng.randint(0, 9)  # 2011-08-23 … 2011-09-01
            base_t = time.mktime((2011, 8, 23, 12, 0, 0, 0, 0, 0))
        r = time.gmtime(base_t + d * 86400)
        released = f"{r.tm_year:04d}-{r.tm_mon:02d}-{r.tm_mday:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        rows.append(Row(ref, origin, created, released, rng.randrange(len(bases))))
    return rows


_BASES: list[Base] = []
_POOL: dict[str, list[str]] = {}


def _init_worker(corpus: str) -> None:
    global _BASES, _POOL
    _BASES = load_bases(Path(corpus))
    pool: dict[str, list[str]] = defaultdict(list)
    for b in _BASES:
        for c in b.chunks[:-1]:
            pool[b.level].append(c)
    _POOL = dict(pool)


def render(row: Row, rng: random.Random) -> str:
    b = _BASES[row.base]
    y, mo, d = int(row.created[:4]), int(row.created[5:7]), int(row.created[8:10])
    hh, mm = row.created[11:13], row.created[14:16]
    dtg = f"{d:02d}{hh}{mm}Z {_MONTHS[mo - 1]} {y % 100:02d}"
    serial = _REF.fullmatch(row.ref).group(3)  # type: ignore[union-attr]
    header = _DTG.sub(dtg, b.header, count=1)
    header = re.sub(r"#\d{4}", f"#{int(serial) % 10000:04d}", header, count=1)
    pre = b.preamble
    if b.serial:
        pre = re.sub(rf"\b0*{b.serial}\b", f"{int(serial):06d}", pre, count=1)
    if b.chunks:
        if len(b.chunks) == 1:
            parts = list(b.chunks)
        else:
            pool = _POOL.get(b.level) or b.chunks
            parts = [b.chunks[0]] + [rng.choice(pool) for _ in range(len(b.chunks) - 2)] + [b.chunks[-1]]
        body = pre + "".join(
            _ANCHOR.sub(f"<a id='par{i}' href='#par{i}'>¶</a>{i}.", p, count=1) for i, p in enumerate(parts, 1)
        )
    else:
        body = pre
    subj = html.escape(b.subject, quote=False)
    return (
        "<?xml version='1.0' encoding='utf-8' ?>\n<html><head><title>Cable Viewer</title></head><body>\n"
        f"<div class='pane big'>\n<h3>Viewing cable {row.ref}, {subj}</h3>\n<table class='cable'>\n<tr>\n"
        "<th>Reference ID</th>\n<th>Created</th>\n<th>Released</th>\n<th>Classification</th>\n<th>Origin</th>\n</tr>\n"
        f"<tr>\n<td>\n<a href='/cable/{y}/{mo:02d}/{row.ref}.html'>{row.ref}</a>\n</td>\n"
        f"<td>\n<a href='/date/{row.created[:7]}_0.html'>{row.created}</a>\n</td>\n"
        f"<td>\n<a href='/reldate/{row.released[:10]}_0.html'>{row.released}</a>\n</td>\n"
        f"<td>\n<a href='/classification/1_0.html'>{b.classification}</a>\n</td>\n"
        f"<td>\n<a href='/origin/1_0.html'>{html.escape(row.origin)}</a>\n</td>\n</tr>\n</table>\n"
        f"<code><pre>{header}</pre></code>\n<code><pre>{body}</pre></code>\n</div>\n</body>\n</html>\n"
    )


def make_chunk(k: int, rows: list[Row], seed: int, out: str) -> tuple[int, int, int, int]:
    from cablebase.parse import parse

    rng = random.Random(seed * 1_000_003 + k)
    root = Path(out)
    pdir = root / "pages" / f"{k:04d}"
    pdir.mkdir(parents=True, exist_ok=True)
    text_lines, docs = [], []
    page_bytes = text_bytes = bad = 0
    for row in rows:
        page = render(row, rng).encode("utf-8")
        (pdir / f"{row.ref}.html").write_bytes(page)
        page_bytes += len(page)
        [c] = parse(page, location=row.ref)
        if c.ref_id != row.ref:
            bad += 1
        body = c.body or "\n\n".join(p.text for p in c.paragraphs)
        line = f"{c.ref_id}\t{c.subject or ''}\t{' '.join(body.split())}"
        text_lines.append(line)
        text_bytes += len(line)
        docs.append(orjson.dumps({
            "ref_id": c.ref_id, "origin": c.origin, "classification": c.classification, "year": c.year,
            "tags": c.tags, "created": c.created, "released": c.released, "subject": c.subject or "", "body": body,
        }))
    (root / "text").mkdir(exist_ok=True)
    (root / "docs").mkdir(exist_ok=True)
    (root / "text" / f"part-{k:04d}.txt").write_text("\n".join(text_lines) + "\n", encoding="utf-8")
    (root / "docs" / f"part-{k:04d}.jsonl").write_bytes(b"\n".join(docs) + b"\n")
    return len(rows), page_bytes, text_bytes, bad


def build_corpus(n: int, cache: Path, corpus: Path, seed: int, workers: int) -> Path:
    out = cache / f"corpus-v{GEN_VERSION}-{n}-s{seed}"
    done = out / "corpus.json"
    if done.exists():
        print(f"corpus: cached in {out}", flush=True)
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    t0, c0 = time.perf_counter(), _children_cpu()
    bases = load_bases(corpus)
    rows = plan(n, bases, load_metadata(corpus), seed)
    print(f"corpus: generating {n:,} cables from {len(bases):,} real pages into {out} …", flush=True)
    totals = [0, 0, 0, 0]
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(str(corpus),)) as ex:
        futs = [ex.submit(make_chunk, k, rows[i : i + CHUNK], seed, str(out)) for k, i in enumerate(range(0, n, CHUNK))]
        for j, f in enumerate(futs):
            for t, v in enumerate(f.result()):
                totals[t] += v
            if j % 25 == 24:
                print(f"  {min(n, (j + 1) * CHUNK):,} cables ({time.perf_counter() - t0:.0f} s)", flush=True)
    info = {"n": totals[0], "page_bytes": totals[1], "text_bytes": totals[2], "ref_mismatch": totals[3],
            "seconds": time.perf_counter() - t0, "cpu_s": _children_cpu() - c0, "bases": len(bases), "seed": seed}
    done.write_text(orjson.dumps(info).decode())
    print(f"corpus: {totals[0]:,} cables, pages {totals[1] / 1e9:.2f} GB, text {totals[2] / 1e9:.2f} GB, "
          f"in {info['seconds']:.0f} s", flush=True)
    return out


def iter_docs(corpus_dir: Path):
    for f in sorted((corpus_dir / "docs").glob("part-*.jsonl")):
        with f.open("rb") as fh:
            for line in fh:
                if line.strip():
                    yield orjson.loads(line)


# == queries =================================================================================
@dataclass
class Q:
    kind: str  # word | and | or | phrase
    words: list[str]
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The query in cablebase's language (and tantivy's: they agree on these forms)."""
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        if self.kind == "or":
            return " OR ".join(self.words)
        return " ".join(self.words)

    @property
    def web(self) -> str:
        """For websearch_to_tsquery."""
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        if self.kind == "or":
            return " or ".join(self.words)
        return " ".join(self.words)

    def label(self) -> str:
        f = " ".join(f"{k}={v}" for k, v in self.filters.items())
        return f"{self.kind}: {self.text}" + (f"  [{f}]" if f else "")


def make_queries(corpus: Path, corpus_dir: Path, count: int, seed: int) -> list[Q]:
    from cablebase.parse import parse
    from cablebase._store.index import ANALYZER

    rng = random.Random(seed + 17)
    texts = []
    for f in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html")):
        [c] = parse(f.read_bytes(), location=str(f))
        texts.append([p.text for p in c.paragraphs] or [c.body])
    df: Counter[str] = Counter()
    for paras in texts:
        df.update(set(ANALYZER.analyze(" ".join(paras))))
    n = len(texts)
    vocab = sorted(w for w, k in df.items() if 0.01 * n <= k <= 0.25 * n and w.isalpha() and len(w) >= 4 and w not in STOP)
    phrase_rx = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){1,2}\b")
    sample = list(iter_docs_head(corpus_dir, 4000))
    per = count // 4
    qs: list[Q] = []
    for kind in ("word", "and", "or", "phrase"):
        made = 0
        while made < per:
            if kind == "phrase":
                para = rng.choice(rng.choice(texts))
                runs = [m.group() for m in phrase_rx.finditer(" ".join(para.split()))]
                runs = [r for r in runs if any(w.lower() not in STOP for w in r.split()) and r.split()[0].lower() not in STOP
                        and r.split()[-1].lower() not in STOP]
                if not runs:
                    continue
                words = rng.choice(runs).lower().split()
            else:
                words = rng.sample(vocab, 1 if kind == "word" else 2)
            qs.append(Q(kind, words))
            made += 1
    rng.shuffle(qs)
    kinds = [("year", "classification"), ("origin", "year"), ("tag", "classification")]
    for i, q in enumerate(qs):
        if i % 2:
            continue
        want = kinds[(i // 2) % 3]
        needle = [w.lower() for w in q.words]
        if q.kind == "or":
            needle = [rng.choice(needle)]
        cands = [d for d in sample if all(w in d["_low"] for w in needle)]
        d = rng.choice(cands) if cands else rng.choice(sample)
        for k in want:
            if k == "tag":
                if d["tags"]:
                    q.filters["tag"] = rng.choice(d["tags"])
                else:
                    q.filters["year"] = d["year"]
            elif d.get(k) is not None:
                q.filters[k] = d[k]
    return qs


def iter_docs_head(corpus_dir: Path, limit: int):
    for i, d in enumerate(iter_docs(corpus_dir)):
        if i >= limit:
            return
        d["_low"] = (d["subject"] + " " + d["body"]).lower()
        yield d


# == measuring processes ======================================================================
def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _become_subreaper() -> None:
    """Orphaned descendants (a forkserver's workers) are reparented to this process, so
    their CPU time is counted once they are reaped."""
    try:
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:  # noqa: BLE001 - not Linux: CPU of orphans goes uncounted
        pass


def _reap(wait_s: float = 3.0) -> None:
    """Reap finished descendants (orphans included), waiting up to ``wait_s`` for stragglers."""
    end = time.monotonic() + wait_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > end:
                return
            time.sleep(0.05)


@dataclass
class Run:
    wall: float
    cpu: float
    peak_tree: int
    peak_one: int
    rc: int
    stderr: str
    peak_anon: int = 0
    """Peak of the tree's anonymous memory (RSS less the file-backed and shared pages: the
    search index's segments, which tantivy maps from disk, count in RSS as page cache)."""


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None, probe: Any = None) -> Run:
    import psutil

    c0 = _children_cpu()
    t0 = time.perf_counter()
    errf = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"cablebase-bench-{os.getpid()}.err", "w+")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf, env=env)
    peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        try:
            p = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                procs = [p] + p.children(recursive=True)
                rss = anon = 0
                for q in procs:
                    try:
                        m = q.memory_info()
                        rss += m.rss
                        anon += m.rss - m.shared
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], rss)
                peak[1] = max(peak[1], anon)
            except psutil.Error:
                pass
            stop.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    if probe is not None:
        probe.start()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stop.set()
    if probe is not None:
        probe.stop()
    th.join()
    _reap()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = _children_cpu() - c0
    errf.seek(0)
    err = errf.read()
    errf.close()
    os.unlink(errf.name)
    return Run(wall, cpu, peak[0], ru.ru_maxrss * 1024, proc.returncode, err, peak[1])


class FreshnessProbe:
    """Beside a running ingest: every 0.2 s, the index's document count, then the store's
    cable count. Gives how long stored cables took to become searchable, and whether the
    index ever held more cables than the store."""

    def __init__(self, db: Path):
        self.db = db
        self.samples: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._th: threading.Thread | None = None

    def start(self) -> None:
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()

    def stop(self) -> None:
        self._stop.set()
        if self._th:
            self._th.join()

    def _run(self) -> None:
        import tantivy

        ix = con = None
        while not self._stop.wait(0.2):
            try:
                if ix is None and (self.db / "index" / "meta.json").exists():
                    ix = tantivy.Index.open(str(self.db / "index"))
                if con is None and (self.db / "cablebase.sqlite").exists():
                    con = sqlite3.connect(f"file:{self.db / 'cablebase.sqlite'}?mode=ro", uri=True, timeout=5)
                if ix is None or con is None:
                    continue
                ix.reload()
                n_idx = ix.searcher().num_docs
                n_sql = con.execute("SELECT coalesce(max(rowid), 0) FROM cables").fetchone()[0]
                self.samples.append((time.perf_counter(), n_idx, n_sql))
            except Exception:  # noqa: BLE001 - the archive is being created: try again
                continue

    def report(self) -> dict[str, Any]:
        s = self.samples
        if not s:
            return {"samples": 0}
        ahead = sum(1 for _, i, q in s if i > q)
        lags = []
        k = 0
        for j, (t, _, n_sql) in enumerate(s):
            if n_sql == 0:
                continue
            k = max(k, j)
            while k < len(s) and s[k][1] < n_sql:
                k += 1
            if k < len(s):
                lags.append(s[k][0] - t)
        return {"samples": len(s), "index_ahead_of_store": ahead,
                "lag_p50_s": pct(lags, 50), "lag_p95_s": pct(lags, 95), "lag_max_s": max(lags) if lags else None}


def pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def du(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


# == systems ==================================================================================
def ingest_cablebase(corpus_dir: Path, work: Path, db_url: str | None = None, dask: str | None = None) -> dict[str, Any]:
    """``cablebase ingest`` into a new embedded archive, or (``db_url``) into the PostgreSQL
    database it names, dropped and made again (its index in ``work/cablebase-pg-index``);
    ``dask``: through the cluster whose scheduler that is."""
    if db_url:
        return ingest_cablebase_pg(corpus_dir, work, db_url, dask)
    db = work / "cablebase"
    if db.exists():
        shutil.rmtree(db)
    exe = str(Path(sys.executable).parent / "cablebase")
    probe = FreshnessProbe(db)
    r = run_measured([exe, "ingest", str(corpus_dir / "pages"), "--db", str(db)], probe=probe)
    if r.rc != 0:
        print(r.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"cablebase ingest failed (exit {r.rc})")
    summary = [ln for ln in r.stderr.splitlines() if " cables: " in ln]
    return {"wall": r.wall, "cpu": r.cpu, "peak_tree": r.peak_tree, "peak_one": r.peak_one,
            "index_bytes": du(db / "index"), "sqlite_bytes": du(db) - du(db / "index"),
            "fresh": probe.report(), "summary": summary[-1] if summary else ""}


def pg_index_dir(work: Path) -> Path:
    return work / "cablebase-pg-index"


def ingest_cablebase_pg(corpus_dir: Path, work: Path, db_url: str, dask: str | None) -> dict[str, Any]:
    from cablebase import open_archive
    from cablebase._store.pg import drop_database

    drop_database(db_url)
    ix = pg_index_dir(work)
    if ix.exists():
        shutil.rmtree(ix)
    os.environ["CABLEBASE_INDEX_DIR"] = str(ix)  # this process's queries, and the ingest's
    exe = str(Path(sys.executable).parent / "cablebase")
    cmd = [exe, "ingest", str(corpus_dir / "pages"), "--db", db_url] + (["--dask", dask] if dask else [])
    s0 = _pg_cpu()
    r = run_measured(cmd, env=dict(os.environ))
    pg_cpu = _pg_cpu() - s0
    if r.rc != 0:
        print(r.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"cablebase ingest failed (exit {r.rc})")
    summary = [ln for ln in r.stderr.splitlines() if " cables: " in ln]
    with open_archive(db_url, create=False) as a:
        usage = a.disk_usage()
        ok = a.check().ok
    return {"wall": r.wall, "cpu": r.cpu + pg_cpu, "client_cpu": r.cpu, "pg_cpu": pg_cpu, "peak_tree": r.peak_tree,
            "peak_one": r.peak_one, "peak_anon": r.peak_anon, "index_bytes": usage["index"], "pg_bytes": usage["records"],
            "record_json": usage["record_json"], "record_json_stored": usage["record_json_stored"],
            "raw": usage["raw"], "raw_stored": usage["raw_stored"],
            "check": ok, "fresh": {}, "summary": summary[-1] if summary else "", "db": db_url, "dask": dask}


def bare_schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("ref_id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("origin", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("classification", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("tags", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_text_field("subject", stored=True, tokenizer_name="cb_text")
    sb.add_text_field("body", stored=True, tokenizer_name="cb_text")
    return sb.build()


def bare_open(path: Path):
    import tantivy

    from cablebase._store.index_schema import _text_analyzer

    ix = tantivy.Index(bare_schema(), str(path), reuse=True)
    ix.register_tokenizer("cb_text", _text_analyzer())
    return ix


def bare_index_main(corpus_dir: str, out: str) -> None:
    """Subprocess: index the extracted text with tantivy alone."""
    import tantivy

    p = Path(out)
    if p.exists():
        shutil.rmtree(p)
    p.mkdir(parents=True)
    ix = bare_open(p)
    w = ix.writer(heap_size=HEAP)
    for d in iter_docs(Path(corpus_dir)):
        doc = tantivy.Document()
        doc.add_text("ref_id", d["ref_id"])
        if d["origin"]:
            doc.add_text("origin", d["origin"])
        if d["classification"]:
            doc.add_text("classification", d["classification"])
        for t in d["tags"]:
            doc.add_text("tags", t)
        if d["year"] is not None:
            doc.add_integer("year", d["year"])
        doc.add_text("subject", d["subject"])
        doc.add_text("body", d["body"])
        w.add_document(doc)
    w.commit()
    w.wait_merging_threads()


def ingest_bare(corpus_dir: Path, work: Path) -> dict[str, Any]:
    out = work / "bare"
    r = run_measured([sys.executable, __file__, "--_bare-index", str(corpus_dir), str(out)])
    if r.rc != 0:
        raise SystemExit(f"bare tantivy indexing failed: {r.stderr[-2000:]}")
    return {"wall": r.wall, "cpu": r.cpu, "peak_tree": r.peak_tree, "peak_one": r.peak_one, "index_bytes": du(out)}


def _pg_cpu() -> float:
    import psutil

    tot = 0.0
    for p in psutil.process_iter(["name"]):
        if p.info["name"] == "postgres":
            try:
                c = p.cpu_times()
                tot += c.user + c.system + c.children_user + c.children_system  # the postmaster's: exited backends
            except psutil.Error:
                pass
    return tot


def ingest_pg(corpus_dir: Path) -> dict[str, Any]:
    import psutil
    import psycopg

    t0, c0, s0 = time.perf_counter(), time.process_time(), _pg_cpu()
    peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.is_set():
            rss = me.memory_info().rss
            for p in psutil.process_iter(["name"]):
                if p.info["name"] == "postgres":
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
            peak[0] = max(peak[0], rss)
            stop.wait(0.5)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS cb_bench")
        con.execute(
            "CREATE TABLE cb_bench (ref_id text PRIMARY KEY, origin text, classification text, year int, tags text[],"
            " created text, released text, subject text, body text, tsv tsvector GENERATED ALWAYS AS"
            " (setweight(to_tsvector('simple', coalesce(subject, '')), 'A') || to_tsvector('simple', body)) STORED)"
        )
        with con.cursor() as cur, cur.copy(
            "COPY cb_bench (ref_id, origin, classification, year, tags, created, released, subject, body) FROM STDIN"
        ) as cp:
            for d in iter_docs(corpus_dir):
                cp.write_row((d["ref_id"], d["origin"], d["classification"], d["year"], d["tags"], d["created"],
                              d["released"], d["subject"], d["body"].replace("\x00", "")))
        t_load = time.perf_counter() - t0
        con.execute("SET maintenance_work_mem = '512MB'")
        con.execute("CREATE INDEX cb_bench_tsv ON cb_bench USING gin (tsv)")
        for col in ("origin", "year", "classification"):
            con.execute(f"CREATE INDEX cb_bench_{col} ON cb_bench ({col})")
        con.execute("CREATE INDEX cb_bench_tags ON cb_bench USING gin (tags)")
        con.execute("ANALYZE cb_bench")
        size = con.execute("SELECT pg_total_relation_size('cb_bench'), pg_relation_size('cb_bench_tsv')").fetchone()
    stop.set()
    th.join()
    wall = time.perf_counter() - t0
    return {"wall": wall, "load_wall": t_load, "cpu": (time.process_time() - c0) + (_pg_cpu() - s0),
            "peak_tree": peak[0], "index_bytes": size[1], "total_bytes": size[0]}


# -- query runners ---------------------------------------------------------------------------------
def time_queries(name: str, qs: list[Q], fn) -> list[dict[str, Any]]:
    out = []
    for q in qs:  # warm-up pass
        try:
            fn(q)
        except Exception:  # noqa: BLE001 - recorded in the timed pass
            pass
    for q in qs:
        t0, c0 = time.perf_counter(), time.thread_time()
        err = None
        n = None
        try:
            n = fn(q)
        except Exception as e:  # noqa: BLE001
            err = f"{type(e).__name__}: {e}"
        out.append({"system": name, "kind": q.kind, "filtered": bool(q.filters), "ms": (time.perf_counter() - t0) * 1000,
                    "cpu_ms": (time.thread_time() - c0) * 1000, "n": n, "error": err, "query": q.label()})
    return out


def cablebase_runner(db: Path, db_url: str | None = None):
    from cablebase import open_archive
    from cablebase.model import SearchFilters

    st = open_archive(db_url or db, create=False)

    def run(q: Q) -> int:
        f = q.filters
        flt = SearchFilters(origin=f.get("origin"), classification=f.get("classification"), year=f.get("year"),
                            tags=(f["tag"],) if "tag" in f else ())
        res = st.search_results(q.text, flt, limit=TOP, facets=True)
        return res.total

    return st, run


def bare_runner(path: Path):
    import tantivy
    from tantivy import Occur, Query

    ix = bare_open(path)
    ix.reload()
    s = ix.searcher()
    schema = bare_schema()

    def run(q: Q) -> int:
        tq = ix.parse_query(q.text, ["subject", "body"], field_boosts={"subject": 2.0}, conjunction_by_default=True)
        must = [tq]
        f = q.filters
        if "origin" in f:
            must.append(Query.term_query(schema, "origin", f["origin"]))
        if "classification" in f:
            must.append(Query.term_query(schema, "classification", f["classification"]))
        if "tag" in f:
            must.append(Query.term_query(schema, "tags", f["tag"]))
        if "year" in f:
            must.append(Query.term_query(schema, "year", int(f["year"])))
        qq = Query.boolean_query([(Occur.Must, m) for m in must]) if len(must) > 1 else tq
        return len(s.search(qq, TOP, count=False).hits)

    def count(q: Q) -> int:
        tq = ix.parse_query(q.text, ["subject", "body"], conjunction_by_default=True)
        return s.search(tq, 1, count=True).count  # type: ignore[return-value]

    del tantivy
    return run, count


def pg_runner():
    import psycopg

    con = psycopg.connect(PG_DSN, autocommit=True)
    con.execute(f"SET statement_timeout = {PG_TIMEOUT_MS}")

    def run(q: Q) -> int:
        where, args = ["tsv @@ q"], [q.web]
        f = q.filters
        for k in ("origin", "classification", "year"):
            if k in f:
                where.append(f"{k} = %s")
                args.append(f[k])
        if "tag" in f:
            where.append("tags @> ARRAY[%s]::text[]")
            args.append(f["tag"])
        sql = (f"SELECT ref_id, ts_rank(tsv, q) AS r FROM cb_bench, websearch_to_tsquery('simple', %s) q"
               f" WHERE {' AND '.join(where)} ORDER BY r DESC LIMIT {TOP}")
        return len(con.execute(sql, args).fetchall())

    return con, run


def grep_runner(corpus_dir: Path):
    files = [str(p) for p in sorted((corpus_dir / "text").glob("part-*.txt"))]
    env = dict(os.environ, LC_ALL="C")

    def run(q: Q) -> int:
        r = subprocess.run(["grep", "-c", "-i", "-F", "--", " ".join(q.words), *files], capture_output=True,
                           text=True, env=env)
        return sum(int(line.rsplit(":", 1)[1]) for line in r.stdout.splitlines() if ":" in line)

    return run


# == the report ===============================================================================
def summarize(rows: list[dict[str, Any]], kind: str | None = None, filtered: bool | None = None) -> dict[str, Any]:
    sel = [r for r in rows if (kind is None or r["kind"] == kind) and (filtered is None or r["filtered"] == filtered)]
    ms = [r["ms"] for r in sel]
    return {"n": len(sel), "p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99), "max": max(ms) if ms else None,
            "cpu_p50": pct([r["cpu_ms"] for r in sel], 50), "errors": sum(1 for r in sel if r["error"])}


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_b(x: int | None) -> str:
    return "—" if not x else f"{x / 2**30:.2f} GiB" if x >= 2**30 else f"{x / 2**20:.0f} MiB"


def fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x / 60:.1f} min" if x >= 120 else f"{x:.1f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=FULL, help="cables in the corpus (default: the whole release)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--seed", type=int, default=2010)
    ap.add_argument("--skip", default="", help="comma-separated: cablebase, bare, pg, grep")
    ap.add_argument("--reuse", action="store_true", help="reuse the archives built by the last run (time queries only)")
    ap.add_argument("--gen-workers", type=int, default=max(1, (os.cpu_count() or 2)))
    ap.add_argument("--build-only", action="store_true", help="build (cache) the corpus and stop")
    ap.add_argument("--db", help="cablebase's archive in this PostgreSQL database (postgresql://…; dropped and made"
                    " again) instead of an embedded one")
    ap.add_argument("--dask", help="with --db: ingest through the Dask cluster at this scheduler address")
    ap.add_argument("--_bare-index", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._bare_index:
        bare_index_main(*a._bare_index)
        return
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    _become_subreaper()
    if not (a.corpus / "cablegate-2010" / "cable").is_dir():
        raise SystemExit(f"real corpus not found at {a.corpus}")
    a.cache.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()
    t_start = time.perf_counter()
    print(f"cablebase scale bench: n={a.n:,}, {a.queries} queries, {os.cpu_count()} CPUs, "
          f"load average {load0[0]:.1f} {load0[1]:.1f} {load0[2]:.1f}", flush=True)
    corpus_dir = build_corpus(a.n, a.cache, a.corpus, a.seed, a.gen_workers)
    if a.build_only:
        return
    info = orjson.loads((corpus_dir / "corpus.json").read_bytes())
    work = a.cache / f"work-{a.n}-s{a.seed}"
    work.mkdir(exist_ok=True)
    qs = make_queries(a.corpus, corpus_dir, a.queries, a.seed)
    (work / "queries.txt").write_text("\n".join(q.label() for q in qs) + "\n")
    res: dict[str, Any] = {"n": info["n"], "corpus": info, "load_before": load0}
    rows: list[dict[str, Any]] = []
    counts: dict[str, list[int | None]] = {}

    if "cablebase" not in skip:
        if a.db:
            os.environ["CABLEBASE_INDEX_DIR"] = str(pg_index_dir(work))
        if not (a.reuse and ((work / "cablebase" / "index").exists() or a.db)):
            print(f"cablebase: ingesting{' into ' + a.db if a.db else ''}{' on ' + a.dask if a.dask else ''} …", flush=True)
            res["cablebase"] = ingest_cablebase(corpus_dir, work, a.db, a.dask)
            print(f"  {res['cablebase']['summary']}", flush=True)
        st, run = cablebase_runner(work / "cablebase", a.db)
        print("cablebase: queries …", flush=True)
        rows += time_queries("cablebase", qs, run)
        counts["cablebase"] = [r["n"] for r in rows if r["system"] == "cablebase"]
        st.close()
    if "bare" not in skip:
        if not (a.reuse and (work / "bare" / "meta.json").exists()):
            print("bare tantivy: indexing …", flush=True)
            res["bare"] = ingest_bare(corpus_dir, work)
        run, count = bare_runner(work / "bare")
        print("bare tantivy: queries …", flush=True)
        rows += time_queries("bare tantivy", qs, run)
        counts["bare"] = [count(q) if not q.filters else None for q in qs]
    if "pg" not in skip:
        try:
            if not a.reuse:
                print("PostgreSQL: loading …", flush=True)
                res["pg"] = ingest_pg(corpus_dir)
            con, run = pg_runner()
            print("PostgreSQL: queries …", flush=True)
            rows += time_queries("PostgreSQL FTS", qs, run)
            con.close()
        except ImportError:
            print("PostgreSQL: skipped (pip install 'psycopg[binary]')", flush=True)
    if "grep" not in skip:
        print("grep: phrase queries …", flush=True)
        run = grep_runner(corpus_dir)
        phrase_qs = [q for q in qs if q.kind == "phrase"]
        grows = time_queries("grep -c", phrase_qs, run)
        rows += grows

    load1 = os.getloadavg()
    res["load_after"] = load1
    res["queries"] = rows
    res["elapsed_s"] = time.perf_counter() - t_start
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (work / f"results-{stamp}.json").write_bytes(orjson.dumps(res, option=orjson.OPT_INDENT_2))
    report(res, rows, counts, qs, work / f"results-{stamp}.json")


def report(res: dict[str, Any], rows: list[dict[str, Any]], counts: dict[str, list[int | None]], qs: list[Q],
           path: Path) -> None:
    n = res["n"]
    c = res["corpus"]
    print()
    print(f"corpus: {n:,} cables resampled from {c['bases']:,} real cablegate-2010 pages; pages {c['page_bytes'] / 1e9:.2f} GB, "
          f"text {c['text_bytes'] / 1e9:.2f} GB; {len(qs)} queries (4 kinds × {len(qs) // 4}, half with 2 filters)")
    systems = [("cablebase", "cablebase"), ("bare tantivy", "bare"), ("PostgreSQL FTS", "pg"), ("grep -c", None)]
    hdr = (f"{'system':<16}{'ingest wall':>12}{'ingest CPU':>12}{'index size':>12}{'peak mem':>11}"
           f"{'q p50':>8}{'q p95':>8}{'q p99':>8}{'OR p50':>8}{'phr p50':>8}{'q CPU p50':>10}  notes")
    print(hdr)
    print("-" * len(hdr))
    for label, key in systems:
        sel = [r for r in rows if r["system"] == label]
        if not sel and not (key and key in res):
            continue
        ing = res.get(key) if key else None
        s_all = summarize(sel)
        s_or = summarize(sel, "or")
        s_ph = summarize(sel, "phrase")
        notes = {
            "cablebase": "top 20 + snippets + paragraph + total + 4 facets",
            "bare tantivy": "top 20 only",
            "PostgreSQL FTS": "top 20 by ts_rank only",
            "grep -c": f"{s_all['n']} phrase queries, filters ignored",
        }[label]
        if label == "PostgreSQL FTS" and ing:
            notes += f"; size = GIN index (table + indexes {fmt_b(ing['total_bytes'])})"
        if s_all["errors"]:
            notes += f"; {s_all['errors']} errors/timeouts"
        size = ing.get("index_bytes") if ing else None
        print(f"{label:<16}{fmt_s(ing['wall']) if ing else '—':>12}{fmt_s(ing['cpu']) if ing else '—':>12}"
              f"{fmt_b(size):>12}{fmt_b(ing.get('peak_tree')) if ing else '—':>11}"
              f"{fmt_ms(s_all['p50']):>8}{fmt_ms(s_all['p95']):>8}{fmt_ms(s_all['p99']):>8}"
              f"{fmt_ms(s_or['p50']):>8}{fmt_ms(s_ph['p50']):>8}{fmt_ms(s_all['cpu_p50']):>10}  {notes}")
    print("(query times in ms, warm, one at a time; wall clock; 'q CPU' is the querying thread's CPU time)")
    cb = res.get("cablebase")
    if cb and cb.get("pg_bytes") is not None:
        per = (cb["pg_bytes"] + cb["index_bytes"]) / n
        print(f"\ncablebase archive on PostgreSQL{' (ingest on ' + cb['dask'] + ')' if cb.get('dask') else ''}: "
              f"database {fmt_b(cb['pg_bytes'])} (record JSON {fmt_b(cb['record_json'])} as text, "
              f"{fmt_b(cb['record_json_stored'])} as stored, lz4; raw pages {fmt_b(cb['raw'])}, "
              f"{fmt_b(cb['raw_stored'])} as stored, zstd with the archive's dictionary) + index {fmt_b(cb['index_bytes'])}; "
              f"{per / 1024:.1f} KiB a cable, {per * 1e6 / 2**30:.1f} GiB at 1,000,000; check {'ok' if cb['check'] else 'FAILED'}; "
              f"ingest CPU {fmt_s(cb['client_cpu'])} cablebase + {fmt_s(cb['pg_cpu'])} PostgreSQL server; "
              f"peak memory is cablebase's processes only (RSS; anonymous {fmt_b(cb.get('peak_anon'))}, the rest the index's"
              f" mapped files); largest process {fmt_b(cb['peak_one'])}; {cb['summary']}")
    elif cb:
        f = cb["fresh"]
        print(f"\ncablebase archive: SQLite {fmt_b(cb['sqlite_bytes'])} + index {fmt_b(cb['index_bytes'])}; "
              f"largest process {fmt_b(cb['peak_one'])}; {cb['summary']}")
        if f.get("samples"):
            print(f"freshness during ingest ({f['samples']} probes every 0.2 s): stored → searchable p50 "
                  f"{f['lag_p50_s']:.2f} s, p95 {f['lag_p95_s']:.2f} s, max {f['lag_max_s']:.2f} s; "
                  f"index ahead of the store in {f['index_ahead_of_store']} probes")
    by = {label: {k: summarize([r for r in rows if r["system"] == label], k) for k in ("word", "and", "or", "phrase")}
          for label, _ in systems}
    print("\np50 / p99 ms by query kind (unfiltered | filtered):")
    for label, _ in systems:
        sel = [r for r in rows if r["system"] == label]
        if not sel:
            continue
        parts = []
        for k in ("word", "and", "or", "phrase"):
            u = summarize(sel, k, False)
            fl = summarize(sel, k, True)
            if u["n"] or fl["n"]:
                parts.append(f"{k} {fmt_ms(u['p50'])}/{fmt_ms(u['p99'])} | {fmt_ms(fl['p50'])}/{fmt_ms(fl['p99'])}")
        print(f"  {label:<15} " + ";  ".join(parts))
    del by
    if "cablebase" in counts and "bare" in counts:
        pairs = [(a, b) for a, b in zip(counts["cablebase"], counts["bare"]) if b is not None]
        same = sum(1 for a, b in pairs if a == b)
        print(f"\nmatch counts, cablebase vs bare tantivy (unfiltered queries): {same}/{len(pairs)} equal")
    cbq = [r for r in rows if r["system"] == "cablebase"]
    if cbq:
        totals = [r["n"] for r in cbq if r["n"] is not None]
        print(f"cablebase matches per query: median {statistics.median(totals):,.0f}, max {max(totals):,}; "
              f"{sum(1 for t in totals if t == 0)} queries match nothing")
    # targets
    print("\ntargets:")
    checks = []
    bare = res.get("bare")
    pg_or = summarize([r for r in rows if r["system"] == "PostgreSQL FTS"], "or")["p50"]
    cb_or = summarize(cbq, "or")["p50"]
    s_cb = summarize(cbq)
    if cb:
        checks.append(("ingest ≤ 10 min", cb["wall"] <= TARGETS["ingest_s"], f"{fmt_s(cb['wall'])} wall, {fmt_s(cb['cpu'])} CPU"
                       + (f"; projected to {FULL:,}: {fmt_s(cb['wall'] * FULL / n)}" if n < FULL else "")))
        if bare:
            checks.append(("ingest ≤ 3× bare tantivy", cb["wall"] <= TARGETS["ingest_vs_bare"] * bare["wall"],
                           f"{cb['wall'] / bare['wall']:.1f}× wall, {cb['cpu'] / bare['cpu']:.1f}× CPU"))
        checks.append(("peak memory ≤ 2 GiB", cb["peak_tree"] <= TARGETS["peak_mib"] * 2**20, fmt_b(cb["peak_tree"])))
    if s_cb["n"]:
        checks.append(("query p50 ≤ 5 ms (with facets)", s_cb["p50"] <= TARGETS["p50_ms"], f"{fmt_ms(s_cb['p50'])} ms"))
        checks.append(("query p99 ≤ 50 ms (with facets)", s_cb["p99"] <= TARGETS["p99_ms"], f"{fmt_ms(s_cb['p99'])} ms"))
    if pg_or and cb_or:
        checks.append(("≥ 10× PostgreSQL FTS at p50 on OR queries", pg_or / cb_or >= TARGETS["pg_or_ratio"],
                       f"{pg_or / cb_or:.0f}× ({fmt_ms(pg_or)} vs {fmt_ms(cb_or)} ms)"))
    for name, ok, val in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {name}: {val}")
    l0, l1 = res["load_before"], res["load_after"]
    print(f"\nload average before {l0[0]:.1f}, after {l1[0]:.1f} (2 cores shared with other work: wall times are "
          f"inflated, CPU times are not); whole run {fmt_s(res['elapsed_s'])}; details in {path}")


if __name__ == "__main__":
    main()
