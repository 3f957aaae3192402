"""The web's caches follow the archive at once: a page served, then a write, then the page again.

The cached pages and lists are keyed on the archive's version. That version used to be trusted
for half a second after each check, so a cable page asked for just before a poll was served
as it was (without the article just linked to it) until the time ran out — a test that polled
quickly after another one had warmed the imports saw ``articles == []``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cablebase.config import Settings
from cablebase.record import Cable, Paragraph, Source
from cablebase import open_archive
from cablebase.model import Article, Link


def cable(ref_id: str, body: str) -> tuple[Cable, bytes]:
    raw = f"{ref_id} {body}".encode()
    return Cable(ref_id=ref_id, origin="Embassy Paris", subject=body[:20], body=body,
                 paragraphs=[Paragraph(1, "U", None, body)],
                 source=Source("telegram", f"{ref_id}.txt", hashlib.sha256(raw).hexdigest())), raw


@pytest.fixture
def db(tmp_path: Path) -> Settings:
    s = Settings(db_dir=tmp_path / "db", index_heap_bytes=50_000_000)
    with open_archive(settings=s) as st:
        st.add_cables([cable("09PARIS100", "The cheese board met on Monday.")])
    return s


def write(s: Settings, fn) -> None:
    st = open_archive(settings=s, create=False)
    try:
        fn(st)
    finally:
        st.close()


def article(key: str, title: str, *refs: str) -> Article:
    return Article(entry_key=key, entry_hash=f"h-{key}-{title}", title=title, url=f"http://127.0.0.1:9/{key}",
                       published="2011-06-01T12:00:00+00:00", text=f"{title} cites {' '.join(refs)}",
                       content_hash=f"c-{key}-{title}", links=[Link(r, "cites") for r in refs])


def test_a_cable_page_shows_an_article_linked_right_after_it_was_served(db: Settings) -> None:
    from fastapi.testclient import TestClient

    from cablebase.web.app import create_app
    from cablebase import WebSettings

    def articles() -> list[str]:
        return [a["title"] for a in c.get("/cable/09PARIS100.json").json()["articles"]]

    with TestClient(create_app(db, WebSettings()), raise_server_exceptions=False) as c:
        assert articles() == []  # served and cached; the archive has no channel tables yet
        html = c.get("/cable/09PARIS100").text
        assert "Cheese news" not in html

        feed: list[int] = []

        def first(st) -> None:
            cs = st.channels
            feed.append(cs.add_feed("http://127.0.0.1:9/feed.xml", "Cheese"))
            cs.store_entries(feed[0], [article("a1", "Cheese news", "09PARIS100")])

        write(db, first)  # no wait: the next request must see it
        assert articles() == ["Cheese news"]
        assert "Cheese news" in c.get("/cable/09PARIS100").text

        write(db, lambda st: st.channels.store_entries(feed[0], [article("a2", "More cheese", "09PARIS100")]))
        assert sorted(articles()) == ["Cheese news", "More cheese"]


def test_home_counts_and_latest_cables_follow_a_write_at_once(db: Settings) -> None:
    from fastapi.testclient import TestClient

    from cablebase.web.app import create_app
    from cablebase import WebSettings

    def home() -> tuple[int, int, set[str]]:
        j = c.get("/index.json").json()
        return j["counts"]["cables"], j["counts"]["articles"], {r["ref_id"] for r in j["latest_cables"]}

    with TestClient(create_app(db, WebSettings()), raise_server_exceptions=False) as c:
        assert home() == (1, 0, {"09PARIS100"})
        write(db, lambda st: st.add_cables([cable("09PARIS101", "The cheese board met again.")]))
        assert home() == (2, 0, {"09PARIS100", "09PARIS101"})
        write(db, lambda st: st.channels.store_entries(
            st.channels.add_feed("http://127.0.0.1:9/feed.xml", "Cheese"), [article("a1", "Cheese news")]))
        assert home() == (2, 1, {"09PARIS100", "09PARIS101"})
