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
from assistant.checks.vocab import Term, Vocabulary, register
from assistant.markdown import link_text
from assistant.models import Finding

CODE = "unresolved_ownership"

# A field key that names an owner ("Owner", "Tech lead", "Approvers (2)"): the whole key.
_OWNER_KEY_FORM = r"^(?:\w+ )?(?:{})(?:\s*\([^)]*\))?$"
OWNER_KEY = register(
    Vocabulary(
        CODE,
        "owner field",
        (
            Term(
                "owner",
                _OWNER_KEY_FORM.format(r"owners?|dri|accountable"),
                "the field names who owns the outcome",
                "fleet owners",
            ),
            Term(
                "decider",
                _OWNER_KEY_FORM.format(r"approvers?|decision[- ]makers?|deciders?|decides"),
                "the field names who decides or signs off",
                "final approvers (two)",
            ),
            Term(
                "lead",
                _OWNER_KEY_FORM.format(r"lead|tech lead|eng(?:ineering)? lead|engineering dri"),
                "the field names who leads the work",
                "kiosk tech lead",
            ),
            Term(
                "shaped by",
                _OWNER_KEY_FORM.format(r"bet owner|shaped by|builders?"),
                "Shape Up's fields for who shaped and who builds the bet",
                "payroll builders",
            ),
            Term(
                "assignee",
                _OWNER_KEY_FORM.format(r"assignee|driver|sponsor|who decides|who owns"),
                "the field names who carries or sponsors the work",
                "executive sponsor (ferry pilot)",
            ),
        ),
        reason="a field whose value should name the owner",
    )
)
_CONTENT_KINDS = frozenset({"solution", "acceptance", "metric", "scope_bound", "questions", "why"})
BY_NAME = register(
    Vocabulary(
        CODE,
        "by name",
        (
            Term(
                "led by",
                r"\b(?:shaped|owned|led|driven|sponsored|run) by\s+(?:@\w+|[A-Z][a-z]+)",
                "a by-line that names who shaped, owns or leads",
                "The kiosk pilot is sponsored by Halvorsen from ticketing.",
            ),
            Term(
                "name (role)",
                r"[A-Z][a-z]+ [A-Z][a-z]+ \([^)]*\b(?:owner|dri|lead)\b[^)]*\)",
                "a person's name with their ownership role beside it",
                "Ines Moreau (feed owner) will present the ferry plan.",
            ),
        ),
        flags=0,
        reason="an owner named by a by-line or a role in brackets",
    )
)
PRESENCE_KEY = register(
    Vocabulary(
        CODE,
        "owner-like field",
        (
            Term(
                "owner or author",
                r"owner|dri\b|accountable|approver|author|lead|shaped by",
                "a field about who owns, wrote or approves the document",
                "Co-authors of the ferry timetable note",
            ),
            Term(
                "role",
                r"pm\b|em\b|eng\b|engineering",
                "a field for the product or engineering role on the work",
                "Engineering contact for the tram pilot",
            ),
            Term(
                "decides",
                r"decid|sponsor|driver|responsible",
                "a field for who decides, sponsors or answers for the work",
                "Responsible person at the depot",
            ),
        ),
        reason="a field where naming a person counts as naming an owner",
        on_labels=True,
    )
)
OWNERSHIP_TERM = register(
    Vocabulary(
        CODE,
        "ownership",
        (
            Term(
                "owns or leads",
                r"\b(?:own(?:s|er|ers|ership|ed)?|lead(?:s|ing)?)\b",
                "the sentence is about who owns or leads",
                "Marta leads the tram fare rework.",
            ),
            Term(
                "decides",
                r"\b(?:decid\w*|decision|the call|make the call)\b",
                "the sentence is about who decides",
                "Nobody wants to make the call on the refund cut-off.",
            ),
            Term(
                "signs off",
                r"\b(?:sign(?:s)?[- ]off|approv\w*|final (?:say|word|call))\b",
                "the sentence is about who approves",
                "Legal signs off on the new consent wording.",
            ),
            Term(
                "roadmap",
                r"\b(?:roadmap)\b",
                "whose roadmap a piece of work is on says who owns it",
                "The locker pilot sits on the depot team's roadmap.",
            ),
            Term(
                "accountable",
                r"\b(?:accountab\w*|responsib\w*|staff\w*)\b",
                "the sentence is about who answers for the work or staffs it",
                "The ferry app is staffed by two contractors until June.",
            ),
            Term(
                "does the work",
                r"\b(?:build(?:s)? (?:it|this)|runs? (?:it|the|this))\b",
                "the sentence is about who builds or runs it",
                "The venue team runs the ticket scanners on match days.",
            ),
            Term(
                "in charge",
                r"\b(?:go/no-go|in charge|dri)\b",
                "the sentence is about who is in charge",
                "Kemal is in charge of the go/no-go for the locker launch.",
            ),
        ),
        reason="a sentence about who owns, leads or decides",
    )
)
# Two parties claiming something: only about ownership when the sentence says so.
CLAIM = register(
    Vocabulary(
        CODE,
        "two claims",
        (
            Term(
                "both want",
                r"\bboth\b[^.]{0,80}\b(?:want|wants|expect|expects|claim|claims|think|thinks|say|"
                r"said|believe|would like|have said|intend|plan)\b",
                "two parties stating a claim on one thing",
                "Both the depot team and ticketing expect to own the locker flow.",
            ),
            Term(
                "each claims",
                r"\beach (?:of us |of them |team |side )?(?:thinks?|claims?|says?|said|"
                r"believes?|wants?|expects?)\b|\b(?:have|has) each (?:said|claimed)\b",
                "each side says the call is theirs",
                "Each side thinks the fare table is theirs to change.",
            ),
            Term(
                "disagree",
                r"\bdisagree\w*\b",
                "the parties do not agree",
                "Ops and finance disagree on who approves refunds over 500.",
            ),
        ),
        reason="two parties claiming the same decision",
    )
)
CONTENTION = register(
    Vocabulary(
        CODE,
        "unsettled",
        (
            Term(
                "not decided yet",
                r"\b(?:haven't|have not|hasn't|has not|not yet|never|nobody has|no one has)\s+"
                r"(?:been\s+)?(?:resolved|agreed|decided|settled|chosen|assigned|asked|picked|"
                r"named|confirmed)\b|"
                r"\bnot (?:settled|agreed|decided|resolved|assigned|chosen)\b|"
                r"\b(?:to be|yet to be|still to be) (?:agreed|decided|determined|assigned|"
                r"confirmed|settled)\b|\bneeds? deciding\b|\bundecided\b",
                "the sentence says the matter is not settled",
                "The refund approver has not been named for the locker pilot.",
            ),
            Term(
                "unowned",
                r"\bunowned\b|\bno(?:body| one) owns\b|\bwithout an owner\b",
                "the sentence says nobody owns it",
                "The tram fare cache is unowned since the spring reorg.",
            ),
            Term(
                "still to sort out",
                r"\b(?:work it out|sort (?:it )?out who|figure out who|pick one|decide who)\b|"
                r"\bagree (?:on )?who\b|\bwho has the final (?:say|word|call)\b",
                "the sentence leaves who decides to be worked out",
                "We still have to figure out who approves locker refunds.",
            ),
            Term(
                "someone will need to",
                r"\bsomeone (?:will )?(?:need|needs|has|should) to (?:own|lead|decide|run|drive)\b",
                "an owner is needed but not named",
                "Someone will need to own the ferry timetable feed.",
            ),
            Term(
                "probably X or Y",
                r"\b(?:probably|maybe|perhaps)\s+(?:the\s+)?[A-Z][\w&]*(?:\s+[A-Z][\w&]*)?\s+or\b",
                "a guess between two candidates",
                "The approver is probably Ticketing or the depot leads.",
            ),
            Term(
                "team not formed",
                r"\bnot formed yet\b|\bdoes(?:n't| not) exist yet\b|"
                r"\bto be (?:formed|created|hired)\b|\bnobody has been asked\b",
                "the owning team or person does not exist yet",
                "The kiosk support crew is to be hired after the pilot.",
            ),
        ),
        reason="a sentence that says who owns or decides is not settled",
    )
)
# One side's stance on who decides: "X's view is that X decides", "Y considers it an app
# decision", "Z argues the call is theirs". Two such sentences from different parties in one
# section are a contested decision, even when no sentence says "both".
STANCE = register(
    Vocabulary(
        CODE,
        "stance",
        (
            Term(
                "a view",
                r"\b(?:view|views|position)\b",
                "a party's stated position",
                "Ticketing's position is that fares change only at timetable switch.",
            ),
            Term(
                "argues",
                r"\b(?:wants?|considers?|argues?|argued|thinks?|believes?|insists?|maintains?|"
                r"claims?)\b",
                "a party arguing for its side",
                "The depot lead insists the locker codes stay printed.",
            ),
            Term(
                "makes the case",
                r"\b(?:made the case|makes the case|sees? (?:it|this) as)\b",
                "a party framing the matter its way",
                "Finance sees it as a billing change, not a product one.",
            ),
        ),
        reason="one side's stance, which with a decision claim says who they think decides",
    )
)
DECISION_CLAIM = register(
    Vocabulary(
        CODE,
        "decision claim",
        (
            Term(
                "decides",
                r"\b(?:decides?|decid(?:e|ing) (?:when|whether|how|what|which))\b",
                "who decides, or deciding something named",
                "The harbour office decides when the ferry feed goes live.",
            ),
            Term(
                "a decision",
                r"\b(?:(?:an?|its|their|our|his|her|the)\s+(?:[\w-]+\s+)?(?:decision|call))\b",
                "a decision attributed to someone",
                "Moving the kiosks is a depot decision.",
            ),
            Term(
                "should decide",
                r"\b(?:(?:should|must|gets? to|wants? to) (?:decide|own|approve|make the call))\b",
                "a claim to the right to decide",
                "Ticketing wants to approve every fare table change.",
            ),
            Term(
                "theirs to make",
                r"\b(?:(?:is|are) (?:theirs|ours|his|hers|its) to (?:make|decide))\b",
                "the call is said to belong to someone",
                "The depot lead says the call is hers to make.",
            ),
        ),
        reason="a claim about who makes a decision",
    )
)
_PARTY = re.compile(r"\b(?!(?:The|This|That|It|We|Our|They|Their|But|And|So|If)\b)[A-Z][\w&-]+")


