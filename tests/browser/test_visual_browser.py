"""Timelines, threads and who-with-whom in a real browser (Playwright driving Debian's Chromium).

On the small enriched archive of ``visual_support`` served by ``cablebase serve``: a search's
timeline has a bar per month with cables and clicking the biggest narrows the search to that
month; an entity page draws its network (a node per entity, each a link) and its timeline; a
thread page draws every cable of the thread. No script runs (the pages have none for this).
Screenshots (``$CABLEBASE_SCREENSHOTS`` or pytest's temporary directory): ``v1-search-timeline``,
``v2-network``, ``v3-thread`` are the README's docs/screenshots/timeline.png, network.png and
thread.png.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import support  # noqa: E402
import visual_support  # noqa: E402
from test_browser import CHROMIUM, CHROMIUM_ARGS, _serving, playwright_api  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not support.corpus_available(), reason="corpus not available"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = tmp_path_factory.mktemp("visual-browser")
    facts = visual_support.build_visual_archive(db)
    with _serving(db) as base:
        yield base, facts


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = os.environ.get("CABLEBASE_SCREENSHOTS")
    p = Path(d) if d else tmp_path_factory.mktemp("visual-screenshots")
    p.mkdir(parents=True, exist_ok=True)
    return p


@pytest.fixture(scope="module")
def page():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = b.new_context(viewport={"width": 1280, "height": 900})
        pg = ctx.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        yield pg
        b.close()
        assert not dialogs, f"a script ran: {dialogs}"


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def test_search_timeline_bars_and_a_click_narrows_to_the_month(served, page, shots):
    base, _ = served
    expect = playwright_api.expect
    t = _json(base + "/api/timeline?q=brazil")
    months = [m for m in t["months"] if m["cables"]]
    page.goto(base + "/search?q=brazil")
    bars = page.locator("#timeline svg.timeline rect.bar-cables")
    expect(bars).to_have_count(len(months))
    expect(page.locator("#timeline svg.timeline")).to_have_attribute("role", "img")
    page.locator("#timeline").screenshot(path=str(shots / "v1-search-timeline.png"))
    biggest = max(months, key=lambda m: m["cables"])
    page.locator(f'#timeline svg a:has(rect[data-month="{biggest["month"]}"])').click()
    expect(page).to_have_url(re.compile(f"from(%3A|:){biggest['month']}"))
    n = biggest["cables"]
    expect(page.locator("#total")).to_contain_text(f"{n} cable{'' if n == 1 else 's'}")
    expect(page.locator("ol.hits li.hit")).to_have_count(min(n, 20))


def test_entity_network_nodes_are_links(served, page, shots):
    base, _ = served
    expect = playwright_api.expect
    top = _json(base + "/index.json")["entities"][0]["entities"][0]
    net = _json(base + f"/api/entities/{top['id']}/network")
    page.goto(base + top["url"])
    expect(page.locator("#network svg.network g[data-entity]")).to_have_count(len(net["nodes"]) + 1)
    expect(page.locator("#timeline svg.timeline")).to_be_visible()
    page.locator("#network").screenshot(path=str(shots / "v2-network.png"))
    first = net["nodes"][0]
    page.locator(f'#network svg a:has(g[data-entity="{first["id"]}"])').click()
    expect(page).to_have_url(base + first["url"])
    expect(page.locator("h1")).to_contain_text(first["name"])


def test_thread_draws_every_cable(served, page, shots):
    base, _ = served
    expect = playwright_api.expect
    t = _json(base + "/api/cables/09BRASILIA34/thread")
    page.goto(base + "/cable/09BRASILIA34")
    page.get_by_role("link", name="The diplomatic thread").click()
    expect(page).to_have_url(base + "/cable/09BRASILIA34/thread")
    expect(page.locator("svg.thread g.node")).to_have_count(len(t["cables"]))
    expect(page.locator("svg.thread g.node.cls-absent")).to_have_count(sum(not c["in_archive"] for c in t["cables"]))
    page.locator("figure.thread-figure").screenshot(path=str(shots / "v3-thread.png"))
    other = next(c for c in t["cables"] if c["in_archive"] and c["ref_id"] != "09BRASILIA34")
    page.locator(f'svg.thread a:has(g[data-ref="{other["ref_id"]}"])').click()
    expect(page).to_have_url(base + "/cable/" + quote(other["ref_id"]))
