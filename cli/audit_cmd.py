"""`specreview audit`: what in the indexed history no longer tells the truth (superseded records
still marked accepted, contradicting accepted decisions, broken links, missing metadata,
near-duplicates). The engine judges (assistant/audit.py); this module reads and prints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from cli.console import stderr_console, stdout_console
from cli.options import ConfigOption, StoreOption, cli_services

if TYPE_CHECKING:
    from assistant.audit import AuditItem, AuditReport, RecordRef
    from assistant.models import DocumentRecord
    from assistant.store import VectorStore


def read_records(store: VectorStore, progress: Progress | None = None) -> list[DocumentRecord]:
    """Every indexed record with its text."""
    listed = store.list_documents()
    task = progress.add_task("reading records", total=len(listed)) if progress else None
    records = []
    for record in sorted(listed, key=lambda r: r.id):
        full = store.get_document(record.id)
        if full is not None:
            records.append(full)
        if progress is not None and task is not None:
            progress.advance(task)
    return records


def file_exists(path: str) -> bool:
    return Path(path).is_file()


def audit(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the report as markdown.")
    ] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Audit the indexed records: superseded but accepted, contradicting decisions, broken
    links, missing status/date/owner, near-duplicates."""
    from assistant.audit import AUDIT_KINDS, run_audit
    from assistant.errors import InputError

    if as_json and as_markdown:
        raise InputError("--json and --markdown: choose one")
    services = cli_services(ctx, store, config)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr_console(),
        transient=True,
    ) as bar:
        records = read_records(services.store, bar)
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = run_audit(
            records,
            file_exists=file_exists,
            history=services.history if records else None,
            embedder=services.embedder if records else None,
            progress=report,
            kinds=AUDIT_KINDS if records else (),  # nothing indexed: nothing to skip either
        )
    if records and not services.settings.chroma_url:
        try:
            save_report(services.settings.store_path, result)
        except OSError as exc:  # a read-only store still gets its audit printed
            stderr_console().print(
                f"warning: the report was not kept for the Library page ({exc})",
                markup=False,
                highlight=False,
            )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    elif as_markdown:
        typer.echo(render_markdown(result))
    else:
        out = stdout_console()
        for line in render_text(result):
            out.print(line, markup=False, highlight=False)


def save_report(store_path: Path, report: AuditReport) -> None:
    """Keep the report beside the store, for the Library page's badges (written atomically)."""
    from assistant.audit_model import SAVED_REPORT

    target = store_path / SAVED_REPORT
    partial = target.with_suffix(".json.partial")
    partial.write_text(report.model_dump_json(), encoding="utf-8")
    partial.replace(target)


def _where(ref: RecordRef) -> str:
    return ref.where()


def _line(item: AuditItem) -> str:
    other = f" ↔ {_where(item.other)}" if item.other is not None else ""
    return f"{_where(item.record)}{other}: {item.message}"


def render_text(report: AuditReport) -> list[str]:
    """The plain lines `specreview audit` prints: items by kind, then a count."""
    from assistant.audit import KIND_LABELS

    lines: list[str] = []
    for kind, label in KIND_LABELS.items():
        items = [i for i in report.items if i.kind == kind]
        if not items:
            continue
        lines.append(f"{label} ({kind}): {len(items)}")
        lines += [f"  {_line(item)}" for item in items]
        lines.append("")
    lines += [f"skipped {reason}" for reason in report.skipped]
    if not report.records:
        lines.append("nothing is indexed: `specreview index PATH` first")
    counts = ", ".join(f"{n} {k}" for k, n in report.counts().items() if n)
    lines.append(
        f"{len(report.items)} items over {report.records} records"
        + (f" ({counts})" if counts else "")
        + f" in {report.seconds:.1f}s"
    )
    return lines


def _md_ref(ref: RecordRef | None) -> str:
    if ref is None:
        return "–"
    quote = f"<br>“{_cell(ref.quote)}”" if ref.quote else ""
    return f"`{_cell(ref.where())}` ({_cell(ref.status or 'no status')}){quote}"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(report: AuditReport) -> str:
    """The report as markdown: a count per kind, then one table per kind."""
    from assistant.audit import KIND_LABELS

    out = [
        f"# History audit: {len(report.items)} items over {report.records} records",
        "",
        "| kind | items |",
        "| --- | --- |",
    ]
    out += [f"| {KIND_LABELS[k]} (`{k}`) | {n} |" for k, n in report.counts().items()]
    for reason in report.skipped:
        out.append(f"\nSkipped: {reason}")
    for kind, label in KIND_LABELS.items():
        items = [i for i in report.items if i.kind == kind]
        if not items:
            continue
        out += ["", f"## {label} (`{kind}`): {len(items)}", ""]
        out += ["| # | record | other | why |", "| --- | --- | --- | --- |"]
        for n, item in enumerate(items, start=1):
            out.append(
                f"| {n} | {_md_ref(item.record)} | {_md_ref(item.other)} | {_cell(item.message)} |"
            )
    return "\n".join(out) + "\n"


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `specreview audit`."""
    app.command("audit")(audit)