def _stance_party(text: str) -> str | None:
    """The party a stance sentence speaks for (its first proper noun), or None."""
    if not (STANCE.search(text) and DECISION_CLAIM.search(text)):
        return None
    party = _PARTY.search(text)
    return party.group(0) if party else None


WHO_QUESTION = register(
    Vocabulary(
        CODE,
        "who question",
        (
            Term(
                "who",
                r"\b(?:who|which (?:team|group|org|person)|whose)\b",
                "a question about a person or a team",
                "Which team answers for the locker codes after launch?",
            ),
        ),
        reason="a question about who, which with an ownership word is about the owner",
    )
)
OWNS_SENTENCE = register(
    Vocabulary(
        CODE,
        "owner named in a sentence",
        (
            Term(
                "someone will own",
                r"\b(?:I'll|I will|I am|I'm|we'll|[A-Z][a-z]+(?: [A-Z][a-z]+)?(?:'s team)?)\s+"
                r"(?:will\s+)?(?:own|owns|lead|leads|drive|drives|decides|approves|signs off|"
                r"is accountable|is responsible|is the dri|am the dri)\b",
                "a named person or the author takes the work on",
                "Ines Moreau will own the harbour feed rollout.",
            ),
            Term(
                "owned by",
                r"\bowned by\b",
                "the sentence names the owner",
                "The tram fare cache is owned by the pricing crew.",
            ),
            Term(
                "DRI",
                r"\bDRI\b",
                "the directly responsible individual, by the usual abbreviation",
                "Kemal is the DRI for the kiosk pilot.",
            ),
        ),
        flags=0,
        reason="a sentence that names who owns or leads the work",
    )
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
_GROUP_KEY = register(
    Vocabulary(
        CODE,
        "group field",
        (
            Term(
                "group of deciders",
                r"deciders?|approvers?|reviewers?|authors?|decision[- ]makers?",
                "a field that lists several people by design",
                "Reviewers of the locker design",
            ),
        ),
        reason="several names in this field are a group, not two parties in conflict",
        on_labels=True,
    )
)
# "**Owner** [Rich Lander](https://...)": a bold label with no colon, in a header block.
_BOLD_FIELD = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)([A-Za-z][\w ()-]{1,30}?)(?:\*\*|__)\s+(\S.*)$"
)
# An unfilled template prompt in an owner field ("[list of GitHub handles for those that made the
# decision]", "<name>"): the template's words, not the author's. It names nobody.
_PROMPT_VALUE = re.compile(r"^\W*[\[<{][^\]>}]{2,120}[\]>}]\W*$")
# kep.yaml keys that name owners (Kubernetes enhancement template).
_SIDECAR_OWNERS = ("authors", "approvers", "owning-sig", "reviewers")


