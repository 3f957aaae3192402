"""Exceptions raised by cablebase. Every error names the thing it is about and the cause."""

from __future__ import annotations

from typing import Any


class CablebaseError(Exception):
    """Base class of every error cablebase raises on purpose."""


class ParseError(CablebaseError):
    """Input could not be turned into a cable record.

    ``source`` names the file, URL or feed; ``reason`` says what is wrong.
    """

    def __init__(self, reason: str, source: str | None = None):
        self.reason = reason
        self.source = source
        super().__init__(f"{source}: {reason}" if source else reason)


class NoCableFound(ParseError):
    """The input is readable but holds no cable."""


class FeedParseError(ParseError):
    """The bytes are not a feed we can read."""


class InputTooLarge(ParseError):
    """The input is larger than the configured limit."""


class StoreError(CablebaseError):
    """The archive could not be read or written."""


class Busy(StoreError):
    """Another process holds the archive's write lock (SQLite or the search index)."""


class BadQuery(StoreError):
    """The search query is malformed: ``position`` (0-based character) and ``token`` say where.

    ``str(e)`` is one line (``bad search query at character 12 (')'): this ')' closes
    nothing``); ``pointer()`` gives the query with a caret under the place."""

    def __init__(self, reason: str, *, query: str | None = None, position: int | None = None,
                 token: str | None = None):
        self.reason = reason
        self.query = query
        self.position = position
        self.token = token
        where = f" at character {position + 1}" if position is not None else ""
        tok = f" ({token!r})" if token else ""
        super().__init__(f"bad search query{where}{tok}: {reason}")

    def pointer(self) -> str:
        """Two lines: the query, and a caret under the position (empty when unknown)."""
        if self.query is None or self.position is None:
            return ""
        q = " ".join(self.query.splitlines())
        pos = min(self.position, len(q))
        return f"{q}\n{' ' * pos}^"

    def to_dict(self) -> dict[str, Any]:
        return {"error": "bad_query", "message": str(self), "reason": self.reason,
                "position": self.position, "token": self.token}


class IndexOutdated(StoreError):
    """The index on disk was built by another version of cablebase: ``reindex`` rebuilds it."""


class IndexNotUpdated(StoreError):
    """The records were stored and committed, but the search index could not be updated.

    The archive is consistent; search is stale until ``reindex``. ``results`` says what
    the committed write did.
    """

    def __init__(self, message: str, results: list[Any]):
        super().__init__(message)
        self.results = results


class HTTPError(CablebaseError):
    """A transport or protocol failure (no usable response)."""


class ConnectError(HTTPError):
    pass


class ConnectTimeout(HTTPError):
    pass


class ReadTimeout(HTTPError):
    pass


class ProtocolError(HTTPError):
    pass


class BodyTooLarge(HTTPError):
    """Decoding a compressed body would go past the caller's limit."""


class FetchError(CablebaseError):
    def __init__(self, url: str, reason: str, *, status: int | None = None, retry_after: float | None = None):
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(reason)


class UnsafeURL(CablebaseError):
    """A URL the fetcher refuses to connect to (scheme, form or target address)."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url[:200]}: refused: {reason}")


class PrepareCrashed(CablebaseError):
    """The worker preparing a feed died or ran out of time (the feed is failed, the pass goes on)."""


class PageError(CablebaseError):
    """An error shown as a plain page (or a JSON object on JSON URLs), never a traceback."""

    def __init__(self, status: int, heading: str, message: str, *, suggestions: list[dict[str, Any]] | None = None,
                 search_query: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.heading = heading
        self.message = message
        self.suggestions = suggestions or []
        self.search_query = search_query
        self.headers = headers or {}


class DeskError(CablebaseError):
    """A user, token, session or note operation that cannot be done: ``kind`` says why —
    ``not_found`` (no such user, note or target), ``conflict`` (the name is taken),
    ``forbidden`` (not the note's author, a revoked user) or ``invalid`` (a bad role, empty text)."""

    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.kind = kind


class LoginRefused(DeskError):
    """A login refused: wrong name or token (``retry_after`` None), or too many failed logins
    from this address or for this name lately (``retry_after``: seconds to wait)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message, "rate_limited" if retry_after is not None else "forbidden")
        self.retry_after = retry_after
