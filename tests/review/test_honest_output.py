"""Honest output: a review says when the history checks were skipped and why, text ends with a
one-line summary by severity, and output piped to a file is never hard-wrapped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from assistant.config import ReviewConfig, Settings
from assistant.render import render_markdown, render_terminal_text
from assistant.review import Reviewer
from cli import index_cmd, review_cmd
from tests.api.conftest import make_services

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
DRAFT = """# Export invoices as PDF

We will add a PDF export button to the invoices page so that finance can send the invoice.
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    cli = typer.Typer()
    eval_app, bench_app = typer.Typer(), typer.Typer()
    cli.add_typer(eval_app, name="eval")
    cli.add_typer(bench_app, name="bench")
    for module in (index_cmd, review_cmd):
        module.register(cli, eval_app=eval_app, bench_app=bench_app)
    return cli


def _draft(folder: Path) -> Path:
    """The draft at a path far longer than 80 columns."""
    deep = folder / "product-specs" / "billing-and-invoicing" / "2026-q1-export-invoices-as-pdf"
    deep.mkdir(parents=True)
    path = deep / "export-invoices-as-pdf-for-the-finance-team.md"
    path.write_text(DRAFT)
    return path


def _run(app: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_nothing_indexed_is_said_in_every_format(app: typer.Typer, tmp_path: Path) -> None:
    draft = str(_draft(tmp_path))
    review = json.loads(_run(app, "review", draft, "--format", "json"))
    assert review["history"]["checked"] is False
    assert review["history"]["skipped_reason"].startswith("nothing is indexed")
    text = _run(app, "review", draft)
    assert (
        "History checks (conflicts with decisions, lessons from retros) skipped: nothing is "
        "indexed (index your decision records and retros: `specreview index PATH` or the "
        "Library page)." in text.splitlines()
    )
    markdown = _run(app, "review", draft, "--format", "markdown")
    assert "_History checks (conflicts with decisions, lessons from retros) skipped:" in markdown
    sarif = json.loads(_run(app, "review", draft, "--format", "sarif"))
    [document] = sarif["runs"][0]["properties"]["documents"]
    assert document["history"] == review["history"]


def test_with_records_indexed_the_history_checks_ran(app: typer.Typer, tmp_path: Path) -> None:
    _run(app, "index", str(EXAMPLES / "kb"))
    draft = str(_draft(tmp_path))
    review = json.loads(_run(app, "review", draft, "--format", "json"))
    assert review["history"] == {"checked": True, "skipped_reason": None}
    assert "History checks" not in _run(app, "review", draft)


def test_an_unreachable_store_skips_them_and_the_review_still_runs(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECREVIEW_CHROMA_URL", "http://127.0.0.1:9")
    review = json.loads(_run(app, "review", str(_draft(tmp_path)), "--format", "json"))
    assert review["findings"]
    assert review["history"]["skipped_reason"].startswith(
        "the store is unreachable (cannot reach the Chroma store at http://127.0.0.1:9"
    )


def test_nothing_is_said_where_the_history_checks_do_not_apply() -> None:
    off = ReviewConfig(disabled_checks=["conflicts_with_decision", "repeats_past_lesson"])
    review = Reviewer(config=off).review_text(DRAFT)
    assert review.history.skipped_reason is None
    assert "History checks" not in render_terminal_text([review])
    assert "History checks" not in render_markdown(review)


def test_text_ends_with_a_summary_by_severity(app: typer.Typer, tmp_path: Path) -> None:
    draft = str(_draft(tmp_path))
    reviews = json.loads(_run(app, "review", draft, draft, "--format", "json"))
    severities = [f["severity"] for r in reviews for f in r["findings"]]
    counts = ", ".join(f"{severities.count(s)} {s}" for s in ("high", "medium", "low", "info"))
    last = _run(app, "review", draft, draft).rstrip("\n").splitlines()[-1]
    assert last == f"{len(severities)} findings in 2 files: {counts}"


def test_piped_output_is_not_wrapped(app: typer.Typer, tmp_path: Path) -> None:
    draft = _draft(tmp_path)
    text = _run(app, "review", str(draft))
    assert str(draft) in text.splitlines()  # the path, whole, on its own line
    messages = [
        f["message"] for f in json.loads(_run(app, "review", str(draft), "-f", "json"))["findings"]
    ]
    assert messages and all(f"    {m}" in text.splitlines() for m in messages)
    # The docs table keeps long titles and paths on one row.
    kb = tmp_path / "kb"
    kb.mkdir()
    title = "Use one Postgres cluster per region for invoices, payments and ledger entries"
    (kb / "0001-use-one-postgres-cluster-per-region-for-all-billing-data.md").write_text(
        f"# {title}\n\n## Status\n\nAccepted\n\n## Decision\n\nOne cluster per region.\n"
    )
    _run(app, "index", str(kb))
    table = _run(app, "docs")
    assert any("0001-use-one-postgres" in line and title in line for line in table.splitlines())


def test_the_review_page_says_so_too(settings: Settings) -> None:
    services = make_services(settings, reviewer=Reviewer())
    with TestClient(create_app(services), base_url="http://127.0.0.1") as client:
        html = client.post("/review", data={"text": DRAFT}).text
    assert "History checks (conflicts with decisions, lessons from retros) skipped: " in html
