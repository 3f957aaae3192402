"""The PostgreSQL the tests make their databases on, and whether there is one (``.ci/run``
starts one at 127.0.0.1:5432; ``CABLEBASE_TEST_PG`` names another)."""

from __future__ import annotations

import functools
import os
from urllib.parse import urlsplit, urlunsplit

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


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


