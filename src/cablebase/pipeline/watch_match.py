"""Does a watch's query match an article? (Cables are matched by the search index itself.)

Articles are not in the cables' search index, so a watch's query is applied to them in two
ways, either of which makes a match:

- through the cables the article links (cites or embeds): the article matches when one of
  them matches the query (asked of the index, restricted to those cables);
- on the article's own words (title, summary, text): the query's tree is evaluated with the
  words folded as the index folds them (lower case, accents dropped). A plain word must occur
  (``word*``: a word starting so), a phrase must occur as a run of words (slop ignored); AND,
  OR and NOT as in the query. A term on a cable field (``origin:``, ``tag:``, ``ref:`` …)
  cannot hold for an article's words: it is false there (true under a NOT).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .._store.query import And, Everything, Not, Or, Phrase, Word, parse

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case, accents dropped (``Peña`` → ``pena``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=256)
def _tree(query: str):
    return parse(query)


class ArticleText:
    """An article's words, ready for ``matches``."""

    def __init__(self, *parts: str | None):
        self.words = words(" ".join(p for p in parts if p))
        self.set = set(self.words)
        self.joined = " " + " ".join(self.words) + " "

    def has_word(self, w: Word) -> bool:
        ws = words(w.text)
        if not ws:
            return False
        if w.prefix and len(ws) == 1:
            return any(x.startswith(ws[0]) for x in self.set)
        return self._has_run(ws)

    def _has_run(self, ws: list[str]) -> bool:
        if len(ws) == 1:
            return ws[0] in self.set
        return (" " + " ".join(ws) + " ") in self.joined


def matches(query: str, text: ArticleText) -> bool:
    """Whether the query holds for the article's own words (see the module doc)."""
    return _eval(_tree(query), text)


def _eval(node, text: ArticleText) -> bool:
    if isinstance(node, Everything):
        return True
    if isinstance(node, And):
        return all(_eval(n, text) for n in node.items)
    if isinstance(node, Or):
        return any(_eval(n, text) for n in node.items)
    if isinstance(node, Not):
        return not _eval(node.item, text)
    if isinstance(node, Word):
        return node.field is None and text.has_word(node)
    if isinstance(node, Phrase):
        return node.field is None and text._has_run(words(node.text))
    return False


__all__ = ["ArticleText", "fold", "matches", "words"]
