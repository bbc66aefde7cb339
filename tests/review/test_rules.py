"""Team rules ([[rules]] in .specreview.toml): configuration errors, the offline judge, the
model's grounded verdict, and rule findings on the CLI, the API and the bot's config."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.github.repo_config import parse_repo_config
from assistant.config import ReviewConfig, Settings, load_settings
from assistant.embed import HashingEmbedder, MiniLMEmbedder
from assistant.errors import ConfigError, LLMError
from assistant.llm_fakes import ScriptedLLM
from assistant.llm_rules import LLMRuleStage
from assistant.review import Reviewer
from assistant.rules import Rule, parse_rules
from assistant.services import Services
from assistant.store import InMemoryStore
from cli import review_cmd

RULE_TOML = """
[[rules]]
id = "rollback-plan"
applies_to = ["spec", "design"]
when = "the change migrates or deletes stored data"
require = "a rollback or restore plan with who runs it"
severity = "high"
[rules.examples]
pass = ["Rollback: restore from the nightly snapshot; owner: SRE on call"]
fail = ["We will migrate all rows in one batch."]
"""

MIGRATION = """# Move invoices to the new schema

## Why
Support tickets about slow invoice pages doubled last quarter; the old schema is the cause.

## Plan
We will migrate all invoice rows in one batch and then delete the old invoices table.
The billing team owns this; Dana Reyes approves it.

## Acceptance criteria
- Invoice pages load in under 300 ms at p95, measured on the billing dashboard.
"""

WITH_ROLLBACK = MIGRATION.replace(
    "## Acceptance criteria",
    "## Rollback\nIf the copy fails, the on-call DBA restores the invoices table from the "
    "snapshot taken before the run.\n\n## Acceptance criteria",
)

UNRELATED = """# Dark mode for the settings page

## Why
Forty support tickets last quarter asked for dark mode on the settings page.

