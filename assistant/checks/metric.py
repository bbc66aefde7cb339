"""`missing_success_metric`: no measurable outcome says whether the shipped feature worked.

An outcome metric is a number with a direction or a bound ("tickets fall from 118 to under 30",
"p95 under 2 s", "40% of orgs within 60 days") in a success/metrics/outcome/goals section or a
sentence such as "we'd call this a success if ...". Test plans and requirements with numbers say
whether it was built, not whether it worked, so they do not count.
"""

from __future__ import annotations

import re

from assistant.anchors import section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.signals import (
    COMPARATOR,
    NUMBER,
    Block,
    short,
    strip_dates,
    view_of,
)
from assistant.checks.vocab import Term, Vocabulary, register
from assistant.models import Finding

CODE = "missing_success_metric"

METRIC_PHRASE = register(
    Vocabulary(
        CODE,
        "metric phrase",
        (
            Term(
                "success means",
                r"\bsuccess (?:metrics?|measures?|means|looks like|if|is|would be)\b",
                "the author says what success is",
                "Success looks like half the warehouses scanning at the dock.",
            ),
            Term(
                "call it a success",
                r"\bcall (?:this|it) a success\b|\bconsider (?:this|it) (?:a )?success\b",
                "the author names the bar for success",
                "We will call it a success if refunds settle within two days.",
            ),
            Term(
                "named metric",
                r"\b(?:primary|north[- ]star|key|outcome|success|guardrail|target) metrics?\b",
                "a metric named by its role",
                "The guardrail metric is checkout abandonment.",
            ),
            Term(
                "we'll know it worked",
                r"\bwe(?:'ll| will) know (?:it|this) (?:worked|succeeded)\b|"
                r"\boutcomes? we(?:'re| are) after\b",
                "the author says how they will tell it worked",
                "We'll know it worked when dispatchers stop phoning drivers.",
            ),
            Term(
                "goal is to move",
                r"\b(?:the )?goal is to (?:reduce|increase|cut|raise|lift|grow|halve|double)\b",
                "a goal stated as a change in something",
                "The goal is to halve the time a new vendor waits for payment.",
            ),
            Term(
                "kpi",
                r"\bkpis?\b",
                "a key performance indicator is a metric by name",
                "The team's KPI for the quarter is repeat bookings.",
            ),
            Term(
                "we expect a number",
                r"\bwe expect\b.{0,40}\d",
                "an expected figure is a target",
                "We expect about 200 clinics to switch in the first month.",
            ),
        ),
        reason="a sentence that states how success is measured",
    )
)
CHANGE = register(
    Vocabulary(
        CODE,
        "direction",
        (
            Term(
                "moves",
                r"\b(?:fall|falls|fell|drop|drops|rise|rises|increase[sd]?|decrease[sd]?|"
                r"reduce[sd]?|cut|grow|grows|halve[sd]?|double[sd]?|improve[sd]?|lift|lifts|down|"
                r"up|shrink|shrinks)\b",
                "a number with a direction is a target, not only a size",
                "Missed pickups fall below 4 a week.",
            ),
            Term(
                "bound",
                r"\b(?:or (?:fewer|less|more|better)|zero|no more|at most|at least)\b",
                "a number with a bound is a target",
                "Each kiosk reboots at most once a night.",
            ),
            Term(
                "signed or percent",
                r"[+-]\d|%",
                "a signed change or a share",
                "Repeat orders grow +8 points by spring.",
            ),
        ),
        reason="a direction or a bound that turns a number into a target",
    )
)
# An outcome that moves: "walking distance drops by at least 15%", "from 11.4% to under 8%".
OUTCOME_CHANGE = register(
    Vocabulary(
        CODE,
        "outcome change",
        (
            Term(
                "moves by an amount",
                r"\b(?:fall|falls|drop|drops|decrease[sd]?|reduce[sd]?|rise|rises|increase[sd]?|"
                r"grow|grows|halve[sd]?|double[sd]?|improve[sd]?|cut|lift|lifts|shrink|shrinks)\b"
                r"[^.]{0,40}(?:\d|\bhalf\b|\bthird\b)",
                "an outcome that moves by a stated amount",
                "Late deliveries drop by a third after the route change.",
            ),
            Term(
                "from a baseline to a target",
                r"\bfrom\b[^.]{0,30}\d[^.]{0,30}\bto\b[^.]{0,20}\d",
                "a baseline and a target",
                "Average queue wait goes from 14 minutes to under 5.",
            ),
        ),
        reason="an outcome that moves, with an amount",
    )
)
_BASELINE = re.compile(
    r"\d\s?%|\d[\d,]*\s+(?:\w+\s+){0,3}(?:a|per|each)\s+(?:day|week|month|quarter)", re.I
)
_STUB = (
    "## Success metrics\n\n"
    "- <Outcome metric> moves from <baseline> to <target> within <time> of launch "
    "(e.g. weekly active orgs using it, tickets about the problem, p95 latency users feel).\n"
    "- Guardrail: <what must not get worse>."
)


def is_measurable(text: str) -> bool:
    """A number with a direction or bound, once dates and versions are set aside."""
    plain = strip_dates(text)
    numbers = [n for n in NUMBER.findall(plain) if n.strip()]
    return bool(numbers) and bool(COMPARATOR.search(plain) or CHANGE.search(plain))


