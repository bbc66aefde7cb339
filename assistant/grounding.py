"""What the model may say about a spec, and the checks its claims must pass (pure).

Never trust a model's quotes, lines or sources: every quote is looked up in the spec (after
whitespace normalisation) and the lines are computed from where it is found; record ids must
be among the records the model was shown. Lines that address the reviewer or the model
("ignore previous instructions", "note to the AI reviewer") are not accepted as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from assistant.anchors import find_quote, fingerprint, normalise, section_at
from assistant.checks.registry import CODES
from assistant.markdown import ParsedSpec
from assistant.models import Finding, Kind, RelatedRecord, Span

ModelCode = Literal[
    "missing_why",
    "missing_acceptance_criteria",
    "unresolved_ownership",
    "missing_success_metric",
    "unbounded_scope",
    "open_questions",
    "conflicts_with_decision",
    "repeats_past_lesson",
    "other",
]

# What each code means, for the prompt: the registry's meanings, plus the model's own "other".
CODE_MEANINGS: dict[str, str] = {info.code: info.meaning for info in CODES} | {
    "other": "another concrete problem a careful reviewer would raise",
}

# Bounds keep small models from rambling until the token limit (llama.cpp enforces them).
Short = Annotated[str, Field(max_length=60)]
Text = Annotated[str, Field(max_length=200)]
Quote = Annotated[str, Field(max_length=160)]
RecordId = Annotated[str, Field(max_length=40)]


class Verdict(BaseModel):
    """The model's verdict on one offline finding."""

    ref: Annotated[str, Field(max_length=8)]
    action: Literal["confirm", "dismiss", "sharpen"]
    reason: Text
    quote: Quote
    message: Text
    suggestion: Text


class ModelFinding(BaseModel):
    """A finding the model adds."""

    code: ModelCode
    severity: Literal["low", "medium", "high"]
    title: Short
    quote: Quote
    message: Text
    suggestion: Text
    record_ids: Annotated[list[RecordId], Field(max_length=3)]


class ReviewReply(BaseModel):
    """The whole structured reply to a review prompt."""

    verdicts: Annotated[list[Verdict], Field(max_length=12)]
    findings: Annotated[list[ModelFinding], Field(max_length=6)]


@lru_cache(maxsize=64)
def reply_model(shown: int, max_new: int) -> type[ReviewReply]:
    """ReviewReply narrowed to one call: refs F1..Fn only, at most n verdicts and max_new
    findings, so the schema itself stops a model inventing refs or padding lists."""
    refs = tuple(f"F{i}" for i in range(1, shown + 1)) or ("F0",)
    verdict = create_model(
        "Verdict",
        __base__=Verdict,
        ref=(Literal.__getitem__(refs), ...),  # type: ignore[arg-type]
    )
    return create_model(
        "ReviewReply",
        __base__=ReviewReply,
        verdicts=(Annotated[list[verdict], Field(max_length=shown)], ...),
        findings=(Annotated[list[ModelFinding], Field(max_length=max_new)], ...),
    )


@dataclass(frozen=True)
class RecordInfo:
    """A history record the model was shown."""

    id: str
    kind: str
    status: str | None
    title: str
    path: str = ""
    text: str = ""


_INJECTION = re.compile(
    r"ignore (?:all |any |the )*(?:previous|prior|above|earlier|preceding|other) "
    r"(?:instructions|prompts?|rules|findings)"
    r"|disregard (?:all |any |the )*(?:previous|prior|above|instructions|rules)"
    r"|\b(?:system prompt|new instructions|jailbreak)\b"
    r"|\b(?:note|message|instructions?|attention)\s*(?:to|for)\s*(?:the |any )?"
    r"(?:ai|llm|language model|model|assistant|bot|automated|reviewers?)\b"
    r"|\b(?:as an? |you are an? )(?:ai|llm|language model|assistant)\b"
    r"|\b(?:report|return|output) (?:no|zero|an empty list of) (?:issues|findings|problems)"
    r"|\b(?:do not|don't|never) (?:flag|report|raise|mention) (?:any|this|these|the)",
    re.IGNORECASE,
)
_LINE_PREFIX = re.compile(r"^\s*\d+\s*\|\s?", re.MULTILINE)


def injection_lines(spec: ParsedSpec) -> set[int]:
    """1-based lines whose text addresses the reviewer or a model rather than the team."""
    return {n for n, line in enumerate(spec.lines, start=1) if _INJECTION.search(line)}


def clean_quote(quote: str) -> str:
    """Remove the `  12| ` prefixes we add to spec lines, and wrapping quote marks."""
    text = _LINE_PREFIX.sub("", quote).strip()
    return text.strip("\"'`“”‘’").removesuffix("...").removesuffix("…").strip()


@dataclass
class Grounder:
    """Checks a model's claims against one spec and the records it was shown."""

    spec: ParsedSpec
    records: dict[str, RecordInfo]
    min_quote_chars: int = 8
    suspicious: set[int] = field(default_factory=set)

    def quote(self, quote: str) -> Span | None:
        """The span of a verbatim quote: long enough, in the spec, not on a suspicious line."""
        text = clean_quote(quote)
        if len(normalise(text)) < self.min_quote_chars:
            return None
        span = find_quote(self.spec, text)
        if span is None:
            return None
        if any(n in self.suspicious for n in range(span.start_line, span.end_line + 1)):
            return None
        return span

    def related(self, item: ModelFinding) -> list[RelatedRecord] | None:
        """The cited records, or None when a citation is unknown or does not fit the code."""
        ids = list(dict.fromkeys(r.strip() for r in item.record_ids if r.strip()))
        if any(i not in self.records for i in ids):
            return None
        records = [self.records[i] for i in ids]
        if item.code == "conflicts_with_decision":
            records = [r for r in records if r.kind == "decision" and r.status == "accepted"]
            if not records:
                return None
        if item.code == "repeats_past_lesson":
            records = [r for r in records if r.kind == "retro"]
            if not records:
                return None
        return [
            RelatedRecord(id=r.id, title=r.title, status=r.status, path=r.path, kind=_kind(r.kind))
            for r in records
        ]

    def finding(self, item: ModelFinding, *, confidence: float) -> Finding | None:
        """A Finding anchored where the quote really is, or None if it does not ground."""
        span = self.quote(item.quote)
        if span is None:
            return None
        related = self.related(item)
        if related is None:
            return None
        message, suggestion = item.message.strip(), item.suggestion.strip()
        if not message:
            return None
        section = section_at(self.spec, span.start_line)
        label = section.path_label if section else ""
        return Finding(
            code=item.code,
            severity=item.severity,
            title=item.title.strip() or item.code.replace("_", " "),
            message=message,
            suggestion=suggestion,
            span=span,
            section=label,
            related=related,
            fingerprint=fingerprint(item.code, label, span.quote),
            source="llm",
            confidence=confidence,
        )


def _kind(kind: str) -> Kind | None:
    return {"spec": "spec", "decision": "decision", "retro": "retro"}.get(kind)  # type: ignore[return-value]
