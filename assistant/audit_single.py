"""History audit, each record on its own and its links: superseded records still marked
accepted, broken links, missing metadata (pure; the caller says which files exist)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from assistant.audit_model import AuditItem, RecordRef, find_line, ref
from assistant.audit_retired import later
from assistant.checks.history_common import is_binding
from assistant.checks.signals import split_blocks
from assistant.markdown import parse_spec
from assistant.models import DocumentRecord
from assistant.prose import comment_free_lines

# Which metadata each kind of record is expected to carry. A decision's deciders are recorded
# by the approval of the change (../shared/evals/LABELS.md), and a retro has no status.
REQUIRED_METADATA: dict[str, tuple[str, ...]] = {
    "spec": ("status", "date", "owner"),
    "decision": ("status", "date"),
    "retro": ("date",),
}
# A superseding record takes effect once it is itself in force: a proposal that "replaces" an
# accepted record has not replaced it yet.
_NOT_IN_EFFECT = re.compile(
    r"propos|provisional|draft|reject|withdrawn|defer|hold|incomplete|abandon", re.IGNORECASE
)
SUPERSEDING = ("supersedes", "replaces")


_STATUS_LINE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*|__)?status(?:\*\*|__)?\s*:|^\s*\|\s*status\s*\||^#{1,6}\s*status\b",
    re.IGNORECASE,
)


def status_line(record: DocumentRecord) -> tuple[int | None, str]:
    """Where the record states its status: the field, or the line under a Status heading."""
    text = record.text or ""
    found = find_line(text, _STATUS_LINE, limit=80)
    if found is None:
        return None, ""
    n, line = found
    if line.lstrip().startswith("#"):
        lines = text.split("\n")
        for m in range(n, min(len(lines), n + 6)):
            if lines[m].strip():
                return m + 1, lines[m]
    return n, line


def in_effect(status: str | None) -> bool:
    """Whether a record's status says it is in force (no status: taken at its word)."""
    return not _NOT_IN_EFFECT.search(status or "")


def superseded_but_accepted(records: Sequence[DocumentRecord]) -> list[AuditItem]:
    """Accepted records that a later record in effect supersedes or replaces."""
    by_id = {r.id: r for r in records}
    found: dict[tuple[str, str], AuditItem] = {}
    for record in records:
        for link in record.links:
            target = by_id.get(link.target)
            if target is None or target.id == record.id:
                continue
            if link.rel in SUPERSEDING:
                _flag_superseded(found, target, record)
            elif link.rel == "superseded_by":
                _flag_superseded(found, record, target)
    return list(found.values())


def _flag_superseded(
    found: dict[tuple[str, str], AuditItem], old: DocumentRecord, newer: DocumentRecord
) -> None:
    if (old.id, newer.id) in found or not is_binding(old.status) or not in_effect(newer.status):
        return
    if later(old, newer) is True:
        return  # "later" is part of the claim: an older record cannot have replaced it
    line, quote = status_line(old)
    mention = _mention_line(newer, old)
    other = ref(newer, *mention) if mention else ref(newer)
    found[(old.id, newer.id)] = AuditItem(
        kind="superseded_but_accepted",
        record=ref(old, line, quote),
        other=other,
        message=(
            f"{old.id} still says “{old.status}”, but {newer.id} ({newer.status or 'no status'}"
            f"{', ' + newer.date if newer.date else ''}) supersedes it. Readers and reviews "
            f"treat {old.id} as binding; mark it superseded by {newer.id}."
        ),
    )


def _mention_line(record: DocumentRecord, target: DocumentRecord) -> tuple[int, str] | None:
    """The line of `record` that names `target` (its id, file name or title), if any."""
    names = [target.id, PurePosixPath(target.path).stem, target.title]
    names = [n for n in names if n and len(n) >= 3 and n.lower() != "readme"]
    if not names:
        return None
    named = "|".join(re.escape(n) for n in names)
    # The line that says it (supersedes / replaces the target) beats one that only names it.
    stated = re.compile(rf"(?:supersed|replac|obsolet).*(?:{named})", re.IGNORECASE)
    text = record.text or ""
    return find_line(text, stated) or find_line(text, re.compile(named, re.IGNORECASE))


_MD_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_RECORD_FILE = re.compile(r"\.(?:md|markdown|mdx|txt)$", re.IGNORECASE)
# Typed links whose target reads as a record id: ADR-0009, kep-2433-topology, rfc-2476.
_ID_LIKE = re.compile(r"^(?:adr|kep|rfc|dl|retro|prd|spec|pep|mdr)[-_ ]?\d", re.IGNORECASE)


