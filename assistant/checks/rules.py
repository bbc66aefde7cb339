"""Team rules, judged offline by meaning with the shipped embedding model.

Each rule is calibrated on its own examples. A passage of the draft meets the requirement when
it is at least as close to the requirement and the passing examples as the passing examples
are to each other, and closer to them than to the failing examples; the bar sits halfway
between how close the failing examples come and how close the passing ones do. A trigger
(`when`) is met when a passage is as close to it as the failing examples are (they show the
trigger without the requirement). A finding is raised when the trigger is met and no passage
comes near the bar; between the two the check is unsure and says nothing: precision first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.anchors import section_at, span_for_lines
from assistant.bm25 import tokenize
from assistant.checks.base import ReviewContext
from assistant.checks.rule_units import (
    DraftVectors,
    PassageCache,
    Unit,
    as_matrix,
    candidates,
    draft_vectors,
    repeats,
)
from assistant.embed import Embedder
from assistant.models import Finding
from assistant.rules import Rule, rules_for
from assistant.suppress import code_enabled

FLOOR, CEILING = 0.35, 0.75  # the requirement's bar never leaves this range
TRIGGER_FLOOR, TRIGGER_CEILING = 0.35, 0.55
EXAMPLE_TRIGGER = 0.5  # a passage this close to a failing example meets the trigger
UNSURE = 0.04  # below the bar by less than this: unsure, nothing is raised
CONTRAST = 0.02  # a passage meets the requirement only if it is this much closer to a pass
SURE_GAP = 0.08  # this far past a bar, the judge is as sure as it gets
MIN_CONFIDENCE = 0.5  # weaker verdicts are not raised at all; [review] thresholds sees the rest
CACHE_SIZE = 256
# Passages compared by meaning per rule: those sharing the most telling words with the
# requirement (and passing examples), and with the trigger (and failing examples).
REQUIREMENT_CANDIDATES, TRIGGER_CANDIDATES = 6, 4
REQUIREMENT_ROUND = 2  # requirement candidates embedded per round (see RuleCheck.verdicts)


@dataclass(frozen=True)
class Calibrated:
    """A rule's probe vectors and the bars its examples set."""

    rule: Rule
    positive: np.ndarray  # the requirement, then each passing example
    negative: np.ndarray  # the failing examples (maybe no rows)
    trigger: np.ndarray | None  # the `when` phrase, one row
    bar: float
    trigger_bar: float
    separated: bool  # the examples themselves fall on the right sides of the bar
    words: frozenset[str]  # keyword stems of the requirement and passing examples
    trigger_words: frozenset[str]  # and of the trigger and failing examples


@dataclass(frozen=True)
class Verdict:
    """What the offline judge concluded for one rule on one draft."""

    rule: Rule
    violated: bool
    confidence: float
    best: Unit | None  # the passage closest to the requirement
    best_score: float
    trigger: Unit | None  # the passage that met the trigger
    trigger_score: float  # how far above its bar the triggering passage is
    bar: float

    @classmethod
    def silent(cls, rule: Calibrated) -> Verdict:
        """Nothing to raise and nothing found: no passages, or settled before the end."""
        return cls(rule.rule, False, 0.0, None, 0.0, None, 0.0, rule.bar)


