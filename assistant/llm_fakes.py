"""A scripted LLM for tests and demos: a queue of replies and a history of what was asked."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from assistant.errors import LLMError
from assistant.llm import LLMReply, Message
from assistant.tokens import count_tokens

Responder = Callable[[Sequence[Message]], "str | dict[str, Any] | BaseModel | LLMReply"]
Reply = str | dict[str, Any] | BaseModel | LLMReply | Exception | Responder


@dataclass
class Call:
    """One recorded request."""

    messages: list[Message]
    schema: type[BaseModel] | None
    max_tokens: int | None

    @property
    def system(self) -> str:
        return "\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def user(self) -> str:
        return "\n".join(m.content for m in self.messages if m.role == "user")


@dataclass
class ScriptedLLM:
    """Answers each call with the next enqueued reply (text, dict, pydantic model, LLMReply,
    an exception to raise, or a function of the messages). Raises LLMError when the queue is
    empty, so a test never silently gets a default answer."""

    name: str = "scripted"
    history: list[Call] = field(default_factory=list)
    _queue: list[Any] = field(default_factory=list)

    def enqueue(self, *replies: Reply) -> None:
        self._queue.extend(replies)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        deadline: float | None = None,  # noqa: ARG002
    ) -> LLMReply:
        self.history.append(Call(list(messages), schema, max_tokens))
        return self._next(messages)

    def ping(self, *, timeout: float = 3.0) -> str:  # noqa: ARG002
        return f"{self.name} (scripted)"

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        deadline: float | None = None,  # noqa: ARG002
        on_done: Callable[[LLMReply], None] | None = None,
    ) -> Iterator[str]:
        """The next reply's text, yielded word by word; `on_done` gets the whole reply."""
        self.history.append(Call(list(messages), None, max_tokens))
        reply = self._next(messages)
        yield from re.findall(r"\s*\S+", reply.text) or [reply.text]
        if on_done is not None:
            on_done(reply)

    def _next(self, messages: Sequence[Message]) -> LLMReply:
        if not self._queue:
            raise LLMError(
                f"ScriptedLLM {self.name!r}: nothing enqueued for call {len(self.history)}"
            )
        item = self._queue.pop(0)
        if isinstance(item, Exception):
            raise item
        if callable(item) and not isinstance(item, BaseModel):
            item = item(messages)
        if isinstance(item, LLMReply):
            return item
        if isinstance(item, BaseModel):
            text = item.model_dump_json()
        elif isinstance(item, dict):
            text = json.dumps(item)
        else:
            text = str(item)
        prompt = "\n".join(m.content for m in messages)
        return LLMReply(text, "stop", count_tokens(prompt), count_tokens(text))
