"""`missing_acceptance_criteria`: nothing says how anyone will know the work is done.

Criteria may be an "Acceptance criteria"/"Done when"/"Exit criteria" section, a test plan,
Given/When/Then scenarios, a checklist, or a sentence such as "the first milestone is done when
...". Each criterion is judged on its own: checkable ones name numbers, messages, states, tests or
observable behaviour; adjectives ("fast", "intuitive", "the team feels it is stable") are not.
"""

from __future__ import annotations

import re

from assistant.anchors import section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.signals import (
    Block,
    Item,
    is_placeholder,
    short,
    strip_dates,
    strip_quotes,
    view_of,
)
from assistant.markdown import ParsedSpec
from assistant.models import Finding

CODE = "missing_acceptance_criteria"

VAGUE = re.compile(
    r"\b(?:fast(?:er)?|quick(?:ly)?|smooth(?:ly)?|easy|easily|simple|simply|intuitive(?:ly)?|"
    r"user-friendly|seamless(?:ly)?|reliabl[ey]|robust(?:ly)?|secure(?:ly)?|stable|great|good|"
    r"nice(?:ly)?|well|happy|satisf(?:ied|actory|y)|love[sd]?|enjoy\w*|delight\w*|modern|clean|"
    r"polished|better|improved|minimal|significant(?:ly)?|appropriate(?:ly)?|properly|"
    r"thorough(?:ly)?|acceptable|reasonabl[ey]|sufficient(?:ly)?|adequate(?:ly)?|under control|"
    r"as expected|feels?|looks?|performant|scalable|useful|valuable|high[- ]quality|"
    r"world[- ]class|best[- ]in[- ]class|confident|comfortable|everything|optimal|efficient(?:ly)?|"
    r"responsive|correct(?:ly)?|accurate(?:ly)?|painless|hassle[- ]free|sensible|solid|"
    r"no (?:major|significant|big) \w+|"
    r"goes? smoothly|on time|in good shape|production[- ]ready|ready for production)\b",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"\d|`[^`]+`|\"[^\"]{2,}\"|“[^”]{2,}”|'[^']{3,}'|\b(?:unit|integration|end-to-end|e2e|"
    r"contract|regression|load|golden|acceptance|permission|smoke|conformance|performance|"
    r"scalability|upgrade|api|ui|browser|snapshot)[- ]tests?\b|\bverified\b|"
    r"\bassert\w*|\bci\b|\bzero\b|\bnone of\b|\bevery\b|\bno (?:run|user|job|request|error)s?\b",
    re.IGNORECASE,
)
_NAMED_TEST = re.compile(
    r"\b(?:unit|integration|end-to-end|e2e|contract|regression|load|golden|conformance|"
    r"performance|scalability|upgrade|snapshot|browser|permission|smoke)[- ]tests?\b",
    re.IGNORECASE,
)
_OBSERVABLE = re.compile(
    r"\b(?:returns?|shows?|shown|displays?|appears?|fails?|rejects?|rejected|receives?|gets?|"
    r"is (?:deleted|removed|recorded|logged|sent|created|blocked|enforced|attributed|applied|"
    r"available|visible|read-only|disabled|enabled|updated|published|archived|revoked)|"
    r"are (?:deleted|removed|recorded|logged|sent|created|blocked|enforced|listed|updated)|"
    r"logs?|emits?|contains?|lists?|matches|pauses?|resumes?|refused|revoked|sent|published|"
    r"removed|created|blocked|enforced|updated|signed off|merged|passes|pass|redirects?|"
    r"expires?|deleted|records?|links? to|keeps?|stops?|exists?|documented|supported|works with|"
    r"succeeds?|completes?|can (?:\w+ )?(?:see|assign|export|"
    r"select|add|remove|set|configure|open|choose))\b",
    re.IGNORECASE,
)
_DONE = re.compile(
    r"\b(?:is|are|will be|counts? as|be|we're|we are) done (?:when|once|if)\b|"
    r"^\W*done (?:when|once|if)\b|"
    r"\bdone means\b|\bdefinition of done\b|"
    r"\bwe(?:'ll| will) (?:know|consider)\b.{0,40}\bdone\b|\bready (?:to ship|for (?:ga|launch|"
    r"release)) (?:when|once)\b|\bgraduat\w+ (?:when|once|criteria)\b|\bship(?:s)? (?:when|once)\b",
    re.IGNORECASE,
)
_GHERKIN_THEN = re.compile(r"^\s*(?:then|and|but)\b", re.IGNORECASE)
_GHERKIN_SCENARIO = re.compile(r"^\s*scenario(?: outline)?:", re.IGNORECASE)
_PROCESS = re.compile(r"checklist|sign-?off|tasks?\b|to-?dos?\b|contents|index", re.IGNORECASE)
_LINK_ONLY = re.compile(r"^[-*+\d.)\s]*\[[^\]]+\]\([^)]*\)\W*$")
_CHECKBOX = re.compile(r"^\s*[-*]\s+\[[ xX]\]\s+")
_STUB = (
    "## Acceptance criteria\n\n"
    "- [ ] Given <a starting state>, when <the user or system does X>, then <an observable "
    "result, with a number or message someone else can check>.\n"
    "- [ ] <A measurable condition: e.g. p95 under N ms on production-shaped data>.\n"
    "- [ ] <Who signs off, and the test that proves it (unit, integration or end-to-end)>."
)


