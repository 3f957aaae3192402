"""The options every ``cablebase`` command shares: which archive (``--db``), and ``--json``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .config import DB_ENV

DbOpt = Annotated[
    Optional[str],
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help=(f"The archive: a directory (cablebase.sqlite + index/), or a PostgreSQL database as"
              f" postgresql://USER@HOST:PORT/NAME. Default: ${DB_ENV}, else the user data dir."),
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]

__all__ = ["DbOpt", "JsonOpt"]
