"""``cablebase export --format ftm`` and ``/api/export?format=ftm``: the archive's people,
organisations and places and its cables as FollowTheMoney entities, valid by the
``followthemoney`` package's own model, every reference pointing at an entity of the export."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import support  # noqa: E402
import visual_support  # noqa: E402

pytestmark = pytest.mark.skipif(not support.corpus_available(), reason="corpus not available")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    d = tmp_path_factory.mktemp("ftm")
    return d, visual_support.build_visual_archive(d)


def _check(lines: list[bytes]) -> Counter:
    from followthemoney import model

    ids: set[str] = set()
    kinds: Counter = Counter()
    for line in lines:
        d = orjson.loads(line)
        schema = model.get(d["schema"])
        assert schema is not None and schema.validate(d) is None, d
        p = model.get_proxy(d)
        for prop, value in p.itervalues():
            if prop.type.name == "entity":
                assert value in ids, (d["id"], prop.name, value)  # referenced entities come first
        assert d["id"] not in ids
        ids.add(d["id"])
        kinds[d["schema"]] += 1
    return kinds


def test_cli_export_ftm_is_valid_and_complete(archive):
    from typer.testing import CliRunner

    from cablebase import open_archive
    from cablebase.cli import app

    r = CliRunner().invoke(app, ["export", "--format", "ftm", "--db", str(archive[0])])
    assert r.exit_code == 0, r.output
    lines = r.stdout_bytes.splitlines()
    kinds = _check(lines)
    with open_archive(archive[0], create=False) as st:
        n_cables = st.stats().cables
    assert kinds["Document"] == n_cables
    assert kinds["Person"] and kinds["Organization"] and kinds["Address"] and kinds["Mention"] and kinds["Documentation"]
    garcia = archive[1]["garcia_luna"]
    [p] = [orjson.loads(l) for l in lines if orjson.loads(l)["id"] == f"cablebase-entity-{garcia['id']}"]
    assert p["schema"] == "Person" and p["properties"]["name"] == [garcia["name"]]
    mex = [orjson.loads(l) for l in lines if b"cablebase-cable-07MEXICO983" in l]
    doc = next(d for d in mex if d["schema"] == "Document")
    assert garcia["name"] in doc["properties"]["peopleMentioned"]
    assert any(d["schema"] == "Mention" and d["properties"]["resolved"] == [p["id"]] for d in mex)


def test_api_export_ftm_follows_the_search(archive):
    from fastapi.testclient import TestClient

    from cablebase import WebSettings
    from cablebase.config import Settings
    from cablebase.web.app import create_app

    with TestClient(create_app(Settings.load(archive[0]), WebSettings())) as c:
        r = c.get("/api/export", params={"format": "ftm", "q": "pseudoephedrine"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        kinds = _check(r.content.splitlines())
        total = c.get("/search.json", params={"q": "pseudoephedrine"}).json()["total"]
        assert kinds["Document"] == total >= 1
        assert c.get("/api/export", params={"format": "xml"}).status_code == 400
