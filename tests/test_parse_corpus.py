"""The parsers on the real corpus (skipped where ../shared/corpus is absent)."""
from __future__ import annotations

import sys

from cablebase.parse import parse

SEED_HEADINGS = ["Summary", "Policing/Prosecutorial Changes Outlined", "OASSIS", "Meth Precursors",
                 "Southern Focus", "Cuba", "Garcia Luna"]


def test_seed_page_yields_07MEXICO983(corpus):
    [c] = parse((corpus / "seed" / "opera-leaks-cuba-channel.txt").read_bytes(), location="seed")
    assert c.source.form == "article"
    assert (c.ref_id, c.created, c.released, c.classification) == (
        "07MEXICO983", "2007-02-27 16:04", "2011-05-25 20:30", "UNCLASSIFIED//FOR OFFICIAL USE ONLY")
    assert c.origin == "Embassy Mexico"
    assert [p.number for p in c.paragraphs] == list(range(1, 17))
    assert [p.marking for p in c.paragraphs] == ["SBU"] * 15 + ["U"]
    assert list(dict.fromkeys(p.heading for p in c.paragraphs)) == SEED_HEADINGS
    assert c.paragraphs[9].heading == "Cuba"
    for p in c.paragraphs:
        assert "SIPDIS" not in p.text and "00000983" not in p.text and "002 OF 003" not in p.text
        assert "Browse latest" not in p.text
    assert c.sipdis is True
    assert c.summary.startswith("During a two-day trip") and "End Summary" not in c.summary
    assert c.comments == ["There is something inconsistent across these plans on justice reform. "
                          "But then the legal package is still being developed."]


def test_seed_agrees_with_the_text_export(corpus):
    [blog] = parse((corpus / "seed" / "opera-leaks-cuba-channel.txt").read_bytes())
    [txt] = parse((corpus / "cablegate-txt-alx" / "cables" / "07MEXICO983.txt").read_bytes())
    assert txt.ref_id == blog.ref_id and txt.classification == blog.classification
    assert [(p.number, p.marking, p.heading) for p in txt.paragraphs] == \
           [(p.number, p.marking, p.heading) for p in blog.paragraphs]
    for a, b in zip(txt.paragraphs, blog.paragraphs):
        assert " ".join(a.text.split()).replace('"', "").replace("'", "")[:60] == \
               b.text.replace('"', "").replace("'", "")[:60]
    assert txt.tags == ["PREL", "PGOV", "PTE", "SNAR", "MX"] and txt.signer == "GARZA"


def test_one_answer_from_every_format(corpus):
    """66BUENOSAIRES2481 is in five sources: the parsers must agree on its identity."""
    import tarfile
    srcs = [
        (corpus / "cablegate-txt-alx" / "cables" / "66BUENOSAIRES2481.txt").read_bytes(),
        next(corpus.glob("cablegate-2010/cable/1966/12/66BUENOSAIRES2481.html")).read_bytes(),
        (corpus / "cablegate-html-final" / "test-set" / "1966" / "12" / "66BUENOSAIRES2481.html").read_bytes(),
    ]
    rows = parse((corpus / "cablegate-csv" / "cables_sample.csv").read_bytes())
    got = [parse(s)[0] for s in srcs] + [r for r in rows if r.ref_id == "66BUENOSAIRES2481"]
    assert len(got) == 4
    assert {c.ref_id for c in got} == {"66BUENOSAIRES2481"}
    assert {c.created[:10] for c in got} == {"1966-12-28"}
    assert {c.origin for c in got} == {"Embassy Buenos Aires"}
    assert {tuple(c.tags) for c in got} == {("EFIS", "PBTS", "AR")}
    assert {c.subject for c in got} == {"EXTENDED NATIONAL JURISDICTIONS OVER HIGH SEAS"}


def test_raw_telegrams_latin1(corpus):
    files = sorted((corpus / "cablegate-txt-paulmathieu" / "data-sample" / "cablegate-converted").glob("*.txt"))
    assert len(files) == 24
    for f in files:
        [c] = parse(f.read_bytes(), location=str(f))
        assert c.ref_id == f.stem, f
        assert c.created and c.classification and c.origin
        assert all("\ufffd" not in p.text for p in c.paragraphs)


def test_fidelity_floor(corpus):
    """bench/fidelity.py's figures: every miss on a full cable must be a known, explained one."""
    from pathlib import Path
    bench = Path(__file__).resolve().parents[1] / "bench"
    sys.path.insert(0, str(bench))
    import fidelity
    _, rows = fidelity.run(corpus)
    misses = {(t["ref_id"], f) for t, r in rows for f in fidelity.FIELDS
              if r[f] and r[f] != "n/a" and not t["partial"]}
    assert misses <= set(fidelity.EXPLAINED), sorted(misses - set(fidelity.EXPLAINED))
    table = {f: cols for f, *cols in fidelity.table(rows)}
    for f in ("origin", "created", "tags"):
        ok, n = table[f][1]
        assert ok / n >= 0.99, (f, ok, n)
    for f in ("ref_id", "classification"):
        ok, n = table[f][1]
        assert n - ok <= len([m for m in fidelity.EXPLAINED if m[1] == f])
