"""missing_acceptance_criteria: criteria in any form, judged on whether they can be checked."""

from __future__ import annotations

import pytest

from assistant.checks.acceptance import AcceptanceCheck, is_testable
from tests.review.conftest import run_check

WITH_CRITERIA = {
    "done when checklist": """
        # Receipt emails
        Done when:
        - [ ] Every paid order sends a receipt within 2 minutes (integration test).
        - [ ] The receipt shows the VAT line for EU addresses.
        """,
    "gherkin": """
        # Password reset

        ```gherkin
        Scenario: Expired link
          Given a reset link older than 24 hours
          When the user opens it
          Then they see "This link has expired"
          And a new link can be requested
        ```
        """,
    "test plan": """
        # Rate limits

        ## Test plan
        - Load test: 500 requests per second for 10 minutes returns 429 above the limit.
        - Unit tests for the token bucket, including the refill edge case.
        """,
    "graduation criteria": """
        # Streaming export

        ## Graduation criteria
        Beta to GA when the error rate stays below 0.1% for 14 days and p95 delivery lag is
        under 60 seconds.
        """,
    "prose done sentence": """
        # Search v2

        ## Rollout
        The first milestone is done when the new index serves 100% of queries and the old
        cluster is deleted.
        """,
    "criteria table": """
        # Card payments

        ## Acceptance criteria
        | Scenario | Expected result |
        |---|---|
        | Expired card | Payment is declined with "card expired" |
        | Valid card | Order is confirmed within 5 seconds |
        """,
    "definition of done heading": """
        # Audit trail

        ## Definition of done
        1. Every admin action writes an audit event with actor, target and timestamp.
        2. Events are visible on the audit page to org owners only; others get a 403.
        """,
}

WITHOUT_CRITERIA = {
    "none at all": """
        # Saved filters

        ## Proposal
        Users can save a set of filters and reuse them.
        """,
    "adjectives only": """
        # Mobile redesign

        ## Acceptance criteria
        - The app feels fast and intuitive.
        - Users are happy with the new navigation.
        - Everything works well on small screens.
        """,
    "TBD": """
        # Invoices in PDF

        ## Acceptance criteria
        TBD
        """,
    "test it thoroughly": """
        # Offline mode

        ## Testing
        QA will test it thoroughly and make sure it works well before launch.
        """,
    "readiness is a feeling": """
        # New search

        ## Launch readiness
        We launch once the team is confident the search is stable.
        """,
    "user stories only": """
        # Team invites

        ## Stories
        - As an admin, I want to invite a teammate by email, so that they can join.
        - As a teammate, I want to accept an invite, so that I can see the projects.
        """,
}


@pytest.mark.parametrize("draft", WITH_CRITERIA.values(), ids=WITH_CRITERIA.keys())
def test_checkable_criteria_are_accepted(draft: str) -> None:
    assert run_check(AcceptanceCheck(), draft) == []


@pytest.mark.parametrize("draft", WITHOUT_CRITERIA.values(), ids=WITHOUT_CRITERIA.keys())
def test_missing_or_untestable_criteria_are_raised(draft: str) -> None:
    findings = run_check(AcceptanceCheck(), draft)
    assert [f.code for f in findings] == ["missing_acceptance_criteria"]
    assert "- [ ]" in findings[0].suggestion


@pytest.mark.parametrize(
    ("criterion", "testable"),
    [
        ("p95 page load is under 2 s for the 20 largest accounts", True),
        ("A user without access gets a 403 from the API", True),
        ('The error reads "card declined"', True),
        ("Docs updated", True),
        ("The page should be fast", False),
        ("Customers love it", False),
        ("We go GA on 2025-03-01 if the team feels it is stable", False),
        ("The migration goes smoothly with minimal impact", False),
    ],
)
def test_testability_of_single_criteria(criterion: str, testable: bool) -> None:
    assert is_testable(criterion) is testable


def test_untestable_criteria_are_quoted_and_anchored() -> None:
    findings = run_check(AcceptanceCheck(), WITHOUT_CRITERIA["adjectives only"])
    assert findings[0].span is not None
    assert "feels fast" in findings[0].message


def test_bold_given_when_then_without_scenario_lines_counts_as_criteria() -> None:
    draft = """
        # Parcel locker returns

        ## Background

        Recipients can drop returns at a parcel locker.

        ## Behaviour

        **Given** a recipient has a return label with a locker code
        **When** they scan the code at a locker
        **Then** a compartment opens and the return shows as "dropped off" within 2 minutes.

        - *Given* the locker is full
        - *When* the recipient scans the code
        - *Then* the screen lists the three nearest lockers with free space.
        """
    assert run_check(AcceptanceCheck(), draft) == []


def test_a_lone_given_line_is_not_a_scenario() -> None:
    draft = """
        # Locker returns

        Given the volume last year, we should add lockers.
        Then we can decide on pricing.
        """
    assert [f.code for f in run_check(AcceptanceCheck(), draft)] == ["missing_acceptance_criteria"]


def test_a_designs_test_plan_is_its_criteria_but_a_specs_vague_criteria_are_not() -> None:
    draft = """
        # Per-tenant rate limits in the gateway

        Author: Rosa Lind

        ## Design

        Each tenant gets a token bucket keyed by its API key, refilled from its plan's limit.

        ## Test plan

        * Requests over a tenant's limit are refused correctly
        * Limits are read again when a tenant changes plan
        * Existing global limits keep working alongside tenant limits
        """
    assert run_check(AcceptanceCheck(), draft, doc_type="design") == []
    # The same lines as a spec's criteria say "correctly" where a result should be.
    as_spec = run_check(AcceptanceCheck(), draft, doc_type="spec")
    assert [f.code for f in as_spec] == ["missing_acceptance_criteria"]
    # One line is not a plan.
    thin = draft.split("        * Limits are read")[0]
    assert [f.code for f in run_check(AcceptanceCheck(), thin, doc_type="design")] == [
        "missing_acceptance_criteria"
    ]
