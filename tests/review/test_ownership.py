"""unresolved_ownership: owners in fields, tables and sentences; red flags of every kind."""

from __future__ import annotations

import pytest

from assistant.checks.ownership import OwnershipCheck
from tests.review.conftest import run_check

RESOLVED = {
    "a template's parentheses kept around the filled-in handle": """
        # Meta
        - Name: (Kiosk receipt reprints)
        - Author(s): (mkowalski)

        # Overview
        Reprint a receipt from the kiosk's last ten sales.
        """,
    "front matter": """
        ---
        owner: Ana Silva
        approvers: [Tom Becker]
        ---
        # Export
        """,
    "DRI table": """
        # Export

        | Role | Person |
        |---|---|
        | DRI | Ana Silva (PM) |
        | Approver | Tom Becker |
        """,
    "sentence": """
        # Export

        I'll own the product side and Ben Okoro will lead the build.
        """,
    "decision rights in a sentence": """
        # Export

        Maya Chen decides scope and success; Raj Patel decides the technical approach.
        """,
    "handle": """
        # Export

        Driver: @asilva
        """,
    "RACI with one A per row": """
        # Export

        | Activity | Responsible | Accountable | Consulted | Informed |
        |---|---|---|---|---|
        | Requirements | Ana Silva | Ana Silva | Legal | Support |
        | Build | Ben Okoro | Tom Becker | Security | — |
        """,
    "both want to be consulted (not a claim on a decision)": """
        # Export

        | Role | Person |
        |---|---|
        | DRI | Ana Silva |

        ## Stakeholders
        Both Security and Legal expect to be consulted before launch.
        """,
    "owned open question": """
        # Export

        Owner: Ana Silva

        ## Open questions
        | Question | Owner | Due |
        |---|---|---|
        | Which formats first? | Ben Okoro | 2025-02-01 |
        """,
}

UNRESOLVED = {
    "an unfilled prompt in parentheses": "# Export\n\n- Author(s): (your name here)\n",
    "owner TBD": "# Export\n\nOwner: TBD\n",
    "owner question mark": "# Export\n\n| Field | Value |\n|---|---|\n| Owner | ? |\n",
    "alternatives": "# Export\n\n**Owner:** Payments or Checkout team, to be agreed\n",
    "whole department": "# Export\n\nOwner: Engineering\n",
    "a team named after its domain": "# Export\n\n**DRI:** Payments\n",
    "someone from design": "# Export\n\nOwner: someone from Design\n",
    "template placeholder": "# Export\n\nOwner: [Owner name]\n",
    "team not formed": "# Export\n\nOwner: Data Platform team (not formed yet)\n",
    "nobody named": "# Export\n\nAdd a CSV export to the reports page.\n",
    "two accountable": """
        # Export

        | Activity | Responsible | Accountable |
        |---|---|---|
        | Launch | Ana Silva | Ana Silva and Tom Becker |
        """,
    "both claim the call": """
        # Export

        Author: Ana Silva

        ## Decision rights
        Ana expects Product to own the format decision; Tom expects Platform to make that call.
        Both teams want to set the roadmap for it.
        """,
    "who decides is an open question": """
        # Export

        Owner: Ana Silva

        ## Open questions
        - Who signs off on the data retention rules, Legal or Security?
        """,
}


@pytest.mark.parametrize("draft", RESOLVED.values(), ids=RESOLVED.keys())
def test_clear_ownership_is_not_raised(draft: str) -> None:
    assert run_check(OwnershipCheck(), draft) == []


@pytest.mark.parametrize("draft", UNRESOLVED.values(), ids=UNRESOLVED.keys())
def test_unresolved_ownership_is_raised(draft: str) -> None:
    findings = run_check(OwnershipCheck(), draft)
    assert [f.code for f in findings] == ["unresolved_ownership"]
    assert findings[0].severity == "high"
    assert "DRI" in findings[0].suggestion


