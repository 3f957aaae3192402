"""Fuzz the parser: every input must give records or a typed ParseError, quickly.

For each input form (``auto`` = ``fmt=None`` detection, then ``cablegate-html``,
``telegram``, ``csv``, ``article``) the fuzzer feeds ``cablebase.parse.parse`` mutated copies
of real cables for ``--seconds`` and counts:

- **crash**: an exception other than ``ParseError`` escaping ``parse``, or a record that
  breaks the record's types (``check_records``);
- **hang**: one input of ≤ 100 KB that takes more than 1 s of CPU (a child stuck on one
  input for 10 s of wall time is killed and its input saved);
- **wrapped**: a ``ParseError`` that ``parse`` made out of an internal ``ValueError``,
  ``IndexError``… (allowed by the contract, but each is a parser bug worth a look).

Engines: ``atheris`` (coverage-guided libFuzzer, ``pip install atheris``; each form in a child
process, the parser's modules instrumented, half the mutations libFuzzer's own and half the
cable-aware ones below) and ``random`` (the cable-aware mutations alone, uninstrumented, so
several times the rate). ``--engine both`` runs atheris for half the time and random for the
other half. Seeds come from the real corpus (read only; nothing is copied into the repo) and
are cut small so the rate stays high: pages reduced to the metadata table and the ``<pre>``
blocks, telegrams to their head and tail, CSV to single rows.

Mutations: truncation, byte flips, deleted/duplicated/swapped lines, inserted ``¶``,
``SIPDIS``, dashes, page-break lines, preamble and header lines, letter-spaced or lower-cased
classification lines, CRLF/CR, re-encoding (cp1252, latin-1, UTF-16 with BOM, UTF-8 BOM,
mojibake), HTML tags and entities (inside ``<pre>`` for pages), CSV quotes and escapes, huge
lines (up to 100 KB in all), splices of two seeds.

``--hang-probe`` instead times 100 KB inputs made of one repeated unit (spaces, dashes,
``¶``, ``1. ``, ``SIPDIS ``, ``comment: `` …) after each form's own prefix: the shape that
makes a regex or a nested loop go quadratic.

``--no-huge`` leaves the 100 KB lines out of the random engine: they cost most of the time
and every one that hangs costs the 10 s watchdog, so the rate figure is taken without them
and the long inputs are left to ``--hang-probe`` and a run with them.

Measured 2026-11-27 on the 2-core machine (shared with other work, load 4-6), parser of
e194c14/d4bd40e, ``--engine both --no-huge --seconds 280``: 1,325,530 inputs in 1,409 s
(940/s; 487-1,412/s by form and engine), 0 crashes, 0 hangs, 0 bad records, 0 wrapped
errors; slowest input 35 ms of CPU. Earlier runs on older parsers found the inputs now in
``tests/regressions/`` (all fixed since).

Crashes and hangs are written to ``--out`` (default ``/tmp/cablebase-fuzz``), one file per
signature (exception type + innermost cablebase frame); ``--minimise FILE --form F`` shrinks
one (delta debugging on lines, then bytes) while it keeps its signature. A minimised input
goes to ``tests/regressions/<form>--<name>.bin``, which ``tests/regressions/test_replay.py``
replays.

    python bench/fuzz.py [--seconds 60] [--engine both|atheris|random] [--forms auto,telegram] [--no-huge]
    python bench/fuzz.py --hang-probe
    python bench/fuzz.py --minimise /tmp/cablebase-fuzz/crash-....bin --form telegram
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
FORMS = ("auto", "cablegate-html", "telegram", "csv", "article", "json", "historylab", "plusd")
HANG_S = 1.0
HANG_MAX_BYTES = 100_000
SMALL = 4096  # seeds are cut to about this size; libFuzzer's -max_len

# --------------------------------------------------------------------------- the target


def _parse_fn():
    from cablebase.parse import parse

    return parse


CREATED_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


class BadRecord(AssertionError):
    """A record that breaks the documented contract; ``label`` names the field, not the value."""

    def __init__(self, label: str, value: object = None):
        self.label = label
        super().__init__(f"{label}: {value!r}"[:200])


def check_records(cables, strict: bool = True) -> None:
    """The record's contract: a non-empty list of Cable with fields of the documented types;
    with ``strict``, also a ``created`` of the README's shape (``Cable.year`` and the search
    index read it) and a record that ``to_dict``/JSON/``from_dict`` carry unchanged (the CLI
    and the store do that). Raises ``BadRecord``."""
    import orjson

    from cablebase.record import Cable, Paragraph, Reference

    def need(ok: bool, label: str, value: object = None) -> None:
        if not ok:
            raise BadRecord(label, value)

    need(isinstance(cables, list) and bool(cables), "parse returned no records", cables)
    for c in cables:
        need(isinstance(c, Cable), "not a Cable", type(c))
        for f in ("ref_id", "origin", "created", "released", "classification", "precedence", "dtg",
                  "subject", "classified_by", "decl", "signer", "summary", "header"):
            v = getattr(c, f)
            need(v is None or isinstance(v, str), f"{f} type", v)
        need(isinstance(c.body, str), "body type", type(c.body))
        need(isinstance(c.sipdis, bool) and isinstance(c.partial, bool), "flag type", (c.sipdis, c.partial))
        for f in ("to", "info", "tags", "comments"):
            v = getattr(c, f)
            need(isinstance(v, list) and all(isinstance(x, str) for x in v), f"{f} type", v)
        for p in c.paragraphs:
            need(isinstance(p, Paragraph), "paragraph type", p)
            need(p.number is None or (isinstance(p.number, int) and p.number >= 0), "paragraph number", p.number)
            need(p.marking is None or isinstance(p.marking, str), "paragraph marking type", p.marking)
            need(isinstance(p.text, str), "paragraph text type", p.text)
        for r in c.references:
            need(isinstance(r, Reference) and isinstance(r.raw, str), "reference type", r)
            need(r.ref_id is None or isinstance(r.ref_id, str), "reference ref_id type", r.ref_id)
        need(c.source is not None and c.source.form in FORMS[1:], "source", c.source)
        if not strict:
            continue
        need(c.created is None or bool(CREATED_RE.match(c.created)), f"created not YYYY-MM-DD HH:MM ({c.source.form if c.source else '?'})", c.created)
        try:
            c.year
        except Exception as e:  # noqa: BLE001
            need(False, f"Cable.year raises {type(e).__name__}", c.created)
        try:
            d = c.to_dict()
            back = Cable.from_dict(orjson.loads(orjson.dumps(d)))
        except Exception as e:  # noqa: BLE001
            need(False, f"to_dict/JSON raises {type(e).__name__}", str(e)[:80])
        need(back == c, "record changes through to_dict/JSON/from_dict")


def signature(exc: BaseException) -> str:
    """Exception type and the innermost frame in cablebase (else the innermost frame)."""
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if "cablebase" in f.filename] or tb
    if not frames:
        return type(exc).__name__
    f = frames[-1]
    return f"{type(exc).__name__} at {Path(f.filename).name}:{f.lineno} ({f.name})"


def run_one(parse, data: bytes | str, form: str) -> tuple[str, str | None, float]:
    """Parse one input → (outcome, signature or None, seconds).

    outcome: ``ok``, ``error`` (a ParseError), ``wrapped`` (a ParseError made from an internal
    error), ``crash`` (any other exception, or a record of the wrong types), ``badrecord`` (a
    record that breaks the strict contract of ``check_records``), ``hang``.
    """
    from cablebase.errors import ParseError

    fmt = None if form == "auto" else form
    t0 = time.process_time()  # CPU time: the machine may be shared, parsing is pure CPU
    outcome, sig = "ok", None
    try:
        cables = parse(data, location="fuzz", fmt=fmt)
        try:
            check_records(cables, strict=False)
        except BadRecord as e:
            outcome, sig = "crash", f"bad record: {e.label}"
        else:
            try:
                check_records(cables, strict=True)
            except BadRecord as e:
                outcome, sig = "badrecord", f"bad record: {e.label}"
    except ParseError as e:
        cause = e.__cause__
        if cause is not None and not isinstance(cause, ParseError):
            outcome, sig = "wrapped", signature(cause)
        else:
            outcome = "error"
    except RecursionError as e:
        outcome, sig = "crash", signature(e)
    except Exception as e:  # noqa: BLE001 - that is what we hunt
        outcome, sig = "crash", signature(e)
    dt = time.process_time() - t0
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if outcome != "crash" and dt > HANG_S and size <= HANG_MAX_BYTES:
        outcome, sig = "hang", f"hang: {form} {size} bytes {dt:.1f} s of CPU"
    return outcome, sig, dt


# --------------------------------------------------------------------------- seeds


def _compact_telegram(text: str, rng: random.Random | None = None, head: int = 45, tail: int = 6) -> str:
    lines = text.split("\n")
    if len(lines) <= head + tail:
        return text
    return "\n".join(lines[:head] + lines[-tail:])


_PRE = re.compile(r"<pre>(.*?)</pre>", re.S)
_TABLE = re.compile(r"<table class='cable'>")


def _compact_html(page: str) -> str:
    """The metadata table and the <pre> blocks, the body cut to its head and tail."""
    m = _TABLE.search(page)
    start = m.start() if m else 0
    end = page.rfind("</pre>")
    if end < start:
        return page[start: start + SMALL]
    core = page[start: end + 6]

    def cut(mm: re.Match) -> str:
        parts = mm.group(1).split("&#x000A;")
        if len(parts) > 40:
            parts = parts[:34] + parts[-5:]
        return "<pre>" + "&#x000A;".join(parts) + "</pre>"

    return _PRE.sub(cut, core) + "\n</body></html>\n"


def _pre_text(page: str) -> str:
    """The telegram text of a page: the <pre> blocks, tags dropped, entities resolved."""
    pres = _PRE.findall(page)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", p)) for p in pres)


def _article_from(page: str) -> str:
    """A blog-style flattened copy of a page: metadata lines and the body run together."""
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", page, re.S)[:5]]
    text = _compact_telegram(_pre_text(page).split("\n", 3)[-1], head=30, tail=4)
    meta = ""
    if len(cells) == 5:
        meta = (f"Reference ID: {cells[0]}\n\nCreated: {cells[1]}\n\nReleased: {cells[2]}\n\n"
                f"Classification: {cells[3]}\n\nOrigin: {cells[4]}\n\n")
    flat = re.sub(r"\n(?!\n)", " ", text.replace("-----", "\u2014\u2014-"))
    return "Channel: Some blog\nViewing all articles\n\n" + meta + flat + "\n\nShare this:\n"


def load_seeds(corpus: Path = CORPUS, limit: int | None = 300) -> dict[str, list[bytes]]:
    """Small seeds per form, from the real corpus when present, else from ``synthetic_seeds``."""
    seeds: dict[str, list[bytes]] = {f: [] for f in FORMS}
    pages_dir = corpus / "cablegate-2010" / "cable"
    txt_dir = corpus / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate-converted"
    seed_file = corpus / "seed" / "opera-leaks-cuba-channel.txt"
    csv_file = corpus / "cablegate-csv" / "cables_sample.csv"
    if pages_dir.is_dir():
        pages = sorted(pages_dir.rglob("*.html"))
        if limit and len(pages) > limit:
            pages = random.Random(1).sample(pages, limit)
        for p in pages:
            page = p.read_text("utf-8", "replace")
            seeds["cablegate-html"].append(_compact_html(page).encode())
            seeds["telegram"].append(_compact_telegram(_pre_text(page)).encode())
            if len(seeds["article"]) < 60:
                seeds["article"].append(_article_from(page).encode())
    if txt_dir.is_dir():
        for p in sorted(txt_dir.glob("*.txt")):
            seeds["telegram"].append(_compact_telegram(p.read_bytes().decode("latin-1")).encode("latin-1", "replace"))
    if seed_file.is_file():
        raw = seed_file.read_bytes()
        seeds["article"].append(raw[:SMALL])
        seeds["article"].append(raw[-SMALL:])
        seeds["article"].append(raw)
    if csv_file.is_file():
        import csv
        import io

        text = csv_file.read_text("utf-8", "replace")
        rows = list(csv.reader(io.StringIO(text, newline=""), escapechar="\\", doublequote=False))
        for row in rows:
            if len(row) == 8:
                row[7] = _compact_telegram(row[7], head=30, tail=4)
            buf = io.StringIO()
            csv.writer(buf, quoting=csv.QUOTE_ALL, escapechar="\\", doublequote=False, lineterminator="\n").writerow(row)
            seeds["csv"].append(buf.getvalue().encode())
        seeds["csv"].append(csv_file.read_bytes()[:SMALL])
    # Cables in the wild: flattened copies (one line; header run together), JSON records, History
    # Lab texts, PlusD PDFs.
    flat = [s for s in seeds["telegram"][:40]]
    seeds["telegram"] += [b" ".join(s.split(b"\n")) for s in flat[:20]]
    seeds["telegram"] += [re.sub(rb"\n(?=FM |TO |INFO |[A-Z ]+ \d{6}\n)", b"", s, count=6) for s in flat[20:40]]
    for s in flat[:30]:
        t = s.decode("latin-1")
        seeds["json"].append(json.dumps({"id": 3, "text": " ".join(t.split())}).encode())
        seeds["json"].append(json.dumps([{"reference_id": "07MEXICO983", "body": t, "date": "2007-02-27"}]).encode())
    hl = corpus / "historylab-ner-gold"
    if hl.is_dir():
        for p in sorted(hl.rglob("*.txt"))[:40]:
            seeds["historylab"].append(p.read_bytes()[:SMALL])
    pdfs = corpus / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate"
    if pdfs.is_dir():
        seeds["plusd"] += [p.read_bytes() for p in sorted(pdfs.glob("*.pdf"))[:6]]
    for form, extra in synthetic_seeds().items():
        seeds[form].extend(extra)
    seeds["auto"] = [s for f in FORMS[1:] for s in seeds[f][:80]]
    return seeds


TELEGRAM_TEMPLATE = """\
VZCZCXRO{n4}
OO RUEHWEB
DE RUEHME #{serial4} 0581604
ZNY CCCCC ZZH
R 271604Z FEB 07
FM AMEMBASSY MEXICO
TO RUEHC/SECSTATE WASHDC 5560
INFO RUEHXC/ALL US CONSULATES IN MEXICO COLLECTIVE
BT
{cls} SECTION 01 OF 02 MEXICO {serial6}

