"""The Reviewer: parse → checks → suppression → stages (the LLM pass) → fingerprints → dedupe.

Offline by default: the checks use the text itself, the local embedding model and, when a
history is given, retrieval over the team's records. Each later stage (such as the LLM pass)
gets the findings and the LLM status; a stage that fails marks the status degraded and the
offline findings are kept.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from assistant.anchors import fingerprint, normalise, span_for_lines
from assistant.checks.acceptance import AcceptanceCheck
from assistant.checks.base import Check, History, ReviewContext, ReviewStage
from assistant.checks.history import ConflictCheck, LessonCheck
from assistant.checks.metric import MetricCheck
from assistant.checks.ownership import OwnershipCheck
from assistant.checks.questions import QuestionsCheck
from assistant.checks.registry import HISTORY_CODES, applies
from assistant.checks.rules import RuleCheck
from assistant.checks.scope import ScopeCheck
from assistant.checks.why import WhyCheck
from assistant.config import ReviewConfig
from assistant.doctype import TypeVerdict, detect_type, type_for_path
from assistant.embed import Embedder
from assistant.errors import InputError, SpecreviewError
from assistant.markdown import ParsedSpec, parse_spec
from assistant.models import (
    SEVERITY_ORDER,
    Coverage,
    DocType,
    Finding,
    HistoryStatus,
    LLMStatus,
    Review,
)
from assistant.sidecar import read_sidecar
from assistant.suppress import code_enabled, suppress
from assistant.textfile import decode_text, read_regular_file, refuse_binary, shown

MAX_FILE_BYTES = 20_000_000  # review_file refuses larger files outright
MAX_REVIEW_CHARS = 200_000  # about 30,000 words; the rest is skipped and reported in coverage
NOTHING_INDEXED = (
    "nothing is indexed (index your decision records and retros: `specreview index PATH` "
    "or the Library page)"
)


def default_checks(embedder: Embedder | None = None) -> list[Check]:
    """Every check, offline: the text checks here and the history checks (conflicts, lessons).

    The text checks are lexical and structural. Similarity to exemplar sentences with the
    local MiniLM model was measured on review-dev and did not separate real whys from
    restatements (problem-share 0.33-1.00 for drafts with a why, 0.00-1.00 without) while
    costing 0.2-1.9 s a draft, so the embedder only serves the history checks' similarity
    gate; the hashing test embedder is not semantic and is not passed on.
    """
    semantic = embedder is not None and not embedder.name.startswith("hashing")
    checks: list[Check] = [
        WhyCheck(),
        AcceptanceCheck(),
        OwnershipCheck(),
        MetricCheck(),
        ScopeCheck(),
        QuestionsCheck(),
    ]
    dense = embedder if semantic else None  # the history gate needs semantics
    # cast: their `codes` is inferred as tuple[str]; annotating it tuple[str, ...] removes this.
    checks += cast("list[Check]", [ConflictCheck(embedder=dense), LessonCheck(embedder=dense)])
    return checks  # which of them run is each review's configuration's say


class Reviewer:
    """Reviews a draft spec; offline unless a stage (the LLM pass) is configured."""

    def __init__(
        self,
        *,
        checks: Sequence[Check] | None = None,
        stages: Sequence[ReviewStage] = (),
        history: History | None = None,
        config: ReviewConfig | None = None,
        embedder: Embedder | None = None,
        history_unavailable: str | None = None,
    ) -> None:
        # The configuration a review gets when its caller passes none (a repository's own
        # .specreview.toml is passed per call: one Reviewer serves every repository).
        self.config = config or ReviewConfig()
        self.checks = list(checks) if checks is not None else default_checks(embedder)
        self.stages = list(stages)
        self.history = history
        # The team's [[rules]] come with each review's configuration; judged with this model.
        self.rule_check = RuleCheck(embedder) if embedder is not None else None
        # Why `history` is None (the store unreachable, say); the review reports it.
        self.history_unavailable = history_unavailable or NOTHING_INDEXED

    def review_file(
        self, path: Path, *, doc_type: DocType | None = None, config: ReviewConfig | None = None
    ) -> Review:
        """Read and review one file; InputError for missing, huge, binary or non-UTF-8 files.

        A KEP's README.md is reviewed with the kep.yaml beside it (owning SIG, approvers).
        """
        data = read_regular_file(path, max_bytes=MAX_FILE_BYTES)
        sidecar, sidecar_error = read_sidecar(path)
        return self.review_text(
            decode_text(data, name=shown(path)),
            path=str(path),
            doc_type=doc_type,
            sidecar=sidecar,
            sidecar_error=sidecar_error,
            config=config,
        )

    def review_text(
        self,
        text: str,
        *,
        path: str = "<draft>",
        doc_type: DocType | None = None,
        sidecar: dict[str, object] | None = None,
        sidecar_error: str | None = None,
        config: ReviewConfig | None = None,
    ) -> Review:
        """Review draft text. Huge drafts are reviewed up to a bound; coverage says the rest.

        `doc_type` is the caller's word on the type (`--type`, an API field); front matter
        `type:` still wins, and without either the type is detected (doctype.py).
        """
        started = time.perf_counter()
        if not text.strip():
            raise InputError(f"{path} is empty; write the draft (markdown or plain text) first")
        refuse_binary(text, path)
        skipped: list[str] = []
        total_lines = text.count("\n") + 1
        if len(text) > MAX_REVIEW_CHARS:
            size = len(text)
            cut = text.rfind("\n", 0, MAX_REVIEW_CHARS)
            text = text[: cut if cut > 0 else MAX_REVIEW_CHARS]
            kept_lines = text.count("\n") + 1
            where = (
                f"lines {kept_lines + 1}-{total_lines}"
                if cut > 0
                else f"characters {len(text) + 1:,}-{size:,} of line {kept_lines}"
                + (f" and lines {kept_lines + 1}-{total_lines}" if total_lines > kept_lines else "")
            )
            skipped.append(
                f"{where}: too large (only the first {MAX_REVIEW_CHARS:,} characters of a draft "
                "are reviewed)"
            )
        spec = parse_spec(text)
        if spec.front_matter_error:
            skipped.append(f"front matter: {spec.front_matter_error}")
        if sidecar_error:
            skipped.append(sidecar_error)
        config = config or self.config
        verdict = self._type_of(spec, path, doc_type, sidecar, config)
        ctx = ReviewContext(
            spec=spec,
            path=path,
            config=config,
            history=self.history,
            doc_type=verdict.doc_type,
            sidecar=sidecar or {},
        )
        failed: list[str] = []  # codes of checks that raised (the store failed mid-review)
        findings = self._run_checks(ctx, skipped, failed)
        findings, suppressed = suppress(findings, spec, config)
        status = LLMStatus()
        for stage in self.stages:
            before = list(findings)
            try:
                findings = stage.apply(ctx, list(findings), status)
            except Exception as exc:  # a failing stage must never lose the offline review
                status.mode = "degraded"
                status.reason = f"{type(exc).__name__}: {exc}"[:300]
                findings = before
        findings, more = suppress(findings, spec, config)
        # A model may add a code that does not apply to this type; it is dropped like any other.
        findings = [f for f in findings if applies(f.code, verdict.doc_type)]
        findings = _dedupe([_anchored(f, spec) for f in findings])
        return Review(
            path=path,
            doc_type=verdict.doc_type,
            doc_type_source=verdict.source,
            findings=findings,
            coverage=Coverage(
                sections_read=[s.path_label for s in spec.sections],
                # The rules read everything kept; parts the model could not read are a gap too.
                skipped=skipped + [f"LLM pass, {part}" for part in status.not_covered],
                lines=len(spec.lines),
                words=len(text.split()),
            ),
            llm=status,
            history=self._history_status(verdict.doc_type, failed, config),
            suppressed=list(dict.fromkeys(suppressed + more)),
            seconds=round(time.perf_counter() - started, 4),
        )

    def _type_of(
        self,
        spec: ParsedSpec,
        path: str,
        doc_type: DocType | None,
        sidecar: dict[str, object] | None,
        config: ReviewConfig,
    ) -> TypeVerdict:
        if doc_type is not None:
            return detect_type(spec, path, override=doc_type, override_source="--type")
        configured = type_for_path(path, config.types) if config.types else None
        return detect_type(
            spec, path, override=configured, override_source="config", sidecar=sidecar
        )

    def _history_status(
        self, doc_type: DocType, failed: list[str], config: ReviewConfig
    ) -> HistoryStatus:
        wanted = [c for c in HISTORY_CODES if applies(c, doc_type) and code_enabled(c, config)]
        if not wanted or not any(set(wanted) & set(check.codes) for check in self.checks):
            return HistoryStatus()  # they do not apply here: nothing to report
        if self.history is None:
            return HistoryStatus(skipped_reason=self.history_unavailable)
        if set(wanted) & set(failed):
            return HistoryStatus(skipped_reason="the store failed during the review (see skipped)")
        return HistoryStatus(checked=True)

    def _run_checks(
        self, ctx: ReviewContext, skipped: list[str], failed: list[str]
    ) -> list[Finding]:
        findings: list[Finding] = []
        for check in self.checks:
            wanted = [c for c in check.codes if applies(c, ctx.doc_type)]
            if not any(code_enabled(code, ctx.config) for code in wanted):
                continue  # a check that does not apply to this type never runs on it
            try:
                findings.extend(f for f in check.run(ctx) if applies(f.code, ctx.doc_type))
            except SpecreviewError as exc:  # e.g. the store is unreachable for history checks
                skipped.append(f"check {', '.join(check.codes)}: {exc}")
                failed.extend(check.codes)
        if ctx.config.rules and self.rule_check is None:
            skipped.append("team rules: no embedding model to judge them offline")
        elif ctx.config.rules and self.rule_check is not None:
            try:
                findings.extend(self.rule_check.run(ctx))
            except SpecreviewError as exc:  # the embedding model failed to load
                skipped.append(f"team rules: {exc}")
        return findings


def _anchored(finding: Finding, spec: ParsedSpec) -> Finding:
    """Quotes always come from the text at the span's lines; then the stable fingerprint."""
    span = finding.span
    if span is not None:
        exact = span_for_lines(spec, span.start_line, span.end_line)
        precise = normalise(span.quote) and normalise(span.quote) in normalise(exact.quote)
        span = exact.model_copy(update={"quote": span.quote}) if precise else exact
    # The first line of the quote (a heading, a field, a sentence) keeps the id stable while
    # the rest of a section is edited.
    quote = next((line for line in (span.quote if span else "").split("\n") if line.strip()), "")
    return finding.model_copy(
        update={"span": span, "fingerprint": fingerprint(finding.code, finding.section, quote)}
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per fingerprint (the most severe), ordered by position then severity."""
    best: dict[str, Finding] = {}
    for finding in findings:
        kept = best.get(finding.fingerprint)
        if kept is None or SEVERITY_ORDER[finding.severity] > SEVERITY_ORDER[kept.severity]:
            best[finding.fingerprint] = finding
    return sorted(
        best.values(),
        key=lambda f: (f.span.start_line if f.span else 0, -SEVERITY_ORDER[f.severity], f.code),
    )
