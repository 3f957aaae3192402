"""Cables in JSON (``cablebase.parse.jsondump``): every shape and key spelling, metadata against
text, bad and hostile input; and the real corpus wrapped as JSON must read as the original does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cablebase.errors import InputTooLarge, NoCableFound, ParseError
from cablebase.parse import decode, jsondump, parse
from cablebase.parse.telegram import parse_text
from cablebase.record import Disagreement

CABLE = """VZCZCXYZ0001
PP RUEHC
DE RUEHTV #0042/01 0581604
ZNY CCCCC ZZH
P 271604Z FEB 07
FM AMEMBASSY TESTVILLE
TO RUEHC/SECSTATE WASHDC PRIORITY 1234
BT
C O N F I D E N T I A L TESTVILLE 000042

SIPDIS

E.O. 12958: DECL: 02/27/2017
TAGS: PREL PGOV XX
SUBJECT: A SMALL TEST CABLE FOR THE JSON READER

Classified By: Test Officer for reasons 1.4 (b) and (d)

1. (C) Summary: This is a cable written for the tests. End summary.

2. (C) Second paragraph, with a "quote" and a backslash \\ in it.

3. (U) Third paragraph.

SMITH
"""
# No tags, no date, no DTG: the reference ID needs the metadata's year.
BARE = """UNCLAS SECTION 01 OF 02 STATE 000077

E.O. 12958: N/A
SUBJECT: NO TAGS HERE

1. First.

