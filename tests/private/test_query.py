"""The query language: parsing (no index needed) and every malformed query's message."""

from __future__ import annotations

import pytest

from cablebase.errors import BadQuery
from cablebase._store.query import (
    And,
    Everything,
    Not,
    Or,
    Phrase,
    Word,
    canonical_marking,
    date_bounds,
    date_number,
    level_tokens,
    marking_tokens,
    parse,
    period_range,
)


def test_words_are_anded_and_or_binds_looser() -> None:
    assert parse("iran nuclear") == And((Word("iran", 0), Word("nuclear", 5)))
    assert parse("iran AND nuclear") == And((Word("iran", 0), Word("nuclear", 9)))
    t = parse("a b OR c")
    assert isinstance(t, Or) and t.items[0] == And((Word("a", 0), Word("b", 2))) and t.items[1] == Word("c", 7)
    assert parse("a && b || c") == Or((And((Word("a", 0), Word("b", 5))), Word("c", 10)))


def test_empty_and_star_match_everything() -> None:
    assert parse("") == Everything(0)
    assert parse("   ") == Everything(0)
    assert parse("*") == Everything(0)


def test_not_minus_and_parentheses() -> None:
    assert parse("-iran") == Not(Word("iran", 1), 0)
    assert parse("NOT iran") == Not(Word("iran", 4), 0)
    assert parse("!iran") == Not(Word("iran", 1), 0)
    t = parse("(iran OR iraq) -sanctions")
    assert t == And((Or((Word("iran", 1), Word("iraq", 9))), Not(Word("sanctions", 16), 15)))
    # A dash inside a word is part of it; a lone dash is nothing.
    assert parse("al-Qaida") == Word("al-Qaida", 0)
    assert parse("iran - iraq") == And((Word("iran", 0), Word("iraq", 7)))


def test_phrases_slop_and_prefixes() -> None:
    assert parse('"nuclear program"') == Phrase("nuclear program", 0)
    assert parse('"nuclear program"~3') == Phrase("nuclear program", 0, slop=3)
    assert parse('"nuclear prog*"') == Phrase("nuclear prog", 0, prefix=True)
    assert parse("nucl*") == Word("nucl", 0, prefix=True)
    assert parse("\u201cnuclear program\u201d") == Phrase("nuclear program", 0)  # typographic quotes


def test_fields_take_a_word_a_phrase_or_a_group() -> None:
    assert parse("origin:paris") == Word("paris", 7, "origin")
    assert parse('origin:"Embassy Paris"') == Phrase("Embassy Paris", 7, "origin")
    assert parse("tag:(PREL OR PTER)") == Or((Word("PREL", 5, "tag"), Word("PTER", 13, "tag")))
    assert parse("CLASS:secret") == Word("secret", 6, "class")
    assert parse("-tag:PREL") == Not(Word("PREL", 5, "tag"), 0)
    assert parse("released:2010-11-28..2011-01") == Word("2010-11-28..2011-01", 9, "released")
    # Text with a colon that is not a field: the colon is punctuation.
    assert parse("SCENESETTER: visit") == And((Word("SCENESETTER:", 0), Word("visit", 13)))


@pytest.mark.parametrize(
    ("query", "position", "words"),
    [
        ("iran AND (", 10, "ends where a word"),
        ("iran)", 4, "closes nothing"),
        ("(iran", 0, "never closed"),
        ("((iran)", 0, "never closed"),
        ("OR iran", 0, "needs a word, phrase or field before it"),
        ("iran OR", 5, "must be followed by"),
        ("iran AND AND iraq", 5, "must be followed by"),
        ("iran NOT", 5, "must be followed by"),
        ('"unclosed phrase', 0, "quote is never closed"),
        ('iran "', 5, "quote is never closed"),
        ("()", 0, "empty parentheses"),
        ('""', 0, "empty phrase"),
        ("foo:bar", 0, "unknown field 'foo:'"),
        ('foo:"bar"', 0, "unknown field"),
        ("origin:", 0, "needs a value"),
        ("origin: paris", 0, "needs a value"),
        ("tag:*", 4, "not supported"),
        ("nu*ar", 0, "can only end a word"),
        ("---", 1, "must be followed by"),
    ],
)
def test_malformed_queries_say_where(query: str, position: int, words: str) -> None:
    with pytest.raises(BadQuery) as info:
        parse(query)
    e = info.value
    assert e.position == position, (query, str(e))
    assert words in str(e)
    assert str(e).startswith(f"bad search query at character {position + 1}")
    assert "\n" not in str(e)  # one line
    line, caret = e.pointer().split("\n")
    assert caret.index("^") == position
    assert e.to_dict()["position"] == position


def test_nesting_and_length_are_bounded() -> None:
    with pytest.raises(BadQuery, match="nested more than"):
        parse("(" * 100 + "x" + ")" * 100)
    with pytest.raises(BadQuery, match="nested more than"):
        parse("-" * 200 + "x")
    with pytest.raises(BadQuery, match="too long"):
        parse("word " * 2000)


def test_fuzzed_queries_never_escape_as_anything_but_badquery() -> None:
    import random

    rng = random.Random(7)
    alphabet = ['"', "(", ")", "-", "*", ":", " ", "AND", "OR", "NOT", "a", "iran", "tag:", "origin:", "~2", "..", "!"]
    for _ in range(3000):
        q = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        try:
            parse(q)
        except BadQuery as e:
            assert e.position is not None and 0 <= e.position <= len(q)


def test_levels_and_markings_normalise() -> None:
    assert level_tokens("SECRET//NOFORN") == ["secret", "noforn"]
    assert level_tokens("UNCLASSIFIED//FOR OFFICIAL USE ONLY") == ["unclassified", "fouo"]
    assert level_tokens("CONFIDENTIAL") == ["confidential"]
    assert level_tokens(None) == []
    for m in ("S//NF", "S-NF", "s/noforn", "S / NF"):
        assert canonical_marking(m) == "S/NF"
    assert marking_tokens("S//NF") == ["s/nf", "s", "nf"]
    assert marking_tokens("C") == ["c"]
    assert marking_tokens(None) == []


def test_dates_are_periods_of_minutes() -> None:
    assert date_bounds("2009") == (200901010000, 200912312359)
    assert date_bounds("2009-03") == (200903010000, 200903312359)
    assert date_bounds("2009-03-17") == (200903170000, 200903172359)
    assert date_bounds("2009-03-17T10:30") == (200903171030, 200903171030)
    assert date_bounds("2009-13") is None and date_bounds("2009-02-32") is None and date_bounds("soon") is None
    assert date_number("2009-11-12 09:09") == 200911120909
    assert period_range("2008..2009-06", date_bounds) == (200801010000, 200906312359)  # day 31: every month
    assert period_range("..2008", date_bounds) == (None, 200812312359)
    assert period_range(">=2011-08", date_bounds) == (201108010000, None)
    assert period_range("<2011", date_bounds) == (None, 201101010000 - 1)
    assert period_range("..", date_bounds) is None
