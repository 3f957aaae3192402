"""A PDF (WikiLeaks PlusD's export of a cable, a browser's print of a cable page) → its text.

``pdf_text(data)`` reads the text layer with PDFium (``pypdfium2``) and lays it out again
from the characters' positions, because PDFium's own text run loses what the telegram
parser needs: blank lines (paragraph and block breaks) and runs of spaces (indented
continuation lines, two spaces after a full stop). Each page's characters are grouped
into lines by baseline, top to bottom; a line set in a fixed-pitch font (every telegram)
is put back on its character grid, so columns and indentation come out as typed; a line
in a proportional font keeps PDFium's word spaces. A vertical gap of n line-heights gives
n-1 blank lines. Pages are separated by a form feed (``\\f``) so that the reader can find
running headers and footers. (``bench/pdf_compare.py`` compares this with other libraries.)

Any input that is not a readable PDF (not a PDF, truncated, damaged, encrypted with a
password, too many pages, no text layer) raises ``ParseError`` saying what is wrong.
PDFium is not thread-safe: calls are serialised by a lock.
"""

from __future__ import annotations

import ctypes
import threading
from collections import Counter

from ..errors import NoCableFound, ParseError

MAX_PAGES = 200
"""A cable runs to a few pages; a PDF with more is not one (and would cost time to read)."""
MAX_PAGE_CHARS = 60_000
"""A dense page of typed text holds about 6,000 characters; ten times that is not a cable page."""

_LOCK = threading.Lock()
_CR, _LF, _SOFT_HYPHEN_MARK, _NONCHAR = 0x0D, 0x0A, 0x02, 0xFFFE


def pdf_text(data: bytes, *, max_pages: int = MAX_PAGES) -> str:
    """The text of a PDF, pages separated by ``\\f``; ``ParseError`` for anything unreadable."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(f"PDF input must be bytes, not {type(data).__name__}")
    data = bytes(data)
    head = data[:1024]
    if b"%PDF-" not in head:
        what = "empty input" if not data.strip() else "no %PDF- header in the first 1024 bytes"
        raise ParseError(f"not a PDF: {what}")
    if data.rfind(b"%%EOF") < 0:
        raise ParseError(f"truncated PDF: no %%EOF end marker in its {len(data)} bytes")
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw
    except ImportError as e:  # an install without the library: still a typed error
        raise ParseError(f"cannot read PDF: pypdfium2 is not installed ({e})") from None
    with _LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except Exception as e:  # PdfiumError names the cause: format, password, security …
            raise ParseError(f"unreadable PDF: {_reason(e)}") from None
        try:
            n = len(doc)
            if n == 0:
                raise ParseError("PDF has no pages")
            if n > max_pages:
                raise ParseError(f"PDF has {n} pages, more than the {max_pages} a cable may have")
            pages = []
            for i in range(n):
                pages.append(_page_text(doc, i, raw))
        except ParseError:
            raise
        except Exception as e:
            raise ParseError(f"damaged PDF: {_reason(e)}") from None
        finally:
            doc.close()
    text = "\n\f\n".join(pages)
    if not text.replace("\f", "").strip():
        raise NoCableFound(f"PDF has no text layer in its {n} page(s) (a scan? OCR it first)")
    return text


def _reason(e: Exception) -> str:
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _page_text(doc, i: int, raw) -> str:
    page = doc[i]
    try:
        tp = page.get_textpage()
        try:
            chars = _chars(tp.raw, raw, i)
        finally:
            tp.close()
    finally:
        page.close()
    return "\n".join(_layout(chars))


def _chars(tp, raw, page_no: int) -> list[tuple[str, float, float]]:
    """(character, origin x, baseline y) of every character on the page, in PDFium's order."""
    n = raw.FPDFText_CountChars(tp)
    if n <= 0:
        return []
    if n > MAX_PAGE_CHARS:
        raise ParseError(f"PDF page {page_no + 1} has {n} characters, more than {MAX_PAGE_CHARS}")
    x, y = ctypes.c_double(), ctypes.c_double()
    get_unicode, get_origin = raw.FPDFText_GetUnicode, raw.FPDFText_GetCharOrigin
    out = []
    for k in range(n):
        u = get_unicode(tp, k)
        if u in (_CR, _LF, _NONCHAR, 0) or 0xD800 <= u <= 0xDFFF or u > 0x10FFFF:
            continue
        if u == _SOFT_HYPHEN_MARK:  # PDFium's mark for a hyphen that ends a line
            u = 0x2D
        if not get_origin(tp, k, x, y):
            continue
        ch = chr(u)
        if ch.isspace():
            ch = " "
        elif not ch.isprintable():
            continue
        out.append((ch, x.value, y.value))
    return out


