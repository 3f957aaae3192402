"""Bytes to text (``parse.decode``): mojibake repaired, legacy encodings read, clean text left alone."""

from __future__ import annotations

import pytest

from cablebase.parse.decode import decode


def garble(s: str, times: int = 1) -> bytes:
    """UTF-8 read as cp1252 and saved again as UTF-8, ``times`` over."""
    b = s.encode("utf-8")
    for _ in range(times):
        b = b.decode("cp1252", "cablebase-cp1252").encode("utf-8")
    return b


@pytest.mark.parametrize("text", [
    "¶3. (SBU) The Ambassador’s meeting with the Ministry — “no comment”.",
    "São Paulo, Bogotá, Düsseldorf and Istanbul (İstanbul) signed.",
    "Посол встретился с министром иностранных дел.",
])
@pytest.mark.parametrize("times", [1, 2])
def test_mojibake_is_repaired_once_or_twice_garbled(text: str, times: int) -> None:
    assert decode(garble(text, times)) == text


def test_clean_text_is_left_as_it_is() -> None:
    for text in ("Irã” and ‘quoted’ words stay", "SUBJECT: CLEAN ASCII", "Â is a letter in Romanian: Â"):
        assert decode(text.encode("utf-8")) == text


def test_cp1252_with_an_undefined_byte_keeps_the_rest_cp1252() -> None:
    # 0x92 is ’ in cp1252; 0x81 is undefined there: it stands for itself, the ’ stays a ’
    assert decode(b"the Ambassador\x92s note \x81 ends") == "the Ambassador’s note \x81 ends"
