"""Truecasing: give ALL-UPPER-CASE cable text the casing a mixed-case cable would have.

Cables before the 2000s (and every 1973–79 CFPF cable) are written in capitals only, and a
named-entity model trained on news text finds few names in ``MR. GARCIA LUNA MET THE
ATTORNEY GENERAL``. The truecaser learns, from mixed-case cables, how each word is usually
written (``the`` → lower, ``garcia`` → ``Garcia``, ``pgr`` → ``PGR``, ``mcdonald`` →
``McDonald``) and rewrites upper-case text token by token, keeping every character offset
(only letters change case), so entity spans found in the truecased text are spans of the
original.

Counts skip sentence-initial words (their capital says nothing) and all-caps lines
(headings, names in signature blocks). A word never seen in mixed-case text is most
likely a name: it becomes ``Title`` case, or stays upper case when it looks like an
acronym (no vowel, or three letters or fewer).

``Truecaser.learn(texts)`` builds the table; ``to_json``/``from_json`` persist it (the
enrichment stage keeps it in the archive and learns it from the archive's own mixed-case
cables). ``is_upper_text`` tells which paragraphs need it.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019]*(?:-[A-Za-z]+)*")
_SENT_END = re.compile(r"[.!?:;]\s*$|^\s*$|\n\s*\n\s*$|[\(\"]\s*$|--\s*$|\d\.\s*$")
_VOWELS = set("AEIOUYaeiouy")
_BROKEN = re.compile(r"[A-Za-z]- {0,2}$")

# Forms: 0 lower, 1 Title, 2 UPPER, 3 other (kept verbatim, e.g. McDonald, eBay)
LOWER, TITLE, UPPER, OTHER = 0, 1, 2, 3


def is_upper_text(text: str, threshold: float = 0.85) -> bool:
    """True when (nearly) all the letters of ``text`` are capitals."""
    up = low = 0
    for ch in text:
        if ch.isalpha():
            if ch.isupper():
                up += 1
            else:
                low += 1
    total = up + low
    return total >= 8 and up / total >= threshold


def _form(word: str) -> int:
    if word.islower():
        return LOWER
    if word.isupper():
        return UPPER
    if word[0].isupper() and word[1:].islower():
        return TITLE
    return OTHER


class Truecaser:
    """Word → usual casing, learned from mixed-case text."""

    def __init__(self, table: dict[str, str] | None = None, *, min_count: int = 2):
        self.table: dict[str, str] = table or {}
        """lower-case word → its usual written form (``garcia`` → ``Garcia``)."""
        self.min_count = min_count
        self.lexicon: frozenset[str] = frozenset()
        """Common lower-case words (a dictionary): an unseen word found here stays lower case."""
        self.acronyms: frozenset[str] = frozenset()
        """Words kept in capitals whatever the table says (``US``, ``GOM``, ``MITI``)."""

    # -- learning ------------------------------------------------------------------------
    @classmethod
    def learn(cls, texts: Iterable[str], *, min_count: int = 2) -> Truecaser:
        tc = cls(min_count=min_count)
        tc.update(texts)
        return tc

    def update(self, texts: Iterable[str]) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for text in texts:
            for line in text.splitlines():
                if not line.strip() or is_upper_text(line, 0.6):
                    continue
                for m in WORD_RE.finditer(line):
                    w = m.group(0)
                    if len(w) == 1 and w not in ("a", "A", "I"):
                        continue
                    before = line[max(0, m.start() - 4) : m.start()]
                    if (m.start() == 0 or _SENT_END.search(before)) and _form(w) == TITLE:
                        continue  # sentence-initial: only a lower-case or inner-capital form tells anything
                    counts[w.lower()][w] += 1
        self._merge(counts)

    def _merge(self, counts: dict[str, Counter[str]]) -> None:
        for key, forms in counts.items():
            total = sum(forms.values())
            if total < self.min_count:
                continue
            by_form: Counter[int] = Counter()
            for w, n in forms.items():
                by_form[_form(w)] += n
            best_kind = by_form.most_common(1)[0][0]
            # A word written lower case a fair share of the time is a common word.
            if best_kind != LOWER and by_form[LOWER] >= 0.4 * total:
                best_kind = LOWER
            if best_kind == LOWER:
                self.table[key] = key
            elif best_kind == TITLE:
                self.table[key] = key[:1].upper() + key[1:]
            else:
                self.table[key] = max((w for w in forms if _form(w) == best_kind), key=forms.__getitem__)

    # -- applying ------------------------------------------------------------------------
    def _in_lexicon(self, key: str) -> bool:
        lex = self.lexicon
        if not lex:
            return False
        if key in lex:
            return True
        for suf, rep in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ly", ""), ("ally", ""), ("ness", ""), ("ment", "")):
            if key.endswith(suf) and len(key) - len(suf) >= 3 and key[: -len(suf)] + rep in lex:
                return True
        return False

    def word(self, w: str, *, initial: bool = False) -> str:
        key = w.lower()
        if w.upper() in self.acronyms:
            return w.upper()
        form = self.table.get(key)
        if form is None:
            if "-" in key:
                form = "-".join(self.word(p) for p in w.split("-"))
            elif self._in_lexicon(key):
                form = key
            elif len(key) <= 3 or not (_VOWELS & set(key)):
                form = w.upper()
            else:
                form = key[:1].upper() + key[1:]
        if len(form) != len(w):  # never change the length: offsets must hold
            form = w
        if initial and form[:1].islower():
            form = form[:1].upper() + form[1:]
        return form

    def __call__(self, text: str) -> str:
        """``text`` with each word in its usual casing; same length, same offsets."""
        out: list[str] = []
        pos = 0
        initial = True
        prev_name = False
        for m in WORD_RE.finditer(text):
            gap = text[pos : m.start()]
            out.append(gap)
            if pos == 0 and not gap.strip() or _SENT_END.search(text[max(0, m.start() - 4) : m.start()]) or "\n\n" in gap:
                initial = True
            if _BROKEN.search(text, max(0, m.start() - 4), m.start()) and self.table.get(m.group(0).lower()) is None:
                # the rest of a word hyphenated across a line ("CURIO- SITY"): lower case
                out.append(m.group(0).lower())
                initial = False
                pos = m.end()
                continue
            w = m.group(0)
            form = self.word(w, initial=initial)
            if (
                prev_name
                and form.islower()
                and self.table.get(w.lower()) is None
                and gap in (" ", "  ")
            ):
                # a dictionary word right after a name unknown to the table is most likely
                # the rest of that name ("GARCIA LUNA", not "Garcia luna")
                form = form[:1].upper() + form[1:]
            # a name the table does not know, written capitalised: the next word may continue it
            prev_name = not initial and form[:1].isupper() and self.table.get(w.lower()) in (None, form) and not form.isupper()
            out.append(form)
            initial = False
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    def truecase_if_upper(self, text: str) -> str:
        return self(text) if is_upper_text(text) else text

    # -- persistence ---------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.table, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, s: str) -> Truecaser:
        return cls(json.loads(s))

    def __len__(self) -> int:
        return len(self.table)


__all__ = ["Truecaser", "is_upper_text"]
