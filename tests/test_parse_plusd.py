"""PlusD cables (PDF, page, page saved as text) and PDF text: fixtures written here, then the
14 PlusD PDFs of the corpus (``cablegate-txt-paulmathieu``)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cablebase.errors import NoCableFound, ParseError
from cablebase.parse import plusd
from cablebase.parse.pdf import pdf_text

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
PDF_DIR = CORPUS / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate"


# --- A PDF written by hand: Courier for the telegram, Helvetica for PlusD's block -------------

def make_pdf(pages: list[list[tuple]], encrypt: bool = False) -> bytes:
    """A PDF of ``pages``, each a list of (font 'C'ourier or 'H'elvetica, size, x, y, text)."""
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
            4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"}
    kids, n = [], 5
    for lines in pages:
        ops = []
        for font, size, x, y, text in lines:
            esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")
            ops.append(b"BT /F%s %d Tf %d %d Td (%s) Tj ET" % (b"1" if font == "C" else b"2", size, x, y, esc))
        stream = b"\n".join(ops)
        objs[n + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        objs[n] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                   b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (n + 1))
        kids.append(n)
        n += 2
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    extra = b""
    if encrypt:  # a user password PDFium cannot guess
        objs[n] = b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>"
        extra = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (n, b"ab" * 16, b"ab" * 16)
        n += 1
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for k in sorted(objs):
        offsets[k] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (k, objs[k])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % n
    for k in range(1, n):
        out += b"%010d 00000 n \n" % offsets[k]
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (n, extra, xref)
    return bytes(out)


META = [
    "Date: 1975 March 4, 09:30 (Tuesday)",
    "Canonical ID: 1975ATHENS01234_b",
    "Original Classification: CONFIDENTIAL",
    "Current Classification: UNCLASSIFIED",
    "Handling Restrictions: NOFORN - No Foreign Distribution",
    "Character Count: 1234",
    "Executive Order: GS",
    "Locator: TEXT ON MICROFILM,TEXT ONLINE",
    "TAGS: PFOR - Foreign Policy, Relations, and Cooperation | GR - Greece",
    "Concepts: -- N/A or Blank --",
    "Type: TE - Telegram (cable)",
    "Office Origin: -- N/A or Blank --",
    "Archive Status: Electronic Telegrams",
    "From: AMEMBASSY ATHENS",
    "Markings: Declassified/Released US Department of State EO Systematic Review 30 JUN 2005",
    "To: Secretary of State",
]
TELEGRAM = [
    "CONFIDENTIAL ATHENS 1234",
    "",
    "E.O. 11652: GDS",
    "TAGS: PFOR, GR",
    "SUBJECT: A WRITTEN-FOR-THE-TESTS CABLE ON SHIPPING  RATES",
    "",
    "1. FIRST PARAGRAPH, WHICH GOES ON TO THE NEXT",
    "LINE AND ENDS HERE.",
    "",
    "2. SECOND PARAGRAPH RUNS ONTO THE NEXT PAGE OF THE PRINT,",
    "WHERE IT ENDS.",
    "",
    "KUBISCH",
]


def _pdf_pages(meta_font: str = "H") -> list[list[tuple]]:
    """PlusD's block and the telegram over two pages, each with a running header, footer and page number."""
    def furniture(k: int) -> list[tuple]:
        return [("H", 8, 30, 825, "3/5/2015 PlusD - Public Library of US Diplomacy"),
                ("H", 8, 30, 15, "https://wikileaks.org/plusd/cables/1975ATHENS01234_b.html"),
                ("H", 8, 540, 15, f"{k}/2")]
    p1 = furniture(1)
    y = 780
    for ln in META:
        p1.append((meta_font, 9, 40, y, ln))
        y -= 13
    y -= 12
    split = TELEGRAM.index("WHERE IT ENDS.")
    for ln in TELEGRAM[:split]:
        if ln:
            p1.append(("C", 10, 40, y, ln))
        y -= 12
    p2 = furniture(2)
    y = 780
    for ln in TELEGRAM[split:]:
        if ln:
            p2.append(("C", 10, 40, y, ln))
        y -= 12
    return [p1, p2]


def test_pdf_text_keeps_lines_blank_lines_and_spaces():
    text = pdf_text(make_pdf(_pdf_pages()))
    assert text.count("\f") == 1
    lines = text.replace("\f", "").split("\n")
    assert "Canonical ID: 1975ATHENS01234_b" in lines
    assert "SUBJECT: A WRITTEN-FOR-THE-TESTS CABLE ON SHIPPING  RATES" in lines  # two spaces kept
    i = lines.index("LINE AND ENDS HERE.")
    assert lines[i + 1] == "" and lines[i + 2].startswith("2. SECOND")  # the blank line between paragraphs


