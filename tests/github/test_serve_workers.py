"""`specreview serve --workers N` (issue 15): refused where the processes cannot share the store
or the database; with a `chroma run` server and PostgreSQL (or the local SQLite file, see
api/workers.py for why that is safe) one delivery sent to two workers is processed once, and
an upload job is readable from any worker."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.workers import check_workers
from assistant.config import Settings
from assistant.errors import ConfigError
from tests.chroma_support import chroma_server
from tests.db_support import DATABASES, fresh_database
from tests.github.conftest import SECRET
from tests.github.fake_github import FakeGitHub
from tests.github.server_process import CLI, Server, deliver, free_port, wait_for
from tests.github.test_webhook_e2e import make_repo, pr_event


def test_several_workers_need_a_chroma_server(tmp_path: Path) -> None:
    embedded = Settings(store_path=tmp_path / "store")
    assert check_workers(embedded, 1) == "1 worker"
    with pytest.raises(ConfigError, match="chroma run") as refused:
        check_workers(embedded, 2)
    assert "SPECREVIEW_CHROMA_URL" in str(refused.value)
    server = Settings(store_path=tmp_path / "store", chroma_url="http://127.0.0.1:8001")
    assert "SQLite" in check_workers(server, 2)  # the local file: one writer at a time
    on_postgres = server.model_copy(update={"database_url": "postgresql://u:secret@db:5432/x"})
    line = check_workers(on_postgres, 3)
    assert "3 workers" in line and "db:5432/x" in line and "secret" not in line
    for memory in ("sqlite://", "sqlite:///:memory:"):
        with pytest.raises(ConfigError, match="in-memory SQLite"):
            check_workers(server.model_copy(update={"database_url": memory}), 2)


def test_serve_refuses_several_workers_on_the_embedded_store(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECREVIEW_")}
    env["SPECREVIEW_STORE_PATH"] = str(tmp_path / "store")
    done = subprocess.run(
        [str(CLI), "serve", "--workers", "2", "--port", str(free_port())],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "cannot be shared by several processes" in " ".join(done.stderr.split())


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def _env(tmp_path: Path, fake: FakeGitHub, chroma_url: str, database_url: str) -> dict[str, str]:
    return {
        "SPECREVIEW_STORE_PATH": str(tmp_path / ".specreview" / "store"),
        "SPECREVIEW_CHROMA_URL": chroma_url,
        "SPECREVIEW_COLLECTION_PREFIX": "w" + str(abs(hash(str(tmp_path))))[:8],
        "SPECREVIEW_DATABASE_URL": database_url,
        "SPECREVIEW_EMBEDDER": "hashing",
        "SPECREVIEW_GITHUB_TOKEN": fake.token,
        "SPECREVIEW_GITHUB_API_URL": fake.base_url,
        "SPECREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
    }


def _send_at_once(urls: list[str], payload: dict[str, Any], delivery: str) -> list[int]:
    """The same delivery to each url at the same moment; the status codes."""
    start, codes = threading.Barrier(len(urls)), []

    def send(url: str) -> None:
        start.wait()
        codes.append(deliver(url, SECRET, payload, "pull_request", delivery=delivery).status_code)

    threads = [threading.Thread(target=send, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(codes)


pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.mark.slow
@pytest.mark.chroma_server
@pytest.mark.parametrize("kind", DATABASES)
def test_one_delivery_sent_to_two_workers_is_processed_once(
    kind: str, tmp_path: Path, fake_github: FakeGitHub, chroma_url: str
) -> None:
    repo = make_repo(fake_github)
    payload = json.loads(pr_event(repo))
    with fresh_database(kind, tmp_path) as database_url:
        if kind == "sqlite":
            database_url = f"sqlite:///{tmp_path / 'shared.db'}"
        env = _env(tmp_path, fake_github, chroma_url, database_url)
        # Two processes on two ports, one database: the delivery reaches both, for certain.
        first, second = Server(tmp_path, env).start(), Server(tmp_path, env).start()
        try:
            codes = _send_at_once([first.url, second.url], payload, "d-two-workers")
            assert codes == [200, 202]  # one queued it, the other saw a replay
            wait_for(lambda: fake_github.check_runs, what="the review")
            time.sleep(3)  # time for a second run, were there one
        finally:
            first.stop()
            second.stop()
        assert len(fake_github.reviews) == 1 and len(fake_github.check_runs) == 1
        # `serve --workers 2`: one socket, two processes; the same delivery six times at once.
        fake_github.reviews.clear()
        fake_github.check_runs.clear()
        served = Server(tmp_path, env, workers=2).start()
        try:
            assert served.proc is not None
            children = subprocess.run(
                ["ps", "--ppid", str(served.proc.pid), "-o", "pid="],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            assert len(children) >= 2, served.output()  # the workers (and a resource tracker)
            codes = _send_at_once([served.url] * 6, payload, "d-workers-2")
            assert codes == [200] * 5 + [202]
            wait_for(lambda: fake_github.check_runs, what="the review")
            # An upload job is readable from whichever worker answers.
            files = [("files", ("adr-1.md", b"# ADR-1: X\n\nStatus: accepted\n\nWe do X.\n"))]
            job = httpx.post(served.url + "/v1/documents", files=files, timeout=60).json()
            for _ in range(8):
                seen = httpx.get(f"{served.url}/v1/jobs/{job['id']}", timeout=10)
                assert seen.status_code == 200, seen.text
            time.sleep(3)
        finally:
            served.stop()
        assert len(fake_github.check_runs) == 1, served.output()