def is_testable(text: str) -> bool:
    """A criterion someone else could check: concrete values, messages, tests or observable
    behaviour, and not a judgement ("fast", "looks good", "the team feels it is stable")."""
    plain = strip_dates(text)
    vague = VAGUE.findall(strip_quotes(plain))
    strong = _STRONG.search(plain)
    specific = re.search(r"\d|`|\"|“", plain) or _NAMED_TEST.search(plain)
    if strong and (not vague or specific):
        return True
    return bool(_OBSERVABLE.search(plain)) and not vague


# Markup before a step keyword: a bullet, a quote marker, bold or italic ("**Given** ...").
_STEP_MARKUP = re.compile(r"^[\s>*+_-]*(?=\w)")
_STEP_KEYWORD = re.compile(r"^(given|when|then)\b[*_]*", re.IGNORECASE)


def _step_text(line: str) -> str:
    """A line with the markup in front of a Given/When/Then keyword removed."""
    return _STEP_MARKUP.sub("", line.strip()).replace("**", "").replace("__", "")


def _has_scenarios(lines: list[str]) -> bool:
    """A "Scenario:" line, or a Given, then a When, then a Then step within a few lines of each
    other: Given/When/Then written without Gherkin's keywords around it (bold or bulleted)."""
    if any(_GHERKIN_SCENARIO.match(line) for line in lines):
        return True
    expect, last = "given", -10
    for n, line in enumerate(lines):
        step = _STEP_KEYWORD.match(_step_text(line))
        if not step:
            continue
        word = step.group(1).lower()
        if word == "given":
            expect, last = "when", n
        elif word == expect and n - last <= 4:
            if word == "then":
                return True
            expect, last = "then", n
    return False


def _gherkin_outcomes(lines: list[str]) -> list[Item]:
    if not _has_scenarios(lines):
        return []
    out: list[Item] = []
    in_then = False
    for n, line in enumerate(lines, start=1):
        stripped = _step_text(line)
        if re.match(r"^(?:then)\b", stripped, re.IGNORECASE):
            in_then = True
        elif re.match(r"^(?:given|when|scenario|rule|feature|background)\b", stripped, re.I):
            in_then = False
        if in_then and _GHERKIN_THEN.match(stripped):
            out.append(Item(stripped, n, n))
    return out


