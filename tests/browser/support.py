"""Building a test archive for the web tests: cables from the corpus, the seed channel polled
from a local feed server, and a hostile article. Nothing of the corpus is copied: it is read
at run time (tests skip when it is absent).

``build_archive(db_dir, cables=...)`` ingests the given corpus paths, then serves an RSS feed
on 127.0.0.1 that wraps the seed page's blog post (title and text read from the corpus) with
an image, plus a second feed whose one article carries script payloads in its title, author,
content and links, and polls both with the feeds code into the archive's channel tables.
"""

from __future__ import annotations

import re
import struct
import sys
import zlib
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
SEED = CORPUS / "seed" / "opera-leaks-cuba-channel.txt"
CABLES_2010 = CORPUS / "cablegate-2010" / "cable"
ALX_MEXICO = CORPUS / "cablegate-txt-alx" / "cables" / "07MEXICO983.txt"

SEED_CHANNEL = "Opera Leaks » Cuba"
HOSTILE_CHANNEL = "Hostile » Payloads"

# A few cablegate-2010 pages whose REF lines name other pages of the set (REF links to
# follow), for the fast tests; the browser tests ingest the whole folder.
SMALL_SET = [
    "2005/04/05MADRID1626.html", "2005/04/05MADRID1604.html", "2005/04/05PARIS2333.html", "2004/12/04PARIS8983.html",
    "2009/03/09BEIJING560.html", "2009/03/09ISTANBUL83.html", "1966/12/66BUENOSAIRES2481.html",
]

XSS_TITLE = "<script>alert('title')</script>Hostile <img src=x onerror=alert('title-img')> report"
XSS_AUTHOR = "<svg onload=alert('author')>Mallory</svg>"
XSS_CONTENT = """
<p>Article about cable 07MEXICO983 with hostile markup.</p>
<script>alert('script')</script>
<img src="x" onerror="alert('onerror')">
<a href="javascript:alert('js-link')">javascript link</a>
<a href="JaVaScRiPt:alert('js-link-2')">mixed case javascript link</a>
<a href="data:text/html,&lt;script&gt;alert('data')&lt;/script&gt;">data link</a>
<svg><script>alert('svg')</script><circle onload="alert('svg-onload')"></circle></svg>
<svg onload="alert('svg-top')"><animate onbegin="alert('animate')" attributeName="x"></animate></svg>
<iframe src="javascript:alert('iframe')"></iframe>
<object data="javascript:alert('object')"></object>
<form action="javascript:alert('form')"><button>go</button></form>
<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>
<p style="background:url(javascript:alert('style'))" onclick="alert('onclick')">styled paragraph</p>
<base href="javascript:alert('base')//">
<meta http-equiv="refresh" content="0;url=javascript:alert('meta')">
<a href="/relative/path">relative link</a>
"""


def seed_post() -> tuple[str, str]:
    """(title, body text) of the blog post the seed page shows, read from the corpus."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("Despacho revela"))
    end = next(i for i, l in enumerate(lines) if i > start and l.startswith("Viewing all articles"))
    body = [l for l in lines[start + 1 : end] if l.strip() and l.strip() not in ("$", "0")]
    return lines[start], "\n".join(body)


def png(w: int = 8, h: int = 8, rgb: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A small solid PNG (for the Latest Images strip)."""
    row = b"\x00" + bytes(rgb) * w
    raw = row * h

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def corpus_available() -> bool:
    return SEED.is_file() and CABLES_2010.is_dir()


