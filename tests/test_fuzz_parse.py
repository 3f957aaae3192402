"""Property tests of the parser: nothing but a record or a typed ParseError comes out, and
what the text says survives a second reading of the record's own body.

- any text or bytes, for detection (``fmt=None``) and for each form, gives records that keep
  the record's contract (``bench/fuzz.py``'s ``check_records``) or a ``ParseError``, within 1 s of CPU;
- so do real cables from the corpus put through the fuzzer's mutations (truncation, byte flips,
  lines deleted or doubled, ``¶``/``SIPDIS``/dashes inserted, letter-spaced classification
  lines, CRLF, cp1252/latin-1/UTF-16, HTML inside ``<pre>``, CSV quotes);
- a generated plausible telegram is read as it was written, and reading the clean ``body`` of
  its record again (``fmt="telegram"``) gives the same classification, tags, subject and
  paragraph numbers, markings and headings; the same holds for the real cables' text;
- ``refid.canonical`` and ``refid.split_ref_id`` undo each other.

Examples are capped (``max_examples``, derandomised) so the file runs in well under a minute
on two cores; ``bench/fuzz.py`` runs the same target for as long as one likes.
Inputs that once crashed live in ``tests/regressions/`` and are replayed by its own test.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cablebase.errors import NoCableFound, ParseError
from cablebase.parse import parse, refid, routing
from cablebase.parse.telegram_classification import classification_line

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def _load_fuzz():
    spec = importlib.util.spec_from_file_location("cablebase_bench_fuzz", ROOT / "bench" / "fuzz.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


fuzz = _load_fuzz()

FORMS = [None, "cablegate-html", "telegram", "csv", "article", "json", "historylab", "plusd"]
FORM_IDS = ["auto", "cablegate-html", "telegram", "csv", "article", "json", "historylab", "plusd"]
LIMIT_S = 1.0

FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def outcome_of(data: bytes | str, fmt: str | None):
    """Parse; return the records or the ParseError. Anything else fails, and so does a record of
    the wrong types. (The stricter checks of the record's documented shapes are the fuzzer's
    and the regression replay's: ``check_records(strict=True)``.)"""
    t0 = time.process_time()  # CPU: the machine may be busy with other work
    try:
        result = parse(data, location="prop", fmt=fmt)
    except ParseError as e:
        result = e
    else:
        fuzz.check_records(result, strict=False)
    dt = time.process_time() - t0
    assert dt < LIMIT_S, f"{len(data)} chars/bytes took {dt:.2f} s of CPU"
    return result


# --------------------------------------------------------------------------- any input

# Text made of the pieces cables are made of, so that generated input gets past the cheap
# rejects and into the parsers' deeper paths.
_PIECES = st.sampled_from(fuzz.TOKENS + ["\n", "\n\n", " ", "  ", "MEXICO 000983", "07MEXICO983", "1. ", "(C) "])
cable_like_text = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=400), cable_like_text)


@pytest.mark.parametrize("fmt", FORMS, ids=FORM_IDS)
@FAST
@given(text=any_text)
def test_any_text_gives_records_or_parse_error(fmt, text):
    outcome_of(text, fmt)


@pytest.mark.parametrize("fmt", FORMS, ids=FORM_IDS)
@FAST
@given(data=st.one_of(st.binary(max_size=400), any_text.map(lambda t: t.encode("utf-8")),
                      st.tuples(any_text, st.sampled_from(["cp1252", "latin-1", "utf-16"])).map(
                          lambda te: te[0].encode(te[1], "replace"))))
def test_any_bytes_give_records_or_parse_error(fmt, data):
    outcome_of(data, fmt)


# --------------------------------------------------------------------------- mutated real cables


@lru_cache(maxsize=None)
def seeds() -> dict[str, list[bytes]]:
    """Small seeds per form from the real corpus (read only), or synthetic ones without it."""
    return fuzz.load_seeds(CORPUS, limit=120)


# The fuzzer's mutations, without the 100 KB lines: hangs are bench/fuzz.py's business.
_MUTATIONS = [m for m in fuzz._MUT_FNS if m is not fuzz.m_huge]


@pytest.mark.parametrize("fmt", FORMS, ids=FORM_IDS)
@FAST
@given(rnd=st.randoms(use_true_random=False), k=st.integers(1, 4), as_str=st.booleans())
def test_mutated_real_cables_give_records_or_parse_error(fmt, rnd, k, as_str):
    pool = seeds()["auto" if fmt is None else fmt]
    data = rnd.choice(pool)
    for _ in range(k):
        data = rnd.choice(_MUTATIONS)(rnd, data, pool)
    outcome_of(data.decode("utf-8", "replace") if as_str else data, fmt)


