"""Pages without a cable (``parse.press``, ``pipeline.press``): a WikiLeaks site snapshot's
articles become articles in a channel per section; its other pages are skipped, not errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cablebase import open_archive
from cablebase.parse.press import byline_date, read_press_page

ARTICLE = """<?xml version='1.0' encoding='utf-8' ?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x">
<html><head><title>Gondor pediu ajuda</title></head><body>
<div class="main"><div class="pane small">WikiLeaks: Cablegate</div>
<div class="pane big" dir="ltr">
<h2>Brazil - Gondor pediu ajuda aos EUA</h2>
<p><i>Ana Escritora, 10 de fevereiro de 2011, 11:00 GMT</i></p>
<div class="rightcol"><div class="morearticles"><i>More articles ...</i><br>
- <a href="Outra-materia.html">Outra matéria</a><br></div></div>
<p>O telegrama 09BRASILIA1112 mostra que o governo pediu ajuda.</p>
<p>Veja o <a href="/cable/2009/12/09BRASILIA1112.html">despacho</a>.</p>
</div></div></body></html>""".encode()

SITE = b"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x">
<html><head><title>Mirrors - WikiLeaks</title></head><body><p>Mirror list</p></body></html>"""


@pytest.mark.parametrize("byline, date", [
    ("Natalia Viana, 10 de fevereiro de 2011, 11:00 GMT", "2011-02-10"),
    ("Josef el Mahdi, 2:a december 2010, 03.00 GMT", "2010-12-02"),
    ("by María Luisa Rivera for Wikileaks, January 16 2011", "2011-01-16"),
    ("WikiLeaks Staff, 1 December 2010, 19.00 GMT", "2010-12-01"),
    ("Natalia Viana, 10 December, 9.00 GMT", None),      # no year: no date, nothing invented
    ("Digital McCarthism in the United States?", None),
])
def test_byline_dates(byline: str, date: str | None) -> None:
    assert byline_date(byline) == date


def test_an_article_page_and_a_site_page() -> None:
    a = read_press_page(ARTICLE, "Gondor-pediu-ajuda.html")
    assert (a.kind, a.section, a.title, a.published) == ("article", "Brazil", "Gondor pediu ajuda aos EUA", "2011-02-10")
    assert a.text.startswith("O telegrama 09BRASILIA1112") and "Outra matéria" not in a.text
    assert read_press_page(SITE, "mirrors.html").kind == "site"
    assert read_press_page(b"plain text, no markup", "x.txt") is None


def test_ingest_stores_the_press_as_articles_and_skips_site_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "Gondor-pediu-ajuda.html").write_bytes(ARTICLE)
    (site / "mirrors.html").write_bytes(SITE)
    with open_archive(tmp_path / "db") as archive:
        r = archive.ingest([site], workers=0)
        assert r.failures == [] and r.site_pages and len(r.press) == 1
        assert (r.press_stored.articles, r.press_stored.channels) == (1, ["WikiLeaks » Brazil"])
        total, arts = archive.channels.channel_articles("WikiLeaks » Brazil")
        assert total == 1 and arts[0]["title"] == "Gondor pediu ajuda aos EUA" and arts[0]["language"] == "pt"
        assert {c["ref_id"] for c in arts[0]["cables"]} == {"09BRASILIA1112"}
        again = archive.ingest([site], workers=0)
        assert (again.press_stored.articles, again.press_stored.same) == (0, 1)
    assert [f["status"] for f in open_archive(tmp_path / "db").channels.list_feeds()] == ["disabled"]


def test_a_cable_page_without_its_cable_is_still_an_error(tmp_path: Path) -> None:
    (tmp_path / "cable" / "2009" / "12").mkdir(parents=True)
    (tmp_path / "cable" / "2009" / "12" / "09BRASILIA1112.html").write_bytes(SITE)
    with open_archive(tmp_path / "db") as archive:
        r = archive.ingest([tmp_path / "cable"], workers=0)
    assert len(r.failures) == 1 and not r.site_pages


SAVED = """Quantcast
Channel: Opera Leaks » Gondor
Viewing all articles
Browse latest Browse all 8

Despacho revela temor de Gondor

$
0
0

Leia aqui a matéria sobre esse documento

Reference ID: 09BRASILIA412

Created: 2009-03-14 15:45

Released: 2011-05-25 20:30

Classification: CONFIDENTIAL

¶1.  (C)  The ferry will run again in April, the minister said.  End.

Viewing all articles
Browse latest Browse all 8

Latest Images
"""


def test_a_saved_channel_page_becomes_that_channel_with_its_post(tmp_path: Path) -> None:
    from cablebase.parse.press import read_saved_channel

    page = read_saved_channel(SAVED)
    assert (page.channel, page.announced, page.title) == ("Opera Leaks » Gondor", 8, "Despacho revela temor de Gondor")
    assert "$" not in page.text.split("\n") and "Latest Images" not in page.text
    f = tmp_path / "channel.txt"
    f.write_text(SAVED, encoding="utf-8")
    with open_archive(tmp_path / "db") as archive:
        r = archive.ingest([f], workers=0)
        assert r.failures == [] and r.cables == 1
        total, arts = archive.channels.channel_articles("Opera Leaks » Gondor")
        assert total == 1 and {(c["ref_id"], c["kind"]) for c in arts[0]["cables"]} == {("09BRASILIA412", "embeds")}
        [feed] = archive.channels.list_feeds()
        assert "1 article of the 8 articles the page announces" in feed["status_reason"]


STRAY = b"<html><head></head><body>Here is an empty test file.</body></html>"
"""What the 2011 snapshot's mirror carries at its top level beside the site (``test_rsync.html``)."""


def _tar(path: Path, members: list[tuple[str, bytes]]) -> Path:
    import io
    import tarfile

    with tarfile.open(path, "w:xz") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_a_file_the_mirror_carries_is_a_skipped_site_page_not_an_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cablebase.cli import app

    site = _tar(tmp_path / "site.tar.xz", [("Gondor-pediu-ajuda.html", ARTICLE), ("mirrors.html", SITE),
                                           ("test_rsync.html", STRAY)])
    r = CliRunner().invoke(app, ["ingest", "--db", str(tmp_path / "db"), str(site)])
    assert r.exit_code == 0, r.output
    assert "error:" not in r.output
    line = next(x for x in r.output.splitlines() if "site pages" in x)
    assert line.startswith("2 site pages") and f"{site}!test_rsync.html" in line
    assert "names WikiLeaks nowhere" in line and "Here is an empty test file." in line


@pytest.mark.parametrize("members", [
    [("test_rsync.html", STRAY)],                          # no page of a site in the archive: nothing says it is one
    [("a.html", STRAY), ("b.html", b"<html><body>Also nothing.</body></html>")],
])
def test_the_same_file_outside_a_site_snapshot_is_still_an_error(tmp_path: Path, members) -> None:
    loose = tmp_path / "test_rsync.html"
    loose.write_bytes(STRAY)
    arc = _tar(tmp_path / "other.tar.xz", members)
    with open_archive(tmp_path / "db") as archive:
        r = archive.ingest([loose, arc], workers=0)
    assert [f.location for f in r.failures] == [str(loose)] + [f"{arc}!{n}" for n, _ in members]
    assert all("no cable" in f.reason for f in r.failures) and not r.site_pages and not r.site_notes
