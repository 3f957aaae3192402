"""Entities, tags, acronyms, truecasing and the gold-set readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from cablebase.enrich.acronyms import definitions, expand
from cablebase.enrich.nereval import (
    Mention,
    Score,
    locate,
    mark_unnamed,
    read_historylab,
)
from cablebase.enrich.tags import countries, subject_tags, type_tags
from cablebase.enrich.truecase import Truecaser, is_upper_text


# -- tags -------------------------------------------------------------------------------------
def test_country_and_subject_tags():
    typed = {t.tag: t for t in type_tags(["PREL", "PGOV", "SNAR", "MX", "IZ", "KJUS", "NATO", "XM"])}
    assert typed["MX"].kind == "country" and typed["MX"].meaning == "Mexico"
    assert typed["IZ"].meaning == "Iraq"  # FIPS codes, not ISO
    assert typed["PREL"].kind == "subject" and typed["PREL"].meaning == "External political relations"
    assert typed["SNAR"].meaning == "Narcotics"
    assert typed["KJUS"].kind == "subject"
    assert typed["NATO"].kind == "organization"
    assert typed["XM"].kind == "region"


@pytest.mark.parametrize(
    "tags",
    [
        ["OVIP", "CLINTON", "HILLARY", "PREL"],  # as the WikiLeaks pages give it
        ["OVIP (CLINTON, HILLARY)", "PREL"],  # as the telegram writes it
        ["OVIP", "(CLINTON,", "HILLARY)", "PREL"],
    ],
)
def test_person_tags(tags):
    typed = type_tags(tags)
    people = [t for t in typed if t.kind == "person"]
    assert [p.meaning for p in people] == ["Hillary Clinton"]
    assert [t.tag for t in typed if t.kind == "subject"] == ["OVIP", "PREL"]


def test_person_tag_with_comma_and_unknown_words():
    typed = type_tags(["KJUS", "CHAVEZ,", "HUGO", "VE"])
    assert [(t.kind, t.meaning) for t in typed] == [
        ("subject", "Justice and the courts"), ("person", "Hugo Chavez"), ("country", "Venezuela")
    ]
    # an unknown single word is not a person
    assert type_tags(["PREL", "GTMO", "MX"])[1].kind == "unknown"


def test_tag_tables_cover_the_corpus(corpus):
    """Every two-letter tag of the cablegate-2010 pages is a known country or region."""
    from cablebase.parse import parse

    unknown = set()
    for f in sorted((corpus / "cablegate-2010" / "cable").glob("*/*/*.html"))[:400]:
        for t in type_tags(parse(f.read_bytes())[0].tags):
            if len(t.tag) == 2 and t.kind not in ("country", "region", "organization"):
                unknown.add(t.tag)
    assert not unknown, unknown


def test_subject_tags_match_cablemap_list(corpus):
    """Most of cablemap's subject-tag list (BSD) is in ours (ours is written independently)."""
    path = corpus / "cablemap-fixtures" / "cablemap.core" / "cablemap" / "core" / "subject-tags.txt"
    theirs = {ln.strip() for ln in path.read_text().splitlines() if ln.strip()}
    assert len(theirs & set(subject_tags())) >= 0.5 * len(theirs)


# -- acronyms -------------------------------------------------------------------------------
def test_acronym_definitions_in_text():
    t = (
        "The Office of the Attorney General (PGR) and the Secretariat of Public Security (SSP) "
        "met. The PGR said so; the CNDH (National Human Rights Commission) disagreed."
    )
    d = definitions(t)
    assert d["PGR"] == "Office of the Attorney General"
    assert d["SSP"] == "Secretariat of Public Security"
    assert d["CNDH"] == "National Human Rights Commission"


def test_acronyms_curated_and_government_of():
    ex = expand("SIPDIS The GOM told DHS that NOFORN material is SBU.", hint={"Mexico"})
    assert ex["GOM"].expansion == "Government of Mexico"
    assert ex["DHS"].expansion == "Department of Homeland Security"
    assert ex["SIPDIS"].kind == "MARK" and ex["NOFORN"].kind == "MARK" and ex["SBU"].kind == "MARK"
    # without a hint an ambiguous GO- acronym is not guessed
    assert "Mexico /" in expand("The GOM said.")["GOM"].expansion or "/" in expand("The GOM said.")["GOM"].expansion


