"""Imported by the forkserver of the feed-preparation pool: loads once what every worker needs
(parsers, HTML parser, the language model), so that workers start as ready forks of it."""

from ..enrich.language import preload
from . import prepare  # noqa: F401

try:
    from selectolax.lexbor import LexborHTMLParser  # noqa: F401
except ImportError:  # pragma: no cover
    pass

preload()
