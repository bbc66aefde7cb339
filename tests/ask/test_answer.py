"""Citation clean-up (whole text and streamed) and sentence splitting, table-driven."""

from __future__ import annotations

import pytest

from assistant.answer import CitationFilter, cited_numbers, split_sentences, strip_unknown_citations


@pytest.mark.parametrize(
    ("text", "allowed", "expected", "removed"),
    [
        ("A [1] and B [2].", {1, 2}, "A [1] and B [2].", 0),
        ("A [1] and B [3].", {1, 2}, "A [1] and B .", 1),
        ("A [1, 3, 2].", {1, 2}, "A [1, 2].", 1),
        ("A [4,5].", {1}, "A .", 2),
        ("see [link](x) and [note]", {1}, "see [link](x) and [note]", 0),
    ],
)
def test_strip_unknown_citations(text, allowed, expected, removed) -> None:
    assert strip_unknown_citations(text, allowed) == (expected, removed)


@pytest.mark.parametrize(
    "deltas",
    [
        ["A [1] and B [3]."],
        ["A [", "1] and B [", "3", "]."],
        ["A [1", "] and B [3]", "."],
    ],
)
def test_citation_filter_gives_the_same_text_however_deltas_split(deltas) -> None:
    filt = CitationFilter({1, 2})
    out = "".join(filt.feed(d) for d in deltas) + filt.flush()
    assert out == "A [1] and B ."
    assert filt.removed == 1


def test_citation_filter_releases_an_unclosed_bracket_at_the_end() -> None:
    filt = CitationFilter({1})
    assert filt.feed("a list [") == "a list "
    assert filt.flush() == "["


def test_cited_numbers_in_order() -> None:
    assert cited_numbers("x [2] y [1, 3] z [2]") == [2, 1, 3, 2]


def test_split_sentences_keeps_list_items_and_drops_markup() -> None:
    text = (
        "## Decision\n\nWe will use Karpenter for scaling. It is faster than before.\n\n"
        "- Cache flushes must never run at peak.\n| a | b |\n"
        "- [Multi-Cluster Services and their consumers](#multi-cluster-services)\n"
    )
    assert split_sentences(text) == [
        "We will use Karpenter for scaling.",
        "It is faster than before.",
        "Cache flushes must never run at peak.",
    ]
