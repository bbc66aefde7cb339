"""Writers to one embedded store take turns: concurrent `specreview index` runs lose nothing."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.embed import HashingEmbedder
from assistant.errors import StoreError
from assistant.store import ChromaStore
from assistant.store_lock import store_write_lock

SPECREVIEW = str(Path(sys.executable).parent / "specreview")


def cli_env(store: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECREVIEW_")}
    env.update(SPECREVIEW_STORE_PATH=str(store), SPECREVIEW_EMBEDDER="hashing", **extra)
    return env


def write_docs(folder: Path, prefix: str, n: int) -> None:
    """n documents of six sections; distinct words (near-twin vectors hide in an HNSW graph)."""
    folder.mkdir(parents=True)
    words = random.Random(prefix)

    def sentence() -> str:
        return " ".join(f"w{words.randrange(100_000)}" for _ in range(12)) + "."

    for i in range(n):
        body = "\n\n".join(
            f"## Part {j}\n\n" + " ".join(sentence() for _ in range(25)) for j in range(6)
        )
        (folder / f"{prefix}-{i:03d}.md").write_text(f"# {prefix} design {i}\n\n{body}\n")


def assert_every_chunk_vectored(store_path: Path, expected_docs: int) -> None:
    """Every document's chunks are there, and each one is found by a vector query."""
    store = ChromaStore.open(path=str(store_path), embedder_name=HashingEmbedder().name)
    try:
        records = store.list_documents()
        assert len(records) == expected_docs
        chunks = store.all_chunks()
        for record in records:
            assert sum(c.doc_id == record.id for c in chunks) == record.n_chunks, record.id
        assert len(chunks) == sum(r.n_chunks for r in records)  # no ghosts either
        # Exact: every chunk's vector reads back (Chroma cannot read a missing one; the test of
        # that check damages a store: tests/index/test_vectors.py). Vector queries are not
        # used here: HNSW is approximate, and a filtered query can miss a vectored chunk.
        assert store.documents_missing_vectors([r.id for r in records]) == []
    finally:
        store.close()


