"""Answerability checks (pure) and the asker refusing a question whose record is on topic but
does not hold the answer, on the fixture knowledge base."""

from __future__ import annotations

import pytest

from assistant.answerability import check, missing_names, question_kind, question_names
from assistant.ask import NO_RECORD, Asker
from assistant.bm25 import plain_words
from assistant.confidence import QUESTION_WORDS


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Why did we shelve the loyalty scheme?", "why"),
        ("What made the billing team leave Stripe?", "why"),
        ("How many replicas does each checkout pod get?", "count"),
        ("What request limit did the gateway set per client?", "count"),
        ("When was the v1 orders API switched off?", "when"),
        ("In which release did dark mode ship?", "when"),
        ("Who owns the pricing service?", "other"),
        # a when-clause that sets the scene; the question is the one after the comma
        ("When we picked the queue, who ran the load test?", "other"),
        ("When we moved billing off Stripe, why did fees go up?", "why"),
    ],
)
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_names_are_capitalised_words_and_identifiers_not_calendar_words() -> None:
    question = "Why did Payments set max_retries after the March outage in Grafana Cloud?"
    assert question_names(question, QUESTION_WORDS) == [
        "Payments",
        "max_retries",
        "Grafana",
        "Cloud",
    ]


def test_a_name_written_together_in_the_record_is_not_missing() -> None:
    words = set(plain_words("We compared CloudFoundry and Nomad before choosing Kubernetes."))
    question = "Why Kubernetes rather than Cloud Foundry or HashiCorp Nomad?"
    assert missing_names(question, words, QUESTION_WORDS) == ["HashiCorp"]


def test_a_name_is_matched_as_a_word_not_by_its_stem() -> None:
    words = set(plain_words("Fast, cheap downloads through two Gateways and the mirror."))
    question = "Why did we put Fastly in front of the Mirror and the gateway?"
    assert missing_names(question, words, QUESTION_WORDS) == ["Fastly"]


def _check(question: str, *, title: str, status: str | None, text: str) -> list[str]:
    problems = check(
        question,
        title=title,
        status=status,
        words=set(plain_words(f"{title} {text}")),
        passages=[text],
        record_text=text,
        stop=QUESTION_WORDS,
    )
    return [p.check for p in problems]


WITHDRAWN = "# Loyalty scheme\n\nPoints per purchase.\n\n## Status\n\n2024-03-01: withdrawn.\n"
WITHDRAWN_WITH_REASON = (
    "# Loyalty scheme\n\nPoints per purchase.\n\n## Status\n\nThis proposal was withdrawn. "
    "The card processor could not tag transactions, so points could not be counted.\n"
)


@pytest.mark.parametrize(
    ("question", "title", "status", "text", "expected"),
    [
        # asked why it was given up: a bare status line is not a reason
        (
            "Why was the loyalty scheme dropped?",
            "Loyalty scheme",
            "withdrawn",
            WITHDRAWN,
            ["premise"],
        ),
        (
            "Why was the loyalty scheme dropped?",
            "Loyalty scheme",
            "withdrawn",
            WITHDRAWN_WITH_REASON,
            [],
        ),
        # asked why it was adopted, but the record was rejected
        (
            "Why did we adopt the loyalty scheme?",
            "Loyalty scheme",
            "rejected",
            WITHDRAWN,
            ["premise"],
        ),
        # the question has the options the other way round from the record's title
        (
            "Why did the team move from Redis back to Memcached?",
            "Use Redis for sessions",
            "accepted",
            "We will use Redis for sessions because it persists them.",
            ["names", "premise"],
        ),
        # a how-many needs a number about what it counts
        (
            "How many replicas did each checkout pod get?",
            "Checkout scaling",
            "accepted",
            "Checkout pods scale on CPU. Each checkout pod runs behind the gateway.",
            ["kind"],
        ),
        (
            "How many replicas did each checkout pod get?",
            "Checkout scaling",
            "accepted",
            "Each checkout pod gets 3 replicas.",
            [],
        ),
        # a when-question needs a date or version; "may" and "march" are not months alone
        (
            "When was the v1 orders API switched off?",
            "Orders API v1",
            "accepted",
            "Clients may march on with v1 until they move; we will switch it off.",
            ["kind"],
        ),
        (
            "When was the v1 orders API switched off?",
            "Orders API v1",
            "accepted",
            "The v1 orders API was switched off on 3 March after the last client moved.",
            [],
        ),
        # asked when it was finished, of a record still only proposed: no such date exists
        (
            "When did the search index finish moving to OpenSearch?",
            "Move the search index to OpenSearch",
            "Proposed",
            "We propose to move the search index to OpenSearch in 2025 to cut licence costs.",
            ["premise"],
        ),
        (
            "When did the search index finish moving to OpenSearch?",
            "Move the search index to OpenSearch",
            "Implemented",
            "The search index moved to OpenSearch in June 2025 to cut licence costs.",
            [],
        ),
        # asked how it turned out, of a record still only proposed
        (
            "Which regions did the team finally pick for the replicas?",
            "Replicate orders to a second region",
            "Proposed",
            "We propose to replicate orders to a second region; candidates are eu-west-1 and "
            "eu-central-1.",
            ["premise"],
        ),
        # a name the record never uses
        (
            "Why do we run Kafka for orders?",
            "Orders events",
            "accepted",
            "Orders go to SQS.",
            ["names"],
        ),
    ],
)
def test_check(question, title, status, text, expected) -> None:
    assert _check(question, title=title, status=status, text=text) == expected


def test_a_date_in_any_retrieved_passage_answers_when() -> None:
    summary = "The v1 orders API is replaced by v2, which pages results."
    history = "- 2024-05-02: v1 switched off after the last client moved."
    problems = check(
        "When was the orders API switched off?",
        title="Orders API",
        status="accepted",
        words=set(plain_words(f"Orders API {summary} {history}")),
        passages=[summary, summary, summary, history],
        record_text=f"{summary}\n{history}",
        stop=QUESTION_WORDS,
    )
    assert problems == []


def test_refuses_when_the_topical_record_gives_no_reason(asker: Asker) -> None:
    answer = asker.ask("Why did we abandon the native mobile app for store staff?")
    assert answer.ranked_doc_ids[0] == "adr-009-mobile-app"  # the record is on topic...
    assert answer.refused  # ...but it never says why it was withdrawn
    assert answer.text.startswith(NO_RECORD)
    assert "gives no reason" in answer.text
    # It still says what the record does say, with citations numbered from [1].
    assert "What it does say:" in answer.text and "[1]" in answer.text
    assert answer.citations[0].n == 1
    assert {c.doc_id for c in answer.citations} == {"adr-009-mobile-app"}


def test_answers_what_the_topical_record_does_say(asker: Asker) -> None:
    answer = asker.ask("Why did we want a native mobile app for store staff?")
    assert not answer.refused
    assert answer.citations[0].doc_id == "adr-009-mobile-app"
