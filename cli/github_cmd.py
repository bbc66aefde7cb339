"""`specreview github-action`: the GitHub bot as a GitHub Action step."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.errors import ConfigError
from cli.options import ConfigOption, StoreOption, cli_settings


class CommentsOption(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    app.command("github-action")(github_action)
    bench_app.command("github-webhook")(bench_github_webhook)


def bench_github_webhook(
    ctx: typer.Context,
    runs: Annotated[int, typer.Option(help="Deliveries to time.")] = 300,
    size_kb: Annotated[int, typer.Option(help="Payload size in KB.")] = 28,
) -> None:
    """Time the webhook's acknowledgement (signature, parse, route, enqueue) per delivery."""
    from assistant.services import Services
    from evals.bench_github import bench_webhook_ack

    figures = bench_webhook_ack(Services(settings=cli_settings(ctx)), runs=runs, size_kb=size_kb)
    typer.echo(
        f"github webhook ack: {int(figures['runs'])} deliveries of "
        f"{figures['payload_kb']:.1f} KB: p50 {figures['p50_ms']:.2f} ms, "
        f"p95 {figures['p95_ms']:.2f} ms, max {figures['max_ms']:.2f} ms, "
        f"{figures['accepted_share']:.0%} answered 202"
    )


def github_action(
    ctx: typer.Context,
    event_path: Annotated[
        Path, typer.Option(envvar="GITHUB_EVENT_PATH", help="The event payload file.")
    ],
    event_name: Annotated[
        str, typer.Option(envvar="GITHUB_EVENT_NAME", help="pull_request or issue_comment.")
    ],
    api_url: Annotated[
        str | None,
        typer.Option(envvar="GITHUB_API_URL", help="REST API root (GitHub Enterprise)."),
    ] = None,
    sarif: Annotated[
        bool,
        typer.Option(
            "--sarif/--no-sarif",
            envvar="SPECREVIEW_UPLOAD_SARIF",
            help="Also upload the findings as SARIF for code scanning.",
        ),
    ] = False,
    comments: Annotated[
        CommentsOption,
        typer.Option(
            envvar="SPECREVIEW_COMMENTS",
            help="auto: comment, except on a pull request from a fork (read-only token), where "
            "the findings go to the job summary and --sarif-path; always: comment even then (a "
            "workflow_run follow-up); never: only the job summary and SARIF file.",
        ),
    ] = CommentsOption.auto,
    summary_path: Annotated[
        Path | None,
        typer.Option(
            envvar="GITHUB_STEP_SUMMARY",
            help="The job summary file a read-only run appends its findings to.",
        ),
    ] = None,
    sarif_path: Annotated[
        Path | None,
        typer.Option(
            envvar="SPECREVIEW_SARIF_FILE",
            help="Where a read-only run writes its SARIF (with --sarif), for a later upload.",
        ),
    ] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Review the pull request (or answer the /specreview command) of this workflow run.

    Uses GITHUB_TOKEN; exits 1 when the check fails (a finding at the repo's `fail_on`, a file
    it could not review, or a configuration it could not read), 3 when the run crashed.
    """
    from api.github.action import ActionOutputs, fork_of, read_event, run_action
    from api.github.client import GitHubError
    from assistant.services import Services

    settings = cli_settings(ctx, store, config)
    if api_url:
        settings = settings.model_copy(update={"github_api_url": api_url})
    payload = read_event(event_path)
    fork = fork_of(payload) if event_name == "pull_request" else None
    if fork and comments is CommentsOption.auto:
        typer.echo(
            f"specreview: pull request from the fork {fork}: GITHUB_TOKEN is read-only here, so "
            "the findings go to the job summary"
            + (f" and {sarif_path}" if sarif and sarif_path else "")
            + ", not to comments (a workflow_run follow-up can post them)"
        )
    try:
        report = run_action(
            Services(settings=settings),
            event_name=event_name,
            payload=payload,
            upload_sarif=sarif,
            comments=comments.value,
            outputs=ActionOutputs(summary_path=summary_path, sarif_path=sarif_path),
        )
    except GitHubError as exc:
        if exc.status is None:
            url = settings.github_api_url
            raise ConfigError(f"{exc} at {url}; check GITHUB_API_URL") from exc
        hint = (
            "; the token lacks a permission (on pull requests from forks GITHUB_TOKEN is "
            "read-only): grant pull-requests/issues/checks write, or run the GitHub App"
            if exc.status in (401, 403, 404)
            else ""
        )
        raise ConfigError(f"{exc}{hint}") from exc
    if report is None:
        typer.echo(f"specreview: nothing to do for {event_name} ({payload.get('action')})")
        return
    if report.skipped_reason:
        verb = "failed" if report.conclusion == "failure" else "skipped"
        typer.echo(f"specreview: {verb}: {report.skipped_reason}")
    else:
        typer.echo(
            f"specreview: {len(report.files)} spec file(s), {report.findings} finding(s), "
            f"{report.inline_posted} new inline comment(s), {report.resolved} resolved; "
            f"check {report.conclusion or 'not reported'}"
        )
    if report.conclusion == "failure":
        raise typer.Exit(code=1)
