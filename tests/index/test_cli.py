"""`specreview index` and `specreview docs` through the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli import index_cmd

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "formats"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / "store"))
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    app = typer.Typer()
    index_cmd.register(app, eval_app=typer.Typer(), bench_app=typer.Typer())
    return app


def test_index_prints_a_summary_with_skipped_files(cli: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_bytes(b"\x00\x01binary")
    result = CliRunner().invoke(cli, ["index", str(FORMATS), str(tmp_path / "bad.md")])
    assert result.exit_code == 0, result.output
    assert "7 documents (3 decision, 1 retro, 3 spec): 7 indexed, 0 unchanged" in result.output
    assert "bad.md: file looks binary" in result.output
    again = CliRunner().invoke(cli, ["index", "--json", str(FORMATS)])
    summary = json.loads(again.output)
    assert summary["documents_unchanged"] == 7 and summary["chunks_embedded"] == 0


def test_docs_lists_and_filters(cli: typer.Typer) -> None:
    CliRunner().invoke(cli, ["index", str(FORMATS)])
    table = CliRunner().invoke(cli, ["docs"])
    assert "7 indexed documents" in table.output and "ADR-0007" in table.output
    rows = json.loads(CliRunner().invoke(cli, ["docs", "--json", "--kind", "decision"]).output)
    assert [r["id"] for r in rows] == ["0004-use-postgres-for-orders", "ADR-0007", "ADR-3"]
    assert rows[1]["status"] == "superseded" and "text" not in rows[1]
    rows = json.loads(CliRunner().invoke(cli, ["docs", "--json", "--status", "Implemented"]).output)
    assert [r["id"] for r in rows] == ["ADR-3"]


def test_chroma_server_down_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECREVIEW_")}
    env.update(SPECREVIEW_CHROMA_URL=f"http://127.0.0.1:{port}", SPECREVIEW_EMBEDDER="hashing")
    specreview = Path(sys.executable).parent / "specreview"
    proc = subprocess.run(
        [str(specreview), "index", str(FORMATS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr
    assert f"127.0.0.1:{port}" in proc.stderr and lines[0].startswith("error:")
