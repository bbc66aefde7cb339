"""Issue 15, done when: kill -9 the real server mid-upload and mid-webhook, restart: nothing
lost (the interrupted upload job is failed with its reason, its files index cleanly when sent
again; the cut-off review runs after the restart), nothing duplicated (one review, one summary,
each document's chunks once), the replayed delivery ignored."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.store import ChromaStore
from tests.github.conftest import SECRET
from tests.github.fake_github import FakeGitHub, serve
from tests.github.server_process import Server, deliver, wait_for
from tests.github.spec_validator import SpecValidator
from tests.github.test_webhook_e2e import make_repo, pr_event

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::ResourceWarning")]

FILES = 50  # MAX_UPLOAD_FILES: an upload long enough to be cut off half-way


class GatedGitHub(FakeGitHub):
    """The fake GitHub, holding the first request for a pull request's files until released:
    the bot's run is in flight there when the server is killed."""

    gate = re.compile(r"/pulls/\d+/files$")

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__(spec)
        self.held = threading.Event()
        self.release = threading.Event()
        self._gated = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._gated and self.gate.search(scope["path"]):
            self._gated = True
            self.held.set()
            await asyncio.to_thread(self.release.wait, 120)
        await super().__call__(scope, receive, send)


@pytest.fixture
def gated_github(rest_spec: dict[str, Any], spec_validator: SpecValidator) -> Iterator[GatedGitHub]:
    fake = GatedGitHub(rest_spec)
    try:
        with serve(fake, spec_validator):
            yield fake
    finally:
        fake.release.set()


def upload_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    files = []
    for i in range(FILES):
        sections = "\n\n".join(
            f"## Part {j}\n\n" + " ".join(f"decision{i} detail{j} word{k}" for k in range(60))
            for j in range(40)
        )
        text = f"# ADR-{i:03d}: Choice {i}\n\nStatus: accepted\n\n{sections}\n"
        files.append(("files", (f"adr-{i:03d}.md", text.encode(), "text/markdown")))
    return files


def test_kill_9_mid_upload_and_mid_webhook_then_restart(
    tmp_path: Path, gated_github: GatedGitHub
) -> None:
    fake = gated_github
    repo = make_repo(fake)
    env = {
        "SPECREVIEW_STORE_PATH": str(tmp_path / ".specreview" / "store"),
        "SPECREVIEW_EMBEDDER": "hashing",
        "SPECREVIEW_GITHUB_TOKEN": fake.token,
        "SPECREVIEW_GITHUB_API_URL": fake.base_url,
        "SPECREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
    }
    server = Server(tmp_path, env).start()
    try:
        # Mid-webhook: the bot's run waits on GitHub for the pull request's files.
        payload = json.loads(pr_event(repo))
        first = deliver(server.url, SECRET, payload, "pull_request", delivery="d-kill")
        assert first.status_code == 202, first.text
        assert fake.held.wait(60), server.output()
        # Mid-upload: a job of 50 documents, killed once some are indexed and some are not.
        started = httpx.post(server.url + "/v1/documents", files=upload_files(), timeout=120)
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]

        def half_way() -> bool:
            job = httpx.get(f"{server.url}/v1/jobs/{job_id}", timeout=10).json()
            assert job["state"] in ("queued", "running"), f"the job ended before the kill: {job}"
            return job["state"] == "running" and job["done"] >= 1

        wait_for(half_way, what="the upload job to be half-way")
        server.kill9()
        assert fake.reviews == [] and fake.check_runs == []  # the run was cut off before posting
        fake.release.set()  # the killed process's request may now finish: nobody reads it

        server = Server(tmp_path, env, workers=1).start()
        recovered = "1 interrupted upload job(s) marked failed, 1 GitHub task(s) queued again"
        assert recovered in server.output()
        # Nothing lost: the job says why it failed; the cut-off review runs after the restart.
        job = httpx.get(f"{server.url}/v1/jobs/{job_id}", timeout=10).json()
        assert job["state"] == "failed" and "interrupted by a restart" in job["error"], job
        wait_for(lambda: fake.check_runs and fake.issue_comments, what="the review after restart")
        # The replayed delivery is ignored: GitHub's redelivery of the same id, after restart.
        again = deliver(server.url, SECRET, payload, "pull_request", delivery="d-kill")
        assert again.status_code == 200 and "duplicate" in again.json()["status"]
        # The upload sent again indexes every file, whole.
        retried = httpx.post(server.url + "/v1/documents", files=upload_files(), timeout=120)
        retried_id = retried.json()["id"]
        done = wait_for(
            lambda: (
                j
                if (j := httpx.get(f"{server.url}/v1/jobs/{retried_id}", timeout=10).json())[
                    "state"
                ]
                in ("done", "failed")
                else None
            ),
            timeout_s=300,
            what="the retried upload",
        )
        assert done["state"] == "done" and len(done["document_ids"]) == FILES, done
    finally:
        server.stop()
    # Nothing duplicated on GitHub: one review, one summary, one check for the one delivery.
    assert len(fake.reviews) == 1, fake.reviews
    assert len([c for c in fake.issue_comments if "specreview:summary" in c["body"]]) == 1
    assert len(fake.check_runs) == 1
    # Nothing duplicated in the store: each document's chunks once, no strays of the cut-off one.
    store = ChromaStore.open(
        path=env["SPECREVIEW_STORE_PATH"], prefix="specreview", embedder_name="hashing-256"
    )
    try:
        records = {r.id: r.n_chunks for r in store.list_documents()}
        chunks = Counter(c.doc_id for c in store.all_chunks())
        assert len(records) == FILES
        assert dict(chunks) == records
    finally:
        store.close()