def test_pdf_text_indentation_on_the_character_grid():
    pages = [[("C", 10, 40, 700, "SUBJECT: ONE"), ("C", 10, 100, 688, "TWO  THREE")]]
    assert pdf_text(make_pdf(pages)).split("\n") == ["SUBJECT: ONE", "          TWO  THREE"]


@pytest.mark.parametrize("data, why", [
    (b"", "not a PDF"),
    (b"<html>not a pdf</html>", "not a PDF"),
    (b"%PDF-1.4\n1 0 obj << >> endobj\n", "truncated"),
    (None, "truncated"),  # a real PDF cut in half
    (None, "password"),  # encrypted
    (b"%PDF-1.4\ngarbage garbage\n%%EOF\n", "unreadable"),
])
def test_pdf_text_damaged_inputs_raise_parse_error(data, why):
    if data is None:
        good = make_pdf(_pdf_pages())
        data = good[: len(good) // 2] if why == "truncated" else make_pdf(_pdf_pages(), encrypt=True)
    with pytest.raises(ParseError) as e:
        pdf_text(data)
    assert why.lower() in str(e.value).lower()


def test_pdf_text_rejects_objects_renamed_and_no_text():
    good = make_pdf(_pdf_pages())
    with pytest.raises(ParseError):
        pdf_text(good.replace(b" obj", b" ojb"))
    with pytest.raises(NoCableFound, match="no text layer"):
        pdf_text(make_pdf([[]]))
    with pytest.raises(ParseError, match="more than the 1"):
        pdf_text(good, max_pages=1)
    with pytest.raises(ParseError):
        pdf_text("%PDF-1.4 a str")  # type: ignore[arg-type]


def _check_synthetic(c):
    assert c.ref_id == "75ATHENS1234"
    assert "1975ATHENS01234_b" in c.aliases
    assert c.created == "1975-03-04 09:30"
    assert c.classification == "CONFIDENTIAL//NOFORN"
    assert c.origin == "Embassy Athens"
    assert c.tags == ["PFOR", "GR"]
    assert c.subject == "A WRITTEN-FOR-THE-TESTS CABLE ON SHIPPING RATES"
    assert [p.number for p in c.paragraphs] == [1, 2]
    assert c.paragraphs[1].text.endswith("WHERE IT ENDS.")
    assert c.signer == "KUBISCH"
    for junk in ("PlusD", "wikileaks", "Canonical", "1/2", "2/2", "Markings", "Archive Status"):
        assert junk not in c.body, junk
        assert not any(junk in p.text for p in c.paragraphs), junk


def test_plusd_pdf_end_to_end():
    [c] = plusd.parse(pdf_text(make_pdf(_pdf_pages())))
    _check_synthetic(c)


def test_plusd_pdf_in_fixed_pitch_font_throughout():
    [c] = plusd.parse(pdf_text(make_pdf(_pdf_pages(meta_font="C"))))
    _check_synthetic(c)


def test_plusd_saved_text_with_labels_on_their_own_lines_and_chrome():
    block = []
    for ln in META:
        label, value = ln.split(": ", 1)
        block += [label + ":", value]
    text = "\n".join(["WikiLeaks", "Search", "PlusD", "Show Headers", ""] + block + [""] + TELEGRAM
                     + ["", "Print", "Tweet"])
    [c] = plusd.parse(text)
    _check_synthetic(c)
    assert "Tweet" not in c.body


@pytest.mark.parametrize("colon", [":", ""])
def test_plusd_html_page_block_after_the_text(colon):
    rows = "".join(f"<tr><th>{ln.split(': ', 1)[0]}{colon}</th>\n<td>{ln.split(': ', 1)[1]}</td></tr>" for ln in META)
    page = ("<!DOCTYPE html><html><head><title>Cable: 1975ATHENS01234_b</title><script>var x = 'TAGS: XX';</script>"
            "</head><body><div class='nav'><a href='/'>WikiLeaks</a></div><h3>PlusD</h3>"
            "<pre>" + "\n".join(TELEGRAM).replace("&", "&amp;") + "</pre>"
            f"<table class='metadata'>{rows}</table><div>Donate</div></body></html>")
    assert plusd.looks_like(page)
    [c] = plusd.parse(page)
    _check_synthetic(c)


def test_plusd_title_line_and_metadata_fields():
    assert plusd.parse_date("1974 May 13, 10:15 (Monday)") == "1974-05-13 10:15"
    assert plusd.parse_date("2000 Oct 31") == "2000-10-31 00:00"
    assert plusd.parse_date("13 May 1974 10:15") == "1974-05-13 10:15"
    assert plusd.parse_date("1974 February 30") is None
    assert plusd.classification("Limited Official Use") == "LIMITED OFFICIAL USE"
    assert plusd.classification("LOU") == "LIMITED OFFICIAL USE"
    assert plusd.classification("SECRET", "NOFORN - No Foreign Distribution") == "SECRET//NOFORN"
    assert plusd.classification("UNCLASSIFIED//FOR OFFICIAL USE ONLY") == "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    assert plusd.classification("-- N/A --") is None
    assert plusd.tag_codes("PREL - Political Affairs--External Political Relations\nXF - Middle East") == ["PREL", "XF"]
    assert plusd.tag_codes("PFOR - Foreign Policy, Relations, and Cooperation | GR - Greece") == ["PFOR", "GR"]
    assert plusd.tag_codes("PREL, XF TC") == ["PREL", "XF", "TC"]
    text = "2000ANKARA08112 - SECRET\n\n" + "\n".join(TELEGRAM).replace("ATHENS 1234", "ANKARA 8112") \
        + "\n\f\n2000ANKARA08112 - SECRET"
    [c] = plusd.parse(text)
    assert c.ref_id == "00ANKARA8112" and c.classification == "SECRET"
    assert "2000ANKARA" not in c.body


def test_plusd_file_name_gives_a_missing_ref_id():
    text = "O 131830Z JUN 00\nFM AMEMBASSY DAMASCUS\nTO SECSTATE WASHDC IMMEDIATE 1438\n"
    [c] = plusd.parse(text, location="/x/00DAMASCUS3013.pdf")
    assert c.ref_id == "00DAMASCUS3013" and c.inferred == ["ref_id"]
    assert c.created == "2000-06-13 18:30" and c.origin == "Embassy Damascus"
    assert c.partial and not c.paragraphs
    assert c.header.startswith("O 131830Z") and c.to == ["SECSTATE WASHDC"] and not c.body
    assert plusd.parse(text, location="notes.pdf") == []  # no name for it: no cable


def test_looks_like_only_plusd(fixtures):
    block = "\n".join(META) + "\n\n" + "\n".join(TELEGRAM)
    assert plusd.looks_like(block)
    assert plusd.looks_like("\n".join(x.replace(": ", ":\n", 1) for x in META))
    negatives = [
        "\n".join(TELEGRAM),
        "The cable's Canonical ID: 1975ATHENS01234_b, said the paper, had an original classification of SECRET.",
        "ref_id,created,classification\n07MEXICO983,2007-02-27 16:04,CONFIDENTIAL\n",
    ]
    negatives += [p.read_text("latin-1") for p in sorted(fixtures.glob("*")) if p.is_file()]
    for extra in ("seed/opera-leaks-cuba-channel.txt", "cablegate-txt-alx/cables/07MEXICO983.txt",
                  "cablegate-csv/cables_sample.csv"):
        if (CORPUS / extra).is_file():
            negatives.append((CORPUS / extra).read_text("latin-1"))
    for text in negatives:
        assert not plusd.looks_like(text), text[:80]


def test_plusd_empty_input():
    with pytest.raises(ParseError):
        plusd.parse("  \n ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(META + TELEGRAM + ["", "\f", "<pre>", "</td>", "Date:", "TAGS:", "1/2",
                                                   "PAGE 02 ATHENS 01234 01 OF 02 041030Z"]), max_size=40),
       st.text(max_size=200))
