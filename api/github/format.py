"""The bot's markdown: inline comment bodies, the review body, the summary comment, the check
output and the reply to `/specreview ask`. Per-finding markdown comes from assistant.render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from api.github.markers import (
    SUMMARY_MARKER,
    OpenFinding,
    SummaryState,
    finding_marker,
    state_marker,
)
from assistant.models import SEVERITY_ORDER, Answer, Finding, LLMStatus
from assistant.render import CODE_NAMES, md_escape, render_finding_markdown

_ICON = {"high": "🔴", "medium": "🟠", "low": "🟡", "info": "⚪"}


@dataclass
class PlacedFinding:
    """A finding of one file, with where the bot can put it."""

    path: str
    finding: Finding
    line: int | None = None  # a diff line to comment on; None = not commentable inline
    start_line: int | None = None  # first line of a multi-line comment


@dataclass
class RunOutcome:
    """Everything the summary and check report about one run."""

    findings: list[PlacedFinding] = field(default_factory=list)
    resolved: dict[str, OpenFinding] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # files the bot crashed on: the check fails
    # findings raised again but dismissed on their file (on any surface), as the review says
    dismissed: list[str] = field(default_factory=list)
    llm: LLMStatus | None = None
    conclusion: str = "success"
    fail_on: str | None = None
    head_sha: str = ""


def _where(p: PlacedFinding) -> str:
    f = p.finding
    if f.span is None:
        return f"`{md_escape(p.path)}` (missing section)"
    return f"`{md_escape(p.path)}` line {f.span.start_line}"


def dismiss_hint(finding: Finding) -> str:
    """How to dismiss a recorded finding from the pull request ("" when it was not recorded)."""
    if finding.id is None:
        return ""
    return (
        f"<sub>Finding {finding.id}. Not right? Comment `/specreview dismiss {finding.id} wrong` "
        "(or `not_applicable`, `wont_fix`), or react 👎 to this comment.</sub>"
    )


def inline_body(finding: Finding) -> str:
    """An inline review comment: the finding's markdown, how to dismiss it, and its
    fingerprint marker."""
    hint = dismiss_hint(finding)
    body = render_finding_markdown(finding).rstrip() + ("\n\n" + hint if hint else "")
    return body + "\n\n" + finding_marker(finding.fingerprint)


def review_body(
    *,
    absences: Sequence[PlacedFinding],
    overflow: Sequence[PlacedFinding],
    n_inline: int,
) -> str:
    """The review's body: absent sections with the stub to add, and findings over the cap."""
    total = n_inline + len(absences) + len(overflow)
    parts = [f"**specreview** found {total} new finding(s)."]
    if absences:
        parts.append("### Missing from the spec")
        for p in absences:
            after = p.finding.insert_after_line
            place = f" (add after line {after})" if after else ""
            hint = dismiss_hint(p.finding)
            parts.append(
                f"#### `{md_escape(p.path)}`{place}\n\n"
                + render_finding_markdown(p.finding).rstrip()
                + ("\n\n" + hint if hint else "")
                + "\n"
                + finding_marker(p.finding.fingerprint)
            )
    if overflow:
        parts.append(f"### {len(overflow)} more finding(s) not shown inline")
        for p in overflow:
            f = p.finding
            parts.append(
                f"- {_ICON.get(f.severity, '')} **{md_escape(f.title)}** (`{f.code}`, "
                f"{_where(p)}): {md_escape(f.message)} {finding_marker(f.fingerprint)}"
            )
    return "\n\n".join(parts) + "\n"


def summary_body(outcome: RunOutcome) -> str:
    """The single summary comment, edited in place on every run."""
    found, lines = _summary_lines(outcome)
    state = SummaryState(
        open={
            p.finding.fingerprint: OpenFinding(
                code=p.finding.code,
                title=p.finding.title,
                path=p.path,
                severity=p.finding.severity,
            )
            for p in found
        }
    )
    return "\n".join([SUMMARY_MARKER, *lines, state_marker(state)]) + "\n"


def job_summary_body(outcome: RunOutcome, *, note: str) -> str:
    """The Action's job summary where it may not comment (a pull request from a fork): the
    summary comment's table, then each finding in full, as its inline comment would say it."""
    found, lines = _summary_lines(outcome)
    lines[1:1] = [f"> {note}", ""]
    if found:
        lines += ["### Findings", ""]
        for p in found:
            lines += [f"#### {_where(p)}", "", render_finding_markdown(p.finding).rstrip(), ""]
    return "\n".join(lines) + "\n"


