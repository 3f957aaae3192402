from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from pgtest import drop_pg_database, pg_unavailable, pg_url

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

