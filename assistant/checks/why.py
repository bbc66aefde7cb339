"""`missing_why`: the draft says what to build but not why.

A why is a user or business problem with evidence: data about who is affected, a named source
(tickets, interviews, telemetry), a customer quote, and the cost of the status quo. It may sit
under any heading or none. A "Motivation" that is empty, TBD, template text, an appeal to
authority ("leadership asked") or a restatement of the feature carries no evidence: a finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from assistant.anchors import section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.evidence import (
    AUTHORITY,
    evidence_score,
    is_consequence,
    names_problem,
    states_problem,
)
from assistant.checks.signals import (
    BULLET,
    Block,
    Item,
    is_placeholder,
    short,
    view_of,
)
from assistant.checks.vocab import Term, Vocabulary, register
from assistant.markdown import link_text
from assistant.models import Finding

CODE = "missing_why"
T = TypeVar("T")
# A user story's "so that" or a Gherkin "In order to": where a restated why usually sits.
_STORY = register(
    Vocabulary(
        CODE,
        "restated why",
        (
            Term(
                "user story so that",
                r"\bas an? [^,.]{1,60},? I (?:want|need|can)\b[^.]*\bso that\b",
                "a user story's benefit clause is a why, often only the feature restated",
                "As a night-shift nurse, I want handover notes pinned so that nothing is missed.",
            ),
            Term(
                "in order to",
                r"^\W*in order to\b",
                "a Gherkin feature's opening clause names the benefit it is for",
                "In order to settle invoices faster, as a clerk I match payments in bulk.",
            ),
        ),
        reason="where a restated why usually sits",
    )
)
_STUB = (
    "## Problem\n\n"
    "- Who has the problem, and what does it cost them today?\n"
    "- How we know: a metric, a support-ticket theme, a customer quote or a research finding.\n"
    "- What outcome changes for users or the business if we solve it?"
)


@dataclass(frozen=True)
class WhyEvidence:
    """How much evidence of a problem the draft gives, and where."""

    labelled_score: float
    labelled_strong: int
    other_score: float
    other_strong: int
    best: float  # the strongest single sentence anywhere in the region
    labelled_pain: int = 0  # sentences that say what the status quo costs someone
    other_pain: int = 0
    problems: int = 0  # sentences with a problem signal, not only a quantity
    # A problem told in the author's own words, at length, in the why's place: a paragraph of
    # context that says what is wrong (for users or for a system) is a why even without figures.
    labelled_words: int = 0
    labelled_problems: int = 0  # sentences in why-labelled blocks that state a problem
    opening_words: int = 0  # prose before the proposal when no heading names the why
    opening_problems: int = 0
    # The strongest sentence of that opening prose that is evidence and names a problem.
    opening_best: float = 0.0

    @property
    def told_at_length(self) -> bool:
        if self.labelled_problems >= 1 and self.labelled_words >= 40:
            return True
        if self.labelled_problems >= 2 and self.labelled_words >= 25:
            return True
        return self.opening_problems >= 2 and self.opening_words >= 50

    @property
    def present(self) -> bool:
        if self.told_at_length:
            return True
        if self.problems == 0:
            return False  # numbers about scale, with nothing wrong, are not a why
        if self.labelled_strong >= 1 and self.labelled_score >= 1.5:
            return True
        # The opening is the why's place when no heading names it: the same bar as a section
        # headed "Problem" ("Support staff lose two hours a week because exports time out").
        if self.opening_best >= 1.5:
            return True
        if self.labelled_strong + self.other_strong >= 2 and (
            self.labelled_score + self.other_score >= 2.5
        ):
            return True
        if self.best >= 2.0:
            return True
        # A problem told in prose: several sentences about what the status quo costs.
        if self.labelled_pain >= 2 and self.labelled_score >= 1.0:
            return True
        return self.other_pain >= 3 and self.other_score >= 1.5


def _region(ctx_blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """(blocks labelled as the why, unlabelled or summary blocks that may hold it)."""
    labelled = [b for b in ctx_blocks if "why" in b.kinds]
    other = [b for b in ctx_blocks if not b.kinds or b.kinds == frozenset({"why_weak"})]
    return labelled, other


_DECISION_CONTEXT_WORDS = 12


class _Once(Generic[T]):
    """One signal of a sentence, computed once per review however many views read it."""

    def __init__(self, signal: Callable[[str], T]) -> None:
        self._signal = signal
        self._seen: dict[str, T] = {}

    def __call__(self, text: str) -> T:
        if text not in self._seen:
            self._seen[text] = self._signal(text)
        return self._seen[text]


class _Signals:
    """A sentence's problem and evidence signals for one review: the why's views (labelled
    blocks, other blocks, the opening) overlap and would score a sentence twice."""

    def __init__(self) -> None:
        self.evidence = _Once(evidence_score)
        self.names_problem = _Once(names_problem)
        self.states_problem = _Once(states_problem)


def _prose(blocks: list[Block], signals: _Signals) -> tuple[int, int]:
    """(words of prose, sentences that state a problem): links read as their text, no URLs,
    code or placeholders; bullets count, since many whys are lists of pains."""
    words = problems = 0
    for block in blocks:
        if is_placeholder(block.text):
            continue
        for item in block.items:
            text = link_text(item.text, drop_urls=True)
            if is_placeholder(text):
                continue
            words += len(text.split())
            problems += signals.states_problem(text)
    return words, problems


def _opening(blocks: list[Block]) -> list[Block]:
    """Where a why sits when no heading names it: the preamble and summary-like blocks, and
    unlabelled blocks before the first section that proposes, scopes or plans the work."""
    out: list[Block] = []
    for block in blocks:
        if block.kinds and block.kinds != frozenset({"why_weak"}):
            if block.kinds & {"solution", "acceptance", "scope_bound", "metric"}:
                break
            continue
        out.append(block)
    return out


def _score(
    blocks: list[Block], signals: _Signals, *, prose_pain: bool
) -> tuple[float, int, float, int, list[Item]]:
    """Sum of evidence, strong sentences, the best one, consequence sentences, the items.

    With `prose_pain`, only prose (not feature bullets) counts as describing a consequence.
    """
    total, strong, best, pain, items = 0.0, 0, 0.0, 0, []
    for block in blocks:
        for item in block.items:
            if prose_pain and BULLET.match(item.text):
                score, is_strong = signals.evidence(item.text)
                total += score if is_strong else 0.0
                strong += int(is_strong)
                best = max(best, score if is_strong else 0.0)
                items.append(item)
                continue
            score, is_strong = signals.evidence(item.text)
            total += score
            strong += int(is_strong)
            best = max(best, score if is_strong else 0.0)
            pain += int(is_consequence(item.text))
            items.append(item)
    return total, strong, best, pain, items


def _states_context(evidence: WhyEvidence, unlabelled: list[Block]) -> bool:
    """A record's why is the context that forced it: a Context or Rationale written out as a
    full sentence or more answers it; so does a problem told in prose under no heading (the
    paragraph before the options). An empty or one-phrase context does not."""
    if evidence.labelled_words >= _DECISION_CONTEXT_WORDS:
        return True
    words, problems = _prose(unlabelled, _Signals())
    return problems >= 1 and words >= 2 * _DECISION_CONTEXT_WORDS


class WhyCheck:
    """Raises `missing_why` when no problem with evidence is stated anywhere in the draft."""

    codes: tuple[str, ...] = (CODE,)

    def measure(self, ctx: ReviewContext) -> WhyEvidence:
        view = view_of(ctx)
        labelled, other = _region(view.blocks)
        signals = _Signals()
        l_score, l_strong, l_best, l_pain, l_items = _score(labelled, signals, prose_pain=False)
        o_score, o_strong, o_best, o_pain, o_items = _score(other, signals, prose_pain=True)
        best = max(l_best, o_best)
        problems = sum(signals.names_problem(i.text) for i in l_items + o_items)
        opening = _opening(view.blocks) if not labelled else []
        l_words, l_problems = _prose(labelled, signals)
        o_words, o_problems = _prose(opening, signals)
        opening_best = max(
            (
                score
                for block in opening
                for item in block.items
                if not BULLET.match(item.text) and signals.names_problem(item.text)
                for score, strong in [signals.evidence(item.text)]
                if strong
            ),
            default=0.0,
        )
        return WhyEvidence(
            l_score,
            l_strong,
            o_score,
            o_strong,
            best,
            l_pain,
            o_pain,
            problems,
            l_words,
            l_problems,
            o_words,
            o_problems,
            opening_best,
        )

    def run(self, ctx: ReviewContext) -> list[Finding]:
        evidence = self.measure(ctx)
        if evidence.present:
            return []
        view = view_of(ctx)
        labelled, other = _region(view.blocks)
        if ctx.doc_type == "decision" and _states_context(evidence, other):
            return []
        spec = ctx.spec
        if labelled:
            block = labelled[0]
            span = span_for_lines(spec, block.start_line, block.last_line)
            name = block.label or "opening"
            if is_placeholder(block.text):
                state = (
                    "is empty"
                    if not block.text.strip()
                    else f'still holds placeholder text ("{short(block.text, 60)}")'
                )
                what = f'The "{name}" section {state}'
                severity = "high"
            elif AUTHORITY.search(block.text):
                asked = AUTHORITY.search(block.text)
                said = short(asked.group(0), 60) if asked else "who asked for it"
                what = (
                    f'The "{name}" section gives a mandate ("{said}") rather than a problem; '
                    "who asked is not why it matters"
                )
                severity = "medium"
            else:
                what = (
                    f'The "{name}" section restates what will be built; it names no user or '
                    "business problem and gives no evidence"
                )
                severity = "medium"
            section = section_at(spec, span.start_line)
            return [
                Finding(
                    code=CODE,
                    severity=severity,
                    title="The why is missing",
                    message=(
                        f"{what}. Without the problem and how we know it (a metric, ticket theme "
                        "or customer quote), engineers cannot make trade-offs when the plan meets "
                        "reality, and reviewers cannot judge whether this is worth building."
                    ),
                    suggestion="Replace it with the problem and its evidence:\n\n" + _STUB,
                    span=span,
                    section=section.path_label if section else "",
                    confidence=0.8,
                )
            ]
        story = next((i for b in view.blocks for i in b.items if _STORY.search(i.text)), None)
        if story is None:  # Gherkin narratives live in code fences
            story = next(
                (
                    Item(line.strip(), n, n)
                    for n, line in enumerate(spec.lines, start=1)
                    if _STORY.search(line)
                ),
                None,
            )
        anchor = span_for_lines(spec, story.start_line, story.end_line) if story else None
        section = section_at(spec, anchor.start_line) if anchor else None
        return [
            Finding(
                code=CODE,
                severity="high",
                title="The why is missing",
                message=(
                    "The draft describes what to build but never says why: no user or business "
                    "problem, no evidence (a metric, ticket theme or customer quote) and no "
                    "outcome it serves"
                    + (f'; "{short(story.text, 70)}" restates the feature itself' if story else "")
                    + ". Without it, engineers ask for permission instead of making judgement "
                    "calls."
                ),
                suggestion="Add a problem section near the top:\n\n" + _STUB,
                span=anchor,
                insert_after_line=view.header_end,
                section=section.path_label if section else "",
                confidence=0.75,
            )
        ]
