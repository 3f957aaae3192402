"""Names of entities, compared and shown: ``fold`` gives the comparable form of a name (accents
off, lower case, punctuation to spaces), ``strip_titles`` takes a person's titles off
(``Ambassador Antonio Garza`` → ``Antonio Garza``; the list is ``cablebase/data/titles.txt``),
``display_name`` says how a name is shown (Title Case when it was written in capitals), and
``entity_key`` is the merge key ``TYPE:folded name`` that the extractor and the entity store share.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

LEAD_TRAIL = " \t\n\"'“”‘’()[],.;:-–—"


@lru_cache(maxsize=1)
def titles() -> frozenset[str]:
    text = resources.files("cablebase.data").joinpath("titles.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def fold(s: str) -> str:
    """Accents off, lower case, punctuation to spaces: the comparable form of a name."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("’", "'").lower()
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w\s]", " ", s)
    return " ".join(s.split())


FUNCTION_LEAD = frozenset(["both", "and", "but", "while", "when", "whereas", "if", "as", "since", "because", "neither",
                           "either", "although", "though", "meanwhile", "however", "also", "then", "yet", "nor", "or",
                           "of", "for", "with", "by", "to", "from", "at", "after", "before", "during", "under", "unlike",
                           "like", "whom", "whose", "that", "this", "these", "those", "our", "their", "his", "her", "its"])
"""Words that begin a sentence or a phrase, never a person's name (``Both Liu``, ``And Karzai``)."""


def strip_titles(name: str) -> str:
    """``Ambassador Antonio Garza`` → ``Antonio Garza``; ``Mr. Garcia Luna's`` → ``Garcia Luna``;
    ``Both Liu`` → ``Liu`` (a phrase's first word, ``FUNCTION_LEAD``)."""
    words = name.strip(LEAD_TRAIL).split()
    t = titles()
    while words and (words[0].lower().strip(".,") in t or (len(words) > 1 and words[0].lower() in FUNCTION_LEAD)):
        words.pop(0)
    while words and words[-1].lower().strip(".,") in t:
        words.pop()
    s = " ".join(words)
    s = re.sub(r"['’]s$", "", s)
    return s.strip(LEAD_TRAIL)


def display_name(surface: str) -> str:
    """How a name is shown: as written, or Title Case when it was written in capitals."""
    s = " ".join(surface.split())
    if s.isupper() and any(len(w) > 3 for w in s.split()):
        return " ".join(w if len(w) <= 3 or not _has_vowel(w) else w.capitalize() for w in s.split())
    return s


def _has_vowel(w: str) -> bool:
    return any(c in "AEIOUaeiou" for c in w)


def entity_key(type_: str, name: str) -> str:
    return f"{type_}:{fold(name)}"


__all__ = ["FUNCTION_LEAD", "LEAD_TRAIL", "display_name", "entity_key", "fold", "strip_titles", "titles"]
