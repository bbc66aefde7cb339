"""missing_why: the why judged by meaning, not by headings."""

from __future__ import annotations

import pytest

from assistant.checks.why import WhyCheck
from tests.review.conftest import run_check

WITH_WHY = {
    "one sentence of cost to someone, in the opening": """
        # Locker reservations

        ## Overview
        Depot staff lose about 40 minutes a shift untangling double-booked lockers, because
        two couriers can reserve the same locker within a second of each other.

        ## Proposal
        Reserve a locker with a lease that the first courier holds for ten minutes.
        """,
    "data without a heading": """
        # Saved payment methods

        Owner: Lucía Gómez

        Returning customers re-enter their card on every order. In the March cohort 27% of
        mobile checkouts were abandoned on the payment step, and card-entry errors are the
        second most common support ticket theme (about 340 tickets a month).

        ## Proposal
        Let customers save a card and pick it at checkout.
        """,
    "customer quotes under Context": """
        # Bulk invoice export

        ## Context
        Finance teams at our larger accounts download invoices one at a time. In interviews,
        six of eight controllers told us month-end close takes them an extra day because of it.
        One wrote: "I spend my whole Monday clicking download buttons."

        ## Design
        A zip export of all invoices for a date range.
        """,
    "qualitative problem with a named source": """
        # Shift swap requests

        ## Problem
        Nurses swap shifts over WhatsApp today, so managers find out late and rosters are wrong.
        Ward managers complain about this in every quarterly feedback session, and the audit
        last year found two understaffed nights caused by swaps nobody recorded.
        """,
    "customer quote in a blockquote": """
        # Route re-planning for drivers

        > "When a road closes we phone every driver one by one. Last Tuesday it took my team
        > two hours." — dispatch lead at a regional courier, March interview

        ## Proposal
        Re-plan affected routes automatically when a closure is reported.
        """,
}

WITHOUT_WHY = {
    "motivation restates the feature": """
        # Dark theme for the admin console

        ## Motivation
        We need a dark theme. Today the admin console only has a light theme and there is no
        setting to switch it. This spec adds one.

        ## Design
        A toggle in the user menu.
        """,
    "problem is TBD": """
        # Webhook retries

        ## Problem
        TBD

        ## Proposal
        Retry failed webhooks with exponential backoff for up to 24 hours.
        """,
    "template placeholder text": """
        # Export to CSV

        ## Problem statement
        <!-- Describe the user problem. Include evidence. -->
        _Describe the problem here._

        ## Proposal
        Add an export button.
        """,
    "bracketed template text": """
        # Export to CSV

        ## Problem
        [Problem statement]

        ## Proposal
        Add an export button.
        """,
    "leadership asked": """
        # Team workspaces

        ## Background
        Leadership asked for workspaces as part of the enterprise theme this half.

        ## Proposal
        Workspaces group projects and members.
        """,
    "competitors have it": """
        # Referral codes

        ## Why
        Competitors have referral codes, so we should have them too.

        ## What
        Each account gets a code worth one free month.
        """,
    "background that only describes scale": """
        # Ledger sharding

        ## Background
        The ledger service processes about 40,000 transactions a day across 3 regions and
        stores 2 TB of entries for 1,200 merchants.

        ## Proposal
        Shard the ledger by merchant id.
        """,
    "feature list only": """
        # Calendar sync

        - Sync bookings to Google Calendar
        - Sync to Outlook later
        - Show busy times from the calendar on the booking page
        - Owner: Priya Nair
        """,
}


@pytest.mark.parametrize("draft", WITH_WHY.values(), ids=WITH_WHY.keys())
def test_a_why_given_as_evidence_is_not_raised(draft: str) -> None:
    assert run_check(WhyCheck(), draft) == []


@pytest.mark.parametrize("draft", WITHOUT_WHY.values(), ids=WITHOUT_WHY.keys())
def test_a_missing_or_empty_why_is_raised(draft: str) -> None:
    findings = run_check(WhyCheck(), draft)
    assert [f.code for f in findings] == ["missing_why"]
    assert findings[0].severity in ("high", "medium")
    assert "Problem" in findings[0].suggestion


def test_a_bad_motivation_section_is_anchored_to_it() -> None:
    findings = run_check(WhyCheck(), WITHOUT_WHY["leadership asked"])
    span = findings[0].span
    assert span is not None
    assert span.quote.startswith("## Background")
    assert "mandate" in findings[0].message


