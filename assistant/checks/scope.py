"""`unbounded_scope`: no non-goals or out-of-scope list, and the proposal is open-ended.

Open-endedness shows as expansion language: "maybe", "later it would be nice", "eventually",
"whatever else customers ask for", "over time move every page", "while we're at it". A draft
with an explicit bound (non-goals, out of scope, no-gos, "not doing", future work) is fine.
"""

from __future__ import annotations

from assistant.anchors import section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.signals import Item, strip_quotes, view_of
from assistant.checks.vocab import Term, Vocabulary, register
from assistant.models import Finding
from assistant.prose import comment_free_lines

CODE = "unbounded_scope"

BOUND_PHRASE = register(
    Vocabulary(
        CODE,
        "bound phrase",
        (
            Term(
                "out of scope",
                r"\b(?:out of scope|non-?goals?|not in scope|no-gos?)\b",
                "the author marks something as outside the work",
                "Tram season passes are out of scope for the kiosk pilot.",
            ),
            Term(
                "won't do",
                r"\b(?:not doing|won't (?:do|build|support)|will not (?:do|build|support))\b",
                "the author says what will not be done",
                "The first version won't support group bookings for ferries.",
            ),
            Term(
                "excluded",
                r"\b(?:not part of this|explicitly excluded|deliberately not)\b",
                "the author excludes something on purpose",
                "Refunds in cash are deliberately not handled by the lockers.",
            ),
        ),
        reason="a sentence that bounds the work",
    )
)
STRONG = register(
    Vocabulary(
        CODE,
        "open-ended scope",
        (
            Term(
                "whatever",
                r"\bwhatever\b",
                "the scope is left to whatever turns up",
                "The kiosk shows whatever the depot wants to promote.",
            ),
            Term(
                "and more",
                r"\band (?:much )?more\b",
                "a list left open at the end",
                "Lockers hold parcels, returns and much more.",
            ),
            Term(
                "over time",
                r"\bover time\b|\beventually\b",
                "growth with no stopping point",
                "The ferry app eventually replaces the paper timetable too.",
            ),
            Term(
                "nice to have",
                r"\bit would be nice\b|\bnice[- ]to[- ]haves?\b|\bwhile we(?:'re| are) at it\b",
                "extras added along the way",
                "While we're at it, the kiosk could print bus maps.",
            ),
            Term(
                "might also add",
                r"\bmight (?:also )?(?:extend|expand|add)\b|"
                r"\b(?:might|could|may) also (?:do|add|build|include|cover|ship|handle|extend)\b",
                "an extension floated without a decision",
                "The locker flow may also handle bike rentals.",
            ),
            Term(
                "stretch goal",
                r"\bstretch(?: goals?)?\b\W*:",
                "a labelled extra beyond the plan",
                "Stretch goal: seat maps for the night ferry.",
            ),
            Term(
                "could come later",
                r"\bcould (?:also )?(?:come|be added|extend|expand)(?: \w+)? later\b|\blater on\b",
                "more work deferred but not excluded",
                "Seat choice could be added much later for the harbour line.",
            ),
            Term(
                "everywhere",
                r"\b(?:move|migrate|extend|expand|bring|port)\b[^.]{0,40}\b(?:every|all) "
                r"(?:other |the )?(?:pages?|screens?|features?|products?|surfaces?|teams?|"
                r"services?|apps?)\b",
                "the change is to spread to everything",
                "We then port the new fare widget to all the screens of the kiosk.",
            ),
            Term(
                "someday label",
                r"^\W*(?:maybe|later|also|eventually|future|someday|phase 2)\b\W*[:.]",
                "a line labelled as a later or optional extra",
                "Someday: print receipts in four languages.",
            ),
            Term(
                "once we're live",
                r"\bonce we(?:'re| are) (?:on|in|live)\b",
                "more work promised after launch",
                "Once we're live, the lockers take payments for the cafe too.",
            ),
            Term(
                "etc.",
                r"\betc\.?$",
                "a list that ends open",
                "The kiosk sells day passes, ferry tickets, bike hire, etc.",
            ),
            Term(
                "later we could",
                r"\blater,? (?:on,? )?(?:we|you|they) (?:can|could|might|may|will|would)\b",
                "more work imagined for later",
                "Later on, we could let drivers book locker slots.",
            ),
            Term(
                "no limit",
                r"\bthe sky\b|\bno limit\b|\bas many as\b",
                "the scope is said to be unbounded",
                "The depot can add as many as it likes to the kiosk menu.",
            ),
            Term(
                "in the future",
                r"\bin the future\b|\bdown the line\b",
                "a vague later, with no decision",
                "Down the line, the ferry app might sell cafe vouchers.",
            ),
            Term(
                "more will follow",
                r"\bother \w+ will follow\b|\bwill follow as\b",
                "more items promised without a list",
                "Other depots will follow after the harbour pilot.",
            ),
            # Catch-alls: "everything else that comes up", "whatever else sales asks for" (but
            # not "everything else stays the same").
            Term(
                "catch-all",
                r"\b(?:everything|anything|whatever) else\b(?:\s+\w+){0,3}?\s+(?:comes? up|asks?|"
                r"wants?|needs?|requests?)\b|\bwhatever comes up\b|\bas (?:they|things) come up\b",
                "the scope takes in whatever is asked for",
                "The kiosk team also handles anything else the depot asks for.",
            ),
        ),
        reason="words that leave the work open-ended",
    )
)
# Words that also end ordinary sentences about other things ("formats such as PNG, JPEG, etc.",
# "we may revisit this in the future"): on their own they are a weak sign of open scope.
INCIDENTAL = register(
    Vocabulary(
        CODE,
        "incidental open scope",
        (
            Term(
                "etc.",
                r"\betc\.?$",
                "a list that ends open, often about something else",
                "Receipts come as PDF, plain text, etc.",
            ),
            Term(
                "in the future",
                r"\bin the future\b",
                "a vague later, often about something else",
                "Ferry prices may change in the future for the night line.",
            ),
        ),
        reason="open-scope words that also end ordinary sentences",
    )
)
WEAK = register(
    Vocabulary(
        CODE,
        "weak open scope",
        (
            Term(
                "later",
                r"\b(?:later)\b",
                "deferred work",
                "Bike hire comes later for the harbour kiosks.",
            ),
            Term(
                "hedge",
                r"\b(?:maybe|possibly|potentially|could also|might|perhaps)\b",
                "an undecided extra",
                "The kiosk could also sell umbrellas on rainy days.",
            ),
            Term(
                "also",
                r"\b(?:also)\b",
                "an addition to the work",
                "The locker screen also shows tram times.",
            ),
        ),
        reason="a weak sign of open scope, counted",
    )
)
_STUB = (
    "## Non-goals\n\n"
    "- <What this version will not do, even if asked (the tempting extensions listed above)>\n"
    "- <Which users, plans or platforms are out of scope for now>"
)


