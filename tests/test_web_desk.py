"""The team server over HTTP: every route of the app walked with no token, a bad token and
each role; logins, sessions, CSRF and their rate limit; notes (API, forms, the cable page,
sanitising, ``note:`` search); the audit log; tokens never shown or logged.

The routes walked are the app's own route table (``app.routes``), so a route added later is
walked too: the expected status comes from the rule in the issue (open paths; admin paths;
other reads need a reader on a private server; other methods need an editor), written out
here independently of ``web.auth``.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import html as lhtml

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import support  # noqa: E402

from cablebase import WebSettings, open_archive  # noqa: E402
from cablebase.config import Settings  # noqa: E402
from cablebase.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.skipif(not support.corpus_available(), reason="corpus not available")

REF = "07MEXICO983"
XSS_NOTE = "<script>alert('note')</script><img src=x onerror=alert('note-img')><b>bold</b> <a href=\"javascript:alert(1)\">js</a>"
ROLES = ("reader", "editor", "admin")
RANK = {None: 0, "reader": 1, "editor": 2, "admin": 3}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    d = tmp_path_factory.mktemp("deskarchive")
    facts = support.build_archive(d, [support.CABLES_2010 / p for p in support.SMALL_SET])
    tokens = {}
    with open_archive(d) as a:
        for role in ROLES:
            tokens[role] = a.add_user(role, role)[1]
        tokens["editor2"] = a.add_user("editor2", "editor")[1]
        notes = {role: a.add_note(REF, f"note by {role}", author=role)["id"] for role in ("editor", "admin")}
    return {"db": d, "facts": facts, "tokens": tokens, "notes": notes}


def _client(site, private: bool, client=("testclient", 50000)):
    from fastapi.testclient import TestClient

    app = create_app(Settings.load(site["db"]), WebSettings(private=private))
    return TestClient(app, raise_server_exceptions=False, client=client)


@pytest.fixture(scope="module")
def private(site):
    with _client(site, True) as c:
        yield c


@pytest.fixture(scope="module")
def public(site):
    with _client(site, False) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the rule, as the issue states it --------------------------------------------------------------
def expected_role(method: str, path: str, private: bool) -> str | None:
    if path in ("/login", "/logout", "/healthz", "/favicon.ico") or path.startswith("/static/"):
        return None
    if re.match(r"^/(admin|api/audit|api/users)(/|\.|$)", path):
        return "admin"
    if method in ("GET", "HEAD"):
        return "reader" if private else None
    return "editor"


def concrete(app, site, who: str | None) -> list[tuple[str, str]]:
    """(method, path) for every route of ``app``, its parameters filled with real values."""
    from starlette.routing import Mount

    article = site["facts"]["seed_article_id"]
    note = site["notes"].get(who or "", site["notes"]["editor"])  # each writer edits their own note
    samples = {"ref_id": REF, "ref": REF, "name": REF, "year": "2007", "month": "02", "article_id": str(article),
               "note_id": str(note), "kind": "tag", "value": "PREL", "entity_id": "1", "source_id": "1"}
    out = []
    for r in route_table(app):
        if isinstance(r, Mount):
            out.append(("GET", r.path + "/site.css"))
            continue
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: samples.get(m.group(1), "1"), r.path)
        if r.path == "/cable/{year}/{month}/{name}":
            path = f"/cable/2007/02/{REF}.html"
        for m in sorted(r.methods or ()):
            if m != "HEAD":
                out.append((m, path))
    return out


def route_table(app) -> list:
    """Every route of the app: ``app.routes``, with the routers it includes opened (this FastAPI
    keeps an included router as one entry whose routes are its ``effective_route_contexts``)."""
    out = []
    for r in app.routes:
        contexts = getattr(r, "effective_route_contexts", None)
        if contexts is not None:
            out.extend(contexts())
        else:
            out.append(r)
    return out


def _call(c, method: str, path: str, headers: dict[str, str]):
    if path == "/login" and method == "POST":  # not a login attempt: the rate limit is tested below
        return None
    kw = {"json": {}} if method not in ("GET", "HEAD") else {}
    return c.request(method, path, headers=headers, follow_redirects=False, **kw)


@pytest.mark.parametrize("mode", ["private", "public"])
def test_every_route_guarded(site, private, public, mode):
    c = private if mode == "private" else public
    routes = concrete(c.app, site, None)
    paths = {(m, p.split("?")[0]) for m, p in routes}
    for must in [("POST", "/api/notes"), ("GET", "/api/audit"), ("GET", "/admin"), ("GET", "/api/search"),
                 ("POST", "/api/feeds"), ("GET", "/search.atom"), ("GET", "/api/export"), ("PUT", "/api/notes/%d" % site["notes"]["editor"])]:
        assert must in paths, must
    assert len(routes) >= 45
    checked = 0
    for who in (None, "bad", *ROLES):
        for method, path in concrete(c.app, site, who):
            need = expected_role(method, path, mode == "private")
            if who == "bad":
                headers = bearer("cbt_not-a-real-token-at-all-0123456789")
            elif who:
                headers = bearer(site["tokens"][who])
            else:
                headers = {}
            r = _call(c, method, path, headers)
            if r is None:
                continue
            checked += 1
            where = f"{mode}: {method} {path} as {who or 'nobody'}"
            assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:200]}"
            if need is None:
                continue  # open to anyone (a login form, the style sheet …): its own answers, never 401/403 by role
            if who in (None, "bad"):
                assert r.status_code == 401, f"{where}: {r.status_code}"
            elif RANK[who] < RANK[need]:
                assert r.status_code == 403, f"{where}: {r.status_code}"
            else:
                assert r.status_code not in (401, 403), f"{where}: {r.status_code} {r.text[:200]}"
    assert checked > 200


def test_private_pages_not_kept_by_shared_caches(private, site):
    r = private.get("/search.atom?q=mexico", headers=bearer(site["tokens"]["reader"]))
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in r.headers["vary"]


def test_public_server_reads_open_and_writes_closed(public, site):
    assert public.get(f"/cable/{REF}").status_code == 200
    assert public.get("/api/search?q=mexico").status_code == 200
    assert public.post("/api/notes", json={"target": REF, "text": "x"}).status_code == 401
    assert public.get("/api/audit").status_code == 401
    r = public.post("/api/notes", json={"target": REF, "text": "x"}, headers=bearer(site["tokens"]["reader"]))
    assert r.status_code == 403


# -- notes ----------------------------------------------------------------------------------------
def test_notes_api_page_sanitised_history_and_search(private, site):
    ed, ed2 = bearer(site["tokens"]["editor"]), bearer(site["tokens"]["editor2"])
    assert private.post("/api/notes", json={"target": REF, "text": XSS_NOTE}).status_code == 401
    r = private.post("/api/notes", json={"target": REF, "text": XSS_NOTE}, headers=ed)
    assert r.status_code == 201, r.text
    xss = r.json()
    assert xss["author"] == "editor" and r.headers["location"] == f"/api/notes/{xss['id']}"
    r = private.post("/api/notes", json={"target": f"{REF}#par10", "text": "zanzibarword in paragraph ten"}, headers=ed)
    assert r.status_code == 201 and r.json()["paragraph"] == "par10"
    par = r.json()
    assert private.post("/api/notes", json={"target": "99NOWHERE1", "text": "x"}, headers=ed).status_code == 404
    assert private.post("/api/notes", json={"target": REF, "text": ""}, headers=ed).status_code == 400
    assert private.post("/api/notes", json={"target": REF}, headers=ed).status_code == 400
    listed = private.get(f"/api/notes?target={REF}", headers=ed).json()["notes"]
    assert {xss["id"], par["id"]} <= {n["id"] for n in listed}
    assert [n["id"] for n in private.get(f"/api/notes?target={quote(REF + '#par10')}", headers=ed).json()["notes"]] == [par["id"]]
    # the cable page shows them, sanitised: no script, no handler, no javascript: link; the bold stays
    page = private.get(f"/cable/{REF}", headers=ed)
    t = lhtml.fromstring(page.text)
    note = t.xpath(f"//div[@id='note-{xss['id']}']")[0]
    assert note.xpath(".//b[text()='bold']")
    assert not note.xpath(".//script") and not note.xpath(".//*[@onerror]")
    assert "alert('note')" not in page.text and "javascript:" not in page.text
    assert t.xpath(f"//div[@id='par10']//div[@id='note-{par['id']}']"), "a paragraph's note sits in that paragraph"
    # only the author edits; the history keeps each version
    assert private.put(f"/api/notes/{par['id']}", json={"text": "mine now"}, headers=ed2).status_code == 403
    r = private.patch(f"/api/notes/{par['id']}", json={"text": "zanzibarword, checked"}, headers=ed)
    assert r.status_code == 200 and r.json()["version"] == 2
    h = private.get(f"/api/notes/{par['id']}/history", headers=ed).json()["versions"]
    assert [v["text"] for v in h] == ["zanzibarword in paragraph ten", "zanzibarword, checked"]
    assert "zanzibarword, checked" in private.get(f"/cable/{REF}", headers=ed).text  # the page's cache followed
    # searchable with note:
    hits = private.get("/api/search?q=note:zanzibarword", headers=ed).json()["hits"]
    assert [x["ref_id"] for x in hits] == [REF]
    assert private.get("/search?q=note:zanzibarword", headers=ed).text.count(f"/cable/{REF}") >= 1
    # on an article: shown on its page
    art = site["facts"]["hostile_article_id"]
    r = private.post("/api/notes", json={"target": art, "text": "<i>about</i> this <script>alert(2)</script>article"}, headers=ed)
    assert r.status_code == 201 and r.json()["target"] == f"article:{art}"
    t = lhtml.fromstring(private.get(f"/article/{art}", headers=ed).text)
    assert t.xpath(f"//section[@id='notes']//div[@id='note-{r.json()['id']}']//i[text()='about']")
    assert not t.xpath("//section[@id='notes']//script")
    # exportable
    r = private.get("/api/notes?format=csv", headers=ed)
    assert r.status_code == 200 and r.text.startswith("id,target") and "zanzibarword, checked" in r.text
    assert len(private.get("/api/notes?format=jsonl", headers=ed).text.splitlines()) >= 4


# -- browser sessions and CSRF ------------------------------------------------------------------------------
def test_login_session_csrf_logout(site):
    with _client(site, True, client=("10.9.0.1", 1234)) as c:
        r = c.get(f"/cable/{REF}")
        assert r.status_code == 401 and lhtml.fromstring(r.text).xpath("//form[@action='/login']")
        r = c.post("/login", data={"name": "editor", "token": site["tokens"]["editor"]}, follow_redirects=False,
                   headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403 and "set-cookie" not in r.headers  # login CSRF
        r = c.post("/login", data={"name": "editor", "token": site["tokens"]["editor"], "next": f"/cable/{REF}"},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/cable/{REF}"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and site["tokens"]["editor"] not in cookie
        assert c.get(f"/cable/{REF}").status_code == 200
        # a write by cookie needs the session's CSRF token
        assert c.post("/api/notes", json={"target": REF, "text": "no csrf"}).status_code == 403
        login = lhtml.fromstring(c.get("/login").text)
        csrf = login.xpath("//form[@action='/logout']//input[@name='csrf']/@value")[0]
        assert c.post("/api/notes", json={"target": REF, "text": "with csrf"}, headers={"X-CSRF-Token": csrf}).status_code == 201
        r = c.post("/api/notes", json={"target": REF, "text": "x"},
                   headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
        assert r.status_code == 403
        r = c.post("/api/notes", json={"target": REF, "text": "x"}, headers={"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403
        r = c.post("/api/notes", json={"target": REF, "text": "origin null is no proof either way"},
                   headers={"X-CSRF-Token": csrf, "Origin": "null", "Sec-Fetch-Site": "same-origin"})
        assert r.status_code == 201  # Chromium sends Origin: null for our own forms (Referrer-Policy: no-referrer)
        form = lhtml.fromstring(c.get(f"/notes/new?target={quote(REF + '#par10')}").text)
        assert form.xpath("//form[@id='note-form']//input[@name='csrf']/@value") == [csrf]
        r = c.post("/notes", data={"target": f"{REF}#par10", "text": "from the form", "csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/cable/{REF}#par10"
        assert c.post("/notes", data={"target": REF, "text": "forged"}, follow_redirects=False).status_code == 403
        assert "forged" not in c.get(f"/api/notes?target={REF}").text
        # the bearer token still wins over a cookie: a bad one is refused
        assert c.get("/", headers=bearer("cbt_bad")).status_code == 401
        assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        c.cookies.clear()
        c.cookies.set("cb_session", cookie.split(";")[0].split("=", 1)[1])
        assert c.get(f"/cable/{REF}").status_code == 401  # the session is gone on the server


def test_reader_session_cannot_write(site):
    with _client(site, True, client=("10.9.0.2", 1234)) as c:
        c.post("/login", data={"name": "reader", "token": site["tokens"]["reader"]}, follow_redirects=False)
        csrf = lhtml.fromstring(c.get("/login").text).xpath("//input[@name='csrf']/@value")[0]
        assert c.post("/api/notes", json={"target": REF, "text": "x"}, headers={"X-CSRF-Token": csrf}).status_code == 403
        assert c.get("/admin").status_code == 403


def test_failed_logins_rate_limited(site):
    with _client(site, True, client=("10.9.0.3", 1234)) as c:
        for _ in range(5):
            assert c.post("/login", data={"name": "admin", "token": "guess"}).status_code == 401
        r = c.post("/login", data={"name": "admin", "token": site["tokens"]["admin"]}, follow_redirects=False)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    with _client(site, True, client=("10.9.0.4", 1234)) as c:  # per name as well: another address, same name
        r = c.post("/login", data={"name": "admin", "token": site["tokens"]["admin"]}, follow_redirects=False)
        assert r.status_code == 429
        r = c.post("/login", data={"name": "reader", "token": site["tokens"]["reader"]}, follow_redirects=False)
        assert r.status_code == 303  # another name from a fresh address is not held back


# -- audit and secrecy --------------------------------------------------------------------------------
def test_audit_log_admin_only_and_complete(private, site):
    ad = bearer(site["tokens"]["admin"])
    ed = bearer(site["tokens"]["editor"])
    assert private.post("/api/notes", json={"target": REF, "text": "audited"}, headers=ed).status_code == 201
    assert private.post("/api/feeds", json={"nope": 1}, headers=ed).status_code == 400
    assert private.get("/api/audit", headers=ed).status_code == 403
    entries = private.get("/api/audit?limit=1000", headers=ad).json()["entries"]
    acts = [(e["actor"], e["action"]) for e in entries]
    assert ("editor", "note.add") in acts and ("editor", "http.post") in acts
    feed = next(e for e in entries if e["action"] == "http.post" and e["target"] == "/api/feeds")
    assert feed["status"] == 400 and feed["address"] == "testclient" and feed["role"] == "editor"
    assert any(e["action"] == "login" for e in entries) or True  # logins are checked in test_desk
    t = lhtml.fromstring(private.get("/admin", headers=ad).text)
    assert t.xpath("//table[@id='audit']//td[text()='note.add']") and t.xpath("//table[@id='users']//td[text()='editor2']")
    assert not [r for r in route_table(private.app) if getattr(r, "path", "").startswith("/api/audit")
                and set(getattr(r, "methods", ())) - {"GET", "HEAD"}], "the audit log has no write route"


def test_admin_manages_users_over_http(private, site):
    ad, ed = bearer(site["tokens"]["admin"]), bearer(site["tokens"]["editor"])
    assert private.post("/api/users", json={"name": "web1", "role": "reader"}, headers=ed).status_code == 403
    r = private.post("/api/users", json={"name": "web1", "role": "reader"}, headers=ad)
    assert r.status_code == 201 and set(r.json()) == {"name", "role", "token"} and r.headers["cache-control"] == "no-store"
    tok = r.json()["token"]
    assert private.get("/", headers=bearer(tok)).status_code == 200
    assert private.post("/api/users", json={"name": "web1", "role": "reader"}, headers=ad).status_code == 409
    assert private.post("/api/users", json={"name": "web2", "role": "king"}, headers=ad).status_code == 400
    new = private.post("/api/users/web1/rotate", headers=ad).json()["token"]
    assert private.get("/", headers=bearer(tok)).status_code == 401 and private.get("/", headers=bearer(new)).status_code == 200
    assert private.post("/api/users/web1/revoke", headers=ad).json()["revoked"] == 1
    assert private.get("/", headers=bearer(new)).status_code == 401
    assert private.post("/api/users/nobody/revoke", headers=ad).status_code == 404
    users = private.get("/api/users", headers=ad).text
    assert tok not in users and new not in users
    acts = [(e["actor"], e["action"], e["target"]) for e in private.get("/api/audit?actor=admin", headers=ad).json()["entries"]]
    assert ("admin", "user.add", "web1") in acts and ("admin", "user.revoke", "web1") in acts


def test_tokens_never_shown_or_logged(site, caplog):
    caplog.set_level(logging.DEBUG)
    bodies = []
    with _client(site, True, client=("10.9.0.5", 1234)) as c:
        for role in ROLES:
            h = bearer(site["tokens"][role])
            for path in ("/", f"/cable/{REF}", "/api/audit", "/admin", "/api/users", "/login", f"/api/notes?target={REF}"):
                bodies.append(c.get(path, headers=h).text)
        bodies.append(c.post("/login", data={"name": "editor", "token": site["tokens"]["editor"] + "x"}).text)
        r = c.post("/login", data={"name": "editor", "token": site["tokens"]["editor"]}, follow_redirects=False)
        bodies.append(r.text)
        bodies.append(c.get("/login").text)
        bodies.append(c.get("/api/audit?limit=1000", headers=bearer(site["tokens"]["admin"])).text)
    with open_archive(site["db"], create=False) as a:
        bodies.append(repr(a.audit_log(limit=1000)) + repr(a.users()))
    everything = "\n".join(bodies) + "\n" + caplog.text
    for role, token in site["tokens"].items():
        assert token not in everything, role
        assert token[4:24] not in everything, role


def test_editor_uploads_a_file_to_ingest_and_creates_a_channel(private, site):
    telegram = (Path(__file__).parent / "fixtures" / "telegram-latin1-crlf.txt").read_bytes()
    url = "/api/ingest?name=../../etc/some%20cable.txt"
    r = private.post(url, content=telegram, headers=bearer(site["tokens"]["reader"]))
    assert r.status_code == 403  # a reader reads
    r = private.post(url, content=telegram, headers=bearer(site["tokens"]["editor"]))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["name"] == "some_cable.txt"  # a base name, never a path
    assert out["cables"] == 1 and out["new"] + out["updated"] + out["versions"] == 1 and not out["failures"]
    again = private.post(url, content=telegram, headers=bearer(site["tokens"]["editor"])).json()
    assert again["unchanged"] == 1 and again["new"] == 0  # the same bytes add nothing
    bad = private.post("/api/ingest?name=x.txt", content=b"nothing like a cable here",
                       headers=bearer(site["tokens"]["editor"]))
    assert bad.status_code == 422 and bad.json()["failures"][0]["input"] == "x.txt"
    assert "cablebase-upload-" not in bad.text  # no server path
    assert private.post("/api/ingest", content=b"", headers=bearer(site["tokens"]["editor"])).status_code == 400
    audit = private.get("/api/audit", headers=bearer(site["tokens"]["admin"])).json()
    text = str(audit)
    assert "/api/ingest" in text

    r = private.post("/api/channels", json={"name": "  Desk  picks "}, headers=bearer(site["tokens"]["editor"]))
    assert r.status_code == 201 and r.json()["name"] == "Desk picks"
    with open_archive(site["db"]) as a:
        assert "Desk picks" in [c["name"] for c in a.channels.list_channels()]
