"""cablebase: diplomatic cables and the journalism that reports on them, in one archive.

The public face: ``open_archive()`` gives an ``Archive``, which runs every use case
(ingest, get/show, search and facets, browse, channels and feeds, poll, enrich, export,
check); ``parse_files()`` parses inputs without an archive. The model types and the
errors are here too. Everything else in the package is the house behind this face;
storage (``cablebase._store``) is private.
"""

from .archive import Archive, SearchPlan, open_archive
from .version import VERSION as __version__
from .config import Settings, WebSettings
from .pipeline.enrich import EnrichReport
from .errors import (
    BadQuery,
    Busy,
    CablebaseError,
    FeedParseError,
    FetchError,
    IndexNotUpdated,
    IndexOutdated,
    InputTooLarge,
    NoCableFound,
    ParseError,
    StoreError,
    UnsafeURL,
)
from .model import (
    BROWSE_KINDS,
    Added,
    Article,
    CableRow,
    FacetRow,
    CheckReport,
    Hit,
    Link,
    Outcome,
    SearchFilters,
    SearchResults,
    Stats,
    StoredSource,
    from_other_versions,
    is_provisional,
    paragraph_anchors,
)
from .pipeline.ingest import Failure, IngestReport, Parsed, parse_files
from .record import Cable, Disagreement, Paragraph, Reference, Source
from .pipeline.poll_report import PollReport
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
    "Disagreement",
    "EnrichReport",
    "FacetRow",
    "FeedParseError",
    "FetchError",
    "Failure",
    "Hit",
    "IndexNotUpdated",
    "IndexOutdated",
    "IngestReport",
    "Link",
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
