"""A tiny knowledge base (tests/fixtures/ask) indexed into an in-memory store."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ask import Asker
from assistant.embed import HashingEmbedder
from assistant.retrieval import Retriever
from assistant.store import InMemoryStore
from index.pipeline import index_paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ask"


def load_fixture_kb(store: InMemoryStore, embedder: HashingEmbedder) -> None:
    """Index the fixture records with the real pipeline (front matter gives ids and links)."""
    summary = index_paths([FIXTURES], store=store, embedder=embedder)
    assert summary.documents_indexed == 6 and not summary.skipped


@pytest.fixture
def kb_store() -> InMemoryStore:
    store = InMemoryStore()
    load_fixture_kb(store, HashingEmbedder())
    return store


@pytest.fixture
def retriever(kb_store: InMemoryStore) -> Retriever:
    return Retriever(kb_store, HashingEmbedder())


@pytest.fixture
def asker(retriever: Retriever, kb_store: InMemoryStore) -> Asker:
    return Asker(retriever, kb_store)
