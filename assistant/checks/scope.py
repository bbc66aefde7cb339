"""`unbounded_scope`: no non-goals or out-of-scope list, and the proposal is open-ended.

Open-endedness shows as expansion language: "maybe", "later it would be nice", "eventually",
"whatever else customers ask for", "over time move every page", "while we're at it". A draft
with an explicit bound (non-goals, out of scope, no-gos, "not doing", future work) is fine.
"""

from __future__ import annotations

import re

from assistant.anchors import section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.signals import Item, strip_quotes, view_of
from assistant.models import Finding
from assistant.prose import comment_free_lines

CODE = "unbounded_scope"

BOUND_PHRASE = re.compile(
    r"\b(?:out of scope|non-?goals?|not in scope|no-gos?|not doing|won't (?:do|build|support)|"
    r"will not (?:do|build|support)|not part of this|explicitly excluded|deliberately not)\b",
    re.IGNORECASE,
)
STRONG = re.compile(
    r"\bwhatever\b|\band (?:much )?more\b|\bover time\b|\beventually\b|"
    r"\bit would be nice\b|\bnice[- ]to[- ]haves?\b|\bwhile we(?:'re| are) at it\b|"
    r"\bmight (?:also )?(?:extend|expand|add)\b|"
    r"\b(?:might|could|may) also (?:do|add|build|include|cover|ship|handle|extend)\b|"
    r"\bstretch(?: goals?)?\b\W*:|\bcould (?:also )?(?:come|be added|extend|expand)"
    r"(?: \w+)? later\b|\blater on\b|\b(?:move|migrate|extend|expand|bring|port)\b[^.]{0,40}"
    r"\b(?:every|all) (?:other |the )?(?:pages?|screens?|features?|products?|surfaces?|teams?|"
    r"services?|apps?)\b|^\W*(?:maybe|later|also|eventually|future|"
    r"someday|phase 2)\b\W*[:.]|\bonce we(?:'re| are) (?:on|in|live)\b|\betc\.?$|"
    r"\blater,? (?:on,? )?(?:we|you|they) (?:can|could|might|may|will|would)\b|"
    r"\bthe sky\b|\bno limit\b|\bas many as\b|\bin the future\b|\bdown the line\b|"
    r"\bother \w+ will follow\b|\bwill follow as\b|"
    # Catch-alls: "everything else that comes up", "whatever else sales asks for" (but not
    # "everything else stays the same").
    r"\b(?:everything|anything|whatever) else\b(?:\s+\w+){0,3}?\s+(?:comes? up|asks?|wants?|"
    r"needs?|requests?)\b|\bwhatever comes up\b|\bas (?:they|things) come up\b",
    re.IGNORECASE,
)
# Words that also end ordinary sentences about other things ("formats such as PNG, JPEG, etc.",
# "we may revisit this in the future"): on their own they are a weak sign of open scope.
INCIDENTAL = re.compile(
    r"\betc\.?$|\bin the future\b",
    re.IGNORECASE,
)
WEAK = re.compile(r"\b(?:later|maybe|possibly|potentially|could also|might|perhaps|also)\b", re.I)
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
            weak += len(WEAK.findall(text))
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
