"""`open_questions`: questions, TBDs or TODOs the plan depends on, with no owner or date.

An open question is fine with an owner and a date ("| Cap on tokens? | Rohan | 2024-10-25 |").
Unowned ones are a finding: open-questions sections, TODO markers, "TBD" in a planning field
(design, budget, timeline), "needs a decision on whether ...". Owner fields and the core sections
(why, acceptance criteria) are left to their own checks; quoted messages are not questions.
"""

from __future__ import annotations

import re

from assistant.anchors import section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.ownership import OWNER_KEY, OWNERSHIP_TERM, WHO_QUESTION
from assistant.checks.signals import DATE, Item, short, strip_quotes, view_of
from assistant.checks.vocab import Term, Vocabulary, register
from assistant.models import Finding

CODE = "open_questions"

TODO = register(
    Vocabulary(
        CODE,
        "todo marker",
        (
            Term(
                "todo",
                r"\b(?:TODO|FIXME|XXX)\b",
                "a marker left for work still to do",
                "FIXME: the locker refund path skips the receipt.",
            ),
            Term(
                "TBD",
                r"\bTBD\b|\bTBC\b",
                "a value still to be decided or confirmed",
                "Ferry night fares: TBD with the harbour board.",
            ),
        ),
        flags=0,
        reason="a marker the author left for something unfinished",
    )
)
UNDECIDED = register(
    Vocabulary(
        CODE,
        "undecided",
        (
            Term(
                "needs a decision",
                r"\bneeds? (?:a )?decision (?:on|about)\b|\b(?:still |yet )?to be decided\b|"
                r"\bundecided\b|\bnot (?:yet )?decided (?:whether|if|how|which)\b",
                "the author says a decision is still to be made",
                "The depot needs a decision on locker sizes before ordering.",
            ),
            Term(
                "not sure",
                r"\bnot sure (?:if|whether|that|how)\b|\bunsure (?:if|whether|how)\b|"
                r"\bunknown whether\b|\bunclear (?:whether|if|how|what)\b",
                "the author does not know yet",
                "It is unclear whether the ferry gates read paper tickets.",
            ),
            Term(
                "disagree on",
                r"\bdisagree (?:on|about) (?:whether|how|what|if)\b",
                "the parties have not agreed yet",
                "Ops and ticketing disagree on whether kiosks take cash.",
            ),
            Term(
                "open question",
                r"\bopen question\b|\bundetermined\b",
                "the author calls it open",
                "Locker rental length is an open question for the pilot.",
            ),
        ),
        reason="a sentence that says something the plan depends on is not decided",
    )
)
# An argument for or against an option (MADR's "Bad, because it is unclear whether ..."): it
# weighs the option, it does not ask anything the plan waits for.
ARGUMENT = register(
    Vocabulary(
        CODE,
        "argument",
        (
            Term(
                "pro or con",
                r"^\W*(?:good|bad|neutral|pros?|cons?)\b\s*[,:]",
                "a line that weighs an option, as MADR writes them",
                "Neutral, because the tram gates keep their readers.",
            ),
        ),
        reason="an argument about an option, not a question the plan waits on",
    )
)
DEADLINE = register(
    Vocabulary(
        CODE,
        "deadline",
        (
            Term(
                "by a weekday",
                r"\bby (?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
                "a day the answer is due",
                "Marta confirms locker sizes by Thursday.",
            ),
            Term(
                "by the end of",
                r"\bby (?:the )?end of\b|\bby next\b",
                "a period the answer is due in",
                "Ines picks the fare vendor by the end of the sprint for ferries.",
            ),
            Term(
                "due",
                r"\bdue\b",
                "a due date",
                "Kiosk paper size, Kemal, due with the hardware order.",
            ),
            Term(
                "before a meeting",
                r"\bbefore (?:the )?(?:design review|kickoff|kick-off|build|sprint|planning)\b",
                "a meeting the answer is due before",
                "Ticketing answers before the kick-off of the harbour work.",
            ),
        ),
        reason="when an open item is to be answered",
    )
)
ANSWERED = register(
    Vocabulary(
        CODE,
        "answered",
        (
            Term(
                "yes or no",
                r"\?\s*(?:[-—–:]\s*)?(?:yes|no)\b[,.:;]",
                "a question followed by its answer",
                "Do lockers need mains power? No, they run on the kiosk supply.",
            ),
            Term(
                "answer label",
                r"\b(?:answer|resolved|decided|decision|closed)\s*:",
                "a question with its answer labelled",
                "Ferry cash sales. Decided: card only from May.",
            ),
            Term(
                "struck through",
                r"~~.+~~",
                "a question struck through is closed",
                "~~Which vendor prints the kiosk receipts?~~",
            ),
            Term(
                "no questions",
                r"(?:^\W*|\b(?:there are|we have) )no (?:open |outstanding |remaining )?"
                r"questions\b|^\W*none\b",
                "the author says nothing is open",
                "For the locker pilot we have no outstanding questions.",
            ),
            Term(
                "all resolved",
                r"\ball (?:resolved|answered|closed)\b",
                "the author says every question is closed",
                "The harbour questions are all answered in the pilot notes.",
            ),
        ),
        reason="a question with its answer, or a statement that none is open",
    )
)
# Who answers: "@ana", "Ana to decide", "(Ana)", "owner: Ana", "ask Ana", "| Ana Silva |".
_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?: [A-Z][a-z]+)?"
_ANSWERER = re.compile(
    rf"@[\w-]+|\b{_NAME},? (?:to|will|should) \w+|\({_NAME}[,;)]|\bowner:?\s*{_NAME}|"
    rf"\b(?:ask|with|assigned to|owned by|check with)\s+{_NAME}|\|\s*{_NAME}(?: \([^)|]*\))?\s*\|"
)
_SKIP_KINDS = frozenset({"why", "acceptance", "metric"})
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_STUB = "| Question | Owner | Answer by |\n|---|---|---|\n| <question> | <name> | <date> |"


