"""Review → terminal (rich), JSON, markdown (PR comments, "copy as markdown") and SARIF 2.1.0."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from assistant.checks.registry import CODE_NAMES as REGISTRY_NAMES
from assistant.models import SEVERITY_ORDER, Finding, Review

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "specreview"
TOOL_URI = "https://github.com/specreview/specreview"

# Human names of the finding codes come from the registry; unknown codes render as-is.
CODE_NAMES: dict[str, str] = dict(REGISTRY_NAMES)

_SARIF_LEVEL = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}

SUPPRESSED_LISTED = 10  # text output names this many suppressed findings


def sorted_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then in document order (absences last within a severity)."""

    def key(f: Finding) -> tuple[int, int, str]:
        line = f.span.start_line if f.span else 10**9
        return (-SEVERITY_ORDER.get(f.severity, 0), line, f.code)

    return sorted(findings, key=key)


def fails(reviews: Sequence[Review], fail_on: str) -> bool:
    """True when any finding is at or above the `fail_on` severity."""
    threshold = SEVERITY_ORDER[fail_on]
    return any(SEVERITY_ORDER[f.severity] >= threshold for r in reviews for f in r.findings)


def split_suggestion(suggestion: str) -> tuple[str, str]:
    """Split a suggestion into its prose and a pasteable stub (from the first markdown heading)."""
    lines = suggestion.strip("\n").split("\n")
    for i, line in enumerate(lines):
        if line.lstrip().startswith("#") and i > 0:
            return "\n".join(lines[:i]).strip(), "\n".join(lines[i:]).strip("\n")
    return suggestion.strip(), ""


def _location(f: Finding) -> str:
    if f.span is None:
        return "(whole draft)"
    if f.span.start_line == f.span.end_line:
        return f"line {f.span.start_line}"
    return f"lines {f.span.start_line}-{f.span.end_line}"


def _related_label(f: Finding) -> list[str]:
    out = []
    for r in f.related:
        status = f", {r.status}" if r.status else ""
        path = f" ({r.path})" if r.path else ""
        out.append(f"{r.id}{status}: {r.title}{path}")
    return out


def history_note(review: Review) -> str | None:
    """One line when the history checks were skipped, and why; None when they ran or do not
    apply. Without it a clean review would read as "no conflicts with past decisions"."""
    reason = review.history.skipped_reason
    if reason is None:
        return None
    return f"History checks (conflicts with decisions, lessons from retros) skipped: {reason}."


def summary_line(reviews: Sequence[Review]) -> str:
    """'5 findings in 2 files: 1 high, 3 medium, 1 low, 0 info' (the end of text output)."""
    found = [f for r in reviews for f in r.findings]
    counts = ", ".join(
        f"{sum(1 for f in found if f.severity == s)} {s}" for s in ("high", "medium", "low", "info")
    )
    files = f"{len(reviews)} file{'s' if len(reviews) != 1 else ''}"
    return f"{len(found)} finding{'s' if len(found) != 1 else ''} in {files}: {counts}"


def _coverage_line(review: Review) -> str:
    c = review.coverage
    line = f"Read {len(c.sections_read)} sections ({c.lines} lines, {c.words} words)"
    if c.skipped:
        line += "; skipped: " + "; ".join(c.skipped)
    return line + "."


# --- terminal ---------------------------------------------------------------------------------


def render_terminal(reviews: Sequence[Review], console: Console) -> None:
    """Rich output: per file, findings grouped by severity with lines, quote, fix and history."""
    for review in reviews:
        console.print(Text(review.path, style="bold underline"))
        console.print(Text(review.llm.banner, style="dim italic"))
        console.print(Text(review.type_note, style="dim italic"))
        note = history_note(review)
        if note:
            console.print(Text(note, style="yellow"))
        findings = sorted_findings(review.findings)
        if not findings:
            console.print(Text("No findings.", style="green"))
        current = ""
        for f in findings:
            if f.severity != current:
                current = f.severity
                console.print(Text(f"\n{current.upper()}", style=_SEVERITY_STYLE[current]))
            head = Text(f"  [{f.code}] ", style=_SEVERITY_STYLE[f.severity])
            head.append(f.title, style="bold")
            recorded = f", finding {f.id}" if f.id is not None else ""  # to dismiss it by
            head.append(f"  ({_location(f)}{recorded})", style="dim")
            console.print(head)
            if f.span is not None and f.span.quote:
                quote = f.span.quote if len(f.span.quote) <= 300 else f.span.quote[:297] + "..."
                console.print(Text("    > " + quote.replace("\n", "\n    > "), style="dim"))
            console.print(Text("    " + f.message))
            prose, stub = split_suggestion(f.suggestion)
            if prose:
                console.print(Text("    Suggestion: " + prose, style="green"))
            if stub:
                console.print(Text("      " + stub.replace("\n", "\n      "), style="green dim"))
            for label in _related_label(f):
                console.print(Text("    Related: " + label, style="magenta"))
        console.print(Text(_coverage_line(review), style="dim"))
        if review.suppressed:
            # Name each one: "Suppressed: 1" leaves the reader to guess what was held back.
            console.print(Text(f"Suppressed: {len(review.suppressed)}", style="dim"))
            for what in review.suppressed[:SUPPRESSED_LISTED]:
                console.print(Text(f"  - {what}", style="dim"))
            if len(review.suppressed) > SUPPRESSED_LISTED:
                more = len(review.suppressed) - SUPPRESSED_LISTED
                console.print(Text(f"  ... and {more} more (--format json lists all)", style="dim"))
        console.print()
    console.print(Text(summary_line(reviews), style="bold"))


