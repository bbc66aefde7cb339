"""The Library page's audit badges: what `specreview audit` last found in this store, and what
can be told from the records' metadata alone on every visit."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError

from assistant.audit import AuditKind, AuditReport, Flag, fingerprint, run_audit
from assistant.audit_model import SAVED_REPORT
from assistant.config import Settings
from assistant.models import DocumentRecord

log = logging.getLogger("specreview.api.audit")

# From metadata alone (no text, no model): cheap enough for every page view.
QUICK_KINDS: tuple[AuditKind, ...] = ("superseded_but_accepted", "broken_link", "missing_metadata")


def saved_report(settings: Settings, records: list[DocumentRecord]) -> AuditReport | None:
    """The last `specreview audit` of this embedded store, if the store still holds what it
    audited; None otherwise (a server store, no audit yet, or documents changed since)."""
    if settings.chroma_url:
        return None
    path = Path(settings.store_path) / SAVED_REPORT
    try:
        report = AuditReport.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return None
    return report if report.fingerprint == fingerprint(records) else None


def library_flags(
    settings: Settings, records: list[DocumentRecord]
) -> tuple[dict[str, list[Flag]], AuditReport | None]:
    """Badges per record id, and the saved full audit they include (None: metadata only)."""
    saved = saved_report(settings, records)
    if saved is not None:
        return saved.flags(), saved
    quick = run_audit(records, file_exists=lambda _: True, kinds=QUICK_KINDS)
    return quick.flags(), None
