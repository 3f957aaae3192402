"""Article → cable links: the seed post, the 33 cablegate-2010 articles (oracle), false positives."""

from __future__ import annotations

import gzip
import re
import sqlite3
from html import escape
from pathlib import Path
from urllib.parse import quote

import pytest

from cablebase.enrich.links import find_cables, link_article, parse_ref_id
from cablebase.record import Cable
from cablebase.pipeline.poll import PollSettings, poll
from cablebase.sources.net import NetPolicy
from cablebase._store.channels import ChannelStore
from feedserver import rss

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus")
SEED = CORPUS / "seed" / "opera-leaks-cuba-channel.txt"
ARTICLES = CORPUS / "cablegate-2010" / "articles" / "2010"
CABLE2MONTH = CORPUS / "cablemap-fixtures" / "cablemap.core" / "cablemap" / "core" / "cable2month.csv.gz"

SETTINGS = PollSettings(net=NetPolicy(allow=("127.0.0.1",)), request_timeout=20, fulltext_per_feed=50)


def _store():
    return ChannelStore(sqlite3.connect(":memory:", isolation_level=None))


# --------------------------------------------------------------------------- unit cases

@pytest.mark.parametrize("text,expected", [
    ("see 07MEXICO983 for more", {"07MEXICO983"}),
    ("REF: A. 07 MEXICO 983", {"07MEXICO983"}),
    ("Reference ID: 09BRASILIA1315\nCreated: 2009-11-09", {"09BRASILIA1315"}),
    ("Created: 2007-02-27 16:04 ... MEXICO 00000983 002 OF 003", {"07MEXICO983"}),
    ("Created: 2006-01-01. REF: BUENOS AIRES 2481", {"06BUENOSAIRES2481"}),
    ("http://cablegate.wikileaks.org/cable/2009/11/09BRASILIA1315.html", {"09BRASILIA1315"}),
    ("https://wikileaks.org/plusd/cables/06SAOPAULO123_a.html", {"06SAOPAULO123"}),
    ("wikileaks.ch/cable/2010/02/10BRASILIA51.html", {"10BRASILIA51"}),
    ("the oldest is 66BUENOSAIRES2481", {"66BUENOSAIRES2481"}),
])
def test_finds(text, expected):
    assert {l.ref_id for l in find_cables(text)} == expected


@pytest.mark.parametrize("text", [
    "In 2010 the PARIS 2010 summit; BEIJING 2008 games",
    "MEXICO 983 people marched",  # no year, not padded, not a REF: not a cable
    "Created: 2007-01-01 and MEXICO 983 people marched",
    "flight AF 447, ISO 9001, call 555 1234, ROME 12, route 66",
    "x09BRASILIA1315, 09BRASILIA1315a, 2009BRASILIA1315",
    "12ABCDEF345 and 07NOTAPOST983 and 45MEXICO983",  # unknown posts, year out of range
    "/cable/2009/11/08BRASILIA1315.html",  # path year and ID year disagree
    "price 1,234.56 and 10 000 people, 07 1234",
    "Reference ID: none given",
])
def test_no_false_links(text):
    assert find_cables(text) == []


def test_offset_and_snippet_point_at_the_mention():
    text = "Lead paragraph. The cable 09BRASILIA1315 says so."
    (l,) = find_cables(text)
    assert text[l.offset:l.offset + 14] == "09BRASILIA1315" and "cable 09BRASILIA1315 says" in l.snippet


def test_parse_ref_id():
    assert parse_ref_id("07mexico00983") == "07MEXICO983"
    assert parse_ref_id("07 MEXICO 983") == "07MEXICO983"
    assert parse_ref_id("7MEXICO983") is None


def test_known_post_list_covers_the_real_ids():
    from cablebase.enrich.posts import is_post

    ids = [l.split(",")[0] for l in gzip.open(CABLE2MONTH, "rt")]
    ok = sum(1 for i in ids if (m := re.fullmatch(r"\d\d([A-Z]+)\d+", i)) and is_post(m.group(1)))
    assert ok / len(ids) > 0.9995  # the misses are damaged IDs (typos in the post)


def test_embedded_cable_parsed_and_added_via_injected_callable():
    text = ("Leia aqui\nReference ID: 07MEXICO983\nCreated: 2007-02-27 16:04\nClassification: UNCLASSIFIED\n"
            "¶1. (SBU) Body.")
    added = []

    def fake_parse(t, fmt=None, location=None):
        assert fmt == "article" and location == "http://127.0.0.1/post"
        return [Cable(ref_id="07MEXICO983", body="Body.")]

    r = link_article(text, location="http://127.0.0.1/post", parse=fake_parse,
                     add_cable=lambda c, raw: added.append((c.ref_id, raw)))
    assert [(l.ref_id, l.kind) for l in r.links] == [("07MEXICO983", "embeds")]
    assert added == [("07MEXICO983", text.encode())]

    def broken_parse(t, fmt=None, location=None):
        raise NotImplementedError("parser not there")

    r = link_article(text, parse=broken_parse, add_cable=lambda c, raw: added.append(c))
    assert [(l.ref_id, l.kind) for l in r.links] == [("07MEXICO983", "embeds")] and "NotImplementedError" in r.error