# -- truecasing -----------------------------------------------------------------------------
def test_truecaser_keeps_offsets_and_learns_casing():
    tc = Truecaser.learn(
        [
            "The minister met Garcia Luna in Mexico City on Monday.",
            "Garcia Luna told the PGR that the minister was away.",
            "Later the PGR and Garcia Luna spoke to the press in Mexico City.",
        ],
        min_count=1,
    )
    src = "GARCIA LUNA TOLD THE MINISTER THAT THE PGR WAS IN MEXICO CITY."
    out = tc(src)
    assert len(out) == len(src)
    assert out == "Garcia Luna told the minister that the PGR was in Mexico City."
    assert is_upper_text(src) and not is_upper_text(out)
    assert Truecaser.from_json(tc.to_json()).table == tc.table


# -- gold readers and scoring ---------------------------------------------------------------
def test_historylab_reader(tmp_path: Path):
    f = tmp_path / "1977TOKYO1.txt"
    f.write_text(
        "\ufeff1. YAMAZAKI    PER.IND\n2. JAPAN   GPE.NATION\n3. UNITED STATES  GPE.NATION\n\n@@@\n\n"
        "1. [[DIRECTOR [[AMERICAN || 3]] BUREAU (YAMAZAKI)|| 1]] SAID [[JAPAN || 2]] AND [[HE || 1]] AGREE.\n"
        "*** Current Classification *** CONFIDENTIAL\n",
        encoding="utf-8",
    )
    d = read_historylab(f)
    texts = [(m.text, m.type) for m in d.mentions]
    assert ("JAPAN", "PLACE") in texts and ("HE", "PER") in texts and ("AMERICAN", "PLACE") in texts
    assert "Current Classification" not in d.text
    mark_unnamed(d, lambda w: w.upper() in {"YAMAZAKI", "JAPAN", "AMERICAN"}, frozenset({"AMERICAN"}))
    kept = {m.text: m.type for m in d.mentions}
    assert kept["HE"] == "IGNORE" and kept["AMERICAN"] == "IGNORE" and kept["JAPAN"] == "PLACE"
    assert any(m.type == "PER" and "YAMAZAKI" in m.text for m in d.mentions)


def test_locate_and_score():
    text = "Genaro Garcia Luna met Medina Mora in Mexico City; Garcia Luna left Mexico."
    gold = locate(text, [("Genaro Garcia Luna", "PER"), ("Garcia Luna", "PER"), ("Medina Mora", "PER"),
                         ("Mexico City", "PLACE"), ("Mexico", "PLACE")])
    assert [g.text for g in gold] == ["Genaro Garcia Luna", "Medina Mora", "Mexico City", "Garcia Luna", "Mexico"]
    pred = [Mention(0, 18, "PER"), Mention(23, 34, "ORG"), Mention(38, 44, "PLACE")]
    sc = Score()
    sc.add("x", gold, pred, text=text)
    assert sc.by_type["PER"].tp == 1 and sc.by_type["PER"].fn == 2
    assert sc.by_type["ORG"].fp == 1
    assert sc.by_type["PLACE"].tp == 1 and sc.by_type["PLACE"].fn == 1
    with pytest.raises(LookupError):
        locate(text, [("Calderon", "PER")])


def test_country_table_has_no_duplicate_codes():
    assert len(countries()) > 190


# -- the name finder on real text (a handful of paragraphs: the model is loaded once) --------
@pytest.fixture(scope="module")
def extractor():
    """The extractor with a truecaser learned, as ``cablebase enrich`` does from the archive,
    from mixed-case cables: here 200 pages of cablegate-2010 (or a few sentences without it)."""
    pytest.importorskip("spacy")
    from cablebase.enrich.entities import MODEL, EntityExtractor

    pytest.importorskip(MODEL)
    from cablebase.parse import parse

    CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    mixed = [
        "The Ambassador met President Calderon and the Attorney General in Mexico City on Monday.",
        "He said that the government would send the bill to the Congress before the end of the year.",
        "Garcia Luna told the Ambassador that the police would work with the army in the north.",
        "The minister said the talks with the United States were going well and would continue.",
    ] * 2
    for f in sorted((CORPUS / "cablegate-2010" / "cable").glob("*/*/*.html"))[:200]:
        mixed.extend(p.text for p in parse(f.read_bytes())[0].paragraphs)
    return EntityExtractor(truecaser=Truecaser.learn(mixed))


