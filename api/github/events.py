"""Webhook events → the bot's tasks: which events and actions it handles, and its commands."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from api.github.bot import Bot, RunReport
from api.github.client import PullRequest

PULL_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
_COMMAND = re.compile(r"^\s*/specreview\s+(review|ask|dismiss)\b[ \t]*(.*)$", re.MULTILINE)


class Task(BaseModel):
    """One unit of bot work, from a webhook delivery or the Action's event file."""

    kind: Literal["review", "ask", "dismiss"]
    owner: str
    repo: str
    number: int
    installation_id: int | None = None
    question: str = ""  # `ask`: the question; `dismiss`: the words after the command
    ref: str = ""  # the branch whose config and knowledge base an answer uses
    pull: PullRequest | None = None
    # `dismiss`: who asked, and how GitHub says they are associated with the repository
    # (the webhook payload's `author_association`: OWNER, MEMBER, COLLABORATOR, ...).
    sender: str = ""
    association: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind} {self.owner}/{self.repo}#{self.number}"


def parse_command(body: str) -> tuple[str, str] | None:
    """The first `/specreview review`, `/specreview ask QUESTION` or
    `/specreview dismiss ID [REASON]` line of a comment."""
    match = _COMMAND.search(body or "")
    if not match:
        return None
    verb, rest = match.group(1), match.group(2).strip()
    if verb == "ask" and not rest:
        return None  # (a bare `dismiss` is answered with how to write it)
    return verb, rest


def _repo(payload: dict[str, Any]) -> tuple[str, str]:
    repo = payload["repository"]
    return repo["owner"]["login"], repo["name"]


def _installation(payload: dict[str, Any]) -> int | None:
    inst = payload.get("installation") or {}
    return int(inst["id"]) if isinstance(inst, dict) and "id" in inst else None


def task_for(event: str, payload: dict[str, Any]) -> Task | None:
    """The task a delivery asks for; None for events and actions the bot ignores."""
    try:
        return _task_for(event, payload)
    except (KeyError, TypeError, ValueError, ValidationError):
        return None  # not shaped like the event it claims to be


def _task_for(event: str, payload: dict[str, Any]) -> Task | None:
    action = payload.get("action")
    if event == "pull_request" and action in PULL_ACTIONS:
        pr = payload["pull_request"]
        owner, repo = _repo(payload)
        pull = PullRequest.from_payload(pr)
        return Task(
            kind="review",
            owner=owner,
            repo=repo,
            number=pull.number,
            pull=pull,
            installation_id=_installation(payload),
        )
    if event == "issue_comment" and action == "created":
        comment, issue = payload["comment"], payload["issue"]
        if (comment.get("user") or {}).get("type") == "Bot":
            return None  # never answer a bot, ourselves included
        command = parse_command(comment.get("body") or "")
        if command is None:
            return None
        owner, repo = _repo(payload)
        verb, rest = command
        if verb == "dismiss":
            if not issue.get("pull_request"):
                return None  # findings are dismissed on the pull request that raised them
            return Task(
                kind="dismiss",
                owner=owner,
                repo=repo,
                number=issue["number"],
                question=rest,
                sender=str((comment.get("user") or {}).get("login") or ""),
                association=str(comment.get("author_association") or "NONE"),
                installation_id=_installation(payload),
            )
        if verb == "review":
            if not issue.get("pull_request"):
                return None  # `/specreview review` only means something on a pull request
            return Task(
                kind="review",
                owner=owner,
                repo=repo,
                number=issue["number"],
                installation_id=_installation(payload),
            )
        return Task(
            kind="ask",
            owner=owner,
            repo=repo,
            number=issue["number"],
            question=rest,
            ref=payload["repository"].get("default_branch") or "main",
            installation_id=_installation(payload),
        )
    return None


def run_task(task: Task, bot: Bot) -> RunReport:
    """Do one task with a bot bound to the task's repository."""
    if task.kind == "review":
        return bot.review_pull(task.number, pull=task.pull)
    if task.kind == "dismiss":
        reply = bot.dismiss_command(
            task.number, task.question, sender=task.sender, association=task.association
        )
        return RunReport(summary_id=reply)
    comment_id = bot.answer(task.number, task.question, ref=task.ref)
    return RunReport(summary_id=comment_id)
