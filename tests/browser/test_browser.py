"""The web archive in a real browser (Playwright driving Debian's Chromium).

A temporary archive is built from the corpus (all cablegate-2010 pages, the seed page, the
alx text of 07MEXICO983) and the seed channel is polled from a local feed server that also
serves its image; ``cablebase serve`` runs on 127.0.0.1 at a free port. The walk: the seed
channel → its article → cable 07MEXICO983 (metadata table, paragraph 10 under "Cuba") →
search "pseudoephedrine" → a facet → a REF link on a cablegate-2010 cable → an Atom feed;
then a hostile article, during which any dialog fails the test. Last, the home page of a small
first-run archive (the 2010 site's articles as channels, the seed, enriched: entities) → the
seed's cable → Genaro Garcia Luna's entity page. A screenshot of each step is saved under
pytest's temporary directory (or ``$CABLEBASE_SCREENSHOTS``): ``02-channel.png`` is the README's
docs/screenshots/seed-channel.png, ``14-home-first-run.png`` its docs/screenshots/home.png.

Skips cleanly when the corpus, Chromium or Playwright is absent (scripts/setup installs them).
"""

from __future__ import annotations

import re

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import support  # noqa: E402

CHROMIUM = os.environ.get("CABLEBASE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

IN_CI = bool(os.environ.get("CI"))
if IN_CI and support.corpus_available():
    # scripts/setup installs Chromium and Playwright: in CI these tests must run, not skip
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"CI: no Chromium at {CHROMIUM}; scripts/setup must `apt-get install -y chromium`")
    import playwright.sync_api as playwright_api  # noqa: E402 - an ImportError here fails the run, as it should
else:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) not installed")
pytestmark = [
    pytest.mark.skipif(not support.corpus_available(), reason="corpus not available"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_command() -> list[str]:
    """``cablebase serve`` when the main CLI has it, else the same command from cli_web."""
    from cablebase import cli

    names = {c.name for c in cli.app.registered_commands}
    exe = shutil.which("cablebase", path=str(Path(sys.executable).parent)) or shutil.which("cablebase")
    if "serve" in names and exe:
        return [exe, "serve"]
    return [sys.executable, "-m", "cablebase.cli_web", "serve"]


@contextlib.contextmanager
def _serving(db: Path):
    """``cablebase serve`` on the archive ``db`` at a free port: its base URL."""
    port = _free_port()
    env = {**os.environ, "CABLEBASE_DB": str(db)}
    env.pop("CABLEBASE_WEB_TOKEN", None)
    proc = subprocess.Popen([*_serve_command(), "--db", str(db), "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    pytest.fail(f"cablebase serve did not start: {out[-2000:]}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    sys.path.insert(0, str(support.ROOT / "tests"))
    from feedserver import FeedServer

    db = tmp_path_factory.mktemp("browser-archive")
    srv = FeedServer()  # stays up: the channel's image is served from it
    try:
        facts = support.build_archive(db, srv=srv)
        facts["db"] = str(db)
        with _serving(db) as base:
            yield base, facts
    finally:
        srv.close()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """An archive as the main job leaves it, in small: channels (the seed's, the 2010 site's
    sections) and entities."""
    db = tmp_path_factory.mktemp("first-run-archive")
    facts = support.build_first_run_archive(db)
    with _serving(db) as base:
        yield base, facts


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = os.environ.get("CABLEBASE_SCREENSHOTS")
    p = Path(d) if d else tmp_path_factory.mktemp("screenshots")
    p.mkdir(parents=True, exist_ok=True)
    return p


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    pg.on("dialog", on_dialog)
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    yield pg
    ctx.close()
    assert not dialogs, f"a script ran: {dialogs}"


def snap(pg, shots: Path, name: str) -> None:
    pg.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_walk_from_seed_channel_to_cable_search_ref_and_feed(site, page, shots):
    base, facts = site
    pg = page
    expect = playwright_api.expect
    csp: list[str] = []
    pg.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    # 1. the seed channel, from the home page
    pg.goto(base + "/")
    snap(pg, shots, "01-home")
    pg.get_by_role("link", name=support.SEED_CHANNEL).first.click()
    expect(pg.locator("h1")).to_have_text(f"Channel: {support.SEED_CHANNEL}")
    expect(pg.locator(".channelnav")).to_contain_text("Browse latest")
    expect(pg.get_by_role("link", name="Browse all 1")).to_be_visible()
    expect(pg.get_by_role("heading", name="Latest Images")).to_be_visible()
    img = pg.locator("ul.imagestrip img").first
    expect(img).to_be_visible()
    pg.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    entry = pg.locator("article.entry").first
    expect(entry.locator("ul.cablelinks")).to_contain_text("07MEXICO983")
    snap(pg, shots, "02-channel")
    pg.get_by_role("link", name="Browse all 1").click()
    expect(pg.locator("article.entry")).to_have_count(1)
    anchor = pg.locator("article.entry").first.get_attribute("id")
    assert anchor and anchor.startswith("a")

    # 2. its article
    pg.locator("article.entry h2 a", has_text=facts["seed_title"]).click()
    expect(pg.locator("h1")).to_have_text(facts["seed_title"])
    expect(pg.locator("td.author")).to_have_text("Opera Leaks")
    original = pg.locator("a.original")
    expect(original).to_be_visible()
    assert original.get_attribute("href").startswith("http://127.0.0.1:")
    expect(pg.locator("table.articlemeta")).to_contain_text("Portuguese")
    expect(pg.locator("#content")).to_contain_text("Medina Mora")
    snap(pg, shots, "03-article")

    # 3. the cable it embeds
    pg.locator("#cables").get_by_role("link", name="07MEXICO983").click()
    expect(pg).to_have_url(base + "/cable/07MEXICO983")
    head = [t.strip() for t in pg.locator("table#metadata th").all_inner_texts()]
    assert head == ["Reference ID", "Created", "Released", "Classification", "Origin"]
    cells = pg.locator("table#metadata td")
    expect(cells.nth(0)).to_have_text("07MEXICO983")
    expect(cells.nth(1)).to_contain_text("2007-02-27")
    expect(cells.nth(3)).to_contain_text("UNCLASSIFIED//FOR OFFICIAL USE ONLY")
    expect(cells.nth(4)).to_have_text("Embassy Mexico")
    par10 = pg.locator("#par10")
    expect(par10.locator("xpath=ancestor::section[1]/h3")).to_have_text("Cuba")
    expect(par10).to_contain_text("(SBU)")
    par10.locator("a.parlink").click()
    expect(pg).to_have_url(base + "/cable/07MEXICO983#par10")
    assert pg.evaluate("document.querySelector(':target').id") == "par10"
    snap(pg, shots, "04-cable")

    # 4. search, and a facet
    box = pg.locator("header form.topsearch input[name=q]")
    box.fill("pseudoephedrine")
    box.press("Enter")
    pg.wait_for_url("**/search?q=pseudoephedrine")
    first = pg.locator("li.hit:not(.article)").first  # the cables' list (the press's articles apart)
    expect(first).to_contain_text("07MEXICO983")
    expect(pg.locator("li.hit.article", has_text="Despacho revela temor").first).to_be_visible()  # the seed post quotes it
    expect(first.locator("mark").first).to_have_text("pseudoephedrine", ignore_case=True)
    total_before = pg.locator("#total").inner_text()
    snap(pg, shots, "05-search")
    facet = pg.locator("#facet-origin a.facet-value").first
    value = facet.inner_text()
    with pg.expect_request(lambda r: "origin=" in r.url) as req:
        facet.click()
    assert req.value.headers.get("hx-request") == "true"  # htmx swapped the results in (CSP let it run)
    pg.wait_for_url("**origin=*")
    expect(pg.locator(".active .chip")).to_contain_text(value)
    for meta in pg.locator("li.hit .hitmeta").all_inner_texts():
        assert value in meta
    assert pg.locator("#total").inner_text() != "" and total_before
    snap(pg, shots, "06-facet")

    # 5. a REF link on a cablegate-2010 cable
    pg.goto(base + "/cable/05MADRID1626")
    ref = pg.locator("#refs a.ref", has_text="05MADRID1604")
    expect(ref).to_be_visible()
    snap(pg, shots, "07-ref-cable")
    ref.click()
    expect(pg).to_have_url(base + "/cable/05MADRID1604")
    expect(pg.locator("#cited-by")).to_contain_text("05MADRID1626")
    snap(pg, shots, "08-ref-target")

    # 6. an Atom feed
    pg.goto(base + "/channel/" + quote(support.SEED_CHANNEL, safe=""))
    href = pg.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href")
    resp = pg.goto(base + href)
    assert resp.status == 200 and resp.headers["content-type"].startswith("application/atom+xml")
    import feedparser

    f = feedparser.parse(resp.body())
    assert not f.bozo and f.entries[0].title == facts["seed_title"]
    assert f.entries[0].id == f"urn:cablebase:article:{facts['seed_article_id']}"
    expect(pg.locator("body")).to_contain_text("urn:cablebase:article")
    snap(pg, shots, "09-atom")
    assert not csp, f"our own pages broke the Content-Security-Policy: {csp}"


def test_hostile_article_runs_no_script(site, page, shots):
    base, facts = site
    pg = page
    blocked: list[str] = []
    pg.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    for name, url in (("10-hostile-article", f"/article/{facts['hostile_article_id']}"),
                      ("11-hostile-channel", "/channel/" + quote(support.HOSTILE_CHANNEL, safe="")),
                      ("12-home-with-hostile", "/")):
        pg.goto(base + url)
        pg.wait_for_load_state("load")
        pg.wait_for_timeout(300)
        # no script element, no inline handler, no javascript: URL survived into the DOM
        assert pg.evaluate("[...document.scripts].every(s => s.src.startsWith(location.origin + '/static/') && !s.text.trim())")
        assert pg.evaluate("""[...document.querySelectorAll('*')].every(el =>
            [...el.attributes].every(a => !a.name.startsWith('on') && !/^\\s*(javascript|data):/i.test(a.value)))""")
        assert pg.evaluate("document.querySelectorAll('svg:not(.chart), iframe, object, embed, base, form[action^=javascript]').length") == 0
        snap(pg, shots, name)
    # clicking what were javascript:/data: links does nothing (their href is gone)
    pg.goto(base + f"/article/{facts['hostile_article_id']}")
    for link in pg.locator("#content a", has_text="link").all():
        if link.get_attribute("href") is None:
            link.click()
    pg.wait_for_timeout(200)
    assert pg.url.endswith(f"/article/{facts['hostile_article_id']}")


def test_pages_work_without_javascript(site, browser, shots):
    base, _facts = site
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    try:
        pg.goto(base + "/search?q=cuba")
        pg.locator("#facet-year a.facet-value").first.click()
        pg.wait_for_url("**year=*")
        assert pg.locator("li.hit").count() > 0
        pg.select_option("select[name=sort]", "newest")
        pg.locator("main form.bigsearch button[type=submit]").click()
        pg.wait_for_url("**sort=newest*")
        assert pg.locator("li.hit").count() > 0
        pg.goto(base + "/cable/07MEXICO983")
        pg.locator("#sources button[type=submit]").click()
        pg.wait_for_url("**/cable/07MEXICO983/diff?*")
        assert pg.locator("table.diff tr").count() > 1
        snap(pg, shots, "13-diff-no-js")
    finally:
        ctx.close()


NOTE_PAYLOAD = ("<script>alert('note-script')</script><img src=x onerror=alert('note-img')>"
                "<b id=\"note-bold\">checked with the desk</b> <a href=\"javascript:alert('note-js')\">js</a>"
                "<svg onload=alert('note-svg')></svg>")


def test_note_with_script_payload_runs_nothing(site, page, shots):
    """An editor signs in with the login form, writes a hostile note on a paragraph with the
    note form (CSRF token and all), and the cable page shows it sanitised: no dialog."""
    from cablebase import open_archive

    base, facts = site
    with open_archive(facts["db"], create=False) as a:
        _, token = a.add_user(f"desk{os.getpid()}", "editor")
    pg = page
    pg.goto(base + "/login?next=/cable/07MEXICO983")
    pg.fill("input[name=name]", f"desk{os.getpid()}")
    pg.fill("input[name=token]", token)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url("**/cable/07MEXICO983")
    pg.goto(base + "/notes/new?target=" + quote("07MEXICO983#par10", safe=""))
    pg.fill("#note-form textarea[name=text]", NOTE_PAYLOAD)
    pg.click("#note-form button[type=submit]")
    pg.wait_for_url("**/cable/07MEXICO983#par10")
    pg.wait_for_timeout(300)
    assert pg.locator("#par10 .note b").first.inner_text() == "checked with the desk"
    assert pg.evaluate("[...document.scripts].every(s => s.src.startsWith(location.origin + '/static/') && !s.text.trim())")
    assert pg.evaluate("""[...document.querySelectorAll('.note *')].every(el =>
        [...el.attributes].every(a => !a.name.startsWith('on') && !/^\\s*(javascript|data):/i.test(a.value)))""")
    assert pg.evaluate("document.querySelectorAll('.note svg, .note img[onerror]').length") == 0
    assert token not in pg.content()
    snap(pg, shots, "16-hostile-note")


def test_home_page_of_a_first_run_shows_channels_and_entities(first_run, page, shots):
    """What a newcomer sees first (the README's docs/screenshots/home.png is this step's
    screenshot): the channels, the press and the people, a click away. (Last in the module: the
    ``site`` archive is built, and its feeds polled, before the browser's event loop runs.)"""
    base, facts = first_run
    assert facts["failures"] == [] and support.SEED_CHANNEL in facts["channels"]
    pg = page
    expect = playwright_api.expect
    pg.goto(base + "/")
    expect(pg.locator("p.counts")).to_contain_text(f"articles in {len(facts['channels'])} channels")
    channels = pg.locator("ul.channels")
    for name in (support.SEED_CHANNEL, "WikiLeaks » Brazil"):
        expect(channels.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(pg.locator("ul.articles a").first).to_be_visible()
    people = pg.locator("p.entities", has_text="People:")
    expect(people.locator("a").first).to_be_visible()
    for label in ("Organizations:", "Places:"):
        expect(pg.locator("p.entities", has_text=label).locator("a").first).to_be_visible()
    snap(pg, shots, "14-home-first-run")
    # the seed's post → the cable it embeds → a person it names
    seed_post = pg.locator("ul.articles li", has_text="Despacho revela temor")
    seed_post.get_by_role("link", name="07MEXICO983").click()
    expect(pg).to_have_url(base + "/cable/07MEXICO983")
    name = facts["garcia_luna"]["name"]
    pg.locator("section#entities").get_by_role("link", name=name, exact=True).click()
    # an entity's address is its name (numbers still answer)
    expect(pg).to_have_url(re.compile(re.escape(base + "/entity/") + f"(genaro-garcia-luna|{facts['garcia_luna']['id']})$"))
    expect(pg.locator("h1")).to_contain_text(name)
    expect(pg.locator("body")).to_contain_text("07MEXICO983")
    snap(pg, shots, "15-entity-first-run")
