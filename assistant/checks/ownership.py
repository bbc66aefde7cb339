"""`unresolved_ownership`: it is not clear who owns the work or who decides.

Owners may be in front matter, `Owner:` lines, DRI or RACI tables, or a sentence ("I'll own the
product side"). Red flags: an owner that is TBD, "?", alternatives ("DX or Growth"), a whole
department or "someone from Design"; two parties accountable for one decision; sentences where
both sides claim a call or say it is not settled; an open question about who decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.anchors import section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.people import names_handles, names_person, owner_problem
from assistant.checks.signals import short, strip_quotes, view_of
from assistant.markdown import link_text
from assistant.models import Finding

CODE = "unresolved_ownership"

OWNER_KEY = re.compile(
    r"^(?:\w+ )?(?:owners?|dri|accountable|approvers?|decision[- ]makers?|deciders?|"
    r"decides|lead|tech lead|eng(?:ineering)? lead|engineering dri|bet owner|shaped by|builders?|"
    r"assignee|driver|sponsor|who decides|who owns)(?:\s*\([^)]*\))?$",
    re.IGNORECASE,
)
_CONTENT_KINDS = frozenset({"solution", "acceptance", "metric", "scope_bound", "questions", "why"})
BY_NAME = re.compile(
    r"\b(?:shaped|owned|led|driven|sponsored|run) by\s+(?:@\w+|[A-Z][a-z]+)|"
    r"[A-Z][a-z]+ [A-Z][a-z]+ \([^)]*\b(?:owner|dri|lead)\b[^)]*\)"
)
PRESENCE_KEY = re.compile(
    r"owner|dri\b|accountable|approver|author|lead|shaped by|pm\b|em\b|eng\b|engineering|"
    r"decid|sponsor|driver|responsible",
    re.IGNORECASE,
)
OWNERSHIP_TERM = re.compile(
    r"\b(?:own(?:s|er|ers|ership|ed)?|lead(?:s|ing)?|decid\w*|decision|the call|make the call|"
    r"sign(?:s)?[- ]off|approv\w*|final (?:say|word|call)|roadmap|accountab\w*|responsib\w*|"
    r"staff\w*|build(?:s)? (?:it|this)|runs? (?:it|the|this)|go/no-go|in charge|dri)\b",
    re.IGNORECASE,
)
# Two parties claiming something: only about ownership when the sentence says so.
CLAIM = re.compile(
    r"\bboth\b[^.]{0,80}\b(?:want|wants|expect|expects|claim|claims|think|thinks|say|said|"
    r"believe|would like|have said|intend|plan)\b|"
    r"\beach (?:of us |of them |team |side )?(?:thinks?|claims?|says?|said|believes?|wants?|"
    r"expects?)\b|\b(?:have|has) each (?:said|claimed)\b|\bdisagree\w*\b",
    re.IGNORECASE,
)
CONTENTION = re.compile(
    r"\b(?:haven't|have not|hasn't|has not|not yet|never|nobody has|no one has)\s+(?:been\s+)?"
    r"(?:resolved|agreed|decided|settled|chosen|assigned|asked|picked|named|confirmed)\b|"
    r"\bnot (?:settled|agreed|decided|resolved|assigned|chosen)\b|"
    r"\b(?:to be|yet to be|still to be) (?:agreed|decided|determined|assigned|confirmed|settled)\b|"
    r"\bneeds? deciding\b|\bundecided\b|\bunowned\b|\bno(?:body| one) owns\b|\bwithout an owner\b|"
    r"\b(?:work it out|sort (?:it )?out who|figure out who|pick one|decide who)\b|"
    r"\bagree (?:on )?who\b|"
    r"\bwho has the final (?:say|word|call)\b|"
    r"\bsomeone (?:will )?(?:need|needs|has|should) to (?:own|lead|decide|run|drive)\b|"
    r"\b(?:probably|maybe|perhaps)\s+(?:the\s+)?[A-Z][\w&]*(?:\s+[A-Z][\w&]*)?\s+or\b|"
    r"\bnot formed yet\b|\bdoes(?:n't| not) exist yet\b|\bto be (?:formed|created|hired)\b|"
    r"\bnobody has been asked\b",
    re.IGNORECASE,
)
# One side's stance on who decides: "X's view is that X decides", "Y considers it an app
# decision", "Z argues the call is theirs". Two such sentences from different parties in one
# section are a contested decision, even when no sentence says "both".
STANCE = re.compile(
    r"\b(?:view|views|position|wants?|considers?|argues?|argued|thinks?|believes?|insists?|"
    r"maintains?|claims?|made the case|makes the case|sees? (?:it|this) as)\b",
    re.IGNORECASE,
)
DECISION_CLAIM = re.compile(
    r"\b(?:decides?|decid(?:e|ing) (?:when|whether|how|what|which)|"
    r"(?:an?|its|their|our|his|her|the)\s+(?:[\w-]+\s+)?(?:decision|call)|"
    r"(?:should|must|gets? to|wants? to) (?:decide|own|approve|make the call)|"
    r"(?:is|are) (?:theirs|ours|his|hers|its) to (?:make|decide))\b",
    re.IGNORECASE,
)
_PARTY = re.compile(r"\b(?!(?:The|This|That|It|We|Our|They|Their|But|And|So|If)\b)[A-Z][\w&-]+")


def _stance_party(text: str) -> str | None:
    """The party a stance sentence speaks for (its first proper noun), or None."""
    if not (STANCE.search(text) and DECISION_CLAIM.search(text)):
        return None
    party = _PARTY.search(text)
    return party.group(0) if party else None


WHO_QUESTION = re.compile(r"\b(?:who|which (?:team|group|org|person)|whose)\b", re.IGNORECASE)
OWNS_SENTENCE = re.compile(
    r"\b(?:I'll|I will|I am|I'm|we'll|[A-Z][a-z]+(?: [A-Z][a-z]+)?(?:'s team)?)\s+(?:will\s+)?"
    r"(?:own|owns|lead|leads|drive|drives|decides|approves|signs off|is accountable|"
    r"is responsible|is the dri|am the dri)\b|\bowned by\b|"
    r"\bDRI\b",
)
_STUB = (
    "## Ownership\n\n"
    "| Role | Person |\n|---|---|\n| DRI (owns the outcome) | <name> |\n"
    "| Tech lead (owns the approach) | <name> |\n| Approver (signs off scope) | <name> |"
)


@dataclass(frozen=True)
class Flag:
    start_line: int
    end_line: int
    reason: str


def _raci_flags(lines: list[str], named: list[int]) -> list[Flag]:
    """Rows of a RACI table with no single accountable party; `named` gets rows that have one."""
    flags: list[Flag] = []
    column: int | None = None
    for n, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped.startswith("|"):
            column = None
            continue
        cells = [c.strip().strip("*_ ") for c in stripped.strip("|").split("|")]
        lowered = [c.lower() for c in cells]
        if "accountable" in lowered or ("a" in lowered and "r" in lowered):
            column = (
                lowered.index("accountable") if "accountable" in lowered else lowered.index("a")
            )
            continue
        if column is None or set(stripped) <= set("|-: ") or column >= len(cells):
            continue
        cell = cells[column]
        parties = [p for p in re.split(r"\s+and\s+|\s*/\s*|,|;|\s\+\s", cell) if p.strip()]
        if names_person(cell) and len(parties) == 1:
            named.append(n)
        if len(parties) >= 2 or re.search(r"\bboth\b|\bjointly\b", cell, re.IGNORECASE):
            flags.append(Flag(n, n, f'two parties are accountable for "{cells[0]}" ({cell})'))
        elif not cell or re.search(r"\btbd\b|\?|^-+$|^—$", cell, re.IGNORECASE):
            flags.append(Flag(n, n, f'nobody is accountable for "{cells[0]}"'))
    return flags


# Fields that list a group by design: several names there are not two parties in conflict.
_GROUP_KEY = re.compile(r"deciders?|approvers?|reviewers?|authors?|decision[- ]makers?", re.I)
# "**Owner** [Rich Lander](https://...)": a bold label with no colon, in a header block.
_BOLD_FIELD = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)([A-Za-z][\w ()-]{1,30}?)(?:\*\*|__)\s+(\S.*)$"
)
# An unfilled template prompt in an owner field ("[list of GitHub handles for those that made the
# decision]", "<name>"): the template's words, not the author's. It names nobody.
_PROMPT_VALUE = re.compile(r"^\W*[\[<{][^\]>}]{2,120}[\]>}]\W*$")
# kep.yaml keys that name owners (Kubernetes enhancement template).
_SIDECAR_OWNERS = ("authors", "approvers", "owning-sig", "reviewers")


def _header_fields(ctx: ReviewContext) -> list[tuple[str, str, int]]:
    """Bold labels without a colon in the header block, before the first section heading."""
    spec = ctx.spec
    first = next((s.start_line for s in spec.sections if s.level >= 2), len(spec.lines) + 1)
    out = []
    for n in range(spec.front_matter_end + 1, min(first, spec.front_matter_end + 40)):
        match = _BOLD_FIELD.match(spec.lines[n - 1])
        if match:
            out.append((match.group(1).strip(), match.group(2).strip(), n))
    return out


def _sidecar_flags(ctx: ReviewContext) -> tuple[list[Flag], bool]:
    """Owners in a kep.yaml beside the draft: named, or a placeholder such as `approvers: TBD`."""
    flags: list[Flag] = []
    named = False
    for key in _SIDECAR_OWNERS:
        value = ctx.sidecar.get(key)
        if value is None:
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if not text.strip():
            continue
        if key in ("authors", "approvers") and PLACEHOLDER_OWNER_VALUE.search(text):
            flags.append(Flag(0, 0, f'kep.yaml gives "{key}: {text[:60]}"'))
        else:
            named = True
    return flags, named


PLACEHOLDER_OWNER_VALUE = re.compile(
    r"\btbd\b|\btbc\b|^\W*\?+\W*$|\bto be (?:decided|named)\b", re.IGNORECASE
)


def ownership_flags(ctx: ReviewContext) -> tuple[list[Flag], bool]:
    """(the red flags found, whether anyone is named as owner at all)."""
    view = view_of(ctx)
    flags, named = _sidecar_flags(ctx)
    decision = ctx.doc_type == "decision"
    fields = [(f.key, f.value, f.line) for f in view.fields] + _header_fields(ctx)
    for key_text, raw_value, line in fields:
        key = key_text.strip().lower()
        value = link_text(raw_value).strip()
        block = view.block_at(line)
        top = block is not None and block is view.blocks[0]  # the header, whatever its title
        if block and not top and block.kinds & _CONTENT_KINDS and "ownership" not in block.kinds:
            continue  # "Owner: a user or an org" in a data model is not the spec's owner
        if _PROMPT_VALUE.match(value):
            continue  # a template prompt neither names nor leaves open an owner
        if OWNER_KEY.match(key):
            problem = owner_problem(value, several=bool(_GROUP_KEY.search(key)))
            if problem and not (decision and "department" in problem):
                flags.append(Flag(line, line, f'"{key_text}: {value}" {problem}'))
        if PRESENCE_KEY.search(key) and (names_person(value) or names_handles(value)):
            named = True
    raci_named: list[int] = []
    flags.extend(_raci_flags(ctx.spec.lines, raci_named))
    named = named or bool(raci_named)
    for block in view.blocks:
        in_ownership = "ownership" in block.kinds
        stances: dict[str, tuple[int, int]] = {}
        for item in block.items:
            text = strip_quotes(item.text)
            party = _stance_party(text)
            if party and party not in stances:
                stances[party] = (item.start_line, item.end_line)
            if OWNS_SENTENCE.search(text) or BY_NAME.search(item.text):
                named = True
            about_owner = in_ownership or OWNERSHIP_TERM.search(text)
            claimed = OWNERSHIP_TERM.search(text) and CLAIM.search(text)
            if claimed or (about_owner and CONTENTION.search(text)):
                flags.append(Flag(item.start_line, item.end_line, f'"{short(item.text)}"'))
            elif "?" in text and WHO_QUESTION.search(text) and OWNERSHIP_TERM.search(text):
                flags.append(
                    Flag(
                        item.start_line,
                        item.end_line,
                        f'who decides is still a question ("{short(item.text)}")',
                    )
                )
        if len(stances) >= 2:
            (a, (start, _)), (b, (_, end)) = list(stances.items())[:2]
            flags.append(Flag(start, end, f"{a} and {b} each claim the same decision"))
    return flags, named


class OwnershipCheck:
    """Raises `unresolved_ownership` when no one owns the work or decisions are contested."""

    codes: tuple[str, ...] = (CODE,)

    def run(self, ctx: ReviewContext) -> list[Finding]:
        spec = ctx.spec
        flags, named = ownership_flags(ctx)
        view = view_of(ctx)
        if flags:
            first = min(flags, key=lambda f: (f.start_line == 0, f.start_line))
            span = (
                span_for_lines(spec, first.start_line, first.end_line) if first.start_line else None
            )
            reasons = "; ".join(dict.fromkeys(f.reason for f in flags[:3]))
            section = section_at(spec, span.start_line) if span else None
            return [
                Finding(
                    code=CODE,
                    severity="high",
                    title="Ownership is unresolved",
                    message=(
                        f"It is not clear who owns this or who decides: {reasons}. Unclear "
                        "decision rights lead to stalled work or to two teams building different "
                        "things; product owns the problem and success, engineering the approach."
                    ),
                    suggestion=(
                        "Name one accountable person for each decision this spec depends on "
                        "(DRI, tech lead, approver) and record who breaks ties:\n\n" + _STUB
                    ),
                    span=span,
                    section=section.path_label if section else "",
                    confidence=0.8,
                )
            ]
        if named or ctx.doc_type == "decision":
            # A record that names no deciders is not a finding: approving the change records
            # them (LABELS.md, "Document types").
            return []
        return [
            Finding(
                code=CODE,
                severity="high",
                title="No owner named",
                message=(
                    "The draft names no owner, DRI or approver. Without one, questions go "
                    "unanswered and nobody can sign off scope or trade-offs."
                ),
                suggestion="Add the owners under the title:\n\n" + _STUB,
                insert_after_line=view.header_end,
                confidence=0.7,
            )
        ]
