"""Extended checks: success metric, bounded scope, open questions."""

from __future__ import annotations

import pytest

from assistant.checks.metric import MetricCheck
from assistant.checks.questions import QuestionsCheck
from assistant.checks.scope import ScopeCheck
from tests.review.conftest import run_check

METRIC_PRESENT = {
    "success metrics section": """
        # Saved carts
        ## Success metrics
        - Cart recovery rate rises from 8% to 12% within two quarters.
        """,
    "success sentence in prose": """
        # Saved carts

        We'd call this a success if abandoned carts fall by a third within 90 days of launch.
        """,
    "latency target as outcome": """
        # Faster search
        ## Goals
        - p95 search latency users see is under 300 ms.
        """,
}
METRIC_MISSING = {
    "nothing measurable": """
        # Saved carts
        ## Proposal
        Keep the cart for 30 days. The cart page shows up to 50 items.
        """,
    "vague success": """
        # Saved carts
        ## Success
        Customers love it and use it a lot.
        """,
    "test plan numbers are not outcomes": """
        # Saved carts
        ## Test plan
        - A cart with 50 items loads in under 1 s.
        """,
}


@pytest.mark.parametrize("draft", METRIC_PRESENT.values(), ids=METRIC_PRESENT.keys())
def test_a_measurable_outcome_is_accepted(draft: str) -> None:
    assert run_check(MetricCheck(), draft) == []


@pytest.mark.parametrize("draft", METRIC_MISSING.values(), ids=METRIC_MISSING.keys())
def test_no_outcome_metric_is_raised(draft: str) -> None:
    findings = run_check(MetricCheck(), draft)
    assert [(f.code, f.severity) for f in findings] == [("missing_success_metric", "medium")]


def test_a_vague_success_section_is_anchored() -> None:
    findings = run_check(MetricCheck(), METRIC_MISSING["vague success"])
    assert findings[0].span is not None and "## Success" in findings[0].span.quote


OPEN_ENDED = """
    # Themes
    - Dark theme for the dashboard
    - Maybe: a high-contrast theme while we're at it
    - Eventually the marketing site and the emails too
    """


def test_open_ended_scope_without_non_goals_is_raised() -> None:
    findings = run_check(ScopeCheck(), OPEN_ENDED)
    assert [f.code for f in findings] == ["unbounded_scope"]
    assert findings[0].span is not None
    assert "Non-goals" in findings[0].suggestion


@pytest.mark.parametrize(
    "draft",
    [
        OPEN_ENDED + "\n## Out of scope\n- The marketing site.\n",
        "# Themes\n\nA dark theme for the dashboard, toggled in the user menu.\n",
        "# SSO\n\nOkta first; OneLogin later if asked.\n",
    ],
    ids=["bounded", "not open-ended", "one mild later"],
)
def test_bounded_or_closed_scope_is_not_raised(draft: str) -> None:
    assert run_check(ScopeCheck(), draft) == []


@pytest.mark.parametrize(
    "draft",
    [
        "# X\n\n## Open questions\n- Do we need an EU region?\n- What is the retention?\n",
        "# X\n\nTODO: check whether the vendor API supports webhooks.\n",
        "# X\n\n- Budget: TBD\n",
        "# X\n\nWe still need a decision on whether imports run nightly or hourly.\n",
    ],
    ids=["open questions list", "todo", "tbd field", "undecided"],
)
def test_unowned_open_questions_are_raised(draft: str) -> None:
    assert [f.code for f in run_check(QuestionsCheck(), draft)] == ["open_questions"]


@pytest.mark.parametrize(
    "draft",
    [
        "# X\n\n## Open questions\n| Question | Owner | Due |\n|---|---|---|\n"
        "| EU region? | Ana Silva | 2025-02-01 |\n",
        '# X\n\nThe parser warns: "Did you mean `timeout`?" and carries on.\n',
        "# X\n\n## Problem\nWhich version is live? Nobody can tell without asking in chat.\n",
        "# X\n\nOwner: TBD\n\n## Acceptance criteria\nTBD\n",
    ],
    ids=["owned and dated", "quoted message", "rhetorical question in problem", "core TBDs"],
)
def test_owned_quoted_or_core_items_are_not_open_questions(draft: str) -> None:
    assert run_check(QuestionsCheck(), draft) == []


@pytest.mark.parametrize(
    "draft",
    [
        "# X\n\n## Open questions\nThere are no open questions.\n",
        "# X\n\n## Open questions\n- Do we need an EU region? No: all customers are in the US.\n",
        "# X\n\n## Open questions\n- ~~Which formats first?~~ Resolved: CSV.\n",
        "# X\n\n## FAQ\nCan I export to Excel? Yes, CSV opens in Excel.\n",
    ],
    ids=["none", "answered", "struck out", "faq"],
)
def test_answered_questions_are_not_open(draft: str) -> None:
    assert run_check(QuestionsCheck(), draft) == []


