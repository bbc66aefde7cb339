"""The whole index → query path with the real MiniLM model and Chroma on disk, network off."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from assistant.embed import MiniLMEmbedder
from assistant.store import ChromaStore
from index.pipeline import index_paths

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "formats"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any socket connect other than AF_UNIX fails (and is recorded)."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(kind: str, real: Any) -> Any:
        def blocked(self: socket.socket, address: Any) -> Any:
            if self.family == socket.AF_UNIX:
                return real(self, address)
            attempts.append((kind, address))
            raise OSError(f"network disabled in this test: {kind} {address}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", guard("connect", real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guard("connect_ex", real_connect_ex))
    monkeypatch.setattr(
        socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("offline"))
    )
    return attempts


def test_index_and_query_offline_with_the_real_model(no_network: list[Any], tmp_path: Path) -> None:
    embedder = MiniLMEmbedder(threads=1)
    store = ChromaStore.open(path=str(tmp_path / "store"), embedder_name=embedder.name)
    summary = index_paths([FORMATS], store=store, embedder=embedder)
    assert summary.documents_indexed == 7 and summary.skipped == []
    query = embedder.embed(["why did we give every customer their own job queue?"])[0]
    hits = store.query(query, k=3)
    assert hits[0].chunk.doc_id == "ADR-0007"
    retro = store.query(
        embedder.embed(["what went wrong when the signing key was rotated"])[0],
        k=1,
        where={"kind": "retro"},
    )
    assert retro[0].chunk.doc_id == "2024-02-01-login-outage"
    store.close()
    assert no_network == []