def _names_only(text: str) -> bool:
    """A list item that is a person's name and little else ("Jane Doe (Depot team)",
    "@jdoe"), as under an Authors heading."""
    short = re.sub(r"\([^)]*\)|https?://\S+", " ", text)
    return len(short.split()) <= 6 and (names_person(short) or names_handles(short.strip()))


def _unwrapped(value: str) -> str:
    """A template's "(your name)" filled in place keeps its parentheses: "Author(s): (jdoe)"
    names jdoe."""
    match = re.fullmatch(r"\(([^()]+)\)", value)
    return match.group(1).strip() if match else value


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


PLACEHOLDER_OWNER_VALUE = register(
    Vocabulary(
        CODE,
        "placeholder owner value",
        (
            Term(
                "tbd",
                r"\btbd\b|\btbc\b",
                "the owner is marked as still to come",
                "approvers: tbd pending the harbour board",
            ),
            Term(
                "question mark",
                r"^\W*\?+\W*$",
                "a bare question mark names nobody",
                "-- ??? --",
            ),
            Term(
                "to be named",
                r"\bto be (?:decided|named)\b",
                "the author says the owner is still to be named",
                "authors: to be named by the depot lead",
            ),
        ),
        reason="an owner value in kep.yaml that names nobody yet",
    )
)


def ownership_flags(ctx: ReviewContext) -> tuple[list[Flag], bool]:
    """(the red flags found, whether anyone is named as owner at all)."""
    view = view_of(ctx)
    flags, named = _sidecar_flags(ctx)
    decision = ctx.doc_type == "decision"
    fields = [(f.key, f.value, f.line) for f in view.fields] + _header_fields(ctx)
    for key_text, raw_value, line in fields:
        key = key_text.strip().lower()
        value = _unwrapped(link_text(raw_value).strip())
        block = view.block_at(line)
        top = block is not None and block is view.blocks[0]  # the header, whatever its title
        if block and not top and block.kinds & _CONTENT_KINDS and "ownership" not in block.kinds:
            continue  # "Owner: a user or an org" in a data model is not the spec's owner
        if _PROMPT_VALUE.match(value):
            continue  # a template prompt neither names nor leaves open an owner
        if OWNER_KEY.compiled.match(key):
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
            if "authors" in block.kinds and _names_only(text):
                named = True  # "- Jane Doe (Depot team)" under "## Authors"
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