def test_seed_cable_entities(extractor, corpus):
    from cablebase.parse import parse

    cable = parse((corpus / "cablegate-txt-alx" / "cables" / "07MEXICO983.txt").read_bytes())[0]
    res = extractor.extract(cable)
    names = {(m.type, m.name) for m in res.mentions}
    # variants of one person are one entity, titles stripped
    gl = {m.text for m in res.mentions if m.name == "Genaro Garcia Luna"}
    assert {"Garcia Luna", "Genaro Garcia Luna"} <= gl
    mm = {m.text for m in res.mentions if m.name == "Eduardo Medina Mora"}
    assert "Medina Mora" in mm
    assert ("PER", "Michael Chertoff") in names
    assert not any(m.name.startswith(("Secretary", "Ambassador", "Mr")) for m in res.mentions if m.type == "PER")
    # acronyms: defined in the text, then the curated list; GOM is Mexico in a cable tagged MX
    acr = {a["acronym"]: a for a in res.acronyms}
    assert acr["PGR"]["expansion"] == "Office of the Attorney General" and acr["PGR"]["source"] == "text"
    assert acr["GOM"]["expansion"] == "Government of Mexico"
    assert ("ORG", "Office of the Attorney General (PGR)") in names
    assert any(m.text == "GOM" and m.name == "Mexico" and m.type == "PLACE" for m in res.mentions)
    # spans point into the record's own paragraph text
    for m in res.mentions:
        if m.paragraph >= 0:
            assert cable.paragraphs[m.paragraph].text[m.start : m.end] == m.text
    assert {t["kind"] for t in res.tags} >= {"subject", "country"}


def test_all_caps_paragraph_is_truecased(extractor):
    from cablebase.record import Cable, Paragraph

    text = "1. GARCIA LUNA TOLD THE AMBASSADOR THAT PRESIDENT CALDERON WOULD VISIT WASHINGTON IN MAY.\n\nGARZA"
    res = extractor.extract(Cable(ref_id="07MEXICO1", signer="GARZA", paragraphs=[Paragraph(1, None, None, text)]))
    got = {(m.type, m.text) for m in res.mentions}
    assert ("PLACE", "WASHINGTON") in got and ("PER", "GARZA") in got
    keys = {m.text: m.key for m in res.mentions}
    # a surname alone is someone only on evidence: the curated list in a cable from Mexico,
    # the signature (a person of this cable alone)
    assert keys["CALDERON"] == "PER:felipe calderon"
    assert keys["GARZA"] == "PER:garza@07MEXICO1"


def test_redactions_and_markings_are_not_entities(extractor):
    from cablebase.record import Cable, Paragraph

    text = "XXXXXXXXXXXX told Emboffs that SIPDIS material was SBU and NOFORN; Poloff met Ambassador Garza in Monterrey."
    res = extractor.extract(Cable(ref_id="07MEXICO2", paragraphs=[Paragraph(1, None, None, text)]))
    texts = {m.text for m in res.mentions}
    assert not texts & {"XXXXXXXXXXXX", "SIPDIS", "SBU", "NOFORN", "Emboffs", "Poloff"}
    assert "Monterrey" in texts


# -- which country a "government of" acronym names ---------------------------------------------
def test_government_acronym_by_definition_origin_tags_then_text():
    from cablebase.enrich.acronyms import origin_country, resolve_government

    assert origin_country("09TELAVIV2757") == "Israel" and origin_country(None, "Embassy Tel Aviv") == "Israel"
    assert origin_country("09IRANRPODUBAI12") == "Iran" and origin_country("09STATE1234") is None
    # a cable from Tel Aviv tagged IR (Iran) still means Israel by GOI: the post decides before the tags
    assert resolve_government("GOI", {"Iran"}, origin="Israel") == "Israel"
    assert resolve_government("GOI", {"Iran"}, origin="Israel", defined="Government of India") == "India"
    assert resolve_government("GOI", {"Iran"}) == "Iran"  # from Washington, tagged IR
    assert resolve_government("GOI", {"Iran", "Israel"}) is None  # the tags leave it open: no guess
    assert resolve_government("GOI", set(), named={"Indonesia"}) == "Indonesia"
    assert resolve_government("GOI") is None  # never the table alone


def test_goi_in_a_tel_aviv_cable_is_israel(extractor):
    from cablebase.record import Cable, Paragraph

    text = "1. The GOI is concerned about Iran. Iran's program worries the GOI, Uzi Arad said."
    res = extractor.extract(Cable(ref_id="09TELAVIV2757", origin="Embassy Tel Aviv", tags=["PREL", "IR"],
                                  paragraphs=[Paragraph(1, None, None, text)]))
    names = [(m.text, m.name) for m in res.mentions if m.type == "PLACE"]
    assert names.count(("GOI", "Israel")) == 2 and ("Iran", "Iran") in names


