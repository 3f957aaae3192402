"""Pages of a WikiLeaks site snapshot that hold no cable: the press, and the site around it.

A Cablegate site (the 2010 and 2011 snapshots) carries, beside the cable pages, the articles
WikiLeaks and its partners published on the cables ("Brazil - Argentina alertou EUA sobre
programa nuclear brasileiro", by Natalia Viana, in Portuguese), press releases and editorials,
and site pages (About, Mirrors, the listings by release date). ``read_press_page`` tells them
apart:

- an **article** (``kind="article"``): the page's main pane opens with ``Section - Title`` and
  a byline (author, date); its section (``Brazil``, ``Latin America``, ``Editorial``,
  ``Press Release`` …) is where the site filed it. The date is read from the byline in the
  languages the snapshots use, and left out when the byline gives none (or no year): nothing
  is invented;
- a **site page** (``kind="site"``): any other page of the site (navigation, listings, About).

Pure: bytes in, a ``PressPage`` out; None for what is not an HTML page of a WikiLeaks site (a
page that names WikiLeaks nowhere is no page of one: ingest reports it as holding no cable).

``read_saved_channel`` reads the other kind of page the press comes in: a feed aggregator's
channel page saved as text (``Channel: Opera Leaks » Cuba`` / ``Browse latest Browse all 8`` /
the post's title / its text, which may republish a cable), the form cablebase was specified
from. It gives the post as an article of that channel, and how many the page announces.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass

from .feed_model import FeedEntry

CHANNEL_PREFIX = "WikiLeaks » "
"""The channels of a WikiLeaks site's articles, one per section: ``WikiLeaks » Brazil``."""
SITE_URL = "https://cablegate.wikileaks.org/"
"""Where the snapshots' relative links (``/cable/2009/12/09BRASILIA1234.html``) point: only the
cable links are read from them."""

MONTHS = {
    **dict.fromkeys(("january", "janeiro", "enero", "janvier", "januari", "januar", "gennaio", "jan"), 1),
    **dict.fromkeys(("february", "fevereiro", "febrero", "février", "februari", "februar", "febbraio", "feb"), 2),
    **dict.fromkeys(("march", "março", "marzo", "mars", "mars", "märz", "mar"), 3),
    **dict.fromkeys(("april", "abril", "avril", "aprile", "apr"), 4),
    **dict.fromkeys(("may", "maio", "mayo", "mai", "maj", "maggio"), 5),
    **dict.fromkeys(("june", "junho", "junio", "juin", "juni", "giugno", "jun"), 6),
    **dict.fromkeys(("july", "julho", "julio", "juillet", "juli", "luglio", "jul"), 7),
    **dict.fromkeys(("august", "agosto", "août", "augusti", "aug"), 8),
    **dict.fromkeys(("september", "setembro", "septiembre", "septembre", "settembre", "sep", "sept"), 9),
    **dict.fromkeys(("october", "outubro", "octubre", "octobre", "oktober", "ottobre", "oct"), 10),
    **dict.fromkeys(("november", "novembro", "noviembre", "novembre", "nov", "ноября", "نوفمبر"), 11),
    **dict.fromkeys(("december", "dezembro", "diciembre", "décembre", "dezember", "dicembre", "dec",
                     "декабря", "ديسمبر"), 12),
}
"""Month names of the bylines (English, Portuguese, Spanish, French, Swedish, German, Italian;
the Russian and Arabic press releases' November and December)."""

_WORD = r"[^\W\d_]+"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?::[ae]|\.|º|st|nd|rd|th)?\s+(?:de\s+)?({_WORD})\.?,?\s+(?:de\s+)?(\d{{4}})\b",
                             re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body|div|p|a)\b", re.I)
"""An HTML page or fragment (XHTML with its XML declaration included)."""
_SECTION_TITLE = re.compile(r"^(.{2,40}?) - (.{3,})$")
_MAX_TEXT_CHARS = 400_000


_CHANNEL = re.compile(r"\A(?:[^\n]{0,40}\n)?Channel: ([^\n]{2,200})\n(?:Viewing all articles\n)?"
                      r"Browse latest Browse all (\d{1,6})\n")
_WIDGET = re.compile(r"^(?:\$|\d{1,4})$")
"""The aggregator's counters left between a post's title and its text (``$``, ``0``)."""
_TRAILER = re.compile(r"\n(?:Viewing all articles|Browse latest Browse all \d+|Latest Images)\s*(?:\n|$)")


