"""`specreview ask` (answer a question from the indexed history) and `specreview eval ask`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.models import Answer
from cli.console import stdout_console
from cli.options import ConfigOption, StoreOption, cli_services


def render_answer(answer: Answer, out: Console) -> None:
    """Print an answer (or a refusal), then each citation with where to find it."""
    style = "yellow" if answer.refused else "green"
    out.print(f"[bold {style}]{'No record found' if answer.refused else 'Answer'}[/]")
    out.print(answer.text, markup=False, highlight=False)
    if answer.citations:
        out.print("\n[bold]Citations[/]")
        for c in answer.citations:
            status = f" ({c.status})" if c.status else ""
            out.print(
                f"[{c.n}] {c.doc_id}: {c.title}{status}\n    {c.path}:{c.start_line}-{c.end_line}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    if answer.possibly_related:
        out.print("\n[bold]Possibly related (not an answer)[/]")
        for r in answer.possibly_related:
            status = f" ({r.status})" if r.status else ""
            out.print(
                f"- {r.id}: {r.title}{status}\n    {r.path}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    mode = answer.llm.banner if answer.llm.mode != "off" else "LLM off: extractive answer."
    out.print(f"[dim]{mode} {answer.seconds:.2f} s[/]")


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `ask` and `eval ask`."""

    @app.command("ask")
    def ask(
        ctx: typer.Context,
        question: Annotated[str, typer.Argument(help="The question, in plain words.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
        k: Annotated[int, typer.Option("--k", min=1, max=20, help="Records to draw on.")] = 5,
        kind: Annotated[
            list[str] | None, typer.Option("--kind", help="Only spec, decision or retro.")
        ] = None,
        status: Annotated[
            list[str] | None, typer.Option("--status", help="Only records with this status.")
        ] = None,
        store: StoreOption = None,
        config: ConfigOption = None,
    ) -> None:
        """Answer a question about past decisions from the indexed records, with citations."""
        services = cli_services(ctx, store, config)
        if services.store.count_chunks() == 0:
            from assistant.errors import InputError

            raise InputError("nothing is indexed yet; run `specreview index PATH` first")
        where = {key: values for key, values in (("kind", kind), ("status", status)) if values}
        answer = services.asker.ask(question, k=k, where=where or None)
        if services.database_in_use():  # recorded where reviews are (for Insights' citations)
            from assistant.ledger import remember_answer

            remember_answer(lambda: services.ledger, answer, surface="cli")
            services.close_ledger()
        if as_json:
            typer.echo(answer.model_dump_json(indent=2))
        else:
            render_answer(answer, stdout_console())

    @eval_app.command("ask")
    def eval_ask(
        ctx: typer.Context,
        questions: Annotated[
            list[Path],
            typer.Argument(
                help="One or more questions.jsonl (ask-dev format); with two or more, refusal "
                "is also calibrated on each set and measured on the others."
            ),
        ],
        corpus: Annotated[Path, typer.Option("--corpus", help="Corpus folder with a manifest.")],
        json_out: Annotated[
            Path | None, typer.Option("--json", help="Write the headline scores here.")
        ] = None,
        details: Annotated[
            Path | None, typer.Option("--details", help="Write per-question results here.")
        ] = None,
        k: Annotated[int, typer.Option("--k")] = 5,
    ) -> None:
        """Index CORPUS (cached), answer every question of each set, score against the peers."""
        from evals.ask_eval import run_eval

        run_eval(
            questions,
            corpus=corpus,
            services=cli_services(ctx),
            json_out=json_out,
            details_out=details,
            k=k,
            out=stdout_console(),
        )
