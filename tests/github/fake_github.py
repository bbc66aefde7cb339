"""A loopback fake of the GitHub REST API endpoints the bot uses, answering as GitHub documents
them (bodies built from the OpenAPI description's own examples) and recording every request.

Every request it receives and every response it gives is validated against
rest-api-subset.json (GitHub's OpenAPI description, subset); problems land in `violations`,
which the fixture asserts empty, so the fake cannot drift from the real API. Responses to
faults injected with `fail()` are outside the documented responses and are not validated (the
requests that met them are).
"""

from __future__ import annotations

import base64
import copy
import gzip
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

import jwt
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.github.fake_bodies import contents_json, pull_files, pull_json
from tests.github.fake_repo import FakeRepo, right_lines
from tests.github.spec_validator import Recorded, SpecValidator

API_VERSION = "2022-11-28"


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    remaining: int
    headers: dict[str, str]
    body: dict[str, Any]


class FakeGitHub:
    """State of a few repos, pulls and what the bot wrote; an ASGI app serving them."""

    def __init__(self, spec: dict[str, Any], *, token: str = "test-token") -> None:
        self.spec = spec
        self.examples = {k: v["value"] for k, v in spec["components"]["examples"].items()}
        self.base_url = ""
        self.validator: SpecValidator | None = None
        self.token = token
        self.app_public_key: str | None = None
        self.app_id: str | None = None
        self.installation_id = 1
        self.issued_tokens: set[str] = set()
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.issue_comments: list[dict[str, Any]] = []
        self.review_comments: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.check_runs: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.sarifs: list[dict[str, Any]] = []
        self._ids = itertools.count(1000)
        self.lock = threading.Lock()

    # --- test helpers ---------------------------------------------------------------------

    def repo(self, owner: str, name: str) -> FakeRepo:
        key = f"{owner}/{name}"
        if key not in self.repos:
            self.repos[key] = FakeRepo(owner=owner, name=name)
        return self.repos[key]

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        message: str = "Server Error",
    ) -> None:
        """The next `times` matching requests get `status` (a 5xx, a rate limit, ...)."""
        self.faults.append(
            Fault(
                method.upper(), re.compile(path), status, times, headers or {}, {"message": message}
            )
        )

    def bot_user(self) -> dict[str, Any]:
        """Who the bot's token writes as (GitHub Apps and GITHUB_TOKEN write as bots)."""
        user = self._example("issue-comment")["user"]
        user.update(login="specreview[bot]", type="Bot")
        return user

    def add_issue_comment(self, repo: FakeRepo, number: int, body: str) -> dict[str, Any]:
        """A comment written by a person (octocat), as GitHub would list it."""
        comment = self._example("issue-comment")
        comment.update(id=next(self._ids), body=body, _issue=(repo.name, number))
        self.issue_comments.append(comment)
        return comment

    def react(self, comment: dict[str, Any], content: str = "-1") -> None:
        """A person's reaction on a review comment, as GitHub rolls it up on the comment (the
        reactions endpoints themselves are outside the REST subset)."""
        rollup = comment["reactions"]
        rollup[content] += 1
        rollup["total_count"] += 1

    def _rollup(self, repo: FakeRepo, comment_id: int) -> dict[str, Any]:
        """A review comment's `reactions` (reaction-rollup): every count GitHub lists, at 0."""
        url = f"{self.base_url}/repos/{repo.owner}/{repo.name}/pulls/comments/{comment_id}"
        counts = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
        return {"url": f"{url}/reactions", "total_count": 0, **dict.fromkeys(counts, 0)}

    def writes(self) -> list[Recorded]:
        """Requests that create or change something on GitHub (and succeeded)."""
        return [
            r
            for r in self.requests
            if r.method in ("POST", "PATCH", "PUT", "DELETE")
            and 200 <= r.status < 300
            and not r.path.endswith("/access_tokens")
        ]

    # --- helpers for responses ------------------------------------------------------------

    def _example(self, name: str) -> Any:
        return copy.deepcopy(self.examples[name])

    def _paginate(self, request: Request, items: list[Any]) -> Response:
        per_page = min(int(request.query_params.get("per_page", 30)), 100)
        page = max(int(request.query_params.get("page", 1)), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        last = max(1, -(-len(items) // per_page))
        if page < last:
            query = dict(request.query_params)
            links = []
            for rel, n in (("next", page + 1), ("last", last)):
                query["page"] = str(n)
                links.append(f'<{self.base_url}{request.url.path}?{urlencode(query)}>; rel="{rel}"')
            headers["Link"] = ", ".join(links)
        return JSONResponse(chunk, headers=headers)

    @staticmethod
    def _error(status: int, message: str, **extra: Any) -> JSONResponse:
        body = {"message": message, "documentation_url": "https://docs.github.com/rest", **extra}
        return JSONResponse(body, status_code=status)

    # --- the ASGI app ---------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        rec = Recorded(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            body=body,
            headers={k.lower(): v for k, v in request.headers.items()},
            raw_path=scope.get("raw_path", b"").decode("latin-1") or request.url.path,
        )
        with self.lock:
            self.requests.append(rec)
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.remaining > 0 and f.method == rec.method and f.path.search(rec.path)
                ),
                None,
            )
            if fault is not None:
                fault.remaining -= 1
                response: Response = JSONResponse(
                    fault.body, status_code=fault.status, headers=fault.headers
                )
            else:
                response = self._handle(request, rec, body)
            rec.status = response.status_code
            if self.validator is not None:  # injected faults: the request is still checked
                self.violations += self.validator.check(
                    rec,
                    raw,
                    None if fault else response.status_code,
                    None if fault else response.body,
                )
        await response(scope, receive, send)

    def _authorised(self, rec: Recorded) -> bool:
        auth = rec.headers.get("authorization", "")
        if rec.path.startswith("/app/") or rec.path.endswith("/installation"):
            if not auth.startswith("Bearer ") or not self.app_public_key:
                return False
            try:
                claims = jwt.decode(auth[7:], self.app_public_key, algorithms=["RS256"])
            except jwt.PyJWTError:
                return False
            return str(claims.get("iss")) == self.app_id
        scheme, _, value = auth.partition(" ")
        return scheme.lower() in ("token", "bearer") and (
            value == self.token or value in self.issued_tokens
        )

    def _handle(self, request: Request, rec: Recorded, body: Any) -> Response:
        if not self._authorised(rec):
            return self._error(401, "Bad credentials")
        version = rec.headers.get("x-github-api-version")
        if version is not None and version != API_VERSION:
            return self._error(400, f"Unsupported API version {version}")
        path, method = rec.path, rec.method
        m = re.match(r"^/app/installations/(\d+)/access_tokens$", path)
        if m and method == "POST":
            token = f"ghs_fake{next(self._ids)}"
            self.issued_tokens.add(token)
            out = self._example("installation-token")
            out.update(
                token=token,
                expires_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600)),
            )
            return JSONResponse(out, status_code=201)
        # GitHub routes on the path's segments as sent: an encoded `/` stays inside its name.
        m = re.match(r"^/repos/([^/]+)/([^/]+)/(.+)$", rec.raw_path)
        key = f"{unquote(m.group(1))}/{unquote(m.group(2))}" if m else ""
        if not m or key not in self.repos:
            return self._error(404, "Not Found")
        repo, rest = self.repos[key], unquote(m.group(3))
        return self._repo_route(request, repo, rest, method, body)

    def _repo_route(
        self, request: Request, repo: FakeRepo, rest: str, method: str, body: Any
    ) -> Response:
        if rest == "installation":
            installation = self._example("installation")
            installation["id"] = self.installation_id
            return JSONResponse(installation)
        if m := re.fullmatch(r"pulls/(\d+)", rest):
            pull = repo.pulls.get(int(m.group(1)))
            if pull is None:
                return self._error(404, "Not Found")
            return JSONResponse(pull_json(self.examples, repo, pull))
        if m := re.fullmatch(r"pulls/(\d+)/files", rest):
            pull = repo.pulls.get(int(m.group(1)))
            if pull is None:
                return self._error(404, "Not Found")
            return self._paginate(request, pull_files(self.examples, repo, pull, self.base_url))
        if m := re.fullmatch(r"pulls/(\d+)/reviews", rest):
            number = int(m.group(1))
            if method == "GET":
                mine = [r for r in self.reviews if r["_pull"] == (repo.name, number)]
                return self._paginate(request, [_public(r) for r in mine])
            return self._create_review(repo, number, body or {})
        if m := re.fullmatch(r"pulls/(\d+)/comments", rest):
            number = int(m.group(1))
            mine = [c for c in self.review_comments if c["_pull"] == (repo.name, number)]
            return self._paginate(request, [_public(c) for c in mine])
        if m := re.fullmatch(r"issues/(\d+)/comments", rest):
            number = int(m.group(1))
            if method == "GET":
                mine = [c for c in self.issue_comments if c["_issue"] == (repo.name, number)]
                return self._paginate(request, [_public(c) for c in mine])
            if not (body or {}).get("body"):
                return self._error(422, "Validation Failed", errors=[])
            comment = self._example("issue-comment")
            cid = next(self._ids)
            comment.update(
                id=cid, body=body["body"], user=self.bot_user(), _issue=(repo.name, number)
            )
            self.issue_comments.append(comment)
            return JSONResponse(_public(comment), status_code=201)
        if m := re.fullmatch(r"issues/comments/(\d+)", rest):
            found = next((c for c in self.issue_comments if c["id"] == int(m.group(1))), None)
            if found is None:
                return self._error(404, "Not Found")
            found["body"] = (body or {}).get("body", found["body"])
            return JSONResponse(_public(found))
        if m := re.fullmatch(r"contents/(.+)", rest):
            return self._contents(repo, m.group(1), request.query_params.get("ref"))
        if rest == "check-runs" and method == "POST":
            run = self._example("check-run-example-of-completed-conclusion")
            b = body or {}
            if b.get("status") == "completed" and not b.get("conclusion"):
                return self._error(422, "Validation Failed", errors=[])
            run.update(
                id=next(self._ids),
                head_sha=b.get("head_sha"),
                name=b.get("name"),
                status=b.get("status", "queued"),
                conclusion=b.get("conclusion"),
                output={
                    **run["output"],
                    "text": None,
                    "annotations_count": 0,
                    **b.get("output", {}),
                },
            )
            self.check_runs.append(run)
            return JSONResponse(run, status_code=201)
        if m := re.fullmatch(r"statuses/([0-9a-f]+)", rest):
            status = self._example("status")
            status.update(id=next(self._ids), sha=m.group(1), **(body or {}))
            self.statuses.append(status)
            return JSONResponse(status, status_code=201)
        if rest == "code-scanning/sarifs" and method == "POST":
            b = body or {}
            sarif = json.loads(gzip.decompress(base64.b64decode(b["sarif"])))
            self.sarifs.append({**b, "sarif": sarif})
            return JSONResponse(self._example("code-scanning-sarif-upload"), status_code=202)
        return self._error(404, "Not Found")

    def _contents(self, repo: FakeRepo, path: str, ref: str | None) -> Response:
        found = contents_json(self.examples, repo, path, ref or "main")
        return JSONResponse(found) if found is not None else self._error(404, "Not Found")

    def _create_review(self, repo: FakeRepo, number: int, body: dict[str, Any]) -> Response:
        pull = repo.pulls.get(number)
        if pull is None:
            return self._error(404, "Not Found")
        event = body.get("event")
        if event in ("COMMENT", "REQUEST_CHANGES") and not body.get("body"):
            return self._error(422, "Unprocessable Entity", errors=["Body is required"])
        files = {f["filename"]: f for f in pull_files(self.examples, repo, pull, self.base_url)}
        for c in body.get("comments", []):
            f = files.get(c["path"])
            lines = right_lines(f.get("patch", "")) if f else set()
            start = c.get("start_line", c.get("line"))
            if (
                f is None
                or c.get("line") not in lines
                or start not in lines
                or start > c.get("line", 0)
            ):
                return self._error(
                    422,
                    "Unprocessable Entity",
                    errors=["Pull request review thread line must be part of the diff"],
                )
        review = self._example("pull-request-review")
        rid = next(self._ids)
        head_sha = body.get("commit_id") or repo.branches[pull.head]
        review.update(
            user=self.bot_user(),
            id=rid,
            body=body.get("body", ""),
            commit_id=head_sha,
            state="COMMENTED" if event == "COMMENT" else "PENDING",
            _pull=(repo.name, number),
        )
        self.reviews.append(review)
        template = self._example("pull-request-review-comment-items")[0]
        for c in body.get("comments", []):
            comment = copy.deepcopy(template)
            comment_id = next(self._ids)
            comment.update(
                user=self.bot_user(),
                id=comment_id,
                reactions=self._rollup(repo, comment_id),
                pull_request_review_id=rid,
                path=c["path"],
                line=c["line"],
                side="RIGHT",
                body=c["body"],
                commit_id=head_sha,
                original_commit_id=head_sha,
                _pull=(repo.name, number),
            )
            comment.pop("in_reply_to_id", None)
            self.review_comments.append(comment)
        return JSONResponse(_public(review))


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("_pull", "_issue")}


@contextmanager
def serve(fake: FakeGitHub, validator: SpecValidator | None) -> Iterator[FakeGitHub]:
    """Run the fake on 127.0.0.1 (a free port) in a thread for the duration of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    fake.base_url = f"http://127.0.0.1:{port}"
    fake.validator = validator
    config = uvicorn.Config(fake, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