# A design's goal that is an outcome rather than a mechanism (LABELS.md: a design is asked for a
# metric only then). Example, from no dataset: "The goal is to make cold starts faster."
OUTCOME_GOAL = register(
    Vocabulary(
        CODE,
        "outcome goal",
        (
            Term(
                "speed",
                r"\b(?:faster|slower|speed(?:s|ing)? up|latency|performance|throughput|"
                r"response times?)\b",
                "a promise about speed is an outcome someone can measure",
                "This design aims to raise ingest throughput on small nodes.",
            ),
            Term(
                "cost",
                r"\b(?:cost(?:s|ly)?|cheaper|spend)\b",
                "a promise about money is an outcome",
                "Moving thumbnails to the edge makes image serving cheaper.",
            ),
            Term(
                "reliability",
                r"\b(?:reliab\w*|availability|uptime|error rates?)\b",
                "a promise about failures is an outcome",
                "The redesign targets higher uptime for the booking API.",
            ),
            Term(
                "usage",
                r"\b(?:adoption|usage|engagement|conversion|retention|churn|satisfaction)\b",
                "a promise about how people use the product is an outcome",
                "Inline hints should lift engagement with saved filters.",
            ),
        ),
        reason="a goal that promises an outcome rather than a mechanism",
    )
)


# Outside a Goals or Metrics section, an outcome word makes the outcome the design's goal only
# where the sentence moves it, promising a change or naming harm to it: "emoji usage is tracked
# locally" describes data, "this will lift usage" and "it hurts our performance" set a goal.
OUTCOME_MOVED = register(
    Vocabulary(
        CODE,
        "outcome moved",
        (
            Term(
                "promised direction",
                r"\b(?:improv\w*|increas\w*|reduc\w*|decreas\w*|lower\w*|rais\w*|boost\w*|"
                r"lift\w*|grow\w*|halv\w*|doubl\w*|speed(?:s|ing)? up|faster|cheaper|"
                r"better|fewer)\b",
                "a word that moves the outcome one way promises a change to it",
                "The new index should reduce search latency on the parts catalogue.",
            ),
            Term(
                "stated aim",
                r"\b(?:aims?|goals?|targets?|objectives?|so that|in order to)\b",
                "a sentence that names its aim states the goal",
                "The aim is adoption of saved carts by repeat buyers.",
            ),
            Term(
                "harm",
                r"\b(?:impact\w*|hurt\w*|suffer\w*|degrad\w*|slow\w*|poor\w*|worse|"
                r"too (?:slow|expensive|costly)|expensive|unreliab\w*)\b",
                "harm to an outcome makes restoring it the goal",
                "Cold starts hurt checkout latency on the tram ticket kiosks.",
            ),
        ),
        reason="an outcome that the work sets out to change, not only one it mentions",
    )
)


def _outcome_goal(blocks: list[Block]) -> bool:
    """Whether the why, goals or summary of a design promise an outcome."""
    for block in blocks:
        if not block.kinds & {"why", "why_weak", "metric"} and block.kinds:
            continue
        goals = "metric" in block.kinds  # a Goals or Metrics section states them as goals
        for item in block.items:
            text = strip_dates(item.text)
            if OUTCOME_GOAL.search(text) and (goals or OUTCOME_MOVED.search(text)):
                return True
    return False


class MetricCheck:
    """Raises `missing_success_metric` when no measurable outcome is stated."""

    codes: tuple[str, ...] = (CODE,)

    def run(self, ctx: ReviewContext) -> list[Finding]:
        spec = ctx.spec
        view = view_of(ctx)
        metric_blocks = view.of_kind("metric")
        for block in metric_blocks:
            if any(is_measurable(i.text) for i in block.items):
                return []
        for block in view.blocks:
            # Criteria and unlabelled prose may state the outcome; designs and backgrounds
            # describe mechanisms and past trends.
            outcome_ok = not block.kinds or "acceptance" in block.kinds
            for item in block.items:
                text = strip_dates(item.text)
                if METRIC_PHRASE.search(text) and is_measurable(text):
                    return []
                if outcome_ok and OUTCOME_CHANGE.search(text) and is_measurable(text):
                    return []
        if ctx.doc_type == "design" and not _outcome_goal(view.blocks):
            return []  # a design that promises no outcome is not asked for an outcome metric
        vague = next((b for b in metric_blocks if "goals" not in b.label.lower()), None)
        span = span_for_lines(spec, vague.start_line, vague.last_line) if vague else None
        section = section_at(spec, span.start_line) if span else None
        what = (
            f'The "{vague.label}" section has no number to check against'
            if vague
            else "The draft never says how we will know the feature worked"
        )
        return [
            Finding(
                code=CODE,
                severity="medium",
                title="No outcome metric",
                message=(
                    f"{what}: no measurable outcome (adoption, retention, ticket volume, latency "
                    "users feel) with a baseline and target. Shipping is an output; a shared "
                    "outcome metric keeps product and engineering pulling the same way."
                ),
                suggestion=_suggestion(view.blocks),
                span=span,
                insert_after_line=None if span else _after_why(view.blocks, view.header_end),
                section=section.path_label if section else "",
                confidence=0.75,
            )
        ]


def _suggestion(blocks: list[Block]) -> str:
    """A metric stub; when the problem section quotes a number, start from that baseline."""
    for block in blocks:
        if "why" not in block.kinds:
            continue
        for item in block.items:
            if _BASELINE.search(item.text):
                return (
                    "The problem section already has a baseline to move: "
                    f'"{short(item.text, 120)}". Turn it into a target:\n\n' + _STUB
                )
    return "Add a measurable outcome with a baseline and a target:\n\n" + _STUB


def _after_why(blocks: list[Block], default: int) -> int:
    """Right after the problem/goals block, where success belongs; else under the header."""
    for block in blocks:
        if "why" in block.kinds:
            return int(block.last_line)
    return default
