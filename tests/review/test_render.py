"""Renderers: SARIF 2.1.0 structure, markdown for PR comments, terminal text, JSON, fail-on."""

from __future__ import annotations

import json

import pytest

from assistant.models import Coverage, Finding, LLMStatus, RelatedRecord, Review, Span
from assistant.render import (
    fails,
    render_json,
    render_markdown,
    render_sarif,
    render_terminal_text,
    split_suggestion,
)


def _review() -> Review:
    conflict = Finding(
        code="conflicts_with_decision",
        severity="high",
        title="Contradicts ADR-0015: Use Flagpole",
        message="ADR-0015 (accepted) says flags go through Flagpole; this adds <script>x</script>.",
        suggestion="Comply with ADR-0015, or propose to supersede it explicitly.",
        span=Span(start_line=22, end_line=25, quote="We'll run it in Statsig | `sdk`"),
        section="Experiment design",
        related=[
            RelatedRecord(
                id="ADR-0015",
                title="Use Flagpole for all feature flags",
                status="accepted",
                path="kb/decisions/ADR-0015.md",
                kind="decision",
            )
        ],
        fingerprint="abc123",
    )
    absence = Finding(
        code="missing_acceptance_criteria",
        severity="medium",
        title="No acceptance criteria",
        message="Nothing says how anyone will know the work is done.",
        suggestion="Add a section after the proposal:\n\n## Acceptance criteria\n\n- [ ] ```x```",
        span=None,
        insert_after_line=30,
        fingerprint="def456",
    )
    return Review(
        path="drafts/onboarding.md",
        findings=[absence, conflict],
        coverage=Coverage(sections_read=["Problem", "Bet"], skipped=["binary blob"], lines=31),
        llm=LLMStatus(mode="off"),
    )


def test_sarif_has_the_required_fields() -> None:
    sarif = render_sarif([_review()])
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "specreview"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert {"conflicts_with_decision", "missing_acceptance_criteria"} <= set(rule_ids)
    results = run["results"]
    assert [r["ruleId"] for r in results] == [
        "conflicts_with_decision",
        "missing_acceptance_criteria",
    ]
    first, second = results
    assert first["level"] == "error" and second["level"] == "warning"
    assert rule_ids[first["ruleIndex"]] == first["ruleId"]
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "drafts/onboarding.md"
    assert loc["region"]["startLine"] == 22 and loc["region"]["endLine"] == 25
    assert first["partialFingerprints"] == {"specreviewFingerprint/v1": "abc123"}
    assert "Flagpole" in first["message"]["text"]
    assert first["properties"]["related"][0]["id"] == "ADR-0015"
    # An absence is placed where its stub belongs; every result has a region.
    assert second["locations"][0]["physicalLocation"]["region"]["startLine"] == 30
    json.dumps(sarif)  # serialisable


def test_sarif_of_no_findings_is_still_a_valid_log() -> None:
    sarif = render_sarif([Review(path="a.md")])
    assert sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["tool"]["driver"]["rules"]


def test_markdown_is_readable_escaped_and_fences_stubs() -> None:
    md = render_markdown(_review())
    assert md.startswith("## specreview: `drafts/onboarding.md`")
    assert "LLM off" in md
    assert "**2 findings** (1 high, 1 medium)." in md
    # High first, then medium; related record listed with status and path.
    assert md.index("Conflicts with a recorded decision") < md.index("Absent acceptance criteria")
    assert "- Related: **ADR-0015** (accepted): Use Flagpole for all feature flags" in md
    assert "`kb/decisions/ADR-0015.md`" in md
    # Draft text never becomes markup.
    assert "<script>" not in md and "\\<script\\>" in md
    # The stub is pasteable, in a fence longer than any backticks inside it.
    assert "````markdown\n## Acceptance criteria\n\n- [ ] ```x```\n````" in md
    assert "lines 22-25" in md and "(whole draft)" in md
    assert "skipped: binary blob" in md
    assert render_markdown(_review()) == md  # stable


def test_terminal_text_groups_by_severity_with_banner_and_coverage() -> None:
    text = render_terminal_text([_review()])
    assert "drafts/onboarding.md" in text
    assert "LLM off: offline review" in text
    assert text.index("HIGH") < text.index("MEDIUM")
    assert "[conflicts_with_decision] Contradicts ADR-0015" in text
    assert "Related: ADR-0015, accepted: Use Flagpole" in text
    assert "> We'll run it in Statsig" in text
    assert "Read 2 sections (31 lines" in text


def test_json_is_the_review_model() -> None:
    one = json.loads(render_json([_review()]))
    assert one["path"] == "drafts/onboarding.md" and len(one["findings"]) == 2
    many = json.loads(render_json([_review(), Review(path="b.md")]))
    assert [r["path"] for r in many] == ["drafts/onboarding.md", "b.md"]
    assert Review.model_validate(one).findings[1].related[0].id == "ADR-0015"


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("info", True), ("low", True), ("medium", True), ("high", True)],
)
def test_fails_at_or_above(fail_on: str, expected: bool) -> None:
    assert fails([_review()], fail_on) is expected


def test_fails_only_at_or_above_the_threshold() -> None:
    review = _review()
    review.findings = [f for f in review.findings if f.severity == "medium"]
    assert fails([review], "medium") and not fails([review], "high")
    assert not fails([Review(path="x.md")], "info")


def test_split_suggestion() -> None:
    assert split_suggestion("Add one:\n\n## Why\n\nTBD") == ("Add one:", "## Why\n\nTBD")
    assert split_suggestion("Name an owner.") == ("Name an owner.", "")
