"""The store contract and an index → query round trip against a real `chroma run` server."""

from __future__ import annotations

import gc
import importlib.util
import os
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embed import HashingEmbedder
from assistant.errors import StoreError
from assistant.store import ChromaStore, VectorStore
from index.pipeline import index_paths

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "formats"
CHROMA = Path(sys.executable).parent / "chroma"

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip(f"no chroma CLI at {CHROMA}")
    port = _free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = (folder / "server.log").open("wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(folder / "data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"chroma run did not start: {(folder / 'server.log').read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        # chromadb's HttpClient keeps internal httpx pools we cannot reach; collect them here,
        # quietly, rather than let their sockets warn inside some later test.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


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
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(StoreError, match=url.replace(".", r"\.")):
        ChromaStore.open(url=url)