def build_archive(db_dir: Path, cables: list[Path] | None = None, *, extra_versions: bool = True, srv=None) -> dict:
    """Build a test archive in ``db_dir``; returns facts the tests check against.

    ``srv``: a running ``FeedServer`` to use (left running, so that the images stay
    reachable); by default one is started and stopped here."""
    sys.path.insert(0, str(ROOT / "tests"))
    from feedserver import FeedServer, rss  # noqa: E402 - the project's local HTTP server for feed tests

    from cablebase import PollSettings, Settings, open_archive
    from cablebase.sources.net import NetPolicy

    settings = Settings.load(db_dir)
    paths = list(cables if cables is not None else [CABLES_2010])
    paths.append(SEED)
    if extra_versions and ALX_MEXICO.is_file():
        paths.append(ALX_MEXICO)  # a second source of 07MEXICO983: versions to compare
    st = open_archive(settings=settings)
    own = srv is None
    srv = srv or FeedServer()
    try:
        report = st.ingest(paths, workers=1)
        title, body = seed_post()
        img_url = srv.route("/img/cuba.png", png(), content_type="image/png")
        content = f'<p><img src="{escape(img_url)}" alt="Cuba"></p>' + "".join(
            f"<p>{escape(p)}</p>" for p in body.split("\n"))
        post = srv.url("/2011/06/despacho-revela-temor/")
        feed = rss(SEED_CHANNEL, [{
            "title": title, "link": post, "guid": srv.url("/?p=1234"), "pubDate": "Wed, 01 Jun 2011 12:00:00 +0000",
            "description": "Leia aqui a matéria sobre esse documento [...]", "content": content,
            "raw": "<dc:creator><![CDATA[Opera Leaks]]></dc:creator><category><![CDATA[Cuba]]></category>"
                   f'<media:content url="{escape(img_url)}" medium="image" type="image/png"/>'}],
            link=srv.url("/"))
        url = srv.route("/category/cuba/feed/", feed)
        hostile = rss(HOSTILE_CHANNEL, [{
            "title": XSS_TITLE, "link": srv.url("/hostile/1"), "guid": srv.url("/?p=666"),
            "pubDate": "Thu, 02 Jun 2011 12:00:00 +0000", "description": "hostile", "content": XSS_CONTENT,
            "raw": f"<dc:creator><![CDATA[{XSS_AUTHOR}]]></dc:creator>"}], link=srv.url("/"))
        hurl = srv.route("/hostile/feed/", hostile)
        ps = PollSettings(net=NetPolicy(allow=("127.0.0.1",)), fulltext=False, request_timeout=20)
        channels = st.channels
        st.add_feed(url, SEED_CHANNEL, settings=ps)
        st.add_feed(hurl, HOSTILE_CHANNEL, settings=ps)
        pr = st.poll(ps)
        total, arts = channels.channel_articles(SEED_CHANNEL)
        facts = {
            "ingested": report.cables, "poll_new": pr.new, "poll_merged": pr.merged, "poll_errors": pr.errors,
            "seed_article_id": arts[0]["id"] if arts else None, "seed_title": title,
            "hostile_article_id": channels.channel_articles(HOSTILE_CHANNEL)[1][0]["id"],
            "image_url": img_url,
        }
    finally:
        if own:
            srv.close()
        st.close()
    return facts


ARTICLES_2010 = CORPUS / "cablegate-2010" / "articles" / "2010"
_CABLE_LINK = re.compile(r"/cable/(\d{4}/\d{2}/[0-9A-Z]+\.html)")


def build_first_run_archive(db_dir: Path) -> dict:
    """An archive as the main job leaves it, in small: the 2010 site's articles (its channels,
    one per section), the seed page (its channel ``Opera Leaks » Cuba``), the cablegate-2010
    cables the articles link to, and the entities (``enrich``). Returns facts to check."""
    from cablebase import open_archive

    cited = sorted({m for p in ARTICLES_2010.glob("*.html")
                    for m in _CABLE_LINK.findall(p.read_text(encoding="utf-8", errors="replace"))})
    cables = [CABLES_2010 / c for c in cited if (CABLES_2010 / c).is_file()]
    with open_archive(db_dir) as st:
        report = st.ingest([ARTICLES_2010, SEED, *cables], workers=1)
        st.enrich(workers=1, similar=False)
        [garcia] = [e for e in st.entities.list_entities("PER", limit=1000) if e["name"].endswith("Garcia Luna")]
        return {"cables": report.cables, "failures": [str(f) for f in report.failures],
                "channels": [c["name"] for c in st.channels.list_channels()], "garcia_luna": garcia}
