"""Exceptions raised by cablebase. Every error names the thing it is about and the cause."""

from __future__ import annotations


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


class InputTooLarge(ParseError):
    """The input is larger than the configured limit."""


class StoreError(CablebaseError):
    """The archive could not be read or written."""
