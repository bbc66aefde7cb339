"""An AnswerWriter that asks the model (see assistant/answer.py for the protocol).

The asker numbers the evidence, removes citations to anything it did not retrieve and falls
back to the extractive writer when this one raises LLMError; this writer only writes: it fits
the passages into the model's context (best first), streams the answer, and records usage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from assistant.answer import Evidence
from assistant.budget import fit_items, tokens
from assistant.config import Settings
from assistant.errors import LLMError
from assistant.llm import LLM, LLMReply, Message, record_usage
from assistant.models import LLMStatus
from assistant.prompting import render_prompt

CUT_OFF = " … (the model's answer was cut off at the token limit)"


@dataclass
class LLMAnswerWriter:
    """Writes an answer with `[n]` citations from the numbered passages, streaming."""

    llm: LLM
    context_tokens: int = 8192
    max_tokens: int = 512
    deadline_s: float = 120.0
    clock: Callable[[], float] = field(default=time.monotonic)
    model: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.model = self.llm.name

    @classmethod
    def from_settings(cls, llm: LLM, settings: Settings) -> LLMAnswerWriter:
        return cls(
            llm=llm,
            context_tokens=settings.llm_context_tokens,
            max_tokens=min(settings.llm_max_tokens, 1024),
            deadline_s=settings.llm_deadline_s,
        )

    def write(
        self, question: str, evidence: Sequence[Evidence], status: LLMStatus
    ) -> Iterator[str]:
        system = render_prompt("ask", "system")
        room = self.context_tokens - self.max_tokens - tokens(system) - tokens(question) - 64
        keep = fit_items([f"[{e.n}] {e.title}\n{e.text}\n{e.note}" for e in evidence], room)
        if keep == 0 and evidence:
            raise LLMError(
                f"the model's context ({self.context_tokens} tokens) cannot hold one passage; "
                "raise SPECREVIEW_LLM_CONTEXT_TOKENS"
            )
        user = render_prompt("ask", "user", evidence=list(evidence[:keep]), question=question)
        messages = [Message("system", system), Message("user", user)]
        finished: list[LLMReply] = []
        deadline = self.clock() + self.deadline_s
        wrote = False
        for delta in self.llm.stream(
            messages, max_tokens=self.max_tokens, deadline=deadline, on_done=finished.append
        ):
            wrote = wrote or bool(delta.strip())
            yield delta
        if finished:
            self._account(finished[0], status)
        if not wrote:
            raise LLMError("the model returned an empty answer; try again or use another model")
        if finished and finished[0].truncated:
            yield CUT_OFF

    def _account(self, reply: LLMReply, status: LLMStatus) -> None:
        record_usage(status, self.llm.name, reply)
