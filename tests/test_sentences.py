"""The engine's one sentence splitter."""

from __future__ import annotations

from assistant.markdown import FENCE
from assistant.sentences import split_sentences


def test_a_sentence_ends_before_a_capital_not_after_an_abbreviation() -> None:
    text = "Use a cache, e.g. the shared one. It is 2.5 times faster! Why? (See the ADR.)"
    assert [s.strip() for s in split_sentences(text)] == [
        "Use a cache, e.g. the shared one.",
        "It is 2.5 times faster!",
        "Why?",
        "(See the ADR.)",
    ]


def test_blank_lines_and_list_items_end_a_sentence() -> None:
    text = "Intro line\n\nSecond paragraph\n- first item\n1. numbered item"
    assert [s.strip() for s in split_sentences(text)] == [
        "Intro line",
        "Second paragraph",
        "- first item",
        "1. numbered item",
    ]


def test_clauses_split_at_semicolons() -> None:
    text = "We use Postgres; We do not run MySQL."
    assert len(split_sentences(text)) == 1
    assert [s.strip() for s in split_sentences(text, clauses=True)] == [
        "We use Postgres;",
        "We do not run MySQL.",
    ]


def test_a_fence_inside_a_nested_list_item_is_a_fence() -> None:
    assert FENCE.match("    ```yaml")
    assert FENCE.match("~~~")
    assert not FENCE.match("Use ``` to open a block")
