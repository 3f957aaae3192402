"""``cablebase like FILE|URL``: the cables most like a text, in any language.

A file is read as text (an HTML file: its main text); an http(s) address is fetched with the
feeds' rules (``sources.fetch``: address checks, size and time limits). The ranking is
``Archive.like`` (``enrich.like``: names, places, numbers and dates, transliterated).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.text import Text

from . import CablebaseError, FetchError, open_archive
from .cli_options import DbOpt, JsonOpt
from .parse.html_text import extract_html, extract_main
from .pipeline.like import fetch_text

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

MAX_FILE_BYTES = 20 * 2**20


def _text_of_file(path: Path) -> str:
    data = path.read_bytes()[:MAX_FILE_BYTES]
    text = data.decode("utf-8", "replace")
    if path.suffix.lower() in (".html", ".htm") or text.lstrip()[:1] == "<":
        main = extract_main(data, None) or text
        return extract_html(main, None, want_links=False).text
    return text


def like_cmd(
    source: Annotated[str, typer.Argument(help="A text or HTML file, an http(s) address, or - for standard input.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="How many cables.")] = 10,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """The cables most like a text (an article in any language): names, places,
    organisations, numbers and dates compared across languages."""
    try:
        st = open_archive(db, create=False)
    except (CablebaseError, ValueError) as e:
        err.print(Text("error: ", style="bold red") + Text(str(e)))
        raise typer.Exit(1) from None
    try:
        if source == "-":
            text = sys.stdin.read()
        elif source.lower().startswith(("http://", "https://")):
            text = asyncio.run(fetch_text(source, st.settings.poll))
        else:
            p = Path(source)
            if not p.is_file():
                err.print(Text("error: ", style="bold red") + Text(f"{source}: no such file"))
                raise typer.Exit(1)
            text = _text_of_file(p)
        got = st.like(text, limit)
    except FetchError as e:
        err.print(Text("error: ", style="bold red") + Text(f"{source}: {e.reason}"))
        raise typer.Exit(1) from None
    finally:
        st.close()
    if as_json:
        sys.stdout.write(orjson.dumps({"source": source, "cables": got}).decode() + "\n")
        return
    if not got:
        out.print("No cable shares a name, place, number or date with this text.")
        return
    for i, c in enumerate(got, 1):
        out.print(Text(f"{i:>2}. ") + Text(c["ref_id"], style="bold") + Text(f"  {(c['created'] or '')[:10]}  ")
                  + Text(c["subject"] or "") + Text(f"  ({c['score']})", style="dim"))


def register(app: typer.Typer) -> None:
    app.command("like")(like_cmd)