## Plan
Add a theme toggle to the settings page. The design team owns this.
"""


def _rules() -> list[Rule]:
    return parse_rules(
        [
            {
                "id": "rollback-plan",
                "applies_to": ["spec", "design"],
                "when": "the change migrates or deletes stored data",
                "require": "a rollback or restore plan with who runs it",
                "severity": "high",
                "examples": {
                    "pass": ["Rollback: restore from the nightly snapshot; owner: SRE on call"],
                    "fail": ["We will migrate all rows in one batch."],
                },
            }
        ],
        source="test",
    )


def _config(**extra: object) -> ReviewConfig:
    return ReviewConfig(rules=_rules(), **extra)  # type: ignore[arg-type]


def main_app() -> typer.Typer:
    app, eval_app, bench_app = typer.Typer(), typer.Typer(), typer.Typer()
    app.add_typer(eval_app, name="eval")
    app.add_typer(bench_app, name="bench")
    review_cmd.register(app, eval_app=eval_app, bench_app=bench_app)
    return app


# --- configuration --------------------------------------------------------------------------


def test_rules_are_read_from_the_config_file_into_the_review_table(tmp_path: Path) -> None:
    path = tmp_path / ".specreview.toml"
    path.write_text(RULE_TOML + '\n[review]\nfail_on = "medium"\n')
    settings = load_settings(config_file=path)
    (rule,) = settings.review.rules
    assert rule.id == "rollback-plan" and rule.severity == "high"
    assert rule.applies_to == ["spec", "design"]
    assert rule.examples.passing and rule.examples.failing
    assert settings.review.fail_on == "medium"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('"spec", "design"', '"spec", "memo"'),
            r'rule "rollback-plan": `applies_to`: "memo" is not a document type',
        ),
        (('require = "a rollback or restore plan with who runs it"\n', ""), "`require` is missing"),
        (('severity = "high"', 'severity = "urgent"'), r'rule "rollback-plan": `severity`'),
        (('id = "rollback-plan"', 'id = "missing_why"'), "built-in check's code"),
        (('id = "rollback-plan"', 'id = "Roll Back"'), "lower-case letters"),
        (("severity =", "sevrity ="), "`sevrity` is not a rule key"),
    ],
)
def test_a_broken_rule_is_one_error_naming_the_file_and_the_rule(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = tmp_path / ".specreview.toml"
    path.write_text(RULE_TOML.replace(*change))
    with pytest.raises(ConfigError, match=expected) as caught:
        load_settings(config_file=path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_issues_multi_line_inline_examples_get_a_hint(tmp_path: Path) -> None:
    path = tmp_path / ".specreview.toml"
    path.write_text(
        '[[rules]]\nid = "rollback-plan"\nrequire = "a rollback plan"\n'
        'examples = { pass = ["Rollback: restore the snapshot"],\n'
        '             fail = ["We will migrate all rows in one batch."] }\n'
    )
    with pytest.raises(ConfigError, match=r"not valid TOML .*\[rules.examples\] table"):
        load_settings(config_file=path)


def test_a_duplicate_rule_id_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / ".specreview.toml"
    path.write_text(RULE_TOML + RULE_TOML)
    with pytest.raises(ConfigError, match='rule "rollback-plan" is defined twice'):
        load_settings(config_file=path)


def test_the_cli_reports_a_broken_rule_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / ".specreview.toml"
    config.write_text(RULE_TOML.replace('severity = "high"', 'severity = "urgent"'))
    (tmp_path / "draft.md").write_text(MIGRATION)
    result = CliRunner().invoke(
        main_app(), ["review", str(tmp_path / "draft.md"), "--config", str(config)]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert 'rule "rollback-plan"' in result.stderr and str(config) in result.stderr


def test_the_bot_reads_rules_from_the_repository_config() -> None:
    config = parse_repo_config(RULE_TOML, source=".specreview.toml on main")
    assert [r.id for r in config.review.rules] == ["rollback-plan"]
    with pytest.raises(ConfigError, match='.specreview.toml on main: rule "rollback-plan"'):
        parse_repo_config(
            RULE_TOML.replace('"spec", ', '"plan", '), source=".specreview.toml on main"
        )


# --- the offline judge ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder(threads=1)


def _rule_findings(reviewer: Reviewer, text: str, config: ReviewConfig, **kw: object) -> list:  # type: ignore[type-arg]
    review = reviewer.review_text(text, path="specs/invoices.md", config=config, **kw)  # type: ignore[arg-type]
    return [f for f in review.findings if f.code == "rollback-plan"]


def test_offline_a_triggered_rule_without_its_requirement_is_a_finding_at_the_trigger(
    minilm: MiniLMEmbedder,
) -> None:
    reviewer = Reviewer(embedder=minilm)
    (finding,) = _rule_findings(reviewer, MIGRATION, _config())
    assert finding.severity == "high"
    assert finding.span is not None and finding.span.start_line == 7  # "We will migrate ..."
    assert finding.section == "Move invoices to the new schema > Plan"
    assert "Judged offline by meaning" in finding.message
    assert f"confidence {finding.confidence:.2f}" in finding.message
    assert finding.fingerprint and finding.confidence >= 0.6


def test_offline_the_rule_is_met_or_not_triggered_or_not_for_this_type(
    minilm: MiniLMEmbedder,
) -> None:
    reviewer = Reviewer(embedder=minilm)
    assert _rule_findings(reviewer, WITH_ROLLBACK, _config()) == []
    assert _rule_findings(reviewer, UNRELATED, _config()) == []
    assert _rule_findings(reviewer, MIGRATION, _config(), doc_type="decision") == []


def test_rule_findings_are_suppressible_and_take_configured_severities(
    minilm: MiniLMEmbedder,
) -> None:
    reviewer = Reviewer(embedder=minilm)
    marked = MIGRATION.replace("## Plan\n", "## Plan\n<!-- specreview: ignore rollback-plan -->\n")
    assert _rule_findings(reviewer, marked, _config()) == []
    assert _rule_findings(reviewer, MIGRATION, _config(disabled_checks=["rollback-plan"])) == []
    (low,) = _rule_findings(reviewer, MIGRATION, _config(severities={"rollback-plan": "low"}))
    assert low.severity == "low"
    assert _rule_findings(reviewer, MIGRATION, _config(thresholds={"rollback-plan": 0.99})) == []


class CountingEmbedder:
    """The hashing embedder, recording the texts of each call."""

    name = "hashing-256"
    dimensions = 256

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self._inner = HashingEmbedder()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return self._inner.embed(texts)


def test_the_drafts_vectors_are_computed_once_per_review_for_every_rule() -> None:
    embedder = CountingEmbedder()
    rules = [r.model_copy(update={"id": f"rule-{n}"}) for n in range(5) for r in _rules()]
    reviewer = Reviewer(embedder=embedder)
    reviewer.review_text(MIGRATION, config=ReviewConfig(rules=rules))
    draft_texts = [t for c in embedder.calls for t in c if "invoice" in t]
    assert draft_texts and len(draft_texts) == len(set(draft_texts))  # each passage once
    embedder.calls.clear()
    reviewer.review_text(MIGRATION, config=ReviewConfig(rules=rules))
    assert embedder.calls == []  # the rules' calibration and the passages' vectors are kept
    edited = MIGRATION.replace("in one batch", "in one nightly batch")
    reviewer.review_text(edited, config=ReviewConfig(rules=rules))
    again = [text for call in embedder.calls for text in call]
    # Only the edited passages (the sentence, its heading) again, each once.
    assert again and all("nightly batch" in text for text in again)
    assert len(again) == len(set(again))


class RecordingEmbedder:
    """The shipped model, recording the draft passages the rule check embeds."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner, self.name, self.dimensions = inner, inner.name, inner.dimensions
        self.passages: list[str] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed(texts)

    def embed_alone(self, texts: Sequence[str]) -> list[list[float]]:
        self.passages += texts
        return self.inner.embed_alone(texts)


