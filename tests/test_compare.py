"""Comparing copies of a cable word by word (``cablebase.compare``): wrapping, spacing, quote and
dash styles and page-break debris are no change; words added, dropped, changed and redacted are;
measured on the real version histories of the corpus (``cablegate-html-versions``)."""

from __future__ import annotations

import csv
import html
import re
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from cablebase import parse_files
from cablebase.compare import compare, compare_cable, compared_text

TEXT = """¶1. (C) Medina Mora turned to Mexico's growing problem with methamphetamine
production and told Secretary Chertoff that the GOM had recently seized close to
40 metric tons of pseudoephedrine shipped from Hong Kong.

¶2. (C) He said the "semi-authoritarian" regime -- evolving toward democracy --
would be better for stability in the region."""


def test_same_text_wrapped_spaced_and_quoted_differently_is_identical():
    blog = ("¶1. (C)  Medina Mora turned to Mexico’s growing problem with methamphetamine production and told "
            "Secretary Chertoff that the GOM had recently seized close to 40 metric tons of pseudoephedrine SIPDIS "
            "MEXICO 00000983 002 OF 003 shipped from Hong Kong.\n\n"
            "2. (C) He said the “semi-authoritarian” regime — evolving toward democracy — would be better "
            "for stability in the region.")
    c = compare(TEXT, blog)
    s = c["summary"]
    assert s["same"] and s["verdict"] == "identical" and s["identical_pct"] == 100.0 and s["changes"] == 0
    assert s["text"] == "identical: 100% of words identical; 0 changes"
    assert s["kind"] == "rewrapped" and s["kind_text"].startswith("rewrapped: the same words")
    assert compare(TEXT, TEXT)["summary"]["kind"] == "identical"
    assert [p["status"] for p in c["paragraphs"]] == ["identical", "identical"]
    assert [p["label"] for p in c["paragraphs"]] == ["¶1", "¶2"]


def test_words_added_dropped_and_changed_are_shown_inline():
    blog = TEXT.replace("40 metric tons", "400 metric tons").replace("from Hong Kong", "from Hong Kong and Macau")
    blog = blog.replace("would be better for", "would be for")
    c = compare(TEXT, blog)
    s = c["summary"]
    assert s["changes"] == 3 and s["verdict"] == "differs" and not s["same"]  # 3 changes in 60 words: < 98%
    assert {(ch["kind"], ch["a"], ch["b"]) for ch in c["changes"]} == {
        ("changed", "40", "400"), ("added", None, "and Macau"), ("dropped", "better", None)}
    first = c["paragraphs"][0]
    assert first["status"] == "changed"
    parts = [(x["op"], x["text"]) for x in first["parts"]]
    assert ("delete", "40") in parts and ("insert", "400") in parts and ("insert", "and Macau") in parts
    assert s["text"].startswith("differs: ") and s["text"].endswith("; 3 changes")
    assert s["kind"] == "edited" and s["edits"]["text"] == {"changed": 2}  # ¶1 and ¶2


def test_faithful_copy_summary_counts_words():
    long = TEXT + "\n\n" + "\n\n".join(f"¶{n}. (C) " + " ".join(f"word{n}x{k}" for k in range(60)) for n in range(3, 8))
    c = compare(long, long.replace("word5x7", "word5x8"))
    s = c["summary"]
    assert s["verdict"] == "faithful" and s["changes"] == 1 and 99.0 < s["identical_pct"] < 100.0
    assert s["text"] == f"faithful: {s['identical_pct']:g}% of words identical; 1 change"
    assert [p["status"] for p in c["paragraphs"]].count("changed") == 1


def test_missing_added_and_redacted_paragraphs():
    a = TEXT + "\n\n¶3. (S) Oscar Rocha outlined a proposal."
    b = TEXT.replace("Secretary Chertoff", "XXXXXXXXXXXX") + "\n\n¶4. (U) A new closing paragraph here."
    c = compare(a, b)
    st = {p["label"]: p["status"] for p in c["paragraphs"]}
    assert st == {"¶1": "redacted", "¶2": "identical", "¶3": "missing", "¶4": "added"}
    assert c["summary"]["paragraphs"] == {"identical": 1, "changed": 0, "missing": 1, "added": 1, "redacted": 1}
    assert {ch["kind"] for ch in c["changes"]} == {"redacted", "changed"}  # ¶3 replaced by ¶4: one change