def _mode(values: list[float], default: float) -> float:
    if not values:
        return default
    return Counter(round(v, 1) for v in values).most_common(1)[0][0]


def _line_height(gaps: list[float]) -> float:
    """The distance between two lines of running text: the smallest gap that is common (the most
    common one may be the double gap of a text whose every paragraph is one long line)."""
    if not gaps:
        return 12.0
    counts = Counter(round(g, 1) for g in gaps)
    common = [g for g, k in counts.items() if k >= max(2, len(gaps) // 10)]
    return min(common) if common else min(counts)


def _layout(chars: list[tuple[str, float, float]]) -> list[str]:
    """Lines of text from positioned characters (see the module's docstring)."""
    if not chars:
        return []
    rows: list[list] = []  # [baseline y, [chars]]
    for c in chars:
        for row in reversed(rows[-4:]):
            if abs(row[0] - c[2]) < 1.5:
                row[1].append(c)
                break
        else:
            rows.append([c[2], [c]])
    rows.sort(key=lambda r: -r[0])
    deltas = []
    for _, cs in rows:
        cs.sort(key=lambda c: c[1])
        ink = [c for c in cs if c[0] != " "]
        deltas.extend(b[1] - a[1] for a, b in zip(ink, ink[1:]) if b[1] - a[1] > 0.5)
    pitch = _mode(deltas, 6.0)
    gaps = [a[0] - b[0] for a, b in zip(rows, rows[1:]) if a[0] - b[0] > 1.5]
    lead = _line_height(gaps)
    grid_rows = [r for r in rows if _on_grid(r[1], pitch)]
    left = min((r[1][0][1] for r in grid_rows), default=0.0)
    out: list[str] = []
    prev_y = None
    for y, cs in rows:
        if prev_y is not None:
            out.extend([""] * max(0, min(round((prev_y - y) / lead) - 1, 3)))
        prev_y = y
        if _on_grid(cs, pitch):
            out.append(_grid_line(cs, pitch, left))
        else:
            out.append(" ".join("".join(c[0] for c in cs).split()))
    return out


def _on_grid(cs: list, pitch: float) -> bool:
    """Is the row set in a fixed-pitch font (its letters' origins a whole number of pitches apart)?"""
    ink = [c[1] for c in cs if c[0] != " "]
    if pitch <= 0.5:
        return False
    for a, b in zip(ink, ink[1:]):
        k = (b - a) / pitch
        if k < 0.85 or abs(k - round(k)) > 0.15:
            return False
    return True


def _grid_line(cs: list, pitch: float, left: float) -> str:
    ink = [c for c in cs if c[0] != " "]
    if not ink:
        return ""
    parts = [" " * max(0, min(round((ink[0][1] - left) / pitch), 80))]
    for a, b in zip(ink, ink[1:]):
        parts.append(a[0])
        gap = round((b[1] - a[1]) / pitch) - 1
        if gap > 0:
            parts.append(" " * min(gap, 80))
    parts.append(ink[-1][0])
    return "".join(parts).rstrip()