def test_a_rule_stops_looking_once_a_passage_meets_it(minilm: MiniLMEmbedder) -> None:
    """Proving an absence needs every candidate passage; a requirement met by the best one
    needs only that one's round."""
    notes = (
        "\n## Notes\nThe on-call rota says who runs each nightly job.\n\n"
        "A snapshot of the billing dashboard goes to finance every week.\n"
    )
    met, broken = RecordingEmbedder(minilm), RecordingEmbedder(minilm)
    assert _rule_findings(Reviewer(embedder=met), WITH_ROLLBACK + notes, _config()) == []
    assert len(_rule_findings(Reviewer(embedder=broken), MIGRATION + notes, _config())) == 1
    assert any("restores the invoices table" in text for text in met.passages)
    assert 0 < len(met.passages) <= 2 < len(broken.passages)
    # The "Rollback" heading reads with the sentence under it: that sentence is not embedded
    # again on its own.
    assert not any(text.startswith("If the copy fails") for text in met.passages)


def test_a_passages_vector_does_not_depend_on_what_is_embedded_with_it(
    minilm: MiniLMEmbedder,
) -> None:
    alone = minilm.embed_alone(["Rollback: restore from the nightly snapshot."])[0]
    beside = minilm.embed_alone(
        ["Rollback: restore from the nightly snapshot.", "A much longer sentence " * 12]
    )[0]
    assert alone == beside


# --- with a model ---------------------------------------------------------------------------


def _with_model(llm: ScriptedLLM) -> Reviewer:
    return Reviewer(embedder=HashingEmbedder(), stages=[LLMRuleStage(llm)])


def test_the_model_judges_each_rule_and_must_quote_the_document() -> None:
    llm = ScriptedLLM()
    llm.enqueue(
        {
            "verdict": "violated",
            "quote": "then delete the old invoices table",
            "reason": "The table is deleted with no way back.",
        }
    )
    review = _with_model(llm).review_text(
        WITH_ROLLBACK.replace("## Rollback", "## Later"), config=_config()
    )
    (finding,) = [f for f in review.findings if f.code == "rollback-plan"]
    assert finding.source in ("llm", "rules+llm") and finding.span is not None
    assert finding.span.start_line == 7
    assert "Judged by the model" in finding.message
    (call,) = llm.history
    assert "rollback-plan" in call.user and "We will migrate all rows in one batch." in call.user
    assert "   7| We will migrate all invoice rows" in call.user
    assert review.llm.mode == "on" and review.llm.calls == 1


def test_an_unquoted_answer_is_dropped_and_the_offline_verdict_stands() -> None:
    llm = ScriptedLLM()
    llm.enqueue(
        {"verdict": "met", "quote": "a rollback plan nobody wrote", "reason": "It is fine."}
    )
    review = _with_model(llm).review_text(MIGRATION, config=_config())
    (finding,) = [f for f in review.findings if f.code == "rollback-plan"]
    assert finding.source == "rules"
    assert review.llm.dropped_findings == 1


def test_a_quoted_met_answer_replaces_the_offline_finding() -> None:
    llm = ScriptedLLM()
    llm.enqueue(
        {"verdict": "met", "quote": "The billing team owns this", "reason": "Owner runs it."}
    )
    review = _with_model(llm).review_text(MIGRATION, config=_config())
    assert [f for f in review.findings if f.code == "rollback-plan"] == []
    assert review.llm.dismissed == 1


def test_a_failing_model_keeps_the_offline_rule_findings() -> None:
    llm = ScriptedLLM()
    llm.enqueue(LLMError("the model is down"))
    review = _with_model(llm).review_text(MIGRATION, config=_config())
    assert [f.source for f in review.findings if f.code == "rollback-plan"] == ["rules"]
    assert review.llm.mode == "degraded" and "team rules" in (review.llm.reason or "")


def test_a_document_larger_than_the_models_context_keeps_the_offline_verdict() -> None:
    llm = ScriptedLLM()
    reviewer = Reviewer(
        embedder=HashingEmbedder(), stages=[LLMRuleStage(llm, context_tokens=900, max_tokens=200)]
    )
    long = MIGRATION + "\n".join(
        f"Detail {n}: the invoice export keeps its layout." for n in range(80)
    )
    review = reviewer.review_text(long, config=_config())
    assert llm.history == []  # nothing was sent
    assert [f.source for f in review.findings if f.code == "rollback-plan"] == ["rules"]
    assert any("team rules: the document is larger" in s for s in review.coverage.skipped)


