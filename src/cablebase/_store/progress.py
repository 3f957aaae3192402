"""Progress of a long job on an archive (enrichment), kept beside the archive as a small JSON
file (``ARCHIVE/enrich-progress.json``; for a PostgreSQL archive, in its local index directory)
so that other processes — the web server, ``cablebase stats`` — can show it while it runs.

Written atomically (a temporary file renamed over the old one); a reader that finds no file,
or one it cannot read, has no progress to show.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

ENRICH_FILE = "enrich-progress.json"
STALE_S = 120.0
"""A running job that has not written for this long is taken as stopped (killed, crashed)."""


def write(db_dir: Path, data: dict[str, Any], name: str = ENRICH_FILE) -> None:
    try:
        db_dir.mkdir(parents=True, exist_ok=True)
        tmp = db_dir / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, db_dir / name)
    except OSError:
        pass  # progress is a courtesy: a read-only or full disk must not stop the job


def read(db_dir: Path, name: str = ENRICH_FILE, *, now: float | None = None) -> dict[str, Any] | None:
    """The last progress written, with ``state`` (running | finished | failed | stopped),
    ``rate`` (documents a second) and ``eta_s`` where they can be told."""
    try:
        data = json.loads((db_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    now = time.time() if now is None else now
    done, total = int(data.get("done") or 0), data.get("total")
    started, updated = float(data.get("started") or now), float(data.get("updated") or now)
    if data.get("failed"):
        state = "failed"
    elif data.get("finished"):
        state = "finished"
    elif now - updated > STALE_S:
        state = "stopped"
    else:
        state = "running"
    spent = max(updated - started, 1e-6)
    rate = done / spent if done else None
    eta = (int(total) - done) / rate if rate and total is not None and state == "running" else None
    return {**data, "state": state, "done": done, "rate": rate, "eta_s": eta}