SIPDIS

E.O. 12958: DECL: 02/27/2017
TAGS: PREL, SNAR, MX
SUBJECT: MEXICO: A SUBJECT
THAT WRAPS

REF: A. STATE 12345 B. 06 MEXICO 1021

Classified By: Ambassador Antonio O. Garza for reasons 1.4 (b,d)

-------
Summary
-------

\u00b61. (C) Summary: Text of the summary. End Summary.

MEXICO 00000983 002 OF 002

\u00b62. (S/NF) More text. Comment: A comment. End comment.
GARZA
"""


def synthetic_seeds() -> dict[str, list[bytes]]:
    """A few hand-made seeds of each form, used with the corpus seeds (or alone without it)."""
    tg = TELEGRAM_TEMPLATE.format(n4="1234", serial4="0983", serial6="000983", cls="C O N F I D E N T I A L")
    page = (
        "<html><body><h3>Viewing cable 07MEXICO983, MEXICO: A SUBJECT</h3>\n"
        "<table class='cable'><tr><th>Reference ID</th><th>Created</th><th>Released</th>"
        "<th>Classification</th><th>Origin</th></tr>\n<tr><td><a href='/cable/2007/02/07MEXICO983.html'>"
        "07MEXICO983</a></td>\n<td>2007-02-27 16:16</td>\n<td>2011-05-25 20:30</td>\n"
        "<td>CONFIDENTIAL</td>\n<td>Embassy Mexico</td></tr></table>\n"
        "<code><pre>" + html.escape(tg.split("BT\n")[0]).replace("\n", "&#x000A;") + "</pre></code>\n"
        "<code><pre>" + html.escape(tg.split("BT\n")[1]).replace("\n", "&#x000A;").replace(
            "TAGS: PREL", "TAGS: <a href='/tag/PREL_0.html'>PREL</a>") + "</pre></code>\n</body></html>\n"
    )
    row = '"1","2/27/2007 16:04","07MEXICO983","Embassy Mexico","CONFIDENTIAL","06MEXICO1021","{h}","{b}"\n'.format(
        h=tg.split("BT\n")[0].replace('"', '\\"'), b=tg.split("BT\n")[1].replace('"', '\\"'))
    art = ("Reference ID: 07MEXICO983\n\nCreated: 2007-02-27 16:04\n\nReleased: 2011-05-25 20:30\n\n"
           "Classification: CONFIDENTIAL\n\n" + re.sub(r"\n(?!\n)", " ", tg.split("BT\n")[1]).replace("-------", "\u2014\u2014-"))
    hl = ("1. MEXICO    GPE.NATION\n2. GARCIA LUNA    PER.IND\n@@@\n\n1. [[GARCIA LUNA || 2]] MET IN "
          "[[MEXICO || 1]] CITY. [[[[MEXICO ||1]] POLICE || 3]] WILL ACT.\n\n[[JONES || 4]]\n")
    plusd = ("Date: 1974 May 17, 16:00 (Friday)\nCanonical ID: 1974ATHENS02959_b\nOriginal Classification: "
             "LIMITED OFFICIAL USE\nCurrent Classification: UNCLASSIFIED\nHandling Restrictions: -- N/A or Blank --\n"
             "TAGS: PFOR - Foreign Policy Relations | GR - Greece\nFrom: Greece Athens\nTo: Secretary of State\n\n"
             + tg.split("BT\n")[1])
    return {"telegram": [tg.encode(), " ".join(tg.split()).encode()], "cablegate-html": [page.encode()],
            "csv": [row.encode()], "article": [art.encode()], "historylab": [hl.encode()],
            "json": [json.dumps({"cables": [{"id": "07MEXICO983", "header": tg.split("BT\n")[0],
                                             "body": tg.split("BT\n")[1]}]}).encode()],
            "plusd": [plusd.encode()]}


# --------------------------------------------------------------------------- mutations

TOKENS = [
    "\u00b6", "\u00b61. ", "\u00b6 12. (C) ", "3. (S/NF) ", "4. (C - ENTIRE TEXT) ", "(SBU)", "SIPDIS", "\nSIPDIS\n",
    "-----", "\n-----\nHeading\n-----\n", "\u2014\u2014- Summary \u2014\u2014-", "MEXICO 00000983 002 OF 003",
    "PAGE 02 MEXICO 00983 271604Z", "E.O. 12958: DECL: 02/27/2017", "EO 12958 N/A", "TAGS: PREL, MX", "TAGS ",
    "SUBJECT: ", "SUBJ: ", "REF: A. STATE 12345 B. 08 MADRID 1021", "REFTEL: ", "A. ", "B) ",
    "Classified By: Ambassador for reasons 1.4 (b,d)", "Summary: ", "End Summary", "BEGIN SUMMARY.",
    "Comment: ", "End comment.", "EMBASSY COMMENT: ", "END COMMENT", "VZCZC", "O 271604Z FEB 07", "R 999999Z XYZ 99",
    "Z 010000Z JAN 2010", "FM AMEMBASSY MEXICO", "FM SECSTATE WASHDC", "FM USMISSION USUN NEW YORK", "TO ",
    "TO RUEHC/SECSTATE WASHDC IMMEDIATE 5560", "INFO ", "INFO LOG-00 EEB-00 AID-00 ", "DE RUEHME #0983 0581604",
    "DE RUEHME #", "ZNY CCCCC ZZH", "ZNR UUUUU ZZH", "BT", "NNNN", "C O N F I D E N T I A L", "UNCLAS ",
    "UNCLAS SECTION 01 OF 02 ", "S E C R E T //NOFORN", "SECRET STATE 012345", "CONFIDENTIAL XXXXXXXXXXXX 000123",
    "NOFORN", "SENSITIVE", "Reference ID: 07MEXICO983", "Reference ID: 1999X0", "Created: 2007-02-27 16:04",
    "Created: 2007-13-45", "Released: 2011-05-25", "Classification: SECRET//NOFORN", "Origin: Embassy Mexico",
    "ID: 07MEXICO983", "ORIGIN: 07MEXICO983", "DATE: 2007-02-27 16:04", "SOURCE: Embassy Mexico",
    "CLASSIFICATION: SECRET", "This record is a partial extract of the original cable.",
    "From: AMEMBASSY MEXICO (MEXICO 000983)", "TELEGRAM February 27, 2007", "TELEGRAM Foo 99, 2007",
    "Monday, 27 February 2007, 16:04", "Monday, 31 February 2007, 25:61", "@", "EPET @ EL PA\u00cdS",
    "<pre>", "</pre>", "<code>", "<table class='cable'>", "<td>", "</td>", "<tr>", "<th>Reference ID</th>",
    "<a id='par1'>\u00b6</a>", "<a href='/tag/PREL_0.html'>PREL</a>", "&#x000A;", "&amp;", "&#182;", "&#xD800;",
    "&#99999999;", "<br>", "<p>", "</p>", "<div>", "<script>", "</script>", "<!--", "-->", "<![CDATA[", "<",
    "\"", "\\\"", "\\", "\",\"", "\"\n\"2\",\"1/1/2001 0:00\",\"", ",", "\r", "\t", "\f", "\v", "\x0b", "\x1c",
    "\u2028", "\u0085", "\u00a0", "\u200b", "\ufeff", "\u2014", "\u2019", "\u00c2\u00b6", "\u00e2\u20ac\u2122",
    "\u00c3\u00a9", "0", "00000", "99999999", "2010", "1.", "1.4", "(", ")", "//", "/", "#", ".", ":", "-",
    "\U0001f600", "\u0130", "\u1e9e", "\ufb01", "\u0131",
]
HUGE_UNITS = [" ", "-", "\u00b6", "1. ", "A", "a ", "SIPDIS ", "\u2014", "<b>", "\\", "\"", ",", "(C)", "0", "\n",
              "\n\n", "comment: x ", "end comment ", "summary: ", ". ", "-- x --", "A. ", "\t", "#", "/"]
CLS_WORDS = ("CONFIDENTIAL", "SECRET", "UNCLASSIFIED", "UNCLAS")


def _t(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def m_truncate(rng, data, seeds):
    if not data:
        return data
    i = rng.randrange(len(data) + 1)
    return data[:i] if rng.random() < 0.7 else data[i:]


def m_flip(rng, data, seeds):
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256) if rng.random() < 0.5 else b[i] ^ (1 << rng.randrange(8))
    return bytes(b)


def _lines_op(rng, data, op):
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    k = rng.choice((1, 1, 1, 2, 5))
    if op == "del":
        del lines[i: i + k]
    elif op == "dup":
        lines[i:i] = lines[i: i + k] * rng.choice((1, 1, 2, 10))
    elif op == "swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "case":
        lines[i] = lines[i].upper() if rng.random() < 0.5 else lines[i].lower()
    elif op == "strip":
        lines[i] = lines[i].strip()
    return b"\n".join(lines)


def m_del_lines(rng, data, seeds):
    return _lines_op(rng, data, "del")


def m_dup_lines(rng, data, seeds):
    return _lines_op(rng, data, "dup")


def m_swap_lines(rng, data, seeds):
    return _lines_op(rng, data, rng.choice(("swap", "case", "strip")))


def m_insert_token(rng, data, seeds):
    tok = _b(rng.choice(TOKENS))
    if rng.random() < 0.5:  # at a line start
        starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
        i = rng.choice(starts)
        if rng.random() < 0.5:
            tok += b"\n"
    else:
        i = rng.randrange(len(data) + 1)
    return data[:i] + tok + data[i:]


def m_letter_space(rng, data, seeds):
    """Letter-space, lower-case or damage the classification line (or any line)."""
    text = _t(data)
    lines = text.split("\n")
    idx = [i for i, ln in enumerate(lines) if any(w in ln.upper() for w in CLS_WORDS)] or list(range(len(lines)))
    i = rng.choice(idx)
    ln = lines[i]
    how = rng.randrange(5)
    if how == 0:
        ln = " ".join(ln)
    elif how == 1:
        ln = ln.lower()
    elif how == 2 and ln.strip():
        j = len(ln) - len(ln.lstrip())
        ln = ln[:j] + ln[j] + ln[j:]  # doubled first letter
    elif how == 3 and ln.strip():
        ln = ln.lstrip()[1:]  # lost first letter
    else:
        ln = " ".join(ln.replace(" ", "")) + rng.choice(("", " SIPDIS", " NOFORN", "//NOFORN"))
    lines[i] = ln
    return _b("\n".join(lines))


def m_newlines(rng, data, seeds):
    r = rng.random()
    if r < 0.5:
        return data.replace(b"\n", b"\r\n")
    if r < 0.7:
        return data.replace(b"\n", b"\r")
    if r < 0.85:
        i = rng.randrange(len(data) + 1)
        return data[:i] + data[i:].replace(b"\n", b"\r\n", rng.randrange(1, 5))
    return data.replace(b"\n", b"", rng.randrange(1, 50))


def m_reencode(rng, data, seeds):
    text = data.decode("utf-8", "replace")
    enc = rng.choice(("cp1252", "latin-1", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-8-sig", "mojibake",
                      "utf-16-nobom", "utf-32"))
    if enc == "mojibake":
        return text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")
    if enc == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
    if enc == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be", "surrogatepass")
    if enc == "utf-16-nobom":
        return text.encode("utf-16-le", "surrogatepass")
    return text.encode(enc, "replace")


def m_html(rng, data, seeds):
    """HTML tags and entities, inside a <pre> when there is one."""
    tags = ["<a href='/tag/X_0.html'>", "</a>", "<b>", "</b>", "<pre>", "</pre>", "<!--", "-->", "<script>x</script>",
            "&amp;", "&#x000A;", "&#182;", "&#0;", "&#x110000;", "&lt;pre&gt;", "<![CDATA[", "<a id='par2'>\u00b6</a>",
            "</table>", "<td>", "</td>", "<table class='cable'>", "<", ">", "&", "<br/>", "<p>", "</code>"]
    pres = [m.start(1) for m in re.finditer(rb"<pre>(.)", data, re.S)]
    if pres and rng.random() < 0.7:
        start = rng.choice(pres)
        end = data.find(b"</pre>", start)
        end = len(data) if end < 0 else end
        i = rng.randint(start, end)
    else:
        i = rng.randrange(len(data) + 1)
    return data[:i] + _b(rng.choice(tags)) + data[i:]


def m_csv(rng, data, seeds):
    toks = [b'"', b'\\"', b'\\', b'","', b',', b'"\n"', b'\n', b'""', b'"1","1/1/2001 0:00","', b"\r\n", b"\x00"]
    i = rng.randrange(len(data) + 1)
    if rng.random() < 0.3 and b'"' in data:
        qs = [m.start() for m in re.finditer(b'"', data)]
        j = rng.choice(qs)
        return data[:j] + data[j + 1:]
    return data[:i] + rng.choice(toks) + data[i:]


def m_huge(rng, data, seeds):
    unit = _b(rng.choice(HUGE_UNITS))
    room = max(0, HANG_MAX_BYTES - len(data))
    n = min(room, rng.choice((1_000, 5_000, 20_000, 60_000, 99_000))) // max(1, len(unit))
    i = rng.randrange(len(data) + 1)
    return data[:i] + unit * n + data[i:]


def m_splice(rng, data, seeds):
    other = rng.choice(seeds) if seeds else data
    if not other:
        return data
    a = rng.randrange(len(other))
    b = min(len(other), a + rng.choice((16, 64, 512, 2048)))
    i = rng.randrange(len(data) + 1)
    return data[:i] + other[a:b] + data[i:]


def m_random_chars(rng, data, seeds):
    i = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    else:
        junk = _b("".join(chr(rng.choice((rng.randrange(32, 127), rng.randrange(0x80, 0x3000),
                                          rng.randrange(0x10000, 0x10FFFF)))) for _ in range(rng.randint(1, 8))))
    return data[:i] + junk + data[i:]


MUTATORS = [
    (m_truncate, 8), (m_flip, 8), (m_del_lines, 8), (m_dup_lines, 6), (m_swap_lines, 5), (m_insert_token, 25),
    (m_letter_space, 5), (m_newlines, 4), (m_reencode, 4), (m_html, 6), (m_csv, 4), (m_splice, 5),
    (m_random_chars, 6), (m_huge, 0.0 if os.environ.get("CABLEBASE_FUZZ_NO_HUGE") else 0.3),
]
_MUT_FNS = [m for m, _ in MUTATORS]
_MUT_W = [w for _, w in MUTATORS]


def mutate(rng: random.Random, data: bytes, seeds: list[bytes] = (), rounds: int | None = None) -> bytes:
    """Apply one to four cable-aware mutations; the result is at most 100 KB."""
    for fn in rng.choices(_MUT_FNS, _MUT_W, k=rounds or rng.choice((1, 1, 2, 3, 4))):
        data = fn(rng, data, seeds)
        if len(data) > HANG_MAX_BYTES:
            data = data[:HANG_MAX_BYTES]
    return data


# --------------------------------------------------------------------------- findings


class Findings:
    def __init__(self, out: Path):
        self.out = out
        self.seen: dict[str, Path] = {}
        self.hangs = 0

    def record(self, form: str, outcome: str, sig: str, data: bytes | str, tb: str = "") -> None:
        if outcome == "hang":
            self.hangs += 1
            if self.hangs > 5:
                return
            key = f"hang-{self.hangs}"
        else:
            key = sig
        if key in self.seen:
            return
        if outcome != "hang" and self.out.is_dir():  # another process of this run may have it
            for t in self.out.glob(f"{outcome}-*.txt"):
                if t.read_text(errors="replace").split("\n", 1)[0] == sig:
                    self.seen[key] = t.with_suffix(".bin")
                    return
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        h = hashlib.sha1(raw).hexdigest()[:12]
        self.out.mkdir(parents=True, exist_ok=True)
        p = self.out / f"{outcome}-{form}-{h}.bin"
        p.write_bytes(raw)
        (self.out / f"{outcome}-{form}-{h}.txt").write_text(f"{sig}\nstr input: {isinstance(data, str)}\n{tb}")
        self.seen[key] = p
        print(f"  {outcome.upper()} [{form}] {sig} -> {p}", file=sys.stderr, flush=True)


def _traceback_of(parse, data, form) -> str:
    from cablebase.errors import ParseError

    try:
        parse(data, location="fuzz", fmt=None if form == "auto" else form)
    except ParseError as e:
        if e.__cause__ is not None:
            return "".join(traceback.format_exception(e.__cause__))
        return ""
    except BaseException as e:  # noqa: BLE001
        return "".join(traceback.format_exception(e))
    return ""


# --------------------------------------------------------------------------- tallies

OUTCOMES = ("ok", "error", "wrapped", "badrecord", "crash", "hang")
SIG_KINDS = ("crash", "badrecord", "wrapped")


def new_tally() -> dict:
    return {"inputs": 0, "counts": {o: 0 for o in OUTCOMES}, "sigs": {k: [] for k in SIG_KINDS}, "slowest_s": 0.0}


def merge_tally(into: dict, t: dict) -> None:
    into["inputs"] += t["inputs"]
    for o in OUTCOMES:
        into["counts"][o] += t["counts"][o]
    for k in SIG_KINDS:
        into["sigs"][k] += [s for s in t["sigs"][k] if s not in into["sigs"][k]]
    into["slowest_s"] = max(into["slowest_s"], t["slowest_s"])


def note(tally: dict, findings: "Findings", parse, form: str, data, outcome: str, sig: str | None, dt: float) -> bool:
    """Count one outcome; record a new signature's input. True when something was recorded."""
    tally["inputs"] += 1
    tally["counts"][outcome] += 1
    tally["slowest_s"] = max(tally["slowest_s"], dt)
    if outcome == "hang":
        findings.record(form, outcome, sig, data)
        return True
    if outcome in SIG_KINDS and sig not in tally["sigs"][outcome]:
        tally["sigs"][outcome].append(sig)
        findings.record(form, outcome, sig, data, _traceback_of(parse, data, form))
        return True
    return False


