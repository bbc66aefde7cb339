"""History checks on a small knowledge base of a fictional shop (tests/fixtures/review_history)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.checks.base import ReviewContext
from assistant.checks.history import ConflictCheck, LessonCheck, cites, is_binding
from assistant.checks.history_text import (
    decision_rules,
    draft_units,
    is_prohibition,
    negated_stems,
    retro_parts,
)
from assistant.config import ReviewConfig
from assistant.markdown import parse_spec
from assistant.models import Chunk, DocumentRecord, Hit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "review_history"
_WORD = re.compile(r"[a-z]+")


class FakeHistory:
    """Every record of the asked kinds, ranked by shared words: honest, not semantic."""

    def __init__(self, root: Path) -> None:
        self.records: dict[str, DocumentRecord] = {}
        for line in (root / "kb" / "index.jsonl").read_text().splitlines():
            meta = json.loads(line)
            text = (root / meta["path"]).read_text()
            self.records[meta["id"]] = DocumentRecord(**meta, text=text)
        self.queries: list[str] = []

    def search_many(
        self, texts: Sequence[str], *, kinds: Sequence[str] | None = None, k: int = 8
    ) -> list[list[Hit]]:
        return [self.search(text, kinds=kinds, k=k) for text in texts]

    def search(self, text: str, *, kinds: Sequence[str] | None = None, k: int = 8) -> list[Hit]:
        self.queries.append(text)
        words = set(_WORD.findall(text.lower()))
        hits = []
        for r in self.records.values():
            if kinds and r.kind not in kinds:
                continue
            body = r.text or ""
            overlap = len(words & set(_WORD.findall(body.lower())))
            chunk = Chunk(
                id=f"{r.id}#0",
                doc_id=r.id,
                text=body,
                start_line=1,
                end_line=body.count("\n") + 1,
                kind=r.kind,
                title=r.title,
                status=r.status,
                path=r.path,
                date=r.date,
            )
            hits.append(Hit(chunk=chunk, score=overlap / (len(words) or 1)))
        return sorted(hits, key=lambda h: -h.score)[:k]

    def get(self, doc_id: str) -> DocumentRecord | None:
        return self.records.get(doc_id)

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        return {i: self.records[i] for i in doc_ids if i in self.records}


def _ctx(
    name: str, *, text: str | None = None, history: FakeHistory | None = None
) -> ReviewContext:
    body = text if text is not None else (FIXTURES / "drafts" / name).read_text()
    return ReviewContext(
        spec=parse_spec(body),
        path=name,
        config=ReviewConfig(),
        history=history if history is not None else FakeHistory(FIXTURES),
    )


def test_conflict_with_an_accepted_decision_cites_the_record_and_anchors_the_passage() -> None:
    ctx = _ctx("wallet-sdk.md")
    findings = ConflictCheck().run(ctx)
    assert [f.code for f in findings] == ["conflicts_with_decision"]
    f = findings[0]
    assert [(r.id, r.status, r.kind) for r in f.related] == [("DEC-001", "accepted", "decision")]
    assert f.related[0].path == "kb/decisions/DEC-001-payments-paygate.md"
    assert f.span is not None
    assert "Swiftpay SDK" in f.span.quote
    line = ctx.spec.lines[f.span.start_line - 1]
    assert line.strip() and line.strip() in f.span.quote
    assert "DEC-001 (accepted, 2023-03-01)" in f.message
    assert "supersede" in f.suggestion
    assert f.fingerprint and f.section == "One-click checkout in the mobile app > Proposal"


def test_a_draft_that_cites_the_decision_is_not_a_conflict() -> None:
    assert ConflictCheck().run(_ctx("wallet-sdk-cited.md")) == []


def test_superseded_rejected_and_proposed_records_are_never_conflicts() -> None:
    # The draft contradicts DEC-003 (superseded) and DEC-004 (rejected), nothing accepted.
    assert ConflictCheck().run(_ctx("search-vendor.md")) == []
    # DEC-006 (proposed) says card payments are never the only option: not a constraint.
    text = "# Cards only\n\n## Proposal\n\nCard payments are the only option in the storefront.\n"
    assert ConflictCheck().run(_ctx("cards.md", text=text)) == []


def test_a_date_gap_under_a_mandated_minimum_is_a_conflict() -> None:
    findings = ConflictCheck().run(_ctx("retire-csv.md"))
    assert [r.id for f in findings for r in f.related] == ["DEC-002"]
    f = findings[0]
    assert "19 days" in f.message and "60" in f.message
    assert f.span is not None and (f.span.start_line, f.span.end_line) == (7, 8)


def test_an_explicit_quantity_under_the_minimum_is_a_conflict_and_enough_is_not() -> None:
    short = (
        "# Faster payouts\n\n## Proposal\n\n"
        "Merchant payouts are settled 2 days after the order ships, to help small merchants.\n"
    )
    long = short.replace("2 days", "10 days")
    assert [r.id for f in ConflictCheck().run(_ctx("a.md", text=short)) for r in f.related] == [
        "DEC-001"
    ]
    assert ConflictCheck().run(_ctx("b.md", text=long)) == []


def test_no_history_means_no_history_findings() -> None:
    ctx = ReviewContext(spec=parse_spec("# Draft\n\nWe embed the Swiftpay SDK.\n"), path="d.md")
    assert ConflictCheck().run(ctx) == []
    assert LessonCheck().run(ctx) == []


def test_repeating_a_retro_practice_without_its_safeguards_is_raised() -> None:
    findings = LessonCheck().run(_ctx("reco-cutover.md"))
    assert [(f.code, [r.id for r in f.related]) for f in findings] == [
        ("repeats_past_lesson", ["RET-001"])
    ]
    f = findings[0]
    assert f.related[0].kind == "retro" and f.related[0].status == "final"
    assert "shadow period" in f.message
    assert f.span is not None and "Saturday night" in f.span.quote


def test_a_draft_that_applies_the_lessons_is_not_raised() -> None:
    assert LessonCheck().run(_ctx("reco-cutover-safe.md")) == []


def test_a_draft_that_cites_the_retro_is_not_raised() -> None:
    text = (FIXTURES / "drafts" / "reco-cutover.md").read_text() + "\nSee RET-001.\n"
    assert LessonCheck().run(_ctx("x.md", text=text)) == []


def test_fingerprint_survives_unrelated_edits() -> None:
    text = (FIXTURES / "drafts" / "wallet-sdk.md").read_text()
    before = ConflictCheck().run(_ctx("w.md", text=text))
    edited = text.replace("Mobile checkout converts", "Today, mobile checkout converts")
    after = ConflictCheck().run(_ctx("w.md", text="Intro line.\n\n" + edited))
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert before[0].span is not None and after[0].span is not None
    assert after[0].span.start_line == before[0].span.start_line + 2


def test_similarity_gate_drops_unrelated_records() -> None:
    class FarEmbedder:
        name = "far"
        dimensions = 2

        def embed(self, texts: Sequence[str]) -> list[list[float]]:
            # The record's rules point one way, the draft's sections the other: cosine 0.
            return [[0.0, 1.0] if t.startswith("All card payments") else [1.0, 0.0] for t in texts]

    assert ConflictCheck(embedder=FarEmbedder()).run(_ctx("wallet-sdk.md")) == []
    assert ConflictCheck().run(_ctx("wallet-sdk.md")) != []


@pytest.mark.parametrize(
    ("text", "record_id", "title", "expected"),
    [
        ("as decided in adr-0015, we", "ADR-0015", "Use Flagpole", True),
        ("see adr 15 for flags", "ADR-0015", "Use Flagpole", True),
        ("see adr-0151", "ADR-0015", "Use Flagpole", False),
        ("we follow dl-2023-06 pricing", "DL-2023-06", "Pricing unit", True),
        (
            "use flagpole for all feature flags and experiments here",
            "X-1",
            "Use Flagpole for all feature flags and experiments",
            True,
        ),
        ("flagpole", "X-1", "Use Flagpole for all feature flags and experiments", False),
    ],
)
def test_cites(text: str, record_id: str, title: str, expected: bool) -> None:
    assert cites(text, record_id, title) is expected


def test_negated_scope_and_record_parts() -> None:
    assert {"load", "test"} <= negated_stems("No load test at launch volume.")
    assert "launch" not in negated_stems("We launched with no waitlist.")
    rules = decision_rules((FIXTURES / "kb/decisions/DEC-001-payments-paygate.md").read_text())
    assert any("never embedded" in r for r in rules)
    assert not any("reconciliation" in r for r in rules)  # context and consequences are not rules
    parts = retro_parts((FIXTURES / "kb/retros/RET-001-search-cutover.md").read_text())
    assert any("never rehearsed" in s for s in parts.went_wrong)
    assert any("shadow mode" in s for s in parts.lessons)
    assert any("big-bang cutover" in s for s in parts.situation)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("accepted", True),
        ("Accepted (documenting an existing thing)", True),
        ("Implemented", True),
        ("approved", True),
        ("Superseded by ADR-0009", False),
        ("superseded", False),
        ("rejected", False),
        ("Proposed", False),
        ("draft", False),
        (None, False),
        ("", False),
    ],
)
def test_is_binding(status: str | None, expected: bool) -> None:
    assert is_binding(status) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Builds from forks never receive secrets automatically.", True),
        ("Third-party SDKs are not added to any surface.", True),
        ("We do not meter build minutes on any paid plan.", True),
        ("No long-lived access keys are stored.", True),
        ("We expect costs to increase, not significantly.", False),
        ("If the bucket is not reachable, uploads fail.", False),
        ("As of version 2.14 this feature is not currently implemented.", False),
        ("All flags go through Flagpole.", False),
    ],
)
def test_is_prohibition(sentence: str, expected: bool) -> None:
    assert is_prohibition(sentence) is expected


def test_code_and_quotes_are_not_proposals() -> None:
    text = "# T\n\nWe ship it.\n\n```\nembed(Swiftpay SDK)\n```\n\n> quoted SDK advice\n"
    units = draft_units(parse_spec(text), sentences=False)
    assert [u.text for u in units] == ["We ship it."]


def test_adopting_an_option_the_record_turned_down_is_a_conflict() -> None:
    text = (
        "# Checkout dashboards\n\n## Proposal\n\n"
        "We ship the checkout service metrics to DataDog and build the dashboards there.\n"
    )
    findings = ConflictCheck().run(_ctx("dd.md", text=text))
    assert [r.id for f in findings for r in f.related] == ["DEC-007"]
    assert "adopts DataDog, an option DEC-007 considered and turned down" in findings[0].message


def test_naming_a_turned_down_option_among_alternatives_is_not_a_conflict() -> None:
    text = (
        "# Checkout dashboards\n\n## Proposal\n\n"
        "Checkout metrics get a Grafana dashboard on our Prometheus stack.\n\n"
        "## Alternatives considered\n\n"
        "Shipping the metrics to DataDog: faster to set up, but ruled out on cost.\n"
    )
    assert ConflictCheck().run(_ctx("ok.md", text=text)) == []