def test_an_absent_why_says_where_the_stub_belongs() -> None:
    findings = run_check(WhyCheck(), WITHOUT_WHY["feature list only"])
    assert findings[0].span is None
    assert findings[0].insert_after_line is not None


def test_a_money_cost_of_the_status_quo_is_a_why() -> None:
    draft = """
        # Move transactional email to a cheaper provider

        DRI: Jane Roe.

        ## Why

        Email delivery is our second-largest vendor bill. We spend about €240,000 a year on it,
        and the new provider quoted a third of that for the same volume.

        ## Plan

        Swap the client behind the mailer interface.
        """
    assert run_check(WhyCheck(), draft) == []


def test_states_cost_needs_a_sizeable_amount_spent() -> None:
    from assistant.checks.evidence import states_cost

    assert states_cost("We pay the vendor about $197,000 a year.")
    assert states_cost("Carriers paid £310k in detention fees last year.")
    assert not states_cost("The Team plan is $20 a month per seat.")
    assert not states_cost("We shipped 12,000 parcels a day.")


def test_a_why_under_a_heading_about_the_current_state_is_read() -> None:
    # The "Why" section only wishes for the feature; the section on how things work today says
    # what is wrong with them. "solution" in that heading is the old one, not the proposal.
    draft = """
        # Per-team retention for the log archive

        Owner: Sam Okafor

        ## Why

        We would like each team to choose how long its logs are kept.

        ## Shortcomings of the current solution

        Today one retention period applies to every team, so the payments team keeps seven
        years of debug logs it must not hold, and the search team loses the 90 days it needs to
        investigate incidents. Storage is our third-largest infrastructure cost.

        ## Proposal

        A retention setting per team, read by the archiver's nightly compaction.
        """
    assert run_check(WhyCheck(), draft) == []

    without = draft.split("## Shortcomings")[0] + "## Proposal\n\nA retention setting per team."
    assert [f.code for f in run_check(WhyCheck(), without)] == ["missing_why"]


def test_counted_demand_is_evidence_of_a_why() -> None:
    draft = """
        # Dark theme for the admin console

        Owner: Ana Silva

        ## Background

        Since the console moved to the new layout we have had dozens of requests for a dark
        theme from admins who work night shifts. The bright pages are hard to read in a dark
        control room.

        ## Proposal

        A theme switch in the user menu.
        """
    assert run_check(WhyCheck(), draft) == []
    # The same request, uncounted and alone, is a wish, not evidence.
    wish = draft.split("Since")[0] + "Admins would like a dark theme.\n\n## Proposal\n\nA switch."
    assert [f.code for f in run_check(WhyCheck(), wish)] == ["missing_why"]


def test_a_problem_told_in_the_opening_answers_a_restating_motivation() -> None:
    draft = """
        # Reminders for expiring API keys

        Owner: Dana Whitfield

        Today keys expire silently: integrations start failing at night, and whoever is on
        call for the customer finds out from their own alerts, hours later, with no hint that
        an expired key is the cause.

        ## Motivation

        As an admin, I get an e-mail before a key expires.

        ## Design

        A daily job e-mails admins 14 and 3 days before a key expires.
        """
    assert run_check(WhyCheck(), draft) == []
    bare = draft.split("Today keys")[0] + "## Motivation" + draft.split("## Motivation")[1]
    assert [f.code for f in run_check(WhyCheck(), bare)] == ["missing_why"]


def test_a_decision_context_told_before_the_options_under_no_heading_is_a_why() -> None:
    record = """
        # Do not shard the orders table yet

        Report queries on the orders table have become slow at peak, and sharding it was
        proposed. The slowness comes from missing indexes rather than from write load, so
        sharding would add fan-out to every report without fixing it.

        ## Considered Alternatives

        * Shard by customer id
        * Keep one primary and add a read replica

        ## Decision Outcome

        Keep one primary; revisit when writes double.
        """
    findings = run_check(WhyCheck(), record, doc_type="decision")
    assert findings == []
    stub = record.split("Report queries")[0] + "## Considered" + record.split("## Considered")[1]
    assert [f.code for f in run_check(WhyCheck(), stub, doc_type="decision")] == ["missing_why"]


def test_breakages_are_a_cost_of_the_status_quo() -> None:
    from assistant.checks.evidence import evidence_score

    assert evidence_score("Breakages of the nightly build were common last quarter.")[0] > 0
    assert evidence_score("The nightly build runs at midnight last quarter.")[0] == 0
