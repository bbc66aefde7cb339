"""A circuit breaker around a model: after N failed calls in a row, stop calling it for a while.

A dead or hanging model costs every review its whole retry budget (timeouts, backoff), so a
service under load spends minutes per request learning the same thing. Only failures that say
the model is unavailable count (timeouts, the deadline, connection errors, 5xx, 429: the
errors `OpenAILLM` marks retryable); a model that answers, even with an error (400, 401, a
reply that does not parse), is up. States:

* closed: calls go through; `failures` unavailable failures in a row open it;
* open: calls fail at once with an LLMError that says so, for `cooldown_s`;
* half-open: after the cool-down one call goes through (others still fail at once); its
  success closes the breaker, its failure opens it for another cool-down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from pydantic import BaseModel

from assistant.errors import LLMError
from assistant.llm import LLM, LLMReply, Message

State = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """The breaker's state, shared by every call of one model (threads included)."""

    def __init__(
        self,
        *,
        failures: int = 3,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._opened_at: float | None = None
        self._trial = False  # a half-open call is in flight
        self._last_error = ""

    @property
    def state(self) -> State:
        with self._lock:
            return self._state()

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at < self.cooldown_s:
            return "open"
        return "half-open"

    def admit(self, where: str) -> bool:
        """True if a call may go ahead (the half-open trial included); LLMError if not."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return False
            if state == "half-open" and not self._trial:
                self._trial = True
                return True
            assert self._opened_at is not None
            left = max(0.0, self.cooldown_s - (self._clock() - self._opened_at))
        when = f"for {left:.0f}s more" if state == "open" else "while one call tries it again"
        raise LLMError(
            f"the model at {where} failed {self.failures} times in a row (last: "
            f"{self._last_error}); not calling it {when} (circuit breaker: "
            "SPECREVIEW_LLM_BREAKER_FAILURES, SPECREVIEW_LLM_BREAKER_COOLDOWN_S)"
        )

    def record(self, error: LLMError | None, *, trial: bool) -> None:
        """The outcome of an admitted call: None for success (or a model that answered)."""
        with self._lock:
            if trial:
                self._trial = False
            if error is None or not error.retryable:
                self._in_a_row, self._opened_at = 0, None
                return
            self._in_a_row += 1
            self._last_error = str(error)[:200]
            if trial or self._in_a_row >= self.failures:
                self._opened_at = self._clock()

    def abandon(self, *, trial: bool) -> None:
        """An admitted call ended without an outcome (a stream its reader dropped)."""
        if trial:
            with self._lock:
                self._trial = False


class BreakerLLM:
    """An LLM whose calls go through a CircuitBreaker."""

    def __init__(self, llm: LLM, breaker: CircuitBreaker, *, where: str = "") -> None:
        self.llm = llm
        self.breaker = breaker
        self.name = llm.name
        self.where = where or llm.name

    def ping(self, *, timeout: float = 3.0) -> str:
        """Readiness asks the server itself, open breaker or not: it is how an operator sees
        that the model is back."""
        return self.llm.ping(timeout=timeout)

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        deadline: float | None = None,
    ) -> LLMReply:
        trial = self.breaker.admit(self.where)
        try:
            reply = self.llm.complete(
                messages, schema=schema, max_tokens=max_tokens, deadline=deadline
            )
        except LLMError as exc:
            self.breaker.record(exc, trial=trial)
            raise
        except BaseException:
            self.breaker.abandon(trial=trial)
            raise
        self.breaker.record(None, trial=trial)
        return reply

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        deadline: float | None = None,
        on_done: Callable[[LLMReply], None] | None = None,
    ) -> Iterator[str]:
        trial = self.breaker.admit(self.where)
        decided = False
        try:
            yield from self.llm.stream(
                messages, max_tokens=max_tokens, deadline=deadline, on_done=on_done
            )
        except LLMError as exc:
            decided = True
            self.breaker.record(exc, trial=trial)
            raise
        else:
            decided = True
            self.breaker.record(None, trial=trial)
        finally:
            if not decided:
                self.breaker.abandon(trial=trial)