def test_header_is_summed_up_apart():
    a = "UNCLAS SECTION 01 OF 03 MEXICO 000983\n\nTAGS: PREL PGOV\n\nSUBJECT: A MEETING\n\n" + TEXT
    b = "TAGS PREL, PGOV,\n\n" + TEXT
    c = compare_cable(a, b)
    s = c["summary"]
    # the text's words are all there, the header lines are edited: not "identical", not "no change"
    assert s["identical_pct"] == 100.0 and s["verdict"] == "faithful" and s["kind"] == "edited" and not s["same"]
    assert not c["header"]["same"] and s["text"].startswith("faithful: 100% of words identical; 0 changes (header lines apart")
    assert s["edits"] == {"text": {}, "header": {"changed": 1, "missing": 2}} or not s["edits"]["text"]
    assert s["kind_text"].startswith("edited") and "header lines:" in s["kind_text"]
    assert all(p.get("header") for p in c["paragraphs"] if p["status"] != "identical" or not p["label"])


# -- the real version histories --------------------------------------------------------------------
# The corpus README (cablegate-html-versions/) counts, between the 182 consecutive versions of its
# 160 cables: 134 text edits, 38 whitespace/re-wrap only, 7 text grew, 3 text shrank, on the
# pages' <pre> blocks. The archive compares what it reads of each version (``compared_text``):
# the lines of the page its record keeps as metadata (a partner newspaper's dateline, "Thursday,
# 23 October 2008, 09:20", or metadata block, ``ID:``/``ORIGIN:`` lines: ``page_furniture``), the
# routing header, the text. 40 of the README's text edits change only those lines (38 a dateline,
# 2 a metadata block): they are edits in the header lines (38 of them read as re-wraps before). 39 pairs differ only in wrapping and
# style: 35 in whitespace alone, 4 in ¶ signs, quote style or a lone "." (``STYLE_ONLY``); the
# README counts 38 re-wraps, so one of these 4 is among its text edits (its totals do not say
# which): 181 of the 182 pairs agree with its counting, the other is that one.
KINDS_README = {"edited": 134, "rewrapped": 38, "grew": 7, "shrank": 3}
DATELINE_OR_META_ONLY = 40
STYLE_ONLY = [("08SANJOSE882", 0), ("08TRIPOLI574", 0), ("08TRIPOLI688", 0), ("09CAIRO746", 1)]

_PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.S | re.I)
_DATELINE = re.compile(r"(?:\b\w{1,3} )?\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}")
_META_LINE = re.compile(r"^\s*(?:ID|ORIGIN|DATE|SOURCE|CLASSIFICATION|MISC|DESTINATION|REFERENCE ID):.*$", re.M)
_STYLE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00b6": ""})


def _pre(page: str) -> str:
    """The text of a page's <pre> blocks."""
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(_PRE.findall(page))))


def _pre_words(page: str, furniture: bool) -> list[str]:
    """The words of a page's <pre> blocks, quote styles, ¶ signs and lone punctuation aside;
    ``furniture``: also without datelines and metadata lines."""
    text = _pre(page)
    if furniture:
        text = _META_LINE.sub(" ", _DATELINE.sub(" ", text))
    words = (w.translate(_STYLE) for w in text.split())
    return [w for w in words if any(ch.isalnum() for ch in w)]


@pytest.fixture(scope="module")
def histories(request):
    corpus = Path(request.config.rootpath).parent / "shared" / "corpus" / "cablegate-html-versions"
    if not (corpus / "versions.tar.xz").is_file():
        pytest.skip(f"corpus not found at {corpus} (the real version histories)")
    texts, pages = {}, {}
    with tarfile.open(corpus / "versions.tar.xz") as tf:
        for m in tf.getmembers():
            if m.isfile() and m.name.endswith(".html"):
                pages[m.name] = tf.extractfile(m).read().decode("utf-8", "replace")  # type: ignore[union-attr]
    for p in parse_files([corpus / "versions.tar.xz"], workers=0):
        if isinstance(p.result, list) and p.result:
            member = p.input.location.rsplit("!", 1)[-1]
            texts[member] = compared_text(p.result[0], pages[member])  # as the diff page does
    pairs: dict[str, list[tuple[str, str]]] = {}
    raw: dict[tuple[str, int], tuple[str, str]] = {}
    rows = list(csv.DictReader((corpus / "versions.tsv").open(encoding="utf-8"), delimiter="\t"))
    by: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by.setdefault(r["ref_id"], []).append(r)
    for ref, vs in by.items():
        vs.sort(key=lambda r: int(r["version"]))
        pairs[ref] = [(texts[x["member"]], texts[y["member"]]) for x, y in zip(vs, vs[1:])]
        for n, (x, y) in enumerate(zip(vs, vs[1:])):
            raw[(ref, n)] = (pages[x["member"]], pages[y["member"]])
    return pairs, raw


