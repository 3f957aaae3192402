"""Cables in the wild: flattened copies, 1973-79 telegrams, History Lab texts, every name.

Inputs are built here from small texts written for the test, or generated from the real
corpus (never copied into the repository); corpus tests skip when it is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cablebase.parse import OfficialIds, ParseError, parse, refid
from cablebase.parse.reflow import is_flattened, reflow
from cablebase.parse.telegram import parse_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from fidelity import oracle  # noqa: E402
from flatten import FLATTENINGS  # noqa: E402

TELEGRAM_1974 = """PAGE 01  ATHENS 02959  171944Z

ACTION EUR-25

INFO  OCT-01  ISO-00  CIAE-00  DODE-00  PM-07  H-03  INR-10  L-03
      NSAE-00  NSC-07  PA-04  RSC-01  PRS-01  SP-03  SS-20  USIA-15
      /100 W
                             ---------------------     061426
R 171600Z MAY 74
FM AMEMBASSY ATHENS
TO SECSTATE WASHDC 4270
INFO AMEMBASSY ANKARA
AMEMBASSY NICOSIA

LIMITED OFFICIAL USE ATHENS 2959

E.O. 11652: N/A
TAGS: PFOR, GR, TU
SUBJECT: GREEK PRESS ON AEGEAN DISPUTE

REF: STATE 98765

1. ATHENS PRESS MAY 17 GIVES PROMINENT COVERAGE TO TURKISH
ANNOUNCEMENT ON AEGEAN SEABED EXPLORATION.

PAGE 02  ATHENS 02959  171944Z

2. EMBASSY WILL CONTINUE TO REPORT.
TASCA


LIMITED OFFICIAL USE

