"""Offline language detection for articles (py3langid, restricted to the languages news about
the cables is written in, which makes it faster and steadier on short text).

Speed: py3langid walks its byte automaton in a Python loop (~0.25 µs a byte). The automaton
is an Aho–Corasick one whose deepest state is ``D`` bytes deep (6 for the shipped model), so
the state after byte ``i`` depends on bytes ``i-D+1 … i`` alone: :class:`_FastWalk` computes
every position's state at once with ``D`` vectorised steps (numpy), then scores exactly as
py3langid does (same features in the same order, same float32 arithmetic). It checks itself against
py3langid when loaded and stands aside on any difference or on a model layout it does not know.
"""

from __future__ import annotations

import re
import threading

_LETTERS = re.compile(r"[^\W\d_]")
_DEL_ASCII_LETTERS = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _letters(s: str) -> int:
    """How many letters ``s`` holds (``[^\\W\\d_]``; in ASCII those are A-Z and a-z: counted ~30x faster)."""
    if s.isascii():
        return len(s) - len(s.translate(_DEL_ASCII_LETTERS))
    return len(_LETTERS.findall(s))

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
_fast = None

_SELF_TEST = (
    "The ambassador met the foreign minister to discuss the border agreement and trade.",
    "O embaixador encontrou-se com o ministro das Relações Exteriores para discutir o acordo.",
    "El embajador se reunió con el ministro de Relaciones Exteriores para hablar del acuerdo.",
    "L'ambassadeur a rencontré le ministre des Affaires étrangères pour discuter de l'accord.",
    "Der Botschafter traf den Außenminister, um das Grenzabkommen zu besprechen.",
    "Посол встретился с министром иностранных дел, чтобы обсудить пограничное соглашение.",
    "السفير التقى وزير الخارجية لمناقشة اتفاق الحدود والتجارة بين البلدين",
    "大使会见了外交部长，讨论了边境协议和贸易问题。",
    "EMBASSY CABLE REPORTS MINISTER TALKS",
    "x",
)


class _FastWalk:
    """py3langid's classify with the automaton walk vectorised (see the module doc)."""

    def __init__(self, ident):
        import numpy as np

        self.np = np
        self.ident = ident
        nm = ident.tk_nextmove
        row = ident.tk_row
        self.nm = np.frombuffer(nm, dtype=nm.typecode)  # a view: the 40 MB table is not copied
        row_np = np.frombuffer(row, dtype=row.typecode)
        self.rowbase = row_np.astype(np.int64) << 8
        self.out = np.asarray(ident.tk_output, dtype=np.int64)
        if len(self.out) != len(row_np) or len(self.nm) % 256:
            raise ValueError("unknown model layout")
        self.depth = self._depth(self.nm.reshape(-1, 256), row_np)
        self.floor = float(np.finfo(np.float32).min)  # py3langid's RAW_FLOOR
        self.table = np.ascontiguousarray(ident.nb_ptc, dtype=np.float32)  # 20 MB for the 48 languages

    def _depth(self, table, row) -> int:
        """Deepest state of the automaton: breadth-first from the start state."""
        np = self.np
        seen = np.zeros(len(row), bool)
        seen[0] = True
        front = np.array([0])
        depth = 0
        while len(front):
            mark = np.zeros(len(row), bool)
            mark[table[np.unique(row[front])].ravel()] = True
            mark &= ~seen
            front = np.flatnonzero(mark)
            seen |= mark
            depth += bool(len(front))
        return depth

    def classify(self, text: str) -> str | None:
        np = self.np
        ident = self.ident
        data = ident._encode(text)
        b = np.frombuffer(data, np.uint8)
        m = len(b)
        st = np.zeros(m, np.int64)
        nm, rowbase = self.nm, self.rowbase
        for k in range(min(self.depth, m) - 1, -1, -1):
            st[k:] = nm[rowbase[st[k:]] + b[: m - k]]
        feats = self.out[st]
        feats = feats[feats >= 0]
        if not len(feats):
            return ident.classify(data)[0]
        # py3langid's scoring (log1p(count) · feature row, features in order of first appearance,
        # float32), on a float32 copy of its float16 table: the same numbers, a faster gather
        uniq, first, counts = np.unique(feats, return_index=True, return_counts=True)
        order = np.argsort(first)
        scores = np.log1p(counts[order].astype(np.float32)) @ self.table[uniq[order]] + ident.nb_pc
        return self._label(scores)

    def _label(self, scores) -> str:
        ident = self.ident
        for i, j in ident._alias_pairs:
            scores[i] = max(scores[i], scores[j])
            scores[j] = self.floor
        return ident.nb_classes[int(scores.argmax())]

    def classify_many(self, texts: list[str]) -> list[str]:
        """``classify`` of each text, with one walk over all of them (less numpy overhead).

        The samples are walked as one byte string joined by NUL: NUL takes every state of the
        automaton back to the start and emits no feature, so each sample is walked as if alone.
        """
        np = self.np
        ident = self.ident
        if len(texts) < 2:
            return [self.classify(t) for t in texts]
        datas = [ident._encode(t) for t in texts]
        b = np.frombuffer(b"\0".join(datas), np.uint8)
        m = len(b)
        st = np.zeros(m, np.int64)
        nm, rowbase = self.nm, self.rowbase
        for k in range(min(self.depth, m) - 1, -1, -1):
            st[k:] = nm[rowbase[st[k:]] + b[: m - k]]
        lens = np.fromiter((len(d) + 1 for d in datas), dtype=np.int64, count=len(datas))
        seg = np.repeat(np.arange(len(datas), dtype=np.int64), lens)[:m]
        feats = self.out[st]
        keep = feats >= 0
        feats, seg = feats[keep], seg[keep]
        nf = len(self.out) + 1
        uniq, first, counts = np.unique(seg * nf + feats, return_index=True, return_counts=True)
        useg = uniq // nf
        order = np.lexsort((first, useg))  # by sample, then by first appearance (as classify does)
        useg, ufeat, counts = useg[order], (uniq % nf)[order], counts[order]
        bounds = np.searchsorted(useg, np.arange(len(datas) + 1))
        logc = np.log1p(counts.astype(np.float32))
        out = []
        for i, d in enumerate(datas):
            a, z = bounds[i], bounds[i + 1]
            if a == z:
                out.append(ident.classify(d)[0])
                continue
            out.append(self._label(logc[a:z] @ self.table[ufeat[a:z]] + ident.nb_pc))
        return out


