"""The search index's schema and text analysis: its fields, their tokenizers, the version.

One document per cable (its current record). Fields:

- full text, BM25-ranked, words lower-cased and accents folded: ``subject`` (boost 2) and
  ``body`` (stored, for snippets); ``origin_t``, ``to``, ``info`` for ``origin:``/``to:``/
  ``info:`` in queries;
- keywords matched whole and case-insensitively: ``origin``, ``classification``, ``tags``
  (``SearchFilters``), ``level`` (``SECRET//NOFORN`` → ``secret``, ``noforn``), ``marking``
  (every paragraph portion mark, whole and by part);
- ``ref_id`` (raw, fast: the key), ``names`` (every name of the cable, upper-cased:
  ``store.names.names_of``; what ``ref:`` matches), ``year``, ``created_n``/``released_n`` (``YYYYMMDDHHMM``
  integers, fast: ranges and sorting);
- facets: ``origin_h``, ``class_h``, ``tags_h`` (fast integer columns: a stable 62-bit hash
  of the value as written) and ``year``; the facet counts of a result set are tantivy
  aggregations over the matching documents (integer columns: text columns cost ~2 ms more
  per query whatever the number of matches). The hashes are turned back into values from
  the terms of ``origin_f``, ``class_f``, ``tags_f`` (the values as written, raw). TAG counts
  of result sets larger than ``TAG_EXACT_MAX`` are estimated from a fixed sample of the
  matches (``shard``: a hash of the ref_id modulo ``SHARDS``) and flagged ``approximate``;
- ``pars`` (stored): each paragraph's number, portion mark and byte offset in ``body``, so a
  hit can point at the paragraph that matched (``/cable/REF#par7``).

``ANALYZER`` is the analysis of full-text fields (applied to query words too);
``register_analyzers`` gives an opened index the tokenizers the fields name.
``INDEX_SCHEMA_VERSION`` is written beside the index (``VERSION_FILE``): an index of
another version is refused (``IndexOutdated``) and rebuilt from the records.
"""

from __future__ import annotations

import tantivy
from tantivy import Filter, Index, SchemaBuilder, TextAnalyzerBuilder, Tokenizer


KEYWORD = "cb_keyword"
"""Tokenizer for keyword fields: the whole value as one lower-cased term."""
TEXT = "cb_text"
"""Tokenizer for full text: words, lower-cased, accents folded, absurdly long tokens dropped."""

INDEX_SCHEMA_VERSION = 5
"""Bumped whenever the fields change: v3 added facet columns, dates, levels, markings and
paragraph offsets; v4 made the facet columns integers and added ``shard``; v5 ``names``. An
index of another version is rebuilt from the records."""
VERSION_FILE = "cablebase-index.json"

SEARCH_FIELDS = ["subject", "body", "ref_id"]
FIELD_BOOSTS = {"subject": 2.0, "ref_id": 4.0}
SHARDS = 1024


def _schema() -> tantivy.Schema:
    sb = SchemaBuilder()
    sb.add_text_field("ref_id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("names", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("kind", fast=True)  # 1 on every cable document: what the facet pass counts
    sb.add_text_field("origin", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("origin_f", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("origin_h", fast=True)
    sb.add_text_field("origin_t", tokenizer_name=TEXT)
    sb.add_text_field("classification", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("class_f", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("class_h", fast=True)
    sb.add_text_field("level", tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("tags", stored=True, tokenizer_name=KEYWORD, index_option="basic")
    sb.add_text_field("tags_f", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("tags_h", fast=True)
    sb.add_integer_field("shard", indexed=True, fast=True)
    sb.add_text_field("marking", tokenizer_name=KEYWORD, index_option="basic")
    sb.add_integer_field("year", stored=True, indexed=True, fast=True)
    sb.add_text_field("created", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("created_n", indexed=True, fast=True)
    sb.add_text_field("released", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("released_n", indexed=True, fast=True)
    sb.add_text_field("subject", stored=True, tokenizer_name=TEXT)
    sb.add_text_field("to", tokenizer_name=TEXT)
    sb.add_text_field("info", tokenizer_name=TEXT)
    sb.add_text_field("body", stored=True, tokenizer_name=TEXT)
    sb.add_bytes_field("pars", stored=True)
    return sb.build()


SCHEMA = _schema()


def _keyword_analyzer() -> tantivy.TextAnalyzer:
    return TextAnalyzerBuilder(Tokenizer.raw()).filter(Filter.lowercase()).build()


def _text_analyzer() -> tantivy.TextAnalyzer:
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(64))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .build()
    )


ANALYZER = _text_analyzer()
"""The analysis of full-text fields, applied to query words too."""




def register_analyzers(ix: Index) -> None:
    ix.register_tokenizer(KEYWORD, _keyword_analyzer())
    ix.register_tokenizer(TEXT, _text_analyzer())
