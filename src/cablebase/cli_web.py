"""``cablebase serve`` (the web archive) and ``cablebase export`` (JSON Lines / CSV).

``register(app)`` adds both commands to the main typer app.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli_options import DbOpt, JsonOpt
from .config import DB_ENV



def _err(msg: str) -> None:
    typer.echo(f"error: {' '.join(msg.split())}", err=True)


def serve_cmd(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[Optional[int], typer.Option(min=1, max=64, help="Worker processes (default: one per CPU, at most 4).")] = None,
    token_file: Annotated[Optional[Path], typer.Option(
        "--token-file", help="File whose first line is the token that turns on write actions (add feed, poll now). "
        "Default: $CABLEBASE_WEB_TOKEN; without one the server is read-only.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="Public URL of the site, for absolute links in feeds.")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = False,
    private: Annotated[bool, typer.Option("--private", help="Every page, JSON endpoint, feed and export needs a user's "
                                          "token (Authorization: Bearer) or a browser session from /login "
                                          "(users: `cablebase user add`).")] = False,
) -> None:
    """Serve the archive on the web: pages, JSON API (/docs), Atom feeds, exports; and deliver
    the watches' webhooks (a pass every few seconds)."""
    import uvicorn

    from . import Archive, CablebaseError, Settings
    from . import open_archive
    from .config import BASE_URL_ENV, PRIVATE_ENV, TOKEN_ENV, read_token_file

    try:
        if token_file is not None:
            tok = read_token_file(token_file)
            if not tok:
                raise ValueError(f"token file {token_file} is empty")
            os.environ[TOKEN_ENV] = tok
        if base_url:
            os.environ[BASE_URL_ENV] = base_url
        if private:
            os.environ[PRIVATE_ENV] = "1"
        settings = Settings.load(db)  # the environment, read once; the workers read it again
        ws = settings.web.check()
        if not settings.is_pg and not settings.sqlite_path.exists():
            raise CablebaseError(f"no archive at {settings.db_dir} (nothing ingested yet; see `cablebase ingest`)")
        # building the app once here reports a broken archive before any worker starts
        from .web.app import create_app

        create_app(settings)
        if ws.private:
            with open_archive(settings=settings, create=False) as archive:
                if not archive.has_users() and not ws.token:
                    raise CablebaseError("--private, but no user can sign in: add one first "
                                         "(cablebase user add NAME --role admin)")
    except (CablebaseError, ValueError) as e:
        _err(str(e))
        raise typer.Exit(1) from None
    os.environ[DB_ENV] = settings.db_url or str(settings.db_dir.resolve())
    n = workers or max(1, min(4, os.cpu_count() or 1))
    mode = "private: users sign in" if ws.private else "public reading; writes need an editor's token"
    typer.echo(f"cablebase: serving {settings.db_dir} on http://{host}:{port}/ ({n} worker{'s' if n > 1 else ''}, {mode})",
               err=True)
    kw: dict = {}
    try:
        import uvloop  # noqa: F401

        kw["loop"] = "uvloop"
    except ImportError:
        pass
    try:
        import httptools  # noqa: F401

        kw["http"] = "httptools"
    except ImportError:
        pass
    # the watches' deliveries: one thread beside the workers, a pass every few seconds
    deliverer = Archive(settings, create=False, lazy=True).watch_deliverer()
    deliverer.start()
    try:
        uvicorn.run("cablebase.web.app:app_from_env", factory=True, host=host, port=port, workers=n,
                    log_level=log_level, access_log=access_log, server_header=False, proxy_headers=False, **kw)
    finally:
        deliverer.stop()


def export_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl (one full record per line), csv, or ftm (FollowTheMoney entities for Aleph).")] = "jsonl",
    query: Annotated[str, typer.Option("--query", "-q", help="Full-text query; empty: every cable.")] = "",
    origin: Annotated[Optional[str], typer.Option(help="Only cables from this origin.")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="Only cables with this TAG (repeat for several).")] = None,
    classification: Annotated[Optional[str], typer.Option(help="Only cables with this classification.")] = None,
    year: Annotated[Optional[int], typer.Option(help="Only cables created in this year.")] = None,
    sort: Annotated[str, typer.Option(help="ref_id, newest or oldest.")] = "ref_id",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    db: DbOpt = None,
) -> None:
    """Export the cables a search matches (all by default), streamed, as JSON Lines or CSV."""
    from . import CablebaseError, SearchFilters, Settings
    from .pipeline.ftm import stream as ftm_stream  # followthemoney: loaded where used (as the web)
    from .web import export as ex
    from .web.archive import WebArchive

    if fmt not in (*ex.FORMATS, "ftm"):
        raise typer.BadParameter(f"unknown format {fmt!r}; known: {', '.join(ex.FORMATS)}", param_hint="--format")
    if sort not in ("ref_id", "newest", "oldest"):
        raise typer.BadParameter("sort must be ref_id, newest or oldest", param_hint="--sort")
    filters = SearchFilters(origin=origin, classification=classification, year=year,
                            tags=tuple(t.strip().upper() for t in tag or () if t.strip()))
    try:
        settings = Settings.load(db)
        arch = WebArchive(settings, replace(settings.web, cache=False))
        try:
            refs = ex.plan(arch, query, filters, sort)
            out = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
            try:
                chunks = (ftm_stream(arch.archive, refs, base_url=settings.web.base_url) if fmt == "ftm" else
                          ex.stream(arch.archive, refs, fmt, query=query, filters=filters, base_url=settings.web.base_url))
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
            finally:
                if output:
                    out.close()
        finally:
            arch.close()
    except (CablebaseError, ValueError, OSError) as e:
        _err(str(e))
        raise typer.Exit(1) from None
    except BrokenPipeError:  # `| head`
        os._exit(0)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``export`` to the main ``cablebase`` app."""
    app.command("serve")(serve_cmd)
    app.command("export")(export_cmd)


def main() -> None:  # pragma: no cover - ``python -m cablebase.cli_web serve|export`` before cli.py wires them
    standalone = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
    register(standalone)
    standalone()


if __name__ == "__main__":  # pragma: no cover
    main()