NNN
"""

FLAT_2009 = (
    "VZCZCXRO5577 PP RUEHDBU DE RUEHNE #6999/01 3051120 ZNY CCCCC ZZH P 011120Z NOV 07 FM AMEMBASSY NEW DELHI "
    "TO RUEHC/SECSTATE WASHDC PRIORITY 9021 INFO RUEHKT/AMEMBASSY KATHMANDU PRIORITY 0931 "
    "C O N F I D E N T I A L SECTION 01 OF 02 NEW DELHI 006999  SIPDIS  SIPDIS  E.O. 12958: DECL: 11/01/2017 "
    "TAGS: PREL, PTER, IN, NP SUBJECT: INDIA PUSHING NEPAL ON MAOIST VIOLENCE  REF: NEW DELHI 6512  "
    "Classified By: PolCouns Ted Osius for reasons 1.4 (b and d)  "
    "1. (C) Summary: India's foreign secretary pressed Kathmandu this week. End Summary.  "
    "------------------- Pressure from Delhi -------------------  "
    "2.(C) The Indian side said the Maoists must disarm. NEW DELHI 00006999 002 OF 002 "
    "Embassy comment: Delhi is losing patience. End comment.  "
    "3. (SBU) Post will follow up.  MULFORD"
)


def test_flattened_cable_from_one_line():
    assert is_flattened(FLAT_2009)
    [c] = parse(FLAT_2009)
    assert (c.ref_id, c.created, c.classification) == ("07NEWDELHI6999", "2007-11-01 11:20", "CONFIDENTIAL")
    assert c.origin == "Embassy New Delhi" and c.to == ["SECSTATE WASHDC"] and c.info == ["AMEMBASSY KATHMANDU"]
    assert c.tags == ["PREL", "PTER", "IN", "NP"]
    assert c.subject == "INDIA PUSHING NEPAL ON MAOIST VIOLENCE"
    assert [r.ref_id for r in c.references] == ["07NEWDELHI6512"]
    assert c.classified_by.startswith("PolCouns Ted Osius")
    assert [(p.number, p.marking) for p in c.paragraphs] == [(1, "C"), (2, "C"), (3, "SBU")]
    assert c.paragraphs[1].heading == "Pressure from Delhi"
    assert c.summary.startswith("India's foreign secretary") and c.comments == ["Delhi is losing patience."]
    assert c.signer == "MULFORD" and c.sipdis
    assert "002 OF 002" not in c.body and "SIPDIS" not in c.body


def test_run_together_routing_header():
    text = ("VZCZCXRO1234 PP RUEHAG DE RUEHRL #1626 3551631 ZNY CCCCC ZZH P 211631Z DEC 09"
            "FM AMEMBASSY BERLINTO RUEHC/SECSTATE WASHDC PRIORITY 6111INFO RUEHZL/EUROPEAN POLITICAL COLLECTIVE PRIORITY"
            "C O N F I D E N T I A L BERLIN 001626\n\nSIPDIS\n\nE.O. 12958: DECL: 12/21/2019\nTAGS: PREL, GM\n"
            "SUBJECT: GERMANY ON IRAN\n\n1. (C) Text of the cable.\n")
    [c] = parse(text)
    assert (c.ref_id, c.created, c.origin) == ("09BERLIN1626", "2009-12-21 16:31", "Embassy Berlin")
    assert c.to == ["SECSTATE WASHDC"] and c.info == ["EUROPEAN POLITICAL COLLECTIVE"]


def test_1974_telegram_has_its_id_and_cfpf_alias():
    [c] = parse(TELEGRAM_1974.encode())
    assert c.ref_id == "74ATHENS2959" and "1974ATHENS02959" in c.aliases
    assert c.classification == "LIMITED OFFICIAL USE"
    assert c.created == "1974-05-17 16:00" and c.origin == "Embassy Athens"
    assert "ACTION EUR-25" in c.header
    assert len(c.paragraphs) == 2 and c.signer == "TASCA"
    assert "PAGE 02" not in c.body
    [flat] = parse(" ".join(TELEGRAM_1974.split()))
    assert (flat.ref_id, flat.classification, flat.tags, flat.subject) == (c.ref_id, c.classification, c.tags, c.subject)


def test_names_of_a_cable():
    assert refid.names("09EFTOLONDON2187")[:2] == ["09EFTOLONDON2187", "09LONDON2187"]
    assert refid.clean_alias("09SECTION01OF03SANJOSE525") == "09SANJOSE525"
    assert refid.clean_alias("7575LIBREVILLE1895") == "75LIBREVILLE1895"
    assert refid.short_form("1974ATHENS02959_b") == "74ATHENS2959"
    assert refid.cfpf_form("75STATE46226") == "1975STATE046226"
    assert refid.clean_alias("07MEXICO983") is None and refid.cfpf_form("07MEXICO983") is None


def test_official_list_gives_aliases_and_partial_ids():
    o = OfficialIds.from_bytes(b"09EFTOLONDON2187,11\n09LONDON1,1\n07MADRID1021,5\n08MADRID1021,2\n04ANKARA348,1\n")
    [c] = parse("R 121530Z OCT 09\nFM AMEMBASSY LONDON\nUNCLASSIFIED SECTION 01 OF 02 LONDON 002187\n\nTAGS: PREL\nSUBJECT: X\n\n1. (U) Text.\n"
                "\nSIPDIS\n", official=o)
    assert c.ref_id == "09LONDON2187" and "09EFTOLONDON2187" in c.aliases
    partial = ("This record is a partial extract of the original cable. The full text of the original cable is not "
               "available.\nC O N F I D E N T I A L MADRID 001021\n\nE.O. 12958: DECL: 05/03/2017\nTAGS: PREL\n"
               "SUBJECT: X\n\n¶7. (C) Text.\n")
    [p] = parse(partial, official=o)
    assert p.ref_id == "07MADRID1021" and p.inferred == ["ref_id"]
    [none] = parse(partial.replace("DECL: 05/03/2017", "DECL: 1.4 (b)"), official=o)
    assert none.ref_id is None  # two official IDs fit and nothing tells them apart: nothing guessed


def test_reflow_keeps_clean_text_alone():
    clean = "UNCLAS STATE 001234\n\nTAGS: PREL\nSUBJECT: X\n\n1. Text.\n"
    assert not is_flattened(clean)
    assert parse_text(clean).paragraphs == parse_text(reflow(clean)).paragraphs


@pytest.fixture(scope="module")
def texts_2010():
    corpus = ROOT.parent / "shared" / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"real corpus not found at {corpus}")
    return [oracle(p.read_text(encoding="utf-8", errors="replace"))[1]
            for p in sorted((corpus / "cablegate-2010" / "cable").rglob("*.html"))]


# Floors per field (measured: bench/fidelity.py --set flattened, figures in the README).
FLOORS = {"ref_id": 0.995, "classification": 0.995, "created": 0.995, "tags": 0.99, "subject": 0.99, "paragraphs": 0.975}


@pytest.mark.parametrize("way", list(FLATTENINGS))
def test_flattened_corpus_gives_the_clean_fields(texts_2010, way):
    fn = FLATTENINGS[way]
    ok = dict.fromkeys(FLOORS, 0)
    for text in texts_2010:
        a = parse_text(text)
        try:
            b = parse(fn(text))[0]
        except ParseError:
            continue  # a miss on every field
        for f in FLOORS:
            va, vb = (len(a.paragraphs), len(b.paragraphs)) if f == "paragraphs" else (getattr(a, f), getattr(b, f))
            ok[f] += va == vb
    rates = {f: ok[f] / len(texts_2010) for f in FLOORS}
    assert all(rates[f] >= FLOORS[f] for f in FLOORS), rates


def test_historylab_texts_parse_with_their_ids(corpus):
    files = sorted((corpus / "historylab-ner-gold").rglob("gt/**/*.txt"))
    assert len(files) >= 200
    ok = 0
    for f in files:
        [c] = parse(f.read_bytes(), location=str(f))
        assert c.source.form == "historylab" and "[[" not in c.body
        ok += f.stem in refid.names(c.ref_id or "")
    assert ok / len(files) >= 0.99


@pytest.mark.parametrize("text", [
    # An annotation never closed, then a long run of spaces (History Lab's brackets).
    "1. MITI    ORG.GOV\n@@@\n\n1. [[[[MITI ||" + " " * 20000 + "\n2. TEXT.\n",
    # Thousands of blank lines before a footer line.
    "1. X    PER.IND\n@@@\n\n1. [[X || 1]] MET." + "\n \n" * 20000 + "*** Current Classification *** SECRET\n",
    # A TAGS field followed by a long run of capitals with no space (the continuation rule).
    "SECRET STATE 012345\n\nTAGS: PREL\n\n" + "A" * 20000 + "\n\nSUBJECT: X\n\n1. (S) Text.\n",
    # The same flattened onto one line.
    "SECRET STATE 012345 TAGS: PREL  " + "AB" * 10000 + "  SUBJECT: X 1. (S) Text.",
])
def test_hostile_inputs_of_the_new_forms_parse_quickly(text):
    import time

    t0 = time.process_time()
    try:
        parse(text)
    except ParseError:
        pass
    assert time.process_time() - t0 < 1.0


def test_a_post_embedding_a_flattened_cable_links_it_as_embedded():
    from cablebase.enrich.links import KIND_EMBEDS, link_article

    html = ("<html><body><h1>Índia pressiona o Nepal</h1><p>Leia o telegrama:</p><p>" + FLAT_2009
            + "</p><p>Comentários (3)</p></body></html>")
    stored = []
    r = link_article(html, [], location="https://blog.example/post/1", add_cable=lambda c, raw: stored.append(c))
    assert [(l.ref_id, l.kind) for l in r.links] == [("07NEWDELHI6999", KIND_EMBEDS)]  # no "02NEWDELHI…" from "OF 02"
    assert [c.ref_id for c in stored] == ["07NEWDELHI6999"] and stored[0].subject.startswith("INDIA PUSHING")


def test_archive_finds_a_1974_telegram_by_class_and_every_name(tmp_path):
    """Through the CLI: ingest the 1974 telegram and a flattened 2007 cable; class:lou finds the
    first, and show answers under the CFPF name."""
    import json

    from typer.testing import CliRunner

    from cablebase.cli import app

    (tmp_path / "athens.txt").write_text(TELEGRAM_1974, encoding="utf-8")
    (tmp_path / "delhi.txt").write_text(FLAT_2009, encoding="utf-8")
    env = {"CABLEBASE_DB": str(tmp_path / "db"), "CABLEBASE_OFFICIAL_IDS": ""}
    run = CliRunner()
    r = run.invoke(app, ["ingest", str(tmp_path / "athens.txt"), str(tmp_path / "delhi.txt")], env=env)
    assert r.exit_code == 0, r.output
    for q, want in (('class:"limited official use"', ["74ATHENS2959"]), ("class:lou", ["74ATHENS2959"]),
                    ("class:confidential maoist", ["07NEWDELHI6999"])):
        r = run.invoke(app, ["search", q, "--json"], env=env)
        assert r.exit_code == 0, r.output
        hits = [json.loads(ln) for ln in r.output.splitlines() if ln.strip()]
        assert [h.get("ref_id") for h in hits if "ref_id" in h] == want, (q, r.output)
    r = run.invoke(app, ["show", "1974ATHENS02959", "--json"], env=env)
    assert r.exit_code == 0 and '"74ATHENS2959"' in r.output


def test_a_short_flattened_cable_without_a_date_is_still_a_record():
    [c] = parse("UNCLAS SECTION 01 OF 02 SOMEWHERE 001234 TAGS: PREL SUBJECT: A TEST 1. (U) Text here. 2. (U) More.")
    assert c.ref_id is None  # no date: the year is unknown, nothing invented
    assert (c.classification, c.tags, c.subject) == ("UNCLASSIFIED", ["PREL"], "A TEST")
    assert [(p.number, p.marking, p.text) for p in c.paragraphs] == [(1, "U", "Text here."), (2, "U", "More.")]


def test_disagreements_and_inferred_ids_are_shown(tmp_path, corpus):
    """A page whose metadata table and text disagree (06CARACAS219: the table says SECRET, the text
    NOFORN too) shows both in `show` and on the web page; the table's value is the record's."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from cablebase.cli import app
    from cablebase.config import Settings
    from cablebase.web.app import create_app
    from cablebase import WebSettings

    page = next((corpus / "cablegate-2010" / "cable").rglob("06CARACAS219.html"))
    env = {"CABLEBASE_DB": str(tmp_path / "db"), "CABLEBASE_OFFICIAL_IDS": ""}
    run = CliRunner()
    assert run.invoke(app, ["ingest", str(page)], env=env).exit_code == 0
    r = run.invoke(app, ["show", "06CARACAS219"], env=env, terminal_width=200)
    assert r.exit_code == 0 and "Disagreements" in r.output and "SECRET//NOFORN" in r.output
    with TestClient(create_app(Settings(db_dir=tmp_path / "db"), WebSettings())) as client:
        html = client.get("/cable/06CARACAS219").text
        assert 'id="disagreements"' in html and "SECRET//NOFORN" in html
        rec = client.get("/cable/06CARACAS219.json").json()["record"]
        assert rec["classification"] == "SECRET"
        assert rec["disagreements"] == [{"field": "classification", "metadata": "SECRET", "text": "SECRET//NOFORN"}]


