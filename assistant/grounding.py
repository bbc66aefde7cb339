"""What the model may say about a spec, and the checks its claims must pass (pure).

Never trust a model's quotes, lines or sources: every quote is looked up in the spec (after
whitespace normalisation) and the lines are computed from where it is found; record ids must
be among the records the model was shown. Lines that address the reviewer or the model
(`assistant.injection`) and text hidden in HTML comments are not accepted as evidence, and a
quote that dismisses a finding must be about that finding (`Grounder.proof`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from assistant.anchors import find_quote, fingerprint, normalise, section_at, span_for_lines
from assistant.checks.registry import CODES
from assistant.injection import without_comments
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


_LINE_PREFIX = re.compile(r"^\s*\d+\s*\|\s?", re.MULTILINE)
PROOF_NEAR_LINES = 3
# Words that name no subject: the verbs and hedges of finding titles, and function words.
_NOT_SUBJECT = frozenset(
    "missing unresolved unbounded open other conflicts repeats with without the and for are "
    "not nor but has have this that there does its into from than".split()
)
_SUBJECT_WORD = re.compile(r"[a-z]{3,}")


def subject_words(text: str) -> set[str]:
    """Content words of a text, lower case, a plural 's' removed: "Success metrics" and
    "missing_success_metric" share {"success", "metric"}."""
    words = _SUBJECT_WORD.findall(text.lower().replace("_", " "))
    return {w.removesuffix("s") if len(w) > 4 else w for w in words if w not in _NOT_SUBJECT}


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

    def __post_init__(self) -> None:
        # Quotes are looked up in what the team sees: HTML comments blanked, lines kept.
        visible = without_comments(self.spec.text)
        self._visible = replace(self.spec, text=visible, lines=visible.split("\n"))

    def quote(self, quote: str) -> Span | None:
        """The span of a verbatim quote: long enough, in the spec, not on a line that talks to
        the reviewer and not in text the team cannot see."""
        text = clean_quote(quote)
        if len(normalise(text)) < self.min_quote_chars:
            return None
        found = find_quote(self._visible, text)
        if found is None:
            return None
        if any(n in self.suspicious for n in range(found.start_line, found.end_line + 1)):
            return None
        if found.start_line == found.end_line:
            return found
        return span_for_lines(self.spec, found.start_line, found.end_line)

    def proof(self, quote: str, finding: Finding) -> Span | None:
        """The span of a quote that can support dismissing `finding`, or None.

        A dismissal says "the rule misread this draft: here is what it says". What it shows
        must be about the same thing, or any true sentence would dismiss any finding:
        * a finding anchored to lines is about those lines: the proof must lie in the section
          that holds its anchor, or within PROOF_NEAR_LINES of it (a criterion just below a
          heading, a note just after a table);
        * a finding of an absence (no span: "no success metric") is about a subject: the proof,
          or the heading path of the section it lies in, must name that subject in the words of
          the finding's code or title ("success", "metric"), not merely exist somewhere.
        """
        span = self.quote(quote)
        if span is None:
            return None
        if finding.span is not None:
            anchor = finding.span
            lo = anchor.start_line - PROOF_NEAR_LINES
            hi = anchor.end_line + PROOF_NEAR_LINES
            section = section_at(self.spec, anchor.start_line)
            if section is not None:
                lo, hi = min(lo, section.start_line), max(hi, section.end_line)
            return span if span.start_line <= hi and span.end_line >= lo else None
        subject = subject_words(f"{finding.code} {finding.title}")
        section = section_at(self.spec, span.start_line)
        said = subject_words(f"{clean_quote(quote)} {section.path_label if section else ''}")
        return span if subject & said else None

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