def test_services_ask_the_model_about_rules_after_its_review(tmp_path: Path) -> None:
    settings = Settings(
        store_path=tmp_path / "store", embedder="hashing", llm_model="scripted", review=_config()
    )
    services = Services(settings=settings, _store=InMemoryStore())
    llm = ScriptedLLM()
    services.__dict__["llm"] = llm  # the model Services would build, scripted
    llm.enqueue(
        {"verdicts": [], "findings": []},  # the review stage
        {
            "verdict": "violated",
            "quote": "then delete the old invoices table",
            "reason": "No way back.",
        },
    )
    review = services.reviewer.review_text(MIGRATION, path="specs/a.md")
    (finding,) = [f for f in review.findings if f.code == "rollback-plan"]
    assert finding.source == "rules+llm" and "Judged by the model" in finding.message
    assert review.llm.mode == "on" and review.llm.calls == 2


# --- surfaces -------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["json", "sarif", "text"])
def test_the_cli_shows_rule_findings_in_every_format(tmp_path: Path, output: str) -> None:
    config = tmp_path / ".specreview.toml"
    config.write_text(RULE_TOML)
    (tmp_path / "draft.md").write_text(MIGRATION)
    args = ["review", str(tmp_path / "draft.md"), "--config", str(config), "--format", output]
    result = CliRunner().invoke(
        main_app(),
        [*args, "--store", str(tmp_path / "store")],
        env={"SPECREVIEW_EMBEDDER": "hashing"},
    )
    assert result.exit_code == 1, result.output  # a high finding fails at the default fail_on
    if output == "json":
        review = json.loads(result.stdout)
        (finding,) = [f for f in review["findings"] if f["code"] == "rollback-plan"]
        assert finding["span"]["start_line"] == 7 and finding["fingerprint"]
    elif output == "sarif":
        sarif = json.loads(result.stdout)
        assert "rollback-plan" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    else:
        assert "rollback-plan" in result.stdout


def test_the_api_shows_rule_findings(tmp_path: Path) -> None:
    settings = Settings(store_path=tmp_path / "store", embedder="hashing", review=_config())
    services = Services(settings=settings, _store=InMemoryStore())
    with TestClient(create_app(services)) as client:
        response = client.post("/v1/reviews", json={"text": MIGRATION, "path": "specs/a.md"})
    assert response.status_code == 200
    (finding,) = [f for f in response.json()["findings"] if f["code"] == "rollback-plan"]
    assert finding["span"]["start_line"] == 7 and finding["severity"] == "high"


def test_the_review_page_shows_rule_findings(tmp_path: Path) -> None:
    settings = Settings(store_path=tmp_path / "store", embedder="hashing", review=_config())
    services = Services(settings=settings, _store=InMemoryStore())
    with TestClient(create_app(services)) as client:
        html = client.post("/review", data={"text": MIGRATION}).text
    assert "rollback-plan" in html and "Judged offline by meaning" in html


# --- the eval -------------------------------------------------------------------------------


def test_eval_review_scores_each_rule_from_the_datasets_own_rules(tmp_path: Path) -> None:
    from evals.review_eval import run_review_eval
    from evals.review_report import format_report

    dataset = tmp_path / "set"
    (dataset / "drafts").mkdir(parents=True)
    (dataset / ".specreview.toml").write_text(RULE_TOML)
    (dataset / "drafts" / "a.md").write_text(MIGRATION)
    (dataset / "drafts" / "b.md").write_text(WITH_ROLLBACK)
    (dataset / "drafts" / "c.md").write_text(UNRELATED)
    cases = [
        {"id": "a", "path": "drafts/a.md", "rules": {"rollback-plan": 1}},
        {"id": "b", "path": "drafts/b.md", "rules": {"rollback-plan": 0}},
        {"id": "c", "path": "drafts/c.md", "rules": {"rollback-plan": 1}},
    ]
    (dataset / "cases.jsonl").write_text("\n".join(json.dumps(c) for c in cases) + "\n")
    settings = Settings(store_path=tmp_path / "store", embedder="hashing")
    report = run_review_eval(dataset, settings=settings)
    score = report.rules["rollback-plan"]
    assert (score.tp, score.fp, score.fn) == (1, 0, 1)
    assert score.precision == 1.0 and score.recall == 0.5
    assert "rollback-plan" in format_report(report)
    assert "rules" in json.loads(report.scores_json())
    other = tmp_path / "other.toml"
    other.write_text(RULE_TOML.replace("rollback-plan", "restore-plan"))
    renamed = run_review_eval(dataset, settings=settings, rules_file=other)
    assert renamed.rules["rollback-plan"].fn == 2  # the rules came from --rules, not the set
