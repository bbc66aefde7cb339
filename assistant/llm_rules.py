"""The team rules with a model: each applicable rule goes to the model with the document.

A `ReviewStage` after the offline checks. The model answers met, violated or not applicable
and must quote the document: a "violated" is anchored where its quote really is, a "met"
quotes what meets the requirement and then replaces the offline verdict. A quote that is not
in the document (`assistant.grounding`) throws the answer away and the offline verdict stands;
so does "not applicable", which cannot quote an absence, when the offline judge raised the
rule. A document that talks to the model, or is larger than its context, keeps the offline
verdicts. Any model failure keeps the offline findings, marked degraded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.anchors import fingerprint, section_at
from assistant.budget import plan_parts, tokens
from assistant.checks.base import ReviewContext
from assistant.config import Settings
from assistant.errors import LLMError
from assistant.grounding import Grounder
from assistant.injection import injection_lines
from assistant.llm import LLM, Message, parse_reply, record_usage
from assistant.models import Finding, LLMStatus
from assistant.prompting import render_prompt
from assistant.rules import Rule, rules_for
from assistant.suppress import code_enabled

RULE_CONFIDENCE = 0.7  # a grounded model verdict; [review] thresholds can raise the bar


class RuleReply(BaseModel):
    """The model's answer on one rule."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["met", "violated", "not_applicable"]
    quote: Annotated[str, Field(max_length=200)]
    reason: Annotated[str, Field(max_length=200)]


@dataclass
class LLMRuleStage:
    """A ReviewStage that asks the model about each team rule; see the module docstring."""

    llm: LLM
    context_tokens: int = 8192
    max_tokens: int = 1024
    deadline_s: float = 300.0
    min_quote_chars: int = 8
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_settings(cls, llm: LLM, settings: Settings) -> LLMRuleStage:
        return cls(
            llm=llm,
            context_tokens=settings.llm_context_tokens,
            max_tokens=settings.llm_max_tokens,
            deadline_s=settings.llm_deadline_s,
        )

    def apply(
        self, ctx: ReviewContext, findings: list[Finding], status: LLMStatus
    ) -> list[Finding]:
        rules = [
            r for r in rules_for(ctx.config.rules, ctx.doc_type) if code_enabled(r.id, ctx.config)
        ]
        if not rules:
            return findings
        status.mode, status.model = ("on" if status.mode == "off" else status.mode), self.llm.name
        system = render_prompt("rules", "system")
        room = self.context_tokens - self.max_tokens - tokens(system) - 64
        # The document goes whole with each rule: it must fit beside the longest rule.
        rule_tokens = max(tokens(self._user(ctx, r, document="", end_line=0)) for r in rules)
        plan = plan_parts(ctx.spec, room - rule_tokens)
        if len(plan.parts) != 1 or plan.skipped:
            status.not_covered.append(
                "team rules: the document is larger than the model's context; judged offline"
            )
            return findings
        suspicious = injection_lines(ctx.spec)
        if suspicious:
            status.not_covered.append(
                "team rules: the document addresses the reviewer or the model; judged offline"
            )
            return findings
        grounder = Grounder(ctx.spec, {}, self.min_quote_chars, suspicious)
        deadline = self.clock() + self.deadline_s
        current = list(findings)
        try:
            for rule in rules:
                if self.clock() >= deadline:
                    status.not_covered.append(f"team rule {rule.id}: the LLM deadline passed")
                    continue
                user = self._user(
                    ctx, rule, document=plan.parts[0].text, end_line=len(ctx.spec.lines)
                )
                reply = self._ask(system, user, status, deadline)
                current = self._merge(ctx, rule, reply, grounder, current, status)
        except LLMError as exc:
            status.mode, status.reason = "degraded", f"team rules: {exc}"
            return findings
        return current

    def _ask(self, system: str, user: str, status: LLMStatus, deadline: float) -> RuleReply:
        messages = [Message("system", system), Message("user", user)]
        reply = self.llm.complete(
            messages, schema=RuleReply, max_tokens=self.max_tokens, deadline=deadline
        )
        record_usage(status, self.llm.name, reply)
        return parse_reply(reply, RuleReply)

    def _merge(
        self,
        ctx: ReviewContext,
        rule: Rule,
        reply: RuleReply,
        grounder: Grounder,
        findings: list[Finding],
        status: LLMStatus,
    ) -> list[Finding]:
        """The findings with this rule's offline verdict replaced by a grounded answer."""
        offline = [f for f in findings if f.code == rule.id]
        others = [f for f in findings if f.code != rule.id]
        if reply.verdict == "not_applicable":
            return findings  # an absence cannot be quoted: the offline verdict stands
        span = grounder.quote(reply.quote)
        if span is None:
            status.dropped_findings += 1  # unquoted: thrown away, the offline verdict stands
            return findings
        if reply.verdict == "met":
            status.dismissed += len(offline)
            return others
        section = section_at(ctx.spec, span.start_line)
        label = section.path_label if section else ""
        status.added += 0 if offline else 1
        return [
            *others,
            Finding(
                code=rule.id,
                severity=rule.severity,
                title=f"Team rule {rule.id}: {rule.require[:70]}",
                message=(
                    f"The team's rule {rule.id} asks for {rule.require}, and the draft does not "
                    f"have it. Judged by the model: {reply.reason.strip()}"
                ),
                suggestion=f"Add {rule.require}"
                + (f', e.g. "{rule.examples.passing[0]}"' if rule.examples.passing else ""),
                span=span,
                section=label,
                fingerprint=fingerprint(rule.id, label, span.quote),
                source="rules+llm" if offline else "llm",
                confidence=RULE_CONFIDENCE,
            ),
        ]

    def _user(self, ctx: ReviewContext, rule: Rule, *, document: str, end_line: int) -> str:
        return render_prompt(
            "rules",
            "user",
            rule_id=rule.id,
            applies_to=", ".join(rule.applies_to),
            when=rule.when or "",
            require=rule.require,
            passing=rule.examples.passing,
            failing=rule.examples.failing,
            path=ctx.path,
            doc_type=ctx.doc_type,
            end_line=end_line,
            document=document,
        )
