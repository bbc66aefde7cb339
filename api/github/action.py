"""Action mode: the same bot, driven by the event file GitHub Actions writes (GITHUB_EVENT_PATH)
and authenticated with the workflow's GITHUB_TOKEN."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.github.bot import Bot, RunReport
from api.github.client import GitHubClient
from api.github.engines import EngineFactory, ServicesEngineFactory
from api.github.events import run_task, task_for
from assistant.errors import InputError
from assistant.services import Services


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


def run_action(
    services: Services,
    *,
    event_name: str,
    payload: dict[str, Any],
    client: GitHubClient | None = None,
    engines: EngineFactory | None = None,
    upload_sarif: bool = False,
) -> RunReport | None:
    """Handle one event like the webhook would; None when the event asks for nothing."""
    task = task_for(event_name, payload)
    if task is None:
        return None
    if client is None:
        from api.github.githubkit_client import GitHubkitClient, build_github

        client = GitHubkitClient(build_github(services.settings))
    factory = engines or ServicesEngineFactory(services)
    bot = Bot(
        client,
        factory(f"{task.owner}/{task.repo}"),
        owner=task.owner,
        repo=task.repo,
        upload_sarif=upload_sarif,
    )
    return run_task(task, bot)
