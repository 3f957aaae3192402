"""The ``cablebase`` command line: thin wrappers over parse, pipeline and store.

Every archive command takes ``--db PATH`` (or ``$CABLEBASE_DB``): a directory holding
``cablebase.sqlite`` and ``index/``. Errors go to stderr, one line each, naming the input
and what is wrong; the exit code is 1 when anything failed.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Optional

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .cli_options import DbOpt, JsonOpt
from . import (
    Archive,
    BadQuery,
    CablebaseError,
    Failure,
    IngestReport,
    Outcome,
    SearchFilters,
    __version__,
    is_provisional,
    open_archive,
    parse_files,
)
from . import cli_desk, cli_enrich, cli_feeds, cli_like, cli_watch, cli_web
from .cli_progress import enrichment_line
from .cli_show import render_cable, show_json
from .config import INDEX_COMMIT_EVERY, MAX_INPUT_BYTES
from .parse import FORMATS

app = typer.Typer(
    name="cablebase",
    help="Diplomatic cables: parse, ingest, search and show them from a local archive.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(cli_feeds.channel_app, name="channel")
app.add_typer(cli_feeds.feed_app, name="feed")
app.add_typer(cli_watch.watch_app, name="watch")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

FormatOpt = Annotated[
    Optional[str],
    typer.Option("--format", "-f", help=f"Input form, instead of detecting it: {', '.join(FORMATS)}."),
]
MaxBytesOpt = Annotated[
    int, typer.Option("--max-bytes", help="Refuse (unread) any input larger than this many bytes.", min=1)
]
PathsArg = Annotated[list[str], typer.Argument(
    help="Files, directories or tar archives (with --dask, also URLs: s3://…, file://…).", show_default=False)]


def error_line(message: str) -> None:
    """One line on stderr (never wrapped, so each failure stays greppable)."""
    err.print(Text("error: ", style="bold red") + Text(" ".join(message.split())), soft_wrap=True)


def print_failure(f: Failure) -> None:
    error_line(str(f))


def _json_line(obj: object) -> None:
    sys.stdout.write(orjson.dumps(obj).decode("utf-8") + "\n")


def _check_format(fmt: str | None) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}", param_hint="--format")


@contextmanager
def _archive(db: str | None, *, create: bool = False, **overrides: object) -> Iterator[Archive]:
    try:
        st = open_archive(db, create=create, **overrides)
    except (CablebaseError, ValueError) as e:
        error_line(str(e))
        raise typer.Exit(1) from None
    try:
        yield st
    except CablebaseError as e:
        error_line(str(e))
        raise typer.Exit(1) from None
    finally:
        try:
            st.close()
        except CablebaseError as e:  # e.g. the final index commit failed
            error_line(str(e))
            raise typer.Exit(1) from None


# -- progress -------------------------------------------------------------------------------
class _CountColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        total = f"/{int(task.total)}" if task.total is not None else ""
        return Text(f"{int(task.completed)}{total}", style="progress.download", no_wrap=True)


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        n = task.fields.get("cables", task.completed)
        rate = n / elapsed if elapsed else 0.0
        return Text(f"{rate:,.0f} cables/s", style="progress.data.speed", no_wrap=True)


class _ErrorsColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        n = task.fields.get("errors", 0)
        return Text(f"{n} error{'s' if n != 1 else ''}", style="bold red" if n else "dim", no_wrap=True)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(bar_width=20),
        _CountColumn(),
        _RateColumn(),
        _ErrorsColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )


# -- commands -------------------------------------------------------------------------------
def _version(value: bool) -> None:
    if value:
        out.print(f"cablebase {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Diplomatic cables: parse, ingest, search and show them from a local archive."""


@app.command("parse")
def parse_cmd(
    paths: PathsArg,
    as_json: JsonOpt = False,
    fmt: FormatOpt = None,
    max_bytes: MaxBytesOpt = MAX_INPUT_BYTES,
) -> None:
    """Parse inputs and print the records (no archive involved)."""
    _check_format(fmt)
    failed = 0
    table = Table(box=None)
    table.add_column("ref_id", no_wrap=True, min_width=12, style="cyan")
    table.add_column("created", no_wrap=True)
    table.add_column("classification")
    table.add_column("origin")
    table.add_column("¶", justify="right")
    table.add_column("subject", ratio=1)
    for parsed in parse_files(paths, fmt=fmt, max_bytes=max_bytes, workers=0):
        result = parsed.result
        if isinstance(result, Failure):
            failed += 1
            print_failure(result)
            continue
        for c in result:
            if as_json:
                _json_line(c.to_dict())
            else:
                table.add_row(
                    c.ref_id or "?", (c.created or "")[:10], c.classification or "", c.origin or "",
                    str(len(c.paragraphs)), escape(c.subject or ""),
                )
    if not as_json and table.row_count:
        out.print(table)
    if failed:
        raise typer.Exit(1)


