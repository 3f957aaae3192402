"""The use cases that move results into storage (the one-way pipeline's middle):

- ``ingest``: read → parse (a process pool) → store and index;
- ``poll`` (with ``poll_writes``, ``entries``, ``prepare``, ``fulltext``, ``subscribe``):
  fetch feeds → prepare entries (parse, text, links, language) → store articles and links;
- ``enrich``: read records → entities, tags, graph, similar lists (pure, in ``enrich/``) → store.

``Archive`` (``cablebase.archive``) runs them; ``parse/`` and ``enrich/`` stay pure and
``sources/`` only gives bytes.
"""