def _load():
    global _ident, _fast
    try:
        import py3langid.langid as L

        ident = L.LanguageIdentifier.from_model_file(L.MODEL_FILE)
        ident.set_languages(list(LANGUAGES))
    except Exception:  # not installed or model unreadable: no detection
        _ident = False
        return
    fast = None
    try:
        if not getattr(ident, "_norm_probs", True) and getattr(ident, "min_confidence", 1) is None:
            fast = _FastWalk(ident)
            if any(fast.classify(t) != ident.classify(t)[0] for t in _SELF_TEST):
                fast = None
    except Exception:  # another py3langid layout: its own (slower) walk
        fast = None
    _fast = fast
    _ident = ident


def _identifier():
    if _ident is None:
        with _lock:
            if _ident is None:
                _load()
    return _ident


def preload() -> None:
    """Load the model now (it takes ~0.6 s) rather than on the first article."""
    _identifier()


def detect_languages(texts: list[str | None], *, sample_chars: int = SAMPLE_CHARS) -> list[str | None]:
    """``detect_language`` of each text (the same answers, computed together: faster)."""
    out: list[str | None] = [None] * len(texts)
    todo: list[int] = []
    samples: list[str] = []
    for i, text in enumerate(texts):
        if not text:
            continue
        sample = text[:sample_chars]
        if _letters(sample[:400]) < MIN_CHARS:
            continue
        todo.append(i)
        samples.append(sample)
    if not todo:
        return out
    ident = _identifier()
    if not ident:
        return out
    try:
        labels = _fast.classify_many(samples) if _fast is not None else [ident.classify(x)[0] for x in samples]
    except Exception:  # one at a time: a sample that fails is the only one without a language
        return [detect_language(t, sample_chars=sample_chars) for t in texts]
    for i, lab in zip(todo, labels):
        out[i] = lab
    return out


def detect_language(text: str | None, *, sample_chars: int = SAMPLE_CHARS) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when too short or undecidable."""
    if not text:
        return None
    sample = text[:sample_chars]
    if _letters(sample[:400]) < MIN_CHARS:
        return None
    ident = _identifier()
    if not ident:
        return None
    try:
        if _fast is not None:
            return _fast.classify(sample)
        return ident.classify(sample)[0]
    except Exception:
        return None