@dataclass(frozen=True, slots=True)
class PressPage:
    """A snapshot page without a cable: an article (with its section, byline and text) or a site page."""

    kind: str
    """``article`` or ``site``."""
    title: str | None = None
    section: str | None = None
    """Where the site filed the article: ``Brazil``, ``Latin America``, ``Editorial``, ``Press Release`` …"""
    byline: str | None = None
    published: str | None = None
    """``YYYY-MM-DD`` when the byline gives a whole date; None otherwise."""
    text: str = ""
    html: str = ""
    """The article's pane as HTML (its links to cables are read from it)."""
    channel: str | None = None
    """The channel it was found in, when the page is a saved channel page (``Opera Leaks » Cuba``)."""
    announced: int | None = None
    """How many articles that channel page says the channel has (``Browse all 8``)."""


def byline_date(byline: str) -> str | None:
    """The date a byline gives (``Natalia Viana, 10 de fevereiro de 2011, 11:00 GMT`` →
    ``2011-02-10``; ``2:a december 2010``; ``January 16 2011``), or None."""
    for rx, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        for m in rx.finditer(byline):
            day, month, year = (m.group(1), m.group(2), m.group(3)) if order == "dmy" else (m.group(2), m.group(1), m.group(3))
            mo = MONTHS.get(month.lower())
            d = int(day)
            if mo and 1 <= d <= 31 and 1990 <= int(year) <= 2100:
                return f"{int(year):04d}-{mo:02d}-{d:02d}"
    return None


def read_press_page(data: bytes, location: str | None = None) -> PressPage | None:
    """What a snapshot page without a cable is (see the module doc); None if not HTML."""
    if not _HTML.search(data[:4096]) or b"wikileaks" not in data.lower():
        return None  # not a page of a WikiLeaks site: whatever it is, it is no press page
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(data)
    pane = tree.css_first("div.pane.big")
    h2 = pane.css_first("h2") if pane is not None else None
    head = _SECTION_TITLE.match(" ".join(h2.text().split())) if h2 is not None else None
    if head is None:
        return PressPage("site", title=_title(tree))
    section, title = head.group(1).strip(), head.group(2).strip()
    byline = None
    first_p = pane.css_first("p")
    if first_p is not None and first_p.css_first("i") is not None:
        byline = " ".join(first_p.text().split()) or None
        first_p.decompose()
    for n in pane.css("h2, div.rightcol, div.morearticles, script, style"):
        n.decompose()
    paras = [" ".join(n.text().split()) for n in pane.css("p, li, blockquote, h3, h4")]
    text = "\n\n".join(p for p in paras if p)[:_MAX_TEXT_CHARS]
    if not text:
        text = " ".join(pane.text(separator=" ").split())[:_MAX_TEXT_CHARS]
    return PressPage("article", title=title, section=section, byline=byline,
                     published=byline_date(byline) if byline else None, text=text, html=pane.html or "")


def read_saved_channel(text: str) -> PressPage | None:
    """The post of a feed aggregator's channel page saved as text (see the module doc), or None."""
    m = _CHANNEL.match(text.replace("\r\n", "\n")[:2000])
    if m is None:
        return None
    rest = text.replace("\r\n", "\n")[m.end():]
    cut = _TRAILER.search(rest)
    lines = [line.strip() for line in (rest[:cut.start()] if cut else rest).split("\n")]
    lines = [line for line in lines if line and not _WIDGET.match(line)]
    if len(lines) < 2:
        return None
    title, body = lines[0], "\n\n".join(lines[1:])[:_MAX_TEXT_CHARS]
    return PressPage("article", title=title, text=body, channel=" ".join(m.group(1).split()),
                     announced=int(m.group(2)))


def channel_of(page: PressPage) -> str:
    """The channel an article goes to: the saved channel page's own, else its section's."""
    return page.channel or CHANNEL_PREFIX + (page.section or "Articles")


def press_entry(page: PressPage, entry_id: str) -> FeedEntry:
    """The article as a feed entry (``entry_id``: where it was read), to be prepared as one is."""
    return FeedEntry(id=entry_id, title=page.title, author=page.byline,
                     published=f"{page.published}T00:00:00+00:00" if page.published else None,
                     content=page.html or paragraphs_html(page.text))


def paragraphs_html(text: str) -> str:
    """Paragraphs of plain text (blank-line separated) as ``<p>`` elements."""
    return "".join(f"<p>{html_module.escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def _title(tree) -> str | None:
    t = tree.css_first("title")
    return " ".join(t.text().split()) or None if t is not None else None


__all__ = ["CHANNEL_PREFIX", "MONTHS", "PressPage", "SITE_URL", "byline_date", "channel_of", "paragraphs_html",
           "press_entry", "read_press_page", "read_saved_channel"]
