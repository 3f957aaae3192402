"""Precision of entity attributions (mention → entity) on a hand-labelled random sample.

    python bench/entities.py --attributions [--db ARCHIVE] [--errors N] [--json]
    python bench/entities.py --draw 320 --seed 17 --db ARCHIVE     # a new sample to label
    python bench/entities.py --draw 200 --seed 19 --type PER --db ARCHIVE   # its people companion

The gold file ``tests/gold/attributions.jsonl`` (sets in the order drawn, see its README; the last
set not named ``…-people`` was drawn from the enrichment after the last rule change and labelled
after it, and its ``…-people`` companion with it; the earlier ones shaped the rules) holds
references and labels only: the cable,
the paragraph (index into the record's paragraphs, -1 for the subject line, and its number as
written), the character span and the surface form (to check the text read at run time is the
same), what the system attributed when the sample was drawn (``said``), whether that was right
(``correct``) and the entity it should be (``entity``: type and name; null when the words name
no entity at all). The cable text is read from the archive, built from the corpus, at run time.

An attribution is measured when the archive still has a mention over that span: it is right
when its entity has the gold entity's type and name (or one of its hand-checked ``aliases``);
a span the system no longer attributes is counted apart (not an attribution any more).
Precision is printed overall and per type of the entity the archive attributes the words to
(people: of every attribution to a person); people must be ≥ 99%, all ≥ 98%.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from cablebase import open_archive
from cablebase.enrich.entity_names import fold

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "attributions.jsonl"
CABLES = ROOT.parent / "shared" / "corpus" / "cablegate-2010" / "cable"


def read_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


def _name(n: str) -> str:
    """An entity name compared: folded, its parenthesised parts (``(PGR)``) off."""
    return fold(re.sub(r"\s*\([^()]*\)", "", n))


def right(m: dict[str, Any], gold: dict[str, Any] | None) -> bool:
    """Is the archive's mention ``m`` attributed to the gold entity? Same type, and its entity's
    name is the gold name or one of its hand-checked aliases — or, for a person known in one
    cable only (a scoped key: a surname alone), the gold person's surname."""
    if not gold or m["type"] != gold["type"]:
        return False
    names = {_name(x) for x in [gold["name"], *gold.get("aliases", [])]}
    got = _name(m["name"])
    if got in names:
        return True
    if gold["type"] == "PER" and "@" in (m.get("key") or ""):
        return any(n == got or n.endswith(" " + got) for n in names)
    return False


def paragraph_text(cable: Any, index: int) -> str:
    if index == -1:
        return cable.subject or ""
    if cable.paragraphs:
        return cable.paragraphs[index].text if 0 <= index < len(cable.paragraphs) else ""
    return cable.body or ""


def build_archive(where: Path) -> Path:
    """The 2010 pages ingested and enriched (minutes): what the gold sample was drawn from."""
    with open_archive(where) as a:
        a.ingest([str(CABLES)])
        a.enrich()
    return where


def measure(db: str, gold: list[dict[str, Any]], errors: int = 0) -> dict[str, Any]:
    per: dict[str, Counter[str]] = {}
    wrong: list[str] = []
    text_changed = 0
    with open_archive(db, create=False) as a:
        es = a.entities
        cache: dict[str, list[dict[str, Any]]] = {}
        cables: dict[str, Any] = {}
        for g in gold:
            ref = g["ref_id"]
            if ref not in cache:
                cache[ref] = es.mentions_of(ref)
                cables[ref] = a.get(ref)
            text = paragraph_text(cables[ref], g["paragraph"]) if cables[ref] else ""
            if text[g["start"] : g["end"]] != g["text"]:
                text_changed += 1
                continue
            gold_ent = g.get("entity")
            hits = [m for m in cache[ref] if m["paragraph"] == g["paragraph"] and m["start"] < g["end"] and g["start"] < m["end"]]
            if not hits:
                c = per.setdefault(g["said"]["type"], Counter())
                c["dropped"] += 1
                c["dropped_right"] += bool(g.get("correct"))  # a right attribution no longer made
                continue
            m = min(hits, key=lambda m: abs(m["start"] - g["start"]) + abs(m["end"] - g["end"]))
            c = per.setdefault(m["type"], Counter())  # precision per type of what the archive attributes
            ok = right(m, gold_ent)
            c["attributed"] += 1
            c["correct"] += ok
            if not ok:
                want = f"{gold_ent['type']}:{gold_ent['name']}" if gold_ent else "no entity"
                wrong.append(f"{ref} ¶{g.get('number')} {g['text']!r} → {m['type']}:{m['name']} (should be {want})")
    out: dict[str, Any] = {"gold": len(gold), "text_changed": text_changed, "types": {}}
    tot = Counter()
    for t, c in sorted(per.items()):
        tot.update(c)
        out["types"][t] = {"attributed": c["attributed"], "correct": c["correct"], "dropped": c["dropped"],
                           "dropped_right": c["dropped_right"],
                           "precision": round(c["correct"] / c["attributed"], 4) if c["attributed"] else None}
    out["overall"] = {"attributed": tot["attributed"], "correct": tot["correct"], "dropped": tot["dropped"],
                      "dropped_right": tot["dropped_right"],
                      "precision": round(tot["correct"] / tot["attributed"], 4) if tot["attributed"] else None}
    out["errors"] = wrong[:errors] if errors else []
    out["error_count"] = len(wrong)
    return out