def test_surname_alone_needs_evidence(extractor):
    from cablebase.record import Cable, Paragraph

    paras = ["1. The troops would only intervene in the Media Luna if asked, Colonel Gamarra said.",
             "2. Officers marry in the Media Luna. Luna is far from La Paz. Gamarra said so, and Zubieta said no."]
    res = extractor.extract(Cable(ref_id="07LAPAZ3262", origin="Embassy La Paz", tags=["BL"],
                                  paragraphs=[Paragraph(i + 1, None, None, p) for i, p in enumerate(paras)]))
    keys = {m.text: m.key for m in res.mentions}
    assert keys.get("Media Luna") == "PLACE:media luna"
    assert not any(m.type == "PER" and "luna" in m.key for m in res.mentions)  # no person Luna
    # a surname the cable gives a title is a person of this cable only, never a namesake elsewhere
    assert keys.get("Gamarra") == "PER:gamarra@07LAPAZ3262"
    # speech alone is no sign: bodies speak too ("AmCham told us")
    assert not keys.get("Zubieta")  # found, attributed to no one


def test_bodies_every_country_has_are_one_per_country(extractor):
    from cablebase.record import Cable, Paragraph

    text = "1. The Ministry of Foreign Affairs (MFA) said the MFA would reply. The Socialist Party agreed."
    keys = {}
    for ref, origin in (("10ROME87", "Embassy Rome"), ("09TELAVIV1324", "Embassy Tel Aviv")):
        res = extractor.extract(Cable(ref_id=ref, origin=origin, paragraphs=[Paragraph(1, None, None, text)]))
        keys[ref] = {m.key for m in res.mentions if m.type == "ORG"}
    assert "ORG:ministry of foreign affairs@Italy" in keys["10ROME87"]
    assert "ORG:ministry of foreign affairs@Israel" in keys["09TELAVIV1324"]
    assert not keys["10ROME87"] & keys["09TELAVIV1324"]


def test_what_is_not_an_organisation_or_a_place(extractor):
    from cablebase.record import Cable, Paragraph

    text = ("1. Talks covered Missile Defense (MD), the FMCT and a Paris Club deal. The Iraqi government "
            "and the Basque Nationalist Party (PNV) met in Paris.")
    res = extractor.extract(Cable(ref_id="09PARIS1", origin="Embassy Paris", paragraphs=[Paragraph(1, None, None, text)]))
    got = {(m.text, m.type) for m in res.mentions}
    assert not {t for t, _ in got} & {"Missile Defense", "MD", "FMCT", "Iraq"}
    assert ("Paris", "PLACE") in got and sum(1 for m in res.mentions if m.text == "Paris") == 1  # not "Paris Club"
    assert ("PNV", "ORG") in got or ("Basque Nationalist Party", "ORG") in got


def test_what_a_person_name_cannot_hold():
    from cablebase.enrich.entity_filters import refine
    from cablebase.enrich.entity_parts import common_words_only

    keep = ["Yehia Yousif", "Abdel Basset al-Megrahi", "Karl-Theodor zu Guttenberg", "Ali al-Sistani"]
    assert all(refine(n, "PER") == (0, len(n), "PER") for n in keep)
    for bad in ["February 25", "Bajaur, Musharraf", "diaspora Kashgai", "Holbrooke/Riedel", "pro-Karzai",
                "Jamaat-ud Dawa", "Black Sea Fleet", "NSS", "Russian Power Ministries"]:
        assert refine(bad, "PER") is None, bad
    assert refine("Pol-Mil Chief Gilad", "PER") == (len("Pol-Mil Chief "), len("Pol-Mil Chief Gilad"), "PER")
    table = {"normalcy": "normalcy", "restored": "restored", "gordon": "Gordon", "brown": "brown"}
    assert common_words_only(["Normalcy", "Restored"], table)
    assert not common_words_only(["Gordon", "Brown"], table) and not common_words_only(["Yehia", "Yousif"], table)