def test_plusd_never_raises_anything_but_parse_error(lines, noise):
    for text in ("\n".join(lines), "\n".join(lines) + noise, noise):
        try:
            plusd.parse(text, location="x/75ATHENS1234.pdf")
        except ParseError:
            pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_pdf_text_on_damaged_bytes_raises_only_parse_error(data):
    good = bytearray(make_pdf(_pdf_pages()))
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(good) - 1))
        good[i] = data.draw(st.integers(0, 255))
    try:
        pdf_text(bytes(good))
    except ParseError:
        pass


# --- The corpus: 14 PlusD PDFs -----------------------------------------------------------------

def _pdfs() -> list[Path]:
    return sorted(PDF_DIR.glob("*.pdf")) if PDF_DIR.is_dir() else []


@pytest.fixture(scope="module")
def corpus_pdfs() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"real corpus not found at {CORPUS}")
    files = _pdfs()
    if not files:
        pytest.skip(f"no PlusD PDFs at {PDF_DIR}")
    return files


_DTG = re.compile(r"^\s*[ZOPR]{1,2}\s+(\d{2})(\d{2})(\d{2})Z\s+([A-Z]{3})\s+(\d{2})\b", re.M)
_CLS_LINE = re.compile(r"^\s*(?:C O N F I D E N T I A L|S E C R E T|UNCLAS|CONFIDENTIAL|SECRET)\b", re.M)


