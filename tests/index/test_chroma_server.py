"""The store contract and an index → query round trip against a real `chroma run` server."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embed import HashingEmbedder
from assistant.errors import StoreError
from assistant.store import ChromaStore, VectorStore
from index.pipeline import index_paths
from tests.chroma_support import chroma_server
from tests.github.server_process import free_port

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "formats"

# The shared contract's test functions, run here against the server-backed `store` fixture.
_spec = importlib.util.spec_from_file_location(
    "store_contract", Path(__file__).resolve().parent.parent / "test_store_contract.py"
)
assert _spec is not None and _spec.loader is not None
_contract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_contract)
test_contract_upsert_query_filter_delete = _contract.test_upsert_query_filter_delete
test_contract_document_records_round_trip = _contract.test_document_records_round_trip
test_contract_write_larger_than_one_slice = (
    _contract.test_a_write_larger_than_one_slice_keeps_every_chunk_and_vector
)

pytestmark = [
    pytest.mark.chroma_server,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture
def store(chroma_url: str, request: pytest.FixtureRequest) -> Iterator[VectorStore]:
    # A fresh collection prefix per test keeps tests independent on one server.
    prefix = "t" + str(abs(hash(request.node.nodeid)))[:10]
    opened = ChromaStore.open(url=chroma_url, prefix=prefix, embedder_name="test")
    yield opened
    opened.close()


def test_index_and_query_round_trip_over_http(store: VectorStore) -> None:
    embedder = HashingEmbedder()
    first = index_paths([FORMATS], store=store, embedder=embedder)
    assert first.documents_indexed == 7 and store.count_chunks() == first.chunks
    hits = store.query(
        embedder.embed(["one message queue per tenant noisy"])[0],
        k=3,
        where={"kind": "decision", "status": ["superseded", "accepted"]},
    )
    assert hits[0].chunk.doc_id == "ADR-0007"
    assert hits[0].chunk.path.endswith("ADR-0007-queue-per-tenant.md")
    record = store.get_document("ADR-0007")
    assert record is not None and record.status == "superseded"
    assert "One message queue" in (record.text or "")
    again = index_paths([FORMATS], store=store, embedder=embedder)
    assert again.documents_unchanged == 7 and again.chunks_embedded == 0


def test_server_down_is_a_store_error_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=url.replace(".", r"\.")):
        ChromaStore.open(url=url)
