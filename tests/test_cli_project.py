"""`--store` / `--config` on the root command and on each command, and `specreview status`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.errors import ConfigError

EXAMPLES_KB = Path(__file__).resolve().parent.parent / "examples" / "kb"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    from cli import _register_all, app

    _register_all()
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.chdir(tmp_path)
    return app


def _run(app: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.stdout


def _status(app: typer.Typer, *args: str) -> dict[str, object]:
    return json.loads(_run(app, *args, "status", "--json"))  # type: ignore[no-any-return]


def test_store_before_the_command_and_on_it(app: typer.Typer, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    _run(app, "--store", str(one), "index", str(EXAMPLES_KB))
    assert "4 indexed documents" in _run(app, "docs", "--store", str(one))
    assert "0 indexed documents" in _run(app, "--store", str(two), "docs")
    # The command's own flag wins over the one before it.
    assert "4 indexed documents" in _run(app, "--store", str(two), "docs", "--store", str(one))


def test_a_flag_beats_the_environment(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / "from-env"))
    monkeypatch.setenv("SPECREVIEW_CHROMA_URL", "http://127.0.0.1:9")
    status = _status(app, "--store", str(tmp_path / "flag"))
    assert status["store"] == {
        "kind": "embedded",
        "location": str(tmp_path / "flag"),
        "origin": "--store",
        "reachable": False,
        "error": "not created yet; `specreview index PATH` creates it",
        "documents": 0,
        "documents_by_kind": {},
        "chunks": 0,
    }


def test_status_says_config_store_llm_and_counts(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "docs").mkdir()
    config = tmp_path / ".specreview.toml"
    config.write_text('store_path = "var/store"\nllm_model = "qwen"\n')
    _run(app, "--config", str(config), "index", str(EXAMPLES_KB))
    os.chdir(tmp_path / "docs")  # found upward from a subfolder (monkeypatch.chdir restores)
    out = _run(app, "--config", str(config), "status")
    assert out.splitlines() == [
        f"config    {config} (--config)",
        f"store     {tmp_path / 'var' / 'store'} (embedded Chroma, "
        "SPECREVIEW_STORE_PATH or store_path in the config)",
        "indexed   4 documents (3 decision, 1 retro), 6 chunks",
        "embedder  hashing-256",
        "LLM       on: qwen",
    ]


def test_status_never_creates_a_store(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = os.environ["SPECREVIEW_CONFIG"]  # the suite's "no config"; status says so
    assert f"config    {missing} (SPECREVIEW_CONFIG): does not exist, none read" in _run(
        app, "status"
    )
    monkeypatch.delenv("SPECREVIEW_CONFIG")
    status = _status(app)
    assert status["config"] == {"path": None, "exists": False, "origin": "none"}
    assert status["store"]["origin"] == "default"  # type: ignore[index]
    assert status["llm"] == {"enabled": False, "model": None, "base_url": None}
    assert not (tmp_path / ".specreview").exists()


def test_status_says_when_the_server_is_unreachable(app: typer.Typer) -> None:
    status = _status(app, "--store", "http://127.0.0.1:9")
    store = status["store"]
    assert store["kind"] == "server" and store["reachable"] is False  # type: ignore[index]
    assert "cannot reach the Chroma store at http://127.0.0.1:9" in store["error"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--config", "missing.toml"], "--config missing.toml: no such file; check the path"),
        (["--config", "."], "--config . is a folder; give the .specreview.toml file"),
        (["--store", "afile"], "--store afile is a file; give the store's folder"),
    ],
)
def test_bad_flags_are_one_clear_error(
    app: typer.Typer, tmp_path: Path, flags: list[str], message: str
) -> None:
    (tmp_path / "afile").write_text("x")
    for args in ([*flags, "status"], ["status", *flags]):
        result = CliRunner().invoke(app, args)
        assert isinstance(result.exception, ConfigError)
        assert str(result.exception).startswith(message)


def test_a_bad_flag_exits_2_with_one_unwrapped_line(tmp_path: Path) -> None:
    """Through the real entry point, stderr piped: one line, never cut at 80 columns."""
    (tmp_path / "afile").write_text("x")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECREVIEW_")}
    done = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "--store", "afile"] + ["status"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: --store afile is a file; give the store's folder (created if missing) or a "
        "Chroma server URL (http://host:port)"
    ]
