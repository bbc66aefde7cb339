"""The fake GitHub itself: its OpenAPI check catches bad traffic, and it refuses what GitHub
refuses (so a bot that passes against it is not merely passing against a lenient double)."""

from __future__ import annotations

import httpx

from tests.github.fake_github import FakeGitHub


def _repo(fake: FakeGitHub) -> None:
    repo = fake.repo("o", "r")
    lines = [f"line {i}" for i in range(1, 31)]
    repo.commit("main", {"a.md": "\n".join(lines) + "\n"})
    repo.branch("f", from_="main")
    lines[1] = "LINE 2"  # the hunk covers lines 1-5 (3 lines of context); 20 is untouched
    repo.commit("f", {"a.md": "\n".join(lines) + "\n"})
    repo.open_pull(1, base="main", head="f")


def _post(fake: FakeGitHub, path: str, body: dict) -> httpx.Response:
    headers = {"Authorization": f"token {fake.token}", "X-GitHub-Api-Version": "2022-11-28"}
    return httpx.post(fake.base_url + path, json=body, headers=headers)


def test_requests_outside_the_description_are_recorded(fake_github):
    _repo(fake_github)
    _post(fake_github, "/repos/o/r/pulls/1/reviews", {"event": "LGTM", "body": "x"})
    assert any("InvalidRequestBody" in v for v in fake_github.violations)
    fake_github.violations.clear()  # seen: the fixture's own check would fail the test


def test_comment_outside_the_diff_is_422_like_github(fake_github):
    _repo(fake_github)
    path = "/repos/o/r/pulls/1/reviews"
    comment = {"path": "a.md", "side": "RIGHT", "body": "b"}
    inside = _post(
        fake_github, path, {"event": "COMMENT", "body": "x", "comments": [comment | {"line": 2}]}
    )
    assert inside.status_code == 200
    outside = _post(
        fake_github, path, {"event": "COMMENT", "body": "x", "comments": [comment | {"line": 20}]}
    )
    assert outside.status_code == 422
    no_body = _post(fake_github, path, {"event": "COMMENT"})
    assert no_body.status_code == 422


def test_unauthenticated_and_wrong_version_are_refused(fake_github):
    _repo(fake_github)
    url = fake_github.base_url + "/repos/o/r/pulls/1"
    assert httpx.get(url).status_code == 401
    headers = {"Authorization": f"token {fake_github.token}", "X-GitHub-Api-Version": "2026-03-10"}
    assert httpx.get(url, headers=headers).status_code == 400
    fake_github.violations.clear()  # 400/401 here are the point, not drift
