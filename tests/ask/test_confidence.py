"""The refusal confidence's features on the fixture knowledge base."""

from __future__ import annotations

import pytest

from assistant.bm25 import KeywordIndex
from assistant.confidence import assess, key_terms, unknown_names
from assistant.retrieval import Retriever


@pytest.fixture
def index(retriever: Retriever) -> KeywordIndex:
    return retriever.keyword_index()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Why did we pick PostgreSQL over MongoDB?", ["MongoDB"]),
        ("Why did we pick PostgreSQL?", []),
        ("Which team owns Kafka and Zookeeper?", ["Kafka", "Zookeeper"]),
        ("Kafka: why?", []),  # the first word may be capitalised for any reason
    ],
)
def test_unknown_names_are_capitalised_words_no_record_mentions(index, question, expected):
    assert unknown_names(question, index) == expected


def test_key_terms_drop_question_phrasing_and_stem() -> None:
    assert key_terms("Why did the team decide to move the databases?") == ["move", "databas"]


def test_each_feature_lowers_confidence(retriever: Retriever, index: KeywordIndex) -> None:
    question = "Why did we move the orders service to CockroachDB?"
    top = retriever.rank_documents(question, 3)[0]

    def score(q: str, **overrides: float) -> float:
        args = {"dense_z": top.dense_z, "keyword_z": top.keyword_z, "subject": 0.8} | overrides
        return assess(q, index, hits=top.hits, **args).score

    base = score(question)
    assert base > 0
    assert score(question, subject=0.2) < base
    assert score(question, dense_z=0.1, keyword_z=0.1) < base
    assert score(question + " And what about MongoDB?") < base
    assert assess(question, index, hits=[], dense_z=1, keyword_z=1, subject=1).score == 0.0


def test_reason_names_what_is_missing(retriever: Retriever, index: KeywordIndex) -> None:
    question = "Why did we choose MongoDB for billing invoices?"
    top = retriever.rank_documents(question, 1)[0]
    conf = assess(question, index, hits=top.hits, dense_z=1.0, keyword_z=1.0, subject=0.3)
    assert "no record mentions MongoDB" in conf.reason
    assert conf.unknown_names == ["MongoDB"]
