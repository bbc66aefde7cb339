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
from assistant.checks.vocab import Term, Vocabulary, register
from assistant.markdown import ParsedSpec
from assistant.models import Finding

CODE = "missing_acceptance_criteria"

VAGUE = register(
    Vocabulary(
        CODE,
        "vague judgement",
        (
            Term(
                "easy or fast",
                r"\b(?:fast(?:er)?|quick(?:ly)?|smooth(?:ly)?|easy|easily|simple|simply|"
                r"intuitive(?:ly)?|user-friendly|seamless(?:ly)?)\b",
                "ease or speed with no number is an impression, not a check",
                "Reordering playlist tracks is intuitive.",
            ),
            Term(
                "sturdy",
                r"\b(?:reliabl[ey]|robust(?:ly)?|secure(?:ly)?|stable)\b",
                "a quality claimed with no condition to test it by",
                "The sync daemon is robust against flaky hotel networks.",
            ),
            Term(
                "approval",
                r"\b(?:great|good|nice(?:ly)?|well|happy|satisf(?:ied|actory|y)|love[sd]?|"
                r"enjoy\w*|delight\w*)\b",
                "someone's liking is not something another person can check",
                "Volunteers are happy with the new rota page.",
            ),
            Term(
                "polish",
                r"\b(?:modern|clean|polished|better|improved|minimal|significant(?:ly)?)\b",
                "a comparison with no baseline or amount",
                "The invoice template looks polished.",
            ),
            Term(
                "adequate",
                r"\b(?:appropriate(?:ly)?|properly|thorough(?:ly)?|acceptable|reasonabl[ey]|"
                r"sufficient(?:ly)?|adequate(?:ly)?|under control|as expected|feels?|looks?)\b",
                "good enough by whose measure: the bar is not stated",
                "Retries are handled appropriately by the uploader.",
            ),
            Term(
                "praise",
                r"\b(?:performant|scalable|useful|valuable|high[- ]quality|world[- ]class|"
                r"best[- ]in[- ]class|confident|comfortable|everything)\b",
                "a claim of quality or of the team's confidence, not a condition",
                "The seating planner is world-class.",
            ),
            Term(
                "unmeasured quality",
                r"\b(?:optimal|efficient(?:ly)?|responsive|correct(?:ly)?|accurate(?:ly)?|"
                r"painless|hassle[- ]free|sensible|solid)\b",
                "a property stated without what would show it",
                "Tax totals are computed correctly in every region.",
            ),
            Term(
                "no major problems",
                r"\b(?:no (?:major|significant|big) \w+)\b",
                "which problems count as major is left open",
                "The pilot week ends with no major complaints from drivers.",
            ),
            Term(
                "ready",
                r"\b(?:goes? smoothly|on time|in good shape|production[- ]ready|"
                r"ready for production)\b",
                "ready or on time by an unstated standard",
                "The kiosk build is production-ready.",
            ),
        ),
        reason="a judgement, not a condition someone else could check",
    )
)
_STRONG = register(
    Vocabulary(
        CODE,
        "checkable detail",
        (
            Term(
                "a number",
                r"\d",
                "a number gives a criterion a value to check against",
                "Search returns within 300 ms.",
            ),
            Term(
                "a quoted value",
                r"`[^`]+`|\"[^\"]{2,}\"|“[^”]{2,}”|'[^']{3,}'",
                "a quoted message, name or command is exact",
                'The banner reads "Your trial has ended".',
            ),
            Term(
                "a named test",
                r"\b(?:unit|integration|end-to-end|e2e|contract|regression|load|golden|"
                r"acceptance|permission|smoke|conformance|performance|scalability|upgrade|api|"
                r"ui|browser|snapshot)[- ]tests?\b",
                "a named kind of test says how it will be checked",
                "A contract test pins the shape of the refund webhook.",
            ),
            Term(
                "verified",
                r"\bverified\b|\bassert\w*|\bci\b",
                "the author says it is asserted or verified, by a person or CI",
                "The CI job asserts the bundle stays under budget.",
            ),
            Term(
                "all or none",
                r"\bzero\b|\bnone of\b|\bevery\b|\bno (?:run|user|job|request|error)s?\b",
                "an absolute (zero, none, every) is checkable without a number",
                "Zero orders are shipped twice after the change.",
            ),
        ),
        reason="a value, name or test that makes a criterion checkable",
    )
)
_NAMED_TEST = register(
    Vocabulary(
        CODE,
        "named test",
        (
            Term(
                "named test",
                r"\b(?:unit|integration|end-to-end|e2e|contract|regression|load|golden|"
                r"conformance|performance|scalability|upgrade|snapshot|browser|permission|"
                r"smoke)[- ]tests?\b",
                "a named kind of test makes a criterion specific",
                "Snapshot tests cover the printable receipt.",
            ),
        ),
        reason="a named kind of test makes a criterion specific",
    )
)
_OBSERVABLE = register(
    Vocabulary(
        CODE,
        "observable result",
        (
            Term(
                "responds",
                r"\b(?:returns?|shows?|shown|displays?|appears?|fails?|rejects?|rejected|"
                r"receives?|gets?)\b",
                "what the system answers or shows can be watched",
                "The form rejects postcodes with spaces in them.",
            ),
            Term(
                "is in a state",
                r"\b(?:is (?:deleted|removed|recorded|logged|sent|created|blocked|enforced|"
                r"attributed|applied|available|visible|read-only|disabled|enabled|updated|"
                r"published|archived|revoked))\b",
                "a state someone can look up afterwards",
                "The draft invoice is archived after ninety days.",
            ),
            Term(
                "are in a state",
                r"\b(?:are (?:deleted|removed|recorded|logged|sent|created|blocked|enforced|"
                r"listed|updated))\b",
                "a state someone can look up afterwards, for many things",
                "Expired badges are listed on the front desk screen.",
            ),
            Term(
                "leaves a trace",
                r"\b(?:logs?|emits?|contains?|lists?|matches|pauses?|resumes?|refused|revoked|"
                r"sent|published|removed|created|blocked|enforced|updated)\b",
                "an effect visible in output, records or state",
                "The worker emits one event per shipped parcel.",
            ),
            Term(
                "gets done",
                r"\b(?:signed off|merged|passes|pass|redirects?|expires?|deleted|records?|"
                r"links? to|keeps?|stops?|exists?|documented|supported|works with|"
                r"succeeds?|completes?)\b",
                "an outcome that either happened or did not",
                "The reset link expires after one use.",
            ),
            Term(
                "a user can",
                r"\b(?:can (?:\w+ )?(?:see|assign|export|select|add|remove|set|configure|open|"
                r"choose))\b",
                "something a user can be watched doing",
                "A coach can assign drills to a whole squad.",
            ),
        ),
        reason="behaviour someone else could observe",
    )
)
_DONE = register(
    Vocabulary(
        CODE,
        "done when",
        (
            Term(
                "done when",
                r"\b(?:is|are|will be|counts? as|be|we're|we are) done (?:when|once|if)\b|"
                r"^\W*done (?:when|once|if)\b",
                "the author states the condition for finishing",
                "The mirror work is done when both regions serve reads.",
            ),
            Term(
                "done means",
                r"\bdone means\b|\bdefinition of done\b",
                "the author defines done",
                "For the archive tool, done means old boards open read-only.",
            ),
            Term(
                "we'll know",
                r"\bwe(?:'ll| will) (?:know|consider)\b.{0,40}\bdone\b",
                "the author says how they will recognise done",
                "We will consider the rename done after the last alias is gone.",
            ),
            Term(
                "ready when",
                r"\bready (?:to ship|for (?:ga|launch|release)) (?:when|once)\b",
                "a release condition",
                "The badge printer flow is ready for launch once two sites sign off.",
            ),
            Term(
                "graduates when",
                r"\bgraduat\w+ (?:when|once|criteria)\b",
                "a feature-gate's condition for moving to the next stage",
                "The flag graduates once no rollback is needed for a month.",
            ),
            Term(
                "ships when",
                r"\bship(?:s)? (?:when|once)\b",
                "a shipping condition",
                "The widget ships when the accessibility audit is clean.",
            ),
        ),
        reason="a sentence that states when the work counts as done",
    )
)
_GHERKIN_THEN = re.compile(r"^\s*(?:then|and|but)\b", re.IGNORECASE)
_GHERKIN_SCENARIO = re.compile(r"^\s*scenario(?: outline)?:", re.IGNORECASE)
# A process list by its label (a checklist, sign-off, tasks, contents): not criteria of done.
_PROCESS = register(
    Vocabulary(
        CODE,
        "process list heading",
        (
            Term(
                "checklist",
                r"checklist|sign-?off",
                "a release or review checklist lists steps, not conditions of done",
                "## Kiosk rollout checklist",
            ),
            Term(
                "tasks",
                r"tasks?\b|to-?dos?\b",
                "a task list says what to do, not how to tell it is done",
                "## Tasks left for the pilot",
            ),
            Term(
                "contents",
                r"contents|index",
                "a table of contents is page scaffolding",
                "## Contents of this booklet",
            ),
        ),
        flags=re.IGNORECASE,
        reason="a label for a list of steps or pages, not of criteria",
        on_labels=True,
    )
)
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
    vague = VAGUE.compiled.findall(strip_quotes(plain))
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
_BEHAVIOUR = register(
    Vocabulary(
        CODE,
        "behaviour",
        (
            Term(
                "must",
                r"\b(?:must|shall|should)\b",
                "an obligation on the system states behaviour",
                "The importer shall skip rows without an account number.",
            ),
            Term(
                "will",
                r"\b(?:will|won't)\b",
                "a statement of what the system will do",
                "The kiosk won't print a receipt for zero-value orders.",
            ),
            Term(
                "can",
                r"\b(?:cannot|can't|can|may not|is able to|are able to)\b",
                "what a user or the system can or cannot do",
                "Guests may not edit a booking after check-in.",
            ),
        ),
        reason="what the system or a user will, must or can do",
    )
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
_TEST_PLAN = register(
    Vocabulary(
        CODE,
        "test plan heading",
        (
            Term(
                "test",
                r"\btest(?:ing)?\b",
                "a test plan says what a design will be checked against",
                "## Testing the fare engine",
            ),
        ),
        reason="a test plan by its label",
        on_labels=True,
    )
)
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
_REQUIREMENTS = register(
    Vocabulary(
        CODE,
        "requirements heading",
        (
            Term(
                "requirements",
                r"requirements?|capabilit",
                "a requirements list says what must happen, row by row",
                "## Requirements for the rota app",
            ),
            Term(
                "behaviour",
                r"behaviou?r|specification",
                "a behaviour or specification section states what the system does",
                "## Behaviour of the label printer",
            ),
        ),
        reason="a requirements list by its label",
        on_labels=True,
    )
)


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
