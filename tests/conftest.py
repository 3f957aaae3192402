from __future__ import annotations

import functools
import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture()
def srv():
    """A real feed server on 127.0.0.1 for the test (``tests/feedserver.py``)."""
    from feedserver import FeedServer

    s = FeedServer()
    yield s
    s.close()


# -- the storage contract: one suite, both backends ----------------------------------------
PG_ADMIN_URL = os.environ.get("CABLEBASE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
"""The PostgreSQL the contract tests make their databases on (``.ci/run`` starts one here)."""


@functools.cache
def pg_unavailable() -> str | None:
    """Why PostgreSQL cannot be used for tests (None: it can)."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as c:
            c.execute("SELECT 1")
    except Exception as e:  # noqa: BLE001 - any failure means: skip the PostgreSQL half, saying why
        return f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(e).__name__}: {str(e).strip()[:120]})"
    return None


def pg_url(name: str) -> str:
    """``PG_ADMIN_URL`` naming the database ``name`` instead."""
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Each contract test runs on both backends; the PostgreSQL half is skipped, saying why,
    where no PostgreSQL answers."""
    if request.param == "postgresql" and pg_unavailable():
        pytest.skip(pg_unavailable())
    return request.param


@pytest.fixture
def archive_settings(backend: str, tmp_path: Path):
    """``Settings`` of a new, empty archive on ``backend`` (its database dropped afterwards)."""
    from cablebase.config import Settings

    if backend == "sqlite":
        yield Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000)
        return
    name = f"cbtest_{uuid.uuid4().hex[:12]}"
    yield Settings(db_dir=tmp_path / "pg-index", db_url=pg_url(name), index_heap_bytes=50_000_000)
    drop_pg_database(name)


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