def _bounded(ctx: ReviewContext) -> bool:
    view = view_of(ctx)
    if any(b.text.strip() for b in view.of_kind("scope_bound")):
        return True
    # A template's prompt ("<!-- what is out of scope? -->") bounds nothing.
    return any(BOUND_PHRASE.search(line) for line in comment_free_lines(ctx.spec.lines))


def expansion_items(ctx: ReviewContext) -> tuple[list[Item], int]:
    """(items with strong expansion language, count of weak expansion words)."""
    view = view_of(ctx)
    strong: list[Item] = []
    weak = 0
    for block in view.blocks:
        if "questions" in block.kinds or "aside" in block.kinds:
            continue
        if block.label and STRONG.search(block.label + ":"):
            strong.append(Item(block.label, block.start_line, block.last_line))
        for item in block.items:
            text = strip_quotes(item.text)
            if STRONG.search(text):
                strong.append(item)
            weak += len(WEAK.compiled.findall(text))
    return strong, weak


class ScopeCheck:
    """Raises `unbounded_scope` for open-ended proposals with no stated bounds."""

    codes: tuple[str, ...] = (CODE,)

    def run(self, ctx: ReviewContext) -> list[Finding]:
        if _bounded(ctx):
            return []
        strong, weak = expansion_items(ctx)
        if not strong and weak < 3:
            return []
        spec = ctx.spec
        view = view_of(ctx)
        first = strong[0] if strong else None
        span = span_for_lines(spec, first.start_line, first.end_line) if first else None
        section = section_at(spec, span.start_line) if span else None
        quoted = f' ("{first.text[:90]}")' if first else ""
        # Expansion said outright ("it would be nice to also...", "whatever else sales asks
        # for"), or said more than once, is open scope; a lone "etc." or "in the future" is not.
        outright = [i for i in strong if not INCIDENTAL.search(strip_quotes(i.text))]
        confidence = 0.7 if outright or len(strong) >= 3 else 0.5
        return [
            Finding(
                code=CODE,
                severity="medium",
                title="Scope is not bounded",
                message=(
                    f"The proposal is open-ended{quoted} and nothing says what is out of scope. "
                    "Late scope changes are a top source of friction between product and "
                    "engineering; a non-goals list is the cheapest protection."
                ),
                suggestion="State what this version will not do:\n\n" + _STUB,
                span=span,
                insert_after_line=None if span else view.header_end,
                section=section.path_label if section else "",
                confidence=confidence,
            )
        ]