def broken_links(
    records: Sequence[DocumentRecord], file_exists: Callable[[str], bool]
) -> list[AuditItem]:
    """Relative links to record files that are not there, and supersession links (supersedes,
    replaces, superseded by) to ids that no indexed record carries.

    A "see also" to an id outside the index is not flagged: it may name another project's
    record, and it does not change which record binds. A supersession link does."""
    keys = _record_keys(records)
    paths = {_norm(r.path) for r in records}
    items: list[AuditItem] = []
    for record in records:
        text = record.text or ""
        seen: set[str] = set()
        # A record whose own file is not where it was indexed from (another folder, an upload)
        # cannot say where its relative links point: they are left unchecked.
        readable = file_exists(_norm(record.path))
        for n, line in enumerate(_prose_lines(text) if readable else [], start=1):
            for m in _MD_LINK.finditer(line):
                target = m.group(1).split("#", 1)[0]
                if not target or "://" in target or target.startswith(("mailto:", "/", "#")):
                    continue
                if not _RECORD_FILE.search(target) or target in seen:
                    continue
                resolved = _norm(str(PurePosixPath(record.path).parent / target))
                if resolved in paths or file_exists(resolved):
                    continue
                seen.add(target)
                why = f"no file at {resolved}"
                elsewhere = keys.get(PurePosixPath(target).stem.lower())
                if elsewhere is not None:
                    why += f" (a record of that name, {elsewhere.id}, is at {elsewhere.path})"
                items.append(_broken(record, n, line, target, why))
        for link in record.links:
            target = link.target
            if link.rel not in (*SUPERSEDING, "superseded_by") or target in seen:
                continue
            if not _ID_LIKE.match(target) or any(k in keys for k in _keys_of(target)):
                continue
            seen.add(target)
            found = find_line(text, re.compile(re.escape(target), re.IGNORECASE))
            at = found[0] if found else None
            line = found[1] if found else ""
            rel = link.rel.replace("_", " ")
            items.append(_broken(record, at, line, target, f"no indexed record has the id ({rel})"))
    return items


_NUMBERED = re.compile(r"^([a-z]+)[-_ ]?0*(\d+)\b")


def _keys_of(name: str) -> list[str]:
    """The ways a link may name a record: its id or file stem, and a numbered id's family and
    number (`KEP-2433` names `kep-2433-topology-aware-hints`)."""
    low = name.lower()
    keys = [low]
    m = _NUMBERED.match(low)
    if m:
        keys.append(f"{m.group(1)}-{m.group(2)}")
    return keys


def _record_keys(records: Sequence[DocumentRecord]) -> dict[str, DocumentRecord]:
    keys: dict[str, DocumentRecord] = {}
    for record in records:
        stem = PurePosixPath(record.path).stem
        if stem.lower() == "readme":
            stem = PurePosixPath(record.path).parent.name
        for key in _keys_of(record.id) + _keys_of(stem):
            keys.setdefault(key, record)
    return keys


def _broken(record: DocumentRecord, n: int | None, line: str, target: str, why: str) -> AuditItem:
    return AuditItem(
        kind="broken_link",
        record=ref(record, n, line),
        other=RecordRef(id=target),
        message=(
            f"{record.id} links to {target}: {why}. A reader who follows it finds nothing; "
            "fix the link or index the record it names."
        ),
    )


def _prose_lines(text: str) -> list[str]:
    """The text's lines without HTML comments or fenced code (examples are not links)."""
    out, in_fence = [], False
    for line in comment_free_lines(text.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            out.append("")
            continue
        out.append("" if in_fence else line)
    return out


def _norm(path: str) -> str:
    """A POSIX path with `.` and `..` folded (no file system access)."""
    parts: list[str] = []
    for part in PurePosixPath(path.replace("\\", "/")).parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part != ".":
            parts.append(part)
    return "/".join(parts).replace("//", "/")


_TITLE = re.compile(r"^\s*#{1,6}\s+\S")


_HANDLE = re.compile(r"(?<![\w.])@[A-Za-z0-9][\w-]*")


def _owners_listed(text: str) -> bool:
    """Whether the text lists people's handles under a who / owner / lead label ("Who are the
    initial shepherds/leaders?" then @names), a form the indexer's fields do not read."""
    return any(
        "ownership" in block.kinds and _HANDLE.search(block.text)
        for block in split_blocks(parse_spec(text))
    )


def missing_metadata(records: Sequence[DocumentRecord]) -> list[AuditItem]:
    """Records without the status, date or owner their kind calls for; one item a record."""
    items = []
    for record in records:
        have = {"status": record.status, "date": record.date, "owner": record.owners}
        missing = [f for f in REQUIRED_METADATA.get(record.kind, ()) if not have[f]]
        text = record.text or ""
        if "owner" in missing and _owners_listed(text):
            missing.remove("owner")
        if not missing:
            continue
        # The title is where a reader looks for the record's header block.
        heading = find_line(text, _TITLE, limit=80) or find_line(text, re.compile(r"\S"))
        line, quote = heading if heading else (None, "")
        items.append(
            AuditItem(
                kind="missing_metadata",
                record=ref(record, line, quote),
                short=f"no {_join(missing)}",
                message=(
                    f"{record.id} ({record.kind}) has no {_join(missing)}. "
                    + _why_metadata(missing)
                ),
            )
        )
    return items


def _why_metadata(missing: list[str]) -> str:
    reasons = {
        "status": "without a status nobody can tell whether it still binds",
        "date": "without a date nobody can tell which of two records is the later one",
        "owner": "without an owner nobody answers for it",
    }
    text = "; ".join(reasons[m] for m in missing)
    return text[0].upper() + text[1:] + "."


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
