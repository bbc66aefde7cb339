"""Pydantic data shared across the engine: documents, chunks, hits, findings, reviews, answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["spec", "decision", "retro"]
# What a reviewed document is (../shared/evals/LABELS.md, "Document types"); it decides which
# checks apply. Distinct from `Kind`, which is how an indexed record is used as history.
DocType = Literal["spec", "design", "decision"]
DOC_TYPES: tuple[DocType, ...] = ("spec", "design", "decision")
Severity = Literal["info", "low", "medium", "high"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3}


class Link(BaseModel):
    """A typed link between records: superseded_by, replaces, supersedes, see_also."""

    rel: str
    target: str


class Document(BaseModel):
    """One indexed record (spec, decision or retro) with its metadata and full text."""

    id: str
    kind: Kind
    title: str
    path: str
    text: str
    status: str | None = None
    date: str | None = None
    owners: list[str] = Field(default_factory=list)  # owners / deciders / authors / approvers
    links: list[Link] = Field(default_factory=list)
    extra: dict[str, str | list[str]] = Field(default_factory=dict)
    content_hash: str = ""


class DocumentRecord(BaseModel):
    """What the store keeps about a document (metadata, hash, chunk count), text optional."""

    id: str
    kind: Kind
    title: str
    path: str
    status: str | None = None
    date: str | None = None
    owners: list[str] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    extra: dict[str, str | list[str]] = Field(default_factory=dict)
    content_hash: str = ""
    n_chunks: int = 0
    text: str | None = None


class Chunk(BaseModel):
    """A token-bounded piece of a document, keeping where it came from."""

    id: str  # f"{doc_id}#{ordinal}"
    doc_id: str
    text: str
    heading_path: list[str] = Field(default_factory=list)
    start_line: int  # 1-based, inclusive
    end_line: int
    kind: Kind
    title: str
    status: str | None = None
    path: str = ""
    date: str | None = None


class Hit(BaseModel):
    """A retrieved chunk with its score (higher is better; cosine similarity for dense)."""

    chunk: Chunk
    score: float


class Span(BaseModel):
    """Where a finding is anchored: 1-based inclusive lines and the exact quoted text."""

    start_line: int
    end_line: int
    quote: str


class RelatedRecord(BaseModel):
    """A past decision or retro a finding relies on."""

    id: str
    title: str
    status: str | None = None
    path: str = ""
    kind: Kind | None = None


class Finding(BaseModel):
    """One review finding, anchored to the draft and citing history where it matters."""

    code: str
    severity: Severity
    title: str
    message: str
    suggestion: str
    span: Span | None = None  # None for an absence
    insert_after_line: int | None = None  # for an absence: where the stub belongs
    section: str = ""  # heading path of the anchor, " > "-joined
    related: list[RelatedRecord] = Field(default_factory=list)
    fingerprint: str = ""
    source: Literal["rules", "llm", "rules+llm"] = "rules"
    confidence: float = 1.0
    # The recorded finding's id (to dismiss it by), once a surface has recorded the review;
    # left out of the output until then.
    id: int | None = Field(default=None, exclude_if=lambda v: v is None)


class Coverage(BaseModel):
    """What a review read and what it skipped, and why."""

    sections_read: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    lines: int = 0
    words: int = 0


class LLMUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost_usd: float = 0.0


class LLMStatus(BaseModel):
    """Whether the model took part: off (none configured), on, or degraded (it failed)."""

    mode: Literal["off", "on", "degraded"] = "off"
    model: str | None = None
    reason: str | None = None
    usage: LLMUsage = Field(default_factory=LLMUsage)
    dropped_findings: int = 0  # model findings dropped by grounding
    dismissed: int = 0  # offline findings the model dismissed (with a grounded reason)
    added: int = 0  # grounded findings the model added
    calls: int = 0
    not_covered: list[str] = Field(default_factory=list)  # spec parts the model did not read

    @property
    def banner(self) -> str:
        if self.mode == "off":
            return "LLM off: offline review (rules, retrieval and the local embedding model)."
        if self.mode == "degraded":
            return f"LLM degraded: the model failed ({self.reason}); showing the offline review."
        return f"LLM on: {self.model}."


class HistoryStatus(BaseModel):
    """Whether the history checks (conflicts with decisions, lessons from retros) ran."""

    checked: bool = False  # they ran against the indexed records
    # Why they did not run where they apply: nothing indexed, the store unreachable. None when
    # they ran, or do not apply (turned off in [review], or not for this document type).
    skipped_reason: str | None = None


class Review(BaseModel):
    """The result of reviewing one draft."""

    path: str
    doc_type: DocType = "spec"
    # How the type was told: "front matter", "--type", "config", "detected: <why>", or
    # "default: <why>" when nothing told it (the review then says it was read as a spec).
    doc_type_source: str = "default"
    findings: list[Finding] = Field(default_factory=list)
    coverage: Coverage = Field(default_factory=Coverage)
    llm: LLMStatus = Field(default_factory=LLMStatus)
    history: HistoryStatus = Field(default_factory=HistoryStatus)
    suppressed: list[str] = Field(default_factory=list)  # fingerprints or codes suppressed
    seconds: float = 0.0

    @property
    def type_note(self) -> str:
        """One line on every surface: what the document was read as, and how that was told."""
        kind = {"spec": "a spec", "design": "a design doc", "decision": "a decision record"}
        told = self.doc_type_source
        if told.startswith("default"):
            return (
                f"Read as {kind[self.doc_type]}: nothing told its type (set `type:` in front "
                "matter, or --type)."
            )
        return f"Read as {kind[self.doc_type]} ({told})."


class Citation(BaseModel):
    """A numbered citation to a retrieved chunk."""

    n: int
    doc_id: str
    title: str
    status: str | None = None
    kind: Kind | None = None
    path: str = ""
    start_line: int = 0
    end_line: int = 0
    quote: str = ""


class Answer(BaseModel):
    """An answer to a question about past decisions, or an honest refusal."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    possibly_related: list[RelatedRecord] = Field(default_factory=list)
    ranked_doc_ids: list[str] = Field(default_factory=list)
    removed_citations: int = 0  # citations the model made to things not retrieved
    llm: LLMStatus = Field(default_factory=LLMStatus)
    seconds: float = 0.0
    confidence: float | None = None  # the asker's confidence that the records answer it
