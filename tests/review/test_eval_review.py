"""Review eval: scoring is pure and table-driven; a smoke run on review-dev when it is there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import InputError
from evals.review_eval import (
    JSON_KEYS,
    build_report,
    heading_linter,
    load_cases,
)
from evals.review_scoring import (
    ALL_CODES,
    Case,
    Prediction,
    macro_f1,
    prf,
    related_correct,
    score_codes,
)


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "precision", "recall", "f1"),
    [
        (0, 0, 0, 0.0, 0.0, 0.0),
        (1, 0, 0, 1.0, 1.0, 1.0),
        (1, 1, 0, 0.5, 1.0, 0.6667),
        (1, 0, 3, 1.0, 0.25, 0.4),
        (0, 2, 2, 0.0, 0.0, 0.0),
    ],
)
def test_prf(tp: int, fp: int, fn: int, precision: float, recall: float, f1: float) -> None:
    s = prf(tp, fp, fn)
    assert (s.tp, s.fp, s.fn) == (tp, fp, fn)
    assert (s.precision, s.recall, s.f1) == (precision, recall, f1)


def _case(cid: str, core: dict[str, int], ext: dict[str, int], related: dict[str, str]) -> Case:
    return Case(id=cid, path=f"drafts/{cid}.md", labels=core, extended=ext, related=related)


CASES = [
    _case(
        "a", {"missing_why": 1}, {"conflicts_with_decision": 1}, {"conflicts_with_decision": "D-1"}
    ),
    _case("b", {"missing_why": 0}, {"conflicts_with_decision": 0}, {}),
    _case("c", {"missing_why": 1}, {}, {}),  # not labelled on the extended codes
]


def test_score_codes_counts_only_labelled_cases() -> None:
    predicted = {
        "a": ["missing_why", "conflicts_with_decision"],
        "b": ["missing_why"],
        "c": ["conflicts_with_decision"],  # unlabelled for this code: ignored
    }
    scores = score_codes(CASES, predicted, ("missing_why", "conflicts_with_decision"))
    assert (scores["missing_why"].tp, scores["missing_why"].fp, scores["missing_why"].fn) == (
        1,
        1,
        1,
    )
    c = scores["conflicts_with_decision"]
    assert (c.tp, c.fp, c.fn) == (1, 0, 0)


@pytest.mark.parametrize(
    ("predictions", "expected"),
    [
        (
            [
                Prediction(
                    case_id="a",
                    codes=["conflicts_with_decision"],
                    related={"conflicts_with_decision": ["D-1"]},
                )
            ],
            1.0,
        ),
        (
            [
                Prediction(
                    case_id="a",
                    codes=["conflicts_with_decision"],
                    related={"conflicts_with_decision": ["D-9"]},
                )
            ],
            0.0,
        ),
        (
            [
                Prediction(
                    case_id="a",
                    codes=["conflicts_with_decision"],
                    related={"conflicts_with_decision": ["D-1"]},
                ),
                Prediction(case_id="b", codes=["conflicts_with_decision"], related={}),
            ],
            0.5,
        ),
        ([Prediction(case_id="a", codes=["missing_why"])], None),
    ],
)
def test_related_correct(predictions: list[Prediction], expected: float | None) -> None:
    assert related_correct(CASES, predictions) == expected


def test_report_json_has_exactly_the_contract_keys() -> None:
    report = build_report(
        CASES,
        [
            Prediction(case_id="a", codes=["missing_why"], seconds=0.2),
            Prediction(case_id="b", codes=[], seconds=0.4),
        ],
        baseline={"a": [], "b": ["missing_why"]},
    )
    data = json.loads(report.scores_json())
    assert (
        set(data)
        == {
            "core_macro_f1",
            "extended_macro_f1",
            "left_out",
            "codes",
            "findings",
            "related_correct",
            "n_cases",
            "seconds_per_case",
            "llm",
            "by_type",
            "reliability",
            "type_detection",
            "term_tracing",
            "terms",
            "rules",
        }
        == set(JSON_KEYS)
    )
    assert set(data["codes"]) == set(ALL_CODES)
    assert set(data["codes"]["missing_why"]) == {"tp", "fp", "fn", "precision", "recall", "f1"}
    assert data["n_cases"] == 3 and data["llm"] == "off"
    assert data["seconds_per_case"] == pytest.approx(0.3)
    assert data["core_macro_f1"] == macro_f1(
        report.codes, ("missing_why", "missing_acceptance_criteria", "unresolved_ownership")
    )
    assert report.mistakes and report.mistakes[0].startswith("a (drafts/a.md; spec): missed")


def test_heading_linter_flags_absent_headings() -> None:
    text = "# T\n\n## Motivation\n\nx\n\n## Open questions\n\n- who?\n"
    flagged = heading_linter(text)
    assert "missing_why" not in flagged
    assert "missing_acceptance_criteria" in flagged and "open_questions" in flagged
    assert "conflicts_with_decision" not in flagged


def test_load_cases_errors_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cases.jsonl not found"):
        load_cases(tmp_path)
    (tmp_path / "cases.jsonl").write_text('{"id": "x", "path": "d.md", "labels": {}}\n{"id": 1}\n')
    with pytest.raises(InputError, match="cases.jsonl:2"):
        load_cases(tmp_path)


def test_load_cases_reads_the_document_type(tmp_path: Path) -> None:
    (tmp_path / "cases.jsonl").write_text(
        '{"id": "x", "path": "d.md", "labels": {}}\n'
        '{"id": "y", "path": "e.md", "type": "decision", "labels": {}}\n'
    )
    assert [c.type for c in load_cases(tmp_path)] == ["spec", "decision"]
    (tmp_path / "cases.jsonl").write_text(
        '{"id": "x", "path": "d.md", "type": "memo", "labels": {}}'
    )
    with pytest.raises(InputError, match="cases.jsonl:1"):
        load_cases(tmp_path)


def test_cli_eval_review_writes_json_and_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from cli import review_cmd

    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / "store"))
    dataset = tmp_path / "set"
    (dataset / "drafts").mkdir(parents=True)
    (dataset / "drafts" / "a.md").write_text("# Export invoices\n\nWe will add a button.\n")
    labels = {"missing_why": 1, "missing_acceptance_criteria": 1, "unresolved_ownership": 1}
    (dataset / "cases.jsonl").write_text(
        json.dumps({"id": "a", "path": "drafts/a.md", "type": "design", "labels": labels}) + "\n"
    )
    app, eval_app, bench_app = typer.Typer(), typer.Typer(), typer.Typer()
    app.add_typer(eval_app, name="eval")
    review_cmd.register(app, eval_app=eval_app, bench_app=bench_app)
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    result = CliRunner().invoke(
        app,
        ["eval", "review", str(dataset), "--terms", "--json", str(out_json)]
        + ["--markdown", str(out_md)],
    )
    assert result.exit_code == 0, result.output
    assert "By document type" in result.stdout and "Vocabulary terms that fired" in result.stdout
    data = json.loads(out_json.read_text())
    assert set(data) == set(JSON_KEYS) and list(data["by_type"]) == ["design"]
    assert data["term_tracing"] == "on" and data["type_detection"]["n"] == 1
    # Traced: "We will add a button" states behaviour and settles a plan, and nothing else.
    assert data["terms"] == {
        "missing_acceptance_criteria": {"behaviour: will": 1},
        "open_questions": {"settled: we will": 1},
    }
    assert "Confidence reliability" in out_md.read_text()


@pytest.mark.slow
def test_eval_smoke_on_review_dev(shared_dir: Path, tmp_path: Path) -> None:
    from evals.review_eval import run_review_eval

    dataset = shared_dir / "evals" / "review-dev"
    settings = Settings(store_path=tmp_path / "store", embedder="hashing")
    report = run_review_eval(dataset, settings=settings)
    assert report.n_cases == 36 and len(report.predictions) == 36
    assert set(report.codes) == set(ALL_CODES)
    assert report.llm == "off"
    # The hashing embedder is not semantic, yet the review must beat the heading linter.
    assert report.core_macro_f1 > macro_f1(report.baseline, ALL_CODES[:3])
    assert report.codes["conflicts_with_decision"].precision >= 0.5