# --------------------------------------------------------------------------- plausible telegrams

POSTS = [("AMEMBASSY MEXICO", "MEXICO"), ("AMEMBASSY BUENOS AIRES", "BUENOSAIRES"), ("SECSTATE WASHDC", "STATE"),
         ("AMCONSUL SAO PAULO", "SAOPAULO"), ("AMEMBASSY ANKARA", "ANKARA"), ("AMEMBASSY LA PAZ", "LAPAZ"),
         ("USMISSION USUN NEW YORK", "USUNNEWYORK"), ("AMEMBASSY TEHRAN", "TEHRAN")]
TAGS = ["PREL", "PGOV", "ECON", "SNAR", "KCRM", "PHUM", "MX", "TU", "IR", "BL", "ETRD", "MARR", "KNNP", "EFIN"]
WORDS = ("the minister said that officials met with their counterparts on tuesday and discussed water "
         "energy trade border policing programs elections budget reform talks government party leader "
         "Garcia Luna Chertoff Mexico Ankara Havana new old many several would could also however").split()
# Letter-spaced UNCLAS does not occur in the corpus (and is not read: see the report of
# "Proof that nothing is lost"); letter-spaced CONFIDENTIAL and SECRET are everywhere.
CLASSES = {"UNCLASSIFIED": ["UNCLAS", "UNCLASSIFIED"],
           "CONFIDENTIAL": ["CONFIDENTIAL", "C O N F I D E N T I A L"],
           "SECRET": ["SECRET", "S E C R E T"]}
MARKS = {"UNCLASSIFIED": ["U", "SBU", None], "CONFIDENTIAL": ["C", "U", "SBU", "C/NF", None],
         "SECRET": ["S", "C", "S/NF", "U", None]}
MONTHS = list(routing.MONTHS)


def _sentence(draw, lo: int = 4, hi: int = 30) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=lo, max_size=hi))
    return (" ".join(words).capitalize() + ".") if words else "Text."


def _wrap(text: str, width: int) -> list[str]:
    lines, cur = [], ""
    for w in text.split():
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return lines + ([cur] if cur else [])


@st.composite
def plausible_telegrams(draw):
    """A telegram as cables are written, and what a faithful reading of it must give."""
    truth: dict = {}
    fm, post = draw(st.sampled_from(POSTS))
    serial = draw(st.integers(1, 999_999))
    year = draw(st.integers(1966, 2010))
    cls = draw(st.sampled_from(sorted(CLASSES)))
    lines: list[str] = []
    with_header = draw(st.booleans())
    if with_header:
        mon = draw(st.sampled_from(MONTHS))
        day, hh, mi = draw(st.integers(1, 28)), draw(st.integers(0, 23)), draw(st.integers(0, 59))
        prec = draw(st.sampled_from("RPOZ"))
        if draw(st.booleans()):
            lines += [f"VZCZCXRO{draw(st.integers(1000, 9999))}", "PP RUEHWEB",
                      f"DE RUEHME #{serial % 10000:04d} 0581604", "ZNY CCCCC ZZH"]
        lines += [f"{prec} {day:02d}{hh:02d}{mi:02d}Z {mon} {year % 100:02d}", f"FM {fm}",
                  "TO RUEHC/SECSTATE WASHDC 5560", "BT"]
        truth["ref_id"] = f"{year % 100:02d}{post}{serial}"
        truth["created"] = f"{year:04d}-{routing.MONTHS[mon]:02d}-{day:02d} {hh:02d}:{mi:02d}"
    section = draw(st.sampled_from(["", " SECTION 01 OF 02"]))
    pad = draw(st.sampled_from([6, 8]))
    lines.append(f"{draw(st.sampled_from(CLASSES[cls]))}{section} {fm.split(' ', 1)[1] if post != 'STATE' else 'STATE'}"
                 f" {serial:0{pad}d}")
    # The classification line names the post as the ref id does (``BUENOS AIRES`` is squeezed).
    noforn = cls != "UNCLASSIFIED" and draw(st.booleans())
    sbu = cls == "UNCLASSIFIED" and draw(st.booleans())
    if noforn:
        lines.append("NOFORN")
    if sbu:
        lines.append("SENSITIVE")
    truth["classification"] = cls + ("//NOFORN" if noforn else "") + ("//FOR OFFICIAL USE ONLY" if sbu else "")
    lines.append("")
    truth["sipdis"] = draw(st.booleans())
    if truth["sipdis"]:
        lines += ["SIPDIS", ""]
    lines.append(f"E.O. 12958: DECL: {draw(st.integers(1, 12)):02d}/01/{year + 10}" if cls != "UNCLASSIFIED"
                 else "E.O. 12958: N/A")
    tags = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=6, unique=True))
    truth["tags"] = tags
    tag_text = ", ".join(tags)
    if len(tags) > 3 and draw(st.booleans()):
        lines += ["TAGS: " + ", ".join(tags[:3]) + ",", ", ".join(tags[3:])]
    else:
        lines.append("TAGS: " + tag_text)
    subject = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=16))).upper()
    truth["subject"] = subject
    sub_lines = _wrap("SUBJECT: " + subject, draw(st.sampled_from([60, 200])))
    lines += sub_lines + [""]
    if cls != "UNCLASSIFIED":
        lines += [f"Classified By: Ambassador {draw(st.sampled_from(['Garza', 'Jeffrey', 'Wayne']))} "
                  "for reasons 1.4 (b) and (d)", ""]
    n = draw(st.integers(1, 8))
    pilcrow = draw(st.booleans())
    paras = []
    heading = None
    page = 2
    for num in range(1, n + 1):
        if draw(st.integers(0, 4)) == 0:
            heading = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))).title()
            dash = "-" * draw(st.integers(3, 20))
            lines += [dash, heading, dash, ""]
        mark = draw(st.sampled_from(MARKS[cls]))
        text_lines = _wrap(_sentence(draw), draw(st.sampled_from([60, 70, 1000])))
        prefix = ("\u00b6" if pilcrow else "") + f"{num}. " + (f"({mark}) " if mark else "")
        lines.append(prefix + text_lines[0])
        for tl in text_lines[1:]:
            if draw(st.integers(0, 9)) == 0:
                lines.append(f"{post} {serial:08d} {page:03d} OF {page + 1:03d}")
                page += 1
            lines.append(tl)
        lines.append("")
        paras.append((num, mark, heading))
    truth["paragraphs"] = paras
    signer = draw(st.sampled_from(["GARZA", "JEFFREY", "CLINTON", "Wayne"]))
    lines.append(signer)
    truth["signer"] = signer
    text = "\n".join(lines) + "\n"
    return text, truth


