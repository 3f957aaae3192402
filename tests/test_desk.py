"""The team desk on the ``Archive`` face, on both backends: users and tokens, logins and their
rate limit, notes (targets, authors, history, ``note:`` search, export), the audit log; and
the CLI (``cablebase user|notes|audit``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cablebase import DeskError, LoginRefused
from cablebase.archive import Archive
from cablebase.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
INPUTS = [FIXTURES / "cables-sample.csv"]


@pytest.fixture
def archive(archive_settings):
    a = Archive(archive_settings)
    a.ingest(INPUTS)
    yield a
    a.close()


def a_cable_with_paragraphs(archive) -> tuple[str, int]:
    for c in archive.cables():
        nums = [p.number for p in c.paragraphs if p.number is not None]
        if nums:
            return c.ref_id, nums[0]
    raise AssertionError("the sample has no cable with numbered paragraphs")


def test_users_tokens_hashed_rotated_revoked(archive):
    user, token = archive.add_user("ann", "editor")
    assert user["name"] == "ann" and user["role"] == "editor" and len(token) > 40
    assert archive.user_for_token(token)["name"] == "ann"
    assert archive.user_for_token(token + "x") is None
    assert "token" not in json.dumps(archive.users())
    with pytest.raises(DeskError) as e:
        archive.add_user("ann", "reader")
    assert e.value.kind == "conflict"
    with pytest.raises(DeskError):
        archive.add_user("bob", "superuser")
    _, new = archive.rotate_token("ann")
    assert archive.user_for_token(token) is None and archive.user_for_token(new)["name"] == "ann"
    archive.revoke_user("ann")
    assert archive.user_for_token(new) is None
    assert [u["revoked"] for u in archive.users()] == [1]
    with pytest.raises(DeskError):
        archive.rotate_token("ann")
    actions = [r["action"] for r in archive.audit_log()]
    assert actions == ["user.revoke", "user.rotate", "user.add"]


def test_login_sessions_and_rate_limit(archive):
    _, token = archive.add_user("ann", "reader")
    user, cookie = archive.login("ann", token, address="10.0.0.1")
    assert user["name"] == "ann" and archive.session_user(cookie)["name"] == "ann"
    archive.logout(cookie)
    assert archive.session_user(cookie) is None
    with pytest.raises(LoginRefused) as e:
        archive.login("ann", "wrong", address="10.0.0.2")
    assert e.value.retry_after is None
    for _ in range(4):
        with pytest.raises(LoginRefused):
            archive.login("ann", "wrong", address="10.0.0.2", max_failures=5)
    with pytest.raises(LoginRefused) as e:  # the right token, but this address failed 5 times
        archive.login("ann", token, address="10.0.0.2", max_failures=5)
    assert e.value.retry_after is not None and 0 < e.value.retry_after <= 300
    with pytest.raises(LoginRefused) as e:  # the name failed 5 times too, from anywhere
        archive.login("ann", token, address="10.0.0.3", max_failures=5)
    assert e.value.retry_after is not None
    _, cookie = archive.login("ann", token, address="10.0.0.3", max_failures=50)  # a wider limit lets it through
    # a rotated token ends the sessions made with the old one
    archive.rotate_token("ann")
    assert archive.session_user(cookie) is None
    audit = archive.audit_log(limit=50)
    assert {"login", "login.failed", "login.limited", "logout"} <= {r["action"] for r in audit}
    assert all(token not in json.dumps(r) and "wrong" not in json.dumps(r) for r in audit)


def test_notes_targets_history_search_export(archive):
    ref, num = a_cable_with_paragraphs(archive)
    n1 = archive.add_note(ref, "Check the source with Maria", author="ann")
    assert n1["target"] == ref and n1["version"] == 1 and n1["author"] == "ann"
    n2 = archive.add_note(f"{ref}#par{num}", "This paragraph names the minister", author="bob")
    assert n2["paragraph"] == f"par{num}" and n2["target"] == f"{ref}#par{num}"
    assert archive.add_note(f"{ref}#{num}", "same paragraph, short form")["paragraph"] == f"par{num}"
    with pytest.raises(DeskError) as e:
        archive.add_note(f"{ref}#par9999", "no such paragraph")
    assert e.value.kind == "not_found"
    with pytest.raises(DeskError):
        archive.add_note("99NOWHERE1", "no such cable")
    with pytest.raises(DeskError):
        archive.add_note(424242, "no such article")
    with pytest.raises(DeskError):
        archive.add_note(ref, "   ")
    assert [n["id"] for n in archive.notes_on(ref)] == [n1["id"], n2["id"], n2["id"] + 1]
    assert [n["id"] for n in archive.notes_on(f"{ref}#par{num}")] == [n2["id"], n2["id"] + 1]
    # only the author edits; every version is kept
    with pytest.raises(DeskError) as e:
        archive.edit_note(n1["id"], "hijacked", author="bob")
    assert e.value.kind == "forbidden"
    v = archive.notes_version()
    edited = archive.edit_note(n1["id"], "Check the source with Maria and Pedro", author="ann")
    assert edited["version"] == 2 and archive.notes_version() > v
    assert [h["text"] for h in archive.note_history(n1["id"])] == ["Check the source with Maria",
                                                                  "Check the source with Maria and Pedro"]
    # searchable: note: resolves to the cables whose notes hold the words
    assert [h.ref_id for h in archive.search("note:pedro")] == [ref]
    assert [h.ref_id for h in archive.search('note:"names the MINISTER"')] == [ref]
    assert archive.search("note:nobodywrotethis") == []
    assert archive.search("note:100%") == []  # LIKE's wildcards are taken literally
    assert len(list(archive.notes())) == 3
    assert [r["action"] for r in archive.audit_log()][:2] == ["note.edit", "note.add"]


def test_notes_on_articles(archive, tmp_path):
    feed = tmp_path / "f.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://e.org/</link>'
                    '<item><title>A</title><link>https://e.org/a</link><guid>a</guid><description>words</description>'
                    "</item></channel></rss>", encoding="utf-8")
    archive.add_local_feed(feed)
    archive.poll(all_feeds=True)
    aid = archive.channels.channel_articles("T")[1][0]["id"]
    n = archive.add_note(aid, "about the article")
    assert n["article_id"] == aid and n["target"] == f"article:{aid}" and n["author"] == "local"
    assert [x["id"] for x in archive.notes_on(f"article:{aid}")] == [n["id"]]


# -- the CLI ---------------------------------------------------------------------------------------
runner = CliRunner()


def test_cli_user_and_notes(tmp_path):
    db = str(tmp_path / "db")
    r = runner.invoke(app, ["ingest", "--db", db, str(INPUTS[0])])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "add", "ann", "--role", "admin", "--json", "--db", db])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) == {"name", "role", "token"} and out["role"] == "admin"
    token = out["token"]
    r = runner.invoke(app, ["user", "list", "--db", db])
    assert "ann" in r.stdout and token not in r.stdout
    r = runner.invoke(app, ["user", "list", "--json", "--db", db])
    assert json.loads(r.stdout)[0]["name"] == "ann" and token not in r.stdout
    assert runner.invoke(app, ["user", "add", "ann", "--db", db]).exit_code == 1
    assert runner.invoke(app, ["user", "add", "zed", "--role", "boss", "--db", db]).exit_code == 1
    r = runner.invoke(app, ["user", "rotate", "ann", "--json", "--db", db])
    new = json.loads(r.stdout)["token"]
    assert new != token
    assert runner.invoke(app, ["user", "revoke", "ann", "--db", db]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["user", "list", "--db", db]).stdout
    r = runner.invoke(app, ["serve", "--private", "--db", db], env={"CABLEBASE_WEB_TOKEN": "", "CABLEBASE_WEB_PRIVATE": ""})  # restored after
    assert r.exit_code == 1 and "no user can sign in" in r.output  # a private server nobody could use
    with _open(db) as a:
        ref = next(iter(sorted(a.ref_ids())))
    r = runner.invoke(app, ["notes", "add", ref, "a note from the CLI", "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["notes", "export", "--json", "--db", db])
    notes = json.loads(r.stdout)
    assert [(n["target"], n["author"], n["text"]) for n in notes] == [(ref, "local", "a note from the CLI")]
    r = runner.invoke(app, ["notes", "export", "--format", "csv", "--db", db])
    assert r.stdout.splitlines()[0].startswith("id,target") and "a note from the CLI" in r.stdout
    r = runner.invoke(app, ["audit", "--json", "--db", db])
    acts = [x["action"] for x in json.loads(r.stdout)]
    assert acts == ["note.add", "user.revoke", "user.rotate", "user.add"]
    assert token not in r.stdout and new not in r.stdout


def _open(db: str):
    from cablebase import open_archive

    return open_archive(db, create=False)


def test_private_server_on_each_backend(archive, archive_settings):
    """The team server over HTTP on this backend: tokens, a note, note: search, a login, the audit log."""
    from fastapi.testclient import TestClient

    from cablebase import WebSettings
    from cablebase.web.app import create_app

    ref = sorted(archive.ref_ids())[0]
    _, tok = archive.add_user("ed", "editor")
    h = {"Authorization": f"Bearer {tok}"}
    with TestClient(create_app(archive_settings, WebSettings(private=True)), raise_server_exceptions=False) as c:
        assert c.get("/").status_code == 401 and c.get("/", headers=h).status_code == 200
        r = c.post("/api/notes", json={"target": ref, "text": "backend note <script>x</script>"}, headers=h)
        assert r.status_code == 201, r.text
        page = c.get(f"/cable/{ref}", headers=h).text
        assert "backend note" in page and "<script>x" not in page
        assert c.get("/api/search?q=note:backend", headers=h).json()["total"] == 1
        assert c.post("/login", data={"name": "ed", "token": tok}, follow_redirects=False).status_code == 303
        assert c.get("/api/audit", headers=h).status_code == 403
    assert {"note.add", "login"} <= {r["action"] for r in archive.audit_log()}