def show(res: dict[str, Any], title: str = "") -> None:
    print(f"\nattributions, {title or 'all'} ({GOLD.name}: {res['gold']} hand-labelled, drawn at random)")
    print(f"  {'type':6} {'precision':>9} {'correct':>8} {'attributed':>10} {'no longer (of them right)':>26}")
    for t, c in [*res["types"].items(), ("all", res["overall"])]:
        p = f"{c['precision']:.4f}" if c["precision"] is not None else "-"
        print(f"  {t:6} {p:>9} {c['correct']:>8} {c['attributed']:>10} {c['dropped']:>15} ({c['dropped_right']})")
    if res["text_changed"]:
        print(f"  {res['text_changed']} gold spans no longer match the text read (parser changed?): not counted")
    for e in res["errors"]:
        print("   ", e)


def draw(db: str, n: int, seed: int, type: str | None = None) -> list[dict[str, Any]]:
    """A seeded random sample of the archive's cable attributions (to entities of ``type`` only,
    when given: a sample of people alone, to measure their precision on more of them),
    unlabelled (to label by hand)."""
    out = []
    with open_archive(db, create=False) as a:
        rows = a.entities.attributions("cable", type)
        for doc, para, start, end in random.Random(seed).sample(rows, n):
            m = next(x for x in a.entities.mentions_of(doc) if x["paragraph"] == para and x["start"] == start and x["end"] == end)
            cable = a.get(doc)
            text = paragraph_text(cable, para)
            out.append({
                "ref_id": doc, "paragraph": para, "number": m["number"], "start": start, "end": end, "text": text[start:end],
                "said": {"type": m["type"], "name": m["name"], "scoped": "@" in m["key"]},
                "context": " ".join(text[max(0, start - 120) : end + 80].split()),
            })
    return out


def run(db: str | None, errors: int) -> dict[str, Any]:
    gold = read_gold()
    if db is None:
        tmp = tempfile.mkdtemp(prefix="cablebase-attr-")
        db = str(build_archive(Path(tmp) / "archive"))
    sets = list(dict.fromkeys(g.get("set", "dev") for g in gold))
    out: dict[str, Any] = {}
    for name in sets:  # "dev" … "fresh" shaped the rules; "fresh2" was labelled after the last change
        out[name] = measure(db, [g for g in gold if g.get("set", "dev") == name], errors)
        show(out[name], name)
    res = measure(db, gold, 0)
    show(res, "all sets")
    res["sets"] = out
    # The targets are judged on the newest set alone: the sample drawn and labelled after the
    # last rule change. The earlier sets shaped the rules, so their figures (and the pooled
    # one) flatter them.
    # A set "<name>-people" (drawn with --type PER from the same enrichment) adds people to the
    # newest set's: people's precision is judged on both together, a larger random sample of them.
    newest = [s for s in sets if not s.endswith(PEOPLE_SUFFIX)][-1]
    res["judged_on"] = newest
    judged = out[newest]
    overall = judged["overall"]["precision"] or 0
    companion = newest + PEOPLE_SUFFIX
    if companion in out:
        both = measure(db, [g for g in gold if g.get("set", "dev") in (newest, companion)], 0)
        show({**both, "types": {"PER": both["types"].get("PER", {})}, "overall": both["types"].get("PER", {})},
             f"people of {newest} and {companion} together")
        per = both["types"].get("PER", {})
        res["people_judged_on"] = [newest, companion]
    else:
        per = judged["types"].get("PER", {})
        res["people_judged_on"] = [newest]
    people = per.get("precision") or 0
    res["targets"] = {"overall >= 0.98": overall >= 0.98, "people >= 0.99": people >= 0.99}
    print(f"\ntargets, judged on {newest!r} (drawn after the last rule change; people on "
          + " + ".join(res["people_judged_on"]) + "): "
          + "; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in res["targets"].items())
          + f" ({overall:.4f} overall, {people:.4f} people: {per.get('correct', 0)}/{per.get('attributed', 0)})")
    return res


PEOPLE_SUFFIX = "-people"
"""Names a set of people alone, drawn with ``--draw N --type PER`` beside the set of that name."""


__all__ = ["PEOPLE_SUFFIX", "draw", "measure", "read_gold", "run"]
