"""An article's canonical URL (``pipeline.identity.canonical_url``): one key for one story."""

from __future__ import annotations

import pytest

from cablebase.pipeline.identity import canonical_url


@pytest.mark.parametrize("url, key", [
    ("HTTP://Example.COM:80/a?utm_source=x&b=2#frag", "http://example.com/a?b=2"),
    ("https://example.com:443", "https://example.com/"),
    ("http://[::1]:80/x", "http://[::1]/x"),                       # IPv6 keeps its brackets
    ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
    ("http://example.com/a?q=%e9", "http://example.com/a?q=%E9"),  # not UTF-8: the same byte, not U+FFFD
    ("http://example.com/a?q=%C3%A9", "http://example.com/a?q=%C3%A9"),
    ("/relative/path", None),
    ("http://example.com:99999/", None),
])
def test_canonical_url(url: str, key: str | None) -> None:
    assert canonical_url(url) == key