def owned_and_dated(text: str) -> bool:
    """Whether an open item names who answers it and by when."""
    has_date = bool(DATE.search(text) or DEADLINE.search(text))
    return has_date and bool(_ANSWERER.search(text))


# A template's prompt, left in place: a whole line in italics ("_Does this milestone involve
# content that needs translation?_"). It is the template asking, not the author.
_PROMPT_LINE = re.compile(r"^\s*(?:[-*+]\s+)?(?:_[^_\n]+_|\*[^*\n]+\*)\s*$")


def _is_prompt(ctx: ReviewContext, item: Item) -> bool:
    lines = ctx.spec.lines[item.start_line - 1 : item.end_line]
    return bool(lines) and all(_PROMPT_LINE.match(line) or not line.strip() for line in lines)


def _table_header(ctx: ReviewContext, item: Item) -> bool:
    """A table's header row (the next line is the delimiter row): column names, not questions."""
    nxt = ctx.spec.lines[item.start_line] if item.start_line < len(ctx.spec.lines) else ""
    return bool(re.match(r"^\s*\|?[\s:|-]+\|?\s*$", nxt)) and "-" in nxt


# A question settled in place: the author says what the plan does about it ("we will cache per
# org for now", "this proposal continues with the first option", "no change is planned").
SETTLED = register(
    Vocabulary(
        CODE,
        "settled",
        (
            Term(
                "we will",
                r"\b(?:we|this (?:proposal|design|rfc|document|plan)|the (?:proposal|design|team))"
                r"\s+(?:will|shall|decided|chose|choose|go(?:es)? with|went with|continues?|"
                r"keeps?|stays?)\b",
                "the author says what the plan does about it",
                "For now the design keeps one locker bank per depot.",
            ),
            Term(
                "no change planned",
                r"\bno changes? (?:is |are )?planned\b",
                "the author settles it by changing nothing",
                "For the tram gates no change is planned this year.",
            ),
            Term(
                "decided to",
                r"\b(?:decided|agreed) (?:to|that|on)\b",
                "a decision reported in place",
                "The depot leads agreed on card-only lockers.",
            ),
        ),
        reason="a question settled in place",
    )
)


def _settles(items: tuple[Item, ...]) -> bool:
    """Whether a questions section's block (one question and its discussion) ends settled:
    no item still asks, and one says what the plan does about it."""
    texts = [strip_quotes(i.text) for i in items]
    asks = any("?" in t or TODO.search(t) or UNDECIDED.search(t) for t in texts)
    return not asks and any(SETTLED.search(t) for t in texts)