# --------------------------------------------------------------------------- random engine

WATCHDOG_S = 10.0
_HDR = 16  # mmap header: inputs done (8 bytes), length of the current input (4), str flag (1)


def _random_child(form: str, seconds: float, workdir: Path, out: Path, seed: int, corpus: Path) -> None:
    """The random engine's loop, in a child: before each parse the input goes into a shared
    mmap, so that the parent can save it when one input never returns (``WATCHDOG_S``)."""
    import mmap

    parse = _parse_fn()
    seeds = load_seeds(corpus)[form]
    rng = random.Random(seed)
    findings = Findings(out)
    tally = new_tally()
    with open(workdir / "current", "r+b") as fh:
        mm = mmap.mmap(fh.fileno(), _HDR + 4 * HANG_MAX_BYTES + 16)
    stats_path = workdir / "stats.json"
    t_end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < t_end:
        for _ in range(200):
            data = mutate(rng, rng.choice(seeds), seeds)
            is_str = rng.random() < 0.15  # the str route of parse(), sometimes with lone surrogates
            raw = data
            if is_str:
                data = data.decode("utf-8", "replace") + rng.choice(("", "", "", "\ud800", "\udfff x"))
                raw = data.encode("utf-8", "surrogatepass")
            mm[8:13] = len(raw).to_bytes(4, "little") + (b"\x01" if is_str else b"\x00")
            mm[_HDR:_HDR + len(raw)] = raw
            outcome, sig, dt = run_one(parse, data, form)
            n += 1
            mm[0:8] = n.to_bytes(8, "little")
            note(tally, findings, parse, form, data, outcome, sig, dt)
        stats_path.write_text(json.dumps(tally))


