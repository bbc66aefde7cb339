"""Who is named: people versus departments and placeholders, in owner fields and sentences."""

from __future__ import annotations

import re

from assistant.checks.signals import strip_dates

DEPARTMENT = re.compile(
    r"\b(?:teams?|squads?|groups?|departments?|dept|orgs?|organi[sz]ation|platform|engineering|"
    r"product|design|security|sre|ops|devops|infra(?:structure)?|support|marketing|sales|finance|"
    r"legal|growth|data|analytics|qa|it|hr|docs|documentation|core|billing|accounts|success|"
    r"frontend|backend|mobile|web|identity|experience|systems|services|operations|research|"
    r"leadership|management|everyone|all|guild|chapter|tribe|office|committee|board|council|"
    r"pods?|crews?|units?|divisions?|functions?|payments|checkout|risk|fraud|compliance|"
    r"logistics|fulfil?ment|merchandising|content|editorial|trust|safety|partnerships|"
    r"procurement|people|recruiting|talent|locali[sz]ation|android|ios|desktop|search|ads|"
    r"moneti[sz]\w*|pricing|onboarding|activation|retention|enterprise|commerce|catalog|"
    r"inventory|shipping|notifications|messaging|integrations|developer|devex|ml|ai|science|"
    r"reporting|insights|ux|ui|architecture|quality|release|releases|tooling|foundations?)\b",
    re.IGNORECASE,
)
PLACEHOLDER_OWNER = re.compile(
    r"\btbd\b|\btbc\b|\?|\bto be (?:agreed|decided|confirmed|determined|assigned|named|formed)\b|"
    r"\bneeds? (?:deciding|an owner|a decision)\b|\bunassigned\b|\bnot (?:yet )?(?:assigned|formed|"
    r"decided|settled|staffed|chosen|agreed)\b|\bsomeone\b|\bsomebody\b|\bwhoever\b|\banyone\b|"
    r"\banybody\b|\ba volunteer\b|\bunknown\b|\bnone\b|\bn/a\b|\bdoes(?:n't| not) exist yet\b|"
    r"\[[^\]]*\]|<[^>]*>|\{[^}]*\}|\bx{2,}\b|\blorem\b",
    re.IGNORECASE,
)
ALTERNATIVE = re.compile(r"\b\w[\w&]*\s+or\s+(?:maybe\s+|perhaps\s+)?\w", re.IGNORECASE)
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
