"""The bot's one seam to GitHub: a small interface over the REST calls it makes, and its data.

The real implementation (api/github/githubkit_client.py) wraps githubkit; tests run it against
a loopback fake GitHub server, so nothing here needs a mock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from assistant.errors import SpecreviewError

API_VERSION: Final = "2022-11-28"  # pinned: the REST shapes the bot (and the test fake) speak


class PullRequest(BaseModel):
    """What the bot needs to know about a pull request."""

    number: int
    head_sha: str
    head_ref: str
    base_ref: str
    draft: bool = False
    state: str = "open"

    @classmethod
    def from_payload(cls, pr: Mapping[str, Any]) -> PullRequest:
        """From GitHub's pull-request object (a webhook payload's, or the REST API's)."""
        return cls(
            number=pr["number"],
            head_sha=pr["head"]["sha"],
            head_ref=pr["head"]["ref"],
            base_ref=pr["base"]["ref"],
            draft=bool(pr.get("draft")),
            state=pr.get("state", "open"),
        )


class PullFile(BaseModel):
    """One changed file of a pull request, with its unified-diff `patch` (absent when binary)."""

    filename: str
    status: str
    patch: str | None = None
    previous_filename: str | None = None


class Comment(BaseModel):
    """A conversation comment, review comment or review body the bot may have written."""

    model_config = ConfigDict(extra="ignore")

    id: int
    body: str = ""
    path: str | None = None
    line: int | None = None
    by_bot: bool = False  # written by a bot account (an App, or Actions' GITHUB_TOKEN)
    # 👎 reactions on it, from the `reactions` rollup GitHub puts on listed comments (who
    # reacted is not in the rollup, and the reactions endpoint is outside the bot's REST subset)
    thumbs_down: int = 0


class InlineComment(BaseModel):
    """A review comment on one RIGHT-side line of the diff (`line`/`side`, never `position`)."""

    path: str
    line: int
    body: str
    start_line: int | None = None


class RepoEntry(BaseModel):
    """A file or directory listed by the contents API (`sha`: its blob or tree id)."""

    path: str
    type: str  # "file", "dir", "symlink", "submodule"
    sha: str = ""


class GitHubError(Exception):
    """GitHub answered a call with an error (`status`), or could not be reached (`status` is
    None). The client raises it in place of its SDK's errors, so nothing above the client
    depends on the SDK. Not a SpecreviewError: it is the platform failing, not the user's
    input, and the bot reports it as a failed run rather than as a finding about a file."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ReviewRejectedError(SpecreviewError):
    """GitHub refused a review (422), e.g. a comment on a line it no longer has in the diff."""


CheckConclusion = Literal["success", "failure", "neutral"]


class GitHubClient(Protocol):
    """The REST operations the bot uses (see ../shared/github/rest-api-subset.json)."""

    def get_pull(self, owner: str, repo: str, number: int) -> PullRequest: ...

    def list_pull_files(self, owner: str, repo: str, number: int) -> list[PullFile]: ...

    def read_file(self, owner: str, repo: str, path: str, *, ref: str) -> str | None:
        """A file's text at a ref; None when it does not exist (404) or is not a file."""
        ...

    def list_dir(self, owner: str, repo: str, path: str, *, ref: str) -> list[RepoEntry]:
        """A directory's entries at a ref; [] when it does not exist."""
        ...

    def list_review_comments(self, owner: str, repo: str, number: int) -> list[Comment]: ...

    def list_reviews(self, owner: str, repo: str, number: int) -> list[Comment]: ...

    def list_issue_comments(self, owner: str, repo: str, number: int) -> list[Comment]: ...

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
        """Post a submitted COMMENT review; ReviewRejectedError when GitHub answers 422."""
        ...

    def create_issue_comment(self, owner: str, repo: str, number: int, body: str) -> int: ...

    def update_issue_comment(self, owner: str, repo: str, comment_id: int, body: str) -> None: ...

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
        """A completed check run; a commit status where check runs are not allowed (403)."""
        ...

    def upload_sarif(
        self, owner: str, repo: str, *, commit_sha: str, ref: str, sarif: dict[str, Any]
    ) -> None: ...
