"""`specreview new`: templates that our own checks accept once filled in, and that raise exactly
the findings an empty document deserves while left unfilled. Through the CLI, both ways."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.markdown import parse_spec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "templates"

# What an unfilled template deserves, per type (../shared/evals/LABELS.md, "Document types"):
# no why, no criteria, no owner, and for a spec no outcome metric. A design's goal is not yet an
# outcome, and a decision record that names no deciders is not a finding. Empty sections are
# not open-ended scope, and a prompt is not an open question.
UNFILLED: dict[str, set[str]] = {
    "spec": {
        "missing_why",
        "missing_acceptance_criteria",
        "unresolved_ownership",
        "missing_success_metric",
    },
    "design": {"missing_why", "missing_acceptance_criteria", "unresolved_ownership"},
    "decision": {"missing_why"},
}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """The whole command (`cli.main`, as installed): exit codes and error lines included."""
    import cli

    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["specreview", *args])
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
        out, err = capsys.readouterr()
        return Run(int(exit_info.value.code or 0), out, err)

    return run


def _invoke(app: Callable[..., Run], *args: str) -> Run:
    return app(*args)


def _review(app: Callable[..., Run], path: Path) -> dict[str, object]:
    result = _invoke(app, "review", str(path), "--format", "json")
    assert result.code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _codes(review: dict[str, object]) -> set[str]:
    return {f["code"] for f in review["findings"]}  # type: ignore[attr-defined,index]


@pytest.mark.parametrize("doc_type", ["spec", "design", "decision"])
def test_an_unfilled_template_raises_exactly_what_an_empty_document_deserves(
    app: Callable[..., Run], tmp_path: Path, doc_type: str
) -> None:
    out = tmp_path / f"new-{doc_type}.md"
    result = _invoke(app, "new", doc_type, "Bulk export of invoices", "--out", str(out))
    assert result.code == 0, result.output
    assert f"wrote {out} ({doc_type}, built-in template)" in result.stdout
    review = _review(app, out)
    assert review["doc_type"] == doc_type
    assert _codes(review) == UNFILLED[doc_type]
    # No finding quotes a prompt as if it were the author's words.
    for finding in review["findings"]:  # type: ignore[attr-defined]
        assert "<!--" not in finding["message"], finding


@pytest.mark.parametrize("doc_type", ["spec", "design", "decision"])
def test_a_filled_in_template_passes_every_check(
    app: Callable[..., Run], tmp_path: Path, doc_type: str
) -> None:
    out = tmp_path / "template.md"
    assert _invoke(app, "new", doc_type, "Anything", "--out", str(out)).code == 0
    filled = FIXTURES / f"filled-{doc_type}.md"
    # The example is this template filled in: its sections, in its order (an empty
    # "Open questions" section is deleted, as its prompt says).
    wanted = [h for h in _headings(out.read_text()) if h != "Open questions"]
    assert _headings(filled.read_text()) == wanted
    review = _review(app, filled)
    assert review["doc_type"] == doc_type
    assert review["findings"] == []


def _headings(text: str) -> list[str]:
    return [s.title for s in parse_spec(text).sections if s.level >= 2]


def test_the_prompts_may_stay_in_a_filled_in_document(
    app: Callable[..., Run], tmp_path: Path
) -> None:
    """Authors often leave the guidance comments in place: they are still not content."""
    template = tmp_path / "t.md"
    _invoke(app, "new", "decision", "Use the job queue", "--out", str(template))
    prompts = dict(re.findall(r"^(## [^\n]+)\n\n(<!--.*?-->)", template.read_text(), re.M | re.S))
    filled = (FIXTURES / "filled-decision.md").read_text()
    for heading, comment in prompts.items():
        filled = filled.replace(f"{heading}\n\n", f"{heading}\n\n{comment}\n\n", 1)
    kept = tmp_path / "with-prompts.md"
    kept.write_text(filled)
    assert "<!--" in filled
    assert _review(app, kept)["findings"] == []


def test_the_title_is_quoted_in_front_matter_and_names_the_file(
    app: Callable[..., Run], tmp_path: Path
) -> None:
    result = _invoke(app, "new", "spec", 'Export: "all" invoices')
    assert result.code == 0, result.output
    written = tmp_path / "export-all-invoices.md"
    spec = parse_spec(written.read_text())
    assert spec.front_matter["title"] == 'Export: "all" invoices'
    assert spec.front_matter["type"] == "spec"
    assert spec.title == 'Export: "all" invoices'
    # A folder as --out gets the file named after the title.
    (tmp_path / "docs").mkdir()
    assert _invoke(app, "new", "design", "Queue exports", "-o", "docs").code == 0
    assert (tmp_path / "docs" / "queue-exports.md").is_file()


def test_an_existing_file_is_kept_without_force(app: Callable[..., Run], tmp_path: Path) -> None:
    out = tmp_path / "draft.md"
    out.write_text("my draft\n")
    result = _invoke(app, "new", "spec", "Bulk export", "--out", str(out))
    assert result.code == 2
    assert f"error: {out} already exists; pass --force to overwrite it" in result.output
    assert out.read_text() == "my draft\n"
    assert _invoke(app, "new", "spec", "Bulk export", "--out", str(out), "--force").code == 0
    assert out.read_text().startswith("---\ntype: spec\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spec", "  "], "the title is empty"),
        (["spec", "Two\nlines"], "the title must be one line"),
        (["spec", "Fine", "--out", "missing/x.md"], "missing: no such folder"),
    ],
)
def test_clear_errors(app: Callable[..., Run], args: list[str], message: str) -> None:
    result = _invoke(app, "new", *args)
    assert result.code == 2
    assert message in result.output


def test_an_unknown_type_is_refused(app: Callable[..., Run]) -> None:
    result = _invoke(app, "new", "retro", "Outage")
    assert result.code == 2
    assert "spec" in result.output and "decision" in result.output


def test_a_team_points_a_type_at_its_own_template(app: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "adr.md").write_text("# {title}\n\nDate: {date}\n\n## Context\n")
    config = tmp_path / ".specreview.toml"
    config.write_text('[templates]\ndecision = "templates/adr.md"\n')
    result = _invoke(app, "new", "decision", "Use Kafka", "--config", str(config))
    assert result.code == 0, result.output
    assert f"template {tmp_path / 'templates' / 'adr.md'}" in result.stdout
    text = (tmp_path / "use-kafka.md").read_text()
    assert text.startswith("# Use Kafka\n\nDate: 20")
    # Other types keep the built-in template.
    assert "built-in" in _invoke(app, "new", "spec", "S", "--config", str(config)).stdout


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[templates]\nretro = "r.md"\n', "[templates] 'retro' is not a document type"),
        ("[templates]\nspec = 3\n", "[templates] spec must be a file path"),
        ('[templates]\nspec = "nope.md"\n', "no such file; fix the path"),
    ],
)
def test_a_broken_templates_table_is_one_clear_error(
    app: Callable[..., Run], tmp_path: Path, table: str, message: str
) -> None:
    config = tmp_path / ".specreview.toml"
    config.write_text(table)
    result = _invoke(app, "new", "spec", "S", "--config", str(config))
    assert result.code == 2
    assert message in result.output
    assert str(config) in result.output


TEAM_RULES = """
[[rules]]
id = "rollback-plan"
applies_to = ["spec", "design"]
when = "the change migrates, moves or deletes stored data or changes how a running system works"
require = "a rollback or restore plan with who runs it"
severity = "high"
[rules.examples]
pass = ["Rollback: turn the flag off; the old path stays until the flag is removed.",
        "Rollback: restore from the nightly snapshot; owner: SRE on call"]
