"""`specreview index PATH...` and `specreview docs`: build the index, list what it holds."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from cli.console import stderr_console, stdout_console
from cli.options import ConfigOption, StoreOption, cli_services

_HELD_UNTIL_EXIT = ExitStack()  # the store's write lock, once `index` has taken it


def index(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index.")],
    chunk_tokens: Annotated[
        int | None, typer.Option(help="Max tokens per chunk (default: settings.chunk_tokens).")
    ] = None,
    prune: Annotated[
        bool, typer.Option(help="Remove documents gone from the indexed folders.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Index specs, decision records and retros (incremental: unchanged files are skipped)."""
    from assistant.store_lock import store_write_lock
    from index.pipeline import index_paths

    services = cli_services(ctx, store, config)
    settings = services.settings
    err = stderr_console()

    def waiting(message: str) -> None:
        err.print(f"{message} ...", highlight=False)

    if not settings.chroma_url:
        # One writer at a time, locked before the store is opened and held until the process
        # exits (the OS releases it then): a client opened while another process writes, or
        # before Chroma has finished its files at that process's exit, loses some vectors.
        settings.store_path.mkdir(parents=True, exist_ok=True)
        _HELD_UNTIL_EXIT.enter_context(
            store_write_lock(
                settings.store_path, timeout=settings.store_lock_timeout, on_wait=waiting
            )
        )
    vectors, embedder = services.store, services.embedder
    size = chunk_tokens or services.settings.chunk_tokens
    with Progress(
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("index", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            summary = index_paths(
                paths,
                store=vectors,
                embedder=embedder,
                chunk_tokens=size,
                progress=report,
                prune=prune,
                on_wait=waiting,
            )
        finally:
            close = getattr(vectors, "close", None)
            if callable(close):
                close()  # let Chroma flush and release its files before the process exits
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
        return
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(summary.documents_by_kind.items())) or "none"
    console = stdout_console()
    console.print(
        f"[bold]{sum(summary.documents_by_kind.values())} documents[/] ({kinds}): "
        f"{summary.documents_indexed} indexed, {summary.documents_unchanged} unchanged, "
        f"{summary.documents_removed} removed"
        + (f", {summary.ghosts_removed} without a record removed" if summary.ghosts_removed else "")
        + (
            f", {summary.vectors_repaired} re-indexed (chunks without vectors)"
            if summary.vectors_repaired
            else ""
        )
        + f"; {summary.chunks} chunks "
        f"({summary.chunks_embedded} embedded) in {summary.seconds:.1f}s"
    )
    for item in summary.warnings:
        console.print(_labelled("warning", "yellow", f"{item.path}: {item.reason}"))
    for item in summary.skipped:
        console.print(_labelled("skipped", "red", f"{item.path}: {item.reason}"))


def _labelled(label: str, style: str, message: str) -> Text:
    """A label then text taken as is: a path may hold brackets that markup would swallow."""
    line = Text(label, style=style)
    line.append(" " + message)
    return line


def docs(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    kind: Annotated[str | None, typer.Option(help="Only this kind: spec, decision, retro.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status (case-insensitive).")] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """List the indexed documents: id, kind, status, title."""
    records = cli_services(ctx, store, config).store.list_documents()
    if kind:
        records = [r for r in records if r.kind == kind]
    if status:
        records = [r for r in records if (r.status or "").lower() == status.lower()]
    records.sort(key=lambda r: (r.kind, r.id))
    if as_json:
        rows = [r.model_dump(exclude={"text"}) for r in records]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(records)} indexed documents")
    for column in ("id", "kind", "status", "title"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(r.id, r.kind, r.status or "", r.title)
    stdout_console().print(table)


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `index` and `docs` to the root command."""
    app.command("index")(index)
    app.command("docs")(docs)