def test_an_inferred_id_is_said_so(tmp_path):
    from typer.testing import CliRunner

    from cablebase.cli import app

    (tmp_path / "ids.csv").write_text("07MADRID1021,5\n08MADRID1021,2\n", encoding="utf-8")
    (tmp_path / "partial.txt").write_text(
        "This record is a partial extract of the original cable. The full text of the original cable is not "
        "available.\nC O N F I D E N T I A L MADRID 001021\n\nE.O. 12958: DECL: 05/03/2017\nTAGS: PREL\n"
        "SUBJECT: X\n\n¶7. (C) Text.\n", encoding="utf-8")
    env = {"CABLEBASE_DB": str(tmp_path / "db"), "CABLEBASE_OFFICIAL_IDS": str(tmp_path / "ids.csv")}
    run = CliRunner()
    assert run.invoke(app, ["ingest", str(tmp_path / "partial.txt")], env=env).exit_code == 0
    r = run.invoke(app, ["show", "07MADRID1021"], env=env, terminal_width=200)
    assert r.exit_code == 0 and "inferred from the official ID list" in r.output


@pytest.mark.parametrize("raw, want", [
    ("LABOR LEADERS DIFFER OVER LULA SENSITIVE BUT UNCLASSIFIED - PLEASE PROTECT ACCORDINGLY.", "LABOR LEADERS DIFFER OVER LULA"),
    ('QADHAFI TELLS MUBARAK HE "MAY" ATTEND TRIPOLI 00000014 001.2 OF 002 CLASSIFIED BY: J. Godfrey',
     'QADHAFI TELLS MUBARAK HE "MAY" ATTEND'),
    ("FOREST MAFIA ADAPTS TO THE ECONOMIC CRISIS VLADIVOSTO 00000005 001.2 OF 003", "FOREST MAFIA ADAPTS TO THE ECONOMIC CRISIS"),
    ("SCENESETTER FOR AMBASSADOR CROCKER'S VISIT TO CAIROClassified By: DCM", "SCENESETTER FOR AMBASSADOR CROCKER'S VISIT TO CAIRO"),
    ("TEN ECONOMIC CHALLENGES FACING MEXICO REFTELS: AS NOTED IN TEXT", "TEN ECONOMIC CHALLENGES FACING MEXICO"),
    ("WAITING AND WATCHING: NORTH KOREA AFTER CURRENCY REFORM", "WAITING AND WATCHING: NORTH KOREA AFTER CURRENCY REFORM"),
    ("RELIGIOUS LEADER FETHULLAH GULEN (U)", "RELIGIOUS LEADER FETHULLAH GULEN"),
    ("(U) SECRETARY'S MEETING", "(U) SECRETARY'S MEETING"),
    ("DIPLOMATIC \\ ENGINEERING ARE CHIEF INSTRUMENTS \\ \\", "DIPLOMATIC ENGINEERING ARE CHIEF INSTRUMENTS"),
])
def test_subject_ends_where_what_was_run_into_it_begins(raw, want):
    from cablebase.parse.subject import tidy_subject
    assert tidy_subject(raw) == want


