"""History audit, record against record: accepted decisions that contradict each other, and
near-duplicate records (pure; the history and the embedder are passed in)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from assistant.audit_model import AuditItem, Progress, RecordRef, find_line, ref
from assistant.checks.base import History, ReviewContext
from assistant.checks.history import ConflictCheck
from assistant.checks.history_common import DraftText, cites, excerpt, is_binding
from assistant.checks.history_retrieval import candidates, topical_similarity
from assistant.checks.history_text import content_stems, decision_rules
from assistant.embed import Embedder
from assistant.markdown import parse_spec
from assistant.models import DocumentRecord
from assistant.prose import scaffolding_free_lines

# The review's gate is 0.3: a draft is new text. Two records of one history share a vocabulary,
# so a pair must be clearly on one topic before a contradiction between them is believed.
CONFLICT_MIN_SIMILARITY = 0.5
DUPLICATE_MIN_SIMILARITY = 0.95
DUPLICATE_CHARS = 1500  # the opening of a record: its title, context and decision
_EMBED_BATCH = 32


def linked_pairs(records: Sequence[DocumentRecord]) -> set[frozenset[str]]:
    """Pairs of records joined by a typed link (supersedes, replaces, see also): they know of
    each other, so neither a contradiction nor a likeness between them is news."""
    return {frozenset((r.id, link.target)) for r in records for link in r.links}


def conflicting_decisions(
    records: Sequence[DocumentRecord],
    *,
    history: History,
    embedder: Embedder | None,
    progress: Progress | None = None,
    min_similarity: float = CONFLICT_MIN_SIMILARITY,
) -> list[AuditItem]:
    """Pairs of accepted decision records where one does what the other rules out.

    Each accepted record is read as a draft by the review's conflict check (its retrieval, its
    lexical evidence, its topical gate); the other record must be accepted too, and neither
    may cite or link the other (a record that names another engages with it)."""
    check = ConflictCheck(embedder=embedder)
    binding = [r for r in records if r.kind == "decision" and is_binding(r.status) and r.text]
    linked = linked_pairs(records)
    found: dict[frozenset[str], AuditItem] = {}
    for done, record in enumerate(binding):
        if progress is not None:
            progress("conflicting decisions", done, len(binding))
        text = record.text or ""
        ctx = ReviewContext(
            spec=parse_spec(text), path=record.path, history=history, doc_type="decision"
        )
        draft = DraftText.of(ctx)
        for other in candidates(ctx, "decision")[: check.max_records + 1]:
            pair = frozenset((record.id, other.id))
            if other.id == record.id or pair in found or pair in linked:
                continue
            if not is_binding(other.status) or not other.text:
                continue
            if draft.cites(other.id, other.title) or cites(
                other.text.lower(), record.id, record.title
            ):
                continue
            rules = decision_rules(other.text)
            ev = check.evidence(draft, other, rules)
            if ev is None:
                continue
            similarity = topical_similarity(ctx, embedder, " ".join(rules) or other.text)
            if similarity < min_similarity:
                continue
            line, quote = _best_line(other.text, ev.rule)
            why = ev.why.replace("{record}", other.id)
            found[pair] = AuditItem(
                kind="conflicting_decisions",
                record=RecordRef(
                    id=record.id,
                    title=record.title,
                    path=record.path,
                    status=record.status,
                    line=ev.unit.start_line,
                    end_line=ev.unit.end_line,
                    quote=excerpt(ev.unit.text, 200),
                ),
                other=RecordRef(
                    id=other.id,
                    title=other.title,
                    path=other.path,
                    status=other.status,
                    line=line,
                    quote=quote.strip()[:200],
                ),
                message=(
                    f"{record.id} ({record.status}) {why}: {other.id} ({other.status}) says "
                    f"“{excerpt(ev.rule)}”. Both are accepted and neither cites the other; "
                    "supersede one, or say how they fit together."
                ),
                confidence=round(min(1.0, ev.strength) * min(1.0, similarity / 0.7), 2),
            )
    if progress is not None:
        progress("conflicting decisions", len(binding), len(binding))
    return list(found.values())


def _best_line(text: str, rule: str) -> tuple[int | None, str]:
    """The line of a record that shares most words with a rule taken from it."""
    wanted = set(content_stems(rule))
    best, best_n, best_line = 0, None, ""
    for n, line in enumerate(text.split("\n"), start=1):
        shared = len(wanted & set(content_stems(line)))
        if shared > best:
            best, best_n, best_line = shared, n, line
    return best_n, best_line


def record_opening(record: DocumentRecord, boilerplate: frozenset[str] = frozenset()) -> str:
    """The title and the opening prose of a record, without template comments, a TOC or the
    lines its template shares with other records."""
    lines = scaffolding_free_lines((record.text or "").split("\n"))
    kept = [line for line in lines if line.strip() and _line_key(line) not in boilerplate]
    return f"{record.title}. " + " ".join(" ".join(kept).split())[:DUPLICATE_CHARS]


def _line_key(line: str) -> str:
    return " ".join(line.lower().split())


def shared_lines(records: Sequence[DocumentRecord], min_records: int = 3) -> frozenset[str]:
    """Lines that appear in `min_records` records or more: a template's checklist and headings,
    which make records of one template look alike whatever they say."""
    counts: dict[str, int] = {}
    for record in records:
        lines = scaffolding_free_lines((record.text or "").split("\n"))
        for key in {_line_key(line) for line in lines if line.strip()}:
            counts[key] = counts.get(key, 0) + 1
    return frozenset(key for key, n in counts.items() if n >= min_records)


def near_duplicates(
    records: Sequence[DocumentRecord],
    *,
    embedder: Embedder,
    progress: Progress | None = None,
    min_similarity: float = DUPLICATE_MIN_SIMILARITY,
) -> list[AuditItem]:
    """Pairs of records whose openings embed almost the same: one story told twice."""
    with_text = [r for r in records if (r.text or "").strip()]
    boilerplate = shared_lines(with_text)
    vectors: list[list[float]] = []
    for start in range(0, len(with_text), _EMBED_BATCH):
        if progress is not None:
            progress("near-duplicates", start, len(with_text))
        batch = with_text[start : start + _EMBED_BATCH]
        vectors.extend(
            _unit(v) for v in embedder.embed([record_opening(r, boilerplate) for r in batch])
        )
    if progress is not None:
        progress("near-duplicates", len(with_text), len(with_text))
    linked = linked_pairs(records)
    items = []
    for i, first in enumerate(with_text):
        for j in range(i + 1, len(with_text)):
            second = with_text[j]
            similarity = sum(a * b for a, b in zip(vectors[i], vectors[j], strict=True))
            if similarity < min_similarity or frozenset((first.id, second.id)) in linked:
                continue
            items.append(
                AuditItem(
                    kind="near_duplicate",
                    record=ref(first, *_title_line(first)),
                    other=ref(second, *_title_line(second)),
                    message=(
                        f"{first.id} and {second.id} open almost the same way (similarity "
                        f"{similarity:.2f}): one story told twice drifts apart. Keep one and "
                        "mark the other superseded by it, or say how they differ."
                    ),
                    confidence=round(similarity, 3),
                )
            )
    return items


def _title_line(record: DocumentRecord) -> tuple[int | None, str]:
    found = find_line(record.text or "", re.compile(r"^\s*#{1,6}\s+\S"), limit=80)
    return found if found else (None, "")


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]