def fields(c) -> dict:
    return {
        "classification": c.classification,
        "tags": c.tags,
        "subject": c.subject,
        "paragraphs": [(p.number, p.marking, p.heading) for p in c.paragraphs],
    }


def reread(c):
    """The record's clean body read again as a telegram."""
    [c2] = parse(c.body, location="reread", fmt="telegram")
    return c2


@FAST
@given(plausible_telegrams())
def test_plausible_telegram_is_read_as_written(tg):
    text, truth = tg
    [c] = parse(text, fmt="telegram")
    assert c.classification == truth["classification"]
    assert c.tags == truth["tags"]
    assert c.subject == truth["subject"]
    assert [(p.number, p.marking, p.heading) for p in c.paragraphs] == truth["paragraphs"]
    assert c.signer == truth["signer"]
    assert c.sipdis == truth["sipdis"]
    assert c.ref_id == truth.get("ref_id")
    assert c.created == truth.get("created")
    assert "SIPDIS" not in c.body
    assert not any(re.match(r"^[A-Z]+ \d{8} \d{3} OF \d{3}$", ln) for ln in c.body.split("\n"))


@FAST
@given(plausible_telegrams(), st.sampled_from(["plain", "crlf", "latin-1", "cp1252", "utf-16", "lower-cls"]))
def test_plausible_telegram_survives_transport(tg, how):
    """Line ends, legacy encodings and a lower-cased classification line change nothing."""
    text, truth = tg
    [ref] = parse(text, fmt="telegram")
    if how == "crlf":
        data = text.replace("\n", "\r\n").encode()
    elif how in ("latin-1", "cp1252", "utf-16"):
        data = text.encode(how)
    elif how == "lower-cls":
        lines = text.split("\n")
        i = next(i for i, ln in enumerate(lines) if classification_line(ln) and classification_line(ln)[1])
        lines[i] = lines[i].lower()
        data = "\n".join(lines)
    else:
        data = text.encode()
    [c] = parse(data, fmt="telegram")
    assert fields(c) == fields(ref)
    assert (c.ref_id, c.created, c.signer, c.sipdis) == (ref.ref_id, ref.created, ref.signer, ref.sipdis)
    assert c.body == ref.body or how == "lower-cls"


@FAST
@given(plausible_telegrams())
def test_plausible_telegram_body_rereads_the_same(tg):
    text, _ = tg
    [c] = parse(text, fmt="telegram")
    c2 = reread(c)
    assert fields(c2) == fields(c)
    # The year of the ref id is in the header's DTG, not in the body: the body alone gives the
    # same id or none (never another); with the header put back it gives the same.
    assert c2.ref_id in (None, c.ref_id)
    if c.header:
        [c3] = parse(c.header + "\n" + c.body, fmt="telegram")
        assert c3.ref_id == c.ref_id
        assert fields(c3) == fields(c)
    assert c2.body == c.body


