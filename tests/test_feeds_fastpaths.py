"""The poller's fast paths give exactly what the plain versions they replace gave.

Each fast path (whitespace squashing, URL resolution, block marking, language walk, link-finder
guards) is checked against the straightforward implementation on generated input."""

from __future__ import annotations

import random
import re
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings, strategies as st

from cablebase.enrich import language, links
from cablebase.parse import feed_model, html_text

WS = [chr(c) for c in range(0x3100) if chr(c).isspace()] + ["\u3000"]
ALPHABET = st.sampled_from(WS + list("ab <>/p\n\xa0é中") + ["<p>", "</p>", "<br>", "<div>"])


def _ref_squash(raw: str) -> str:
    return re.sub(r"\s*\n\s*", "\n", re.sub("[ \t\r\f\v\u00a0]+", " ", raw)).strip()


@settings(max_examples=1000, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_squash_is_the_regex_version(s):
    assert html_text._squash(s) == _ref_squash(s)
    assert html_text._blanks(s) == re.sub("[ \t\r\f\v\u00a0]+", " ", s)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</P>", "<pre", "<br/>", "<h1>", "<hr>", "<a>", "<pa>", "</div>", "<", "p",
                                 "x", "\n", "<Li>", "<tr>", "<dt>"]), max_size=30).map("".join))
def test_block_marks_are_the_template_version(h):
    old = re.compile(r"<(?:/?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|blockquote|pre|section|article|header|footer|dd"
                     r"|dt|hr)\b)", re.I)
    assert html_text._BLOCK_AT.sub("\n<", h) == old.sub("\n\\g<0>", h)


def _ref_url(u, base, limits):
    u = u.strip()
    if not u or len(u) > limits.max_url_chars:
        return None
    if base:
        try:
            u = urljoin(base, u)
        except ValueError:
            return None
    try:
        p = urlsplit(u)
    except ValueError:
        return None
    if p.scheme.lower() not in ("http", "https") or not p.netloc:
        return None
    return u


def test_url_fast_path_is_urljoin():
    rng = random.Random(3)
    parts = ["http://", "https://", "HTTP://", "a.com", "A.b-c.org", ":80", ":", "/", "//", "x", "?", "#", ";", "q=1",
             "%20", " ", "\t", "é", "..", "./", "@", "[::1]", "&", "=", "-", "_", "~", "\n", "*"]
    lim = feed_model.FeedLimits()
    for _ in range(15_000):
        u = "".join(rng.choice(parts) for _ in range(rng.randint(1, 8)))
        for base in (None, "http://ex.org/a/b", "https://ex.org/"):
            assert feed_model.http_url(u, base, lim) == _ref_url(u, base, lim), (u, base)


def test_language_fast_walk_is_py3langid():
    ident = language._identifier()
    if not ident:
        pytest.skip("py3langid not installed")
    assert language._fast is not None, "the vectorised walk did not pass its self-test"
    rng = random.Random(1)
    alph = ("abcdefghijklmnopqrstuvwxyzéàüöñçАБВГДЕЖабвгдежзийклмнопрстуфхцчшщыэюяαβγδεζηθ"
            "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年 \n.,0123456789ABCDEFGHIJ")
    texts = ["".join(rng.choice(alph) for _ in range(rng.randint(1, 700))) for _ in range(500)]
    texts += list(language._SELF_TEST)
    for t in texts:
        assert language._fast.classify(t) == ident.classify(t)[0], t
    texts += ["", None, "a\x00b" * 40, "x" * 50]
    batched = []
    for i in range(0, len(texts), 20):
        batched += language.detect_languages(texts[i:i + 20])
    assert batched == [language.detect_language(t) for t in texts]
    assert language.detect_language("The ambassador met the minister to talk about the border and trade.") == "en"
    assert language.detect_language("Der Botschafter traf gestern den Außenminister zu langen Gesprächen.") == "de"


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60) | st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_letter_count_is_the_regex_count(s):
    assert language._letters(s) == len(re.findall(r"[^\W\d_]", s))


def test_may_embed_guards_are_exact():
    ref = re.compile(r"Reference\s*ID\s*[:|]?", re.I)
    hint = links._CABLE_BODY_HINT
    rng = random.Random(2)
    pieces = ["Reference ID: ", "rEfErEnCe\tid|", "REFERENCE", "reference", "SUBJECT: x\n1. (C) y", "SUBJECT:", "\u212a",
              "¶", "1.", "(U)", " ", "x", "ID", "\n", "İ", "ſ"]
    for _ in range(10_000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert links.may_embed(t) == bool(t and (ref.search(t) or hint.search(t[:200_000]))), t


def _ref_canonical(url):
    from urllib.parse import parse_qsl, urlencode, urlunsplit

    tracking = re.compile(r"^(?:utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref|source|feature|cmpid|at_medium|at_campaign)$",
                          re.I)
    if not url:
        return None
    try:
        p = urlsplit(url.strip())
        host = (p.hostname or "").lower()
        port = p.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = p.scheme.lower()
    if ":" in host:
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    q = [(k, v) for k, v in parse_qsl(p.query, keep_blank_values=True, errors="surrogateescape") if not tracking.match(k)]
    return urlunsplit((scheme, host, p.path or "/", urlencode(q, errors="surrogateescape"), ""))


def test_canonical_url_fast_path_is_urllib():
    from cablebase.pipeline.prepare import canonical_url

    rng = random.Random(9)
    parts = ["http://", "https://", "HTTP://", "a.com", "A.B-c.org", ":80", ":443", ":0", ":080", ":99999", ":", "/", "//",
             "x", "?", "#", ";", "q=1", "utm_source=2", "%20", " ", "\t", "é", "..", "@", "[::1]", "&", "=", "-", "_",
             "~", "\n", "*", "#frag", "ftp://", ":8080"]
    for _ in range(30_000):
        u = "".join(rng.choice(parts) for _ in range(rng.randint(1, 8)))
        assert canonical_url(u) == _ref_canonical(u), u


def test_entry_hash_is_the_part_by_part_sha1():
    import hashlib

    from cablebase.pipeline.identity import _h

    rng = random.Random(4)
    for _ in range(5000):
        parts = ["".join(rng.choice(["a", "é", "\ud800", "\x1f", ""]) for _ in range(rng.randint(0, 5))) or None
                 for _ in range(rng.randint(1, 5))]
        m = hashlib.sha1()
        for p in parts:
            m.update((p or "").encode("utf-8", "surrogatepass"))
            m.update(b"\x1f")
        assert _h(*parts) == m.hexdigest()


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(["A", "B", "Z", "a", "0", "9", " ", "\t", "\xa0", "x", "\n", "é", "07", "MEX", "ICO"]),
                max_size=30).map("".join))
def test_shape_guards_are_the_regexes(t):
    assert links._shapes(t) == (bool(links._HAS_ID.search(t)), bool(links._HAS_SPACED.search(t)))


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(WS + ["ab", "é", "\n", "  ", " x "]), max_size=30).map("".join))
def test_one_space_is_split_join(s):
    from cablebase.pipeline.identity import _one_space

    assert _one_space(s) == " ".join(s.split())
