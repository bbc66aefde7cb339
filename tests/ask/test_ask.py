"""The asker on the fixture knowledge base: answers with citations, refusals, supersede links,
streaming events, and what happens around the writer (bad citations, a failing model)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import pytest

from assistant.answer import Evidence, cited_numbers
from assistant.ask import NO_RECORD, Asker
from assistant.errors import LLMError
from assistant.models import LLMStatus
from assistant.retrieval import Retriever
from assistant.store import InMemoryStore


class ScriptedWriter:
    """A writer that replies with queued deltas and records what it was given."""

    model: str | None = "scripted-model"

    def __init__(self, *replies: list[str] | Exception) -> None:
        self.replies = list(replies)
        self.history: list[tuple[str, list[Evidence]]] = []

    def write(
        self, question: str, evidence: Sequence[Evidence], status: LLMStatus
    ) -> Iterator[str]:
        self.history.append((question, list(evidence)))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status.usage.completion_tokens += len(reply)
        yield from reply


def test_answers_with_citations_to_retrieved_passages(asker: Asker) -> None:
    answer = asker.ask("Why did we build an in-house feature flag service instead of buying one?")
    assert not answer.refused
    assert answer.ranked_doc_ids[0] == "adr-003-feature-flags"
    assert "LaunchDarkly" in answer.text
    cited = answer.citations[0]
    assert cited.doc_id == "adr-003-feature-flags"
    assert cited.title == "Feature flags through an in-house service"
    assert cited.status == "accepted"
    assert cited.path.endswith("fixtures/ask/adr-003-feature-flags.md")
    assert 1 <= cited.start_line <= cited.end_line
    assert f"[{cited.n}]" in answer.text
    assert answer.llm.mode == "off"


def test_refuses_an_off_topic_question_and_labels_the_nearest_records(asker: Asker) -> None:
    answer = asker.ask("Which message queue did we choose for billing events?")
    assert answer.refused
    assert answer.text.startswith(NO_RECORD)
    assert "Possibly related" not in answer.text  # the list is printed once, from the field
    assert answer.citations == []
    assert 1 <= len(answer.possibly_related) <= 3
    assert all(r.id in answer.ranked_doc_ids for r in answer.possibly_related)


def test_empty_store_refuses() -> None:
    from assistant.embed import HashingEmbedder

    store = InMemoryStore()
    answer = Asker(Retriever(store, HashingEmbedder()), store).ask("Why PostgreSQL?")
    assert answer.refused and answer.possibly_related == []


def test_a_superseded_record_brings_in_its_replacement(asker: Asker) -> None:
    answer = asker.ask("Why did we choose PostgreSQL for the orders service datastore?")
    assert not answer.refused
    assert answer.ranked_doc_ids[:2] == ["adr-001-postgres", "adr-007-cockroach"]
    assert "adr-001-postgres (superseded, 2021-03-04)" in answer.text
    assert "was replaced by adr-007-cockroach" in answer.text
    assert {c.doc_id for c in answer.citations} >= {"adr-001-postgres", "adr-007-cockroach"}


def test_stream_sends_sources_then_deltas_then_done(asker: Asker) -> None:
    events = list(asker.stream("What did we learn from the checkout cache stampede outage?"))
    types = [e.type for e in events]
    assert types[0] == "sources" and types[-1] == "done"
    assert set(types[1:-1]) == {"delta"}
    answer = events[-1].answer
    assert answer is not None and not answer.refused
    assert "".join(e.text for e in events[1:-1]).strip() == answer.text
    assert {c.n for c in answer.citations} <= {s.n for s in events[0].sources}
    for event in events:  # each event is one SSE `data:` line
        assert json.loads(event.model_dump_json())["type"] == event.type


def test_citations_to_unretrieved_passages_are_removed_and_counted(
    retriever: Retriever, kb_store: InMemoryStore
) -> None:
    writer = ScriptedWriter(["Flags stay in-house [1]", " because of cost [", "9] and [1, 7]."])
    asker = Asker(retriever, kb_store, writer)
    events = list(asker.stream("Why an in-house feature flag service instead of LaunchDarkly?"))
    answer = events[-1].answer
    assert answer is not None
    assert answer.text == "Flags stay in-house [1] because of cost  and [1]."
    assert answer.removed_citations == 2
    assert "[9" not in "".join(e.text for e in events if e.type == "delta")
    assert [c.n for c in answer.citations] == [1]
    assert answer.llm.mode == "on" and answer.llm.model == "scripted-model"
    question, evidence = writer.history[0]
    assert question.startswith("Why an in-house") and evidence[0].n == 1


def test_a_failing_writer_degrades_to_the_extractive_answer(
    retriever: Retriever, kb_store: InMemoryStore
) -> None:
    writer = ScriptedWriter(LLMError("model timed out after 60 s", retryable=True))
    answer = Asker(retriever, kb_store, writer).ask(
        "Why an in-house feature flag service instead of LaunchDarkly?"
    )
    assert answer.llm.mode == "degraded"
    assert "timed out" in (answer.llm.reason or "")
    assert "LaunchDarkly" in answer.text and answer.citations


@pytest.mark.parametrize("k", [1, 3])
def test_k_bounds_the_ranked_records(asker: Asker, k: int) -> None:
    answer = asker.ask("orders service database", k=k)
    assert 1 <= len(answer.ranked_doc_ids) <= k + 1  # + a linked replacement


def test_where_limits_the_records_answers_draw_on(asker: Asker) -> None:
    answer = asker.ask("orders service database regions outage", where={"kind": ["retro"]})
    assert answer.ranked_doc_ids == ["retro-2022-cache-outage"]
    assert all(c.kind == "retro" for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "Why did we choose PostgreSQL for the orders service datastore?",
        "What did we learn from the checkout cache stampede outage?",
        "Why did we build an in-house feature flag service instead of buying one?",
    ],
)
def test_offline_citations_are_numbered_in_order_without_gaps(asker: Asker, question: str) -> None:
    answer = asker.ask(question)
    first_seen = list(dict.fromkeys(cited_numbers(answer.text)))
    assert first_seen == list(range(1, len(first_seen) + 1))
    assert [c.n for c in answer.citations] == first_seen
    for c in answer.citations:  # each number points at the passage its quote came from
        assert c.quote and c.doc_id in answer.text
