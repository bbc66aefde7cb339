"""`specreview insights [--json]` and `specreview export findings --format csv|jsonl [--out]`,
through the CLI runner, on SQLite and PostgreSQL; the export streams (it never reads all the
findings at once)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.db import open_ledger
from assistant.errors import InputError
from assistant.ledger import DocumentKey, ExportedFinding, InMemoryLedger
from assistant.models import Finding, RelatedRecord, Review, Span
from cli import insights_cmd
from tests.db_support import DATABASES, cli_database


def _app() -> typer.Typer:
    app = typer.Typer()
    eval_app, bench_app = typer.Typer(), typer.Typer()
    insights_cmd.register(app, eval_app=eval_app, bench_app=bench_app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / ".specreview" / "store"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(params=DATABASES)
def database(
    request: pytest.FixtureRequest, project: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    with cli_database(request.param, project, monkeypatch) as url:
        yield url


def finding(fp: str, code: str, message: str = "m") -> Finding:
    return Finding(
        code=code,
        severity="high",
        title="t",
        message=message,
        suggestion="s",
        span=Span(start_line=2, end_line=3, quote="q"),
        fingerprint=fp,
        related=[RelatedRecord(id="adr-1", title="x"), RelatedRecord(id="adr-2", title="y")],
    )


def seed(url: str) -> None:
    ledger = open_ledger(url)
    for n in range(6):
        doc = DocumentKey(repo="acme/specs", path=f"docs/s{n}.md")
        recorded = ledger.record_review(
            Review(path=doc.path, findings=[finding(f"f{n}", "NOISY", 'says "hi",\nthen')]),
            document=doc,
            content_hash="h",
            surface="cli",
        )
        if n < 4:
            ledger.dismiss(recorded.findings[0].id, by="pm", reason="wrong")
    ledger.record_answer(question="Why?", cited=["adr-1"], surface="cli")
    ledger.close()


def test_insights_print_tables_and_call_out_noise(database: str) -> None:
    seed(database)
    code, out, _ = run("insights")
    assert code == 0
    assert "Findings by code per week" in out and "Dismissed per check" in out
    assert "Noise: NOISY" in out and "adr-1" in out
    assert "no store is indexed" in out


def test_insights_json_is_for_scripts(database: str) -> None:
    seed(database)
    code, out, _ = run("insights", "--json", "--days", "7", "--per", "day", "--min", "10")
    assert code == 0
    body = json.loads(out)
    assert body["noise"] == [] and body["noise_min"] == 10
    assert len(body["timeline"]["periods"]) == 7
    assert body["totals"]["reviews"] == 6 and body["totals"]["answers"] == 1
    assert {c["id"]: (c["by_reviews"], c["by_answers"]) for c in body["most_cited"]} == {
        "adr-1": (6, 1),
        "adr-2": (6, 0),
    }


def test_no_database_yet_is_a_clear_error(project: Path) -> None:  # noqa: ARG001
    for args in (["insights"], ["export", "findings"]):
        result = CliRunner().invoke(_app(), args)
        assert isinstance(result.exception, InputError)  # main() prints it, exit code 2
        assert "no findings database" in str(result.exception)


def test_export_csv_and_jsonl(database: str, project: Path) -> None:
    seed(database)
    code, out, _ = run("export", "findings", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6 and list(rows[0]) == list(insights_cmd.EXPORT_FIELDS)
    assert rows[0]["message"] == 'says "hi",\nthen' and rows[0]["related"] == "adr-1 adr-2"
    assert [r["state"] for r in rows] == ["dismissed"] * 4 + ["open"] * 2
    assert rows[0]["dismissed_by"] == "pm" and rows[5]["dismissed_by"] == ""
    target = project / "out" / "findings.jsonl"
    code, _, err = run("export", "findings", "--format", "jsonl", "--out", str(target))
    assert code == 0 and "Wrote 6 findings" in err
    lines = target.read_text().splitlines()
    assert [ExportedFinding.model_validate_json(line).finding_id for line in lines] == [
        int(r["finding_id"]) for r in rows
    ]


def test_export_streams_rows_as_the_ledger_yields_them() -> None:
    """The writer consumes the ledger's iterator row by row; no list of all findings."""
    ledger = InMemoryLedger()
    seen: list[int] = []

    def rows(*, batch: int = 1000) -> Iterator[ExportedFinding]:  # noqa: ARG001
        for n in range(1, 4):
            seen.append(n)
            yield ExportedFinding(
                finding_id=n,
                review_id=n,
                reviewed_at=datetime(2026, 1, n, tzinfo=UTC),
                surface="cli",
                repo="",
                path="a.md",
                doc_type="spec",
                llm_mode="off",
                code="X",
                severity="low",
                fingerprint="f",
            )

    class Watching(io.StringIO):
        def write(self, text: str) -> int:
            lines.append((len(seen), text))
            return super().write(text)

    lines: list[tuple[int, str]] = []
    ledger.export_findings = rows  # type: ignore[method-assign]
    assert insights_cmd.write_findings(ledger, insights_cmd.ExportFormat.jsonl, Watching()) == 3
    assert [produced for produced, _ in lines] == [1, 2, 3]  # each written before the next read
