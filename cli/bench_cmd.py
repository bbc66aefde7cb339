"""`specreview bench index [CORPUS]`: indexing throughput, re-index time, query latency."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.options import cli_settings


def bench_index(
    ctx: typer.Context,
    corpus: Annotated[Path, typer.Argument(help="Corpus folder.")] = Path("../shared/corpus"),
    docs: Annotated[
        int | None, typer.Option(help="Only the first N documents (quicker, less exact).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the figures as markdown to this file.")
    ] = None,
) -> None:
    """Raw embedder rate vs the pipeline end to end, unchanged re-index, query p50/p95."""
    from evals.bench_index import render_markdown, run_bench

    settings = cli_settings(ctx)
    result = run_bench(
        corpus,
        threads=settings.embed_threads,
        batch_size=settings.embed_batch_size,
        chunk_tokens=settings.chunk_tokens,
        max_tokens=settings.embed_max_tokens,
        max_docs=docs,
        log=typer.echo,
    )
    command = "specreview bench index " + str(corpus) + (f" --docs {docs}" if docs else "")
    text = render_markdown(result, command=command)
    typer.echo(text)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text, encoding="utf-8")


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `bench index`."""
    bench_app.command("index")(bench_index)