def fuzz_random(form: str, seconds: float, findings: Findings, seed: int = 0, corpus: Path = CORPUS) -> dict:
    """Run ``_random_child`` for ``seconds``; an input that runs past the watchdog is saved as a
    hang, the child killed and a new one started (with another random seed) for the time left."""
    import mmap

    work = Path(tempfile.mkdtemp(prefix=f"cablebase-fuzz-{form}-"))
    cur = work / "current"
    cur.write_bytes(b"\0" * (_HDR + 4 * HANG_MAX_BYTES + 16))
    tot = new_tally()
    t0 = time.perf_counter()
    while True:
        left = seconds - (time.perf_counter() - t0)
        if left < 1:
            break
        (work / "stats.json").unlink(missing_ok=True)
        with open(cur, "r+b") as fh:
            mm = mmap.mmap(fh.fileno(), 0)
        mm[0:8] = (0).to_bytes(8, "little")
        p = subprocess.Popen([sys.executable, __file__, "--_random-child", form, "--seconds", str(left),
                              "--_workdir", str(work), "--out", str(findings.out), "--seed", str(seed),
                              "--corpus", str(corpus)])
        last, last_t, hung = -1, time.perf_counter(), False
        while p.poll() is None:
            time.sleep(0.5)
            done = int.from_bytes(mm[0:8], "little")
            if done != last:
                last, last_t = done, time.perf_counter()
            elif done > 0 and time.perf_counter() - last_t > WATCHDOG_S:
                n = int.from_bytes(mm[8:12], "little")
                raw = bytes(mm[_HDR:_HDR + n])
                data = raw.decode("utf-8", "surrogatepass") if mm[12] else raw
                p.kill()
                p.wait()
                hung = True
                hung_t = new_tally()
                note(hung_t, findings, None, form, data, "hang", f"hang: {form} {n} bytes, over {WATCHDOG_S:.0f} s (killed)",
                     WATCHDOG_S)
                merge_tally(tot, hung_t)
        sp = work / "stats.json"
        if sp.exists():
            merge_tally(tot, json.loads(sp.read_text()))
        if not hung:
            break
        seed += 1000
    dt = time.perf_counter() - t0
    return {"form": form, "engine": "random", "seconds": dt, **tot}


