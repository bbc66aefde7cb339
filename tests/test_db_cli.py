"""`specreview review --save/--no-save`, `specreview dismiss` and `reopen`, through the CLI runner,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assistant.db import open_ledger, sqlite_url
from assistant.ledger import DocumentKey
from cli import review_cmd
from tests.db_support import DATABASES, cli_database

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


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # a repository: documents are named from its root
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "draft.md").write_text(DRAFT)
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / ".specreview" / "store"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(params=DATABASES)
def database(
    request: pytest.FixtureRequest, project: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The URL the CLI records to: the default SQLite file, or PostgreSQL by URL."""
    with cli_database(request.param, project, monkeypatch) as url:
        yield url


def review_json(*flags: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run("review", "docs/draft.md", "--format", "json", *flags)
    return code, json.loads(out), err


def test_save_records_the_review_and_shows_finding_ids(database: str) -> None:
    _, review, _ = review_json("--save")
    assert review["findings"] and all(isinstance(f["id"], int) for f in review["findings"])
    ledger = open_ledger(database)
    [recorded] = ledger.reviews(document=DocumentKey(path="docs/draft.md"))
    assert recorded.surface == "cli" and len(recorded.content_hash) == 64
    assert [f.id for f in recorded.findings] == [f["id"] for f in review["findings"]]
    ledger.close()


def test_a_dismissed_finding_is_suppressed_in_the_next_review(database: str) -> None:
    _, first, _ = review_json("--save")
    target = first["findings"][0]
    code, out, _ = run("dismiss", str(target["id"]), "--reason", "wrong", "--by", "pm")
    assert code == 0
    assert f"Dismissed finding {target['id']} ({target['code']} on docs/draft.md): wrong" in out
    _, second, _ = review_json()  # saved by default now that the database exists
    assert target["fingerprint"] not in [f["fingerprint"] for f in second["findings"]]
    assert any(s.startswith(target["code"]) and "dismissed" in s for s in second["suppressed"])
    assert len(second["findings"]) == len(first["findings"]) - 1
    code, out, _ = run("reopen", str(target["id"]), "--by", "pm")
    assert code == 0 and "Reopened finding" in out
    _, third, _ = review_json()
    assert target["fingerprint"] in [f["fingerprint"] for f in third["findings"]]


def test_no_save_records_nothing_but_still_hides_dismissed(project: Path) -> None:
    _, first, _ = review_json("--save")
    run("dismiss", str(first["findings"][0]["id"]), "--reason", "not_applicable")
    _, second, _ = review_json("--no-save")
    assert "id" not in second["findings"][0]  # not recorded: no ids
    assert len(second["findings"]) == len(first["findings"]) - 1
    ledger = open_ledger(sqlite_url(project / ".specreview" / "specreview.db"))
    assert len(ledger.reviews()) == 1
    ledger.close()


def test_by_default_a_project_without_specreview_is_left_untouched(project: Path) -> None:
    _, review, _ = review_json()
    assert "id" not in review["findings"][0]
    assert not (project / ".specreview").exists()


def test_terminal_output_names_the_finding_ids(project: Path) -> None:
    _, out, _ = run("review", "docs/draft.md", "--save")
    assert ", finding 1)" in out


def test_terminal_output_names_the_dismissed_finding_it_holds_back(project: Path) -> None:
    _, first, _ = review_json("--save")
    target = first["findings"][0]
    run("dismiss", str(target["id"]), "--reason", "wrong")
    _, out, _ = run("review", "docs/draft.md")
    assert "Suppressed: 1" in out
    assert f"{target['code']}" in out.split("Suppressed: 1")[1]
    assert f"{target['code']} (dismissed, finding " in out


def test_dismissing_an_unknown_finding_or_with_an_unknown_reason_exits_2(project: Path) -> None:
    review_json("--save")
    code, _, err = run("dismiss", "999", "--reason", "wrong")
    assert code == 2 and "no finding 999 is recorded" in err
    code, _, err = run("dismiss", "1", "--reason", "meh")
    assert code == 2 and "meh" in err


def test_an_unreachable_database_fails_save_but_only_warns_by_default(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "SPECREVIEW_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
    )
    code, out, err = run("review", "docs/draft.md", "--format", "json", "--save")
    assert code == 2 and "the reviews were not saved" in err and "unreachable" in err
    assert json.loads(out)["findings"]  # the review is still shown
    code, out, err = run("review", "docs/draft.md", "--format", "json", "--fail-on", "high")
    assert "warning: the reviews were not saved" in err
    assert code in (0, 1) and json.loads(out)["findings"]
