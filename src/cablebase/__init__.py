"""cablebase: diplomatic cables and the journalism that reports on them, in one archive."""

__version__ = "0.1.0"
