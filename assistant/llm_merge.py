"""Merge a model's grounded reply into the offline findings: one de-duplicated list (pure).

Verdicts: `confirm` marks a finding rules+llm; `sharpen` rewrites its message/suggestion (never
its code, severity or anchor); `dismiss` removes it only if the finding is low-confidence, the
reason is given and the quoted proof is verbatim in the spec, visible, and about that finding
(`Grounder.proof`: in or near its section, or naming its subject). New findings must ground
(`Grounder.finding`); one the rules already made (same code) confirms the rule finding instead.
Every claim that fails is counted in `status.dropped_findings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from assistant.grounding import Grounder, ModelCode, ModelFinding, ReviewReply, Verdict
from assistant.models import Finding, LLMStatus

ALL_CODES: frozenset[str] = frozenset(get_args(ModelCode))
MIN_REWRITE_CHARS = 20


def merge_reply(
    current: Sequence[Finding],
    shown: Sequence[Finding],
    reply: ReviewReply,
    grounder: Grounder,
    status: LLMStatus,
    *,
    dismiss_below: float,
    allow_rewrites: bool,
    add_codes: frozenset[str],
    llm_confidence: float,
) -> list[Finding]:
    """The findings after applying the verdicts on `shown` and adding grounded new ones."""
    result = list(current)
    by_ref = {f"F{i}": f for i, f in enumerate(shown, start=1)}
    seen_refs: set[str] = set()
    for verdict in reply.verdicts:
        ref = verdict.ref.strip().upper()
        target = by_ref.get(ref)
        if target is None or ref in seen_refs:
            status.dropped_findings += 1
            continue
        seen_refs.add(ref)
        index = next(i for i, f in enumerate(result) if f is target)
        outcome = _apply(verdict, target, grounder, dismiss_below, allow_rewrites)
        if outcome is None:
            result.pop(index)
            status.dismissed += 1
        elif outcome is target:
            status.dropped_findings += int(verdict.action != "confirm")
        else:
            result[index] = outcome
    for item in reply.findings:
        added = _add(item, result, grounder, add_codes, llm_confidence)
        if added is None:
            status.dropped_findings += 1
        elif added:
            status.added += 1
    return result


def _apply(
    verdict: Verdict,
    target: Finding,
    grounder: Grounder,
    dismiss_below: float,
    allow_rewrites: bool,
) -> Finding | None:
    """The finding after a verdict: None = dismissed, `target` itself = verdict refused."""
    if verdict.action == "confirm":
        return _confirmed(target)
    if not allow_rewrites:
        return target
    if verdict.action == "dismiss":
        proof = grounder.proof(verdict.quote, target)  # verbatim, visible, and about `target`
        if target.confidence < dismiss_below and verdict.reason.strip() and proof is not None:
            return None
        return target
    message, suggestion = verdict.message.strip(), verdict.suggestion.strip()
    if len(message) < MIN_REWRITE_CHARS:
        return target
    update = {"message": message, "source": "rules+llm"}
    if len(suggestion) >= MIN_REWRITE_CHARS:
        update["suggestion"] = suggestion
    return target.model_copy(update=update)


def _confirmed(finding: Finding) -> Finding:
    if finding.source == "rules":
        return finding.model_copy(update={"source": "rules+llm"})
    return finding


def _add(
    item: ModelFinding,
    result: list[Finding],
    grounder: Grounder,
    add_codes: frozenset[str],
    llm_confidence: float,
) -> bool | None:
    """Add a grounded finding: True if added, False if it duplicated one, None if dropped."""
    if item.code not in add_codes:
        return None
    finding = grounder.finding(item, confidence=llm_confidence)
    if finding is None:
        return None
    for i, existing in enumerate(result):
        if existing.code != finding.code:
            continue
        if existing.source == "llm" and not _overlaps(existing, finding):
            continue  # a second, separate model finding of the same code
        if existing.source == "rules":
            result[i] = _confirmed(existing)
        return False
    result.append(finding)
    return True


def _overlaps(a: Finding, b: Finding) -> bool:
    if a.span is None or b.span is None:
        return True
    return a.span.start_line <= b.span.end_line and b.span.start_line <= a.span.end_line