# --------------------------------------------------------------------------- atheris engine


def _atheris_child(form: str, seconds: int, workdir: Path, out: Path) -> None:
    """Runs inside a child process: libFuzzer exits the process when the time is up."""
    import atheris

    with atheris.instrument_imports(include=["cablebase"]):
        from cablebase.parse import parse
    findings = Findings(out)
    tally = new_tally()
    stats_path = workdir / f"stats-{form}.json"
    seeds = [p.read_bytes() for p in sorted((workdir / f"seeds-{form}").iterdir())]
    last_flush = [time.perf_counter()]

    def target(data: bytes) -> None:
        d: bytes | str = data
        if data[:1] == b"\x01":  # the str route of parse()
            d = data[1:].decode("utf-8", "replace")
        outcome, sig, dt = run_one(parse, d, form)
        if note(tally, findings, parse, form, d, outcome, sig, dt) or time.perf_counter() - last_flush[0] > 1:
            stats_path.write_text(json.dumps(tally))
            last_flush[0] = time.perf_counter()

    def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() < 0.5:
            return atheris.Mutate(data, max_size)
        return mutate(rng, data, seeds)[:max_size]

    stats_path.write_text(json.dumps(tally))
    corpus_dir = workdir / f"corpus-{form}"
    corpus_dir.mkdir(exist_ok=True)
    atheris.Setup(
        [sys.argv[0], f"-max_total_time={seconds}", f"-max_len={SMALL}", f"-timeout={int(WATCHDOG_S)}",
         "-rss_limit_mb=4096", "-print_final_stats=1", f"-artifact_prefix={out}/atheris-{form}-",
         str(corpus_dir), str(workdir / f"seeds-{form}")],
        target, custom_mutator=custom_mutator,
    )
    atheris.Fuzz()


