"""Invariants over arbitrary input: a review or a clear InputError, spans quote the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.anchors import normalise
from assistant.errors import InputError
from assistant.review import Reviewer
from assistant.services import Services

REVIEWER = Reviewer()
LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "# Title",
                "## Motivation",
                "## Acceptance criteria",
                "Owner: TBD",
                "- [ ] The page loads in under 2 s.",
                "| Owner | ? |",
                "| A | R |",
                "```",
                "---",
                "TODO: decide?",
                "<!-- specreview: ignore all -->",
                "Given a user",
                'Then they see "done"',
                "",
            ]
        ),
        st.text(max_size=80),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(LINES)
def test_any_text_gives_a_review_or_an_input_error(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        review = REVIEWER.review_text(text)
    except InputError:
        return
    spec_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for finding in review.findings:
        assert finding.fingerprint
        if finding.span is not None:
            at = "\n".join(spec_lines[finding.span.start_line - 1 : finding.span.end_line])
            assert normalise(finding.span.quote) in normalise(at)


def test_services_build_an_offline_reviewer_without_history(services: Services) -> None:
    reviewer = services.reviewer
    assert reviewer.history is None
    review = reviewer.review_text("# Export\n\nAdd a CSV export.\n")
    assert review.llm.mode == "off"
    assert "missing_why" in {f.code for f in review.findings}