def unresolved_items(ctx: ReviewContext) -> list[Item]:
    """Open items the plan depends on that nobody has been asked to answer by a date."""
    view = view_of(ctx)
    owner_lines = {f.line for f in view.fields if OWNER_KEY.compiled.match(f.key.strip().lower())}
    core_lines = {
        f.line
        for f in view.fields
        if re.search(r"why|motivation|problem|done|acceptance|criteria|success", f.key, re.I)
    }
    out: list[Item] = []
    stray: list[Item] = []  # a "?" in prose outside a questions section: a weaker signal
    for block in view.blocks:
        in_questions = "questions" in block.kinds
        if not in_questions and block.kinds & _SKIP_KINDS:
            continue
        if in_questions and _settles(block.items):
            continue  # a question discussed and then settled where it is asked
        for item in block.items:
            if item.start_line in owner_lines or item.start_line in core_lines:
                continue
            raw = item.text
            text = strip_quotes(raw)
            if _is_prompt(ctx, item) or _table_header(ctx, item):
                continue
            if owned_and_dated(raw) or ANSWERED.search(text):
                continue
            question = "?" in text
            if " | " in raw and not question and re.search(r"question|owner", raw, re.I):
                continue  # a table's header row
            if in_questions and (question or TODO.search(text) or len(text.split()) >= 4):
                out.append(item)
            elif TODO.search(text) or (UNDECIDED.search(text) and not ARGUMENT.compiled.match(raw)):
                out.append(item)
            elif question and not (WHO_QUESTION.search(text) and OWNERSHIP_TERM.search(text)):
                if not block.kinds & {"why", "why_weak", "aside"}:  # rhetorical, FAQ
                    stray.append(item)
    return out + stray if out else stray


def _open_items(ctx: ReviewContext) -> tuple[list[Item], bool]:
    """(open items, whether any came from a questions section, a TODO/TBD, 'undecided' or a
    list of questions)."""
    view = view_of(ctx)
    questions_lines = {n for b in view.blocks if "questions" in b.kinds for n, _ in b.body}
    items = unresolved_items(ctx)
    confident = _question_list(ctx, items) or any(
        i.start_line in questions_lines
        or TODO.search(strip_quotes(i.text))
        or UNDECIDED.search(strip_quotes(i.text))
        for i in items
    )
    return items, confident


def _question_list(ctx: ReviewContext, items: list[Item]) -> bool:
    """Whether open items include a bulleted list of two or more questions in a row: a list of
    things still to answer, whatever its heading ("Follow-ups", "Next steps"), where a single
    "?" in prose may be rhetorical."""
    bullets = [
        i
        for i in items
        if i.text.rstrip().endswith("?") and _BULLET.match(ctx.spec.lines[i.start_line - 1])
    ]
    return any(b.start_line - a.end_line <= 1 for a, b in zip(bullets, bullets[1:], strict=False))


class QuestionsCheck:
    """Raises `open_questions` when blocking questions have no owner or date."""

    codes: tuple[str, ...] = (CODE,)

    def run(self, ctx: ReviewContext) -> list[Finding]:
        items, confident = _open_items(ctx)
        if not items:
            return []
        spec = ctx.spec
        first, last = items[0], items[-1]
        end = last.end_line if last.start_line - first.start_line <= 8 else first.end_line
        span = span_for_lines(spec, first.start_line, end)
        section = section_at(spec, span.start_line)
        examples = "; ".join(f'"{short(i.text, 70)}"' for i in items[:3])
        return [
            Finding(
                code=CODE,
                severity="medium" if len(items) >= 2 else "low",
                title="Open questions without owner or date",
                message=(
                    f"{len(items)} open item(s) have no owner or answer-by date: {examples}. "
                    "Engineers will either guess or block on them; an open question is fine "
                    "once someone owns the answer and a date is set."
                ),
                suggestion=(
                    "Answer what you can now; give each remaining question an owner and a "
                    "date:\n\n## Open questions\n\n"
                    "| Question | Owner | Answer by |\n|---|---|---|\n"
                    + "".join(f"| {short(i.text, 70)} | <name> | <date> |\n" for i in items[:5])
                ).rstrip(),
                span=span,
                section=section.path_label if section else "",
                # A "?" in prose outside a questions section may be rhetorical or an example.
                confidence=0.7 if confident else 0.5,
            )
        ]
