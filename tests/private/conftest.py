"""Fixtures for the tests of private parts (``cablebase._store``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def archive_db(backend: str, archive_settings):
    """A bare connection to a new, empty database on ``backend`` (for the channel and entity
    tables, which make themselves on any connection the archive uses)."""
    if backend == "sqlite":
        import sqlite3

        conn = sqlite3.connect(":memory:", isolation_level=None)
    else:
        from cablebase._store.pg import connect

        conn = connect(archive_settings.db_url)
    yield conn
    conn.close()
