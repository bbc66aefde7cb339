"""`specreview ask` through the CLI against a real embedded Chroma store (hashing embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.errors import InputError
from assistant.models import Answer
from assistant.services import Services
from cli import ask_cmd
from index.pipeline import index_paths
from tests.ask.conftest import FIXTURES


def _app() -> typer.Typer:
    app = typer.Typer()
    eval_app, bench_app = typer.Typer(), typer.Typer()
    app.add_typer(eval_app, name="eval")
    app.add_typer(bench_app, name="bench")
    ask_cmd.register(app, eval_app=eval_app, bench_app=bench_app)
    return app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _index() -> None:
    services = Services()
    index_paths([FIXTURES], store=services.store, embedder=services.embedder)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_app(), list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_ask_json_prints_the_answer(env: Path) -> None:
    _index()
    code, out = _run("ask", "Why did we pick PostgreSQL for the orders service?", "--json")
    assert code == 0
    answer = Answer.model_validate_json(out)
    assert not answer.refused
    assert answer.ranked_doc_ids[0] == "adr-001-postgres"
    assert "adr-007-cockroach" in {c.doc_id for c in answer.citations}


def test_ask_prints_citations_with_where_to_find_them(env: Path) -> None:
    _index()
    code, out = _run("ask", "Why an in-house feature flag service instead of LaunchDarkly?")
    assert code == 0
    assert "Citations" in out and "adr-003-feature-flags" in out
    assert "adr-003-feature-flags.md:" in out  # path:lines


def test_ask_refusal_lists_possibly_related(env: Path) -> None:
    _index()
    code, out = _run("ask", "Which message queue did we choose for billing events?", "--k", "3")
    assert code == 0
    assert "No record found" in out and out.count("Possibly related") == 1
    assert json.loads(_run("ask", "billing message queue?", "--json")[1])["refused"] is True


def test_ask_with_nothing_indexed_says_how_to_fix_it(env: Path) -> None:
    with pytest.raises(InputError, match="specreview index"):
        _run("ask", "anything?")


def test_ask_kind_filter(env: Path) -> None:
    _index()
    code, out = _run("ask", "what happened to checkout?", "--kind", "retro", "--json")
    assert code == 0
    assert Answer.model_validate_json(out).ranked_doc_ids == ["retro-2022-cache-outage"]
