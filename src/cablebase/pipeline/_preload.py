"""Imported, by name, by the zygote of the feed-preparation pool (:mod:`cablebase.pipeline._worker`)
before it forks: loads once what every worker needs (the preparation code with its parsers, the
HTML parser, the language model), so that workers start as ready forks of it. It imports only
what it preloads — never the pool nor the worker — so no import leads back here."""

from ..enrich.language import preload
from . import entries  # noqa: F401

try:
    from selectolax.lexbor import LexborHTMLParser  # noqa: F401
except ImportError:  # pragma: no cover
    pass

preload()
