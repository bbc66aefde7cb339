"""The shared text signals: what a heading announces, what is a template prompt, what counts
as evidence of a problem. Each case is a way real documents write things."""

from __future__ import annotations

import pytest

from assistant.checks.evidence import evidence_score
from assistant.checks.signals import is_placeholder, label_kinds


@pytest.mark.parametrize(
    ("heading", "kind", "announced"),
    [
        ("Data", "why", True),
        ("What the data says", "why", True),
        ("Source data", "why", False),  # where the data comes from, not evidence
        ("Data model", "why", False),
        ("Impact", "metric", True),  # a PRD's expected impact
        ("Impact on existing clients", "metric", False),  # what the change touches
        ("Scope of impact", "metric", False),
        ("Shortcomings of the current exporter", "why", True),
    ],
)
def test_what_a_heading_announces(heading: str, kind: str, announced: bool) -> None:
    assert (kind in label_kinds(heading)) is announced


def test_a_links_text_is_not_a_template_prompt() -> None:
    assert is_placeholder("[Add the problem here]")
    assert is_placeholder("TBD")
    prose = (
        "The exporter keeps growing. The idea came up while [adding CSV support]"
        "(https://example.com/issues/12) to it."
    )
    assert not is_placeholder(prose)


@pytest.mark.parametrize(
    "sentence",
    [
        "The support team received many questions about exporting invoices.",
        "The admin bundle has become bloated over the years.",
    ],
)
def test_counted_demand_and_bloat_are_evidence(sentence: str) -> None:
    assert evidence_score(sentence)[0] > 0
