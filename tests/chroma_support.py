"""A real `chroma run` server for the tests that need one (the store contract against a
server, several `serve` workers sharing one store)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.github.server_process import free_port, wait_for

CHROMA = Path(sys.executable).parent / "chroma"


@contextmanager
def chroma_server(folder: Path) -> Iterator[str]:
    """Start `chroma run` on a free loopback port with its data under `folder`, wait until it
    answers its heartbeat, yield its URL, stop it. Skips where the CLI is not installed."""
    if not CHROMA.exists():
        pytest.skip(f"no chroma CLI at {CHROMA}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "server.log").open("wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1"]
        + ["--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        wait_for(lambda: proc.poll() is not None or _answers(url), timeout_s=60, what="chroma run")
        if proc.poll() is not None:
            pytest.fail(f"chroma run did not start: {(folder / 'server.log').read_text()}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/api/v2/heartbeat", timeout=1)
    except httpx.HTTPError:
        return False
    return True