class RuleCheck:
    """Raises a finding per team rule whose trigger is met and requirement is not."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        # Calibration depends on the rule and the vector space only: a rule keeps its probes
        # across reviews (bounded). The draft's vectors are shared by the rules on each
        # review's context, and kept by text (bounded) so that a re-review of an edited draft
        # embeds only the passages that changed.
        self._calibrated: dict[tuple[str, str], Calibrated] = {}
        self.passages = PassageCache()

    def run(self, ctx: ReviewContext) -> list[Finding]:
        rules = [
            r for r in rules_for(ctx.config.rules, ctx.doc_type) if code_enabled(r.id, ctx.config)
        ]
        if not rules:
            return []
        findings = []
        for verdict in self.verdicts(ctx, rules):
            if verdict.violated:
                findings.append(rule_finding(ctx, verdict, self.embedder.name))
        return findings

    def verdicts(self, ctx: ReviewContext, rules: Sequence[Rule]) -> list[Verdict]:
        """Every rule's verdict on the draft. Embedding the passages is nearly all of the
        cost, so it goes in rounds and stops for a rule once its outcome is known: its best
        requirement candidates first (one that meets the requirement settles it), then the
        trigger's candidates (a trigger nothing meets settles it), then the next requirement
        candidates. Each round embeds what every open rule needs at once, each passage once
        per review; a passage's vector depends on it alone, so the verdicts are those of
        embedding everything."""
        calibrated = [self.calibrate(rule) for rule in rules]
        plans = [plan(ctx, c) for c in calibrated]
        seen: list[list[int]] = [[] for _ in calibrated]  # each rule's passages so far

        def vectors(indices: list[int]) -> DraftVectors:
            return draft_vectors(ctx, self.embedder, indices, self.passages)

        open_ = list(range(len(calibrated)))
        for step in range(max((len(p) for p in plans), default=0)):
            due = [n for n in open_ if step < len(plans[n])]
            vectors([i for n in due for i in plans[n][step].passages])  # one call a round
            for n in due:
                rule, group = calibrated[n], plans[n][step]
                seen[n] += group.passages
                if meets(rule, vectors(seen[n])) or (
                    group.trigger and not triggers(rule, vectors(group.passages))
                ):
                    open_.remove(n)
        verdicts = []
        for n, rule in enumerate(calibrated):
            if n not in open_:  # settled early: met, or not triggered
                verdicts.append(Verdict.silent(rule))
                continue
            triggering = [i for group in plans[n] if group.trigger for i in group.passages]
            verdicts.append(judge(rule, vectors(seen[n]), vectors(triggering)))
        return verdicts

    def calibrate(self, rule: Rule) -> Calibrated:
        key = (self.embedder.name, rule.model_dump_json())
        found = self._calibrated.get(key)
        if found is None:
            if len(self._calibrated) >= CACHE_SIZE:
                self._calibrated.clear()
            found = self._calibrated[key] = calibrate(rule, self.embedder)
        return found


def calibrate(rule: Rule, embedder: Embedder) -> Calibrated:
    """Embed a rule's phrases and examples and set its bars from the examples."""
    passing, failing = rule.examples.passing, rule.examples.failing
    texts = [rule.require, *passing, *failing] + ([rule.when] if rule.when else [])
    matrix = as_matrix(embedder.embed(texts), embedder.dimensions)
    positive = matrix[: 1 + len(passing)]
    negative = matrix[1 + len(passing) : 1 + len(passing) + len(failing)]
    trigger = matrix[-1:] if rule.when else None
    # How close a passing example comes to the other positives (leave it out), and how close a
    # failing one comes to the positives: the bar lies halfway.
    pass_scores = [
        float(np.max(np.delete(positive, i + 1, axis=0) @ positive[i + 1]))
        for i in range(len(passing))
    ]
    fail_scores = [float(np.max(positive @ row)) for row in negative]
    low = max(fail_scores) if fail_scores else FLOOR
    high = min(pass_scores) if pass_scores else low + 0.2
    separated = high > low
    bar = (low + high) / 2 if separated else low + UNSURE
    trigger_bar = TRIGGER_FLOOR
    if trigger is not None and len(negative):
        # The failing examples show the trigger: a passage as close to it as they are meets it.
        trigger_bar = 0.9 * float(np.min(negative @ trigger[0]))
    return Calibrated(
        rule=rule,
        positive=positive,
        negative=negative,
        trigger=trigger,
        bar=float(np.clip(bar, FLOOR, CEILING)),
        trigger_bar=float(np.clip(trigger_bar, TRIGGER_FLOOR, TRIGGER_CEILING)),
        separated=separated,
        words=frozenset(tokenize(" ".join([rule.require, *passing]))),
        trigger_words=frozenset(tokenize(" ".join([rule.when or "", *failing]))),
    )


def closeness(rule: Calibrated, draft: DraftVectors) -> np.ndarray:
    """How close each passage comes to the requirement (0 where it is closer to a failing
    example: "we migrate all rows" does not meet a rollback rule)."""
    scores: np.ndarray = (draft.vectors @ rule.positive.T).max(axis=1)
    if len(rule.negative):
        unlike = (draft.vectors @ rule.negative.T).max(axis=1)
        scores = np.where(scores >= unlike + CONTRAST, scores, 0.0)
    return scores


def trigger_margin(rule: Calibrated, draft: DraftVectors) -> np.ndarray:
    """How far above the trigger's bar each passage is: close to the `when` phrase, or as close
    to a failing example (which shows the trigger in a team's own words) as EXAMPLE_TRIGGER."""
    assert rule.trigger is not None
    margin: np.ndarray = draft.vectors @ rule.trigger[0] - rule.trigger_bar
    if len(rule.negative):
        like_failing = (draft.vectors @ rule.negative.T).max(axis=1)
        margin = np.maximum(margin, like_failing - EXAMPLE_TRIGGER)
    # A heading reads with the sentence under it: the sentence itself is the anchor.
    return np.where([u.heading for u in draft.units], -1.0, margin)


def meets(rule: Calibrated, draft: DraftVectors) -> bool:
    """Some passage meets the requirement, or comes so near it that the judge stays silent."""
    return bool(draft.units) and float(closeness(rule, draft).max()) > rule.bar - UNSURE


def triggers(rule: Calibrated, draft: DraftVectors) -> bool:
    """Some passage meets the rule's trigger."""
    return bool(draft.units) and float(trigger_margin(rule, draft).max()) >= 0


