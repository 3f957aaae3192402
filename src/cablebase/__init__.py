"""cablebase: diplomatic cables and the journalism that reports on them, in one archive.

The public face: ``open_archive()`` gives an ``Archive``, which runs every use case
(ingest, get/show, search and facets, browse, channels and feeds, poll, enrich, export,
check); ``parse_files()`` parses inputs without an archive. The model types, the errors and
the settings are here too. Everything else in the package is the house behind this face;
storage (``cablebase._store``) is private.

The names are loaded on first use (PEP 562 ``__getattr__``), not when the package is
imported: parser and NLP worker processes import ``cablebase.parse`` and the like, which runs
this file, and loading the whole face there took 255 ms a process against 84 ms for the
parser alone (measured 2026-12-06). Type checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import VERSION as __version__

_HOMES = {
    "Added": ".model",
    "Archive": ".archive",
    "Article": ".model",
    "BROWSE_KINDS": ".model",
    "BadQuery": ".errors",
    "Busy": ".errors",
    "Cable": ".record",
    "CableRow": ".model",
    "CablebaseError": ".errors",
    "CheckReport": ".model",
    "DeskError": ".errors",
    "Disagreement": ".record",
    "EnrichReport": ".pipeline.enrich",
    "FacetRow": ".model",
    "Failure": ".pipeline.ingest",
    "FeedParseError": ".errors",
    "FetchError": ".errors",
    "Hit": ".model",
    "MigrateReport": ".model",
    "IndexNotUpdated": ".errors",
    "IndexOutdated": ".errors",
    "IngestReport": ".pipeline.ingest",
    "InputTooLarge": ".errors",
    "Link": ".model",
    "LoginRefused": ".errors",
    "NoCableFound": ".errors",
    "Outcome": ".model",
    "Paragraph": ".record",
    "ParseError": ".errors",
    "Parsed": ".pipeline.ingest",
    "PollReport": ".pipeline.poll_report",
    "PollSettings": ".sources.settings",
    "Reference": ".record",
    "SearchFilters": ".model",
    "SearchPlan": ".archive",
    "SearchResults": ".model",
    "Settings": ".config",
    "Source": ".record",
    "Stats": ".model",
    "StoreError": ".errors",
    "StoredSource": ".model",
    "UnsafeURL": ".errors",
    "WebSettings": ".config",
    "from_other_versions": ".model",
    "is_provisional": ".model",
    "open_archive": ".archive",
    "paragraph_anchors": ".model",
    "parse_files": ".pipeline.ingest",
}
"""Where each public name lives (the module, relative to this package)."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from .archive import Archive, SearchPlan, open_archive
    from .config import Settings, WebSettings
    from .errors import BadQuery, Busy, CablebaseError, DeskError, LoginRefused, FeedParseError, FetchError, IndexNotUpdated, IndexOutdated, InputTooLarge, NoCableFound, ParseError, StoreError, UnsafeURL
    from .model import Added, Article, BROWSE_KINDS, CableRow, CheckReport, FacetRow, Hit, Link, MigrateReport, Outcome, SearchFilters, SearchResults, Stats, StoredSource, from_other_versions, is_provisional, paragraph_anchors
    from .pipeline.enrich import EnrichReport
    from .pipeline.ingest import Failure, IngestReport, Parsed, parse_files
    from .pipeline.poll_report import PollReport
    from .record import Cable, Disagreement, Paragraph, Reference, Source
    from .sources.settings import PollSettings

__all__ = [
    "BROWSE_KINDS",
    "Added",
    "Archive",
    "Article",
    "BadQuery",
    "Busy",
    "Cable",
    "CableRow",
    "CablebaseError",
    "CheckReport",
    "DeskError",
    "Disagreement",
    "EnrichReport",
    "FacetRow",
    "FeedParseError",
    "FetchError",
    "Failure",
    "Hit",
    "MigrateReport",
    "IndexNotUpdated",
    "IndexOutdated",
    "IngestReport",
    "Link",
    "LoginRefused",
    "InputTooLarge",
    "NoCableFound",
    "Outcome",
    "Paragraph",
    "PollReport",
    "PollSettings",
    "ParseError",
    "Parsed",
    "Reference",
    "SearchFilters",
    "SearchPlan",
    "SearchResults",
    "Settings",
    "Source",
    "Stats",
    "StoreError",
    "StoredSource",
    "UnsafeURL",
    "WebSettings",
    "__version__",
    "from_other_versions",
    "is_provisional",
    "open_archive",
    "paragraph_anchors",
    "parse_files",
]