def _kinds(a: str, b: str) -> set[str]:
    c = compare_cable(a, b)
    return {p["status"] for p in c["paragraphs"] if not p.get("header")} - {"identical"}


def test_real_histories_every_change_kind_counted_as_the_readme_does(histories):
    pairs, raw = histories
    summaries = {(ref, n): compare_cable(a, b)["summary"] for ref, ps in pairs.items() for n, (a, b) in enumerate(ps)}
    kinds = {key: s["kind"] for key, s in summaries.items()}
    assert len(kinds) == 182  # 141 cables with 2 versions, 16 with 3, 3 with 4
    got = Counter("rewrapped" if k == "identical" else k for k in kinds.values())
    assert got["grew"] == KINDS_README["grew"] and got["shrank"] == KINDS_README["shrank"]
    assert got["edited"] == KINDS_README["edited"] - 1 and got["rewrapped"] == KINDS_README["rewrapped"] + 1
    # the pairs reported as the same words, read again from the pages' <pre> blocks: every one
    # differs only in wrapping and style; and every such pair is reported so
    style = {key for key in raw if _pre_words(raw[key][0], False) == _pre_words(raw[key][1], False)}
    same = {key for key, k in kinds.items() if k in ("identical", "rewrapped")}
    assert same == style and len(same) == 39
    ws_only = {key for key in same if _pre(raw[key][0]).split() == _pre(raw[key][1]).split()}
    assert len(ws_only) == 35 and sorted(same - ws_only) == STYLE_ONLY
    # the README's edits of a dateline or a metadata block only: edits in the header lines
    furniture = [key for key in raw if key not in style
                 and _pre_words(raw[key][0], True) == _pre_words(raw[key][1], True)]
    assert len(furniture) == DATELINE_OR_META_ONLY
    assert all(kinds[key] == "edited" and not summaries[key]["edits"]["text"] for key in furniture)
    # the edits: 61 confined to the header lines (E.O., TAGS, SUBJECT, dateline: they used to
    # read as "identical"), 72 in the paragraphs; 47 of the 133 with redactions, counted apart
    edited = [s for s in summaries.values() if s["kind"] == "edited"]
    assert sum(not s["edits"]["text"] for s in edited) == 61 and all(s["edits"]["header"] for s in edited if not s["edits"]["text"])
    assert sum(bool(s["redactions"]) for s in edited) == 47


def test_real_histories_grown_and_shrunk_texts_are_named(histories):
    pairs, _raw = histories
    for ref, n in (("07MADRID1021", 0), ("10STATE17263", 1), ("08PARIS1698", 0)):
        assert compare_cable(*pairs[ref][n])["summary"]["kind"] == "grew", ref
    for ref, n in (("09ALGIERS1077", 0), ("10STATE17263", 0), ("07PARIS322", 0)):
        assert compare_cable(*pairs[ref][n])["summary"]["kind"] == "shrank", ref


def test_real_histories_each_change_kind_reported_as_that_kind(histories):
    histories, _raw = histories
    # text grew: a partial extract replaced by the full text
    assert "added" in _kinds(*histories["07MADRID1021"][0])
    assert "added" in _kinds(*histories["10STATE17263"][1])
    # text shrank: 09ALGIERS1077 lost a section; 10STATE17263 was once cut to a stub
    assert "missing" in _kinds(*histories["09ALGIERS1077"][0])
    assert "missing" in _kinds(*histories["10STATE17263"][0])
    # names replaced by XXXXXXXXXXXX (the partner newspapers' version)
    assert "redacted" in _kinds(*histories["09BAKU478"][0])
    c = compare_cable(*histories["09BAKU478"][0])
    assert any(ch["kind"] == "redacted" and "xxxxxxxxxxxx" in (ch["b"] or "").lower() for ch in c["changes"])
    assert c["summary"]["kind"] == "edited" and c["summary"]["redactions"] and "redaction" in c["summary"]["kind_text"]
    # E.O. 12958: DECL: -> EO 12958 DECL:, TAGS: ... -> TAGS ..., : a text edit confined to the
    # header is an edit, not "identical"
    c = compare_cable(*histories["05TELAVIV1580"][0])
    s = c["summary"]
    assert s["kind"] == "edited" and not s["same"] and s["verdict"] == "faithful" and not c["header"]["same"]
    assert s["text"] == "faithful: 100% of words identical; 0 changes (header lines apart: 1 changed)"
    assert s["edits"]["header"] and not s["edits"]["text"] and "header lines:" in s["kind_text"]