def test_what_the_model_mistypes_is_not_attributed():
    from cablebase.enrich.entity_filters import refine

    for bad in ["Pfizer", "Afghan Taliban", "Taliban", "Pfizer Inc", "Catalan", "United Nations", "Sec Def",
                "Putin's Kremlin", "Lanza -- Article", "U.S.-China", "Sadr Trend", "National Security Shield",
                "Tobin Tax", "Predator B. GeneralMoseley"]:
        assert refine(bad, "PER") is None, bad
    for bad in ["Catalan", "Pashtun", "Daudzai, Wardak", "Gazprom", "Missile Defense", "Baltic", "Sultan"]:
        assert refine(bad, "PLACE") is None, bad
    assert refine("Kano, Nigeria", "PLACE") == (0, len("Kano, Nigeria"), "PLACE")
    assert refine("Parliament Jordanovski", "ORG") is None and refine("Black Sea Navy Base", "ORG") is None
    assert refine("the Government of the Bolivarian Republic", "ORG") is None
    assert refine("Jean-Marie Le Pen", "PER") is not None and refine("Abdel-Rahman", "PER") is not None
    assert refine("Socialist Party", "ORG") is not None and refine("Congress Party", "ORG") is not None


def test_a_name_in_a_family_a_province_or_an_office_is_not_the_person(extractor):
    from cablebase.record import Cable, Paragraph

    paras = ["1. Education Minister Farooq Wardak said the plan would work. Pfizer said it would settle the case.",
             "2. Former Wardak Governor Ali Naeemi disagreed. The Suleiman family owns the port, "
             "Mohamed Bashir Suleiman said. SecDef said he would visit. The Afghan Taliban said they would fight.",
             "3. Ahmed Wali Karzai met the Ambassador. The minister had two masters, Karzai and Mohaqqeq."]
    res = extractor.extract(Cable(ref_id="09KABUL1", origin="Embassy Kabul", tags=["AF"],
                                  paragraphs=[Paragraph(i + 1, None, None, p) for i, p in enumerate(paras)]))
    per = [(m.paragraph, paras[m.paragraph][m.end : m.end + 9], m.text, m.key) for m in res.mentions if m.type == "PER"]
    assert not [p for p in per if p[2] in ("Pfizer", "SecDef", "Taliban", "Afghan Taliban")], per
    assert not [p for p in per if p[1].startswith((" Governor", " family"))], per  # a province's, a family's
    # "Karzai" beside Ahmed Wali Karzai in an Afghan cable: the President as often as not — nobody's
    assert not [p for p in per if p[2] == "Karzai" and p[3] == "PER:ahmed wali karzai"], per


def test_an_age_in_apposition_shows_a_person():
    from cablebase.enrich.entity_rules import speaks

    text = "Merkel named Schaeuble. Schaeuble, 67, is an experienced politician."
    assert speaks(text, text.rindex("Schaeuble") + len("Schaeuble"))
    assert not speaks("Berlin, 12 March", len("Berlin"))



def test_an_acronym_stands_for_a_person_only_by_its_initials():
    from cablebase.enrich.entity_people import initials_of

    assert initials_of("Anibal Fernandez", "AF") and initials_of("Mohammed bin Rashid al Maktoum", "MbR")
    assert initials_of("Cristina Fernandez de Kirchner", "CFK")
    assert not initials_of("Wolfgang Schaeuble", "CDU")  # "Schaeuble (CDU)": his party


def test_a_sentence_that_begins_with_a_verb_is_not_a_name():
    from cablebase.enrich.entity_parts import part_of_other

    table = {"blocking": "blocking", "sterling": "sterling"}
    text = "She raised it. Blocking al-Manar would help. He met Sterling Smith."
    a = text.index("Blocking")
    assert part_of_other("PER", False, text, a, a + len("Blocking al-Manar"), table)
    b = text.index("Sterling")
    assert not part_of_other("PER", False, text, b, b + len("Sterling Smith"), table)


def test_a_name_the_cable_writes_as_a_districts_is_no_person_there(extractor):
    from cablebase.record import Cable, Paragraph

    paras = ["1. The PRT took Governor Mangal to the Sangin District for an outreach program. The lack of progress "
             "in Sangin is frustrating Mangal.",
             "2. Prior to departing Sangin, the Governor called a meeting. Mangal said, stop calling it the Sangin Base.",
             "3. Paris daily Le Monde carried two articles. It was Montoya's secretary. Le Monde reports that "
             "Montoya is under investigation."]
    res = extractor.extract(Cable(ref_id="09KABUL2", origin="Embassy Kabul", tags=["AF"],
                                  paragraphs=[Paragraph(i + 1, None, None, p) for i, p in enumerate(paras)]))
    per = {(m.text, m.key) for m in res.mentions if m.type == "PER" and m.key}
    assert not [p for p in per if p[0] in ("Sangin", "Le Monde")], per
    assert any(p[0] == "Mangal" for p in per), per  # the Governor stays a person
