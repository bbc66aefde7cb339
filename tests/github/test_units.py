"""Pure parts of the bot: diff lines, signatures, markers, globs, commands, event routing."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.github.bot import place
from api.github.diff import parse_patch
from api.github.events import parse_command, task_for
from api.github.markers import (
    OpenFinding,
    SummaryState,
    finding_marker,
    fingerprints_in,
    read_state,
    state_marker,
)
from api.github.repo_config import is_spec_path, matches_glob, parse_repo_config
from api.github.signature import DeliveryLog, sign, verify_signature
from assistant.errors import ConfigError
from assistant.models import Finding, Span

PATCH = """@@ -1,4 +1,5 @@
 # Title
-old line
+new line
+another
 context
 more
@@ -20,3 +21,3 @@ ## Section
 a
-b
+B
 c"""


def test_patch_lines_are_new_file_lines_in_hunks():
    diff = parse_patch(PATCH)
    assert diff.added == {2, 3, 22}
    assert diff.commentable == {1, 2, 3, 4, 5, 21, 22, 23}
    assert diff.nearest_in(1, 1) == 1
    assert diff.nearest_in(1, 4) == 3  # an added line is preferred
    assert diff.nearest_in(6, 20) is None  # outside every hunk


def test_no_newline_marker_and_empty_patch():
    diff = parse_patch("@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file")
    assert diff.commentable == {1, 2}
    assert parse_patch(None).commentable == frozenset()


lines = st.lists(st.sampled_from(["a", "b", "c", "", "# h", "x y"]), max_size=25)


@given(old=lines, new=lines)
def test_patch_lines_match_difflib(old, new):
    """Property: added lines are exactly those difflib reports as inserted on the new side."""
    patch = "\n".join(list(difflib.unified_diff(old, new, lineterm="", n=3))[2:])
    diff = parse_patch(patch)
    inserted = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag in ("insert", "replace"):
            inserted |= set(range(j1 + 1, j2 + 1))
    assert diff.added == inserted
    assert diff.added <= diff.commentable <= set(range(1, len(new) + 1))


def test_github_signature_test_vector():
    secret = "It's a Secret to Everybody"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign(secret, b"Hello, World!") == expected
    assert verify_signature(secret, b"Hello, World!", expected)
    assert not verify_signature(secret, b"Hello, World!!", expected)
    assert not verify_signature("other", b"Hello, World!", expected)
    assert not verify_signature(secret, b"Hello, World!", None)
    assert not verify_signature(secret, b"Hello, World!", expected.replace("sha256=", "sha1="))


def test_delivery_log_remembers_and_forgets():
    log = DeliveryLog(capacity=2)
    assert log.first_time("a") and not log.first_time("a")
    log.forget("a")
    assert log.first_time("a")
    log.first_time("b")
    log.first_time("c")  # evicts the oldest
    assert log.first_time("a")


def test_state_roundtrip_survives_comment_closers():
    state = SummaryState(
        open={"f1": OpenFinding(code="x", title="a --> b <!-- c", path="p.md", severity="high")}
    )
    body = "text\n" + state_marker(state) + "\n" + finding_marker("abc123")
    assert read_state(body) == state
    assert fingerprints_in(body) == {"abc123"}
    assert read_state("no state here") == SummaryState()
    assert read_state("<!-- specreview:state !!notbase64 -->") == SummaryState()


@pytest.mark.parametrize(
    ("path", "glob", "hit"),
    [
        ("docs/specs/a.md", "docs/specs/**", True),
        ("docs/specs/deep/a.md", "docs/specs/**", True),
        ("docs/spec/a.md", "docs/specs/**", False),
        ("adr/0001.md", "**/adr/**", True),
        ("svc/docs/adr/0001.md", "**/adr/**", True),
        ("svc/radr/0001.md", "**/adr/**", False),
        ("checkout.spec.md", "**/*.spec.md", True),
        ("a/b/checkout.spec.md", "**/*.spec.md", True),
        ("rfcs/0001.md", "rfcs/", True),
        ("rfcs/0001.md", "rfcs/*.md", True),
        ("rfcs/x/0001.md", "rfcs/*.md", False),
    ],
)
def test_globs(path, glob, hit):
    assert matches_glob(path, glob) is hit


def test_spec_paths_are_markdown():
    globs = ["docs/specs/**"]
    assert is_spec_path("docs/specs/a.md", globs)
    assert not is_spec_path("docs/specs/diagram.png", globs)


def test_repo_config_parses_and_names_bad_keys():
    config = parse_repo_config(
        'store_path = "x"\n[review]\nfail_on = "medium"\n[github]\nspec_globs = ["x/**"]\n'
    )
    assert config.review.fail_on == "medium" and config.github.spec_globs == ["x/**"]
    with pytest.raises(ConfigError, match="review.fail_on"):
        parse_repo_config('[review]\nfail_on = "sometimes"\n')
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_repo_config("[review\n")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/specreview review", ("review", "")),
        ("LGTM\n/specreview ask Why Postgres?  ", ("ask", "Why Postgres?")),
        ("/specreview ask", None),
        ("please run /specreview review", None),  # commands start a line
        ("/specreviewer review", None),
        ("/specreview deploy", None),
    ],
)
def test_commands(body, expected):
    assert parse_command(body) == expected


def _repo() -> dict:
    return {"name": "r", "owner": {"login": "o"}, "default_branch": "trunk"}


def test_task_routing():
    pr = {"number": 3, "head": {"sha": "h", "ref": "f"}, "base": {"ref": "main"}, "draft": True}
    task = task_for(
        "pull_request",
        {"action": "opened", "pull_request": pr, "repository": _repo(), "installation": {"id": 42}},
    )
    assert task is not None and task.kind == "review" and task.installation_id == 42
    assert task.pull is not None and task.pull.draft and task.pull.head_sha == "h"
    assert (
        task_for("pull_request", {"action": "closed", "pull_request": pr, "repository": _repo()})
        is None
    )
    assert task_for("pull_request", {"action": "opened"}) is None  # malformed: ignored

    comment = {"body": "/specreview ask Why?", "user": {"type": "User"}}
    ask = task_for(
        "issue_comment",
        {"action": "created", "comment": comment, "issue": {"number": 9}, "repository": _repo()},
    )
    assert ask is not None and (ask.kind, ask.question, ask.ref) == ("ask", "Why?", "trunk")
    review = {"body": "/specreview review", "user": {"type": "User"}}
    assert (
        task_for(
            "issue_comment",
            {"action": "created", "comment": review, "issue": {"number": 9}, "repository": _repo()},
        )
        is None
    )
    assert (
        task_for(
            "issue_comment",
            {"action": "edited", "comment": comment, "issue": {"number": 9}, "repository": _repo()},
        )
        is None
    )


def _finding(start: int, end: int) -> Finding:
    return Finding(
        code="c",
        severity="low",
        title="t",
        message="m",
        suggestion="s",
        span=Span(start_line=start, end_line=end, quote="q"),
        fingerprint="f",
    )


def test_placement_of_spans():
    diff = parse_patch(PATCH)  # commentable 1-5 and 21-23, added 2, 3, 22
    assert (
        place("a.md", _finding(2, 4), diff).start_line,
        place("a.md", _finding(2, 4), diff).line,
    ) == (2, 4)  # multi-line, all in the diff
    spanning = place("a.md", _finding(4, 21), diff)  # crosses lines outside the diff
    assert (spanning.start_line, spanning.line) == (None, 21)
    assert place("a.md", _finding(8, 9), diff).line is None  # summary only
    absent = Finding(code="c", severity="low", title="t", message="m", suggestion="s")
    assert place("a.md", absent, diff).line is None


def test_webhook_ack_bench_accepts_every_delivery(services):
    from evals.bench_github import bench_webhook_ack

    figures = bench_webhook_ack(services, runs=5, size_kb=1)
    assert figures["accepted_share"] == 1.0 and figures["runs"] == 5
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]


def test_services_engines_keep_the_repo_index_in_step(services):
    """The real per-repo engines: index, skip unchanged, drop deleted, review with the config."""
    from api.github.engines import KbFile, ServicesEngines
    from assistant.config import ReviewConfig

    engines = ServicesEngines(base=services)
    adr = "# ADR-001: Use Postgres for payments\n\nStatus: accepted\n\nWe chose Postgres.\n"
    assert engines.index([KbFile("docs/adr/001.md", adr, "v1")]) == 1
    assert [d.path for d in engines.store.list_documents()] == ["docs/adr/001.md"]
    assert engines.indexed_version("docs/adr/001.md") == "v1"
    assert engines.index([KbFile("docs/adr/001.md", "", "v1")]) == 0  # unchanged: not read
    assert engines.index([]) == 0
    assert (
        engines.store.list_documents() == [] and engines.indexed_version("docs/adr/001.md") is None
    )

    spec = "# Checkout\n\nWe will rebuild checkout.\n"
    codes = {f.code for f in engines.review(spec, path="s.md", config=ReviewConfig()).findings}
    assert "missing_acceptance_criteria" in codes
    quiet = ReviewConfig(disabled_checks=["missing_acceptance_criteria"])
    codes = {f.code for f in engines.review(spec, path="s.md", config=quiet).findings}
    assert "missing_acceptance_criteria" not in codes