# --------------------------------------------------------------------------- real cables' text


@lru_cache(maxsize=None)
def real_telegrams() -> list[tuple[str, str]]:
    """(name, text) of real cables in telegram form: the <pre> text of cablegate pages and the
    converted text files. Empty without the corpus."""
    out = []
    pages = CORPUS / "cablegate-2010" / "cable"
    if pages.is_dir():
        paths = sorted(pages.rglob("*.html"))
        for p in random.Random(7).sample(paths, min(250, len(paths))):
            out.append((p.name, fuzz._pre_text(p.read_text("utf-8", "replace"))))
    txt = CORPUS / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate-converted"
    if txt.is_dir():
        for p in sorted(txt.glob("*.txt")):
            out.append((p.name, p.read_bytes().decode("latin-1")))
    return out


def _cls_from_body(c) -> bool:
    """The record's classification was read from the body's classification line: the line is
    there and names the cable itself (not the foreign body some copies carry under the header)."""
    ci = classification_line(c.body.split("\n", 1)[0])
    if not ci:
        return False
    parts = refid.split_ref_id(c.ref_id) if c.ref_id else None
    return not (parts and ci[1] and (ci[1], int(ci[2])) != parts[1:])


def test_real_cables_body_rereads_the_same():
    """Every sampled real cable: its body read again gives the same fields that came from it.

    A body with no numbered paragraphs is a cable only through its ref id, whose year is in
    the header: such a body is read again with its header put back."""
    cables = real_telegrams()
    if not cables:
        pytest.skip(f"real corpus not found at {CORPUS}")
    bad = []
    for name, text in cables:
        try:
            [c] = parse(text, fmt="telegram")
        except ParseError:
            continue
        try:
            [c2] = parse(c.body, fmt="telegram")
        except NoCableFound:
            if c.paragraphs or not c.header:
                bad.append(f"{name}: the body alone is no cable, though it has paragraphs")
                continue
            [c2] = parse(c.header + "\n" + c.body, fmt="telegram")
        want, got = fields(c), fields(c2)
        if not _cls_from_body(c):
            # The classification came from the header (ZNY line, newspaper block), not the body.
            want.pop("classification")
            got.pop("classification")
        if want != got:
            diff = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
            bad.append(f"{name}: {str(diff)[:300]}")
        if c2.ref_id not in (None, c.ref_id):
            bad.append(f"{name}: ref_id {c.ref_id} -> {c2.ref_id}")
        if c.header and c.ref_id:
            [c3] = parse(c.header + "\n" + c.body, fmt="telegram")
            if c3.ref_id != c.ref_id:
                bad.append(f"{name}: ref_id {c.ref_id} -> {c3.ref_id} with the header put back")
    assert not bad, f"{len(bad)} of {len(cables)} cables:\n" + "\n".join(bad[:20])


# --------------------------------------------------------------------------- reference ids

post_names = st.from_regex(r"[A-Z][A-Z-]{0,14}[A-Z]", fullmatch=True).filter(lambda p: "--" not in p)
years2 = st.integers(0, 99)
serials = st.integers(0, 10**7)


@FAST
@given(years2, post_names, serials)
def test_ref_id_canonical_of_split_is_identity(yy, post, serial):
    ref = f"{yy:02d}{post}{serial}"
    parts = refid.split_ref_id(ref)
    assert parts is not None
    assert refid.canonical(*parts) == ref


@FAST
@given(st.integers(1966, 2065), post_names, serials)
def test_ref_id_split_of_canonical_is_identity(year, post, serial):
    assert refid.split_ref_id(refid.canonical(year, post, serial)) == (year, post, serial)
    # Zero-padded serials and spaced or lower-case posts, as the text writes them, canonicalise too.
    spaced = post.lower() if "-" in post else " ".join(post).lower()
    assert refid.split_ref_id(refid.canonical(str(year), spaced, f"{serial:08d}")) == (year, post, serial)


@FAST
@given(st.integers(1966, 2010))
def test_full_year_agrees_with_split_ref_id(year):
    """Over Cablegate's span the two-digit-year rules of the helpers agree."""
    yy = year % 100
    assert refid.full_year(yy) == year
    assert refid.split_ref_id(f"{yy:02d}STATE1")[0] == year


@FAST
@given(st.text(max_size=40))
def test_split_ref_id_is_idempotent(s):
    parts = refid.split_ref_id(s)
    if parts is not None:
        ref = refid.canonical(*parts)
        assert refid.REF_ID_RE.match(ref)
        assert refid.split_ref_id(ref) == parts
