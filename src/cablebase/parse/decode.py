"""Bytes to text: UTF-8 first, then the legacy encodings cables really come in."""

from __future__ import annotations

from ..errors import ParseError

# Byte sequences that UTF-8 text shows when it was decoded as cp1252/latin-1 and re-encoded.
_MOJIBAKE = ("\u00c2\u00b6", "\u00e2\u20ac", "\u00c3\u00a9", "\u00c3\u00b3", "\u00c3\u00a1", "\u00c2\u00a0")


_CONTROL = bytes(b for b in range(32) if b < 9 or 13 < b < 32)


_MOJIBAKE_UTF8 = tuple(m.encode("utf-8") for m in _MOJIBAKE)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    ctrl = len(sample) - len(sample.translate(None, _CONTROL))
    return ctrl > len(sample) // 20


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as cp1252 (``Â¶`` for ``¶``, ``â€™`` for ``’``) when that is what happened."""
    if text.isascii() or not any(m in text for m in _MOJIBAKE):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    # Mixed text: repair run by run.
    out = []
    for line in text.split("\n"):
        if any(m in line for m in _MOJIBAKE):
            try:
                line = line.encode("cp1252").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        out.append(line)
    return "\n".join(out)


def decode(data: bytes, location: str | None = None) -> str:
    """Decode raw bytes of a cable source. Raises ParseError for binary input."""
    if not data:
        raise ParseError("empty input", location)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ParseError(f"bad UTF-16: {e}", location) from None
    if _looks_binary(data):
        raise ParseError("binary data, not text (NUL or control bytes)", location)
    try:
        text = data.decode("utf-8")
        # UTF-8 that was once read as cp1252 and saved again ("Â¶", "â€™"): repair it.
        if b"\xc3" in data and any(m in data for m in _MOJIBAKE_UTF8):
            text = fix_mojibake(text)
    except UnicodeDecodeError:
        # Cables exported on Windows or old Unix: cp1252 is a superset of latin-1's printables
        # (0xB6 is ¶ in both); bytes cp1252 leaves undefined fall back to latin-1.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
