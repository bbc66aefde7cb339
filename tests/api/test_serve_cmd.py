"""`specreview serve` and `specreview bench api` through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evals.bench_api import main as bench_main

CLI = [sys.executable, "-c", "from cli import main; main()"]


def test_serve_refuses_a_public_bind_without_tokens(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SPECREVIEW_STORE_PATH": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        [*CLI, "serve", "--host", "0.0.0.0", "--port", "8999"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "refusing to serve on 0.0.0.0 without authentication" in message
    assert "SPECREVIEW_API_TOKENS" in message


def test_bench_api_runs_a_bounded_load_and_writes_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    report = tmp_path / "bench.md"
    code = bench_main(["--requests", "6", "--concurrency", "2", "--report", str(report)])
    assert code == 0
    text = report.read_text()
    assert "6 OK, **0 errors**" in text
    assert "reviews/s" in text and "p95" in text
