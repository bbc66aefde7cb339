"""A tiny knowledge base (tests/fixtures/ask) in an in-memory store, one chunk per section."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ask import Asker
from assistant.embed import HashingEmbedder
from assistant.markdown import parse_spec
from assistant.models import Chunk, DocumentRecord, Link
from assistant.retrieval import Retriever
from assistant.store import InMemoryStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ask"
LINKS = {
    "adr-001-postgres": [Link(rel="superseded_by", target="adr-007-cockroach")],
    "adr-007-cockroach": [Link(rel="replaces", target="adr-001-postgres")],
}


def load_fixture_kb(store: InMemoryStore, embedder: HashingEmbedder) -> None:
    """Index every fixture record section by section (front matter gives the metadata)."""
    for path in sorted(FIXTURES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        spec = parse_spec(text)
        meta = spec.front_matter
        chunks = [
            Chunk(
                id=f"{meta['id']}#{i}",
                doc_id=meta["id"],
                text=section.body.strip() or section.title,
                heading_path=list(section.path),
                start_line=section.start_line,
                end_line=section.end_line,
                kind=meta["kind"],
                title=meta["title"],
                status=meta.get("status"),
                path=path.name,
                date=str(meta.get("date")),
            )
            for i, section in enumerate(s for s in spec.sections if s.level >= 1)
        ]
        store.upsert(chunks, embedder.embed([c.text for c in chunks]))
        store.put_document(
            DocumentRecord(
                id=meta["id"],
                kind=meta["kind"],
                title=meta["title"],
                path=path.name,
                status=meta.get("status"),
                links=LINKS.get(meta["id"], []),
                n_chunks=len(chunks),
                text=text,
            )
        )


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
