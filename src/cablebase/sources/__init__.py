"""Where bytes come from, and nothing else: files, directories and archives (``files``), URL
safety (``net``), HTTP/1.1 over h11 (``http``) and the fetcher with its limits (``fetch``,
``settings``). Scheduling, preparing and writing belong to the poll use case
(``cablebase.pipeline.poll``)."""
