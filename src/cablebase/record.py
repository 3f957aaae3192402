"""The cable record: what every parser produces and every later stage consumes.

Plain dataclasses (fast to build in the parser's hot loop); ``to_dict`` gives the JSON
shape printed by ``cablebase parse --json`` and served by the API. Field meanings are
documented in the README ("The cable record").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Paragraph:
    number: int | None
    """The paragraph number as written (``¶3.`` or ``3.``); None for unnumbered text."""
    marking: str | None
    """Portion mark without parentheses: ``U``, ``SBU``, ``C``, ``S``, ``S/NF`` …"""
    heading: str | None
    """The section heading the paragraph falls under (``Summary``, ``Cuba`` …)."""
    text: str


@dataclass(slots=True)
class Reference:
    letter: str | None
    """``A``, ``B`` … as in ``REF: A. STATE 12345``; None for a single reference."""
    raw: str
    """The reference as written."""
    ref_id: str | None
    """Canonical reference ID when the text allows it (``09ANKARA1561``), else None."""


@dataclass(slots=True)
class Source:
    form: str
    """``cablegate-html``, ``telegram``, ``csv``, ``article``."""
    location: str | None
    """File path or URL the bytes came from."""
    sha256: str | None
    """Hash of the raw bytes of the whole input (a file may hold many cables)."""


@dataclass(slots=True)
class Disagreement:
    field: str
    """Record field the two readings differ on (``ref_id``, ``classification``, ``created`` …)."""
    metadata: str | None
    """What the source's metadata says (kept as the record's value)."""
    text: str | None
    """What the cable's own text says."""


@dataclass(slots=True)
class Cable:
    ref_id: str | None = None
    origin: str | None = None
    created: str | None = None
    released: str | None = None
    classification: str | None = None
    precedence: str | None = None
    dtg: str | None = None
    to: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    subject: str | None = None
    references: list[Reference] = field(default_factory=list)
    classified_by: str | None = None
    decl: str | None = None
    sipdis: bool = False
    partial: bool = False
    signer: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    summary: str | None = None
    comments: list[str] = field(default_factory=list)
    body: str = ""
    header: str | None = None
    """The routing header as it stood (``VZCZC…``, DTG, FM/TO/INFO), when the source had one."""
    source: Source | None = None
    aliases: list[str] = field(default_factory=list)
    """Other names of this cable: the clean form of a malformed official ID
    (``09EFTOLONDON2187`` → ``09LONDON2187``), the CFPF form of a 1973–79 telegram
    (``74ATHENS2959`` → ``1974ATHENS02959``), the official ID of a cable read under a clean one."""
    inferred: list[str] = field(default_factory=list)
    """Fields not read from this copy but inferred (``ref_id`` of a partial extract from the
    official list of IDs, when exactly one official ID fits its post and serial)."""
    disagreements: list[Disagreement] = field(default_factory=list)
    """Where the source's metadata and the cable's text disagree (the metadata is kept)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Cable":
        d = dict(d)
        d["paragraphs"] = [Paragraph(**p) for p in d.get("paragraphs") or []]
        d["references"] = [Reference(**r) for r in d.get("references") or []]
        d["disagreements"] = [Disagreement(**x) for x in d.get("disagreements") or []]
        src = d.get("source")
        d["source"] = Source(**src) if src else None
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})

    @property
    def text(self) -> str:
        """The cable's text: its body, else its paragraphs joined by blank lines (what is
        indexed, compared between versions, and keyed for finding copies)."""
        return self.body or "\n\n".join(p.text for p in self.paragraphs)

    @property
    def year(self) -> int | None:
        if self.created:
            return int(self.created[:4])
        return None

    def fullness(self) -> tuple[int, int, int]:
        """How complete this copy is; the fullest copy of a cable is the one shown."""
        return (0 if self.partial else 1, len(self.paragraphs), len(self.body))