@dataclass(frozen=True)
class Group:
    """Passages a rule's verdict looks at in one round; `trigger`: they are where the rule's
    trigger would be met, so a trigger none of them meets settles the rule."""

    passages: list[int]
    trigger: bool = False


def plan(ctx: ReviewContext, rule: Calibrated) -> list[Group]:
    """The order in which a rule looks at the draft's passages: the requirement's candidates,
    best first, REQUIREMENT_ROUND at a time, with the trigger's second. Its candidates share
    the failing examples' and the trigger's words; they are also compared with the
    requirement (they show what the rule is about)."""
    requirement = candidates(ctx, rule.words, REQUIREMENT_CANDIDATES)
    repeated = repeats(ctx, requirement, keep_heading=True)
    requirement = [i for i in requirement if i not in repeated]
    triggering = candidates(ctx, rule.trigger_words, TRIGGER_CANDIDATES)
    repeated = repeats(ctx, triggering, keep_heading=False)
    triggering = [i for i in triggering if i not in repeated]
    rounds = [
        requirement[i : i + REQUIREMENT_ROUND]
        for i in range(0, len(requirement), REQUIREMENT_ROUND)
    ]
    rounds = rounds or [[]]
    if rule.trigger is not None:
        return [Group(rounds[0]), Group(triggering, trigger=True), *map(Group, rounds[1:])]
    return [*map(Group, rounds), Group(triggering)]


def judge(rule: Calibrated, draft: DraftVectors, triggering: DraftVectors) -> Verdict:
    """The verdict for one rule on one draft (pure given the vectors): `draft` holds the
    passages compared with the requirement, `triggering` those compared with the trigger."""
    none = Verdict.silent(rule)
    if not draft.units:
        return none
    scores = closeness(rule, draft)
    best_at = int(np.argmax(scores))
    best_score = float(scores[best_at])
    trigger, trigger_score = None, 1.0
    if rule.trigger is not None:
        if not triggering.units:
            return none
        margin = trigger_margin(rule, triggering)
        at = int(np.argmax(margin))
        trigger, trigger_score = triggering.units[at], float(margin[at])
        if trigger_score < 0:
            return Verdict(rule.rule, False, 0.0, None, best_score, None, trigger_score, rule.bar)
    gap = rule.bar - best_score
    if gap < UNSURE:
        best = draft.units[best_at] if best_score > 0 else None
        return Verdict(rule.rule, False, 0.0, best, best_score, trigger, trigger_score, rule.bar)
    # Sure of an absence in proportion to how far below the bar the best passage is, and sure
    # of the trigger in proportion to how far above its bar the triggering passage is.
    absent = min(1.0, (gap - UNSURE) / SURE_GAP)
    present = 1.0 if rule.trigger is None else min(1.0, 0.5 + trigger_score / SURE_GAP)
    confidence = 0.5 + 0.4 * min(absent, present) * (1.0 if rule.separated else 0.5)
    return Verdict(
        rule.rule,
        confidence >= MIN_CONFIDENCE,
        round(confidence, 2),
        draft.units[best_at] if best_score > 0 else None,
        best_score,
        trigger,
        trigger_score,
        rule.bar,
    )


def rule_finding(ctx: ReviewContext, verdict: Verdict, model: str) -> Finding:
    """The finding for a rule the draft breaks: at the triggering sentence, else the title."""
    rule, spec = verdict.rule, ctx.spec
    anchor = verdict.trigger.line if verdict.trigger else _title_line(ctx)
    span = span_for_lines(spec, anchor) if anchor else None
    section = section_at(spec, anchor) if anchor else None
    why = (
        f' It applies because line {verdict.trigger.line} reads as "{rule.when}".'
        if verdict.trigger and rule.when
        else ""
    )
    closest = (
        f' The closest passage (line {verdict.best.line}, "{_short(verdict.best.text)}") scores '
        f"{verdict.best_score:.2f} against a bar of {verdict.bar:.2f} set by the rule's examples."
        if verdict.best
        else " No passage comes close to it."
    )
    example = rule.examples.passing[0] if rule.examples.passing else ""
    return Finding(
        code=rule.id,
        severity=rule.severity,
        title=f"Team rule {rule.id}: {_short(rule.require, 70)}",
        message=(
            f"The team's rule {rule.id} asks for {rule.require}, and the draft does not seem to "
            f"have it.{why}{closest} Judged offline by meaning with the local embedding model "
            f"({model}), confidence {verdict.confidence:.2f}: check the draft before acting."
        ),
        suggestion=f"Add {rule.require}" + (f', e.g. "{_short(example, 160)}"' if example else ""),
        span=span,
        section=section.path_label if section else "",
        confidence=verdict.confidence,
    )


def _title_line(ctx: ReviewContext) -> int:
    for section in ctx.spec.sections:
        if section.level >= 1:
            return section.start_line
    for number, line in enumerate(ctx.spec.lines, start=1):
        if number > ctx.spec.front_matter_end and line.strip():
            return number
    return 0


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
