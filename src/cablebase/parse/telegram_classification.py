"""A telegram's classification line (the banner): read, found, and its caveats normalised.

``classification_line`` reads one line, damaged as real copies are (letter-spaced, lower-cased,
doubled or lost first letters, caveats and SIPDIS run on): ``C O N F I D E N T I A L SECTION 01
OF 04 ANKARA 000348`` → classification, post, serial, caveat text. ``find_classification_line``
finds the cable's own among the first lines (splitting one run onto a header line or into other
text); ``classification_with_caveats`` writes it as WikiLeaks did (``SECRET//NOFORN``).
"""

from __future__ import annotations

import re

from .telegram_body import PARA_RE

# Classification words after spaces are removed and upper-cased (damage tolerated:
# doubled first letter, a lost first letter, a stray letter before).
_CLS_SQ = re.compile(
    r"^(?:[A-Z]?)(?P<cls>U?UNCLAS(?:SIFIED)?|C?CONFIDENTIAL|ONFIDENTIAL|S?SECRET|ECRET|TOPSECRET|LIMITEDOFFICIALUSE(?:ONLY)?)"
    r"(?P<rest>.*)$"
)
_CLS_NAMES = {
    "UNCLAS": "UNCLASSIFIED", "UUNCLAS": "UNCLASSIFIED", "UNCLASSIFIED": "UNCLASSIFIED",
    "UUNCLASSIFIED": "UNCLASSIFIED",
    "CONFIDENTIAL": "CONFIDENTIAL", "CCONFIDENTIAL": "CONFIDENTIAL", "ONFIDENTIAL": "CONFIDENTIAL",
    "SECRET": "SECRET", "SSECRET": "SECRET", "ECRET": "SECRET", "TOPSECRET": "TOP SECRET",
    "LIMITEDOFFICIALUSE": "LIMITED OFFICIAL USE", "LIMITEDOFFICIALUSEONLY": "LIMITED OFFICIAL USE",
}
_REST_SQ = re.compile(
    r"^(?P<cav>(?://?(?:NOFORN|NF|SBU|FOUO|ORCON|PROPIN|EXDIS|NODIS|LIMDIS|SENSITIVE|EFTO|REL[A-Z]*))*)"
    r"(?:EFTO|NOFORN|SENSITIVE|SBU|EXDIS|NODIS|LIMDIS)*"
    r"(?:(?:SECTION|[SECTIONK]{4,8})(?P<sec>\d+)(?:OF|0F|GF|O|F)(?P<secs>\d+))?"
    r"(?P<post>[A-Z]*?[A-Z])(?P<serial>\d{1,8})$"
)


# A classification line run onto the end of a header line (``…COLLECTIVEUNCLAS SECTION 01 OF 03 MEXICO 000983``)
_RUN_ON = re.compile(
    r"(UNCLAS|CONFIDENTIAL|SECRET|C O N F I D E N T I A L|S E C R E T)"
    r"((?: SECTION \d+ OF \d+)? [A-Z][A-Z ]{0,40}? \d{1,8})\s*$"
)
_TRAILING_CAVEATS = re.compile(r"(?:\s+(?:SIPDIS|NOFORN|EXDIS|NODIS|LIMDIS|SENSITIVE|EFTO))+\s*$")


def _squeeze(line: str) -> str:
    return line.upper().replace(" ", "").replace("\t", "")


def classification_line(line: str) -> tuple[str, str, str | None, str | None] | None:
    """Read a classification line → (classification, post, serial, caveat text) or None.

    ``C O N F I D E N T I A L SECTION 01 OF 04 ANKARA 000348`` → (``CONFIDENTIAL``, ``ANKARA``, ``000348``, '').
    """
    s = line.strip()
    if not s or len(s) > 120:
        return None
    u = s.upper()
    if "CLAS" not in u and "ECRET" not in u and "E C R E T" not in u and "ONFIDENTIAL" not in u \
            and "N F I D E N" not in u and "L A S" not in u and "E C R E" not in u and "OFFICIAL USE" not in u:
        return None
    trail = ""
    t = _TRAILING_CAVEATS.search(s)
    if t and t.start() > 0:
        s, trail = s[: t.start()], t.group(0)
    sq = _squeeze(s)
    m = _CLS_SQ.match(sq)
    if not m:
        return None
    cls = _CLS_NAMES[m.group("cls")]
    rest = m.group("rest")
    r = _REST_SQ.match(rest)
    if not r:
        if rest in ("", "//NOFORN", "NOFORN", "//SBU", "EFTO") or rest.startswith("//"):
            return cls, "", None, rest
        return None
    return cls, r.group("post"), r.group("serial"), (r.group("cav") or "") + trail


_SCAN_STOP_CS = ("E.O.", "EO 1", "TAGS", "SUBJECT", "SUBJ:", "CLASSIFIED BY", "Classified By", "REF:")
_EMBEDDED_CLS = re.compile(
    r"(?:C O N F I D E N T I A L|S E C R E T|UNCLAS(?:SIFIED)?|CONFIDENTIAL|SECRET)"
    r"(?: SECTION \d+ OF \d+)? [A-Z][A-Z ]{0,40}? \d{5,6}(?!\d)"
)


def find_classification_line(lines: list[str]) -> tuple[int, tuple | None]:
    """Index of the main classification line (with post and serial), else of the first bare one."""
    bare = None
    best = None
    for i, ln in enumerate(lines[:160]):
        s = ln.strip()
        if not s:
            continue
        if s.startswith(_SCAN_STOP_CS) or PARA_RE.match(ln) and "¶" in ln[:5]:
            break
        ci = classification_line(s)
        if ci:
            # The last classification line before the preamble is the cable's own: earlier ones
            # belong to printouts and newspapers' headers.
            if ci[1]:
                best = (i, ci)
            elif bare is None:
                bare = (i, ci)
            continue
        m = _RUN_ON.search(s)
        if m and m.start() > 0:
            head, tail = s[: m.start()], s[m.start():]
            ci = classification_line(tail)
            if ci and ci[1]:
                lines[i: i + 1] = [head, tail]
                return i + 1, ci
    if best:
        return best
    # A classification line run into other text ("…:00C O N F I D E N T I A L SECTION 01 OF 03
    # RIYADH 002441SIPDIS…"): split it out.
    for i, ln in enumerate(lines[:160]):
        m = _EMBEDDED_CLS.search(ln)
        if m:
            ci = classification_line(m.group(0))
            if ci and ci[1]:
                lines[i: i + 1] = [ln[: m.start()], m.group(0), ln[m.end():]]
                return i + 1, ci
    if bare:
        return bare
    return -1, None


def classification_with_caveats(cls: str | None, caveat_text: str) -> str | None:
    """Normalise as WikiLeaks did: ``SECRET//NOFORN``, ``UNCLASSIFIED//FOR OFFICIAL USE ONLY``."""
    if not cls:
        return None
    up = caveat_text.upper()
    if cls == "UNCLASSIFIED":
        if re.search(r"\bSENSITIVE\b|FOR OFFICIAL USE ONLY|\bFOUO\b|\bSBU\b", up):
            return "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
        return cls
    if re.search(r"NOFORN|NOT RELEASABLE TO FOREIGN", up):
        return cls + "//NOFORN"
    return cls
