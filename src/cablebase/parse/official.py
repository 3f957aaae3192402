"""The official list of Cablegate reference IDs (all 251,287), as data handed in.

WikiLeaks published every cable under an ID, some of them malformed (``09EFTOLONDON2187``,
``7575LIBREVILLE1895``). The list — cablemap's ``cable2month.csv.gz``, ``REFID,month`` — lets
the parser's results be checked against what exists:

- a malformed official ID gets its clean alias (``09LONDON2187``), and a cable read from its
  text under the clean ID gets the official one as an alias;
- a partial extract (post and serial in its text, no date) gets its ID when exactly one
  official ID has that post and serial; the record says so (``inferred: ["ref_id"]``).

Pure: the caller reads the file (``OfficialIds.from_bytes``) and passes the object in.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable

from ..record import Cable
from . import refid

_DECL_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)\b")


class OfficialIds:
    """The official IDs, indexed by (post, serial) and by clean alias."""

    __slots__ = ("ids", "posts", "months", "_by_post_serial", "_alias_of", "_official_of")

    def __init__(self, ids: Iterable[str], months: dict[str, int] | None = None):
        self.ids: frozenset[str] = frozenset(i.strip() for i in ids if i.strip())
        self.months: dict[str, int] = months or {}
        """Month of creation of each ID, when the list gives it (cable2month's second column)."""
        by: dict[tuple[str, int], list[str]] = {}
        odd: list[str] = []
        for i in self.ids:
            m = refid.REF_ID_RE.match(i)
            if m and len(m.group(1)) == 2:
                by.setdefault((m.group(2), int(m.group(3))), []).append(i)
            else:
                odd.append(i)
        self.posts = frozenset(p for p, _ in by)
        alias_of: dict[str, str] = {}
        official_of: dict[str, str] = {}
        for i in odd + [i for i in self.ids if refid.clean_alias(i) is not None]:
            a = refid.clean_alias(i, self.posts)
            if a and a not in self.ids and a not in official_of:
                alias_of[i] = a
                official_of[a] = i
        # A malformed ID whose post is itself damaged (``09SECTION02OF03QRIPOLI583``): the text
        # of its cable says ``QRIPOLI 583`` too, so the cleaned form, unchecked, still names it.
        for i in odd:
            if i in alias_of:
                continue
            a = refid.clean_alias(i)
            if a and a not in self.ids and a not in official_of:
                official_of[a] = i
        self._alias_of = alias_of
        self._official_of = official_of
        for off, a in alias_of.items():
            sp = refid.split_ref_id(a)
            if sp:
                by.setdefault((sp[1], sp[2]), []).append(off)
        self._by_post_serial = by

    @classmethod
    def from_bytes(cls, data: bytes) -> OfficialIds:
        """From ``cable2month.csv.gz`` (or the same CSV uncompressed): first column the ID."""
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("ascii", "replace")
        ids, months = [], {}
        for line in text.splitlines():
            if line and line[0].isdigit():
                ref, _, month = line.partition(",")
                ids.append(ref)
                if month.strip().isdigit():
                    months[ref] = int(month)
        return cls(ids, months)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, ref_id: object) -> bool:
        return ref_id in self.ids

    def alias(self, official: str) -> str | None:
        """The clean alias of a malformed official ID."""
        return self._alias_of.get(official)

    def official(self, name: str) -> str | None:
        """The official ID a clean alias stands for (``09LONDON2187`` → ``09EFTOLONDON2187``)."""
        return self._official_of.get(name)

    def candidates(self, post: str, serial: int | str) -> list[str]:
        """Official IDs with this post and serial (any year)."""
        return sorted(self._by_post_serial.get((post.upper().replace(" ", ""), int(serial)), ()))

    def fitting(self, post: str, serial: int | str, decl: str | None = None) -> list[str]:
        """Official IDs with this post and serial; when several, the one the declassification
        date points to (``DECL: 02/13/2014``: by default a cable was marked for declassification
        10 years on, so the one of 2004), else the only one in the 30 years before that date."""
        fits = self.candidates(post, serial)
        if len(fits) <= 1 or not decl:
            return fits
        m = _DECL_DATE.search(decl)
        if not m:
            return fits
        year = int(m.group(3))
        years = {f: (refid.split_ref_id(f) or (0,))[0] for f in fits}
        ten = [f for f in fits if years[f] == year - 10]
        if ten:
            return ten
        before = [f for f in fits if year - 30 <= years[f] <= year]
        return before if len(before) == 1 else fits

    def apply(self, cable: Cable, post_serial: tuple[str, str] | None = None) -> None:
        """Give ``cable`` what the list knows: its aliases, and its ID when it has none and
        exactly one official ID fits the post and serial its text names (and its DECL date)."""
        if not cable.ref_id and post_serial and post_serial[0] and post_serial[1]:
            fits = self.fitting(post_serial[0], post_serial[1], cable.decl)
            if len(fits) == 1:
                cable.ref_id = fits[0]
                if "ref_id" not in cable.inferred:
                    cable.inferred.append("ref_id")
        if not cable.ref_id:
            return
        extra = []
        a = self.alias(cable.ref_id)
        if a:
            extra.append(a)
        o = self.official(cable.ref_id)
        if o:
            extra.append(o)
        for n in extra:
            if n not in cable.aliases and n != cable.ref_id:
                cable.aliases.append(n)


__all__ = ["OfficialIds"]
