"""Whole drafts from other domains, each labelled by hand on the six text codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.review import Reviewer, default_checks

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "review"
TEXT_CODES = (
    "missing_why",
    "missing_acceptance_criteria",
    "unresolved_ownership",
    "missing_success_metric",
    "unbounded_scope",
    "open_questions",
)
EXPECTED = {
    # evidence in prose with no heading, "Ready to ship when", "Not in this release"
    "payouts.md": set(),
    # an incident told in prose is a why; an owned, dated question is fine
    "admin-2fa.md": set(),
    # a prose-only draft: why as data, "Done when ..." sentence with the outcome, a TODO
    "slotting-prose.md": {"open_questions"},
    # why restates, whole-team owner, adjectives as done, "whatever ... features next"
    "shift-templates.md": {
        "missing_why",
        "missing_acceptance_criteria",
        "unresolved_ownership",
        "missing_success_metric",
        "unbounded_scope",
    },
    # "on the roadmap" and "the VP wants it" as the why; both teams own sync
    "offline-mode.md": {"missing_why", "unresolved_ownership", "missing_success_metric"},
    # two A's in a RACI row, criteria mostly adjectives, "Launch by Q3" is an output
    "loyalty-raci.md": {
        "unresolved_ownership",
        "missing_acceptance_criteria",
        "missing_success_metric",
    },
    # a circular rationale; "all services emit JSON logs" is a requirement, not scope creep
    "structured-logging.md": {"missing_why", "missing_success_metric"},
    # bold inline labels only; the open item has an owner and a date
    "downgrades-bold-labels.md": set(),
    # setext and emoji headings, uppercase labels, a cost told in hours a month
    "bulk-import-setext.md": set(),
    # numbered headings; goals and done are adjectives; an owner without a date is not enough
    # a design-team wish as the why, "later we can add ...", owners "jointly"
    "dashboard-jointly.md": set(TEXT_CODES) - {"open_questions"},
    # "prices display correctly" cannot be checked; owner "?"
    "multi-currency-terse.md": {
        "missing_why",
        "missing_acceptance_criteria",
        "unresolved_ownership",
        "missing_success_metric",
    },
    # owner is a team slug; an incident with numbers is the why; "QA plan" criteria
    "read-replicas-team-slug.md": {"unresolved_ownership", "missing_success_metric"},
    # background without a problem; an approver "not asked yet"
    "referral-credit.md": {"missing_why", "unresolved_ownership", "missing_success_metric"},
    "search-suggestions-numbered.md": {
        "missing_why",
        "missing_acceptance_criteria",
        "missing_success_metric",
        "open_questions",
    },
}


@pytest.mark.parametrize("name", EXPECTED)
def test_hand_labelled_drafts(name: str) -> None:
    checks = [c for c in default_checks() if set(c.codes) <= set(TEXT_CODES)]
    review = Reviewer(checks=checks).review_file(FIXTURES / name)
    assert {f.code for f in review.findings} == EXPECTED[name]
