"""No traceback reaches a user from any command (issue 17): each command run with bad input
says what is wrong in a line and exits non-zero, never with an exception's stack.

Every leaf command of ``cablebase`` is listed here with bad input; a new command missing from
the list fails ``test_every_command_is_tried``."""

from __future__ import annotations

import click
import pytest
import typer
from typer.testing import CliRunner

from cablebase.cli import app

BAD: list[list[str]] = [
    ["parse", "/nonexistent/x.html"],
    ["parse", "--format", "nosuch", "/nonexistent/x.html"],
    ["ingest", "/nonexistent/dir"],
    ["show", "NOSUCHREF"],
    ["show", "'; DROP TABLE cables; --"],
    ["search", "tag:"],
    ["search", '"unclosed phrase'],
    ["search", "a*"],
    ["search", "(((("],
    ["search", "created:notadate"],
    ["stats"],
    ["reindex"],
    ["check"],
    ["migrate", "--to", "postgresql://nobody@127.0.0.1:1/nothing"],
    ["poll", "--all"],
    ["enrich", "--workers", "1"],
    ["serve", "--port", "70000"],
    ["export", "--format", "xml"],
    ["export", "-q", "(((("],
    ["audit"],
    ["like", "/nonexistent/article.html"],
    ["like", "http://127.0.0.1:9/article"],
    ["like", "GARBAGE"],
    ["channel", "add", ""],
    ["channel", "list"],
    ["channel", "remove", "nosuch"],
    ["channel", "show", "nosuch"],
    ["channel", "images", "nosuch"],
    ["feed", "add", "not a url"],
    ["feed", "add", "http://127.0.0.1:9/feed"],
    ["feed", "add", "ftp://example.org/feed"],
    ["feed", "list"],
    ["feed", "remove", "999"],
    ["feed", "enable", "nosuch"],
    ["feed", "import", "/nonexistent.opml"],
    ["feed", "import", "GARBAGE"],
    ["feed", "export"],
    ["watch", "add", "(((("],
    ["watch", "add", "cuba", "--webhook", "http://127.0.0.1:9/hook"],
    ["watch", "list"],
    ["watch", "remove", "999"],
    ["watch", "log", "999"],
    ["watch", "run", "--once"],
    ["entity", "show", "Nobody At All"],
    ["entity", "list"],
    ["user", "add", "bad name!", "--role", "god"],
    ["user", "list"],
    ["user", "revoke", "nosuch"],
    ["user", "rotate", "nosuch"],
    ["notes", "add", "NOSUCHREF", "a note"],
    ["notes", "list"],
    ["notes", "export", "--format", "xml"],
]


def _leaves() -> set[str]:
    root = typer.main.get_command(app)
    out: set[str] = set()

    def walk(c: click.Command, path: list[str], ctx: click.Context) -> None:
        if hasattr(c, "list_commands"):
            for n in c.list_commands(ctx):
                walk(c.get_command(ctx, n), [*path, n], ctx)  # type: ignore[arg-type]
        else:
            out.add(" ".join(path))

    walk(root, [], type(root).context_class(root))
    return out


def _name(args: list[str]) -> str:
    leaves = _leaves()
    return next(" ".join(args[:n]) for n in (2, 1) if " ".join(args[:n]) in leaves)


def test_every_command_is_tried():
    assert _leaves() - {_name(a) for a in BAD} == set()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = tmp_path_factory.mktemp("no-traceback")
    from cablebase import open_archive

    open_archive(d / "archive").close()
    (d / "GARBAGE").write_bytes(b"\x00\xff<opml><body><outline xmlUrl='javascript:x'/>")
    return d


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_gets_a_message_not_a_traceback(db, args, monkeypatch):
    monkeypatch.setenv("CABLEBASE_DB", str(db / "archive"))
    monkeypatch.delenv("CABLEBASE_NET_ALLOW", raising=False)
    monkeypatch.chdir(db)
    r = CliRunner().invoke(app, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), (args, r.output, repr(r.exception))
    assert "Traceback" not in r.output, r.output
