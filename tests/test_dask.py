"""Ingest on a real Dask cluster (a scheduler and workers started as the ``dask`` command line
starts them, on 127.0.0.1) into PostgreSQL: a worker killed mid-run and one that joins, a client
killed and started again; and the local index tied to the database it was built from.

Skipped, saying why, where no PostgreSQL answers (``pgtest``) or the corpus is absent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from cablebase import open_archive
from pgtest import drop_pg_database, pg_unavailable, pg_url

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def pg_db(tmp_path, monkeypatch):
    if pg_unavailable():
        pytest.skip(pg_unavailable())
    monkeypatch.setenv("CABLEBASE_INDEX_DIR", str(tmp_path / "pg-index"))
    name = f"cb16_{uuid.uuid4().hex[:12]}"
    yield name
    drop_pg_database(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes (one thread each, no nanny: killing the
    process kills the worker)."""

    def __init__(self, tmp_path: Path):
        self.addr = f"tcp://127.0.0.1:{_free_port()}"
        self.bindir = Path(sys.executable).parent
        self.tmp = tmp_path
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self._start([str(self.bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                     self.addr.rsplit(":", 1)[1], "--no-dashboard"], "scheduler")

    def _start(self, cmd: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}-{len(self.procs)}.log", "wb")  # noqa: SIM115 - closed with the process
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        log.close()
        self.procs.append(p)
        return p

    def add_worker(self) -> subprocess.Popen:
        w = self._start([str(self.bindir / "dask"), "worker", self.addr, "--nthreads", "1", "--no-nanny",
                         "--no-dashboard", "--host", "127.0.0.1", "--memory-limit", "2GB"], "worker")
        self.workers.append(w)
        return w

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        deadline = time.time() + 90
        while True:
            try:
                with Client(self.addr, timeout="3s") as c:
                    c.wait_for_workers(n, timeout=max(1, deadline - time.time()))
                return
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)

    def close(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
def cluster(tmp_path):
    pytest.importorskip("distributed")
    c = Cluster(tmp_path)
    try:
        c.add_worker()
        c.add_worker()
        c.wait_for_workers(2)
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def local_2010(tmp_path_factory):
    """What a local ingest of the 2010 pages makes (embedded archive)."""
    if not (CORPUS / "cablegate-2010").is_dir():
        pytest.skip(f"real corpus not found at {CORPUS}")
    db = tmp_path_factory.mktemp("local") / "db"
    with open_archive(db) as a:
        rep = a.ingest([CORPUS / "cablegate-2010"])
        assert rep.ok, rep.failures
        return {"refs": a.ref_ids(), "stats": a.stats(), "inputs": rep.inputs, "press": len(rep.press),
                "site_pages": len(rep.site_pages)}


def _same_as_local(url: str, local: dict) -> None:
    with open_archive(url, create=False) as a:
        check = a.check()
        assert check.ok, check
        assert a.ref_ids() == local["refs"]
        s, want = a.stats(), local["stats"]
        assert (s.cables, s.sources, s.raw_inputs) == (want.cables, want.sources, want.raw_inputs)
        assert a.search_results("", limit=1).total == want.cables  # every record indexed once


def test_cluster_ingest_with_a_worker_killed_and_one_joining(pg_db, local_2010, cluster, corpus):
    url = pg_url(pg_db)
    killed: list[int] = []

    def on_progress(r):
        if not killed and r.inputs >= 200:  # some units stored: kill a worker in the middle of the run
            w = cluster.workers[0]
            w.send_signal(signal.SIGKILL)
            killed.append(w.pid)
            cluster.add_worker()  # and another joins while the run goes on

    with open_archive(url) as a:
        rep = a.ingest([corpus / "cablegate-2010"], dask=cluster.addr, unit_inputs=16, on_progress=on_progress)
    assert killed, "the run ended before a worker could be killed"
    assert cluster.workers[0].wait(timeout=10) == -signal.SIGKILL
    assert rep.ok, rep.failures
    assert rep.cluster and cluster.addr in rep.cluster
    assert rep.inputs == rep.total == local_2010["inputs"]
    assert rep.cables == len(local_2010["refs"])
    assert (len(rep.press), len(rep.site_pages)) == (local_2010["press"], local_2010["site_pages"])
    _same_as_local(url, local_2010)


RESTARTED = """
import os, signal, sys
from cablebase import open_archive
from cablebase.pipeline import dask_ingest
dask_ingest.DRAIN_EVERY_S = 0.0  # record every unit done as soon as it is: the kill below lands after some are
def progress(r):
    if r.inputs >= int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)
with open_archive(sys.argv[1]) as a:
    a.ingest([sys.argv[4]], dask=sys.argv[2], unit_inputs=16, on_progress=progress)
"""


def test_a_killed_client_resumes(pg_db, local_2010, cluster, corpus):
    url = pg_url(pg_db)
    pages = str(corpus / "cablegate-2010")
    p = subprocess.run([sys.executable, "-c", RESTARTED, url, cluster.addr, "500", pages],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == -signal.SIGKILL, p.stderr
    with open_archive(url, create=False) as a:
        part = a.stats().cables
    assert 0 < part < len(local_2010["refs"])
    with open_archive(url) as a:
        rep = a.ingest([pages], dask=cluster.addr, unit_inputs=16)
    assert rep.ok, rep.failures
    assert 0 < rep.resumed < rep.total == local_2010["inputs"]
    assert rep.inputs == rep.total
    assert (len(rep.press), len(rep.site_pages)) == (local_2010["press"], local_2010["site_pages"])
    _same_as_local(url, local_2010)
    with open_archive(url) as a:  # a finished run leaves no marks: the same ingest reads everything again
        again = a.ingest([pages], dask=cluster.addr, unit_inputs=16)
    assert again.resumed == 0 and again.stored == 0 and again.ok


def test_a_database_made_again_under_the_same_name_gets_its_own_index(pg_db, corpus):
    url = pg_url(pg_db)
    pages = sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))
    with open_archive(url) as a:
        a.ingest(pages[:20], workers=0)
        assert a.check().ok
    drop_pg_database(pg_db)
    with open_archive(url) as a:  # another archive under the same name, the same index directory
        a.ingest(pages[20:25], workers=0)
        check = a.check()
        assert check.ok, check
        assert a.search_results("", limit=1).total == 5


