"""`specreview review`: formats, exit codes (0 clean, 1 findings at --fail-on, 2 errors,
3 internal errors), and hostile front matter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assistant.models import Review
from assistant.review import Reviewer
from cli import review_cmd
from tests.hostile_yaml import HOSTILE, with_front_matter

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


def test_every_format_says_what_the_document_was_read_as(env: Path) -> None:
    _, out, _ = _run("review", "draft.md")
    assert "Read as a" in out
    _, md, _ = _run("review", "draft.md", "--format", "markdown", "--type", "decision")
    assert "_Read as a decision record (--type)._" in md
    _, js, _ = _run("review", "draft.md", "--format", "json", "--type", "design")
    assert json.loads(js)["doc_type"] == "design"
    _, sarif, _ = _run("review", "draft.md", "--format", "sarif", "--type", "design")
    documents = json.loads(sarif)["runs"][0]["properties"]["documents"]
    assert documents[0]["type"] == "design" and documents[0]["type_source"] == "--type"


def test_a_decision_read_as_such_gets_no_plan_findings(env: Path) -> None:
    (env / "0007-use-postgres.md").write_text(
        "# Use Postgres for jobs\n\n## Context\n\nJobs live in Redis and two days of them "
        "were lost in the March failover, so customers re-ran imports by hand.\n\n"
        "## Decision\n\nJobs move to Postgres.\n"
    )
    _, out, _ = _run("review", "0007-use-postgres.md", "--format", "json")
    review = json.loads(out)
    assert review["doc_type"] == "decision"
    assert review["findings"] == []
    _, out, _ = _run("review", "0007-use-postgres.md", "--format", "json", "--type", "spec")
    assert "missing_acceptance_criteria" in {f["code"] for f in json.loads(out)["findings"]}


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


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_front_matter_is_a_warning_and_the_draft_is_reviewed(env: Path, name: str) -> None:
    (env / "hostile.md").write_text(with_front_matter(HOSTILE[name], DRAFT))
    code, out, err = _run("review", "hostile.md", "--format", "json", "--fail-on", "info")
    review = json.loads(out)
    assert code == 1 and review["findings"], err  # its findings, as for any draft
    [skipped] = review["coverage"]["skipped"]
    assert skipped.startswith("front matter: broken YAML front matter: over a limit")


def _crash_on(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The reviewer raises an unexpected error (a bug) on files called `name`."""
    review_text = Reviewer.review_text

    def review_or_crash(self: Reviewer, text: str, *, path: str = "<draft>", **kw: Any) -> Review:
        if Path(path).name == name:
            raise RecursionError("maximum recursion depth exceeded")
        return review_text(self, text, path=path, **kw)

    monkeypatch.setattr(Reviewer, "review_text", review_or_crash)


def test_an_internal_error_exits_3_names_the_file_and_reviews_the_rest(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crash_on(monkeypatch, "hostile.md")
    (env / "hostile.md").write_text("# Hostile\n")
    (env / "later.md").write_text(DRAFT)
    code, out, err = _run(
        "review", "draft.md", "hostile.md", "later.md", "--format", "json", "--fail-on", "info"
    )
    assert code == 3  # not 1: a crash is no finding, though both other drafts have findings
    reviews = json.loads(out)
    assert [Path(r["path"]).name for r in reviews] == ["draft.md", "later.md"]
    assert all(r["findings"] for r in reviews)
    assert "hostile.md: internal error, not a finding (RecursionError at test_cli_review.py:" in err
    assert "the other files were still reviewed" in err and "Traceback" not in err


def test_an_internal_error_wins_over_an_unreadable_file(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crash_on(monkeypatch, "draft.md")
    code, out, err = _run("review", "missing.md", "draft.md", "--format", "json")
    assert code == 3 and json.loads(out) == []
    assert "missing.md does not exist" in err and "draft.md: internal error" in err


def test_a_crash_outside_the_review_loop_exits_3_with_its_traceback(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cli
    from assistant import services

    def broken_setup(self: services.Services, **_: object) -> None:
        raise RuntimeError("a bug in the setup")

    monkeypatch.setattr(services.Services, "__init__", broken_setup)
    monkeypatch.setattr(sys, "argv", ["specreview", "review", "draft.md"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "RuntimeError: a bug in the setup" in err and "internal error" in err


def test_exit_codes_are_in_the_help(env: Path) -> None:
    _, out, _ = _run("review", "--help")
    assert "3 an internal error" in out and "1 findings at or above --fail-on" in out


MEMORY_LIMIT_KB = 1_500_000  # the bomb grew past several GB before the bounded loader


def test_yaml_bombs_finish_in_seconds_under_a_memory_limit(tmp_path: Path) -> None:
    """The real command in a process capped by `ulimit -v`: no MemoryError, no crash."""
    names = []
    for n, name in enumerate(sorted(HOSTILE)):
        (tmp_path / f"hostile-{n}.md").write_text(with_front_matter(HOSTILE[name], DRAFT))
        names.append(f"hostile-{n}.md")
    (tmp_path / "plain.md").write_text(DRAFT)
    exe = shutil.which("specreview", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPECREVIEW_", "OPENAI_"))}
    env.update(
        SPECREVIEW_EMBEDDER="hashing",
        SPECREVIEW_STORE_PATH=str(tmp_path / "store"),
        SPECREVIEW_CONFIG=str(tmp_path / "none.toml"),
    )
    files = " ".join([*names, "plain.md"])
    started = time.perf_counter()
    done = subprocess.run(
        ["bash", "-c", f"ulimit -v {MEMORY_LIMIT_KB} && exec {exe} review --format json {files}"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 1, done.stderr[-2000:]  # findings, as for the plain draft
    assert elapsed < 30, f"{elapsed:.1f} s"
    reviews = {r["path"]: r for r in json.loads(done.stdout)}
    assert set(reviews) == {*names, "plain.md"}
    for name in names:
        [skipped] = reviews[name]["coverage"]["skipped"]
        assert "over a limit" in skipped
        assert reviews[name]["findings"]
    assert reviews["plain.md"]["coverage"]["skipped"] == []


def test_review_of_a_fifo_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """The real command: a FIFO with no writer is refused at once with exit 2 (issue 17)."""
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "wide.md").write_bytes(DRAFT.encode("utf-16"))
    exe = shutil.which("specreview", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPECREVIEW_", "OPENAI_"))}
    env.update(SPECREVIEW_EMBEDDER="hashing", SPECREVIEW_STORE_PATH=str(tmp_path / "store"))
    done = subprocess.run(
        [exe, "review", "--format", "json", "pipe.md", "wide.md"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "pipe.md is a FIFO (named pipe), not a regular file" in " ".join(done.stderr.split())
    assert json.loads(done.stdout)["path"] == "wide.md"  # the other file is reviewed
