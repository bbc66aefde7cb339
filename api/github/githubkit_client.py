"""GitHubClient over githubkit: typed REST calls, App JWT → installation token or plain token auth,
and retries of 5xx and rate-limit answers that honour `Retry-After`.

githubkit is used rather than hand-written httpx calls because it is typed end to end (pydantic
models of GitHub's own OpenAPI description), maintained, handles the App JWT → installation
token exchange and its caching, follows `Link` pagination, and takes a retry policy hook. Its
typed namespace for API version 2022-11-28 (githubkit-schemas' 2022-11-28 models) sends
`X-GitHub-Api-Version: 2022-11-28` and parses exactly the shapes that version returns.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, ParamSpec, TypeVar
from urllib.parse import quote

from githubkit import (
    AppAuthStrategy,
    AppInstallationAuthStrategy,
    GitHub,
    Response,
    TokenAuthStrategy,
)
from githubkit.cache import BaseCacheStrategy, MemCacheStrategy
from githubkit.exception import GitHubException, RateLimitExceeded, RequestError, RequestFailed
from githubkit.retry import RetryOption
from githubkit_schemas.v2022_11_28.rest import RestNamespace

from api.github.client import (
    API_VERSION,
    CheckConclusion,
    Comment,
    GitHubError,
    InlineComment,
    PullFile,
    PullRequest,
    RepoEntry,
    ReviewRejectedError,
)
from assistant.config import Settings
from assistant.errors import ConfigError

CHECK_NAME = "specreview"
_HEADERS: Mapping[str, str] = {"X-GitHub-Api-Version": API_VERSION}


@dataclass(frozen=True)
class RetryPolicy:
    """Retry GitHub 5xx (exponential backoff) and rate limits (after `Retry-After`), a few times.

    A wait longer than `max_wait_s` is not slept through: the error is raised instead, so a
    background worker is never parked for an hour on a primary rate limit.
    """

    max_retries: int = 4
    backoff_s: float = 1.0
    max_wait_s: float = 120.0

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if retry_count >= self.max_retries:
            return RetryOption(False)
        wait: float | None = None
        if isinstance(exc, RateLimitExceeded):
            wait = exc.retry_after.total_seconds()
        elif isinstance(exc, RequestFailed):
            status = exc.response.status_code
            if status >= 500:
                wait = self.backoff_s * 2**retry_count
            elif status in (403, 429) and "secondary rate limit" in exc.response.text.lower():
                wait = 60.0 * 2**retry_count  # GitHub: "wait for at least one minute"
        elif isinstance(exc, RequestError):  # connection reset, timeout
            wait = self.backoff_s * 2**retry_count
        if wait is None or wait > self.max_wait_s:
            return RetryOption(False)
        return RetryOption(True, timedelta(seconds=max(wait, 0.0)))


def build_github(
    settings: Settings,
    *,
    installation_id: int | None = None,
    repo: str | None = None,
    retry: RetryPolicy | None = None,
    token_cache: BaseCacheStrategy | None = None,
    timeout_s: float = 30.0,
) -> GitHub[Any]:
    """A githubkit client: as the App's installation when App credentials are set (the
    installation from the event, else looked up for `repo` = "owner/name"), otherwise with the
    plain token (GITHUB_TOKEN / SPECREVIEW_GITHUB_TOKEN).

    Installation tokens (valid one hour) are kept in `token_cache`: pass the same one to
    reuse them across runs; by default each client has its own (no process-wide state).
    """
    options: dict[str, Any] = {
        "cache_strategy": token_cache or MemCacheStrategy(),
        "base_url": settings.github_api_url,
        "user_agent": "specreview-bot",
        "timeout": timeout_s,
        "http_cache": False,
        "auto_retry": retry or RetryPolicy(),
    }
    app_id, key = settings.github_app_id, settings.github_private_key
    if app_id and key and (installation_id is not None or repo):
        if installation_id is None and repo:
            owner, name = path_names(*repo.split("/", 1)) if "/" in repo else (repo, "")
            as_app = GitHub(AppAuthStrategy(app_id, key), **options)
            found = as_app.rest(API_VERSION).apps.get_repo_installation(
                owner, name, headers=_HEADERS
            )
            installation_id = int(found.json()["id"])
        assert installation_id is not None
        return GitHub(AppInstallationAuthStrategy(app_id, key, installation_id), **options)
    if settings.github_token:
        return GitHub(TokenAuthStrategy(settings.github_token), **options)
    raise ConfigError(
        "no GitHub credentials: set GITHUB_TOKEN (or SPECREVIEW_GITHUB_TOKEN), or "
        "SPECREVIEW_GITHUB_APP_ID and SPECREVIEW_GITHUB_PRIVATE_KEY for the GitHub App"
    )


def path_names(owner: str, repo: str) -> tuple[str, str]:
    """Owner and repository names as URL path segments: names come from webhook payloads,
    and githubkit puts them into paths as they are, so a `/` or `..` in one would reach
    another endpoint. Each is percent-encoded whole; `.` and `..` are spelled `%2E`."""

    def segment(name: str) -> str:
        quoted = quote(name, safe="")
        return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted

    return segment(owner), segment(repo)


def _is_status(exc: RequestFailed, *codes: int) -> bool:
    return exc.response.status_code in codes


P = ParamSpec("P")
T = TypeVar("T")


def _at_the_seam(method: Callable[P, T]) -> Callable[P, T]:
    """githubkit's errors become GitHubErrors here, naming the call GitHub refused."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except RequestFailed as exc:
            request, status = exc.request, exc.response.status_code
            raise GitHubError(
                f"GitHub answered {status} to {request.method} {request.url.path}", status=status
            ) from exc
        except GitHubException as exc:
            raise GitHubError(f"could not reach GitHub ({exc})") from exc

    return call


