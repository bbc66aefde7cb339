"""Suppression: inline `<!-- specreview: ignore CODE -->` markers and [review] configuration.

A marker before the first heading (front matter included) or written as `ignore-file` applies
to the whole file. Anywhere else it applies to the
block right below it: the section when the next line is a heading, else the paragraph or list.
`ignore all` (or `*`) ignores every code there. Configuration can enable or disable checks,
override severities, and drop findings under a per-code confidence threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.config import ReviewConfig
from assistant.markdown import ParsedSpec
from assistant.models import Finding

MARKER = re.compile(
    r"<!--\s*specreview\s*:\s*(ignore-file|ignore)\s+([\w*,\s-]+?)\s*-->", re.IGNORECASE
)
_HEADING = re.compile(r"^ {0,3}#{1,6}\s")


@dataclass
class Suppressions:
    """Codes ignored for the whole file, and (code, first line, last line) ranges."""

    file_codes: set[str] = field(default_factory=set)
    ranges: list[tuple[str, int, int]] = field(default_factory=list)

    def covers(self, finding: Finding) -> bool:
        codes = {finding.code, "all", "*"}
        if self.file_codes & codes:
            return True
        if finding.span is None:
            return False
        return any(
            code in codes and start <= finding.span.start_line <= end
            for code, start, end in self.ranges
        )


def _block_after(spec: ParsedSpec, line: int) -> tuple[int, int]:
    """The block a marker on `line` (1-based) governs: a section or a paragraph."""
    lines = spec.lines
    n = line + 1
    while n <= len(lines) and (not lines[n - 1].strip() or MARKER.search(lines[n - 1])):
        n += 1
    if n > len(lines):
        return line, line
    if _HEADING.match(lines[n - 1]):
        for section in spec.sections:
            if section.start_line == n:
                return n, section.end_line
    end = n
    while end + 1 <= len(lines) and lines[end].strip() and not _HEADING.match(lines[end]):
        end += 1
    return n, end


def _header_end(spec: ParsedSpec) -> int:
    """Last line before the first heading (front matter included); 0 if the file starts with one."""
    headings = [s for s in spec.sections if s.level > 0]
    if not headings:
        return spec.front_matter_end
    return max(headings[0].start_line - 1, spec.front_matter_end)


def parse_markers(spec: ParsedSpec) -> Suppressions:
    """Read every suppression marker in the draft."""
    found = Suppressions()
    header_end = _header_end(spec)
    for number, text in enumerate(spec.lines, start=1):
        for match in MARKER.finditer(text):
            kind = match.group(1).lower()
            codes = {c.lower() for c in re.split(r"[\s,]+", match.group(2)) if c}
            if kind == "ignore-file" or number <= header_end:
                found.file_codes |= codes
            else:
                start, end = _block_after(spec, number)
                found.ranges.extend((code, start, end) for code in codes)
    return found


# Precision first: a finding is raised only when its check is at least this confident, unless
# `[review] thresholds` says otherwise for its code (or "default" for every code). Confidence
# is calibrated on real documents: the reliability table in evals/reports/review-real-dev.md.
DEFAULT_MIN_CONFIDENCE = 0.6


def apply_config(findings: list[Finding], config: ReviewConfig) -> tuple[list[Finding], list[str]]:
    """Apply enabled/disabled checks, severity overrides and confidence thresholds."""
    kept: list[Finding] = []
    dropped: list[str] = []
    for finding in findings:
        if not code_enabled(finding.code, config):
            dropped.append(finding.code)
            continue
        threshold = config.thresholds.get(
            finding.code, config.thresholds.get("default", DEFAULT_MIN_CONFIDENCE)
        )
        if finding.confidence < threshold:
            dropped.append(finding.code)
            continue
        severity = config.severities.get(finding.code)
        kept.append(finding.model_copy(update={"severity": severity}) if severity else finding)
    return kept, dropped


def code_enabled(code: str, config: ReviewConfig) -> bool:
    if code in config.disabled_checks:
        return False
    return config.enabled_checks is None or code in config.enabled_checks


def suppress(
    findings: list[Finding], spec: ParsedSpec, config: ReviewConfig
) -> tuple[list[Finding], list[str]]:
    """Findings left after markers and configuration, and what was suppressed (code@line)."""
    markers = parse_markers(spec)
    kept, dropped = apply_config(findings, config)
    out: list[Finding] = []
    suppressed = [f"{code} (config)" for code in dropped]
    for finding in kept:
        if markers.covers(finding):
            where = f"@{finding.span.start_line}" if finding.span else ""
            suppressed.append(f"{finding.code}{where} (inline marker)")
        else:
            out.append(finding)
    return out, suppressed