def _summary_lines(outcome: RunOutcome) -> tuple[list[PlacedFinding], list[str]]:
    """The findings, most severe first, and the summary's markdown lines (no markers)."""
    found = sorted(
        outcome.findings,
        key=lambda p: (
            -SEVERITY_ORDER.get(p.finding.severity, 0),
            p.path,
            p.finding.span.start_line if p.finding.span else 10**9,
        ),
    )
    counts = {s: sum(1 for p in found if p.finding.severity == s) for s in _ICON}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"
    lines = ["## specreview summary", ""]
    if outcome.head_sha:
        lines.append(f"Reviewed `{outcome.head_sha[:7]}`: {len(outcome.files)} spec file(s).")
    lines += [
        f"**{len(found)} open finding(s)** ({tally}). Check: **{outcome.conclusion}**"
        + (f" (fails on {outcome.fail_on} and above)." if outcome.fail_on else "."),
        "",
    ]
    if outcome.llm is not None:
        lines += [f"_{outcome.llm.banner}_", ""]
    if found:
        lines += ["| | finding | where |", "|---|---|---|"]
        for p in found:
            f = p.finding
            name = CODE_NAMES.get(f.code, f.code)
            kind = "" if name.lower() == f.title.lower() else f" ({md_escape(name)})"
            inline = "" if p.line is not None or f.span is None else " (outside this diff)"
            lines.append(
                f"| {_ICON.get(f.severity, '')} {f.severity} | **{md_escape(f.title)}**{kind} "
                f"| {_where(p)}{inline} |"
            )
        lines.append("")
    if outcome.resolved:
        lines += ["### Resolved since the last review", ""]
        for old in outcome.resolved.values():
            lines.append(f"- ✅ ~~{md_escape(old.title)}~~ (`{old.code}`, `{md_escape(old.path)}`)")
        lines.append("")
    if outcome.dismissed:
        lines += ["### Dismissed (not raised again until their text changes)", ""]
        lines += [f"- 🔕 {md_escape(entry)}" for entry in outcome.dismissed]
        lines.append("")
    if outcome.failed:
        lines += ["**Could not review** (the check fails until these are reviewed):", ""]
        lines += [f"- ❌ {md_escape(reason)}" for reason in outcome.failed]
        lines.append("")
    if outcome.skipped:
        lines += ["<sub>Skipped: " + md_escape("; ".join(outcome.skipped)) + "</sub>", ""]
    return found, lines


def check_output(outcome: RunOutcome) -> tuple[str, str]:
    """The check run's title and summary."""
    n = len(outcome.findings)
    title = f"{n} finding(s) in {len(outcome.files)} spec file(s)"
    if outcome.failed:
        title = f"could not review {len(outcome.failed)} spec file(s); {title}"
    if outcome.fail_on:
        title += f"; fails on {outcome.fail_on}"
    high = sorted(
        (p for p in outcome.findings if p.finding.severity in ("high", "medium")),
        key=lambda p: -SEVERITY_ORDER[p.finding.severity],
    )
    body = [f"- could not review {reason}" for reason in outcome.failed]
    body += [f"- {p.finding.severity}: {p.finding.title} ({_where(p)})" for p in high[:50]]
    return title, "\n".join(body) or "No medium or high findings."


def answer_body(answer: Answer) -> str:
    """The reply to `/specreview ask`: the answer, then numbered citations."""
    lines = [f"> {md_escape(answer.question)}", ""]
    if answer.refused:
        lines.append(answer.text or "I could not find this in the indexed decisions.")
        if answer.possibly_related:
            lines += ["", "Possibly related:"]
            lines += [
                f"- **{md_escape(r.id)}** {md_escape(r.title)}"
                + (f" (`{r.path}`)" if r.path else "")
                for r in answer.possibly_related
            ]
    else:
        lines.append(answer.text)
        if answer.citations:
            lines += ["", "Sources:"]
            for c in answer.citations:
                status = f", {c.status}" if c.status else ""
                where = f" `{c.path}` lines {c.start_line}-{c.end_line}" if c.path else ""
                head = f"{c.n}. **{md_escape(c.doc_id)}**{status}"
                lines.append(f"{head}: {md_escape(c.title)}{where}")
    lines += ["", f"<sub>{md_escape(answer.llm.banner)}</sub>"]
    return "\n".join(lines) + "\n"
