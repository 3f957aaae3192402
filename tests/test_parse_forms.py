"""The parsers on small fixtures written for these tests (no corpus needed)."""
from __future__ import annotations

import json

import pytest

from cablebase.errors import NoCableFound, ParseError
from cablebase.parse import detect, parse
from cablebase.parse import refid


def test_damaged_telegram(fixtures):
    data = (fixtures / "telegram-damaged.txt").read_bytes()
    [c] = parse(data, location="telegram-damaged.txt")
    assert c.source.form == "telegram"
    assert c.ref_id == "04ANKARA348"
    assert c.origin == "Embassy Ankara"
    assert c.created == "2004-01-20 12:34"
    assert c.dtg == "P 201234Z JAN 04" and c.precedence == "PRIORITY"
    assert c.classification == "CONFIDENTIAL//NOFORN"
    assert c.to == ["SECSTATE WASHDC"]
    assert c.info == ["AMCONSUL ISTANBUL", "AMCONSUL ADANA"]
    assert c.tags == ["PREL", "PGOV", "TU"]  # run-together E.O./TAGS line, wrapped TAGS
    assert c.subject == "A WRITTEN-BY-US TEST CABLE ABOUT NOTHING IN PARTICULAR"
    assert [(r.letter, r.ref_id) for r in c.references] == [("A", "04ANKARA1561"), ("B", "03STATE12345")]
    assert c.classified_by.startswith("Test Officer")
    assert c.decl == "01/20/2014"
    assert c.sipdis is True and c.partial is False
    assert c.signer == "EDELMAN"
    assert [(p.number, p.marking, p.heading) for p in c.paragraphs] == [
        (1, "C", None), (2, "C/NF", "First Heading"), (3, "U", "First Heading")]
    assert c.summary == "This is a synthetic cable written for the cablebase tests."
    assert c.comments == ["a comment block."]
    assert "SIPDIS" not in c.body and "002 OF 002" not in c.body
    assert c.header.startswith("VZCZC")


def test_latin1_crlf_and_newspaper_block(fixtures):
    [c] = parse((fixtures / "telegram-latin1-crlf.txt").read_bytes())
    assert c.ref_id == "06TESTVILLE12"  # from the newspapers' ORIGIN: line
    assert c.classification == "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    assert [(p.number, p.marking) for p in c.paragraphs] == [(1, "SBU"), (2, "U")]
    assert "Café" in c.paragraphs[0].text
    assert "\r" not in c.body


def test_csv_rows(fixtures):
    data = (fixtures / "cables-sample.csv").read_bytes()
    assert detect(data.decode()) == "csv"
    a, b = parse(data)
    assert a.ref_id == "06TESTVILLE7" and a.created == "2006-01-02 09:05"
    assert a.subject == 'A "QUOTED" SUBJECT'
    assert [r.ref_id for r in a.references] == ["06TESTVILLE3", "05STATE99"]
    assert a.signer == "SMITH"
    assert b.ref_id == "09STATE100" and b.origin == "Secretary of State"
    assert [p.number for p in b.paragraphs] == [1]


def test_json_roundtrip(fixtures):
    [c] = parse((fixtures / "telegram-damaged.txt").read_bytes())
    d = json.loads(json.dumps(c.to_dict()))
    assert type(c).from_dict(d) == c


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"\x00\x01\x02binary\x00" * 10, "binary"),
    (b"Just a shopping list.\nMilk\nEggs\n", "no cable"),
])
def test_bad_input_is_a_typed_error(data, reason):
    with pytest.raises(ParseError) as e:
        parse(data, location="x.bin")
    assert "x.bin" in str(e.value) and reason in str(e.value)


def test_truncated_cablegate_page():
    page = "<html><table class='cable'><tr><td>10X1</td></tr></table><code><pre>UNCLAS"
    with pytest.raises(ParseError):
        parse(page.encode(), location="cut.html")


def test_mojibake_repaired():
    text = "UNCLAS TESTVILLE 000001\n\nTAGS: XX\nSUBJECT: S\n\n\u00b61. (U) Caf\u00e9.\n"
    mangled = text.encode("utf-8").decode("cp1252").encode("utf-8")
    [c] = parse(mangled, fmt="telegram")
    assert c.paragraphs[0].text == "Café."


def test_refid_helpers():
    assert refid.canonical(2007, "MEXICO", "000983") == "07MEXICO983"
    assert refid.split_ref_id("07MEXICO983") == (2007, "MEXICO", 983)
    assert refid.origin_for_post("SAOPAULO") == "Consulate Sao Paulo"
    assert refid.origin_for_post("STATE") == "Secretary of State"
    assert refid.origin_from_fm("AMEMBASSY BUENOS AIRES") == "Embassy Buenos Aires"
    assert refid.post_from_fm("AMEMBASSY LA PAZ") == "LAPAZ"
    for rid in ("66BUENOSAIRES2481", "09STATE12345", "10USUNNEWYORK1"):
        y, post, serial = refid.split_ref_id(rid)
        assert refid.canonical(y, post, serial) == rid


def test_unknown_format_is_named():
    with pytest.raises(ParseError, match="unknown format"):
        parse(b"text", fmt="pdf")


def test_no_cable_error_type():
    with pytest.raises(NoCableFound):
        parse(b"Hello world, nothing here.", location="a.txt")


def test_article_with_a_whole_telegram_and_blog_chrome():
    post = ("Reference ID: 07TESTVILLE9\nCreated: 2007-02-27 16:04\nReleased: 2011-05-25 20:30\n"
            "Classification: UNCLASSIFIED\n\nUNCLAS TESTVILLE 000009\n\nTAGS: PREL XX\nSUBJECT: TEST\n\n"
            "1. (U) Hello \u2014 \u201cworld\u201d.\n\nSMITH\n\nTags: cuba, mexico\nPosted in News\n")
    [c] = parse(post.encode())
    assert c.source.form == "article"
    assert c.tags == ["PREL", "XX"] and c.subject == "TEST"  # the cable's TAGS line is not blog chrome
    assert [(p.number, p.marking, p.text) for p in c.paragraphs] == [(1, "U", 'Hello - "world".')]
    assert c.signer == "SMITH" and "Posted in" not in c.body