def fuzz_atheris(form: str, seeds: list[bytes], seconds: float, findings: Findings) -> dict:
    """libFuzzer through atheris in a child for ``seconds``; the child's own count of inputs
    (its tally) is used, libFuzzer's ``Done N runs`` line checked against it. A child that
    libFuzzer stops early (its timeout: a hang) is started again for the time left."""
    findings.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"cablebase-atheris-{form}-"))
    sd = work / f"seeds-{form}"
    sd.mkdir()
    for i, s in enumerate(seeds):
        (sd / f"{i:05d}").write_bytes(s[:SMALL])
    tot = new_tally()
    t0 = time.perf_counter()
    restarts = 0
    done_runs = 0
    while True:
        left = int(seconds - (time.perf_counter() - t0))
        if left < 2:
            break
        sp = work / f"stats-{form}.json"
        sp.unlink(missing_ok=True)
        p = subprocess.run(
            [sys.executable, __file__, "--_atheris-child", form, "--seconds", str(left), "--_workdir", str(work),
             "--out", str(findings.out)],
            capture_output=True, text=True, errors="replace",
        )
        log = p.stdout + p.stderr
        with open(findings.out / f"atheris-{form}.log", "a") as fh:
            fh.write(log[-20000:])
        m = re.findall(r"^Done (\d+) runs in", log, re.M)
        done_runs += int(m[-1]) if m else 0
        if sp.exists():
            merge_tally(tot, json.loads(sp.read_text()))
        if p.returncode == 0 or m:
            break
        # libFuzzer stopped early (its -timeout, a deadly signal): a hang or a crash; go on.
        restarts += 1
        tail = "\n".join(log.splitlines()[-12:])
        print(f"  atheris [{form}] stopped (rc {p.returncode}), restarting:\n{tail}", file=sys.stderr)
        kind = "hang" if "timeout" in log.lower() else "crash"
        tot["counts"][kind] += 1
        tot["inputs"] += 1
        if kind == "crash":
            tot["sigs"]["crash"].append(f"libFuzzer stop rc={p.returncode}")
        if restarts > 5:
            break
    dt = time.perf_counter() - t0
    # The child's tally is written once a second: libFuzzer's own count has the last inputs too.
    tot["inputs"] = max(tot["inputs"], done_runs)
    return {"form": form, "engine": "atheris", "seconds": dt, "libfuzzer_runs": done_runs, **tot}


