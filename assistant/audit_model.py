"""The history audit's data: items, the records they cite, the report (see assistant/audit.py)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from assistant.models import DocumentRecord
from assistant.prose import comment_free_lines

AuditKind = Literal[
    "superseded_but_accepted",
    "conflicting_decisions",
    "broken_link",
    "missing_metadata",
    "near_duplicate",
]
AUDIT_KINDS: tuple[AuditKind, ...] = (
    "superseded_but_accepted",
    "conflicting_decisions",
    "broken_link",
    "missing_metadata",
    "near_duplicate",
)
# What each kind is called on every surface (the Library's badge, the report's headings).
KIND_LABELS: dict[str, str] = {
    "superseded_but_accepted": "superseded, still accepted",
    "conflicting_decisions": "contradicts another accepted record",
    "broken_link": "links to a missing record",
    "missing_metadata": "missing status, date or owner",
    "near_duplicate": "near-duplicate of another record",
}
# The last full audit of an embedded store is kept in its folder under this name; the Library
# page shows its badges while the store still holds what was audited.
SAVED_REPORT = "audit.json"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class RecordRef(BaseModel):
    """A record an item cites, and where: 1-based lines (None when the fact is metadata kept
    outside the text, such as a kep.yaml) and the quoted line."""

    id: str
    title: str = ""
    path: str = ""
    status: str | None = None
    line: int | None = None
    end_line: int | None = None
    quote: str = ""

    def where(self) -> str:
        if self.line is None:
            return self.path or self.id
        lines = (
            f"{self.line}-{self.end_line}"
            if self.end_line and self.end_line > self.line
            else f"{self.line}"
        )
        return f"{self.path or self.id}:{lines}"


class AuditItem(BaseModel):
    """One thing the audit found: the record at fault, the other record, and why."""

    kind: AuditKind
    record: RecordRef
    other: RecordRef | None = None  # None for missing metadata; the target for a broken link
    message: str
    confidence: float = 1.0
    short: str = ""  # a few words for a badge where the kind alone says too little ("no date")


class AuditReport(BaseModel):
    """Everything one audit found over the indexed records."""

    records: int
    items: list[AuditItem] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # a kind that could not run, and why
    seconds: float = 0.0
    fingerprint: str = ""  # of the records audited (see `fingerprint`)

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for i in self.items if i.kind == kind) for kind in AUDIT_KINDS}

    def flags(self) -> dict[str, list[Flag]]:
        """Record id → what it is flagged for, once a kind (both records of a pair)."""
        out: dict[str, list[Flag]] = {}
        for item in self.items:
            sides = [(item.record.id, item.other.id if item.other else "")]
            if item.kind in ("conflicting_decisions", "near_duplicate") and item.other:
                sides.append((item.other.id, item.record.id))
            for doc_id, other in sides:
                flags = out.setdefault(doc_id, [])
                if all(f.kind != item.kind for f in flags):
                    label = _BADGES[item.kind].format(other=other, short=item.short)
                    flags.append(Flag(kind=item.kind, label=label, why=item.message))
        return out


# The badge on a record, naming the other record where there is one.
_BADGES: dict[str, str] = {
    "superseded_but_accepted": "superseded by {other}, still accepted",
    "conflicting_decisions": "contradicts {other}",
    "broken_link": "broken link",
    "missing_metadata": "{short}",
    "near_duplicate": "near-duplicate of {other}",
}


class Flag(BaseModel):
    """A badge on a record: the kind, its short label, and the first item's message."""

    kind: AuditKind
    label: str
    why: str


def fingerprint(records: Sequence[DocumentRecord]) -> str:
    """What the store held when it was audited: ids and content hashes, order-free."""
    payload = "\n".join(sorted(f"{r.id}\t{r.content_hash}" for r in records))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def ref(record: DocumentRecord, line: int | None = None, quote: str = "") -> RecordRef:
    return RecordRef(
        id=record.id,
        title=record.title,
        path=record.path,
        status=record.status,
        line=line,
        quote=quote.strip()[:200],
    )


def find_line(
    text: str, pattern: re.Pattern[str], *, limit: int | None = None
) -> tuple[int, str] | None:
    """The first line (1-based) matching `pattern` outside HTML comments, and its text."""
    lines = comment_free_lines(text.split("\n"))
    for n, line in enumerate(lines[:limit] if limit else lines, start=1):
        if pattern.search(line):
            return n, line
    return None