@pytest.mark.parametrize("subject", [
    "COSTA RICA: DESIGNATION OF IRAN'S DEFENSE INDUSTRIES ORGANIZATION UNDER E.O. 13382",
    "KAZAKHSTAN:  GOVERNMENT'S ANTI-CORRUPTION CAMPAIGN  -- SWEEPING EFFORT OR SELECTIVE TARGETING?",
    "IRAN IN YEMEN: TEHRAN's SHADOW LOOMS LARGE, BUT FOOTPRINT IS SMALL",
    "Post ICJ Opinion: Serbia to Continue Obstructing Kosovo  Independence",
])
def test_flattened_subject_is_whole(subject):
    text = (f"C O N F I D E N T I A L SAN JOSE 000657  SIPDIS  E.O. 12958: DECL: 05/01/2017  TAGS: PREL, CS "
            f"SUBJECT: {subject}  REF: STATE 12345  Classified By: Ambassador Mark Langdale for reasons 1.4 (b) and (d) "
            "1. (C) Summary: the government acted on the request today. End summary.  2. (C) The minister agreed.")
    c = parse(text)[0]
    assert c.subject == " ".join(subject.split())
    assert c.tags == ["PREL", "CS"] and len(c.paragraphs) == 2


def test_a_subjects_last_line_after_a_blank_line_is_kept():
    text = ("CONFIDENTIAL\n\nE.O. 12958: DECL: 10/30/2018\nTAGS: ECON, UK\nSUBJECT: CONSERVATIVE PARTY CAUGHT BY BROWN'S\n\n"
            "QUICK MANEUVERS ON FINANCIAL CRISIS\nREF: A. LONDON 2666\n\nClassified By: Mark Tokola for reasons 1.4 b and d.\n\n"
            "1. (C) PM Brown's performance caught the Conservative Party off-guard.\n")
    assert parse_text(text).subject == "CONSERVATIVE PARTY CAUGHT BY BROWN'S QUICK MANEUVERS ON FINANCIAL CRISIS"