# --------------------------------------------------------------------------- hang probe

PROBE_PREFIX = {
    "auto": "",
    "telegram": "C O N F I D E N T I A L MEXICO 000983\nTAGS: PREL\nSUBJECT: X\n\n\u00b61. (C) ",
    "cablegate-html": "<table class='cable'><tr><td>07MEXICO983</td><td>2007-02-27 16:04</td><td>x</td>"
                      "<td>SECRET</td><td>Embassy Mexico</td></tr></table><pre>SECRET MEXICO 000983\n\n1. (C) ",
    "csv": '"1","2/27/2007 16:04","07MEXICO983","Embassy Mexico","SECRET","","R 271604Z FEB 07","SECRET\n1. (C) ',
    "article": "Reference ID: 07MEXICO983\nCreated: 2007-02-27 16:04\n\n\u00b61. (C) ",
}
PROBE_SUFFIX = {"cablegate-html": "</pre>", "csv": '"\n'}


def hang_probe(forms, size: int = HANG_MAX_BYTES, findings: Findings | None = None) -> list[tuple[str, str, float, str]]:
    """Time inputs of one repeated unit after each form's prefix, in a child with a time limit."""
    units = HUGE_UNITS + [t for t in TOKENS if len(t) <= 40]
    rows = []
    for form in forms:
        for unit in units:
            pre, suf = PROBE_PREFIX[form], PROBE_SUFFIX.get(form, "")
            n = max(1, (size - len(_b(pre)) - len(_b(suf))) // max(1, len(_b(unit))))
            data = _b(pre + unit * n + suf)[:size]
            dt, outcome = _timed_child(data, form, limit=5.0)
            rows.append((form, unit, dt, outcome))
            if dt > HANG_S or outcome not in ("ok", "error", "wrapped"):
                print(f"  SLOW/BAD [{form}] unit={unit!r} {dt:.2f}s {outcome}", file=sys.stderr, flush=True)
                if findings is not None:
                    findings.record(form, "hang" if outcome in ("ok", "error", "wrapped", "timeout") else "crash",
                                    f"probe {unit!r} {dt:.1f}s {outcome}", data)
    return rows


_CHILD_CODE = """
import sys, time
from cablebase.errors import ParseError
from cablebase.parse import parse
data = sys.stdin.buffer.read()
form = sys.argv[1]
t0 = time.process_time()
try:
    parse(data, location="probe", fmt=None if form == "auto" else form); out = "ok"
except ParseError as e:
    out = "wrapped" if e.__cause__ is not None else "error"
except BaseException as e:
    out = "crash:" + type(e).__name__
print(f"{time.process_time() - t0:.4f} {out}")
"""


def _timed_child(data: bytes, form: str, limit: float) -> tuple[float, str]:
    try:
        p = subprocess.run([sys.executable, "-c", _CHILD_CODE, form], input=data, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return limit, "timeout"
    try:
        dt, out = p.stdout.decode().split()
        return float(dt), out
    except ValueError:
        return 0.0, f"died rc={p.returncode}"


# --------------------------------------------------------------------------- minimiser


def minimise(data: bytes, keeps) -> bytes:
    """Delta debugging: drop chunks of lines, then of bytes, while ``keeps(candidate)`` holds."""
    def ddmin(items: list, join) -> list:
        n = 2
        while len(items) >= 2:
            chunk = max(1, len(items) // n)
            reduced = False
            for i in range(0, len(items), chunk):
                cand = items[:i] + items[i + chunk:]
                if cand and keeps(join(cand)):
                    items = cand
                    n = max(n - 1, 2)
                    reduced = True
                    break
            if not reduced:
                if chunk == 1:
                    break
                n = min(len(items), n * 2)
        return items

    lines = data.split(b"\n")
    lines = ddmin(lines, lambda ls: b"\n".join(ls))
    data = b"\n".join(lines)
    chars = [bytes([b]) for b in data]
    return b"".join(ddmin(chars, lambda cs: b"".join(cs)))


def _minimise_cli(path: Path, form: str, as_str: bool) -> None:
    parse = _parse_fn()
    data = path.read_bytes()

    def conv(d: bytes):
        return d.decode("utf-8", "replace") if as_str else d

    outcome, sig, _ = run_one(parse, conv(data), form)
    print(f"original: {len(data)} bytes, {outcome}: {sig}")
    if outcome not in ("crash", "wrapped"):
        sys.exit("not a crash; minimise hangs by hand (the shortest unit run that stays over 1 s)")

    def keeps(d: bytes) -> bool:
        o, s, _ = run_one(parse, conv(d), form)
        return o == outcome and s == sig

    small = minimise(data, keeps)
    out = path.with_suffix(".min.bin")
    out.write_bytes(small)
    print(f"minimised: {len(small)} bytes -> {out}\n{small!r}")
    print(_traceback_of(parse, conv(small), form))


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="per form (and engine, with --engine both: split)")
    ap.add_argument("--engine", choices=("both", "atheris", "random"), default="both")
    ap.add_argument("--forms", default=",".join(FORMS))
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "cablebase-fuzz")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-huge", action="store_true",
                    help="no 100 KB lines from the random engine (for the rate; --hang-probe covers them)")
    ap.add_argument("--hang-probe", action="store_true")
    ap.add_argument("--minimise", type=Path)
    ap.add_argument("--form", default="auto")
    ap.add_argument("--str", action="store_true", help="with --minimise: the input goes in as str")
    ap.add_argument("--_atheris-child", dest="child", help=argparse.SUPPRESS)
    ap.add_argument("--_random-child", dest="rchild", help=argparse.SUPPRESS)
    ap.add_argument("--_workdir", dest="workdir", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _atheris_child(a.child, int(a.seconds), a.workdir, a.out)
        return
    if a.rchild:
        _random_child(a.rchild, a.seconds, a.workdir, a.out, a.seed, a.corpus)
        return
    if a.minimise:
        _minimise_cli(a.minimise, a.form, a.str)
        return
    forms = [f for f in a.forms.split(",") if f]
    if a.no_huge:
        os.environ["CABLEBASE_FUZZ_NO_HUGE"] = "1"  # read by the children at import
    findings = Findings(a.out)
    if a.hang_probe:
        t0 = time.perf_counter()
        rows = hang_probe(forms, findings=findings)
        slow = [r for r in rows if r[2] > HANG_S or r[3] not in ("ok", "error", "wrapped")]
        print(f"hang probe: {len(rows)} inputs of {HANG_MAX_BYTES} bytes in {time.perf_counter() - t0:.0f} s; "
              f"{len(slow)} over {HANG_S} s or crashed")
        for form, unit, dt, outcome in sorted(slow, key=lambda r: -r[2]):
            print(f"  {form:<15} {unit!r:<40} {dt:7.2f} s  {outcome}")
        return
    engines = ["atheris", "random"] if a.engine == "both" else [a.engine]
    if "atheris" in engines:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed (pip install atheris): random engine only", file=sys.stderr)
            engines = ["random"]
    per = a.seconds / len(engines)
    seeds = load_seeds(a.corpus)
    print("seeds: " + ", ".join(f"{f} {len(seeds[f])}" for f in forms) + f"; findings -> {a.out}", flush=True)
    results = []
    t_start = time.perf_counter()
    for form in forms:
        for eng in engines:
            print(f"fuzzing {form} with {eng} for {per:.0f} s …", file=sys.stderr, flush=True)
            if eng == "atheris":
                r = fuzz_atheris(form, seeds[form], per, findings)
            else:
                r = fuzz_random(form, per, findings, seed=a.seed + FORMS.index(form), corpus=a.corpus)
            results.append(r)
            print(f"  {summary_line(r)}", file=sys.stderr, flush=True)
    print_table(results, time.perf_counter() - t_start)
    if findings.seen:
        print(f"\nfindings written to {a.out}:")
        for k, p in findings.seen.items():
            print(f"  {p.name}: {k}")
    bad = sum(len(r["sigs"]["crash"]) + r["counts"]["hang"] for r in results)
    sys.exit(1 if bad else 0)


def summary_line(r: dict) -> str:
    c = r["counts"]
    return (f"{r['inputs']:,} inputs in {r['seconds']:.0f} s, {r['inputs'] / r['seconds']:,.0f}/s; crashes "
            f"{len(r['sigs']['crash'])} (signatures), hangs {c['hang']}, bad records {len(r['sigs']['badrecord'])}, "
            f"wrapped {len(r['sigs']['wrapped'])}; slowest {r['slowest_s'] * 1000:.0f} ms")


def print_table(results: list[dict], wall: float) -> None:
    print()
    print(f"{'form':<16}{'engine':<9}{'inputs':>12}{'seconds':>9}{'inputs/s':>10}{'crashes':>9}{'hangs':>7}"
          f"{'bad rec':>9}{'wrapped':>9}{'slowest CPU ms':>15}")
    tot = new_tally()
    secs = 0.0
    for r in results:
        c = r["counts"]
        print(f"{r['form']:<16}{r['engine']:<9}{r['inputs']:>12,}{r['seconds']:>9.0f}{r['inputs'] / r['seconds']:>10,.0f}"
              f"{len(r['sigs']['crash']):>9}{c['hang']:>7}{len(r['sigs']['badrecord']):>9}"
              f"{len(r['sigs']['wrapped']):>9}{r['slowest_s'] * 1000:>15.0f}")
        merge_tally(tot, r)
        secs += r["seconds"]
    print(f"{'total':<25}{tot['inputs']:>12,}{secs:>9.0f}{tot['inputs'] / secs if secs else 0:>10,.0f}"
          f"{len(tot['sigs']['crash']):>9}{tot['counts']['hang']:>7}{len(tot['sigs']['badrecord']):>9}"
          f"{len(tot['sigs']['wrapped']):>9}{tot['slowest_s'] * 1000:>15.0f}")
    print(f"\nwall time {wall:.0f} s. crashes: distinct signatures (exception type + innermost cablebase frame) of"
          "\nexceptions other than ParseError escaping parse(); hangs: inputs ≤ 100 KB over 1 s of CPU; bad rec: distinct"
          "\nbreaches of the record's documented shape (created, JSON round trip); wrapped: distinct internal errors"
          "\nthat parse() turned into a ParseError (allowed, but parser bugs).")


if __name__ == "__main__":
    main()
