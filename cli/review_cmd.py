"""`specreview review`, `specreview eval review` and `specreview bench review`."""

from __future__ import annotations

import sys
import traceback
from contextlib import closing
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from assistant.errors import ConfigError, SpecreviewError
from assistant.safe_yaml import clip
from cli.console import stderr_console, stdout_console
from cli.options import ConfigOption, StoreOption, cli_services

if TYPE_CHECKING:
    from assistant.ledger import DocumentKey
    from assistant.models import Review
    from assistant.services import Services

SEVERITIES = ("info", "low", "medium", "high")
EXIT_FINDINGS, EXIT_ERRORS, EXIT_CRASH = 1, 2, 3  # 0: clean


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


class DocTypeOption(StrEnum):
    spec = "spec"
    design = "design"
    decision = "decision"


def _resolve_fail_on(fail_on: str | None, configured: str | None) -> str:
    value = (fail_on or configured or "high").lower()
    if value not in SEVERITIES:
        raise ConfigError(
            f"--fail-on {value!r} is not a severity; use one of {', '.join(SEVERITIES)}"
        )
    return value


def _print_error(console: Console, message: str) -> None:
    line = Text("error: ", style="bold red")
    line.append(message)
    console.print(line, highlight=False, soft_wrap=True)


def _crash_line(path: Path, exc: Exception, *, others: bool) -> str:
    """One line for a file the reviewer crashed on: the file, the error and where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    message = clip(" ".join(str(exc).split()), 300)
    return (
        f"{path}: internal error, not a finding ({type(exc).__name__}{where}: {message}); "
        + ("the other files were still reviewed; " if others else "")
        + "please report this with the file"
    )


def review(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Draft specs (markdown or plain text).")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json, markdown or sarif.")
    ] = OutputFormat.text,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding at or above this severity exists "
            "(info|low|medium|high; default: [review] fail_on in .specreview.toml, else high).",
        ),
    ] = None,
    doc_type: Annotated[
        DocTypeOption | None,
        typer.Option(
            "--type",
            help="Review every file as a spec, design or decision (default: front matter "
            "`type:`, else [review] types in .specreview.toml, else detected).",
        ),
    ] = None,
    save: Annotated[
        bool | None,
        typer.Option(
            "--save/--no-save",
            help="Record the reviews in the findings database, and leave out findings "
            "dismissed there (default: saved when SPECREVIEW_DATABASE_URL is set or the "
            "project's .specreview/ store or database exists).",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Review draft specs.

    Exit codes: 0 clean; 1 findings at or above --fail-on;
    2 an unreadable file or setting (the other files are still reviewed);
    3 an internal error (it names the file; the other files are still reviewed).
    """
    from assistant.render import (
        fails,
        render_json,
        render_markdown_many,
        render_sarif_json,
        render_terminal,
    )

    err = stderr_console()
    try:
        services = cli_services(ctx, store, config)
        threshold = _resolve_fail_on(fail_on, services.settings.review.fail_on)
        reviewer = services.reviewer
    except SpecreviewError as exc:
        _print_error(err, str(exc))
        raise typer.Exit(EXIT_ERRORS) from exc
    reviews: list[Review] = []
    reviewed: list[Path] = []
    errors: list[str] = []
    crashes: list[str] = []
    for path in files:
        try:
            reviews.append(
                reviewer.review_file(path, doc_type=doc_type.value if doc_type else None)
            )
            reviewed.append(path)
        except SpecreviewError as exc:
            errors.append(str(exc) if str(path) in str(exc) else f"{path}: {exc}")
        except OSError as exc:
            errors.append(f"{path}: cannot read the file ({exc.strerror or exc}); check the path")
        except Exception as exc:  # noqa: BLE001 - a crash is not a finding: name it, go on
            crashes.append(_crash_line(path, exc, others=len(files) > 1))
    if reviews:
        try:
            reviews = remember_reviews(services, reviews, reviewed, save=save)
        except (SpecreviewError, OSError) as exc:  # the database: the reviews are still shown
            if save:
                errors.append(f"the reviews were not saved: {exc}")
            else:
                err.print(Text(f"warning: the reviews were not saved: {exc}", style="yellow"))
    for line in errors + crashes:
        _print_error(err, line)
    if output_format is OutputFormat.text:
        render_terminal(reviews, stdout_console())
    elif output_format is OutputFormat.json:
        sys.stdout.write(render_json(reviews) + "\n")
    elif output_format is OutputFormat.markdown:
        sys.stdout.write(render_markdown_many(reviews))
    else:
        sys.stdout.write(render_sarif_json(reviews) + "\n")
    if crashes:
        raise typer.Exit(EXIT_CRASH)
    if errors:
        raise typer.Exit(EXIT_ERRORS)
    if fails(reviews, threshold):
        raise typer.Exit(EXIT_FINDINGS)


