"""Comparing copies of a cable word by word (``cablebase.compare``): wrapping, spacing, quote and
dash styles and page-break debris are no change; words added, dropped, changed and redacted are;
measured on the real version histories of the corpus (``cablegate-html-versions``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cablebase import parse_files
from cablebase.compare import compare, compare_cable

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
    assert c["summary"]["verdict"] == "identical"
    assert not c["header"]["same"] and "header lines apart" in c["summary"]["text"]
    assert all(p.get("header") for p in c["paragraphs"] if p["status"] != "identical" or not p["label"])


# -- the real version histories --------------------------------------------------------------------
@pytest.fixture(scope="module")
def histories(request):
    corpus = Path(request.config.rootpath).parent / "shared" / "corpus" / "cablegate-html-versions"
    if not (corpus / "versions.tar.xz").is_file():
        pytest.skip(f"corpus not found at {corpus}")
    texts = {}
    for p in parse_files([corpus / "versions.tar.xz"], workers=0):
        if isinstance(p.result, list) and p.result:
            texts[p.input.location.rsplit("!", 1)[-1]] = p.result[0].text
    pairs: dict[str, list[tuple[str, str]]] = {}
    rows = list(csv.DictReader((corpus / "versions.tsv").open(encoding="utf-8"), delimiter="\t"))
    by: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by.setdefault(r["ref_id"], []).append(r)
    for ref, vs in by.items():
        vs.sort(key=lambda r: int(r["version"]))
        pairs[ref] = [(texts[x["member"]], texts[y["member"]]) for x, y in zip(vs, vs[1:])]
    return pairs


def _kinds(a: str, b: str) -> set[str]:
    c = compare_cable(a, b)
    return {p["status"] for p in c["paragraphs"] if not p.get("header")} - {"identical"}


def test_real_histories_rewrap_only_is_identical(histories):
    pairs = [p for ps in histories.values() for p in ps]
    assert len(pairs) == 182  # 141 cables with 2 versions, 16 with 3, 3 with 4
    identical = sum(compare_cable(a, b)["summary"]["verdict"] == "identical" for a, b in pairs)
    assert identical >= 38  # the README: 38 whitespace/re-wrap only (and some edits only in the header)


def test_real_histories_each_change_kind_reported_as_that_kind(histories):
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
    # E.O. 12958: DECL: -> EO 12958 DECL:, TAGS: ... -> TAGS ..., : a text edit, in the header
    c = compare_cable(*histories["05TELAVIV1580"][0])
    assert c["summary"]["verdict"] == "identical" and not c["header"]["same"]


def test_a_copy_that_only_redacts_says_so():
    b = TEXT.replace("Medina Mora", "XXXXXXXXXXXX").replace("Secretary Chertoff", "XXXXXXXXXXXX")
    s = compare(TEXT, b)["summary"]
    assert s["only_redactions"] and s["changes"] == 2 and s["text"].endswith("2 changes (all of them redactions); 1 redacted")
    s = compare(TEXT, b.replace("40 metric", "41 metric"))["summary"]
    assert not s["only_redactions"] and "redactions" not in s["text"]