def test_corpus_pdfs(corpus_pdfs):
    assert len(corpus_pdfs) == 14
    months = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
    for path in corpus_pdfs:
        text = pdf_text(path.read_bytes())
        assert "\ufffd" not in text
        [c] = plusd.parse(text, location=str(path))
        assert c.ref_id == path.stem, path.name
        # The date: the telegram's own date-time group, read here by a pattern of the test's own.
        dtg = _DTG.search(text)
        if dtg:
            d, h, m, mon, yy = dtg.groups()
            assert c.created == f"20{yy}-{months.index(mon) + 1:02d}-{d} {h}:{m}", path.name
        else:
            # Only a day and time on the page lines (00HANOI686): no month or year in the text,
            # so no date is given rather than one guessed.
            assert c.created is None and "created" not in c.inferred, path.name
        if not _CLS_LINE.search(text):
            # A print of the routing header alone (00DAMASCUS3013): nothing more to read, and said so.
            assert c.partial and not c.paragraphs and c.classification is None, path.name
            assert "ref_id" in c.inferred
            continue
        assert c.classification in ("UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
                                     "CONFIDENTIAL//NOFORN", "SECRET//NOFORN"), path.name
        assert c.classification.split("//")[0] in text.replace(" ", "") or "UNCLAS" in text, path.name
        subject = re.search(r"^SUBJECT:(.*?)\n[ \t]*\n", text, re.M | re.S)  # up to the blank line
        assert subject and c.subject == " ".join(subject.group(1).split()), path.name
        assert c.paragraphs and c.paragraphs[0].text, path.name
        assert c.origin and c.origin.startswith("Embassy "), path.name
        assert c.tags and all(re.fullmatch(r"[A-Z][A-Z0-9]{1,11}", t) for t in c.tags), path.name
        for p in c.paragraphs:
            assert not re.search(r"^\s*PAGE \d{2}\s", p.text, re.M), path.name
            assert not re.search(r"^\s*\d{4}[A-Z]+\d+ - ", p.text, re.M), path.name


def test_corpus_pdf_text_matches_its_lines(corpus_pdfs):
    """Line by line: every telegram line of 00ABUDHABI5893 as typed (spaces and blank lines)."""
    path = PDF_DIR / "00ABUDHABI5893.pdf"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    lines = pdf_text(path.read_bytes()).split("\n")
    assert lines[:2] == ["R 310838Z OCT 00", "FM AMEMBASSY ABU DHABI"]
    assert "C O N F I D E N T I A L SECTION 01 OF 02 ABU DHABI 005893" in lines
    assert "TAGS: PREL XF TC" in lines
    i = lines.index('SUBJECT:  SULTAN BIN ZAYID: "MUST THE U.S. BE TOUGHER')
    assert lines[i + 1] == '          THAN THE ISRAELIS ON PALESTINE?"' and lines[i + 2] == ""
    assert any(ln.startswith("¶1.  (U) CLASSIFIED BY") for ln in lines)


def test_running_furniture_goes_the_telegram_stays():
    """Three pages with a running header and "Page N of 3" footer; the telegram's own dashed heading
    at the top of two pages, a URL it quotes, and a heading that is also a word of the site's menu."""
    head, foot = "PlusD - Cable 09PARIS1234_a", "Page {} of 3"
    pages = [
        [head, "", "UNCLASSIFIED PARIS 001234", "", "SUBJECT: FURNITURE", "", "1. (U) ONE,", "",
         foot.format(1)],
        [head, "-------", "NEWS", "-------", "", "2. (U) SEE", "HTTP://WWW.EXAMPLE.ORG/REPORT", "FOR IT.", "",
         foot.format(2)],
        [head, "-------", "CLOSING", "-------", "", "3. (U) THREE.", "", "RIVKIN", "", foot.format(3)],
    ]
    text = "Canonical ID: 09PARIS1234_a\nOriginal Classification: UNCLASSIFIED\nCharacter Count: 99\n\n" \
        + "\n\f\n".join("\n".join(p) for p in pages)
    [c] = plusd.parse(text)
    assert c.ref_id == "09PARIS1234" and c.classification == "UNCLASSIFIED"
    assert [(p.number, p.heading) for p in c.paragraphs] == [(1, None), (2, "NEWS"), (3, "CLOSING")]
    assert "HTTP://WWW.EXAMPLE.ORG/REPORT" in c.paragraphs[1].text
    assert "PlusD" not in c.body and "Page " not in c.body and c.signer == "RIVKIN"