# --------------------------------------------------------------------------- the seed

def seed_post() -> tuple[str, str]:
    """(title, body text) of the blog post the seed page shows, read from the corpus."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("Despacho revela"))
    end = next(i for i, l in enumerate(lines) if i > start and l.startswith("Viewing all articles"))
    body = [l for l in lines[start + 1:end] if l.strip() and l.strip() not in ("$", "0")]
    return lines[start], "\n".join(body)


def test_seed_post_in_opera_leaks_channel_embeds_07MEXICO983(srv):
    title, body = seed_post()
    content = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n"))
    post = srv.url("/2011/06/despacho-revela-temor/")
    feed = rss("Opera Leaks » Cuba", [{
        "title": title, "link": post, "guid": srv.url("/?p=1234"), "pubDate": "Wed, 01 Jun 2011 12:00:00 +0000",
        "description": "Leia aqui a matéria sobre esse documento [...]", "content": content,
        "raw": "<dc:creator><![CDATA[Opera Leaks]]></dc:creator><category><![CDATA[Cuba]]></category>"}],
        link=srv.url("/"))
    url = srv.route("/category/cuba/feed/", feed)
    store = _store()
    added = []
    from cablebase.pipeline.poll import add_feed

    sub = add_feed(store, url, settings=SETTINGS)
    assert sub.channel == "Opera Leaks » Cuba"
    r = poll(store, SETTINGS, add_cable=lambda c, raw: added.append((c, raw)))
    assert r.new == 1 and r.errors == 0
    total, arts = store.channel_articles("Opera Leaks » Cuba")
    assert total == 1
    a = arts[0]
    assert a["language"] == "pt"
    assert [(c["ref_id"], c["kind"]) for c in a["cables"]] == [("07MEXICO983", "embeds")]
    assert "Reference ID: 07MEXICO983" in a["cables"][0]["snippet"]
    # The article parser reads the post: the cable goes to the archive through add_cable,
    # parsed as the cable record issue requires.
    assert len(added) == 1
    c, raw = added[0]
    assert c.ref_id == "07MEXICO983" and b"07MEXICO983" in raw
    assert c.source.form == "article" and c.classification == "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    assert [p.number for p in c.paragraphs] == list(range(1, 17))
    assert c.paragraphs[9].heading == "Cuba"


# --------------------------------------------------------------------------- the oracle

def oracle() -> dict[str, set[str]]:
    """file name → cables it links by URL or names in its text (canonical IDs checked against all IDs)."""
    all_ids = {l.split(",")[0] for l in gzip.open(CABLE2MONTH, "rt")}
    from selectolax.lexbor import LexborHTMLParser

    truth = {}
    for f in sorted(ARTICLES.glob("*.html")):
        if f.name == "index.html":
            continue
        raw = f.read_bytes()
        ids = {m.decode() for m in re.findall(rb'href="[^"]*/cable/\d{4}/\d\d/(\w+)\.html"', raw)}
        tree = LexborHTMLParser(raw)
        for n in tree.css("script, style"):
            n.decompose()
        text = tree.body.text(separator=" ")
        ids |= {m for m in re.findall(r"\b\d\d[A-Z]{3,}\d+\b", text) if m in all_ids}
        truth[f.name] = ids
    return truth


def test_cablegate_articles_oracle(srv):
    truth = oracle()
    assert len(truth) == 33
    assert sum(1 for v in truth.values() if v) >= 16
    srv.serve_dir("/articles/", ARTICLES, content_type="text/html; charset=utf-8")
    its = [{"title": name, "link": srv.url("/articles/" + quote(name)), "guid": name,
            "description": "Teaser only [...]"} for name in truth]
    url = srv.route("/cablegate.xml", rss("Cablegate 2010", its))
    store = _store()
    store.add_feed(url, "cablegate")
    r = poll(store, SETTINGS)
    assert r.errors == 0 and r.new == 33 and r.pages == 33, r.results
    _, arts = store.channel_articles("cablegate", all=True)
    found = {a["title"]: {c["ref_id"] for c in a["cables"]} for a in arts}
    missing = {k: truth[k] - found.get(k, set()) for k in truth if truth[k] - found.get(k, set())}
    extra = {k: found[k] - truth[k] for k in found if found[k] - truth[k]}
    assert not missing, missing
    assert not extra, extra
    assert sum(len(v) for v in found.values()) >= 38