def render_terminal_text(reviews: Sequence[Review], *, width: int = 100) -> str:
    """The terminal rendering as plain text (for tests and logs)."""
    buffer = io.StringIO()
    render_terminal(reviews, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


# --- JSON -------------------------------------------------------------------------------------


def render_json(reviews: Sequence[Review]) -> str:
    """One Review model as an object, several as a list."""
    if len(reviews) == 1:
        return reviews[0].model_dump_json(indent=2)
    return json.dumps([r.model_dump(mode="json") for r in reviews], indent=2)


# --- markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    """Escape inline markdown and HTML so draft text renders as text, never as markup."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _fence(text: str, lang: str = "markdown") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def render_finding_markdown(f: Finding) -> str:
    """One finding as a markdown block (also used for inline PR review comments)."""
    lines = [f"**{md_escape(f.title)}** · `{f.code}` · {f.severity} · {_location(f)}", ""]
    if f.span is not None and f.span.quote:
        quote = f.span.quote if len(f.span.quote) <= 300 else f.span.quote[:297] + "..."
        lines += ["> " + md_escape(quote), ""]
    lines += [md_escape(f.message), ""]
    prose, stub = split_suggestion(f.suggestion)
    if prose:
        lines += [f"*Suggestion:* {md_escape(prose)}", ""]
    if stub:
        lines += [_fence(stub), ""]
    for r in f.related:
        status = f" ({r.status})" if r.status else ""
        path = f" — `{r.path}`" if r.path else ""
        lines.append(f"- Related: **{md_escape(r.id)}**{status}: {md_escape(r.title)}{path}")
    if f.related:
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(review: Review) -> str:
    """A stable, readable markdown review for PR comments and "copy as markdown"."""
    findings = sorted_findings(review.findings)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("high", "medium", "low")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    out = [f"## specreview: `{md_escape(review.path)}`", ""]
    out += [f"_{review.llm.banner}_", f"_{md_escape(review.type_note)}_", ""]
    note = history_note(review)
    if note:
        out += [f"_{md_escape(note)}_", ""]
    if not findings:
        out += ["No findings.", ""]
    else:
        out += [f"**{len(findings)} finding{'s' if len(findings) != 1 else ''}** ({summary}).", ""]
        for i, f in enumerate(findings, start=1):
            out += [f"### {i}. {md_escape(CODE_NAMES.get(f.code, f.code))}", ""]
            out += [render_finding_markdown(f)]
    out += [f"<sub>{md_escape(_coverage_line(review))}</sub>", ""]
    return "\n".join(out)


def render_markdown_many(reviews: Sequence[Review]) -> str:
    return "\n---\n\n".join(render_markdown(r) for r in reviews)


# --- SARIF ------------------------------------------------------------------------------------


def _rule(code: str) -> dict[str, Any]:
    name = CODE_NAMES.get(code, code)
    return {
        "id": code,
        "name": "".join(w.capitalize() for w in code.split("_")),
        "shortDescription": {"text": name},
        "helpUri": f"{TOOL_URI}#{code}",
    }


def _result(f: Finding, path: str, rule_index: int) -> dict[str, Any]:
    start = f.span.start_line if f.span else max(1, f.insert_after_line or 1)
    end = f.span.end_line if f.span else start
    prose, _ = split_suggestion(f.suggestion)
    text = f.message + (f" Suggestion: {prose}" if prose else "")
    region: dict[str, Any] = {"startLine": start, "endLine": end}
    if f.span is not None and f.span.quote:
        region["snippet"] = {"text": f.span.quote}
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL.get(f.severity, "note"),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path.replace("\\", "/")},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"specreviewFingerprint/v1": f.fingerprint},
        "properties": {"severity": f.severity, "title": f.title, "source": f.source},
    }
    if f.related:
        result["properties"]["related"] = [r.model_dump(mode="json") for r in f.related]
    return result


def render_sarif(reviews: Sequence[Review]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; rules are the codes that occur (plus the known ones)."""
    codes = list(CODE_NAMES)
    for r in reviews:
        for f in r.findings:
            if f.code not in codes:
                codes.append(f.code)
    index = {c: i for i, c in enumerate(codes)}
    results = [
        _result(f, r.path, index[f.code]) for r in reviews for f in sorted_findings(r.findings)
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "informationUri": TOOL_URI,
                        "rules": [_rule(c) for c in codes],
                    }
                },
                "results": results,
                "properties": {
                    "documents": [
                        {
                            "path": r.path,
                            "type": r.doc_type,
                            "type_source": r.doc_type_source,
                            "history": r.history.model_dump(mode="json"),
                        }
                        for r in reviews
                    ]
                },
            }
        ],
    }


def render_sarif_json(reviews: Sequence[Review]) -> str:
    return json.dumps(render_sarif(reviews), indent=2)
