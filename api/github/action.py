"""Action mode: the same bot, driven by the event file GitHub Actions writes (GITHUB_EVENT_PATH)
and authenticated with the workflow's GITHUB_TOKEN.

On a pull request from a fork GitHub gives `pull_request` runs a read-only token, so the bot
cannot comment, report a check or upload SARIF there. It then reviews all the same and writes
the findings to the job summary (and a SARIF file the workflow can upload later); a
`workflow_run` follow-up, which runs with a write token, can post the comments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from api.github.bot import Bot, RunReport
from api.github.client import GitHubClient
from api.github.engines import EngineFactory, ServicesEngineFactory
from api.github.events import run_task, task_for
from api.github.format import job_summary_body
from assistant.errors import InputError
from assistant.render import render_sarif
from assistant.services import Services

CommentMode = Literal["auto", "always", "never"]

FORK_NOTE = (
    "Pull request from a fork: GitHub gives this run a read-only token, so specreview wrote "
    "its findings here instead of commenting. A `workflow_run` follow-up can post them as "
    "comments (see the docs' GitHub page)."
)


def read_event(path: Path) -> dict[str, Any]:
    """The webhook payload GitHub Actions saved for this run."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            f"{path}: no event file; run inside GitHub Actions or pass --event-path"
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a JSON event payload ({exc})") from exc
    if not isinstance(payload, dict):
        raise InputError(f"{path}: the event payload must be a JSON object")
    return payload


def fork_of(payload: dict[str, Any]) -> str | None:
    """The head repository's name when the payload is a pull request from another repository
    (a fork; a deleted fork has no head repo), else None."""
    pr = payload.get("pull_request")
    head = pr.get("head") if isinstance(pr, dict) else None
    if not isinstance(head, dict) or "repo" not in head:
        return None  # not shaped like GitHub's pull_request payload: assume the same repository
    if head["repo"] is None:
        return "(a deleted fork)"
    base = (pr.get("base") or {}).get("repo") if isinstance(pr, dict) else None
    base = base or payload.get("repository") or {}
    head_name = head["repo"].get("full_name") if isinstance(head["repo"], dict) else None
    base_name = base.get("full_name") if isinstance(base, dict) else None
    return head_name if head_name and head_name != base_name else None


@dataclass
class ActionOutputs:
    """Where a read-only run puts what it cannot post (the Action's summary and SARIF file)."""

    summary_path: Path | None = None
    sarif_path: Path | None = None


def run_action(
    services: Services,
    *,
    event_name: str,
    payload: dict[str, Any],
    client: GitHubClient | None = None,
    engines: EngineFactory | None = None,
    upload_sarif: bool = False,
    comments: CommentMode = "auto",
    outputs: ActionOutputs | None = None,
) -> RunReport | None:
    """Handle one event like the webhook would; None when the event asks for nothing.

    comments: "auto" comments except on a `pull_request` from a fork (read-only token);
    "never" only writes the job summary and SARIF file; "always" comments even on a fork's
    pull request (a `workflow_run` follow-up with a write token)."""
    task = task_for(event_name, payload)
    if task is None:
        return None
    fork = fork_of(payload) if event_name == "pull_request" else None
    read_only = comments == "never" or (comments == "auto" and fork is not None)
    if fork is not None and comments == "always":
        task.pull = None  # an event file handed on by a fork's run: re-read the PR from the API
    if client is None:
        from api.github.githubkit_client import GitHubkitClient, build_github

        client = GitHubkitClient(build_github(services.settings))
    # In a workflow the runner's checkout is thrown away: a review is recorded only where a
    # database is configured (SPECREVIEW_DATABASE_URL) or the checkout holds one already.
    factory = engines or ServicesEngineFactory(services, record=services.database_in_use())
    bot = Bot(
        client,
        factory(f"{task.owner}/{task.repo}"),
        owner=task.owner,
        repo=task.repo,
        upload_sarif=upload_sarif and not read_only,
        read_only=read_only,
    )
    report = run_task(task, bot)
    if read_only:
        write_outputs(
            report, outputs or ActionOutputs(), sarif=upload_sarif, note=FORK_NOTE if fork else ""
        )
    return report


def write_outputs(report: RunReport, outputs: ActionOutputs, *, sarif: bool, note: str) -> None:
    """Append the findings to the job summary and write the SARIF file, where given."""
    if outputs.summary_path is not None:
        if report.outcome is not None:
            body = job_summary_body(report.outcome, note=note or "Comments are off (`comments`).")
        else:
            body = f"## specreview summary\n\n{note}\n\nNot reviewed: {report.skipped_reason}.\n"
        with outputs.summary_path.open("a", encoding="utf-8") as out:
            out.write(body)
    if sarif and outputs.sarif_path is not None:
        outputs.sarif_path.write_text(json.dumps(render_sarif(report.reviews)), encoding="utf-8")