def test_a_numbered_paragraph_run_into_a_long_line_starts_its_own():
    # A newspaper's copy: each paragraph's lines joined, and paragraph 3 run onto paragraph 2's line.
    long2 = "2. (U) The delegation visited the plant and met its managers. " * 3
    text = ("UNCLASSIFIED\n\nTAGS: ECON, BR\nSUBJECT: CODEL VISIT\n\n1. (U) Summary: a visit. End Summary.\n\n"
            + long2 + "3. The group toured the distilleries afterwards.\n\n4. (U) Comment: a good visit.\n")
    c = parse_text(text)
    assert [p.number for p in c.paragraphs] == [1, 2, 3, 4]
    assert c.paragraphs[2].text == "The group toured the distilleries afterwards."
    # In a telegram's own short lines, a number after a full stop is the paragraph's text.
    short = ("UNCLASSIFIED\n\nTAGS: ECON, BR\nSUBJECT: CODEL VISIT\n\n1. (U) Summary: a visit. End Summary.\n\n"
             "2. (U) The points agreed: one. 3. is next.\n")
    assert [p.number for p in parse_text(short).paragraphs] == [1, 2]


def test_a_paragraph_run_onto_the_classified_by_line_is_a_paragraph():
    text = ("CONFIDENTIAL\n\nE.O. 12958: DECL: 03/03/2018\nTAGS: PREL, BA\nSUBJECT: POLLING DONORS\n\nREF: STATE 18802\n\n"
            "Classified By: Ambassador A. Person for reasons 1.4 (b) and (d). (C) Poloff discussed reftel points "
            "with the ministry on March 2, and was told the government would consider them.\n")
    c = parse_text(text)
    assert c.classified_by == "Ambassador A. Person for reasons 1.4 (b) and (d)."
    assert [p.text[:15] for p in c.paragraphs] == ["(C) Poloff disc"]
    assert parse_text("UNCLAS\n\nTAGS: PREL\nSUBJECT: X\n\nCLASSIFIED BY: A. PERSON, REASONS, 1.4 (B) AND (D). "
                      + "x" * 90 + "\n").classified_by == "A. PERSON, REASONS, 1.4 (B) AND (D)."