def test_inputs_by_url_and_enrich_on_the_cluster_reading_the_records_on_the_workers(pg_db, cluster, corpus):
    url = pg_url(pg_db)
    pages = sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))[:12]
    with open_archive(url) as a:
        got = a.ingest([p.as_uri() for p in pages], dask=cluster.addr)  # by URL (fsspec), as s3://… would be
        assert got.ok and got.cables == 12, got.failures
        assert all(a.sources(r)[0].location.startswith("file:///") for r in a.ref_ids())
        rep = a.enrich(dask=cluster.addr, similar=False, articles=False)
        assert rep.ok, rep.failures
        assert (rep.mode, rep.workers, rep.enriched) == ("dask", 2, 12)
        assert a.entities.counts()["documents"] == 12
        assert a.enrich(dask=cluster.addr, similar=False, articles=False).enriched == 0  # incremental


def test_versions_of_one_cable_written_at_once_by_two_workers(pg_db, cluster, tmp_path):
    """A tar archive's members, one a unit: the versions of a cable reach the two workers at the
    same time; each cable ends with all its versions, once, as a local ingest leaves it."""
    tar = CORPUS / "cablegate-html-versions" / "versions.tar.xz"
    if not tar.is_file():
        pytest.skip(f"real corpus not found at {tar}")
    url = pg_url(pg_db)
    with open_archive(tmp_path / "local") as local:
        want = local.ingest([tar])
        assert want.ok, want.failures
        refs = local.ref_ids()
        versions = {r: len(local.sources(r)) for r in refs}
    with open_archive(url) as a:
        rep = a.ingest([tar], dask=cluster.addr, unit_inputs=1)
        assert rep.ok, rep.failures
        assert (rep.inputs, rep.cables) == (want.inputs, want.cables)
        assert a.ref_ids() == refs
        assert {r: len(a.sources(r)) for r in refs} == versions
        check = a.check()
        assert check.ok, check
