"""`specreview review`: formats, exit codes (0 clean, 1 findings at --fail-on, 2 errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli import review_cmd

DRAFT = """# Export invoices as PDF

We will add a PDF export button to the invoices page.
"""


def _app() -> typer.Typer:
    app = typer.Typer()
    eval_app, bench_app = typer.Typer(), typer.Typer()
    app.add_typer(eval_app, name="eval")
    app.add_typer(bench_app, name="bench")
    review_cmd.register(app, eval_app=eval_app, bench_app=bench_app)
    return app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "draft.md").write_text(DRAFT)
    return tmp_path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_findings_at_or_above_fail_on_exit_1(env: Path) -> None:
    code, out, _ = _run("review", "draft.md", "--format", "json", "--fail-on", "info")
    review = json.loads(out)
    assert review["path"].endswith("draft.md") and review["findings"]
    assert code == 1


def test_no_findings_exit_0(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the history checks, and nothing is indexed: no findings.
    monkeypatch.setenv("SPECREVIEW_REVIEW__ENABLED_CHECKS", '["conflicts_with_decision"]')
    code, out, _ = _run("review", "draft.md", "--format", "json", "--fail-on", "info")
    assert json.loads(out)["findings"] == []
    assert code == 0


def test_sarif_and_markdown_formats(env: Path) -> None:
    code, out, _ = _run("review", "draft.md", "--format", "sarif", "--fail-on", "high")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert code in (0, 1)
    _, md, _ = _run("review", "draft.md", "--format", "markdown")
    assert md.startswith("## specreview: `draft.md`")


def test_text_format_shows_the_llm_banner(env: Path) -> None:
    _, out, _ = _run("review", "draft.md")
    assert "draft.md" in out and "LLM off" in out


def test_bad_files_are_reported_and_the_rest_reviewed(env: Path) -> None:
    (env / "blob.md").write_bytes(b"\x00\x01\x02PNG\x00" * 200)
    code, out, err = _run("review", "blob.md", "missing.md", "draft.md", "--format", "json")
    assert code == 2
    assert json.loads(out)["path"].endswith("draft.md")
    assert "blob.md" in err and "missing.md" in err
    assert "Traceback" not in err


def test_a_bad_fail_on_is_one_clear_error(env: Path) -> None:
    code, _, err = _run("review", "draft.md", "--fail-on", "severe")
    assert code == 2
    assert "--fail-on 'severe' is not a severity" in err


def test_fail_on_defaults_to_the_repo_config(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (env / ".specreview.toml").write_text('[review]\nfail_on = "info"\n')
    monkeypatch.setenv("SPECREVIEW_CONFIG", str(env / ".specreview.toml"))
    code, _, _ = _run("review", "draft.md", "--format", "json")
    assert code == 1
