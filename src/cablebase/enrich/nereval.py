"""Gold sets for named entities and how predictions are scored against them.

Two gold sets (``bench/entities.py`` prints the figures):

1. **History Lab** (``historylab-ner-gold``): NARA CFPF 1973–79 cables, upper case, with
   every mention bracketed ``[[TEXT || N]]`` (nested brackets occur, some are left
   unclosed) and N pointing into a numbered entity list ``N. TEXT  TYPE``.
   ``read_historylab(path)`` gives the plain text and the mentions with character spans.
   Their types map onto ours: ``PER.IND`` → PER; ``ORG.*`` → ORG; ``GPE.*`` and ``LOC`` →
   PLACE; ``PER.GROUP`` ("US FISHERIES TEAM"), ``PER.SPECIAL`` and untyped entries are
   *ignored* regions. History Lab also brackets pronouns ("HE", "OUR"), descriptions
   ("FOREIGN MINISTER", "AMBASSADOR [[TOGO]]") and nationality adjectives ("MEXICAN"):
   a name-finder is not meant to find those, so a mention is scored only when it holds a
   *proper word* of its own (one that mixed-case cables usually capitalise: the
   truecaser's table) outside any nested mention, and is not a bare demonym; the others
   are ignored regions too. A prediction overlapping an ignored region counts neither way.

2. **Our own** (``tests/gold/cablegate.jsonl``): paragraphs of cablegate-2010 cables
   labelled by hand. Each line names the cable, the paragraph number and the entities as
   ``[text, type]`` pairs; the text is never stored, it is read from the corpus at run time
   and every occurrence of each string (longest first, whole words) is a gold mention.

Scoring: a prediction matches a gold mention of the same type when their spans overlap
(one-to-one, largest overlap first); ``exact`` counts only identical spans. Precision,
recall and F1 per type and overall (micro).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

TYPES = ("PER", "ORG", "PLACE")

PRONOUNS = frozenset(
    ["I", "ME", "MY", "MINE", "WE", "US", "OUR", "OURS", "HE", "HIM", "HIS", "SHE", "HER", "HERS", "IT", "ITS", "THEY", "THEM", "THEIR", "THEIRS", "YOU", "YOUR", "YOURS", "WHO", "WHOM", "WHOSE", "WHICH", "THAT", "THIS", "THESE", "THOSE", "ITSELF", "HIMSELF", "HERSELF", "THEMSELVES", "OURSELVES"]
)


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    type: str
    """``PER``, ``ORG``, ``PLACE``, or ``IGNORE``."""
    text: str = ""
    entity: int | None = None


@dataclass(slots=True)
class GoldDoc:
    id: str
    text: str
    mentions: list[Mention] = field(default_factory=list)


# -- History Lab --------------------------------------------------------------------------
_ENTRY_RE = re.compile(r"^\s*\ufeff?\s*(?:\d+\.\s*)*?(\d+)[.\t ]\s*(.*?)\s*$")
_TYPE_RE = re.compile(r"\b((?:PER|PRE|GPE|ORG)\.[A-Z]+|LOC)\s*$")
_OPEN = "[["
_CLOSE_RE = re.compile(r"\|\|\s*(\d+)\s*(?:\]\])?")


def map_hl_type(t: str | None) -> str:
    if not t:
        return "IGNORE"
    head, _, tail = t.partition(".")
    if head in ("PER", "PRE"):
        return "PER" if tail.startswith("IND") else "IGNORE"
    if head == "ORG":
        return "ORG"
    if head == "GPE":
        return "PER" if tail.startswith("IND") else ("PLACE" if tail in ("NATION", "SPECIAL", "") else "ORG")
    if head == "LOC":
        return "PLACE"
    return "IGNORE"


def read_historylab(path: Path) -> GoldDoc:
    raw = path.read_text(encoding="utf-8-sig", errors="replace").replace("\r\n", "\n")
    m = re.search(r"^\s*@@@+\s*$", raw, re.MULTILINE)
    if not m:
        raise ValueError(f"{path}: no @@@ separator")
    head, body = raw[: m.start()], raw[m.end() :]
    types: dict[int, str | None] = {}
    for line in head.splitlines():
        line = line.replace("\ufeff", "")
        e = _ENTRY_RE.match(line)
        if not e or not e.group(2):
            continue
        n = int(e.group(1))
        t = _TYPE_RE.search(e.group(2))
        types[n] = t.group(1) if t else None
    # footer lines of the AAD export are not cable text
    body_lines = [ln for ln in body.split("\n") if not ln.lstrip().startswith("***")]
    body = "\n".join(body_lines)
    out: list[str] = []
    length = 0
    stack: list[int] = []
    spans: list[tuple[int, int, int, int]] = []  # start, end, entity, depth
    i = 0
    while i < len(body):
        if body.startswith(_OPEN, i):
            stack.append(length)
            i += 2
            continue
        c = _CLOSE_RE.match(body, i) if body.startswith("||", i) else None
        if c:
            if stack:
                start = stack.pop()
                spans.append((start, length, int(c.group(1)), len(stack)))
            i = c.end()
            continue
        ch = body[i]
        out.append(ch)
        length += 1
        i += 1
    text = "".join(out)
    doc = GoldDoc(path.stem, text)
    for start, end, ent, _depth in spans:
        seg = text[start:end]
        lead = len(seg) - len(seg.lstrip(" \t\n\"'(,"))
        trail = len(seg) - len(seg.rstrip(" \t\n\"'),.:;"))
        s, e = start + lead, end - trail
        if e <= s:
            continue
        doc.mentions.append(Mention(s, e, map_hl_type(types.get(ent)), text[s:e], ent))
    return doc


def mark_unnamed(doc: GoldDoc, is_proper: Callable[[str], bool], demonyms: frozenset[str] = frozenset()) -> None:
    """Turn pronoun, description and bare-demonym mentions into ignored regions."""
    for m in doc.mentions:
        if m.type == "IGNORE":
            continue
        inner = [o for o in doc.mentions if o is not m and o.start >= m.start and o.end <= m.end and (o.start, o.end) != (m.start, m.end)]
        chars = list(doc.text[m.start : m.end])
        for o in inner:
            for k in range(o.start - m.start, o.end - m.start):
                chars[k] = " "
        own = "".join(chars)
        words = re.findall(r"[A-Za-z][A-Za-z.'\-]*", own)
        words = [w.strip(".'-") for w in words]
        words = [w for w in words if w and w.upper() not in PRONOUNS]
        text_norm = " ".join(doc.text[m.start : m.end].upper().split())
        if not words or text_norm in demonyms or not any(is_proper(w) for w in words):
            m.type = "IGNORE"


# -- our gold -----------------------------------------------------------------------------
def locate(text: str, entities: Iterable[tuple[str, str]]) -> list[Mention]:
    """Every whole-word occurrence of each entity string (longest strings placed first)."""
    taken: list[tuple[int, int]] = []
    out: list[Mention] = []
    for s, t in sorted(entities, key=lambda e: -len(e[0])):
        pat = re.compile(r"(?<![\w])" + r"\s+".join(re.escape(p) for p in s.split()) + r"(?![\w])")
        found = False
        for m in pat.finditer(text):
            found = True
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append(Mention(m.start(), m.end(), t, m.group(0)))
        if not found:
            raise LookupError(f"gold entity {s!r} not found in the paragraph")
    out.sort(key=lambda m: m.start)
    return out


def read_gold_jsonl(path: Path) -> list[dict]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            items.append(json.loads(line))
    return items


# -- scoring ------------------------------------------------------------------------------
@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Score:
    by_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in TYPES})
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(doc id, 'FP'/'FN', type, text) for inspection."""

    @property
    def overall(self) -> Counts:
        c = Counts()
        for v in self.by_type.values():
            c.tp += v.tp
            c.fp += v.fp
            c.fn += v.fn
        return c

    def add(self, doc_id: str, gold: list[Mention], pred: list[Mention], *, exact: bool = False, text: str = "") -> None:
        golds = [g for g in gold if g.type in TYPES]
        ignored = [g for g in gold if g.type not in TYPES]
        pairs = []
        for i, p in enumerate(pred):
            for j, g in enumerate(golds):
                if p.type != g.type:
                    continue
                if exact:
                    ov = (p.end - p.start) if (p.start, p.end) == (g.start, g.end) else 0
                else:
                    ov = min(p.end, g.end) - max(p.start, g.start)
                if ov > 0:
                    pairs.append((ov, i, j))
        pairs.sort(reverse=True)
        used_p: set[int] = set()
        used_g: set[int] = set()
        for _ov, i, j in pairs:
            if i in used_p or j in used_g:
                continue
            used_p.add(i)
            used_g.add(j)
            self.by_type[golds[j].type].tp += 1
        for i, p in enumerate(pred):
            if i in used_p or p.type not in TYPES:
                continue
            # overlapping an ignored region (pronoun, description, group…) → neutral
            if any(min(p.end, g.end) > max(p.start, g.start) for g in ignored):
                continue
            self.by_type[p.type].fp += 1
            self.errors.append((doc_id, "FP", p.type, text[p.start : p.end] if text else p.text))
        for j, g in enumerate(golds):
            if j not in used_g:
                self.by_type[g.type].fn += 1
                self.errors.append((doc_id, "FN", g.type, text[g.start : g.end] if text else g.text))

    def table(self) -> list[tuple[str, float, float, float, int, int]]:
        rows = []
        for t in TYPES:
            c = self.by_type[t]
            rows.append((t, c.precision, c.recall, c.f1, c.tp + c.fn, c.tp + c.fp))
        o = self.overall
        rows.append(("ALL", o.precision, o.recall, o.f1, o.tp + o.fn, o.tp + o.fp))
        return rows


__all__ = [
    "TYPES",
    "Counts",
    "GoldDoc",
    "Mention",
    "Score",
    "locate",
    "map_hl_type",
    "mark_unnamed",
    "read_gold_jsonl",
    "read_historylab",
]
