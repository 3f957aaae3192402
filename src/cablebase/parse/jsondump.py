"""Cables in JSON, as exports and APIs hand them out → cable records.

Shapes: an array of objects; one object; an object wrapping the list (``{"cables": [...]}``,
``{"data": [...]}``, ``{"results": [...]}``, ``{"data": {"cables": [...]}}``, Solr's ``{"response":
{"docs": [...]}}``, Elasticsearch's ``{"hits": {"hits": [{"_id": …, "_source": {...}}]}}``, JSON:API's
``{"data": [{"id": …, "attributes": {...}}]}``, an object of records keyed by ID; the list is looked
for up to ``MAX_WRAP_DEPTH`` objects down); JSON Lines (one object a line, blank lines allowed, a
bad line skipped and counted in ``Reading.bad_lines``; every line bad is an error); JSONP
(``callback({...});``, ``/**/cb([...])``).

In a record (keys matched case-insensitively: ``referenceId``, ``Reference ID``, ``reference-id``
all read as ``reference_id``): the text is the first of ``TEXT_KEYS`` holding a string (or a list of
lines), ``header`` prepended; ``REF_KEYS`` give the ref_id only when shaped like a cable ID
(``refid.REF_ID_RE``; a CFPF ID ``1974ATHENS02959`` gives ``74ATHENS2959``; the last part of a URL
is tried), so a row number (``"id": 7``) is not one; ``DATE_KEYS`` give created and ``released``
its date (ISO 8601, offsets to UTC; ``YYYY-MM-DD``; ``M/D/YYYY H:MM`` as in cables.csv; RFC 2822;
epoch seconds or milliseconds), a day without a time taking the DTG's time when it is that day;
``classification``; ``origin`` (``AMEMBASSY PARIS``, ``PARIS`` → ``Embassy Paris``), or ``source`` / ``from``
when they name a post (an export's ``"source": "WikiLeaks"`` does not); ``tags`` (a list, or a
comma- or space-separated string) and ``subject`` / ``title`` are the record's; where the text
says otherwise a ``Disagreement`` keeps the text's reading (as for every field).

The metadata wins over the text (``parse_text``'s ``meta``). A record is a cable when it has text
or a reference ID and something marks it one (a reference ID, a classification or tags, from
metadata or text): a list of blog posts or users is not a list of cables. Invalid JSON →
``ParseError`` naming line and column; no cable → ``NoCableFound`` saying what was found. Hostile
input (deep nesting, huge numbers, odd types, duplicate keys) raises nothing else.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from ..errors import InputTooLarge, NoCableFound, ParseError
from ..record import Cable, Disagreement
from . import refid
from .routing import parse_dtg
from .telegram import parse_text

log = logging.getLogger(__name__)

MAX_RECORDS = 100_000
"""Most records read from one input (over it: ``InputTooLarge``, split the export). All 251,287
Cablegate cables are ~1.7 GB of JSON, far over the input size limit; 100,000 is a minutes-long parse
with every record in memory at once."""
MAX_WRAP_DEPTH = 3  # how many objects down the list of records is looked for ({"data": {"cables": […]}}: 2)

TEXT_KEYS = ("body", "text", "content", "full_text", "cable", "raw")
REF_KEYS = ("id", "_id", "reference_id", "ref_id", "ref", "refid", "canonical_id")
DATE_KEYS = ("date", "date_time", "datetime", "created", "created_at")
ORIGIN_KEYS = ("origin", "source", "from")
SUBJECT_KEYS = ("subject", "title")
_LIST_KEYS = ("cables", "data", "results", "items", "records", "docs", "documents", "rows", "entries", "hits")

_HEAD_RE = re.compile(r"^(?:/\*.*?\*/\s*)?[A-Za-z_$][\w$]*(?:\.[\w$]+)*\s*\(\s*[\[{]", re.S)
_JSONP_RE = re.compile(r"\s*(?:/\*.*?\*/\s*)?([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\s*\(", re.S)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?$", re.I)
_US_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::\d{2})?)?$")
_ORIGIN_LIKE = re.compile(r"^(?:Embassy|Consulate|Secretary of State|US |USUN|USEU|UNVIE|Mission|American Institute|"
                          r"REO |Iran RPO|UN |CINCPAC)", re.I)
_PORTION = re.compile(r"^\(\s*[A-Z/]{1,10}\s*\)\s*")


@dataclass
class Reading:
    """What ``read`` found: the cables, and the account of everything else."""
    cables: list[Cable] = field(default_factory=list)
    records: int = 0  # objects taken as records (the items of the list found, or the one object)
    non_objects: int = 0  # items of that list that were not objects: not records
    no_text_field: int = 0  # records with none of TEXT_KEYS
    not_cables: int = 0  # records with text or an ID that nothing marks a cable, or unreadable text
    bad_lines: list[str] = field(default_factory=list)  # JSON Lines: "line N, column C: reason"
    first_keys: list[str] = field(default_factory=list)  # the first record's keys, for the message


def looks_like(text: str) -> bool:
    """JSON or JSONP? On the first few KB; a telegram, page, CSV row or article is not claimed."""
    head = text[:4096].lstrip("\ufeff \t\r\n")
    if head[:1] in ("{", "["):
        return head[1:].lstrip()[:1] in (('"', "}", "") if head[0] == "{" else ("{", "[", "]", '"', ""))
    return bool(_HEAD_RE.match(head))


def parse(text: str) -> list[Cable]:
    r = read(text)
    if r.bad_lines:
        log.warning("JSON Lines: %d bad line(s) skipped (%s)", len(r.bad_lines), "; ".join(r.bad_lines[:3]))
    if not r.cables:
        raise NoCableFound(_nothing_usable(r))
    return r.cables


def read(text: str) -> Reading:
    """Read every record of ``text``. Raises ``ParseError`` only for input that is not JSON."""
    start = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    end = len(text.rstrip())
    if start >= end:
        raise ParseError("empty JSON input")
    if text[start] not in "{[":
        m = _JSONP_RE.match(text, start)
        tail = text[:end].rstrip(";").rstrip()
        if not m or not tail.endswith(")"):
            raise ParseError(f"not JSON: starts with {text[start:start + 20]!r}")
        start, end = m.end(), len(tail) - 1
    reading = Reading()
    doc = _loads(text, start, end)
    items = _find_records(_lines(text, start, end, reading) if doc is _LINES else doc, reading)
    if len(items) > MAX_RECORDS:
        raise InputTooLarge(f"{len(items)} JSON records, more than {MAX_RECORDS} in one input: split it")
    reading.records = len(items)
    if items:
        reading.first_keys = [str(k) for k in list(items[0])[:12]]
    reading.cables = [c for c in (_record_cable(rec, reading) for rec in items) if c is not None]
    return reading


_LINES = object()


def _int(s: str) -> int | float:
    # Python refuses ints of more than 4,300 digits (ValueError): such a number is no ID or date.
    return int(s) if len(s) <= 40 else float(s)


def _decode(s: str):
    return json.loads(s, parse_int=_int)


def _loads(text: str, start: int, end: int):
    """The JSON value in ``text[start:end]``, or ``_LINES`` when it reads as JSON Lines."""
    s = text[start:end]
    try:
        return _decode(s)
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply") from None
    except json.JSONDecodeError as e:
        if s[:1] == "{" and _jsonl_like(s, e):
            return _LINES
        pos = start + e.pos
        line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        raise ParseError(f"invalid JSON at line {line}, column {col}: {e.msg}") from None
    except ValueError as e:  # anything else the decoder refuses
        raise ParseError(f"invalid JSON: {e}") from None


def _jsonl_like(s: str, e: json.JSONDecodeError) -> bool:
    """More than one value, one a line: the whole failed after a first complete value, or one of
    the first lines parses alone as an object."""
    if e.msg == "Extra data":
        before = s[:e.pos]
        return "\n" in before[len(before.rstrip()):]  # the next value starts on a line of its own
    if "\n" not in s:
        return False
    for ln in [ln.strip() for ln in s.split("\n", 30)[:30] if ln.strip()][:5]:
        if ln[0] == "{" and ln[-1] == "}":
            try:
                if isinstance(_decode(ln), dict):
                    return True
            except (ValueError, RecursionError):
                pass
    return False


def _lines(text: str, start: int, end: int, reading: Reading) -> list:
    docs = []
    first_line = text.count("\n", 0, start) + 1
    for i, ln in enumerate(text[start:end].split("\n")):
        ln = ln.strip()
        if not ln:
            continue
        try:
            docs.append(_decode(ln))
        except json.JSONDecodeError as e:
            reading.bad_lines.append(f"line {first_line + i}, column {e.colno}: {e.msg}")
        except (RecursionError, ValueError) as e:
            reading.bad_lines.append(f"line {first_line + i}: {'nested too deeply' if isinstance(e, RecursionError) else e}")
        if len(docs) > MAX_RECORDS:
            raise InputTooLarge(f"more than {MAX_RECORDS} JSON Lines records in one input: split it")
    if not docs:
        raise ParseError(f"invalid JSON Lines: all {len(reading.bad_lines)} lines bad (first: {reading.bad_lines[0]})")
    return docs


# --- Finding the records -----------------------------------------------------------------------

def _norm_key(k: str) -> str:
    """``referenceId`` → ``reference_id``; ``Reference ID`` → ``reference_id``; ``TAGS`` → ``tags``."""
    return _CAMEL.sub("_", k.strip()).lower().replace("-", "_").replace(" ", "_")


def _fields(rec: dict) -> dict:
    """The record under normalised keys (the first of keys that normalise alike wins)."""
    out: dict = {}
    for k, v in rec.items():
        out.setdefault(_norm_key(k), v)
    return out


def _own_record(d: dict) -> bool:
    """Text or an ID of its own (``{"cable": {...}}`` wraps a record, it is not one)."""
    f = _fields(d)
    return any(k in f and not isinstance(f[k], dict) for k in TEXT_KEYS) or _ref_id(f) is not None


def _is_record(d: dict) -> bool:
    return isinstance(d.get("_source"), dict) or _own_record(d) or (
        isinstance(d.get("attributes"), dict) and _own_record(d["attributes"]))


def _unwrap(d: dict, key: str | None = None) -> dict:
    """An Elasticsearch hit → its ``_source``, a JSON:API resource → its ``attributes`` (with the
    wrapper's ID); a record found under a key gets the key as ``_id`` when it has none."""
    src = d.get("_source")
    if not isinstance(src, dict):
        src = d.get("attributes")
        if not isinstance(src, dict) or not _own_record(src) or any(k in _fields(d) for k in TEXT_KEYS):
            src = None
    rec = dict(src) if src is not None else d
    for k in ("_id", "id"):
        if src is not None and k in d and k not in rec:
            rec[k] = d[k]
    if key is not None and "_id" not in rec:
        rec = {**rec, "_id": key}
    return rec


def _find_records(doc, reading: Reading) -> list[dict]:
    """The record objects in ``doc`` (breadth first, up to ``MAX_WRAP_DEPTH`` objects down)."""
    if isinstance(doc, list):
        items = [d for d in doc if isinstance(d, dict)]
        reading.non_objects = len(doc) - len(items)
        return [_unwrap(d) for d in items]
    if not isinstance(doc, dict):
        return []
    if _is_record(doc):
        return [_unwrap(doc)]
    fallback = None
    level = [doc]
    for _ in range(MAX_WRAP_DEPTH):
        nxt = []
        for node in level:
            lists = [(k, v) for k, v in node.items() if isinstance(v, list) and any(isinstance(x, dict) for x in v[:50])]
            lists.sort(key=lambda kv: _norm_key(kv[0]) not in _LIST_KEYS)
            for _k, v in lists:
                if any(_is_record(x) for x in v[:50] if isinstance(x, dict)):
                    return _find_records(v, reading)
                fallback = fallback or v
            children = [(k, v) for k, v in node.items() if isinstance(v, dict)]
            found = [_unwrap(v, k) for k, v in children if _is_record(v)]
            if found:
                return found
            nxt.extend(v for _k, v in children)
        level = nxt[:200]
    return _find_records(fallback, reading) if fallback is not None else [doc]


# --- One record -------------------------------------------------------------------------------

def _scalar(v):
    """A one-item list (Elasticsearch ``fields``, some APIs) is its item."""
    return v[0] if isinstance(v, list) and len(v) == 1 else v


def _text(f: dict) -> tuple[bool, str]:
    has = False
    body = ""
    for k in TEXT_KEYS:
        if k not in f:
            continue
        has = True
        v = f[k]
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            v = "\n".join(v)
        if isinstance(v, str) and v.strip():
            body = v
            break
    if not body:
        return has, ""
    head = _scalar(f.get("header"))
    if isinstance(head, str) and head.strip():
        body = head.rstrip("\n") + "\n" + body
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    return has, body


def _as_ref_id(v) -> str | None:
    v = _scalar(v)
    if not isinstance(v, str) or not v.strip() or len(v) > 300:
        return None
    s = v.strip()
    if "/" in s:  # a URL or path: .../cable/2007/02/07MEXICO983.html
        s = s.rstrip("/").rsplit("/", 1)[-1]
        s = re.sub(r"\.(?:html?|txt|json|pdf)$", "", s, flags=re.I)
    if len(s) > 40:
        return None
    short = refid.short_form(s)
    m = refid.REF_ID_RE.match(s.upper())
    return short or (s.upper() if m and len(m.group(1)) in (2, 4) else None)


def _ref_id(f: dict) -> str | None:
    return next((r for r in (_as_ref_id(f[k]) for k in REF_KEYS if k in f) if r), None)


def _ok(dt: datetime) -> str | None:
    return dt.strftime("%Y-%m-%d %H:%M") if 1900 <= dt.year <= 2099 else None


def _epoch(x: float) -> str | None:
    if not math.isfinite(x):
        return None
    if abs(x) > 1e11:  # milliseconds
        x /= 1000
    try:
        return _ok(datetime.fromtimestamp(x, tz=timezone.utc))
    except (OverflowError, OSError, ValueError):
        return None


def norm_date(v) -> tuple[str | None, bool]:
    """A date as exports write it → (``YYYY-MM-DD HH:MM`` or None, whether it had no time)."""
    v = _scalar(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _epoch(float(v)), False
    s = v.strip() if isinstance(v, str) else ""
    if not s or len(s) > 60:
        return None, False
    try:
        if s.isdigit() and len(s) <= 13:
            return _epoch(float(s)), False
        m = _ISO_RE.match(s)
        if m:
            y, mo, d, h, mi = (int(x) if x else 0 for x in m.groups()[:5])
            dt = datetime(y, mo, d, h, mi)
            tz = (m.group(7) or "").upper()
            if tz[:1] in ("+", "-"):
                hm = tz[1:].replace(":", "")
                dt -= (1 if tz[0] == "+" else -1) * timedelta(hours=int(hm[:2]), minutes=int(hm[2:]))
            return _ok(dt), m.group(4) is None
        m = _US_RE.match(s)
        if m:
            mo, d, y, h, mi = (int(x or 0) for x in m.groups())
            return _ok(datetime(y, mo, d, h, mi)), m.group(4) is None
        dt = parsedate_to_datetime(s)
        if dt.tzinfo is not None:
            dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
        return _ok(dt), False
    except (ValueError, TypeError, IndexError, OverflowError):
        return None, False


def _string(v, limit: int = 2000) -> str | None:
    v = _scalar(v)
    if not isinstance(v, str):
        return None
    s = " ".join(v.split())
    return s if s and len(s) <= limit else None


def _origin(f: dict) -> str | None:
    for k in ORIGIN_KEYS:
        s = _string(f.get(k), 120)
        if not s:
            continue
        fm = refid.origin_from_fm(s)
        if fm:
            return fm
        if _ORIGIN_LIKE.match(s):
            return s
        if k == "origin" and "://" not in s:  # a post as in a reference ID ("NEW DELHI") or any name
            return refid.origin_for_post(s.replace(" ", "")) if re.fullmatch(r"[A-Z][A-Z ]+", s) else s
    return None


def _tags(v) -> list[str]:
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], str) and "," in v[0]:
        v = v[0]  # ["PREL, PGOV"]
    if isinstance(v, str):
        parts = v.split(",") if "," in v else v.split()
    elif isinstance(v, list):
        parts = []
        for x in v:
            if isinstance(x, dict):
                x = next((x[k] for k in ("name", "tag", "code", "label") if isinstance(x.get(k), str)), None)
            if isinstance(x, str):
                parts.append(x)
    else:
        return []
    out = (" ".join(p.split()).upper() for p in parts[:500])
    return list(dict.fromkeys(p for p in out if p and len(p) <= 80))


