"""Issue 17: the LLM deadline bounds the whole stage on the wall clock, replies that drip in
included (the real `openai` client against a loopback server that sends a byte at a time), and
a circuit breaker stops calling a model that keeps failing."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from assistant.anchors import span_for_lines
from assistant.checks.base import ReviewContext
from assistant.config import ReviewConfig, Settings
from assistant.errors import LLMError
from assistant.llm import LLMReply, Message, build_llm
from assistant.llm_breaker import BreakerLLM, CircuitBreaker
from assistant.llm_openai import OpenAILLM
from assistant.llm_review import LLMReviewStage
from assistant.models import Finding, LLMStatus
from tests.llm.conftest import load_spec
from tests.llm.fake_openai import FakeOpenAI

HELLO = [Message("system", "Be brief."), Message("user", "Say hello.")]
LONG = "word " * 60  # a reply of a few hundred bytes: a minute and more at the drip rate
SLACK_S = 1.5  # a loaded 2-core machine; without the fix these take 15 s and more


def slow_client(server: FakeOpenAI, *, stream: bool) -> OpenAILLM:
    # A per-read timeout far above the deadline: only the deadline can stop the call.
    return OpenAILLM(
        model="local-test", base_url=server.url, timeout_s=60.0, max_retries=2, stream=stream
    )


def live_watchdogs() -> int:
    return sum(isinstance(t, threading.Timer) and t.is_alive() for t in threading.enumerate())


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("drip_after", [0, 100], ids=["headers-drip", "body-drip"])
def test_a_reply_that_drips_is_cut_at_the_deadline(
    fake_openai: FakeOpenAI, stream: bool, drip_after: int
) -> None:
    fake_openai.enqueue(content=LONG, drip_s=0.05, drip_after=drip_after)
    llm = slow_client(fake_openai, stream=stream)
    started = time.monotonic()
    with pytest.raises(LLMError, match="before the deadline") as caught:
        llm.complete(HELLO, deadline=started + 1.5)
    took = time.monotonic() - started
    assert took < 1.5 + SLACK_S, took
    assert "SPECREVIEW_LLM_DEADLINE_S" in str(caught.value)
    assert len(fake_openai.requests) == 1  # no retry once the deadline has passed


def test_a_streamed_answer_that_drips_is_cut_at_the_deadline(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content=LONG, drip_s=0.05, drip_after=100)
    llm = slow_client(fake_openai, stream=False)
    started = time.monotonic()
    pieces: list[str] = []
    with pytest.raises(LLMError, match="before the deadline"):
        pieces.extend(llm.stream(HELLO, deadline=started + 1.5))
    assert time.monotonic() - started < 1.5 + SLACK_S


def test_replies_within_the_deadline_are_untouched(fake_openai: FakeOpenAI) -> None:
    before = live_watchdogs()
    for stream in (False, True):
        fake_openai.enqueue(content="hello there")
        llm = slow_client(fake_openai, stream=stream)
        assert llm.complete(HELLO, deadline=time.monotonic() + 30).text == "hello there"
    fake_openai.enqueue(content="and again")
    assert (
        "".join(
            slow_client(fake_openai, stream=False).stream(HELLO, deadline=time.monotonic() + 30)
        )
        == "and again"
    )
    time.sleep(0.1)
    assert live_watchdogs() == before  # each call's watchdog is cancelled when it ends


def offline(spec: Any) -> list[Finding]:
    return [
        Finding(
            code="missing_acceptance_criteria",
            severity="medium",
            title="Criteria are not testable",
            message="The criteria cannot be checked.",
            suggestion="Write testable criteria.",
            span=span_for_lines(spec, 19, 20),
            confidence=0.4,
        )
    ]


def review(stage: LLMReviewStage) -> tuple[list[Finding], LLMStatus, float]:
    spec = load_spec("export-scheduler.md")
    ctx = ReviewContext(spec=spec, path="drafts/x.md", config=ReviewConfig(), history=None)
    status = LLMStatus()
    started = time.monotonic()
    result = stage.apply(ctx, offline(spec), status)
    return result, status, time.monotonic() - started


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_review_with_a_dripping_model_returns_offline_findings_at_the_deadline(
    fake_openai: FakeOpenAI, stream: bool
) -> None:
    """The red-team case: a model that drips bytes kept a review 62 s past a 10 s deadline."""
    for _ in range(3):
        fake_openai.enqueue(content=LONG, drip_s=0.05, drip_after=100)
    stage = LLMReviewStage(slow_client(fake_openai, stream=stream), deadline_s=2.0)
    result, status, took = review(stage)
    assert took < 2.0 + SLACK_S, took
    assert result == offline(load_spec("export-scheduler.md"))
    assert status.mode == "degraded"
    assert status.reason is not None and "LLM stage timed out after 2s" in status.reason


# --- circuit breaker ------------------------------------------------------------------------


class FlakyLLM:
    """Raises the scripted errors in turn (None = answer), counting calls."""

    name = "flaky"

    def __init__(self, *outcomes: LLMError | None) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def complete(self, messages: Any, **_: Any) -> LLMReply:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return LLMReply("{}")

    def stream(self, messages: Any, **_: Any) -> Any:
        yield self.complete(messages).text


DOWN = LLMError("cannot reach the model server", retryable=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker_llm(model: FlakyLLM, clock: Clock) -> BreakerLLM:
    return BreakerLLM(model, CircuitBreaker(failures=3, cooldown_s=60, clock=clock), where="m")


def test_three_failures_in_a_row_stop_the_calls_for_the_cool_down() -> None:
    clock = Clock()
    model = FlakyLLM(DOWN, DOWN, DOWN, DOWN)
    llm = breaker_llm(model, clock)
    for _ in range(3):
        with pytest.raises(LLMError, match="cannot reach"):
            llm.complete(HELLO)
    with pytest.raises(LLMError, match="failed 3 times in a row") as caught:
        llm.complete(HELLO)
    assert "for 60s more" in str(caught.value) and "cannot reach" in str(caught.value)
    assert model.calls == 3 and llm.breaker.state == "open"
    clock.now += 59
    with pytest.raises(LLMError, match="circuit breaker"):
        list(llm.stream(HELLO))
    assert model.calls == 3


def test_after_the_cool_down_one_call_tries_again() -> None:
    clock = Clock()
    model = FlakyLLM(DOWN, DOWN, DOWN, DOWN)
    llm = breaker_llm(model, clock)
    for _ in range(3):
        with pytest.raises(LLMError):
            llm.complete(HELLO)
    clock.now += 61
    assert llm.breaker.state == "half-open"
    with pytest.raises(LLMError, match="cannot reach"):  # the trial fails: open again
        llm.complete(HELLO)
    assert model.calls == 4 and llm.breaker.state == "open"
    clock.now += 61
    assert llm.complete(HELLO).text == "{}"  # the trial succeeds: closed
    assert llm.breaker.state == "closed"
    assert llm.complete(HELLO).text == "{}" and model.calls == 6


def test_only_one_trial_call_while_half_open() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown_s=10, clock=clock)
    breaker.record(DOWN, trial=False)
    clock.now += 11
    assert breaker.admit("m") is True
    with pytest.raises(LLMError, match="while one call tries it again"):
        breaker.admit("m")
    breaker.record(None, trial=True)
    assert breaker.admit("m") is False and breaker.state == "closed"


def test_a_model_that_answers_with_an_error_is_up() -> None:
    clock = Clock()
    refused = LLMError("the model server refused the API key (401)")  # not retryable
    model = FlakyLLM(DOWN, DOWN, refused, DOWN, DOWN, None)
    llm = breaker_llm(model, clock)
    for _ in range(5):
        with pytest.raises(LLMError):
            llm.complete(HELLO)
    assert llm.breaker.state == "closed"  # never three unavailable failures in a row
    assert llm.complete(HELLO).text == "{}"


def test_a_dead_model_costs_reviews_nothing_once_the_breaker_opens(
    fake_openai: FakeOpenAI,
) -> None:
    for _ in range(10):
        fake_openai.enqueue(content=None, status=503)
    settings = Settings(
        llm_model="local-test",
        llm_base_url=fake_openai.url,
        llm_max_retries=0,
        llm_breaker_failures=2,
        llm_breaker_cooldown_s=60,
    )
    llm = build_llm(settings)
    assert llm is not None
    stage = LLMReviewStage.from_settings(llm, settings)
    for _ in range(2):
        _, status, _ = review(stage)
        assert status.mode == "degraded" and "503" in (status.reason or "")
    _, status, took = review(stage)
    assert len(fake_openai.requests) == 2  # the third review did not call the model
    assert status.mode == "degraded"
    assert "failed 2 times in a row" in (status.reason or "")
    assert "SPECREVIEW_LLM_BREAKER_COOLDOWN_S" in (status.reason or "")
    assert took < 0.5