def test_several_owner_fields_on_one_prose_line_are_read_separately() -> None:
    draft = """
        # Shareable receipts

        Owner: Ann Lee (PM, Portal). Engineering lead: Bo Park. Sign-off: Cy Diaz.

        ## Why

        Support logs 1,200 tickets a quarter asking for delivery proof.
        """
    assert run_check(OwnershipCheck(), draft) == []


def test_tbd_field_after_a_named_one_on_the_same_line_is_raised() -> None:
    draft = """
        # Shareable receipts

        Owner: Ann Lee (PM, Portal). Approver: TBD.
        """
    findings = run_check(OwnershipCheck(), draft)
    assert [f.code for f in findings] == ["unresolved_ownership"]
    assert "Approver: TBD" in findings[0].message


def test_two_parties_each_stating_a_claim_on_a_decision_are_raised() -> None:
    draft = """
        # Offline sync

        Owner: Ann Lee

        ## Who decides the sync policy

        The Backend team's view is that the server decides when a device syncs.
        The Mobile team (Bo) considers the sync trigger a client decision and wants it on device.
        """
    findings = run_check(OwnershipCheck(), draft)
    assert [f.code for f in findings] == ["unresolved_ownership"]
    assert "each claim the same decision" in findings[0].message


def test_split_decision_rights_are_not_a_contest() -> None:
    draft = """
        # Offline sync

        Owner: Ann Lee

        ## Decision rights

        Ann decides scope and what success looks like. Bo decides the sync protocol.
        """
    assert run_check(OwnershipCheck(), draft) == []


OWNERS_WHERE_REAL_DOCUMENTS_WRITE_THEM = {
    "a label with its people listed below it": """
        # Offline mode for the field app

        Authors:
         - [Ines Duarte](https://example.com/ines), Product Manager
         - Tomasz Wójcik, Engineer

        ## Problem
        Inspectors lose their notes when the signal drops in basements.
        """,
    "a sponsor given as an e-mail address": """
        # Nightly build retention

        | Status      | Draft               |
        | :---------- | :------------------ |
        | **Sponsor** | k.osei@example.org  |

        ## Objective
        Keep nightly builds for 30 days instead of 7.
        """,
    "a header block under a second-level title": """
        ## P12: Loosen the retry behavior of the upload client

        *   Author: Mei Lin (@meilin)
        *   Approver: Arjun Rao (@arao)
        *   Status: Draft

        ## Abstract
        Retry uploads three times with backoff instead of failing at once.
        """,
    "an Authors section closing the document": """
        # Parcel lockers at tram stops

        ## Summary
        Riders pick up parcels at five tram stops instead of waiting in for a courier.

        ## Contributors

        This note was compiled by:

        - Jane Doe (Depot team)
        - Omar Reyes (https://example.com/omar)
        """,
}


@pytest.mark.parametrize(
    "draft",
    OWNERS_WHERE_REAL_DOCUMENTS_WRITE_THEM.values(),
    ids=OWNERS_WHERE_REAL_DOCUMENTS_WRITE_THEM.keys(),
)
def test_owners_are_read_where_real_documents_write_them(draft: str) -> None:
    assert run_check(OwnershipCheck(), draft) == []


def test_a_group_address_is_not_a_person() -> None:
    draft = OWNERS_WHERE_REAL_DOCUMENTS_WRITE_THEM["a sponsor given as an e-mail address"]
    findings = run_check(OwnershipCheck(), draft.replace("k.osei@", "platform-team@"))
    assert [f.code for f in findings] == ["unresolved_ownership"]


def test_a_contributors_section_without_names_names_nobody() -> None:
    draft = """
        # Parcel lockers at tram stops

        ## Summary
        Riders pick up parcels at five tram stops instead of waiting in for a courier.

        ## Contributors

        Contributions are welcome in the discussion thread.
        """
    assert [f.code for f in run_check(OwnershipCheck(), draft)] == ["unresolved_ownership"]
