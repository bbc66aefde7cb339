"""The contract between the reviewer, its checks and later stages (such as the LLM pass)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.config import ReviewConfig
from assistant.markdown import ParsedSpec
from assistant.models import DocType, DocumentRecord, Finding, Hit, LLMStatus


class History(Protocol):
    """Retrieval over the team's indexed records (decisions, retros, specs)."""

    def search(self, text: str, *, kinds: Sequence[str] | None = None, k: int = 8) -> list[Hit]: ...

    def search_many(
        self, texts: Sequence[str], *, kinds: Sequence[str] | None = None, k: int = 8
    ) -> list[list[Hit]]:
        """`search` for each text (one round trip to the store where it allows)."""
        ...

    def get(self, doc_id: str) -> DocumentRecord | None: ...

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        """The records of these ids that exist (one round trip where the store allows)."""
        ...


@dataclass
class ReviewContext:
    """Everything a check may look at. `history` is None when nothing is indexed."""

    spec: ParsedSpec
    path: str
    config: ReviewConfig = field(default_factory=ReviewConfig)
    history: History | None = None
    doc_type: DocType = "spec"
    # Metadata kept beside the draft (a KEP's kep.yaml): owners and approvers live there.
    sidecar: dict[str, object] = field(default_factory=dict)
    # What the checks compute once and share within this review (the draft's view, the records
    # it retrieves, vectors). It lives and dies with the review, so nothing one review computes
    # outlives it or is seen by a review running on another thread.
    memo: dict[str, object] = field(default_factory=dict, repr=False, compare=False)


class Check(Protocol):
    """Finds zero or more findings of the codes it owns."""

    codes: tuple[str, ...]

    def run(self, ctx: ReviewContext) -> list[Finding]: ...


class ReviewStage(Protocol):
    """A pass over the merged findings after the checks (the LLM pass is one).

    It may confirm, drop, sharpen or add findings, and records what it did in `status`.
    """

    def apply(
        self, ctx: ReviewContext, findings: list[Finding], status: LLMStatus
    ) -> list[Finding]: ...
