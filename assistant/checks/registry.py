"""Every finding code, declared once: its name, meaning, the document types it applies to.

Rendering, grounding, the LLM merge, the evals and the docs read this table; adding a check means
one module under `checks/` and one entry here. Which codes apply to which type follows the
"Document types" table of ../shared/evals/LABELS.md: a decision record is not told it lacks
acceptance criteria, an outcome metric or non-goals, because a decision is not a plan of work.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models import DOC_TYPES, DocType, Severity

ALL_TYPES: frozenset[DocType] = frozenset(DOC_TYPES)
PLANS: frozenset[DocType] = frozenset({"spec", "design"})


@dataclass(frozen=True)
class CodeInfo:
    """One finding code: what it is called and means, and where it applies."""

    code: str
    name: str
    meaning: str  # one line, for prompts and docs
    applies_to: frozenset[DocType]
    severity: Severity  # the usual severity; a check may raise or lower it per finding
    core: bool  # every labelled draft is judged on the core codes
    history: bool = False  # needs the indexed history
    note: str = ""  # how the code reads on a type where it applies only in part


CODES: tuple[CodeInfo, ...] = (
    CodeInfo(
        "missing_why",
        'Missing "why"',
        "no user or business problem and consequence; a why that only restates the what, or "
        "says 'leadership asked', TBD or template text",
        ALL_TYPES,
        "high",
        core=True,
        note="decision: the context that forced the decision",
    ),
    CodeInfo(
        "missing_acceptance_criteria",
        "Absent acceptance criteria",
        "nothing checkable says when the work is done; criteria that cannot be checked "
        "('fast', 'intuitive', 'users are happy')",
        PLANS,
        "high",
        core=True,
        note="design: a test plan, graduation criteria or precisely stated behaviour counts",
    ),
    CodeInfo(
        "unresolved_ownership",
        "Unresolved ownership",
        "no owner, DRI or approver; owner TBD, '?', a whole department or 'someone from X'; "
        "two parties claiming the same decision",
        ALL_TYPES,
        "high",
        core=True,
        note="decision: only when the decider is left open (TBD, contested, asked)",
    ),
    CodeInfo(
        "missing_success_metric",
        "No outcome metric",
        "no measurable outcome says whether the shipped feature worked",
        PLANS,
        "medium",
        core=False,
        note="design: only when the stated goal is an outcome (speed, cost, reliability)",
    ),
    CodeInfo(
        "unbounded_scope",
        "Scope not bounded",
        "no non-goals or out-of-scope list and an open-ended proposal",
        PLANS,
        "medium",
        core=False,
    ),
    CodeInfo(
        "open_questions",
        "Blocking open questions",
        "questions, TBDs or TODOs the plan depends on, with no owner or date",
        ALL_TYPES,
        "medium",
        core=False,
    ),
    CodeInfo(
        "conflicts_with_decision",
        "Conflicts with a recorded decision",
        "contradicts an accepted decision in <history> without citing or superseding it",
        ALL_TYPES,
        "high",
        core=False,
        history=True,
    ),
    CodeInfo(
        "repeats_past_lesson",
        "Ignores a retrospective lesson",
        "repeats what a retro in <history> recorded as a cause of trouble, without addressing it",
        ALL_TYPES,
        "medium",
        core=False,
        history=True,
    ),
)

BY_CODE: dict[str, CodeInfo] = {info.code: info for info in CODES}
ALL_CODES: tuple[str, ...] = tuple(info.code for info in CODES)
CORE_CODES: tuple[str, ...] = tuple(info.code for info in CODES if info.core)
EXTENDED_CODES: tuple[str, ...] = tuple(info.code for info in CODES if not info.core)
HISTORY_CODES: tuple[str, ...] = tuple(info.code for info in CODES if info.history)
CODE_NAMES: dict[str, str] = {info.code: info.name for info in CODES}


def applies(code: str, doc_type: DocType) -> bool:
    """Whether a code is raised on this type of document; unknown codes (team rules) always."""
    info = BY_CODE.get(code)
    return info is None or doc_type in info.applies_to