2. Second.
"""
HEAD, _, BODY = CABLE.partition("BT\n")


def one(text: str):
    cables = jsondump.parse(text)
    assert len(cables) == 1, cables
    return cables[0]


def check_cable(c) -> None:
    """``CABLE`` read right."""
    assert c.ref_id == "07TESTVILLE42"
    assert c.created == "2007-02-27 16:04"
    assert c.classification == "CONFIDENTIAL"
    assert c.origin == "Embassy Testville"
    assert c.tags == ["PREL", "PGOV", "XX"]
    assert c.subject == "A SMALL TEST CABLE FOR THE JSON READER"
    assert [(p.number, p.marking) for p in c.paragraphs] == [(1, "C"), (2, "C"), (3, "U")]
    assert 'a "quote" and a backslash \\ in it' in c.paragraphs[1].text
    assert c.signer == "SMITH"
    assert c.disagreements == []


REC = {"id": 1, "body": CABLE}
REC2 = {"id": 2, "body": BARE, "date": "2009-03-04"}

SHAPES = {
    "array": json.dumps([REC, REC2]),
    "array-pretty": json.dumps([REC, REC2], indent=2),
    "cables": json.dumps({"count": 2, "cables": [REC, REC2]}),
    "data": json.dumps({"data": [REC, REC2], "meta": {"page": 1}}),
    "results": json.dumps({"next": None, "results": [REC, REC2]}),
    "unknown-key": json.dumps({"status": "ok", "payload": [REC, REC2]}),
    "graphql": json.dumps({"data": {"cables": [REC, REC2]}}),
    "solr": json.dumps({"responseHeader": {"status": 0}, "response": {"numFound": 2, "docs": [REC, REC2]}}),
    "elasticsearch": json.dumps({"took": 5, "timed_out": False, "hits": {"total": {"value": 2}, "hits": [
        {"_index": "cables", "_id": "a1", "_score": 1.0, "_source": REC},
        {"_index": "cables", "_id": "a2", "_score": 0.5, "_source": REC2}]}}),
    "jsonl": json.dumps(REC) + "\n\n" + json.dumps(REC2) + "\n\n",
    "jsonl-crlf": json.dumps(REC) + "\r\n" + json.dumps(REC2) + "\r\n",
    "jsonp": "callback(" + json.dumps([REC, REC2]) + ");",
    "jsonp-comment": "/**/ jQuery123_456.cb(" + json.dumps({"cables": [REC, REC2]}) + ")\n",
    "bom": "\ufeff  \n" + json.dumps([REC, REC2]),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_shapes(shape):
    text = SHAPES[shape]
    assert jsondump.looks_like(text)
    a, b = jsondump.parse(text)
    check_cable(a)
    assert b.ref_id == "09STATE77" and b.origin == "Secretary of State"
    assert b.created == "2009-03-04 00:00" and b.classification == "UNCLASSIFIED"
    assert [p.number for p in b.paragraphs] == [1, 2]


def test_single_object_and_wrapped_single_object():
    check_cable(one(json.dumps(REC)))
    check_cable(one(json.dumps({"data": {"cable": CABLE}})))
    check_cable(one(json.dumps({"_id": "x", "_source": {"text": CABLE}})))


def test_other_wrappings():
    # JSON:API: the fields under "attributes", the ID beside them
    doc = {"data": [{"type": "cable", "id": "07TESTVILLE42", "attributes": {"body": CABLE}},
                    {"type": "cable", "id": "17", "attributes": {"body": BARE, "date": "2009-03-04"}}],
           "links": {"next": None}}
    a, b = jsondump.parse(json.dumps(doc))
    check_cable(a)
    assert b.ref_id == "09STATE77"
    # records keyed by their ID
    a, b = jsondump.parse(json.dumps({"07TESTVILLE42": {"body": CABLE}, "09STATE77": {"text": BARE}}))
    check_cable(a)
    assert b.ref_id == "09STATE77"  # the key gave the ID (the text has no year)
    # a "cable" key holding the record, not its text
    check_cable(one(json.dumps({"status": "ok", "cable": {"id": 3, "body": CABLE}})))


def test_header_prepended_and_key_spellings():
    rec = {"ID": 12, "Reference ID": "07TESTVILLE42", "HEADER": HEAD, "Body": BODY, "createdAt": "2007-02-27T16:04:00Z",
           "Classification": "confidential", "From": "AMEMBASSY TESTVILLE"}
    c = one(json.dumps(rec))
    check_cable(c)
    assert c.header.startswith("VZCZC") and c.dtg == "P 271604Z FEB 07"
    for key in ("referenceId", "reference-id", "ref_id", "refId", "ref", "canonical_id", "canonicalId", "_id"):
        assert one(json.dumps({key: "09STATE77", "text": BARE})).ref_id == "09STATE77", key


@pytest.mark.parametrize("text_key", ["body", "text", "content", "full_text", "fullText", "cable", "raw"])
def test_text_keys(text_key):
    check_cable(one(json.dumps({text_key: CABLE})))


def test_first_text_key_with_a_string_wins():
    c = one(json.dumps({"body": None, "text": 17, "content": [1, "x"], "cable": ["", " "], "full_text": CABLE, "raw": BARE}))
    check_cable(c)
    lines = one(json.dumps({"body": CABLE.split("\n")}))  # a list of lines
    check_cable(lines)


def test_flattened_text_is_passed_on():
    c = one(json.dumps({"text": " ".join(CABLE.split())}))
    assert c.ref_id == "07TESTVILLE42" and c.classification == "CONFIDENTIAL"


@pytest.mark.parametrize("value,expected", [
    ("2007-02-27 16:04", "2007-02-27 16:04"),
    ("2007-02-27T16:04:59Z", "2007-02-27 16:04"),
    ("2007-02-27T16:04:00.000+00:00", "2007-02-27 16:04"),
    ("2007-02-27T18:04:00+02:00", "2007-02-27 16:04"),
    ("2007-02-27T11:04-0500", "2007-02-27 16:04"),
    ("2/27/2007 16:04", "2007-02-27 16:04"),
    ("Tue, 27 Feb 2007 16:04:00 +0000", "2007-02-27 16:04"),
    (1172592240, "2007-02-27 16:04"),
    (1172592240.5, "2007-02-27 16:04"),
    ("1172592240", "2007-02-27 16:04"),
    (1172592240000, "2007-02-27 16:04"),
    (["2007-02-27 16:04"], "2007-02-27 16:04"),
    ("2007-02-27", "2007-02-27 00:00"),
    ("2/27/2007", "2007-02-27 00:00"),
    ("2007-02-30", None), ("yesterday", None), ("", None), (True, None), (None, None), ({"x": 1}, None),
    (10**30, None), (float("inf"), None), ("1800-01-01", None), ("9" * 13, None),
])
def test_dates(value, expected):
    assert jsondump.norm_date(value)[0] == expected


@pytest.mark.parametrize("key", ["date", "date_time", "dateTime", "datetime", "created", "created_at", "CreatedAt"])
def test_date_keys(key):
    c = one(json.dumps({key: "2009-03-04T10:30:00Z", "text": BARE}))
    assert c.created == "2009-03-04 10:30" and c.ref_id == "09STATE77"


def test_date_without_time_takes_the_dtg_time():
    assert one(json.dumps({"date": "2007-02-27", "text": CABLE})).created == "2007-02-27 16:04"
    c = one(json.dumps({"date": "2007-02-26", "text": CABLE}))  # another day: the metadata's, noted
    assert c.created == "2007-02-26 00:00"
    assert c.disagreements == [Disagreement("created", "2007-02-26 00:00", "2007-02-27 16:04")]


def test_released_and_origin_names():
    c = one(json.dumps({"text": BARE, "date": "2009-03-04", "released": "2011-08-30T01:44:00Z",
                        "origin": "Secretary of State"}))
    assert c.released == "2011-08-30 01:44" and c.origin == "Secretary of State" and not c.disagreements
    # "source" naming the data set, not the post, is not an origin
    c = one(json.dumps({"text": CABLE, "source": "WikiLeaks"}))
    assert c.origin == "Embassy Testville" and not c.disagreements
    for origin in ("AMEMBASSY TESTVILLE", "TESTVILLE", "Embassy Testville"):
        c = one(json.dumps({"text": CABLE, "origin": origin}))
        assert c.origin == "Embassy Testville" and not c.disagreements, origin
    c = one(json.dumps({"text": CABLE, "source": "Embassy Elsewhere"}))
    assert c.origin == "Embassy Elsewhere"
    assert c.disagreements == [Disagreement("origin", "Embassy Elsewhere", "Embassy Testville")]


def test_row_id_is_not_a_reference_id():
    c = one(json.dumps({"id": 7, "text": CABLE}))
    check_cable(c)  # the text's ID, no disagreement with "7"
    c = one(json.dumps({"id": 7, "text": BARE}))
    assert c.ref_id is None and c.classification == "UNCLASSIFIED"
    for rid in ("7", "2", "0042", "abc-123", "5f3e1c2a9b", "https://example.org/api/cables/7"):
        c = one(json.dumps({"id": rid, "text": BARE, "date": "2009-03-04"}))
        assert c.ref_id == "09STATE77" and not c.disagreements, rid


def test_id_forms():
    assert one(json.dumps({"id": 7, "ref": "07testville42", "text": CABLE})).ref_id == "07TESTVILLE42"
    url = "https://cablegate.wikileaks.org/cable/2007/02/07TESTVILLE42.html"
    c = one(json.dumps({"url_id": 3, "id": url, "text": CABLE}))
    assert c.ref_id == "07TESTVILLE42" and not c.disagreements
    # CFPF form → the short form; the text's 74ATHENS2959 agrees
    text = "CONFIDENTIAL ATHENS 02959\n\nTAGS: PFOR GR\nSUBJECT: X\n\n1. Text.\n"
    c = one(json.dumps({"id": "1974ATHENS02959", "text": text, "date": "1974-05-06"}))
    assert c.ref_id == "74ATHENS2959" and not c.disagreements
    c = one(json.dumps({"id": "https://wikileaks.org/plusd/cables/1974ATHENS02959_b.html", "text": text}))
    assert c.ref_id == "74ATHENS2959"


def test_metadata_only_record_with_an_id():
    c = one(json.dumps({"refid": "09STATE77", "classification": "SECRET", "subject": "S", "tags": ["PREL"]}))
    assert (c.ref_id, c.classification, c.subject, c.tags, c.paragraphs) == ("09STATE77", "SECRET", "S", ["PREL"], [])
    assert c.created is None


def test_classification_contradicting_the_text():
    c = one(json.dumps({"classification": "SECRET//NOFORN", "text": CABLE}))
    assert c.classification == "SECRET//NOFORN"
    assert c.disagreements == [Disagreement("classification", "SECRET//NOFORN", "CONFIDENTIAL")]
    assert one(json.dumps({"classification": "Confidential", "text": CABLE})).disagreements == []


def test_ref_id_contradicting_the_text():
    c = one(json.dumps({"reference_id": "07TESTVILLE43", "text": CABLE}))
    assert c.ref_id == "07TESTVILLE43"
    assert c.disagreements == [Disagreement("ref_id", "07TESTVILLE43", "07TESTVILLE42")]


def test_tags_and_subject():
    # the text has none: the metadata's
    c = one(json.dumps({"text": BARE, "date": "2009-03-04", "tags": "PREL, PGOV ,KS"}))
    assert c.tags == ["PREL", "PGOV", "KS"] and not c.disagreements
    assert one(json.dumps({"text": BARE, "date": "2009-03-04", "tags": "PREL PGOV"})).tags == ["PREL", "PGOV"]
    assert one(json.dumps({"text": BARE, "date": "2009-03-04", "tags": [{"name": "PREL"}, "pgov", 3]})).tags == [
        "PREL", "PGOV"]
    no_subject = BARE.replace("SUBJECT: NO TAGS HERE\n", "")
    c = one(json.dumps({"text": no_subject, "date": "2009-03-04", "title": "  A   title "}))
    assert c.subject == "A title" and not c.disagreements
    # the same, written otherwise: no disagreement
    c = one(json.dumps({"text": CABLE, "tags": ["XX", "PGOV", "PREL"], "subject": "A small test cable for the json reader."}))
    check_cable(c)
    # different: the metadata's kept (as for every field), the text's reading noted
    c = one(json.dumps({"text": CABLE, "tags": ["PREL"], "subject": "SOMETHING ELSE ENTIRELY"}))
    assert c.tags == ["PREL"] and c.subject == "SOMETHING ELSE ENTIRELY"
    assert c.disagreements == [Disagreement("tags", "PREL", "PREL, PGOV, XX"),
                               Disagreement("subject", "SOMETHING ELSE ENTIRELY", "A SMALL TEST CABLE FOR THE JSON READER")]


def test_records_that_are_not_cables_are_skipped():
    cables = jsondump.parse(json.dumps([{"id": 1, "name": "not a cable"}, REC, "a string", 5, {"body": ""},
                                        {"id": 9, "text": "Dear diary, nothing to see."}]))
    assert [c.ref_id for c in cables] == ["07TESTVILLE42"]
    r = jsondump.read(json.dumps([{"id": 1, "name": "x"}, REC, "a string", 5, {"body": ""}]))
    assert (r.records, r.non_objects, r.no_text_field, r.not_cables, len(r.cables)) == (3, 2, 1, 1, 1)
    # a record's own lists (paragraphs, references) are not taken for a list of records
    rec = {"id": "07TESTVILLE42", "classification": "SECRET", "paragraphs": [{"text": "x"}, {"text": "y"}]}
    assert [c.ref_id for c in jsondump.parse(json.dumps(rec))] == ["07TESTVILLE42"]


@pytest.mark.parametrize("doc", [
    [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    {"users": [{"id": 1, "name": "a"}]},
    {"name": "cablebase", "version": "1.0", "dependencies": {"x": "1"}},
])
def test_no_text_field_at_all(doc):
    with pytest.raises(NoCableFound) as e:
        jsondump.parse(json.dumps(doc))
    msg = str(e.value)
    assert "none with a text field" in msg and "looked for body, text, content, full_text, cable, raw" in msg
    assert "record" in msg and "keys: " in msg


def test_nothing_usable_says_what_was_found():
    for doc, words in (([], "0 records"), ([1, 2, "x"], "3 non-object items"),
                       ([{"text": "Just a shopping list."}, {"id": 3}], "1 with text or an ID but nothing marking")):
        with pytest.raises(NoCableFound, match=words):
            jsondump.parse(json.dumps(doc))


@pytest.mark.parametrize("text,where", [
    ('[{"id": 1,\n  "body": "x"\n  ,, }]', "line 3, column 4"),
    ('{"body": "unterminated', "line 1, column 10"),
    ('[{"a": 1}\n{"b": 2}]', "line 2, column 1"),
    ("callback(\n{\"a\": tru});", "line 2, column 7"),
    ("{'single': 'quotes'}", "line 1, column 2"),
    ('\ufeff\n\n  [1, 2,]', "line 3, column 9"),
])
def test_bad_json_names_the_position(text, where):
    with pytest.raises(ParseError) as e:
        jsondump.parse(text)
    assert where in str(e.value) and not isinstance(e.value, NoCableFound)


def test_not_json_at_all():
    for text in ("", "   ", "hello", "cb(", "cb({}", CABLE):
        with pytest.raises(ParseError):
            jsondump.parse(text)


def test_jsonl_bad_lines_are_skipped_and_counted():
    text = "\n".join([json.dumps(REC), '{"id": 2, "body": "cut', "", "not json", json.dumps(REC2), "[1,"])
    r = jsondump.read(text)
    assert [c.ref_id for c in r.cables] == ["07TESTVILLE42", "09STATE77"]
    assert [b.split(",")[0] for b in r.bad_lines] == ["line 2", "line 4", "line 6"]
    # the first line bad, the rest good: still JSON Lines
    r = jsondump.read('{"body": x}\n' + json.dumps(REC) + "\n" + json.dumps(REC2))
    assert len(r.cables) == 2 and len(r.bad_lines) == 1
    with pytest.raises(ParseError, match=r"all 3 lines bad \(first: line 1, column 6"):
        jsondump.parse('{"a":\n1}\n{"b": 2')
    with pytest.raises(ParseError, match=r"line 1, column 10: Extra data"):  # not one object a line
        jsondump.parse('{"a": 1} x\n{"b"\n{"c": }\n')


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"body": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"a": 1}\n' + "[" * 100_000 + "]" * 100_000,
    '[{"id": ' + "9" * 10_000 + ', "date": ' + "1" * 5000 + ', "body": 1e99999}]',
    '[{"id": -1e400, "date": -1e400, "released": 1e308, "body": "x", "tags": 1e999}]',
    '[{"id": NaN, "date": Infinity, "tags": [null, true, {}, []], "subject": [], "body": {"a": "b"}}]',
    '{"body": "a", "body": "' + CABLE.replace("\n", "\\n").replace('"', '\\"') + '", "Body": 3}',
    '{"text": "\\ud800 lone surrogate", "classification": "SECRET", "id": "\\u0000"}',
    '{"cables": {"cables": {"cables": {"cables": [{"body": "deep"}]}}}}',
    '{"a": [' + ",".join(['{"x": {"y": {"z": []}}}'] * 2000) + "]}",
    "[" + ",".join(['{"text": "CONFIDENTIAL\\n\\n1. (C) x", "id": ' + str(i) + "}" for i in range(300)]) + "]",
    '{"text": "' + "1. " * 20_000 + '", "date": "2007-01-01"}',
    '{"header": 5, "text": "SECRET\\n", "tags": "' + "A, " * 10_000 + '", "from": {"a": 1}}',
    "callback(" + "(" * 1000 + ")",
    "\ufeff\ufeff[]",
])
def test_hostile_input_gives_records_or_typed_errors(text):
    try:
        cables = jsondump.parse(text)
    except ParseError:
        return
    assert isinstance(cables, list)


_KEYS = st.sampled_from(["id", "_id", "ID", "referenceId", "ref", "body", "text", "Content", "header", "date", "created_at",
                         "released", "classification", "origin", "source", "from", "tags", "subject", "title",
                         "cables", "data", "results", "hits", "_source", "attributes", "x"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                     st.sampled_from(["07TESTVILLE42", "1974ATHENS02959", "2007-02-27", "SECRET", "PREL, PGOV",
                                      CABLE, BARE, "2/27/2007 16:04", "AMEMBASSY PARIS"]))
_JSON = st.recursive(_SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=5), kids,
                                                                                         max_size=6), max_leaves=25)


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=_JSON, form=st.sampled_from(["json", "jsonl", "jsonp"]), cut=st.integers(min_value=0, max_value=400))
def test_any_json_gives_records_or_typed_errors(doc, form, cut):
    text = json.dumps(doc)
    if form == "jsonl":
        text = "\n".join(json.dumps(x) for x in (doc if isinstance(doc, list) else [doc, doc]))
    elif form == "jsonp":
        text = "cb(" + text + ");"
    for t in (text, text[:cut]):  # whole, and cut short
        try:
            cables = jsondump.parse(t)
        except ParseError:
            continue
        for c in cables:
            assert c.ref_id or c.classification or c.tags
            assert c.created is None or len(c.created) == 16


def test_duplicate_keys_last_wins():
    c = one('{"body": "nothing", "body": ' + json.dumps(CABLE) + "}")
    check_cable(c)


def test_record_limit(monkeypatch):
    monkeypatch.setattr(jsondump, "MAX_RECORDS", 3)
    assert len(jsondump.parse(json.dumps([REC] * 3))) == 3
    with pytest.raises(InputTooLarge, match="more than 3"):
        jsondump.parse(json.dumps([REC] * 4))
    with pytest.raises(InputTooLarge):
        jsondump.parse("\n".join([json.dumps(REC)] * 5))


def test_own_export_reads_back():
    """``cablebase export`` / ``parse --json`` write ``Cable.to_dict()``: it reads back the same."""
    orig = parse_text(CABLE)
    again = one(json.dumps(orig.to_dict()))
    for k in ("ref_id", "created", "classification", "origin", "tags", "subject", "dtg", "signer", "header"):
        assert getattr(again, k) == getattr(orig, k), k
    assert [(p.number, p.marking, p.text) for p in again.paragraphs] == [
        (p.number, p.marking, p.text) for p in orig.paragraphs]


@pytest.mark.parametrize("text", [
    "[]", "[ {", '{"a": 1}', '  \n{\n  "cables": []}', "\ufeff[\n  {", "{}", '["x"]', "[[1]]",
    "callback({", "/**/ cb([", "jQuery1_2.fn (\n{", '{"body": "x"}\n{"body": "y"}',
])
def test_looks_like_json(text):
    assert jsondump.looks_like(text)


@pytest.mark.parametrize("text", [
    CABLE, BARE, "", "   ", "hello", "<html><body>[{</body></html>", '"1","2/27/2007 16:04","07X1","E","C","","h","b"',
    "[Page 1 of 3] The embassy reported ...", "{{template}} text", "{ not json }", "Reuters (Reuters) - In a cable",
    "Obama (D) said on Monday", "WASHINGTON (AP) — A cable released", "f(x) = 1", "SECRET (NOFORN) STATE 000001",
])
def test_looks_like_not_json(text):
    assert not jsondump.looks_like(text)


# --- The real corpus, wrapped as JSON ----------------------------------------------------------

FIELDS = ("ref_id", "classification", "created", "tags", "subject", "origin")


def same(orig, got, fields=FIELDS) -> list:
    """Differences that matter between a cable read from its original and from JSON."""
    diffs = [(k, getattr(orig, k), getattr(got, k)) for k in fields if getattr(orig, k) != getattr(got, k)]
    if len(orig.paragraphs) != len(got.paragraphs):
        diffs.append(("paragraphs", len(orig.paragraphs), len(got.paragraphs)))
    if orig.disagreements != got.disagreements:
        diffs.append(("disagreements", orig.disagreements, got.disagreements))
    return diffs


def _wrap(records: list[dict], shape: str) -> str:
    if shape == "array":
        return json.dumps(records, indent=1)
    if shape == "jsonl":
        return "\n".join(json.dumps(r) for r in records) + "\n"
    if shape == "jsonp":
        return "/**/ handle_cables(" + json.dumps({"results": records}) + ");"
    if shape == "elasticsearch":
        return json.dumps({"took": 12, "hits": {"total": {"value": len(records)}, "hits": [
            {"_index": "cables", "_id": str(i), "_score": 1.0, "_source": r} for i, r in enumerate(records)]}})
    raise AssertionError(shape)


def _txt_cables(corpus: Path) -> list:
    files = sorted((corpus / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate-converted").glob("*.txt"))
    assert len(files) == 24
    return [decode(f.read_bytes(), str(f)) for f in files]


@pytest.fixture(scope="module")
def html_cables():
    CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"  # as conftest's (its module name is not unique)
    if not CORPUS.is_dir():
        pytest.skip(f"real corpus not found at {CORPUS}")
    files = sorted((CORPUS / "cablegate-2010" / "cable").glob("**/*.html"))[:200]
    assert len(files) == 200
    out = []
    for f in files:
        [c] = parse(f.read_bytes(), location=str(f))
        out.append(c)
    return out


@pytest.mark.parametrize("shape", ["array", "jsonl", "jsonp", "elasticsearch"])
def test_corpus_telegrams_as_json(corpus, shape):
    texts = _txt_cables(corpus)
    origs = [parse_text(t) for t in texts]
    assert all(o.ref_id and o.paragraphs for o in origs)
    # the text alone
    got = jsondump.parse(_wrap([{"text": t, "id": i} for i, t in enumerate(texts)], shape))
    assert len(got) == 24
    assert [d for o, g in zip(origs, got) if (d := same(o, g, FIELDS + ("body", "header", "dtg", "signer")))] == []
    # the text and its metadata, under other names
    records = [{"Reference_ID": o.ref_id, "datetime": o.created.replace(" ", "T") + ":00Z",
                "classification": o.classification.lower(), "source": o.origin, "tags": ", ".join(o.tags),
                "title": o.subject, "content": t} for o, t in zip(origs, texts)]
    got = jsondump.parse(_wrap(records, shape))
    assert [d for o, g in zip(origs, got) if (d := same(o, g))] == []


@pytest.mark.parametrize("shape", ["array", "jsonl", "jsonp", "elasticsearch"])
def test_corpus_pages_as_json(html_cables, shape):
    """200 cablegate pages read by the page parser, exported as JSON (header + body + the table's
    metadata, in the spellings of one exporter per shape): the JSON reads the same."""
    origs = html_cables
    records = []
    for i, c in enumerate(origs):
        if shape in ("array", "jsonp"):
            rec = {"id": i + 1, "referenceId": c.ref_id, "created": c.created, "released": c.released,
                   "classification": c.classification, "origin": c.origin, "tags": c.tags, "subject": c.subject,
                   "header": c.header, "body": c.body}
        else:  # the whole text in one field, dates as ISO 8601 / epoch seconds
            from datetime import datetime, timezone

            dt = datetime.strptime(c.created, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
            rec = {"_id": c.ref_id, "date_time": dt.isoformat() if shape == "jsonl" else int(dt.timestamp()),
                   "Released": c.released, "CLASSIFICATION": c.classification, "from": c.origin,
                   "tags": " ".join(c.tags), "title": c.subject,
                   "text": (c.header + "\n" if c.header else "") + c.body}
        records.append(rec)
    got = jsondump.parse(_wrap(records, shape))
    assert len(got) == len(origs) == 200
    bad = [(o.ref_id, d) for o, g in zip(origs, got) if (d := same(o, g, FIELDS + ("released",)))]
    assert bad == []
    # the pages' own disagreements (table against text) come through as they were
    assert sum(bool(g.disagreements) for g in got) == sum(bool(o.disagreements) for o in origs)


def test_corpus_pages_contradicted(html_cables):
    """Wrong metadata on real cables: kept, and each contradiction noted once."""
    recs = [{"body": c.body, "header": c.header, "classification": "TOP SECRET", "ref_id": c.ref_id, "created": c.created}
            for c in html_cables[:50] if c.classification != "TOP SECRET"]
    got = jsondump.parse(json.dumps(recs))
    assert all(g.classification == "TOP SECRET" for g in got)
    noted = [g for g in got if any(d.field == "classification" and d.metadata == "TOP SECRET" for d in g.disagreements)]
    assert len(noted) >= 45  # (a partial extract may carry no classification line to contradict)


def test_corpus_inputs_are_not_taken_for_json(corpus):
    for t in _txt_cables(corpus):
        assert not jsondump.looks_like(t)
    pages = sorted((corpus / "cablegate-2010").glob("**/*.html"))[:300]
    assert pages
    for f in pages:
        assert not jsondump.looks_like(decode(f.read_bytes())), f
    for f in (corpus / "cablegate-csv").glob("*.csv"):
        assert not jsondump.looks_like(decode(f.read_bytes())), f
    for f in sorted((corpus / "seed").glob("*.txt")):
        assert not jsondump.looks_like(decode(f.read_bytes())), f
