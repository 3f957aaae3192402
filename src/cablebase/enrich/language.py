"""Offline language detection for articles (py3langid, restricted to the languages news about
the cables is written in, which makes it faster and steadier on short text)."""

from __future__ import annotations

import re
import threading

_LETTERS = re.compile(r"[^\W\d_]")

LANGUAGES = (
    "en", "pt", "es", "fr", "de", "it", "nl", "sv", "no", "da", "fi", "is", "ru", "uk", "pl", "cs", "sk",
    "ar", "fa", "tr", "zh", "ja", "ko", "he", "el", "hu", "ro", "id", "ms", "ca", "hi", "ur", "sr", "hr",
    "bg", "sl", "lt", "lv", "et", "sq", "mk", "ka", "hy", "az", "th", "vi", "tl", "sw",
)
MIN_CHARS = 20
SAMPLE_CHARS = 600
"""Characters classified (py3langid's cost grows with the sample; 600 is plenty for an article)."""

_lock = threading.Lock()
_ident = None


def _identifier():
    global _ident
    if _ident is None:
        with _lock:
            if _ident is None:
                try:
                    import py3langid.langid as L

                    ident = L.LanguageIdentifier.from_model_file(L.MODEL_FILE)
                    ident.set_languages(list(LANGUAGES))
                except Exception:  # not installed or model unreadable: no detection
                    ident = False
                _ident = ident
    return _ident


def detect_language(text: str | None, *, sample_chars: int = SAMPLE_CHARS) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when too short or undecidable."""
    if not text:
        return None
    sample = text[:sample_chars]
    if len(_LETTERS.findall(sample, 0, 400)) < MIN_CHARS:
        return None
    ident = _identifier()
    if not ident:
        return None
    try:
        return ident.classify(sample)[0]
    except Exception:
        return None