def document_key(path: Path) -> DocumentKey:
    """A local file's identity in the ledger: `owner/repo` from the checkout's `origin` remote
    and its path from the repository root (posix), as the GitHub bot keys the same file; the
    path alone without such a remote; its absolute path outside a repository."""
    from assistant.identity import origin_repo
    from assistant.ledger import DocumentKey
    from assistant.project import repository_root

    resolved = path.resolve()
    root = repository_root(resolved.parent)
    if root is None:
        return DocumentKey(path=str(resolved))
    return DocumentKey(repo=origin_repo(root) or "", path=resolved.relative_to(root).as_posix())


def remember_reviews(
    services: Services, reviews: list[Review], paths: list[Path], *, save: bool | None
) -> list[Review]:
    """Record the reviews (--save, or by default where a database is in use) and show them
    as the ledger says; with --no-save an existing database still hides dismissed findings."""
    from assistant.ledger import hide_dismissed, record_and_show

    settings = services.settings
    pairs = list(zip(reviews, paths, strict=True))
    if save or (save is None and services.database_in_use()):
        with closing(services.ledger) as ledger:
            return [
                record_and_show(
                    ledger, r, document=document_key(p), content=p.read_bytes(), surface="cli"
                )
                for r, p in pairs
            ]
    if settings.database_url or settings.database_path.exists():
        with closing(services.ledger) as ledger:
            return [
                hide_dismissed(r, ledger.dismissed_fingerprints(document_key(p))) for r, p in pairs
            ]
    return reviews


def eval_review(
    ctx: typer.Context,
    dataset_dir: Annotated[Path, typer.Argument(help="Folder with cases.jsonl, drafts/ and kb/.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the scores as JSON to this file.")
    ] = None,
    markdown_out: Annotated[
        Path | None, typer.Option("--markdown", help="Write a markdown summary to this file.")
    ] = None,
    llm: Annotated[bool, typer.Option("--llm", help="Use the configured LLM stage.")] = False,
    terms: Annotated[
        bool, typer.Option("--terms", help="Print which vocabulary terms fired, per code.")
    ] = False,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="A .specreview.toml whose [[rules]] to review with and score "
            "(default: DATASET_DIR/.specreview.toml when it exists).",
        ),
    ] = None,
) -> None:
    """Index DATASET_DIR/kb into a temporary store, review every draft, score every code and
    every team rule labelled in cases.jsonl."""
    from evals.review_eval import run_review_eval
    from evals.review_report import format_report, report_markdown

    services = cli_services(ctx)
    report = run_review_eval(
        dataset_dir, settings=services.settings, use_llm=llm, trace_terms=terms, rules_file=rules
    )
    stdout_console().print(format_report(report), highlight=False, markup=False, soft_wrap=True)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.scores_json() + "\n", encoding="utf-8")
    if markdown_out is not None:
        markdown_out.parent.mkdir(parents=True, exist_ok=True)
        markdown_out.write_text(report_markdown(report, dataset_dir), encoding="utf-8")


def bench_review(
    ctx: typer.Context,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Corpus folder to index (default: ../shared/corpus)."),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="Timed reviews.")] = 20,
    words: Annotated[int, typer.Option("--words", help="Approximate draft length.")] = 5000,
) -> None:
    """Time an offline review of a long draft with a corpus indexed; print p50/p95."""
    from evals.bench_review import run_bench

    result = run_bench(cli_services(ctx), corpus=corpus, runs=runs, words=words)
    stdout_console().print(result.summary(), highlight=False, markup=False)


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add the review commands to the CLI, and what follows a review (dismiss, reopen)."""
    from cli import findings_cmd

    app.command("review")(review)
    findings_cmd.register(app)
    eval_app.command("review")(eval_review)
    bench_app.command("review")(bench_review)