def _tag_set(tags: list[str]) -> set[str]:
    """Tags compared the way the telegram parser reads them (words of 2–12 letters and digits)."""
    words = (w.strip(".;:") for w in re.split(r"[,\s]+", " ".join(tags).upper()))
    return {w for w in words if re.match(r"^[A-Z][A-Z0-9]{1,11}$", w)}


def _subject_key(s: str) -> str:
    s = " ".join(s.split()).upper()
    s = re.sub(r"^SUBJ(?:ECT)?\s*:\s*", "", s)
    return _PORTION.sub("", s).rstrip(" .")


def _same_subject(a: str, b: str) -> bool:
    short, long_ = sorted((_subject_key(a), _subject_key(b)), key=len)
    return short == long_ or len(short) >= 12 and long_.startswith(short)  # one copy cut short


def _record_cable(rec: dict, reading: Reading) -> Cable | None:
    f = _fields(rec)
    has_text, text = _text(f)
    if not has_text:
        reading.no_text_field += 1
    ref = _ref_id(f)
    if not text and not ref:
        if has_text:
            reading.not_cables += 1
        return None
    created, date_only = next((d for d in (norm_date(f[k]) for k in DATE_KEYS if k in f) if d[0]), (None, False))
    cls = _string(f.get("classification"), 120)
    meta = {"ref_id": ref, "created": created, "released": norm_date(f.get("released"))[0],
            "classification": cls and cls.upper(), "origin": _origin(f)}
    meta = {k: v for k, v in meta.items() if v}
    tags = _tags(f.get("tags"))
    subject = next((s for s in (_string(f.get(k)) for k in SUBJECT_KEYS) if s), None)
    try:
        c = parse_text(text, meta)
    except (ValueError, IndexError, KeyError, TypeError, AttributeError, RecursionError) as e:
        log.warning("JSON record %s: text not readable: %s: %s", ref or "?", type(e).__name__, e)
        reading.not_cables += 1
        return None
    if date_only and c.dtg and c.created == created:
        d = parse_dtg(c.dtg)
        if d and d[1] and d[1][:10] == created[:10]:
            c.created = d[1]  # the day from the metadata, the time from the DTG
    # The metadata's value is kept, as for every field; where the text says otherwise, that is shown.
    if tags:
        if c.tags and _tag_set(tags) != _tag_set(c.tags):
            c.disagreements.append(Disagreement("tags", ", ".join(tags), ", ".join(c.tags)))
            c.tags = tags
        elif not c.tags:
            c.tags = tags
    if subject:
        if c.subject and not _same_subject(subject, c.subject):
            c.disagreements.append(Disagreement("subject", subject, c.subject))
            c.subject = subject
        elif not c.subject:
            c.subject = subject
    if not (c.ref_id or c.classification or c.tags):
        reading.not_cables += 1
        return None
    return c


def _nothing_usable(r: Reading) -> str:
    looked = ", ".join(TEXT_KEYS)
    found = f"{r.records} record{'s' if r.records != 1 else ''}"
    if r.non_objects:
        found += f" and {r.non_objects} non-object item{'s' if r.non_objects != 1 else ''}"
    if r.bad_lines:
        found += f" ({len(r.bad_lines)} bad line{'s' if len(r.bad_lines) != 1 else ''} skipped)"
    if not r.records:
        return f"no cable in the JSON: {found}"
    if r.no_text_field == r.records:
        msg = f"no cable in the JSON: {found}, none with a text field (looked for {looked})"
    else:
        msg = (f"no cable in the JSON: {found}, {r.no_text_field} without a text field (looked for {looked}), "
               f"{r.not_cables} with text or an ID but nothing marking a cable (reference ID, classification, tags)")
    if r.first_keys:
        msg += f"; first record's keys: {', '.join(r.first_keys)}"
    return msg
