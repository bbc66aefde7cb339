"""The `specreview` command. Each feature registers its commands from its own module."""

from __future__ import annotations

import sys
import traceback

import typer
from rich.console import Console

from assistant.errors import SpecreviewError

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

err_console = Console(stderr=True)


def _register_all() -> None:
    from assistant.cli import (
        ask_cmd,
        bench_cmd,
        github_cmd,
        index_cmd,
        review_cmd,
        serve_cmd,
    )

    for module in (index_cmd, review_cmd, ask_cmd, serve_cmd, github_cmd, bench_cmd):
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
        err_console.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
    except Exception:  # noqa: BLE001 - reported in full, with its own exit code
        traceback.print_exc()
        err_console.print("[bold red]internal error:[/] specreview crashed; please report it")
        sys.exit(3)