def test_a_flattened_blank_line_with_its_spaces_ends_the_ref():
    # Lines ending in a space and blank lines holding one, flattened to one space each: the
    # blank lines come out as runs of four spaces, rarer than line breaks would be.
    clean = ("DE RUEHWL #0685 2420545\nZNY CCCCC ZZH\nO 300545Z AUG 06\nFM AMEMBASSY WELLINGTON\n"
             "TO RUEHC/SECSTATE WASHDC IMMEDIATE 3216\nC O N F I D E N T I A L WELLINGTON 000685 \n \nSIPDIS \n \nE.O. 12958: DECL: 08/30/2016 \n"
             "TAGS: EAID PREL NZ\nSUBJECT: NZ ASSISTANCE \n \nREF: STATE 139903 \n \n"
             "Pol-Econ Couns passed reftel information to the team leader,\nwho confirmed that the minister\n"
             "has approved a donation of NZD 750,000 (approx. USD 480,000)\nfor Lebanon, which the government will propose\n"
             "go to UNICEF for emergency water and sanitation\nprojects in the south of the country.\n\nMcCormick")
    a, b = parse_text(clean), parse(clean.replace("\n", " "))[0]
    assert [r.raw for r in b.references] == [r.raw for r in a.references] == ["STATE 139903"]
    assert len(b.paragraphs) == len(a.paragraphs) == 1


def test_a_flattened_copy_keeps_a_quoted_text_numbered_anew():
    # WikiLeaks' ¶ marks a paragraph whatever its number: a quoted text numbered from 1 again.
    clean = ("UNCLAS SECTION 01 OF 02 KYIV 000278\n\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: PREL, UP\nSUBJECT: STATEMENT\n\n"
             "¶1. The ministry sent us its statement.\n\n¶2. Its text follows.\n\n¶1. Ukraine welcomes the talks.\n\n"
             "¶2. Ukraine expects progress on 22-28-12- \n¶72. in the statement.\n")
    assert [p.number for p in parse_text(clean).paragraphs] == [1, 2, 1, 2]
    assert [p.number for p in parse(clean.replace("\n", " "))[0].paragraphs] == [1, 2, 1, 2]


