"""Shapes of the JSON API, for the OpenAPI document (``/openapi.json``, shown at ``/docs``).

The handlers return orjson responses directly (no validation on the way out: fast); these
models describe what they return. Every page's ``.json`` form has the same shape as its
``/api/…`` twin. The cable record is the model's own ``Cable`` (pydantic reads dataclasses):
one model of the record, not a copy here.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from .. import Cable


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RefLink(_Open):
    """A REF line entry (``Reference``) with where it leads."""

    letter: Optional[str] = None
    raw: str
    ref_id: Optional[str] = None
    in_archive: bool
    url: Optional[str] = None


class CitingCable(_Open):
    ref_id: str
    url: str
    subject: Optional[str] = None
    created: Optional[str] = None


class CitingArticle(_Open):
    id: int
    url: str
    original_url: Optional[str] = None
    title: str
    published: Optional[str] = None
    language: Optional[str] = None
    kind: Optional[str] = Field(None, description="cites or embeds")


class SourceInfo(_Open):
    id: int
    sha256: str
    form: Optional[str] = None
    location: Optional[str] = None
    size: int
    added: str
    fullness: list[int]
    current: bool
    raw_url: str


class CableOut(_Open):
    ref_id: str = Field(description="The key the cable is stored under: its reference ID, or UNREF-… when none was read")
    url: str
    provisional: bool = Field(False, description="No reference ID was read: ref_id is a provisional key")
    names: list[str] = Field([], description="The cable's other names (clean alias, CFPF form, official ID)")
    record: Cable = Field(description='The cable record (README: "The cable record")')
    updated: Optional[str] = None
    references: list[RefLink]
    cited_by: list[CitingCable]
    articles: list[CitingArticle]
    sources: list[SourceInfo]
    links: dict[str, Optional[str]]


class DiffPart(_Open):
    op: str = Field(description="equal, delete (only on the left) or insert (only on the right)")
    text: str


class DiffBlock(_Open):
    status: str = Field(description="identical, changed, missing (only on the left), added (only on the right) or redacted")
    label: str = Field(description="The paragraph number (¶3) when the block is a numbered paragraph, else empty")
    a_block: Optional[int] = None
    b_block: Optional[int] = None
    header: bool = Field(False, description="Part of the header (routing, TAGS, SUBJECT lines), summed up apart")
    parts: list[DiffPart]


class DiffSummary(_Open):
    verdict: str = Field(description="identical, faithful (>= 98% of words identical, no block missing or added) or differs")
    text: str = Field(description='e.g. "faithful: 99.6% of words identical; 3 changes"')
    identical_pct: float
    changes: int
    words_a: int
    words_b: int
    identical_words: int
    paragraphs: dict[str, int]
    same: bool
    only_redactions: bool = Field(False, description="Every change is a redaction (names replaced by XXXXXXXXXXXX)")
    kind: str = Field("", description="The overall verdict, header included: identical, rewrapped (only wrapping, "
                      "spacing, quote or dash style, page debris), edited, grew or shrank")
    kind_text: str = Field("", description='e.g. "edited (1480 → 1460 words); paragraphs: 5 redacted; header lines: 2 changed; 9 redactions (XXXXXXXXXXXX)"')
    edits: dict[str, dict[str, int]] = Field(default_factory=dict, description="Blocks not identical, by status: "
                                             "text (paragraphs) and header (routing, E.O., TAGS, SUBJECT lines)")
    redactions: int = Field(0, description="Changes that are redactions")


class DiffOut(_Open):
    ref_id: str
    a: Optional[SourceInfo] = None
    b: Optional[SourceInfo] = None
    same: bool
    summary: DiffSummary
    paragraphs: list[DiffBlock]
    changes: list[dict[str, Any]] = Field(description="Each change: kind (changed, dropped, added, redacted), a, b, paragraph")


class HitOut(_Open):
    ref_id: str
    subject: Optional[str] = None
    created: Optional[str] = None
    origin: Optional[str] = None
    classification: Optional[str] = None
    score: float
    snippet: str
    highlights: list[list[int]] = Field(description="[start, end) character offsets of matched terms in snippet")


class FacetValue(_Open):
    value: Any
    count: int


class SearchOut(_Open):
    query: str
    filters: dict[str, Any]
    sort: str
    page: int
    per_page: int
    pages: int
    total: int
    hits: list[HitOut]
    facets: dict[str, list[FacetValue]] = Field(description="origin, year, classification, tag: counts over all matches")


class CableRowOut(_Open):
    ref_id: str
    url: str
    created: Optional[str] = None
    released: Optional[str] = None
    origin: Optional[str] = None
    classification: Optional[str] = None
    subject: Optional[str] = None


class BrowseValue(_Open):
    value: str
    count: int
    url: str


class BrowseIndexOut(_Open):
    kind: str
    label: str
    values: list[BrowseValue]
    total: int


class BrowseListOut(_Open):
    kind: str
    value: str
    total: int
    page: int
    pages: int
    per_page: int
    cables: list[CableRowOut]


class CableLinkOut(_Open):
    ref_id: str
    kind: str
    in_archive: bool
    url: str


class ArticleBrief(_Open):
    id: int
    url: str
    original_url: Optional[str] = None
    title: str
    author: Optional[str] = None
    published: Optional[str] = None
    language: Optional[str] = None
    cables: list[CableLinkOut]


class ChannelBrief(_Open):
    id: int
    name: str
    title: str
    feeds: int
    articles: int
    url: str
    feed_url: str


class ChannelsOut(_Open):
    channels: list[ChannelBrief]


class ChannelOut(_Open):
    id: int
    name: str
    title: str
    mode: str = Field(description="latest or all")
    total: int
    page: Optional[int] = Field(None, description="Page of 'all'; page 1 holds the oldest articles")
    pages: int
    articles: list[ArticleBrief]
    images: list[dict[str, Any]]


class ArticleOut(_Open):
    id: int
    url: str
    original_url: Optional[str] = None
    title: str
    author: Optional[str] = None
    published: Optional[str] = None
    language: Optional[str] = None
    content_html: str = Field(description="The article's content, sanitised (nh3 allow-list)")
    cables: list[CableLinkOut]
    images: list[dict[str, Any]]
    source: Optional[dict[str, Any]] = None


class HomeOut(_Open):
    counts: dict[str, int]
    latest_cables: list[CableRowOut]
    latest_articles: list[ArticleBrief]
    channels: list[ChannelBrief]
    entities: list[dict[str, Any]] = Field(default_factory=list, description=(
        "The people, organizations and places most documents mention, by type (empty before `cablebase enrich`)"))


class ErrorOut(BaseModel):
    error: str
    status: int
    detail: str
    suggestions: Optional[list[CableRowOut]] = None


class FeedIn(BaseModel):
    url: str = Field(description="A feed URL, or a page that announces one")
    channel: Optional[str] = Field(None, description="Channel to put it in (default: named after the feed)")


class FeedAdded(_Open):
    feed_id: int
    url: str
    title: Optional[str] = None
    channel: Optional[str] = None


class ChannelIn(BaseModel):
    name: str = Field(description="The channel's name, e.g. \"Opera Leaks » Cuba\"")
    title: Optional[str] = Field(None, description="A longer title (default: the name)")


class ChannelAdded(_Open):
    channel_id: int
    name: str


class IngestOut(_Open):
    name: str = Field(description="The upload's name as stored (a safe base name)")
    cables: int = Field(description="Cables found in it")
    new: int
    updated: int
    versions: int
    unchanged: int
    failures: list[dict[str, str]] = Field(description="What was refused, and why")


class PollIn(BaseModel):
    feed_ids: Optional[list[int]] = Field(None, description="Only these feeds (default: every due feed)")
    all: bool = Field(False, description="Every active feed, due or not")


class PollOut(_Open):
    feeds: int
    ok: int
    errors: int
    new: int
    updated: int
    links: int
    embedded: int
    failures: list[dict[str, Any]]
