"""Document types: how a draft's type is told, and which checks run on each type."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.checks.registry import BY_CODE, CORE_CODES, applies
from assistant.config import ReviewConfig
from assistant.doctype import detect_type
from assistant.markdown import parse_spec
from assistant.review import Reviewer

NYGARD = """# 7. Use a message queue between billing and invoicing

Date: 2025-03-02

## Status

Accepted

## Context

Invoices are generated synchronously inside the billing request, so a slow PDF renderer
holds a database transaction open and month-end runs time out for large accounts.

## Decision

Billing publishes an `invoice.requested` event; the invoicing worker consumes it.

## Consequences

Invoices arrive a few seconds later; the worker needs its own alerting.
"""

MADR_UNDECIDED = """# Pick a feature-flag service

* Status: proposed
* Deciders: TBD

## Context and Problem Statement

Flags live in environment variables today, so turning a feature off needs a deploy, and the
last two incidents each took forty minutes longer to mitigate because of it.

## Considered Options

* Hosted service
* Self-hosted service

## Decision Outcome

Not chosen yet.
"""

BARE_NOTE = """Some thoughts on the thing.

We could do it next quarter.
"""


def _review(text: str, path: str = "<draft>", **kwargs: object):
    return Reviewer(**kwargs).review_text(text, path=path)  # type: ignore[arg-type]


def test_nygard_record_is_a_decision_and_gets_no_plan_checks() -> None:
    review = _review(NYGARD)
    assert review.doc_type == "decision"
    assert review.doc_type_source.startswith("detected")
    codes = {f.code for f in review.findings}
    # A decision is not a plan of work: no criteria, metric or scope findings; no deciders named
    # is not an ownership finding either (approval of the change records them).
    assert codes.isdisjoint(
        {"missing_acceptance_criteria", "missing_success_metric", "unbounded_scope"}
    )
    assert "unresolved_ownership" not in codes
    assert "missing_why" not in codes  # the context says what forced the decision


def test_decision_with_deciders_tbd_is_an_ownership_finding() -> None:
    review = _review(MADR_UNDECIDED)
    assert review.doc_type == "decision"
    assert "unresolved_ownership" in {f.code for f in review.findings}


def test_folder_tells_the_type_and_front_matter_wins() -> None:
    spec = parse_spec(BARE_NOTE)
    assert detect_type(spec, "docs/adr/0003-thing.md").doc_type == "decision"
    assert detect_type(spec, "enhancements/keps/sig-x/README.md").doc_type == "design"
    declared = parse_spec("---\ntype: design\n---\n" + BARE_NOTE)
    assert detect_type(declared, "docs/adr/0003-thing.md").source == "front matter"
    assert detect_type(declared, "docs/adr/0003-thing.md").doc_type == "design"


def test_type_words_in_a_file_name_are_not_read() -> None:
    verdict = detect_type(parse_spec(BARE_NOTE), "notes/decision-about-caching.md")
    assert verdict.doc_type == "spec"
    assert not verdict.told  # reviewed as a spec by default, and the review says so


def test_untold_type_is_reviewed_as_a_spec_and_says_so() -> None:
    review = _review(BARE_NOTE)
    assert review.doc_type == "spec"
    assert review.doc_type_source.startswith("default")


def test_caller_and_config_override_detection() -> None:
    assert Reviewer().review_text(NYGARD, doc_type="spec").doc_type == "spec"
    config = ReviewConfig(types={"records/**": "decision"})
    review = Reviewer(config=config).review_text(BARE_NOTE, path="records/x.md")
    assert (review.doc_type, review.doc_type_source) == ("decision", "config")


def test_kep_readme_reads_the_kep_yaml_beside_it(tmp_path: Path) -> None:
    kep = tmp_path / "keps" / "1234-thing"
    kep.mkdir(parents=True)
    (kep / "README.md").write_text(
        "# KEP-1234: Thing\n\n## Summary\n\nAdd a thing.\n\n## Motivation\n\nOperators cannot "
        "drain a node without losing in-flight jobs, which fails long batch runs every week.\n",
        encoding="utf-8",
    )
    (kep / "kep.yaml").write_text(
        'title: Thing\nauthors:\n  - "@ana"\nowning-sig: sig-apps\napprovers:\n  - "@bo"\n',
        encoding="utf-8",
    )
    review = Reviewer().review_file(kep / "README.md")
    assert review.doc_type == "design"
    assert "unresolved_ownership" not in {f.code for f in review.findings}
    (kep / "kep.yaml").write_text('authors:\n  - "@ana"\napprovers: TBD\n', encoding="utf-8")
    flagged = Reviewer().review_file(kep / "README.md").findings
    assert any(f.code == "unresolved_ownership" and "kep.yaml" in f.message for f in flagged)


def test_broken_kep_yaml_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# KEP-1: x\n\n## Summary\n\nA thing.\n", "utf-8")
    (tmp_path / "kep.yaml").write_text("authors: [unclosed\n", encoding="utf-8")
    review = Reviewer().review_file(tmp_path / "README.md")
    assert any("kep.yaml" in s for s in review.coverage.skipped)


@pytest.mark.parametrize("code", ["missing_acceptance_criteria", "missing_success_metric"])
def test_registry_says_plan_codes_never_apply_to_decisions(code: str) -> None:
    assert not applies(code, "decision")
    assert applies(code, "spec") and applies(code, "design")
    assert applies("a_team_rule", "decision")  # codes outside the registry always apply
    assert set(CORE_CODES) <= set(BY_CODE)


def test_registry_feeds_names_and_prompt_meanings() -> None:
    from typing import get_args

    from assistant.grounding import CODE_MEANINGS, ModelCode
    from assistant.render import CODE_NAMES

    assert set(CODE_NAMES) == set(BY_CODE)
    assert set(get_args(ModelCode)) - {"other"} == set(BY_CODE)
    assert set(CODE_MEANINGS) - {"other"} == set(BY_CODE)


def test_bot_default_globs_take_decision_record_folders() -> None:
    from api.github.bot import is_spec_path
    from assistant.config import GitHubConfig

    globs = GitHubConfig().spec_globs
    assert is_spec_path("docs/decisions/0012-use-postgres.md", globs)
    assert is_spec_path("architecture/adrs/0001-record-decisions.md", globs)


def test_an_unknown_type_in_config_is_one_clear_error() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a document type"):
        ReviewConfig(types={"docs/adr/**": "desicion"})
    assert ReviewConfig(types={"docs/adr/**": "ADR"}).types  # the aliases authors write


def test_first_madr_outline_and_a_declined_choice_are_decisions() -> None:
    # MADR 1.x said "Considered Alternatives" where later versions say "Considered Options";
    # "Do not use ..." titles a choice as "Use ..." does.
    record = """# Do not use a service mesh for internal traffic

