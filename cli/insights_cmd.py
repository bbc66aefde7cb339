"""`specreview insights` (what the findings database shows) and `specreview export findings`
(every recorded finding as CSV or JSON Lines, streamed)."""

from __future__ import annotations

import csv
import sys
from contextlib import closing
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.errors import InputError, StoreError
from cli.console import stderr_console, stdout_console
from cli.options import ConfigOption, StoreOption, cli_services

if TYPE_CHECKING:
    from assistant.insights import Insights
    from assistant.ledger import FindingLedger
    from assistant.models import DocumentRecord
    from assistant.services import Services

BARS = "▁▂▃▄▅▆▇█"
EXPORT_FIELDS = (
    "finding_id",
    "review_id",
    "reviewed_at",
    "surface",
    "repo",
    "path",
    "doc_type",
    "llm_mode",
    "code",
    "severity",
    "fingerprint",
    "start_line",
    "end_line",
    "section",
    "title",
    "message",
    "related",
    "state",
    "dismissed_by",
    "dismiss_reason",
)


class PerOption(StrEnum):
    week = "week"
    day = "day"


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


def _database(services: Services) -> FindingLedger:
    """The findings database; an InputError where none exists yet (nothing to show)."""
    settings = services.settings
    if not settings.database_url and not settings.database_path.exists():
        raise InputError(
            f"no findings database at {settings.database_path} yet: reviews are recorded by "
            "`specreview review --save`, the API, the web page and the GitHub bot "
            "(or set SPECREVIEW_DATABASE_URL)"
        )
    return services.ledger


def _library(services: Services) -> tuple[list[DocumentRecord], str | None]:
    """The indexed records (for the decisions never cited), or none and why not."""
    settings = services.settings
    if not settings.chroma_url and not settings.store_path.exists():
        return [], "no store is indexed, so accepted decisions cannot be listed"
    try:
        return services.store.list_documents(), None
    except StoreError as exc:
        return [], f"the store could not be read ({exc})"


