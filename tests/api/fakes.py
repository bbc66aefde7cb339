"""Honest fakes of the review and ask engines, so API tests check the API and not the engines."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.ask import AskEvent
from assistant.models import (
    Answer,
    Citation,
    Coverage,
    DocumentRecord,
    Finding,
    LLMStatus,
    RelatedRecord,
    Review,
    Span,
)


class FakeReviewer:
    """Flags every line containing `TBD` (with the line number computed from the text), and an
    absent `## Acceptance criteria` section as an absence after the last line. Records calls."""

    def __init__(self, *, fail_with: Exception | None = None, llm_mode: str = "off") -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail_with = fail_with
        self.llm_mode = llm_mode

    def review_text(self, text: str, *, path: str = "draft.md", doc_type=None) -> Review:
        self.calls.append((text, path))
        if self.fail_with is not None:
            raise self.fail_with
        lines = text.split("\n")
        findings = [
            Finding(
                code="unresolved_ownership",
                severity="high",
                title="Owner is TBD",
                message=f"Line {n} leaves a decision without an owner.",
                suggestion="Name the DRI.",
                span=Span(start_line=n, end_line=n, quote=line.strip()),
                related=[RelatedRecord(id="adr-0001", title="Owners sign off", kind="decision")],
            )
            for n, line in enumerate(lines, start=1)
            if "TBD" in line
        ]
        if "## Acceptance criteria" not in text:
            findings.append(
                Finding(
                    code="missing_acceptance_criteria",
                    severity="medium",
                    title="No acceptance criteria",
                    message="Nothing says what done looks like.",
                    suggestion="Add Given/When/Then criteria.",
                    insert_after_line=len(lines),
                )
            )
        mode = "degraded" if self.llm_mode == "degraded" else "off"
        return Review(
            path=path,
            doc_type=doc_type or "spec",
            doc_type_source="--type" if doc_type else "default: the fake reads no type",
            findings=findings,
            coverage=Coverage(lines=len(lines), words=len(text.split())),
            llm=LLMStatus(mode=mode, reason="timeout" if mode == "degraded" else None),  # type: ignore[arg-type]
            seconds=0.01,
        )


CITATION = Citation(
    n=1,
    doc_id="adr-0001",
    title="Use Postgres",
    status="accepted",
    kind="decision",
    path="adr/0001.md",
    start_line=3,
    end_line=5,
    quote="We chose Postgres.",
)


class FakeAsker:
    """Answers anything mentioning 'postgres' with one citation; refuses everything else."""

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.questions: list[str] = []
        self.fail_with = fail_with

    def ask(self, question: str, *, k: int = 5) -> Answer:
        answer: Answer | None = None
        for event in self.stream(question, k=k):
            if event.type == "done":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(self, question: str, *, k: int = 5) -> Iterator[AskEvent]:
        self.questions.append(question)
        if "postgres" not in question.lower():
            yield AskEvent(type="sources")
            text = "No record found that answers this question."
            yield AskEvent(type="delta", text=text)
            yield AskEvent(type="done", answer=Answer(question=question, text=text, refused=True))
            return
        yield AskEvent(type="sources", sources=[CITATION])
        yield AskEvent(type="delta", text="We chose Postgres ")
        if self.fail_with is not None:
            raise self.fail_with
        yield AskEvent(type="delta", text="for transactions [1].")
        answer = Answer(
            question=question,
            text="We chose Postgres for transactions [1].",
            citations=[CITATION],
        )
        yield AskEvent(type="done", answer=answer)


def record(
    doc_id: str,
    *,
    kind: str = "decision",
    status: str | None = "accepted",
    title: str = "",
    text: str = "line one\nline two\nline three",
) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        kind=kind,  # type: ignore[arg-type]
        title=title or doc_id.replace("-", " ").title(),
        path=f"kb/{doc_id}.md",
        status=status,
        text=text,
    )