def test_a_numbered_line_mid_sentence_is_text_after_a_blank_line_too():
    # WikiLeaks put ¶ before every line starting with a number, and some copies a blank line
    # before it: ``… Please see paragraph`` / blank / ``¶3.`` is still the sentence's.
    text = ("SECRET\n\nE.O. 12958: DECL: 09/07/2019\nTAGS: PREL, AF\nSUBJECT: SUPPORT\n\n"
            "¶1. (U) This is an action message. Please see paragraph\n\n¶3.\n\n"
            "¶2. (S) The minister briefed the Ambassador.\n\n¶3. (S) Action request: guidance.\n\n"
            "ARTICLE II\n\n¶1. A text numbered anew under a heading.\n")
    assert [p.number for p in parse_text(text).paragraphs] == [1, 2, 3, 1]


def test_a_date_is_not_a_paragraph_number_in_a_flattened_copy():
    clean = ("CONFIDENTIAL\n\nE.O. 12958: DECL: 10/30/2018\nTAGS: PREL, SA\nSUBJECT: TALKS\n\n"
             "1. (C) The visit is currently scheduled for Nov.\n2.\n\n2. (C) A related item was discussed.\n")
    paras = parse(clean.replace("\n", " "))[0].paragraphs
    assert [(p.number, p.text) for p in paras] == [(1, "The visit is currently scheduled for Nov. 2."),
                                                    (2, "A related item was discussed.")]


def test_a_heading_underlined_over_two_lines_is_one_heading():
    text = ("CONFIDENTIAL\n\nE.O. 12958: DECL: 11/20/2016\nTAGS: PGOV, FR\nSUBJECT: PRIMARY\n\n"
            "1. (C) Summary: a victory. End summary.\n\nA FIFTY PERCENT CHANCE OF BEING FRANCE'S\n"
            "----------------------------------------\nNEXT PRESIDENT\n--------------\n"
            "2. (C) Her victory confirms her as the leader.\n")
    paras = parse_text(text).paragraphs
    assert [p.number for p in paras] == [1, 2]
    assert paras[1].heading == "A FIFTY PERCENT CHANCE OF BEING FRANCE'S NEXT PRESIDENT"


def test_the_banner_ends_a_tags_line_a_copy_put_above_it():
    from cablebase.parse.telegram_preamble import read_preamble
    from cablebase.record import Cable
    for banner in ("UNCLAS SECTION 01 OF 02 MEXICO 000536", "U N C L A S SECTION 01 OF 02 MEXICO 000536"):
        c = Cable()
        read_preamble(c, ["TAGS: PGOV PINR MX", banner, "", "SIPDIS", "", "SUBJECT: A CAMPAIGN INSIDER", "",
                          "1. (U) Poloffs met him."])
        assert c.tags == ["PGOV", "PINR", "MX"] and c.subject == "A CAMPAIGN INSIDER"


def test_a_second_copys_banner_ends_the_subject():
    # A page holding a cut copy and then the whole one: the banner of the second ends the subject.
    text = ("UNCLAS YEREVAN 000494\n\nE.O. 12958: N/A\nTAGS: PHUM, AM\n"
            "SUBJECT: ARMENIA CONTINUES AGGRESSIVE PROSECUTION OF TRAF... UNCLAS YEREVAN 000494 SENSITIVE "
            "STATE FOR DRL, EUR/CARC\n\n1. (U) Summary: prosecutions went on.\n")
    assert parse_text(text).subject == "ARMENIA CONTINUES AGGRESSIVE PROSECUTION OF TRAF..."
    assert parse(text.replace("\n", " "))[0].subject == "ARMENIA CONTINUES AGGRESSIVE PROSECUTION OF TRAF..."