## Considered Alternatives

* Istio
* Plain Kubernetes services with mTLS at the ingress

## Decision Outcome

Plain services: the mesh's operational cost outweighs what we would use of it.

## Pros and Cons of the Alternatives

### Istio
* Good, because retries and mTLS come for free
* Bad, because two people would need to run it
"""
    verdict = detect_type(parse_spec(record), "notes/mesh.md")
    assert verdict.doc_type == "decision"
    assert "MADR outline" in verdict.source and "a title that names a choice" in verdict.source


@pytest.mark.parametrize(
    "headings",
    [
        # PEP-shaped: how the change is built and what it breaks.
        ["Abstract", "Motivation", "Backwards Compatibility", "Reference Implementation"],
        # Go- and gRPC-proposal-shaped.
        ["Abstract", "Background", "Proposal", "Compatibility", "Implementation"],
        ["Summary", "Proposed Solution", "Technical Approach", "Open Questions"],
        ["Summary", "Motivation", "How it Works", "Abandoned Ideas"],
    ],
)
def test_proposal_outlines_of_other_projects_are_designs(headings: list[str]) -> None:
    body = "\n\n".join(
        f"## {h}\n\nThe kiosk keeps a ring buffer of the last ten sales." for h in headings
    )
    verdict = detect_type(parse_spec(f"# Receipt reprints\n\n{body}\n"))
    assert (verdict.doc_type, verdict.told) == ("design", True)


def test_a_product_spec_with_an_implementation_note_stays_a_spec() -> None:
    draft = (
        "# Receipt reprints\n\n## User stories\n\nAs a clerk I reprint a receipt.\n\n"
        "## Success metrics\n\nReprint calls to support fall by half.\n\n"
        "## Implementation\n\nThe kiosk team builds it.\n"
    )
    assert detect_type(parse_spec(draft)).doc_type == "spec"


@pytest.mark.parametrize(
    ("status", "doc_type"),
    [("Accepted", "decision"), ("Superseded by 12", "decision"), ("In review", "spec")],
)
def test_a_status_section_giving_a_records_state_tells_a_decision(
    status: str, doc_type: str
) -> None:
    # Nygard's template: "## Status" over the record's state, beside a Context section.
    record = (
        "# Ticket machines take contactless cards\n\n## Status\n\n"
        f"{status}\n\n## Context\n\nCash jams the machines twice a week at the harbour stop.\n"
    )
    assert detect_type(parse_spec(record)).doc_type == doc_type
