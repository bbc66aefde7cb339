"""The `specreview` command. Each feature registers its commands from its own module."""

from __future__ import annotations

import sys
import traceback

import typer
from rich.text import Text

from assistant.errors import SpecreviewError
from cli.console import stderr_console
from cli.options import ConfigOption, ProjectFlags, StoreOption

app = typer.Typer(
    name="specreview",
    help="Review product specs and answer questions about past decisions, offline by default.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Score review and ask on labelled datasets.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")


@app.callback()
def _project(ctx: typer.Context, store: StoreOption = None, config: ConfigOption = None) -> None:
    # Kept for the command, whose own --store/--config win (cli/options.py).
    ctx.obj = ProjectFlags(store=store, config=config)


def _register_all() -> None:
    if app.registered_commands:  # once per process (tests build the app more than once)
        return
    from cli import (
        ask_cmd,
        audit_cmd,
        bench_cmd,
        github_cmd,
        index_cmd,
        insights_cmd,
        new_cmd,
        review_cmd,
        serve_cmd,
        status_cmd,
    )

    for module in (
        index_cmd,
        review_cmd,
        ask_cmd,
        new_cmd,
        audit_cmd,
        serve_cmd,
        status_cmd,
        github_cmd,
        insights_cmd,
        bench_cmd,
    ):
        module.register(app, eval_app=eval_app, bench_app=bench_app)


def main() -> None:
    """Entry point: every SpecreviewError becomes one clear line and exit code 2; any other
    exception is a bug: its traceback and exit code 3, never 1 (which means findings)."""
    from assistant.services import disable_telemetry

    disable_telemetry()
    _register_all()
    try:
        app()
    except SpecreviewError as exc:
        # Text, not markup: a message may hold brackets (paths, TOML tables).
        line = Text("error: ", style="bold red")
        line.append(str(exc))
        stderr_console().print(line, highlight=False)
        sys.exit(2)
    except Exception:  # noqa: BLE001 - reported in full, with its own exit code
        traceback.print_exc()
        stderr_console().print("[bold red]internal error:[/] specreview crashed; please report it")
        sys.exit(3)
