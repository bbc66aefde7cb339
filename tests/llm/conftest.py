"""Fixtures for the LLM layer: the loopback OpenAI-compatible server, a fake history, specs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.markdown import ParsedSpec, parse_spec
from assistant.models import Chunk, DocumentRecord, Hit
from tests.llm.fake_openai import FakeOpenAI

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "llm"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def load_spec(name: str) -> ParsedSpec:
    return parse_spec((FIXTURES / name).read_text(encoding="utf-8"))


class FakeHistory:
    """A History with fixed records: `search` returns them all, in order, filtered by kind."""

    def __init__(self, records: Sequence[DocumentRecord]) -> None:
        self.records = list(records)
        self.queries: list[str] = []

    def search_many(
        self, texts: Sequence[str], *, kinds: Sequence[str] | None = None, k: int = 8
    ) -> list[list[Hit]]:
        return [self.search(text, kinds=kinds, k=k) for text in texts]

    def search(self, text: str, *, kinds: Sequence[str] | None = None, k: int = 8) -> list[Hit]:
        self.queries.append(text)
        hits = []
        for i, record in enumerate(self.records):
            if kinds is not None and record.kind not in kinds:
                continue
            chunk = Chunk(
                id=f"{record.id}#0",
                doc_id=record.id,
                text=record.text or "",
                start_line=1,
                end_line=10,
                kind=record.kind,
                title=record.title,
                status=record.status,
                path=record.path,
            )
            hits.append(Hit(chunk=chunk, score=1.0 - i / 10))
        return hits[:k]

    def get(self, doc_id: str) -> DocumentRecord | None:
        return next((r for r in self.records if r.id == doc_id), None)

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        return {i: r for i in doc_ids if (r := self.get(i)) is not None}


def datastore_decision() -> DocumentRecord:
    return DocumentRecord(
        id="DL-2024-01",
        kind="decision",
        title="Approved datastores",
        path="kb/decisions/dl-2024-01.md",
        status="accepted",
        text="We use four approved datastores. Any other datastore needs an approved ADR first.",
    )


def old_decision() -> DocumentRecord:
    return DocumentRecord(
        id="ADR-0002",
        kind="decision",
        title="Exports as XML",
        path="kb/decisions/adr-0002.md",
        status="superseded",
        text="Exports are XML files.",
    )


def rollout_retro() -> DocumentRecord:
    return DocumentRecord(
        id="RETRO-2023-08",
        kind="retro",
        title="Big-bang launch retro",
        path="kb/retros/retro-2023-08.md",
        status="final",
        text="Launching to every customer on one day caused an outage; stage rollouts.",
    )
