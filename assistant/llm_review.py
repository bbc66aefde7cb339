"""The LLM review stage: the model reviews the offline findings and adds judgement findings.

Runs after the offline checks (a `ReviewStage`). For each part of the spec that fits the
model's context (the whole spec when it fits) it sends the numbered spec, the retrieved
history with ids and the offline findings; it asks for a `ReviewReply`; it grounds every claim
(`assistant.grounding`) and merges one de-duplicated list. With a model it is never less
trustworthy than without: offline findings are only dismissed when they are low-confidence and
the model quotes proof; a spec that talks to the model gets no dismissals or rewrites at all;
any model failure returns the offline findings unchanged, marked degraded, with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.budget import Part, fit_items, plan_parts, tokens
from assistant.checks.base import ReviewContext
from assistant.config import ReviewConfig, Settings
from assistant.errors import LLMError
from assistant.grounding import CODE_MEANINGS, Grounder, RecordInfo, ReviewReply, reply_model
from assistant.injection import injection_lines
from assistant.llm import LLM, LLMReply, Message, parse_reply, record_usage
from assistant.llm_merge import ALL_CODES, merge_reply
from assistant.models import Finding, LLMStatus
from assistant.prompting import render_prompt

BRIEF = (
    "Your previous reply was cut off at the token limit. Reply again, much shorter: at most "
    "three findings, one short sentence per string."
)
RECORD_CHARS = 400  # characters of each retrieved record put in the prompt


@dataclass(frozen=True)
class ReviewPolicy:
    """How far the model is trusted. The defaults suit small local models; raise them for a
    strong model through [review] thresholds in .specreview.toml (llm_dismiss_below, ...)."""

    dismiss_below: float = 0.6  # only offline findings less confident than this may be dismissed
    min_quote_chars: int = 8  # shorter quotes ground nothing
    add_codes: frozenset[str] = ALL_CODES  # codes the model may add
    llm_confidence: float = 0.5  # confidence given to model-added findings
    max_new: int = 2  # findings the model may add per call
    # Offline findings below this confidence get a verdict (confirm/dismiss/sharpen); the rest
    # are listed as already reported. 1.01 asks for a verdict on every finding (strong models).
    verdict_below: float = 0.6
    history_k: int = 4  # records retrieved per part
    history_share: float = 0.3  # at most this share of the prompt budget goes to history

    @classmethod
    def from_config(cls, config: ReviewConfig) -> ReviewPolicy:
        t = config.thresholds
        base = cls()
        return cls(
            dismiss_below=t.get("llm_dismiss_below", base.dismiss_below),
            min_quote_chars=int(t.get("llm_min_quote_chars", base.min_quote_chars)),
            llm_confidence=t.get("llm_confidence", base.llm_confidence),
            history_k=int(t.get("llm_history_k", base.history_k)),
            max_new=int(t.get("llm_max_new", base.max_new)),
            verdict_below=t.get("llm_verdict_below", base.verdict_below),
        )


@dataclass
class LLMReviewStage:
    """A ReviewStage that asks a model; see the module docstring for what it may change."""

    llm: LLM
    context_tokens: int = 8192
    max_tokens: int = 1024
    deadline_s: float = 300.0
    policy: ReviewPolicy = field(default_factory=ReviewPolicy)
    clock: Callable[[], float] = time.monotonic
    # Read the policy's thresholds from each review's configuration (a repository's own
    # .specreview.toml), instead of the fixed `policy`.
    policy_per_review: bool = False

    @classmethod
    def from_settings(cls, llm: LLM, settings: Settings) -> LLMReviewStage:
        return cls(
            llm=llm,
            context_tokens=settings.llm_context_tokens,
            max_tokens=settings.llm_max_tokens,
            deadline_s=settings.llm_deadline_s,
            policy_per_review=True,
        )

    def apply(
        self, ctx: ReviewContext, findings: list[Finding], status: LLMStatus
    ) -> list[Finding]:
        policy = ReviewPolicy.from_config(ctx.config) if self.policy_per_review else self.policy
        status.mode, status.model = "on", self.llm.name
        deadline = self.clock() + self.deadline_s
        try:
            return self._review(ctx, findings, status, deadline, policy)
        except LLMError as exc:
            status.mode, status.reason = "degraded", str(exc)
            if self.clock() >= deadline:  # the deadline bounds the whole stage, replies included
                status.reason = (
                    f"the LLM stage timed out after {self.deadline_s:g}s "
                    f"(SPECREVIEW_LLM_DEADLINE_S); offline findings only: {exc}"
                )
            return findings

    def _review(
        self,
        ctx: ReviewContext,
        findings: list[Finding],
        status: LLMStatus,
        deadline: float,
        policy: ReviewPolicy,
    ) -> list[Finding]:
        spec = ctx.spec
        suspicious = injection_lines(spec)
        system = render_prompt("review", "system")
        room = self.context_tokens - self.max_tokens - tokens(system) - 64
        history_budget = int(room * policy.history_share)
        skeleton = self._user(
            ctx, findings, [], reported=[], part=None, number=1, parts=1, whole=True
        )
        spec_budget = room - history_budget - tokens(skeleton)
        if spec_budget < 200:
            raise LLMError(
                f"the model's context ({self.context_tokens} tokens) leaves no room for the "
                "spec; raise SPECREVIEW_LLM_CONTEXT_TOKENS or lower SPECREVIEW_LLM_MAX_TOKENS"
            )
        plan = plan_parts(spec, spec_budget)
        status.not_covered.extend(plan.skipped)
        whole = len(plan.parts) == 1 and not plan.skipped
        if not whole:
            status.not_covered.append(
                "findings without a line anchor were not re-checked by the model "
                f"(the spec was reviewed in {len(plan.parts)} parts)"
            )
        current = list(findings)
        allowed_codes = _allowed_codes(ctx.config, policy)
        for n, part in enumerate(plan.parts, start=1):
            if self.clock() >= deadline:
                status.not_covered.append(f"{part.label}: the review's LLM deadline passed")
                continue
            records = self._history(ctx, part, history_budget, policy)
            here = [f for f in current if _in_part(f, part, whole)]
            shown = [f for f in here if f.confidence < policy.verdict_below]
            reported = [f for f in here if f.confidence >= policy.verdict_below]
            user = self._user(
                ctx,
                shown,
                records,
                reported=reported,
                part=part,
                number=n,
                parts=len(plan.parts),
                whole=whole,
            )
            reply = self._ask(system, user, len(shown), status, deadline, policy)
            if reply is None:
                status.not_covered.append(f"{part.label}: the model's reply was cut off twice")
                continue
            grounder = Grounder(
                spec, {r.id: r for r in records}, policy.min_quote_chars, suspicious
            )
            current = merge_reply(
                current,
                shown,
                reply,
                grounder,
                status,
                dismiss_below=policy.dismiss_below,
                allow_rewrites=not suspicious,
                add_codes=allowed_codes,
                llm_confidence=policy.llm_confidence,
            )
        if suspicious:
            lines = ", ".join(str(n) for n in sorted(suspicious)[:5])
            status.reason = (
                f"the spec addresses the reviewer or the model (line {lines}); the model's "
                "dismissals and rewrites were ignored"
            )
        return current

    def _ask(
        self,
        system: str,
        user: str,
        shown: int,
        status: LLMStatus,
        deadline: float,
        policy: ReviewPolicy,
    ) -> ReviewReply | None:
        """One structured call; on truncation, one shorter retry (one new finding at most);
        None if cut off twice."""
        messages = [Message("system", system), Message("user", user)]
        for attempt in range(2):
            schema = reply_model(shown, policy.max_new if attempt == 0 else 1)
            if attempt:
                messages.append(Message("user", BRIEF))
            reply = self.llm.complete(
                messages, schema=schema, max_tokens=self.max_tokens, deadline=deadline
            )
            self._account(reply, status)
            if not reply.truncated:
                # Validate against the general model: a ref the call did not offer is dropped
                # and counted by the merge rather than failing the whole reply.
                return parse_reply(reply, ReviewReply)
        return None

    def _account(self, reply: LLMReply, status: LLMStatus) -> None:
        record_usage(status, self.llm.name, reply)

    def _history(
        self, ctx: ReviewContext, part: Part, budget: int, policy: ReviewPolicy
    ) -> list[RecordInfo]:
        """Decisions and retros relevant to this part, best first, trimmed to the budget."""
        if ctx.history is None or policy.history_k <= 0:
            return []
        text = "\n".join(ctx.spec.lines[part.start_line - 1 : part.end_line])
        query = f"{ctx.spec.title}\n{text}"[:2000]
        records: dict[str, RecordInfo] = {}
        for hit in ctx.history.search(query, kinds=["decision", "retro"], k=policy.history_k):
            chunk = hit.chunk
            if chunk.doc_id in records:
                continue
            records[chunk.doc_id] = RecordInfo(
                id=chunk.doc_id,
                kind=chunk.kind,
                status=chunk.status,
                title=chunk.title,
                path=chunk.path,
                text=" ".join(chunk.text.split())[:RECORD_CHARS],
            )
        items = list(records.values())
        keep = fit_items([f"[{r.id}] {r.title}\n{r.text}" for r in items], budget)
        return items[:keep]

    def _user(
        self,
        ctx: ReviewContext,
        findings: Sequence[Finding],
        records: Sequence[RecordInfo],
        *,
        reported: Sequence[Finding],
        part: Part | None,
        number: int,
        parts: int,
        whole: bool,
    ) -> str:
        return render_prompt(
            "review",
            "user",
            codes=CODE_MEANINGS,
            history=records,
            findings=[_shown(i, f) for i, f in enumerate(findings, start=1)],
            reported=[_shown(0, f) for f in reported],
            whole_spec=whole,
            path=ctx.path,
            part=number,
            parts=parts,
            start_line=part.start_line if part else 1,
            end_line=part.end_line if part else len(ctx.spec.lines),
            spec=part.text if part else "",
        )


def _allowed_codes(config: ReviewConfig, policy: ReviewPolicy) -> frozenset[str]:
    codes = set(policy.add_codes)
    if config.enabled_checks is not None:
        codes &= set(config.enabled_checks) | {"other"}
    return frozenset(codes - set(config.disabled_checks))


def _in_part(finding: Finding, part: Part, whole: bool) -> bool:
    if whole:
        return True
    if finding.span is None:
        return False
    return part.start_line <= finding.span.start_line <= part.end_line


def _shown(index: int, finding: Finding) -> dict[str, str]:
    span = finding.span
    lines = ""
    if span is not None:
        lines = (
            str(span.start_line)
            if span.start_line == span.end_line
            else (f"{span.start_line}-{span.end_line}")
        )
    return {
        "ref": f"F{index}",
        "code": finding.code,
        "severity": finding.severity,
        "lines": lines,
        "title": finding.title,
        "message": finding.message,
    }
