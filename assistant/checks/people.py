"""Who is named: people versus departments and placeholders, in owner fields and sentences."""

from __future__ import annotations

import re

from assistant.checks.signals import strip_dates
from assistant.checks.vocab import Term, Vocabulary, register

CODE = "unresolved_ownership"

DEPARTMENT = register(
    Vocabulary(
        CODE,
        "department",
        (
            Term(
                "unit words",
                r"\b(?:teams?|squads?|groups?|departments?|dept|orgs?|organi[sz]ation)\b",
                "a word for a group of people, not a person",
                "Owner: the invoice reconciliation squad in Porto",
            ),
            Term(
                "functions",
                r"\b(?:platform|engineering|product|design|security|sre|ops|devops|"
                r"infra(?:structure)?|support|marketing|sales|finance|legal|growth|data|analytics|"
                r"qa|it|hr|docs|documentation|core|billing|accounts|success|frontend|backend|"
                r"mobile|web|identity|experience|systems|services|operations|research)\b",
                "a company function answers to many people, so nobody in particular",
                "Owner: Finance, once the audit season is over",
            ),
            Term(
                "everyone",
                r"\b(?:leadership|management|everyone|all)\b",
                "everybody or the bosses in general is nobody in particular",
                "Decider: management, at the spring offsite",
            ),
            Term(
                "org units",
                r"\b(?:guild|chapter|tribe|office|committee|board|council|pods?|crews?|units?|"
                r"divisions?|functions?)\b",
                "a body of people decides only through someone",
                "Approver: the regional pricing council",
            ),
            Term(
                "product areas",
                r"\b(?:payments|checkout|risk|fraud|compliance|logistics|fulfil?ment|"
                r"merchandising|content|editorial|trust|safety|partnerships|procurement|people|"
                r"recruiting|talent|locali[sz]ation|android|ios|desktop|search|ads|moneti[sz]\w*|"
                r"pricing|onboarding|activation|retention|enterprise|commerce|catalog|inventory|"
                r"shipping|notifications|messaging|integrations|developer|devex|ml|ai|science|"
                r"reporting|insights|ux|ui|architecture|quality|release|releases|tooling|"
                r"foundations?)\b",
                "a product area names the team that works on it, not a person",
                "Owner: Fulfilment (night shift)",
            ),
        ),
        reason="a whole team or department named where one person should be",
    )
)
PLACEHOLDER_OWNER = register(
    Vocabulary(
        CODE,
        "placeholder owner",
        (
            Term(
                "tbd",
                r"\btbd\b|\btbc\b|\?",
                "the owner is marked as still to come",
                "Owner: TBC after the depot reorg",
            ),
            Term(
                "not decided yet",
                r"\bto be (?:agreed|decided|confirmed|determined|assigned|named|formed)\b|"
                r"\bneeds? (?:deciding|an owner|a decision)\b|\bunassigned\b|"
                r"\bnot (?:yet )?(?:assigned|formed|decided|settled|staffed|chosen|agreed)\b",
                "the author says nobody is assigned yet",
                "Approver: not yet staffed for the kiosk pilot",
            ),
            Term(
                "anyone",
                r"\bsomeone\b|\bsomebody\b|\bwhoever\b|\banyone\b|\banybody\b|\ba volunteer\b",
                "an indefinite person is no one in particular",
                "Owner: whoever holds the pager that week",
            ),
            Term(
                "none",
                r"\bunknown\b|\bnone\b|\bn/a\b|\bdoes(?:n't| not) exist yet\b",
                "the field says there is no owner",
                "Owner: unknown since the vendor left",
            ),
            Term(
                "template slot",
                r"\[[^\]]*\]|<[^>]*>|\{[^}]*\}|\bx{2,}\b|\blorem\b",
                "an unfilled template slot names nobody",
                "Owner: <pick one person from the ferry team>",
            ),
        ),
        reason="an owner value that names nobody yet",
    )
)
ALTERNATIVE = register(
    Vocabulary(
        CODE,
        "alternative owners",
        (
            Term(
                "x or y",
                r"\b\w[\w&]*\s+or\s+(?:maybe\s+|perhaps\s+)?\w",
                "two candidates for one role means the role is not settled",
                "Owner: Priya or maybe Tomasz from ticketing",
            ),
        ),
        reason="alternatives instead of one owner",
    )
)
_NAME_WORD = re.compile(r"(?<![\w@])(?:@[\w-]+|[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)")
_NOT_NAMES = re.compile(
    r"^(?:The|This|That|These|Those|We|Our|I|It|A|An|And|Or|But|If|When|Then|Owner|Owners|DRI|"
    r"Lead|Team|Eng|Engineering|Product|Design|Approver|Approvers|Author|Authors|Status|Draft|"
    r"See|Open|Questions|None|Maybe|Probably|Perhaps|Both|Each|Someone|Whoever|Anyone|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
    r"May|June|July|August|September|October|November|December|Q\d|Staff|Senior|Principal|"
    r"Head|Manager|Director|Chief|Tech|Technical|Engineer|Security|Support|Review|Reviewers)$"
)


# An e-mail address ("jane.doe@example.com"): a person's, unless its local part names a group
# ("payments-team@", "sre-oncall@").
_EMAIL = re.compile(r"\b([\w.+-]+)@[\w-]+(?:\.[\w-]+)+\b")


def names_person(value: str) -> bool:
    """Whether a value names at least one person (a name, @handle or address), not a department."""
    for local in _EMAIL.findall(value):
        if not DEPARTMENT.search(local.replace(".", " ").replace("-", " ").replace("_", " ")):
            return True
    text = re.sub(r"\([^)]*\)", " ", strip_dates(value))  # "(PM, Growth)" describes the person
    for part in re.split(r"[,;/+]|\band\b|\bwith\b|·", text):
        tokens = [t for t in _NAME_WORD.findall(part) if not _NOT_NAMES.match(t)]
        if not tokens:
            continue
        if any(t.startswith("@") for t in tokens):
            return True
        if not DEPARTMENT.search(part) and any(t[0].isupper() for t in tokens):
            return True
    return False


# A handle-like value: "haanhvu", "k88hudson", "@mimowo", "jane.doe" (how repositories name
# people in owner and author fields).
_HANDLE = re.compile(r"^@?[a-z][a-z0-9_.-]{2,38}$", re.IGNORECASE)


def names_handles(value: str) -> bool:
    """Whether a field value is a list of account handles ("teshaq, travis, k88hudson")."""
    parts = [p.strip(" \"'`*_") for p in re.split(r"[,;]|\band\b", value) if p.strip()]
    return bool(parts) and all(_HANDLE.match(p) and not DEPARTMENT.search(p) for p in parts)


def owner_problem(value: str, *, several: bool = False) -> str | None:
    """Why an owner value does not resolve ownership, or None when it names someone.

    `several`: the field lists a group by design (deciders, approvers, reviewers), so more
    than one name is expected, not two parties claiming one decision.
    """
    """Why an owner value does not resolve ownership, or None when it names someone."""
    if PLACEHOLDER_OWNER.search(value):
        return "is a placeholder or still undecided"
    if names_handles(value):
        return None
    if not several and ALTERNATIVE.search(re.sub(r"\([^)]*\)", " ", value)):
        return "names alternatives instead of one owner"
    if not several and re.search(r"\(both\)|\bboth\b|\bjointly\b", value, re.IGNORECASE):
        return "gives the same decision to two parties"
    if not names_person(value):
        return "names a whole team or department, not a person"
    return None
