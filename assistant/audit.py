"""History audit: what in the indexed records no longer tells the truth (pure; no I/O).

Five kinds of item, each citing the record at fault and, where there is one, the other record,
with lines:

- `superseded_but_accepted`: a record still says accepted (or approved, implemented...) while a
  later record in effect supersedes or replaces it, by a typed link or by retiring in so many
  words what the older record's title chose;
- `conflicting_decisions`: two accepted decision records whose rules contradict, found with the
  review's own conflict check run record against record;
- `broken_link`: a relative link to a record file that is not there, or a typed link
  (supersedes, replaces, see also) to a record id that nothing indexed carries;
- `missing_metadata`: no status, date or owner where the record's kind calls for one;
- `near_duplicate`: two records whose openings embed almost the same.

Precision comes first: an audit that cries wolf is ignored, so each kind flags only what it
can show. The caller reads the records and says which linked files exist (`file_exists`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from assistant.audit_model import (
    AUDIT_KINDS,
    KIND_LABELS,
    AuditItem,
    AuditKind,
    AuditReport,
    Flag,
    Progress,
    RecordRef,
    fingerprint,
)
from assistant.audit_pairs import conflicting_decisions, near_duplicates
from assistant.audit_retired import retired_but_accepted
from assistant.audit_single import broken_links, missing_metadata, superseded_but_accepted
from assistant.checks.base import History
from assistant.embed import Embedder
from assistant.models import DocumentRecord

__all__ = [
    "AUDIT_KINDS",
    "KIND_LABELS",
    "AuditItem",
    "AuditKind",
    "AuditReport",
    "Flag",
    "RecordRef",
    "fingerprint",
    "run_audit",
]


def run_audit(
    records: Sequence[DocumentRecord],
    *,
    file_exists: Callable[[str], bool],
    history: History | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    kinds: Sequence[AuditKind] = AUDIT_KINDS,
) -> AuditReport:
    """Audit records read with their text. Without a history the conflicts are skipped, and
    without a semantic embedder the near-duplicates, each with the reason in `skipped`."""
    started = time.perf_counter()
    items: list[AuditItem] = []
    skipped: list[str] = []
    if "superseded_but_accepted" in kinds:
        linked = superseded_but_accepted(records)
        pairs = {(i.record.id, i.other.id if i.other else "") for i in linked}
        items += linked + [
            i
            for i in retired_but_accepted(records)
            if (i.record.id, i.other.id if i.other else "") not in pairs
        ]
    if "broken_link" in kinds:
        items += broken_links(records, file_exists)
        away = sum(1 for r in records if not file_exists(r.path))
        if away:
            skipped.append(
                f"broken_link: {away} of {len(records)} records are not at their indexed paths "
                "from here (run the audit where `specreview index` ran); their relative links "
                "were not checked"
            )
    if "missing_metadata" in kinds:
        items += missing_metadata(records)
    semantic = embedder is not None and not embedder.name.startswith("hashing")
    if "conflicting_decisions" in kinds:
        if history is None:
            skipped.append("conflicting_decisions: no indexed history to search")
        else:
            items += conflicting_decisions(
                records, history=history, embedder=embedder if semantic else None, progress=progress
            )
    if "near_duplicate" in kinds:
        if embedder is None or not semantic:
            skipped.append("near_duplicate: needs the semantic embedder (minilm)")
        else:
            items += near_duplicates(records, embedder=embedder, progress=progress)
    order = {kind: n for n, kind in enumerate(AUDIT_KINDS)}
    items.sort(key=lambda i: (order[i.kind], i.record.id, i.other.id if i.other else ""))
    return AuditReport(
        records=len(records),
        items=items,
        skipped=skipped,
        seconds=round(time.perf_counter() - started, 2),
        fingerprint=fingerprint(records),
    )
