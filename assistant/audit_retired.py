"""History audit: an accepted record that a later accepted record retires in so many words
without linking it ("We will decommission our Concourse pipelines" while "Use Concourse CI"
still says accepted). Pure; part of the `superseded_but_accepted` kind.

Precise by construction: the older record's title names the choice ("Use Concourse CI"), the
newer record's decision or consequences say the chosen thing is decommissioned, replaced,
retired or moved away from, both are accepted and dated, the newer is later, and neither links
the other (a linked pair is the typed-link check's business).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from assistant.audit_model import AuditItem, find_line, ref
from assistant.checks.history_common import is_binding
from assistant.markdown import parse_spec
from assistant.models import DocumentRecord

# "Use Concourse CI", "Adopt OpenTelemetry", "3. Use ECR as container registry".
_CHOICE_TITLE = re.compile(
    r"^(?:(?:adr[- ]?)?\d+[.:]?\s+)?(?:use|adopt|choose|select|standardi[sz]e on|introduce|"
    r"move to|switch to|migrate to)\s+(.+)$",
    re.IGNORECASE,
)
_GENERIC = frozenset({"The", "We", "Our", "A", "An", "AWS", "CI", "CD", "API", "Use"})
# Retiring something: the name comes after the verb, not after "with", "by" or "to".
_RETIRE = re.compile(
    r"\b(?:decomm?iss?ion\w*|retir\w*|replac\w*|sunset\w*|phas\w* out|shut\w* down|"
    r"turn\w* off|(?:migrat|mov|switch)\w* (?:away )?(?:off|from)|stop\w* using|"
    r"no longer use)\b",
    re.IGNORECASE,
)
_DECIDED_PART = re.compile(r"decision|consequence|outcome", re.IGNORECASE)


def _as_date(value: str | None) -> date | None:
    """ISO, or day-first dd/mm/yyyy (dd/mm/yy) as the indexer keeps some manifests' dates."""
    text = (value or "").strip()
    iso = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    dmy = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$", text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            year = int(dmy[3]) + (2000 if len(dmy[3]) == 2 else 0)
            return date(year, int(dmy[2]), int(dmy[1]))
    except ValueError:
        return None
    return None


def later(newer: DocumentRecord, old: DocumentRecord) -> bool | None:
    """Whether `newer` is dated after `old`; None when either date cannot be read."""
    a, b = _as_date(newer.date), _as_date(old.date)
    return None if a is None or b is None else a > b


def chosen_names(record: DocumentRecord) -> set[str]:
    """The capitalised words of what a record's title says it chose ("Use Concourse CI" →
    Concourse): a later record may write "our Concourse pipelines", never the whole title."""
    m = _CHOICE_TITLE.match(record.title.strip())
    if not m:
        return set()
    words = re.findall(r"\b[A-Z][A-Za-z0-9]{2,}\b", m.group(1))
    return {w for w in words if w not in _GENERIC}


def _retiring_lines(record: DocumentRecord) -> list[tuple[int, str]]:
    """(line, text) in the record's decision or consequences that retire something."""
    spec = parse_spec(record.text or "")
    out = []
    for section in spec.sections:
        if not _DECIDED_PART.search(section.title):
            continue
        for offset, line in enumerate(section.body.split("\n")):
            if _RETIRE.search(line):
                out.append((section.body_start_line + offset, line))
    return out


def _retires(line: str, name: str) -> bool:
    for verb in _RETIRE.finditer(line):
        after = line[verb.end() : verb.end() + 50]
        found = re.search(rf"\b{re.escape(name)}\b", after)  # as written: a name, not a word
        at = found.start() if found else -1
        if at >= 0 and not re.search(r"\b(?:with|by|to|for|onto|into)\b", after[:at]):
            return True
    return False


def retired_but_accepted(records: Sequence[DocumentRecord]) -> list[AuditItem]:
    """Accepted records whose chosen thing a later accepted record retires without a link."""
    linked = {frozenset((r.id, link.target)) for r in records for link in r.links}
    accepted = [r for r in records if r.kind == "decision" and is_binding(r.status)]
    choices = {r.id: chosen_names(r) for r in accepted}
    items = []
    for newer in accepted:
        lines = _retiring_lines(newer)
        if not lines:
            continue
        for old in accepted:
            names = choices[old.id]
            if old.id == newer.id or not names or frozenset((old.id, newer.id)) in linked:
                continue
            if later(newer, old) is not True:
                continue
            hit = next(
                (
                    (n, text, name)
                    for n, text in lines
                    for name in sorted(names)
                    if _retires(text, name)
                ),
                None,
            )
            if hit is None:
                continue
            line, text, name = hit
            title_line = find_line(old.text or "", re.compile(re.escape(old.title[:60])))
            items.append(
                AuditItem(
                    kind="superseded_but_accepted",
                    record=ref(old, *(title_line or (None, ""))),
                    other=ref(newer, line, text),
                    message=(
                        f"{old.id} (“{old.title}”) still says “{old.status}”, but {newer.id} "
                        f"({newer.status}, {newer.date}) retires {name} without naming "
                        f"{old.id}. Mark {old.id} superseded by {newer.id}, or say in "
                        f"{newer.id} what it replaces."
                    ),
                    confidence=0.9,
                )
            )
    return items