def criteria_items(ctx: ReviewContext) -> tuple[list[Item], list[tuple[int, int, str]]]:
    """(every candidate criterion, the (start, end, label) of each criteria section)."""
    view = view_of(ctx)
    items: dict[tuple[int, str], Item] = {}
    sections: list[tuple[int, int, str]] = []
    for block in view.of_kind("acceptance"):
        sections.append((block.start_line, block.last_line, block.label))
        for item in block.items:
            items[(item.start_line, item.text)] = item
    for item in _gherkin_outcomes(ctx.spec.lines):
        items[(item.start_line, item.text)] = item
    for block in view.blocks:
        if block.kinds & {"questions", "ownership"} or _PROCESS.search(block.label):
            continue
        for item in block.items:
            if _DONE.search(item.text) or _CHECKBOX.match(ctx.spec.lines[item.start_line - 1]):
                items[(item.start_line, item.text)] = item
    ordered = sorted(items.values(), key=lambda i: i.start_line)
    return [
        i for i in ordered if not is_placeholder(i.text) and not _LINK_ONLY.match(i.text)
    ], sections


# A statement of behaviour: what the system or a user will, must or can do, or what it does.
_BEHAVIOUR = re.compile(
    r"\b(?:must|shall|should|will|won't|cannot|can't|can|may not|is able to|are able to)\b",
    re.IGNORECASE,
)
# Where precise behaviour is written when there is no criteria section: the proposal, the
# requirements, the design details. Asides, risks, alternatives and questions are not the plan.
_PLAN_KINDS = frozenset({"solution"})
# How many precise, checkable statements of behaviour stand in for criteria (LABELS.md: "a
# command that exits with a named error when ..." counts). One or two could be incidental.
PRECISE_BEHAVIOUR_NEEDED = 4


def precise_behaviour(ctx: ReviewContext) -> list[Item]:
    """Statements in the plan precise enough to check: behaviour with a concrete value, name,
    message or limit (`--header` up to 1,024 characters; exits 2 when the file is missing)."""
    view = view_of(ctx)
    out: list[Item] = []
    for block in view.blocks:
        plan = block.kinds & _PLAN_KINDS or not block.kinds
        if not plan or block.kinds & {"aside", "questions", "why", "scope_bound"}:
            continue
        requirements = bool(_REQUIREMENTS.search(block.label))
        for item in block.items:
            text = item.text
            if is_placeholder(text) or len(text.split()) < 5:
                continue
            if " | " in text and not (requirements and _BEHAVIOUR.search(text)):
                continue  # table rows list things; a requirements row says what must happen
            plain = strip_dates(text)
            specific = re.search(r"\d|`[^`]+`|\"[^\"]{2,}\"|“[^”]{2,}”", plain) or requirements
            acts = _BEHAVIOUR.search(plain) or _OBSERVABLE.search(plain)
            if specific and acts and not VAGUE.search(strip_quotes(plain)):
                out.append(item)
    return out


# A test plan by its label ("Test plan", "Testing", "Test strategy"): what a design will be
# checked against. A criteria section under another name ("Acceptance criteria") is judged as
# criteria, item by item.
_TEST_PLAN = re.compile(r"\btest(?:ing)?\b", re.IGNORECASE)
TEST_PLAN_ITEMS_NEEDED = 2  # one line could be a placeholder in other words ("unit tests")


def _test_plan(ctx: ReviewContext) -> bool:
    """Whether the draft has a test plan that names what will be tested (two items or more of
    five words or more)."""
    for block in view_of(ctx).of_kind("acceptance"):
        if not _TEST_PLAN.search(block.label):
            continue
        named = [i for i in block.items if not is_placeholder(i.text) and len(i.text.split()) >= 5]
        if len(named) >= TEST_PLAN_ITEMS_NEEDED:
            return True
    return False


# A requirements list: each row says what must happen, which is checkable by construction.
_REQUIREMENTS = re.compile(r"requirements?|capabilit|behaviou?r|specification", re.IGNORECASE)


