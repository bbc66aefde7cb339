"""Fixtures for the GitHub bot: the loopback fake GitHub, settings pointing at it, rule engines."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from api.github.engines import KbFile
from assistant.anchors import fingerprint, section_at, span_for_lines
from assistant.config import ReviewConfig, Settings
from assistant.markdown import parse_spec
from assistant.models import Answer, Citation, Finding, Review
from assistant.suppress import apply_config
from tests.github.fake_github import FakeGitHub, serve
from tests.github.spec_validator import SpecValidator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "github"
SECRET = "It's a Secret to Everybody"


@pytest.fixture(scope="session")
def rest_spec() -> dict[str, Any]:
    return json.loads((FIXTURES / "rest-api-subset.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def spec_validator(rest_spec: dict[str, Any]) -> SpecValidator:
    return SpecValidator(rest_spec)


@pytest.fixture
def fake_github(rest_spec: dict[str, Any], spec_validator: SpecValidator) -> Iterator[FakeGitHub]:
    """A fake GitHub on 127.0.0.1; every exchange must match GitHub's OpenAPI description."""
    fake = FakeGitHub(rest_spec)
    with serve(fake, spec_validator):
        yield fake
    assert fake.violations == [], "\n".join(fake.violations)


@pytest.fixture
def gh_settings(settings: Settings, fake_github: FakeGitHub) -> Settings:
    return settings.model_copy(
        update={
            "github_token": fake_github.token,
            "github_api_url": fake_github.base_url,
            "github_webhook_secret": SECRET,
        }
    )


def signed_headers(raw: bytes, event: str, *, delivery: str | None = None) -> dict[str, str]:
    """Headers as GitHub sends them, signed over exactly these bytes."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256="
        + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest(),
    }


class RuleEngines:
    """A small deterministic engine: every `TBD` line is an open question (high), and a spec
    without an acceptance-criteria heading misses them (an absence, medium)."""

    def __init__(self) -> None:
        self.indexed: list[KbFile] = []
        self.versions: dict[str, str] = {}
        self.reviewed: list[str] = []
        self.configs: list[ReviewConfig] = []
        self.questions: list[str] = []
        self.ask_error: Exception | None = None  # set to make `ask` raise it
        self.review_errors: dict[str, Exception] = {}  # path → what reviewing it raises (a bug)

    def indexed_version(self, path: str) -> str | None:
        return self.versions.get(path)

    def index(self, files: Sequence[KbFile]) -> int:
        fresh = [f for f in files if self.versions.get(f.path) != f.version]
        self.indexed.extend(fresh)
        self.versions = {f.path: f.version for f in files}
        return len(fresh)

    def review(self, text: str, *, path: str, config: ReviewConfig) -> Review:
        self.reviewed.append(path)
        self.configs.append(config)
        if path in self.review_errors:
            raise self.review_errors[path]
        spec = parse_spec(text)
        findings = []
        for number, line in enumerate(spec.lines, start=1):
            if "TBD" in line:
                span = span_for_lines(spec, number)
                section = section_at(spec, number)
                heading = " > ".join(section.path) if section else ""
                findings.append(
                    Finding(
                        code="open_questions",
                        severity="high",
                        title="Unresolved TBD",
                        message="This decision is still open.",
                        suggestion="Decide it, or list it under Open questions with an owner.",
                        span=span,
                        section=heading,
                        fingerprint=fingerprint("open_questions", heading, span.quote),
                    )
                )
        if not any("acceptance" in s.title.lower() for s in spec.sections):
            findings.append(
                Finding(
                    code="missing_acceptance_criteria",
                    severity="medium",
                    title="No acceptance criteria",
                    message="Nothing says when this is done.",
                    suggestion="Add testable criteria.\n## Acceptance criteria\n- [ ] ...",
                    insert_after_line=len(spec.lines),
                    fingerprint=fingerprint("missing_acceptance_criteria", "", path),
                )
            )
        # Like the real engine, the repository's configuration is applied in the engine.
        findings, _ = apply_config(findings, config)
        return Review(path=path, findings=findings)

    def ask(self, question: str) -> Answer:
        self.questions.append(question)
        if self.ask_error is not None:
            raise self.ask_error
        return Answer(
            question=question,
            text="Postgres was chosen for payments [1].",
            citations=[
                Citation(
                    n=1,
                    doc_id="ADR-001",
                    title="Use Postgres",
                    path="docs/adr/001.md",
                    start_line=1,
                    end_line=4,
                )
            ],
        )


@pytest.fixture
def engines() -> RuleEngines:
    return RuleEngines()
