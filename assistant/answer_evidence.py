"""Evidence for answers, built from the store's chunks and records (pure): numbered passages,
their citations, supersede notes, and a record's metadata in words."""

from __future__ import annotations

from assistant.answer import Evidence
from assistant.links import SUCCESSOR_RELS
from assistant.models import Chunk, Citation, DocumentRecord


def metadata_text(record: DocumentRecord) -> str:
    values: list[str] = [*record.owners]
    for value in record.extra.values():
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values.extend(v for v in value if isinstance(v, str))
    return " ".join(v.replace("sig-", "sig ") for v in values)


# Metadata a reader asks about (who owns it, when it moved), in the order they are printed.
META_KEYS = ("owning-sig", "participating-sigs", "stage", "latest-milestone", "deciders")


def metadata_line(record: DocumentRecord) -> str:
    """A record's metadata in one line: status, date, owners, owning group, stage."""
    parts = [f"status {record.status}" if record.status else "", record.date or ""]
    if record.owners:
        parts.append("owners " + ", ".join(record.owners))
    for key in META_KEYS:
        value = record.extra.get(key)
        if value:
            parts.append(f"{key} " + (value if isinstance(value, str) else ", ".join(value)))
    return "; ".join(p for p in parts if p)


def passage_span(e: Evidence) -> tuple[str, int, int]:
    return (e.doc_id, e.start_line, e.end_line)


def evidence_from(n: int, chunk: Chunk) -> Evidence:
    return Evidence(
        n=n,
        doc_id=chunk.doc_id,
        title=chunk.title,
        kind=chunk.kind,
        status=chunk.status,
        date=chunk.date,
        path=chunk.path,
        start_line=chunk.start_line,
        end_line=chunk.end_line,
        heading_path=chunk.heading_path,
        text=chunk.text,
    )


def supersede_note(source: Evidence, rel: str, target: Evidence) -> str:
    details = ", ".join(filter(None, [source.status, source.date]))
    status = f" ({details})" if details else ""
    if rel in SUCCESSOR_RELS:
        return f"{source.doc_id}{status} [{source.n}] was replaced by {target.doc_id} [{target.n}]."
    return f"{source.doc_id}{status} [{source.n}] replaced {target.doc_id} [{target.n}]."


def citation(e: Evidence) -> Citation:
    return Citation(
        n=e.n,
        doc_id=e.doc_id,
        title=e.title,
        status=e.status,
        kind=e.kind,
        path=e.path,
        start_line=e.start_line,
        end_line=e.end_line,
        quote=e.text[:600],
    )
