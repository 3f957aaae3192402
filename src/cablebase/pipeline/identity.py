"""Identities and hashes of feed entries: the canonical form of an article URL (tracking
parameters, default ports and fragments dropped), an entry's per-feed key (its id, else its
link, else a hash of its content), the hash that changes when the entry as published changes,
and the content hash that finds the same article under two URLs. Pure functions of strings
and entries, no state: preparation (:mod:`cablebase.pipeline.entries`) computes them for every
entry it reads.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..parse.feed_model import FeedEntry

_TRACKING = re.compile(r"^(?:utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref|source|feature|cmpid|at_medium|at_campaign)$",
                       re.I)

_PLAIN = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(/[A-Za-z0-9._~!$&'()*+,=:@%/;-]*)?(?:#[^\s]*)?")
"""A URL without query, user info, odd characters or spaces: canonicalised without urllib (same result)."""


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    if not url:
        return None
    m = _PLAIN.fullmatch(url)
    if m is not None:
        scheme, host, port, path = m.groups()
        host = host.lower()
        if port is not None:
            n = int(port)
            if n > 65535:
                return None  # urlsplit refuses the port
            if n and not ((scheme == "http" and n == 80) or (scheme == "https" and n == 443)):
                host = f"{host}:{n}"
        return f"{scheme}://{host}{path or '/'}"
    try:
        p = urlsplit(url.strip())
        host = (p.hostname or "").lower()
        port = p.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = p.scheme.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    # escapes that are not UTF-8 (%e9) go through as the same bytes, not as U+FFFD
    q = [(k, v) for k, v in parse_qsl(p.query, keep_blank_values=True, errors="surrogateescape")
         if not _TRACKING.match(k)] if p.query else []
    path = p.path or "/"
    return urlunsplit((scheme, host, path, urlencode(q, errors="surrogateescape"), ""))


def _h(*parts: str | None) -> str:
    """SHA-1 of the parts, each followed by a 0x1F byte (UTF-8, lone surrogates kept)."""
    return hashlib.sha1(("\x1f".join([p or "" for p in parts]) + "\x1f").encode("utf-8", "surrogatepass")).hexdigest()


def entry_key(e: FeedEntry) -> str:
    """Per-feed identity of an entry: its id, else its link, else a hash of its content."""
    if e.id:
        return "id:" + e.id
    if e.link:
        return "link:" + (canonical_url(e.link) or e.link)
    return "hash:" + _h(e.title, e.summary, e.content)


def entry_hash(e: FeedEntry) -> str:
    """Changes when the entry as published changes (an edit)."""
    return _h(e.title, e.link, e.summary, e.content, e.updated)


def _one_space(s: str) -> str:
    """``" ".join(s.split())``; for text as ``extract_html`` makes it (ASCII, single spaces inside
    lines, lines stripped) that is just newlines → spaces, which is much faster to check and do."""
    if s.isascii():
        t = s.replace("\n", " ")
        if ("  " not in t and t[:1] != " " and t[-1:] != " " and "\t" not in t and "\r" not in t
                and "\x0b" not in t and "\x0c" not in t and "\x1c" not in t and "\x1d" not in t
                and "\x1e" not in t and "\x1f" not in t):
            return t
    return " ".join(s.split())


def content_hash(title: str | None, text: str | None) -> str | None:
    t = _one_space(text or "")  # = re.sub(r"\s+", " ", text).strip() (same whitespace), faster
    ti = " ".join((title or "").split())
    if not t and not ti:
        return None
    return _h(ti.lower(), t)


__all__ = ["canonical_url", "entry_key", "entry_hash", "content_hash"]
