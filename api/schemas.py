"""Request and response models of the HTTP API (the engine's own models are reused as-is)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Kind, Link

ReviewFormat = Literal["json", "markdown", "sarif"]


class ReviewRequest(BaseModel):
    """A draft to review, as JSON."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The draft, markdown or plain text.", min_length=1)
    path: str = Field(
        default="draft.md",
        max_length=500,
        description="A name for the draft, used in the review and SARIF output; with `repo`, "
        "its path from the repository's root.",
    )
    repo: str = Field(
        default="",
        max_length=200,
        description="The repository the draft belongs to, as owner/name (optional): the review "
        "is then of the same document the GitHub bot and the CLI review there, so findings "
        "dismissed on any of them are not raised.",
    )


class AskRequest(BaseModel):
    """A question about past decisions."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question, in plain words.")
    k: int = Field(default=5, ge=1, le=20, description="How many passages to retrieve.")


class DocumentSummary(BaseModel):
    """An indexed document without its text."""

    id: str
    kind: Kind
    title: str
    path: str
    status: str | None = None
    date: str | None = None
    owners: list[str] = Field(default_factory=list)
    n_chunks: int = 0


class DocumentList(BaseModel):
    total: int = Field(description="Documents matching the filters, before limit/offset.")
    items: list[DocumentSummary]


class Line(BaseModel):
    n: int = Field(description="1-based line number.")
    text: str


class DocumentView(DocumentSummary):
    """An indexed document with its metadata and its text split into numbered lines."""

    links: list[Link] = Field(default_factory=list)
    extra: dict[str, str | list[str]] = Field(default_factory=dict)
    content_hash: str = ""
    lines: list[Line] = Field(default_factory=list)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Check(BaseModel):
    ok: bool
    detail: str = ""


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, Check]