fail = ["We will migrate all rows in one batch.",
        "The worker replaces the request path for every account at once."]

[[rules]]
id = "rejected-options"
applies_to = ["decision"]
require = "the alternatives that were considered and turned down, with why"
[rules.examples]
pass = ["We also looked at writing our own parser but turned it down because of the cost.",
        "Self-hosted Kafka: turned down, because nobody on the team can run it at night."]
fail = ["We will use PostgreSQL for the new service.", "Considered options: PostgreSQL, MySQL."]
"""


def test_a_filled_in_template_passes_the_team_rules_that_apply(
    app: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Team rules are judged by meaning: with the shipped model, not the hashing one."""
    monkeypatch.delenv("SPECREVIEW_EMBEDDER")
    config = tmp_path / ".specreview.toml"
    config.write_text(TEAM_RULES)
    files = [str(FIXTURES / f"filled-{t}.md") for t in ("spec", "design", "decision")]
    result = app("review", *files, "--config", str(config), "--format", "json")
    assert result.code == 0, result.output
    assert [r["findings"] for r in json.loads(result.stdout)] == [[], [], []]


@pytest.mark.parametrize("doc_type", ["spec", "design", "decision"])
def test_each_template_reads_as_its_type_even_without_the_type_line(
    app: Callable[..., Run], tmp_path: Path, doc_type: str
) -> None:
    out = tmp_path / "t.md"
    assert app("new", doc_type, "Queue the exports", "--out", str(out)).code == 0
    out.write_text(out.read_text().replace(f"type: {doc_type}\n", ""))
    review = _review(app, out)
    assert (review["doc_type"], str(review["doc_type_source"]).split(":")[0]) == (
        doc_type,
        "detected",
    )
