"""Citation clean-up (whole text and streamed) and sentence splitting, table-driven."""

from __future__ import annotations

import pytest

from assistant.answer import (
    CitationFilter,
    Evidence,
    ExtractiveWriter,
    cited_numbers,
    split_sentences,
    strip_unknown_citations,
)
from assistant.models import LLMStatus


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


def _evidence(n: int, doc_id: str, text: str, note: str = "") -> Evidence:
    return Evidence(n=n, doc_id=doc_id, title=doc_id, kind="decision", text=text, note=note)


def _extractive(question: str, evidence: list[Evidence]) -> str:
    return "".join(ExtractiveWriter().write(question, evidence, LLMStatus()))


def test_the_leading_records_supersede_note_comes_first() -> None:
    text = _extractive(
        "Which database do orders use?",
        [
            _evidence(
                1, "adr-1", "Orders use PostgreSQL.", note="adr-1 was replaced by adr-2 [2]."
            ),
            _evidence(2, "adr-2", "Orders move to CockroachDB for multi-region writes."),
        ],
    )
    assert text.startswith("Note: adr-1 was replaced by adr-2 [2].")


def test_a_note_about_a_lesser_record_follows_the_quotes() -> None:
    text = _extractive(
        "What caused the cache outage?",
        [
            _evidence(1, "retro-1", "The cache outage was caused by a flush during a deploy."),
            _evidence(
                2,
                "adr-7",
                "Cache outage risk falls: a region can fail without an outage.",
                note="adr-7 replaced adr-1 [3].",
            ),
        ],
    )
    assert text.startswith("From the records:")
    assert text.index("flush during a deploy") < text.index("Also: adr-7 replaced adr-1 [3].")