def sparkline(counts: list[int]) -> str:
    peak = max(counts, default=0)
    if peak <= 0:
        return " " * len(counts)
    return "".join(" " if n == 0 else BARS[min(7, (n * 8 - 1) // peak)] for n in counts)


def render_insights(found: Insights, out: Console, *, note: str | None = None) -> None:
    """The insights as rich tables."""
    t = found.totals
    out.print(
        f"[bold]Insights[/]: {t.reviews} reviews of {t.documents} documents, {t.findings} "
        f"findings, {t.answers} answers recorded.",
        highlight=False,
    )
    periods = found.timeline.periods
    span = f"{periods[0]} to {periods[-1]}" if periods else ""
    over_time = Table(title=f"Findings by code per {found.timeline.bucket} ({span}, UTC)")
    over_time.add_column("Code")
    over_time.add_column("Total", justify="right")
    over_time.add_column("Over time")
    for s in found.timeline.series:
        over_time.add_row(Text(s.code), str(s.total), sparkline(s.counts))
    if not found.timeline.series:
        over_time.add_row("(none)", "0", "")
    out.print(over_time)

    checks = Table(title="Dismissed per check")
    for name, justify in (("Check", "left"), ("Tracked", "right"), ("Dismissed", "right")):
        checks.add_column(name, justify=justify)  # type: ignore[arg-type]
    checks.add_column("Share", justify="right")
    checks.add_column("Why")
    for c in found.checks:
        label = Text(c.code)
        if c.noise:
            label.append(" noise", style="bold red")
        why = ", ".join(f"{k} {v}" for k, v in c.reasons.items())
        checks.add_row(label, str(c.tracked), str(c.dismissed), f"{c.share:.0%}", why)
    out.print(checks)
    if found.noise:
        out.print(
            Text(
                f"Noise: {', '.join(found.noise)} (dismissed more than "
                f"{found.noise_share:.0%} of the time, {found.noise_min}+ findings tracked).",
                style="bold red",
            )
        )

    for title, rows, head in (
        ("Most common gaps by repository", found.gaps_by_repository, "Repository"),
        ("Most common gaps by folder", found.gaps_by_folder, "Folder"),
    ):
        if not rows:
            continue
        table = Table(title=title)
        table.add_column(head)
        table.add_column("Check")
        table.add_column("Documents", justify="right")
        table.add_column("Still open", justify="right")
        for g in rows:
            table.add_row(Text(g.place), Text(g.code), str(g.documents), str(g.open))
        out.print(table)

    cited = Table(title="Most cited records")
    cited.add_column("Record")
    cited.add_column("Title")
    cited.add_column("By reviews", justify="right")
    cited.add_column("By answers", justify="right")
    for r in found.most_cited:
        title = r.title if r.in_library else "(not in the library)"
        cited.add_row(Text(r.id), Text(title), str(r.by_reviews), str(r.by_answers))
    if found.most_cited:
        out.print(cited)
    else:
        out.print("No review or answer has cited a record yet.")
    if found.never_cited:
        never = Table(
            title=f"Accepted decisions never cited ({len(found.never_cited)} of "
            f"{found.accepted_decisions})"
        )
        never.add_column("Record")
        never.add_column("Title")
        never.add_column("Date")
        for d in found.never_cited:
            never.add_row(Text(d.id), Text(d.title), d.date or "")
        out.print(never)
    elif found.accepted_decisions:
        out.print("Every accepted decision in the library has been cited.")
    if note:
        out.print(Text(f"note: {note}", style="yellow"))


def insights(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the insights as JSON.")] = False,
    days: Annotated[
        int, typer.Option("--days", min=1, help="Days the findings-over-time series covers.")
    ] = 84,
    per: Annotated[
        PerOption, typer.Option("--per", help="One point per week or per day.")
    ] = PerOption.week,
    noise_min: Annotated[
        int,
        typer.Option("--min", min=1, help="Findings a check needs before it can be noise."),
    ] = 5,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """What the findings database shows: findings by code over time, the share dismissed per
    check (noise called out), the most common gaps by folder and repository, the most cited
    decisions and the accepted decisions never cited."""
    from assistant.insights import build_insights

    services = cli_services(ctx, store, config)
    records, note = _library(services)
    with closing(_database(services)) as ledger:
        found = build_insights(ledger, records, days=days, bucket=per.value, noise_min=noise_min)
    if as_json:
        sys.stdout.write(found.model_dump_json(indent=2) + "\n")
        return
    render_insights(found, stdout_console(), note=note)


def write_findings(ledger: FindingLedger, fmt: ExportFormat, out: IO[str]) -> int:
    """Stream every recorded finding to `out`; returns how many."""
    n = 0
    rows = ledger.export_findings()
    if fmt is ExportFormat.jsonl:
        for row in rows:
            out.write(row.model_dump_json() + "\n")
            n += 1
        return n
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        values = row.model_dump(mode="json")
        values["related"] = " ".join(row.related)
        writer.writerow(["" if values[k] is None else values[k] for k in EXPORT_FIELDS])
        n += 1
    return n


def export_findings(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="csv or jsonl (one JSON per line).")
    ] = ExportFormat.csv,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to this file (default: standard output)."),
    ] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Every recorded finding, oldest first, with its review (document, surface, when) and its
    state on the document now; read a page at a time, so any number of reviews streams."""
    services = cli_services(ctx, store, config)
    with closing(_database(services)) as ledger:
        if out is None:
            write_findings(ledger, fmt, sys.stdout)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as handle:
            n = write_findings(ledger, fmt, handle)
    stderr_console().print(f"Wrote {n} findings to {out}.", highlight=False)


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `insights` and `export findings`."""
    app.command("insights")(insights)
    export_app = typer.Typer(help="Export what the findings database holds.", no_args_is_help=True)
    export_app.command("findings")(export_findings)
    app.add_typer(export_app, name="export")
