"""The search query language: parsed (recursive descent) and compiled to tantivy queries.

One language for the CLI, the web pages and the JSON API; ``docs/query.md`` is the
reference. In short::

    iran nuclear                    both words (AND is the default)
    "nuclear program"~2             a phrase (optionally with slop)
    iran OR iraq   -sanctions       OR, NOT / -, parentheses, prefix word*
    origin:paris tag:PREL class:secret ref:09PARIS*
    subject:"arms sales" to:secstate
    from:2009-03 until:2009 created:2008..2009 released:>=2011-08 year:2007
    marking:S/NF                    a paragraph portion mark
    entity:"Garcia Luna"            cables mentioning an entity (after ``cablebase enrich``)
    type:person   entity:luna type:place    cables mentioning a person; the place named Luna
    note:"call back"                cables with a note (team desk) holding these words

User text never reaches tantivy's own query parser: ``parse`` builds a small tree
(``Node``), ``Compiler`` turns it into ``tantivy.Query`` objects with the same analysis the
index used (words lower-cased, accents folded). Every malformed query raises ``BadQuery``
naming the character position and the token where it goes wrong.

This module is the language's front door; its parts are ``store.query_syntax`` (fields,
tree, lexer, parser), ``store.query_values`` (levels, portion marks, dates) and
``store.query_compile`` (trees to tantivy queries).
"""

from __future__ import annotations

from ..errors import BadQuery
from .query_compile import ENTITIES_NOT_BUILT, Compiled, Compiler
from .query_syntax import FIELD_NAMES, FIELDS, And, Everything, Not, Or, Phrase, Word, parse, tokenize, walk
from .query_values import canonical_marking, date_bounds, date_number, level_tokens, marking_tokens, period_range

__all__ = [
    "And",
    "BadQuery",
    "Compiled",
    "Compiler",
    "ENTITIES_NOT_BUILT",
    "Everything",
    "FIELDS",
    "FIELD_NAMES",
    "Not",
    "Or",
    "Phrase",
    "Word",
    "canonical_marking",
    "date_bounds",
    "date_number",
    "level_tokens",
    "marking_tokens",
    "parse",
    "period_range",
    "tokenize",
    "walk",
]