@pytest.mark.parametrize("heading", ["Still open", "Open items", "Outstanding", "To decide"])
def test_open_question_headings_beyond_questions(heading: str) -> None:
    draft = f"""
        # Locker returns

        Owner: Ann Lee

        ## {heading}

        - Who signs off the locker copy: Legal or Comms?
        """
    assert [f.code for f in run_check(QuestionsCheck(), draft)] == ["open_questions"]
    # Under a heading that does not announce open items, a who-decides question is left to
    # the ownership check.
    neutral = draft.replace(f"## {heading}", "## Copy")
    assert run_check(QuestionsCheck(), neutral) == []


def test_might_also_do_list_is_open_ended_scope() -> None:
    draft = """
        # Dark theme

        - Dark theme for the web app
        - Might also do: dark emails, dark PDFs, dark mobile app
        """
    assert [f.code for f in run_check(ScopeCheck(), draft)] == ["unbounded_scope"]


@pytest.mark.parametrize(
    "catch_all",
    [
        "Everything else that comes up during the quarter.",
        "Anything else support asks for.",
        "Other fixes as they come up.",
        "Whatever else the sales team needs.",
    ],
)
def test_a_catch_all_scope_item_is_open_ended(catch_all: str) -> None:
    draft = f"# Saved carts\n\n## Scope\n\n- Persist carts for signed-in shoppers.\n- {catch_all}\n"
    assert [f.code for f in run_check(ScopeCheck(), draft)] == ["unbounded_scope"]


def test_everything_else_staying_the_same_is_not_open_ended() -> None:
    draft = "# Saved carts\n\n## Scope\n\n- Persist carts.\n- Everything else stays the same.\n"
    assert run_check(ScopeCheck(), draft) == []


def test_a_question_settled_where_it_is_asked_is_not_open() -> None:
    draft = """
        # Usage export

        ## Open questions

        ### Caching

        We could cache usage per user or per organisation. We will cache per organisation for
        now and revisit if hit rates stay low.

        ### Retention

        Exports could be kept for a week or a month; the storage team has not said yet.
        """
    findings = run_check(QuestionsCheck(), draft)
    assert [f.code for f in findings] == ["open_questions"]
    assert (
        "week or a month" in findings[0].message and "per organisation" not in findings[0].message
    )
    # Asked again after the settling sentence, the question is open.
    reopened = draft.replace("stay low.", "stay low. Or should it be per user?")
    assert "per user?" in run_check(QuestionsCheck(), reopened)[0].message


DESIGN_NAMING_AN_OUTCOME = """
    # Kiosk receipt cache

    Owner: Ana Silva

    ## Motivation
    {motivation}

    ## Design
    Receipts are kept in a ring buffer of ten on the kiosk; a reprint reads from it.
"""


@pytest.mark.parametrize(
    ("motivation", "raised"),
    [
        # The outcome is only mentioned: what the data is, not what the work sets out to change.
        ("The kiosk already records receipt usage per shift in its local log.", False),
        # Harm to the outcome makes restoring it the design's goal: asked for a target.
        ("Reprints hurt checkout latency at busy tram stops: each one calls the server.", True),
        ("The cache should reduce checkout latency at busy tram stops.", True),
    ],
)
def test_a_design_is_asked_for_a_metric_only_when_its_goal_is_an_outcome(
    motivation: str, raised: bool
) -> None:
    draft = DESIGN_NAMING_AN_OUTCOME.format(motivation=motivation)
    findings = run_check(MetricCheck(), draft, doc_type="design")
    assert (findings != []) is raised


def test_a_list_of_questions_under_any_heading_is_raised_with_confidence() -> None:
    """Two or more bulleted questions in a row are things still to answer, whatever the
    heading; a single "?" in prose may be rhetorical and stays below the default bar."""
    listed = """
        # Card-only lockers

        ## Context
        Cash jams the lockers twice a week at the harbour stop.

        ## Next steps
        - Do we refund riders who paid cash before the switch?
        - Which depot keeps the spare card readers?
        """
    (finding,) = run_check(QuestionsCheck(), listed, doc_type="decision")
    assert finding.confidence >= 0.6
    prose = """
        # Card-only lockers

        ## Context
        Cash jams the lockers twice a week at the harbour stop.

        ## Next steps
        Who would still want cash lockers in 2027? We expect few riders.
        """
    assert all(f.confidence < 0.6 for f in run_check(QuestionsCheck(), prose, doc_type="decision"))