def _comment(item: dict[str, Any]) -> Comment:
    user = item.get("user") or {}
    reactions = item.get("reactions")
    down = reactions.get("-1") if isinstance(reactions, dict) else None
    return Comment(
        id=item["id"],
        body=item.get("body") or "",
        path=item.get("path"),
        line=item.get("line"),
        by_bot=user.get("type") == "Bot",
        thumbs_down=down if isinstance(down, int) and down > 0 else 0,
    )


def _json_list(response: Response[Any]) -> list[dict[str, Any]]:
    data = response.json()
    return data if isinstance(data, list) else []


class GitHubkitClient:
    """The bot's GitHub operations as githubkit calls, pinned to API_VERSION.

    Responses are read as JSON into the bot's own small models rather than githubkit's
    generated ones: those track GitHub's newest description and reject answers that lack
    fields added since (e.g. `labels[].archived_by`), which the pinned version does not send.
    """

    def __init__(self, github: GitHub[Any]) -> None:
        self._gh = github
        self._rest: RestNamespace = github.rest(API_VERSION)

    def _all(self, request: Any, **kwargs: Any) -> list[dict[str, Any]]:
        pages = self._gh.rest.paginate(
            request, map_func=_json_list, per_page=100, headers=_HEADERS, **kwargs
        )
        return list(pages)

    @_at_the_seam
    def get_pull(self, owner: str, repo: str, number: int) -> PullRequest:
        owner, repo = path_names(owner, repo)
        pr = self._rest.pulls.get(owner, repo, number, headers=_HEADERS).json()
        return PullRequest.from_payload(pr)

    @_at_the_seam
    def list_pull_files(self, owner: str, repo: str, number: int) -> list[PullFile]:
        owner, repo = path_names(owner, repo)
        files = self._all(self._rest.pulls.list_files, owner=owner, repo=repo, pull_number=number)
        return [PullFile.model_validate(f) for f in files]

    def _content(self, owner: str, repo: str, path: str, ref: str) -> Any:
        try:
            return self._rest.repos.get_content(owner, repo, path, ref=ref, headers=_HEADERS).json()
        except RequestFailed as exc:
            if _is_status(exc, 404):
                return None
            raise

    @_at_the_seam
    def read_file(self, owner: str, repo: str, path: str, *, ref: str) -> str | None:
        owner, repo = path_names(owner, repo)
        data = self._content(owner, repo, path, ref)
        if not isinstance(data, dict) or data.get("type") != "file":
            return None
        if data.get("encoding", "base64") != "base64":
            return None  # over 1 MB: GitHub omits the content; specs are never that large
        try:
            return base64.b64decode(data.get("content") or "").decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None

    @_at_the_seam
    def list_dir(self, owner: str, repo: str, path: str, *, ref: str) -> list[RepoEntry]:
        owner, repo = path_names(owner, repo)
        data = self._content(owner, repo, path, ref)
        if not isinstance(data, list):
            return []
        return [RepoEntry.model_validate(item) for item in data]

    @_at_the_seam
    def list_review_comments(self, owner: str, repo: str, number: int) -> list[Comment]:
        owner, repo = path_names(owner, repo)
        items = self._all(
            self._rest.pulls.list_review_comments, owner=owner, repo=repo, pull_number=number
        )
        return [_comment(c) for c in items]

    @_at_the_seam
    def list_reviews(self, owner: str, repo: str, number: int) -> list[Comment]:
        owner, repo = path_names(owner, repo)
        items = self._all(self._rest.pulls.list_reviews, owner=owner, repo=repo, pull_number=number)
        return [_comment(r) for r in items]

    @_at_the_seam
    def list_issue_comments(self, owner: str, repo: str, number: int) -> list[Comment]:
        owner, repo = path_names(owner, repo)
        items = self._all(
            self._rest.issues.list_comments, owner=owner, repo=repo, issue_number=number
        )
        return [_comment(c) for c in items]

    @_at_the_seam
    def create_review(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        commit_id: str,
        body: str,
        comments: list[InlineComment],
    ) -> int:
        owner, repo = path_names(owner, repo)
        items: list[Any] = []
        for c in comments:
            item: dict[str, Any] = {"path": c.path, "body": c.body, "line": c.line, "side": "RIGHT"}
            if c.start_line is not None and c.start_line < c.line:
                item.update(start_line=c.start_line, start_side="RIGHT")
            items.append(item)
        try:
            response = self._rest.pulls.create_review(
                owner,
                repo,
                number,
                headers=_HEADERS,
                commit_id=commit_id,
                body=body,
                event="COMMENT",
                comments=items,
            )
        except RequestFailed as exc:
            if _is_status(exc, 422):
                raise ReviewRejectedError(
                    f"GitHub rejected the review on #{number}: {exc.response.text[:300]}"
                ) from exc
            raise
        return int(response.json()["id"])

    @_at_the_seam
    def create_issue_comment(self, owner: str, repo: str, number: int, body: str) -> int:
        owner, repo = path_names(owner, repo)
        response = self._rest.issues.create_comment(
            owner, repo, number, headers=_HEADERS, body=body
        )
        return int(response.json()["id"])

    @_at_the_seam
    def update_issue_comment(self, owner: str, repo: str, comment_id: int, body: str) -> None:
        owner, repo = path_names(owner, repo)
        self._rest.issues.update_comment(owner, repo, comment_id, headers=_HEADERS, body=body)

    @_at_the_seam
    def report_check(
        self,
        owner: str,
        repo: str,
        *,
        head_sha: str,
        conclusion: CheckConclusion,
        title: str,
        summary: str,
    ) -> None:
        owner, repo = path_names(owner, repo)
        try:
            self._rest.checks.create(
                owner,
                repo,
                headers=_HEADERS,
                name=CHECK_NAME,
                head_sha=head_sha,
                status="completed",
                conclusion=conclusion,
                output={"title": title[:255], "summary": summary[:65000]},
            )
            return
        except RequestFailed as exc:
            # Only GitHub Apps (and Actions' GITHUB_TOKEN) may create check runs.
            if not _is_status(exc, 403, 404) or isinstance(exc, RateLimitExceeded):
                raise
        state: Literal["failure", "success"] = "failure" if conclusion == "failure" else "success"
        self._rest.repos.create_commit_status(
            owner,
            repo,
            head_sha,
            headers=_HEADERS,
            state=state,
            description=title[:140],
            context=CHECK_NAME,
        )

    @_at_the_seam
    def upload_sarif(
        self, owner: str, repo: str, *, commit_sha: str, ref: str, sarif: dict[str, Any]
    ) -> None:
        owner, repo = path_names(owner, repo)
        self._rest.code_scanning.upload_sarif(
            owner,
            repo,
            headers=_HEADERS,
            commit_sha=commit_sha,
            ref=ref,
            sarif=encode_sarif(sarif),
            tool_name=CHECK_NAME,
        )


def encode_sarif(sarif: dict[str, Any]) -> str:
    """SARIF as the upload API wants it: gzip-compressed, then base64-encoded."""
    return base64.b64encode(gzip.compress(json.dumps(sarif).encode("utf-8"))).decode("ascii")
