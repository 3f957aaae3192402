"""What a parsed input is, for an ingest: its cables, or a page of a WikiLeaks site snapshot
without a cable (an article of the press, a site page, a stray file of the site's mirror), or a
failure. Pure: runs in the ingest's process or on a cluster's worker (``dask_ingest``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ParseError
from ..parse.decode import decode
from ..parse.html_text import html_to_text
from ..parse.press import PressPage, read_press_page, read_saved_channel
from ..parse.subscriptions import looks_like_html
from ..sources.files import ARCHIVE_SEP, ARCHIVE_SUFFIXES, InputFailure, RawInput
from .ingest_report import Failure, IngestReport, Parsed

_NO_CABLE = ("no cable found", "page has a metadata table but no <pre>")


def _press_page(inp: RawInput | InputFailure, failure: Failure) -> PressPage | None:
    """What a page that holds no cable is (``parse.press``), when it may be one of a site's
    articles or pages; None for anything else (an error then). A page of the site's ``cable/``
    tree without its cable is a broken cable page: an error, not a site page."""
    if not isinstance(inp, RawInput) or not failure.reason.startswith(_NO_CABLE):
        return None
    member = inp.location.rsplit("::", 1)[-1]
    if "/cable/" in inp.location or member.startswith("cable/"):
        return None
    return read_press_page(inp.data, inp.location)


def _site_archive(location: str) -> str | None:
    """The tar archive an input is a member of (``site.tar.xz!about.html`` → ``site.tar.xz``), if any."""
    low = location.lower()
    ends = [i + len(s) for s in ARCHIVE_SUFFIXES if (i := low.find(s + ARCHIVE_SEP)) >= 0]
    return location[:min(ends)] if ends else None


def _stray_page(inp: RawInput | InputFailure, failure: Failure) -> str | None:
    """Why an HTML member of an archive that holds no cable and names WikiLeaks nowhere may be a
    file the site's mirror carries (``test_rsync.html``: "Here is an empty test file."); None
    when it cannot be. It is skipped as such only if its archive holds pages of the site."""
    if (not isinstance(inp, RawInput) or not failure.reason.startswith(_NO_CABLE)
            or _site_archive(inp.location) is None or not looks_like_html(inp.data)):
        return None
    text = " ".join(html_to_text(inp.data[:4096].decode("utf-8", "replace")).split())
    says = f": “{text[:80]}{'…' if len(text) > 80 else ''}”" if text else " (no text)"
    return f"a file of the site's mirror, no page of the site (it names WikiLeaks nowhere){says}"


def _saved_channel(inp: RawInput) -> PressPage | None:
    """The post of a feed aggregator's channel page saved as text (``parse.press``), if the
    input is one: the cables it republishes are stored as cables, the post as an article."""
    if b"Channel: " not in inp.data[:300]:
        return None
    try:
        return read_saved_channel(decode(inp.data, inp.location))
    except ParseError:
        return None



def classify(p: Parsed) -> tuple[str, Any]:
    """What became of one parsed input: ``("cables", (cables, raw, saved_post | None))``,
    ``("fail", Failure)``, ``("stray", (Failure, why))``, ``("press", (location, page, site))``
    or ``("site", (location, site))``."""
    result = p.result
    if isinstance(result, Failure):
        page = _press_page(p.input, result)
        stray = _stray_page(p.input, result) if page is None else None
        if stray is not None:
            return "stray", (result, stray)
        if page is None:
            return "fail", result
        site = _site_archive(p.input.location)
        if page.kind == "article":
            return "press", (p.input.location, page, site)
        return "site", (p.input.location, site)
    assert isinstance(p.input, RawInput)
    return "cables", (result, p.blob or p.input.data, _saved_channel(p.input))


def note_page(report: IngestReport, kind: str, what: Any, fail: Callable[[Failure], None],
              sites: set[str | None], strays: list[tuple[Failure, str]]) -> None:
    """Count one input that holds no cable (``classify``'s other kinds) in ``report``."""
    if kind == "fail":
        fail(what)
    elif kind == "stray":
        strays.append(what)
    elif kind == "press":
        location, page, site = what
        sites.add(site)
        report.press.append((location, page))
    else:
        location, site = what
        sites.add(site)
        report.site_pages.append(location)


def settle_strays(report: IngestReport, sites: set[str | None], strays: list[tuple[Failure, str]],
                  fail: Callable[[Failure], None]) -> None:
    """At the end of a run: a stray HTML file is a site page if its archive holds pages of a
    WikiLeaks site, else an error."""
    for result, why in strays:
        if _site_archive(result.location) in sites:
            report.site_pages.append(result.location)
            report.site_notes[result.location] = why
        else:
            fail(result)


__all__ = ["classify", "note_page", "settle_strays"]
