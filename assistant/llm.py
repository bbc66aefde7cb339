"""The LLM seam: a small protocol, the reply type, building a model from Settings, and
validating structured replies. The OpenAI-compatible client lives in assistant/llm_openai.py.

No model configured (no SPECREVIEW_LLM_MODEL) = offline mode: `build_llm` returns None.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel

from assistant.config import Settings
from assistant.errors import LLMError
from assistant.models import LLMStatus

ModelT = TypeVar("ModelT", bound=BaseModel)
Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class LLMReply:
    """What a completion returned: the text, why it stopped, and what it cost in tokens."""

    text: str
    finish_reason: str | None = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


class LLMStatusError(LLMError):
    """The server answered with an HTTP error; `retry_after` is its Retry-After in seconds."""

    def __init__(
        self, message: str, *, raw: str | None, retryable: bool, retry_after: float | None
    ) -> None:
        super().__init__(message, raw=raw, retryable=retryable)
        self.retry_after = retry_after


class LLM(Protocol):
    """A chat model. `schema` asks for JSON matching a pydantic model (the caller validates
    with `parse_reply`); `deadline` is a `time.monotonic()` instant no retry may pass."""

    name: str

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        deadline: float | None = None,
    ) -> LLMReply: ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        deadline: float | None = None,
        on_done: Callable[[LLMReply], None] | None = None,
    ) -> Iterator[str]:
        """Yield the reply's text in pieces; `on_done` gets the whole reply (usage, finish)."""
        ...

    def ping(self, *, timeout: float = 3.0) -> str:
        """Whether the model's server answers now (readiness): where it is, or LLMError."""
        ...


# USD per million (input, output) tokens, by model-name prefix; longest prefix wins.
# Unknown and local models cost nothing here (the estimate says so by being 0.0).
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
}


def estimate_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Estimated USD for a call; 0.0 for models without a known price (e.g. local ones)."""
    name = model.split("/")[-1].lower()
    matches = [p for p in PRICES_PER_MTOK if name.startswith(p)]
    if not matches:
        return 0.0
    price_in, price_out = PRICES_PER_MTOK[max(matches, key=len)]
    return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000


def record_usage(status: LLMStatus, model: str, reply: LLMReply) -> None:
    """Count one call and its tokens into a review's or an answer's LLM status."""
    status.calls += 1
    usage = status.usage
    usage.prompt_tokens += reply.prompt_tokens
    usage.completion_tokens += reply.completion_tokens
    usage.estimated_cost_usd = round(
        estimate_cost(model, usage.prompt_tokens, usage.completion_tokens), 6
    )


def build_llm(settings: Settings) -> LLM | None:
    """The configured model, or None in offline mode (no SPECREVIEW_LLM_MODEL)."""
    if not settings.llm_model:
        return None
    from assistant.llm_breaker import BreakerLLM, CircuitBreaker
    from assistant.llm_openai import OpenAILLM

    model = OpenAILLM(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )
    breaker = CircuitBreaker(
        failures=settings.llm_breaker_failures, cooldown_s=settings.llm_breaker_cooldown_s
    )
    return BreakerLLM(model, breaker, where=model.where)


def parse_reply(reply: LLMReply, schema: type[ModelT]) -> ModelT:
    """Validate a reply against a pydantic model; LLMError (with the raw text) when it fails."""
    if reply.truncated:
        raise LLMError(
            "the model's reply was cut off at the token limit (finish_reason=length); "
            "raise SPECREVIEW_LLM_MAX_TOKENS",
            raw=reply.text,
        )
    text = reply.text.strip()
    if text.startswith("```"):  # some servers wrap json_object replies in a fence
        text = text.strip("`").removeprefix("json").strip()
    if not text:
        raise LLMError("the model returned an empty reply; try again or use another model", raw="")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMError(
            f"the model's reply is not JSON ({exc.msg}); use a model that supports JSON output",
            raw=reply.text,
        ) from exc
    try:
        return schema.model_validate(data)
    except ValueError as exc:
        raise LLMError(
            f"the model's reply does not match the {schema.__name__} schema; "
            "use a model that follows JSON schemas",
            raw=reply.text,
        ) from exc
