"""Citation clean-up (whole text and streamed), renumbering, sentence splitting, and the
extractive writer's choice of sentences by the question's kind, table-driven."""

from __future__ import annotations

import pytest

from assistant.answer import (
    CitationFilter,
    Evidence,
    cited_numbers,
    quotable_sentences,
    renumber,
    strip_unknown_citations,
)
from assistant.extractive import ExtractiveWriter, answer_kinds
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
    assert quotable_sentences(text) == [
        "We will use Karpenter for scaling.",
        "It is faster than before.",
        "Cache flushes must never run at peak.",
    ]


def _evidence(
    n: int, doc_id: str, text: str, note: str = "", heading: str = "", meta: str = ""
) -> Evidence:
    return Evidence(
        n=n,
        doc_id=doc_id,
        title=doc_id,
        kind="decision",
        text=text,
        note=note,
        heading_path=[doc_id, heading] if heading else [doc_id],
        meta=meta,
    )


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


def test_renumber_numbers_cited_passages_in_order_without_gaps() -> None:
    evidence = [_evidence(n, f"adr-{n}", "text") for n in (1, 2, 3, 4)]
    text, used = renumber("A [3]. B [1, 3]. C [4] and [9].", evidence)
    assert text == "A [1]. B [2, 1]. C [3] and ."
    assert [(e.n, e.doc_id) for e in used] == [(1, "adr-3"), (2, "adr-1"), (3, "adr-4")]


def test_split_sentences_leaves_out_template_comments() -> None:
    text = "guidance a template gives -->\nThe cache was flushed at noon.\n<!-- more\nguidance -->"
    assert quotable_sentences(text) == ["The cache was flushed at noon."]


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Why did we shelve the loyalty scheme?", ["why", "given_up"]),
        ("What caused the checkout outage and what follow-ups were agreed?", ["lesson"]),
        ("Which ADR superseded the session store decision?", ["superseded"]),
        ("Who owns the pricing service?", ["who"]),
        ("When did billing move to the new ledger?", ["when"]),
        ("What did the platform team pick for secrets?", ["what"]),
    ],
)
def test_answer_kinds(question: str, kinds: list[str]) -> None:
    assert answer_kinds(question) == kinds


# One record with a sentence for each kind of question; each question should quote its own.
RECORD = (
    "We will move sessions from Memcached to Redis in the session store.\n\n"
    "The session store moved to Redis because Memcached loses every session on a restart.\n\n"
    "The session store moved to Redis on 2023-04-12.\n\n"
    "```go\nstore := redis.NewSessionStore(sessionStoreOptions)\n```\n\n"
    "`SessionStore.Get(ctx, id)` returns the session store entry for Redis sessions.\n"
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Why did the session store move to Redis?", "because Memcached loses"),
        ("When did the session store move to Redis?", "Redis on 2023-04-12"),
    ],
)
def test_the_first_quote_answers_the_questions_kind(question: str, expected: str) -> None:
    writer = ExtractiveWriter(max_quotes=1)
    text = "".join(writer.write(question, [_evidence(1, "adr-5", RECORD)], LLMStatus()))
    assert expected in text
    assert "NewSessionStore" not in text  # code is never quoted


def test_prose_is_quoted_before_code_like_lines() -> None:
    text = _extractive(
        "How does the session store read Redis sessions?", [_evidence(1, "adr-5", RECORD)]
    )
    quotes = [line for line in text.splitlines() if line.startswith("- ")]
    assert "SessionStore.Get" not in quotes[0]


def test_lesson_answers_list_the_follow_ups() -> None:
    retro = (
        "The outage was caused by a cache flush during a deploy.\n\n"
        "**Review actions**:\n\n- Block cache flushes at peak\n- Alert on the cache hit ratio\n"
    )
    text = _extractive(
        "What caused the checkout outage and what follow-ups were agreed?",
        [_evidence(1, "retro-1", retro)],
    )
    assert "caused by a cache flush" in text
    assert 'Follow-ups: "Block cache flushes at peak; Alert on the cache hit ratio"' in text


def test_who_answers_carry_the_records_metadata() -> None:
    evidence = [
        _evidence(1, "kep-9", "The scheduler gains a queue.", meta="owners sig-sched, @kim")
    ]
    text = _extractive("Who proposed the scheduler queue?", evidence)
    assert "Recorded for kep-9: owners sig-sched, @kim [1]" in text