class AcceptanceCheck:
    """Raises `missing_acceptance_criteria` when no checkable criterion of done exists."""

    codes: tuple[str, ...] = (CODE,)

    def run(self, ctx: ReviewContext) -> list[Finding]:
        spec = ctx.spec
        items, sections = criteria_items(ctx)
        testable = [i for i in items if is_testable(i.text)]
        vague = [i for i in items if not is_testable(i.text)]
        if testable and len(testable) >= len(vague):
            return []
        if ctx.doc_type == "design" and _test_plan(ctx):
            return []  # LABELS.md: a design's test plan is its criteria of done
        behaviour = len(precise_behaviour(ctx))
        # The behaviour stated precisely enough to check stands in for criteria (LABELS.md): in
        # a design always; in a spec only where no criteria section says otherwise, since a
        # spec's own criteria that cannot be checked are the finding.
        stands_in = ctx.doc_type == "design" or not (items or sections)
        if behaviour >= PRECISE_BEHAVIOUR_NEEDED and stands_in and not _empty(sections, spec):
            return []
        view = view_of(ctx)
        confidence = 0.8
        if vague:
            first, last = vague[0], vague[-1]
            span = span_for_lines(spec, first.start_line, min(last.end_line, first.start_line + 8))
            examples = "; ".join(f'"{short(i.text, 80)}"' for i in vague[:3])
            message = (
                f"The criteria of done cannot be checked by anyone else: {examples}. Words like "
                "these describe a feeling, not an observable result, so PM and engineering will "
                "disagree about whether the work is finished."
            )
            suggestion = (
                "Rewrite each criterion as an observable, measurable result, for example:\n\n"
                + _stub_from(view.blocks)
            )
            severity = "high" if not testable else "medium"
        elif sections:
            start, end, label = sections[0]
            span = span_for_lines(spec, start, end)
            message = (
                f'The "{label or "acceptance criteria"}" section is empty or TBD: nothing says '
                "how anyone will know the work is done, so scope and sign-off stay open."
            )
            suggestion = "Fill it in with two or three testable criteria:\n\n" + _stub_from(
                view.blocks
            )
            severity = "high"
        else:
            span = None
            message = (
                "Nothing says how anyone will know the work is done: no acceptance criteria, "
                "definition of done, test plan or Given/When/Then scenarios. PM owns what done "
                "looks like; without it, sign-off becomes a negotiation at the end."
            )
            suggestion = "Add criteria written with engineering:\n\n" + _stub_from(view.blocks)
            severity = "high"
            if ctx.doc_type == "design":
                # Designs say what happens in prose the rules read only in part (a flag's
                # default, the error a command exits with): an absence there is a weak signal.
                confidence = 0.5
        section = section_at(spec, span.start_line) if span else None
        return [
            Finding(
                code=CODE,
                severity=severity,
                title="No testable acceptance criteria",
                message=message,
                suggestion=suggestion,
                span=span,
                insert_after_line=None if span else _insert_point(view.blocks, spec),
                section=section.path_label if section else "",
                confidence=confidence,
            )
        ]


def _empty(sections: list[tuple[int, int, str]], spec: ParsedSpec) -> bool:
    """Whether a criteria section exists and holds nothing but TBD or a template prompt."""
    for start, end, _ in sections:
        body = "\n".join(spec.lines[start:end])
        if is_placeholder(body):
            return True
    return False


def _insert_point(blocks: list[Block], spec: ParsedSpec) -> int:
    """After the last proposal/requirements block, else at the end of the draft."""
    last = 0
    for block in blocks:
        if "solution" in block.kinds or "metric" in block.kinds:
            last = max(last, block.last_line)
    return last or len(spec.lines)


def _stub_from(blocks: list[Block]) -> str:
    """Criteria drafted from the draft's own requirements, each with how it is checked."""
    requirements = [
        short(item.text, 110)
        for block in blocks
        if "solution" in block.kinds
        for item in block.items
        if re.match(r"^\s*(?:[-*+]|\d+[.)]|R\d+)", item.text)
        and len(item.text.split()) >= 6
        # A checklist (a template's sign-off boxes) or a question is not a requirement.
        and not _CHECKBOX.match(item.text)
        and not item.text.rstrip().endswith("?")
        and not _PROCESS.search(block.label)
    ]
    if not requirements:
        return _STUB
    lines = [
        f"- [ ] {text.rstrip('.')}: checked by <an end-to-end test, a query or a metric>, "
        "with the expected value."
        for text in requirements[:3]
    ]
    return "## Acceptance criteria\n\n" + "\n".join(lines)