def test_a_copy_that_only_redacts_says_so():
    b = TEXT.replace("Medina Mora", "XXXXXXXXXXXX").replace("Secretary Chertoff", "XXXXXXXXXXXX")
    s = compare(TEXT, b)["summary"]
    assert s["only_redactions"] and s["changes"] == 2 and s["text"].endswith("2 changes (all of them redactions); 1 redacted")
    s = compare(TEXT, b.replace("40 metric", "41 metric"))["summary"]
    assert not s["only_redactions"] and "redactions" not in s["text"]


def test_page_furniture_a_newspapers_dateline_and_metadata_block():
    page = ("<html><p>Released 2010-11-28 18:06</p><code><pre>Thursday, 23 October 2008, 09:20&#x000A;"
            "S E C R E T SECTION 01 OF 03 RPO DUBAI 000049</pre></code>\n<pre>ID: 190648\nORIGIN: 09KUWAIT110\n</pre>")
    from cablebase.compare import page_furniture

    assert page_furniture(page) == ["Thursday, 23 October 2008, 09:20", "ID: 190648", "ORIGIN: 09KUWAIT110"]
    assert page_furniture(None) == [] and page_furniture("He met on Thursday, 23 October 2008, 09:20 and left.") == []

    class V:  # a record: its routing header and text
        header, text = "VZCZCXRO2176", TEXT

    a, b = compared_text(V(), page), compared_text(V(), page.replace("Thursday, 23 October 2008, 09:20", ""))
    s = compare_cable(a, b)["summary"]
    assert s["kind"] == "edited" and s["edits"] == {"text": {}, "header": {"missing": 1}}
    assert compare_cable(compared_text(V()), compared_text(V()))["summary"]["kind"] == "identical"


def test_the_diff_page_counts_a_dropped_dateline_as_an_edit(tmp_path):
    """Two real versions of 08RPODUBAI49 whose only change is the dateline the newspaper's page
    put above the cable: the diff page says edited, in the header lines."""
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "cablegate-html-versions"
    if not (corpus / "versions.tar.xz").is_file():
        pytest.skip(f"corpus not found at {corpus} (the real version histories)")
    from fastapi.testclient import TestClient

    from cablebase import WebSettings, open_archive
    from cablebase.config import Settings
    from cablebase.web.app import create_app

    files = []
    with tarfile.open(corpus / "versions.tar.xz") as tf:
        for m in tf.getmembers():
            if m.isfile() and m.name.startswith("versions/08RPODUBAI49/"):
                f = tmp_path / "in" / m.name.rsplit("/", 1)[-1]
                f.parent.mkdir(exist_ok=True)
                f.write_bytes(tf.extractfile(m).read())  # type: ignore[union-attr]
                files.append(f)
    assert len(files) == 2
    db = tmp_path / "db"
    with open_archive(db) as arch:
        arch.ingest([str(f) for f in sorted(files)], workers=1)
    with TestClient(create_app(Settings.load(db), WebSettings())) as client:
        ids = sorted(s["id"] for s in client.get("/cable/08RPODUBAI49.json").json()["sources"])
        assert len(ids) == 2
        j = client.get(f"/cable/08RPODUBAI49/diff.json?a={ids[0]}&b={ids[1]}").json()
        s = j["summary"]
        assert s["kind"] == "edited" and not s["same"] and s["edits"] == {"text": {}, "header": {"missing": 1}}
        assert [(c["kind"], c["a"], c["header"]) for c in j["changes"]] == [("dropped", "Thursday, 23 October 2008, 09:20", True)]
        page = client.get(f"/cable/08RPODUBAI49/diff?a={ids[0]}&b={ids[1]}").text
        assert s["kind_text"] in page
