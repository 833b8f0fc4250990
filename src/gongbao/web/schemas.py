"""JSON shapes of the HTTP API, for the OpenAPI document (``/openapi.json``).

They mirror the ``to_dict()`` forms of :mod:`gongbao.store.base` (the same JSON as
``gongbao search --json``). The handlers return those dicts directly, so these models document the
responses; the schemathesis run in ``tests/web`` checks that the live responses conform.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    # New store fields may appear before this file learns of them.
    model_config = ConfigDict(extra="allow")


class ErrorResponse(BaseModel):
    detail: Any = Field(description="Why the request was refused (a message, or a list of field errors).")


class HitModel(_Open):
    id: int
    title: str
    doc_number: str | None
    city: str | None
    year: int | None
    signed_date: str | None
    section: str | None
    doc_type: str | None
    issuer: str | list[str] | None
    issue_id: int
    issue: int | None = Field(description="The gazette issue number (期).")
    gazette: str | None = Field(description="The gazette's name.")
    snippet: str = Field(description="Plain text (not escaped).")
    highlights: list[list[int]] = Field(description="[start, end) offsets of matches in snippet.")
    title_highlights: list[list[int]]
    score: float


class FacetValueModel(BaseModel):
    value: str | int
    count: int


class SearchResponse(_Open):
    query: str
    total: int = Field(description="Exact number of matching documents.")
    hits: list[HitModel]
    facets: dict[str, list[FacetValueModel]] = Field(
        description="city, year, section, doc_type, issuer -> values with exact counts over all matches."
    )
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    filters: dict[str, Any]
    took_ms: float


class DocRefModel(_Open):
    id: int
    title: str
    doc_number: str | None
    city: str | None
    year: int | None
    signed_date: str | None
    issue_id: int
    issue: int | None = None
    section: str | None = None
    doc_type: str | None = None
    issuer: str | list[str] | None = None


class CitationModel(_Open):
    doc_number: str | None
    title: str | None
    raw: str
    line: int | None
    kind: str
    target_id: int | None = Field(description="The cited document when it is in the archive.")
    target_title: str | None = None


class CitedByModel(DocRefModel):
    raw: str
    line: int | None


class DocumentResponse(_Open):
    id: int
    issue_id: int
    seq: int
    title: str
    doc_number: str | None
    issuer: str | list[str] | None
    doc_type: str | None
    section: str | None
    recipients: str | None
    signed_date: str | None
    public_notice: str | None
    toc_page: int | None
    start_line: int
    end_line: int
    city: str | None
    gazette: dict[str, Any]
    body: list[dict[str, Any]] = Field(description='Paragraphs: {"text", "start_line", "end_line"}.')
    outline: list[dict[str, Any]] = Field(description="Heading tree (dicts with children).")
    tables: list[dict[str, Any]] = Field(description='{"header", "rows", "start_line", "end_line", "title"}.')
    personnel: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    citations: list[CitationModel]
    cited_by: list[CitedByModel]
    fields: dict[str, Any] = Field(description="Every field the parser produced for this document.")
    source_name: str


class IssueSummaryModel(_Open):
    id: int
    name: str | None
    city: str | None
    year: int | None
    issue: int | None
    total_issue: int | None
    published: str | None
    document_count: int
    source_name: str
    content_hash: str
    ingested_at: str


class IssueResponse(IssueSummaryModel):
    gazette: dict[str, Any] = Field(description="The masthead (刊头).")
    toc: list[dict[str, Any]] = Field(description="The 目录; entries carry document_id when stored.")
    documents: list[DocRefModel]
    warnings: list[dict[str, Any]]
    line_count: int
    parser_version: str


class SourceLinesResponse(BaseModel):
    document_id: int
    issue_id: int
    start_line: int
    end_line: int
    lines: list[str] = Field(description="The OCR text lines start_line..end_line of the issue's source.")


class UploadResponse(BaseModel):
    status: str = Field(description='"added", "unchanged" or "replaced".')
    issue_id: int
    documents: int
    warnings: int
    source_name: str
    url: str = Field(description="The issue's page.")


class DeleteResponse(BaseModel):
    deleted: int = Field(description="The id of the deleted issue.")
    documents: int = Field(description="How many documents went with it (their citations and index entries too).")


class StatsResponse(_Open):
    issues: int
    documents: int
    citations: int
    resolved_citations: int
    schema_version: int
    backend: str
    stale_issues: int = Field(description="issues that another parser version made (gongbao reparse)")


# -- cross-document links and near-duplicates (gongbao.web.obligations) ----------------------
class LinkRefModel(_Open):
    """A stored document, briefly."""

    id: int
    title: str
    doc_number: str | None
    city: str | None
    signed_date: str | None


class ImplementedModel(_Open):
    """A document the given one cites (implements): stored or known only from the citing text."""

    doc_number: str = Field(description="Normalized 文号.")
    level: str = Field(description="国家 / 省 / 市及以下 (from the 文号 prefix).")
    title: str | None = Field(description="The stored document's title, else the title the citing text gives.")
    raw: str = Field(description="The 文号 as printed in the citing text.")
    line: int | None = Field(description="Source line of the citation.")
    stored: list[LinkRefModel] = Field(description="Stored documents with this 文号 (empty: not archived).")


class ImplementingDocModel(LinkRefModel):
    raw: str
    line: int | None


class CityDocsModel(BaseModel):
    city: str
    documents: list[ImplementingDocModel]


class SimilarDocModel(BaseModel):
    other: LinkRefModel
    jaccard: float = Field(description="Jaccard similarity of character 4-shingles (MinHash estimate or exact).")
    method: str = Field(description="minhash (estimate) or exact (pairs citing the same 文号).")
    shared_citations: list[str] = Field(description="文号 both documents cite.")


class DocumentLinksResponse(BaseModel):
    id: int
    doc_number: str | None
    level: str
    implements: list[ImplementedModel] = Field(description="Upper-level (cited) documents.")
    implemented_by: list[CityDocsModel] = Field(description="Stored documents citing this one, by city.")
    implemented_by_count: int
    similar: list[SimilarDocModel] = Field(description="The most similar documents of other cities.")


class DocumentSimilarResponse(BaseModel):
    id: int
    total: int
    similar: list[SimilarDocModel]


class SimilarPairModel(BaseModel):
    a: LinkRefModel
    b: LinkRefModel
    jaccard: float
    method: str
    shared_citations: list[str]
    compare_url: str = Field(description="The side-by-side comparison page.")


class SimilarResponse(BaseModel):
    threshold: float
    city: str | None
    total: int
    pairs: list[SimilarPairModel]
