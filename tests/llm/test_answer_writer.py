"""The LLM answer writer, alone and inside the Asker (which filters citations and degrades)."""

from __future__ import annotations

import pytest

from assistant.answer import Evidence
from assistant.ask import Asker
from assistant.embed import HashingEmbedder
from assistant.errors import LLMError
from assistant.llm import LLMReply
from assistant.llm_answer import CUT_OFF, LLMAnswerWriter
from assistant.llm_fakes import ScriptedLLM
from assistant.models import LLMStatus
from assistant.retrieval import Retriever
from assistant.store import InMemoryStore
from tests.ask.conftest import load_fixture_kb

QUESTION = "Why did we move from Postgres to CockroachDB?"


def evidence() -> list[Evidence]:
    return [
        Evidence(
            n=1,
            doc_id="adr-007",
            title="Move orders to CockroachDB",
            kind="decision",
            status="accepted",
            text="We will move the orders datastore to CockroachDB so every region writes locally.",
            note="adr-007 (accepted) [1] replaced adr-001 [2].",
        ),
        Evidence(
            n=2,
            doc_id="adr-001",
            title="PostgreSQL for orders",
            kind="decision",
            status="superseded",
            text="We will use PostgreSQL.",
        ),
    ]


def test_the_writer_streams_the_answer_from_numbered_passages() -> None:
    llm = ScriptedLLM(name="local")
    llm.enqueue("Regions needed local writes [1]; PostgreSQL was replaced [2].")
    status = LLMStatus(mode="on", model="local")
    writer = LLMAnswerWriter(llm)
    deltas = list(writer.write(QUESTION, evidence(), status))
    assert len(deltas) > 1
    assert "".join(deltas) == "Regions needed local writes [1]; PostgreSQL was replaced [2]."
    user = llm.history[0].user
    assert "<passages>\n[1] adr-007 (decision, accepted): Move orders to CockroachDB" in user
    assert "Note: adr-007 (accepted) [1] replaced adr-001 [2]." in user
    assert "[2] adr-001 (decision, superseded)" in user
    assert user.endswith(f"Question: {QUESTION}")
    assert "never invent a source" in llm.history[0].system
    assert status.calls == 1 and status.usage.prompt_tokens > 0
    assert writer.model == "local"


def test_passages_that_do_not_fit_the_context_are_left_out() -> None:
    long = evidence()
    long[1] = long[1].model_copy(update={"text": "PostgreSQL details. " * 2000})
    llm = ScriptedLLM()
    llm.enqueue("From [1] only.")
    list(
        LLMAnswerWriter(llm, context_tokens=2000, max_tokens=300).write(QUESTION, long, LLMStatus())
    )
    assert "[1] adr-007" in llm.history[0].user and "[2] adr-001" not in llm.history[0].user


def test_an_empty_answer_raises_so_the_asker_falls_back() -> None:
    llm = ScriptedLLM()
    llm.enqueue("   ")
    with pytest.raises(LLMError, match="empty answer"):
        list(LLMAnswerWriter(llm).write(QUESTION, evidence(), LLMStatus()))


def test_a_cut_off_answer_says_so() -> None:
    llm = ScriptedLLM()
    llm.enqueue(LLMReply("Regions needed local", "length", 100, 512))
    text = "".join(LLMAnswerWriter(llm).write(QUESTION, evidence(), LLMStatus()))
    assert text.endswith(CUT_OFF)


@pytest.fixture
def kb() -> tuple[Retriever, InMemoryStore]:
    store = InMemoryStore()
    load_fixture_kb(store, HashingEmbedder())
    return Retriever(store, HashingEmbedder()), store


def test_in_the_asker_citations_to_passages_not_retrieved_are_removed(
    kb: tuple[Retriever, InMemoryStore],
) -> None:
    llm = ScriptedLLM(name="local")
    llm.enqueue("To write locally in every region [1], as a blog post said [9].")
    answer = Asker(*kb, writer=LLMAnswerWriter(llm)).ask(QUESTION)
    assert not answer.refused
    assert "[9]" not in answer.text and "[1]" in answer.text
    assert answer.removed_citations == 1
    assert [c.n for c in answer.citations] == [1]
    assert answer.llm.mode == "on" and answer.llm.model == "local"


def test_in_the_asker_a_failing_model_gives_the_offline_answer_marked_degraded(
    kb: tuple[Retriever, InMemoryStore],
) -> None:
    llm = ScriptedLLM(name="local")
    llm.enqueue(LLMError("cannot reach the model server at http://127.0.0.1:9/v1; start it"))
    answer = Asker(*kb, writer=LLMAnswerWriter(llm)).ask(QUESTION)
    assert answer.llm.mode == "degraded" and "cannot reach" in (answer.llm.reason or "")
    assert answer.citations and "From the records" in answer.text