def test_two_concurrent_index_runs_leave_every_chunk_vectored(tmp_path: Path) -> None:
    store = tmp_path / "store"
    write_docs(tmp_path / "a", "alpha", 40)
    write_docs(tmp_path / "b", "beta", 40)
    runs = [
        subprocess.Popen(
            [SPECREVIEW, "index", str(tmp_path / name)],
            env=cli_env(store),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "40 indexed" in out
    assert_every_chunk_vectored(store, 80)
    again = subprocess.run(
        [SPECREVIEW, "index", str(tmp_path / "a"), str(tmp_path / "b")],
        env=cli_env(store),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0 and "0 indexed, 80 unchanged" in again.stdout


def test_a_second_writer_waits_says_so_then_writes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    write_docs(tmp_path / "a", "alpha", 3)
    with store_write_lock(store, timeout=5):
        run = subprocess.Popen(
            [SPECREVIEW, "index", str(tmp_path / "a")],
            env=cli_env(store),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert run.stderr is not None
        line = run.stderr.readline()  # blocks until the run says it waits
        assert f"waiting for another writer (pid {os.getpid()})" in line
        assert str(store) in line
        time.sleep(0.5)
        assert run.poll() is None  # still waiting while the lock is held
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert "3 indexed" in out
    assert_every_chunk_vectored(store, 3)


def test_a_writer_that_waits_too_long_fails_with_a_clear_error(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    write_docs(tmp_path / "a", "alpha", 1)
    with store_write_lock(store, timeout=5):
        proc = subprocess.run(
            [SPECREVIEW, "index", str(tmp_path / "a")],
            env=cli_env(store, SPECREVIEW_STORE_LOCK_TIMEOUT="0.5"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    said = " ".join(proc.stderr.split())
    assert "waiting for another writer" in said
    assert "still busy after" in said and "SPECREVIEW_STORE_LOCK_TIMEOUT" in said
    assert f"pid {os.getpid()}" in said


def test_threads_take_turns_and_one_thread_may_lock_again(tmp_path: Path) -> None:
    waits: list[str] = []
    with store_write_lock(tmp_path, timeout=5), store_write_lock(tmp_path, timeout=5):
        failure: list[BaseException] = []

        def other() -> None:
            try:
                with store_write_lock(tmp_path, timeout=0.3, on_wait=waits.append):
                    pass
            except StoreError as exc:
                failure.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert len(waits) == 1 and "in this process" in waits[0]
    assert len(failure) == 1 and "still busy" in str(failure[0])
    with store_write_lock(tmp_path, timeout=0.3):  # released: free again
        pass


@pytest.mark.parametrize("timeout", [0.0])
def test_a_free_lock_is_taken_at_once_even_with_no_time_to_wait(
    tmp_path: Path, timeout: float
) -> None:
    with store_write_lock(tmp_path, timeout=timeout):
        assert (tmp_path / "specreview-write.lock").read_text().strip() == str(os.getpid())


def test_an_upload_in_serve_during_a_cli_index_loses_nothing(tmp_path: Path) -> None:
    """`serve` opened its store before a CLI `index` started; an upload job posted while the
    CLI writes waits for the lock, then writes through that older client: every chunk of both
    ends up vectored, and serve's own client sees them all."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from assistant.config import Settings
    from assistant.services import Services
    from assistant.store import documents_missing_vectors

    store = tmp_path / "store"
    write_docs(tmp_path / "a", "alpha", 40)
    uploads = [
        (
            "files",
            (f"upload-{i}.md", f"# Upload {i}\n\nw{i}00 w{i}01 uploaded text.\n", "text/markdown"),
        )
        for i in range(5)
    ]
    services = Services(settings=Settings(store_path=store, embedder="hashing"))
    with TestClient(create_app(services)) as client:
        assert client.get("/v1/documents").json()["total"] == 0  # serve's client is open
        cli = subprocess.Popen(
            [SPECREVIEW, "index", str(tmp_path / "a")],
            env=cli_env(store),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert cli.stdout is not None
        deadline = time.monotonic() + 120
        while not (store / "specreview-write.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        job = client.post("/v1/documents", files=uploads).json()
        out, err = cli.communicate(timeout=300)
        assert cli.returncode == 0, err
        assert "40 indexed" in out
        while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.1)
            job = client.get(f"/v1/jobs/{job['id']}").json()
        assert job["state"] == "done", job
        assert len(job["document_ids"]) == 5
        listed = client.get("/v1/documents?limit=1000").json()
        assert listed["total"] == 45
        ids = [d["id"] for d in listed["items"]]
        assert documents_missing_vectors(services.store, ids) == []  # serve's own client
    services.store.close()  # type: ignore[attr-defined]
    assert_every_chunk_vectored(store, 45)


def test_a_store_opened_before_a_cli_index_reads_what_the_cli_wrote(tmp_path: Path) -> None:
    """Chroma keeps the vectors it loaded at open: `serve`'s client, opened before a CLI
    `index`, used to miss every chunk that run wrote (queries found nothing of it)."""
    store = tmp_path / "store"
    write_docs(tmp_path / "a", "alpha", 3)
    serving = ChromaStore.open(path=str(store), embedder_name=HashingEmbedder().name)
    try:
        assert serving.query(HashingEmbedder().embed(["anything"])[0], k=5) == []
        done = subprocess.run(
            [SPECREVIEW, "index", str(tmp_path / "a")],
            env=cli_env(store),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 and "3 indexed" in done.stdout, done.stderr
        chunks = serving.all_chunks()
        assert len(chunks) == sum(r.n_chunks for r in serving.list_documents()) > 0
        for chunk in chunks[:: max(1, len(chunks) // 10)]:
            [hit] = serving.query(HashingEmbedder().embed([chunk.text])[0], k=1)
            assert hit.chunk.id == chunk.id
        assert serving.documents_missing_vectors(["alpha-000", "alpha-001", "alpha-002"]) == []
    finally:
        serving.close()
