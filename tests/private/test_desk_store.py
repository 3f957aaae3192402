"""The desk's tables themselves (``_store.desk_tables``), on both backends: secrets never
stored, the audit log append-only in the database itself, reads that create nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cablebase._store import dialect
from cablebase.archive import Archive

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def archive(archive_settings):
    a = Archive(archive_settings)
    a.ingest([FIXTURES / "cables-sample.csv"])
    yield a
    a.close()


def test_reading_creates_no_desk_tables(archive):
    """An archive without a desk (an older one, perhaps read-only) answers reads without writing."""
    ref = next(iter(archive.ref_ids()))
    assert archive.notes_version() == 0 and archive.users() == [] and archive.audit_log() == []
    assert archive.notes_on(ref) == [] and archive.user_for_token("cbt_x") is None and not archive.has_users()
    assert archive.search("note:anything") == []
    assert not dialect.tables(archive._store.db, ("users", "notes", "audit_log"))
    archive.add_note(ref, "now there is one")
    assert archive.notes_version() > 0 and len(archive.notes_on(ref)) == 1


def test_secrets_not_stored(archive):
    _, token = archive.add_user("ann", "editor")
    _, cookie = archive.login("ann", token, address="10.0.0.1")
    _, rotated = archive.rotate_token("ann")
    db = archive.desk.db
    for table in ("users", "sessions", "audit_log"):
        text = " ".join(" ".join(map(str, row)) for row in db.execute(f"SELECT * FROM {table}"))
        for secret in (token, cookie, rotated):
            assert secret not in text and secret[4:20] not in text, table


def test_audit_log_refuses_update_and_delete(archive):
    archive.add_user("ann", "reader")
    db = archive.desk.db
    for sql in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(Exception) as e:
            db.execute(sql)
        assert "append-only" in str(e.value)
        if db.in_transaction:
            db.execute("ROLLBACK")
    assert [(r["actor"], r["action"]) for r in archive.audit_log()] == [("local", "user.add")]