@app.command("ingest")
def ingest_cmd(
    paths: PathsArg,
    fmt: FormatOpt = None,
    db: DbOpt = None,
    max_bytes: MaxBytesOpt = MAX_INPUT_BYTES,
    workers: Annotated[
        Optional[int],
        typer.Option(
            "--workers", "-j", min=0, show_default=False,
            help="Parser processes; 0 parses in this process. Default: one per CPU less the writer's, for big inputs.",
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Cables per transaction.", min=1)] = 256,
    dask: Annotated[Optional[str], typer.Option(
        "--dask", help="Read and parse on a Dask cluster: its scheduler, e.g. tcp://10.0.0.5:8786 (README).")] = None,
    dask_store: Annotated[Optional[str], typer.Option(
        "--dask-store", help="With --dask: who writes the records, 'workers' (PostgreSQL) or 'client'.")] = None,
) -> None:
    """Parse inputs and store them (raw bytes + records) in the archive, indexed for search."""
    _check_format(fmt)
    with _archive(
        db, create=True, max_input_bytes=max_bytes, batch_size=batch_size, index_commit_every=INDEX_COMMIT_EVERY
    ) as st, _progress() as progress:
        task = progress.add_task("inputs", total=None, cables=0, errors=0)

        def on_progress(r: IngestReport) -> None:
            if r.cluster and task not in shown:
                shown.add(task)
                progress.console.print(f"dask {r.cluster}", soft_wrap=True, markup=False, highlight=False)
            progress.update(task, total=r.total, completed=r.inputs, cables=r.cables, errors=len(r.failures))

        shown: set[object] = set()
        try:
            report = st.ingest(paths, fmt=fmt, workers=workers, on_error=print_failure, on_progress=on_progress,
                               dask=dask, dask_store=dask_store)
        except (OSError, ValueError) as e:  # the scheduler cannot be reached, a bad --dask-store
            if not dask:
                raise
            error_line(f"ingest on the Dask cluster {dask} failed: {e}")
            raise typer.Exit(1) from None
    _print_ingest_summary(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_ingest_summary(r: IngestReport) -> None:
    o = r.outcomes
    parts = [
        f"{o[Outcome.NEW]} new",
        f"{o[Outcome.UPDATED]} updated",
        f"{o[Outcome.VERSION]} other versions",
        f"{o[Outcome.UNCHANGED]} unchanged",
    ]
    failed = f"[bold red]{len(r.failures)} failed[/]" if r.failures else "0 failed"
    err.print(
        f"{r.inputs} inputs, {r.cables} cables: {', '.join(parts)}; {failed}"
        f" in {r.elapsed:.1f} s ({r.rate:,.0f} cables/s)",
        soft_wrap=True,
    )
    if r.press_stored is not None:
        ps = r.press_stored
        err.print(f"{len(r.press)} articles of the press in {len(ps.channels)} channels"
                  f" ({ps.articles} new or changed, {ps.same} unchanged; {ps.links} links to cables):"
                  " cablebase channel list", soft_wrap=True)
    if r.site_pages:
        notes = "".join(f"; {loc}: {why}" for loc, why in r.site_notes.items())
        err.print(f"{len(r.site_pages)} site pages without a cable (About, listings …) skipped{notes}",
                  soft_wrap=True, markup=False, highlight=False)
    if r.unreferenced:
        keys = ", ".join(r.provisional[:3]) + (" …" if len(r.provisional) > 3 else "")
        known = r.unreferenced - len(r.provisional)
        err.print(f"{r.unreferenced} without a reference ID, stored as {keys or 'versions of known cables'}"
                  + (f" ({known} as versions of the known cables with their text)" if known and keys else ""),
                  soft_wrap=True)
    if r.resumed:
        err.print(f"{r.resumed} inputs stored by an earlier, interrupted run of the same ingest: skipped")
    if r.index_stale:
        err.print("[yellow]search index is behind the records: run `cablebase reindex`[/]")


@app.command("show")
def show_cmd(
    ref_id: Annotated[str, typer.Argument(help="Reference ID or any other name of the cable (09LONDON2187,"
                                               " 1974ATHENS02959, UNREF-…), e.g. 09ANKARA1561.")],
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Show one cable: metadata, paragraphs, and the sources it was found in."""
    with _archive(db) as st:
        refs = st.resolve(ref_id)
        if len(refs) != 1:
            many = f" (a name of {len(refs)} cables: {', '.join(refs)})" if refs else ""
            error_line(f"{ref_id}: no such cable in {st.settings.db_dir}{many}")
            raise typer.Exit(1)
        cable, sources = st.get(refs[0]), st.sources(refs[0])
    data = show_json(cable, sources)  # type: ignore[arg-type]
    if as_json:
        _json_line(data)
        return
    out.print(render_cable(cable, sources, data["from_other_versions"]))  # type: ignore[arg-type]


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(
        help="Query: words (all must match), \"phrases\", OR, NOT/-word, (groups), prefix*, and fields "
             "origin: tag: class: ref: subject: to: from: until: released: year: marking: entity: type: "
             "(docs/query.md). '' or * for all.")],
    origin: Annotated[Optional[str], typer.Option(help="Only cables from this origin, e.g. 'Embassy Paris'.")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="Only cables with this TAG (repeat for several).")] = None,
    classification: Annotated[Optional[str], typer.Option(help="Only cables with this classification, e.g. SECRET//NOFORN.")] = None,
    year: Annotated[Optional[int], typer.Option(help="Only cables created in this year.")] = None,
    sort: Annotated[str, typer.Option(help="relevance, created (newest first), created-asc, released, released-asc.")] = "relevance",
    limit: Annotated[int, typer.Option(help="Most results to show.", min=1)] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many results (paging).", min=0)] = 0,
    facets: Annotated[bool, typer.Option("--facets", help="Also count the matches by origin, year, classification and TAG.")] = False,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Full-text search (BM25): hits point to the paragraph that matched (REF#par7).

    --json prints one hit per line; with --facets, one object with the total, hits and facets."""
    filters = SearchFilters(origin=origin, classification=classification, year=year, tags=tuple(tag or ()))
    with _archive(db) as st:
        try:
            res = st.search_results(query, filters, limit=limit, offset=offset, sort=sort, facets=facets)
        except BadQuery as e:
            error_line(str(e))
            if e.pointer():
                err.print(Text(e.pointer()), soft_wrap=True, style="dim")
            raise typer.Exit(1) from None
        better = st.did_you_mean(query) if not res.total and not as_json else None
    if better:
        err.print(f"no matches; did you mean: cablebase search {shlex.quote(better)}", soft_wrap=True, highlight=False)
        return
    if as_json:
        if facets:
            _json_line(res.to_dict())
        else:
            for h in res.hits:
                _json_line(h.to_dict())
        return
    if not res.hits:
        err.print("no matches: try fewer words, a prefix (word*), OR between words, or fewer filters;"
                  " `cablebase stats` shows what the archive holds (docs/query.md: the query language)"
                  if not res.total else f"{res.total:,} matches; none from {offset + 1}", soft_wrap=True)
        return
    err.print(f"{res.total:,} match{'es' if res.total != 1 else ''} ({res.took_ms:.1f} ms)"
              + (f"; showing {offset + 1}–{offset + len(res.hits)}" if res.total > len(res.hits) else ""))
    for i, h in enumerate(res.hits, offset + 1):
        where = h.ref_id + (f"#{h.anchor}" if h.anchor else "") + (" (no reference ID read)" if is_provisional(h.ref_id) else "")
        title = Text(f"{i:>2}. ", style="dim") + Text(where, style="bold cyan") + Text("  ") + Text(h.subject or "", style="bold")
        par = f"¶{h.paragraph}" if h.paragraph is not None else ("paragraph" if h.anchor else "")
        if par and h.marking:
            par += f" ({h.marking})"
        meta = Text(
            "    " + "  ·  ".join(x for x in (h.created, h.origin, h.classification, par,
                                                f"score {h.score:.2f}" if sort == "relevance" else "") if x),
            style="dim",
        )
        snip = Text(h.snippet)
        for a, b in h.highlights:
            snip.stylize("bold yellow", a, b)
        out.print(title)
        out.print(meta)
        out.print(Padding(snip, (0, 0, 0, 4)))
        out.print()
    if facets:
        for name, rows in res.facets.items():
            t = Table(name, "matches", title=f"by {name}", title_justify="left")
            for v, n in rows[:15]:
                t.add_row(escape(str(v)), f"{n:,}")
            if len(rows) > 15:
                t.add_row(f"[dim]… {len(rows) - 15} more[/]", "")
            out.print(t)


@app.command("stats")
def stats_cmd(as_json: JsonOpt = False, db: DbOpt = None, top: Annotated[int, typer.Option(help="Rows per table.")] = 15) -> None:
    """Counts: cables and sources, by classification, origin, year and source form."""
    with _archive(db) as st:
        s = st.stats()
        prog = st.enrich_progress()
    if as_json:
        _json_line({**s.to_dict(), "enrichment": prog})
        return
    out.print(
        f"[bold]{s.cables:,}[/] cables, {s.sources:,} sources from {s.raw_inputs:,} raw inputs "
        f"({s.raw_bytes / 2**20:,.1f} MiB); {s.indexed if s.indexed is not None else '?'} indexed"
    )
    if prog:
        out.print(enrichment_line(prog), highlight=False)
    for title, rows in (
        ("classification", s.by_classification),
        ("origin", s.by_origin),
        ("year", s.by_year),
        ("source form", s.by_form),
    ):
        t = Table(title, "cables" if title != "source form" else "sources", title=f"by {title}", title_justify="left")
        shown = rows if title == "year" else rows[:top]
        for k, n in shown:
            t.add_row(escape(str(k)) if k is not None else "[dim](none)[/]", f"{n:,}")
        if len(rows) > len(shown):
            t.add_row(f"[dim]… {len(rows) - len(shown)} more[/]", "")
        out.print(t)


@app.command("reindex")
def reindex_cmd(db: DbOpt = None) -> None:
    """Rebuild the search index from the records in SQLite."""
    with _archive(db) as st, _progress() as progress:
        task = progress.add_task("reindex", total=None, errors=0)

        def on_progress(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total, cables=done)

        n = st.reindex(on_progress)
    err.print(f"indexed {n:,} cables")


@app.command("migrate")
def migrate_cmd(
    to: Annotated[str, typer.Option("--to", help="The new archive: a directory, or postgresql://USER@HOST:PORT/NAME.",
                                    show_default=False)],
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Copy the whole archive to another backend (embedded ↔ PostgreSQL), then verify the copy."""
    with _archive(db) as st:
        rep = st.migrate_to(to)
    if as_json:
        sys.stdout.write(orjson.dumps(rep.to_dict()).decode() + "\n")
    else:
        for table, a, b in rep.tables:
            if a or b:
                out.print(f"{table:<18} {a:>9,} → {b:>9,}" + ("" if a == b else "  MISMATCH"))
        out.print(f"{rep.source} → {rep.target}: {rep.indexed:,} cables indexed; check "
                  + ("ok" if rep.check.ok else "FAILED"))
    if not rep.ok:
        raise typer.Exit(1)


@app.command("check")
def check_cmd(
    as_json: JsonOpt = False,
    quick: Annotated[bool, typer.Option(help="PRAGMA quick_check instead of the full integrity_check.")] = False,
    db: DbOpt = None,
) -> None:
    """Verify the archive: SQLite integrity, and that the index holds exactly the stored cables."""
    with _archive(db) as st:
        r = st.check(quick=quick)
    if as_json:
        _json_line(r.to_dict())
    else:
        out.print(f"{r.stored:,} cables stored, {r.indexed:,} index documents")
        for p in r.integrity:
            error_line(f"database: {p}")

        def show(label: str, refs: list[str]) -> None:
            if refs:
                more = f" … (+{len(refs) - 10})" if len(refs) > 10 else ""
                error_line(f"{len(refs)} {label}: {' '.join(refs[:10])}{more}")

        show("stored but not in the index", r.missing_from_index)
        show("in the index but not stored", r.extra_in_index)
        show("indexed more than once", r.duplicated_in_index)
        if r.ok:
            out.print("[green]ok[/]")
        elif not r.integrity:
            err.print("run `cablebase reindex` to rebuild the index from the records")
    if not r.ok:
        raise typer.Exit(1)


# The other stages add their own top-level commands after the archive's:
# ``poll`` (feeds), ``enrich`` and ``entity`` (enrichment), ``serve`` and ``export`` (web).
cli_feeds.register(app)
cli_enrich.register(app)
cli_web.register(app)
cli_desk.register(app)
cli_like.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
