"""Suppression: inline markers (per file and per block) and [review] configuration."""

from __future__ import annotations

from pathlib import Path

from assistant.config import ReviewConfig
from assistant.review import Reviewer

WEAK = (Path(__file__).resolve().parent.parent / "fixtures" / "review" / "weak.md").read_text()


def codes(text: str, config: ReviewConfig | None = None) -> set[str]:
    return {f.code for f in Reviewer(config=config).review_text(text).findings}


def test_a_file_level_marker_ignores_a_code_everywhere() -> None:
    assert "open_questions" in codes(WEAK)
    marked = "<!-- specreview: ignore open_questions -->\n" + WEAK
    review = Reviewer().review_text(marked)
    assert "open_questions" not in {f.code for f in review.findings}
    assert any(s.startswith("open_questions") for s in review.suppressed)


def test_ignore_file_works_anywhere_and_takes_several_codes() -> None:
    marked = WEAK + "\n<!-- specreview: ignore-file unbounded_scope, open_questions -->\n"
    assert not {"unbounded_scope", "open_questions"} & codes(marked)


def test_a_marker_above_a_section_only_covers_that_section() -> None:
    marked = WEAK.replace(
        "## Motivation", "<!-- specreview: ignore missing_why -->\n## Motivation", 1
    )
    assert "missing_why" not in codes(marked)
    moved = WEAK.replace("## Done when", "<!-- specreview: ignore missing_why -->\n## Done when", 1)
    assert "missing_why" in codes(moved)


def test_config_disables_checks_and_overrides_severity() -> None:
    config = ReviewConfig(
        disabled_checks=["open_questions"],
        severities={"missing_why": "low"},
    )
    review = Reviewer(config=config).review_text(WEAK)
    found = {f.code: f.severity for f in review.findings}
    assert "open_questions" not in found
    assert found["missing_why"] == "low"


def test_enabled_checks_limits_the_review() -> None:
    config = ReviewConfig(enabled_checks=["unresolved_ownership"])
    assert codes(WEAK, config) == {"unresolved_ownership"}


def test_a_threshold_drops_low_confidence_findings() -> None:
    config = ReviewConfig(thresholds={"unbounded_scope": 0.99})
    assert "unbounded_scope" in codes(WEAK)
    assert "unbounded_scope" not in codes(WEAK, config)
