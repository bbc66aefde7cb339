"""`specreview dismiss` and `specreview reopen`: a finding's state in the findings database."""

from __future__ import annotations

import getpass
from contextlib import closing
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from assistant.errors import SpecreviewError
from cli.console import stderr_console, stdout_console
from cli.options import ConfigOption, StoreOption, cli_services

if TYPE_CHECKING:
    from assistant.ledger import FindingState


class ReasonOption(StrEnum):
    wrong = "wrong"
    not_applicable = "not_applicable"
    wont_fix = "wont_fix"


def _who() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without one)
        return "unknown"


ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who is deciding (default: your login name).", show_default=False),
]


def _say(finding_id: int, state: FindingState, done: str) -> None:
    line = f"{done} finding {finding_id} ({state.code} on {state.document.label})"
    if state.reason:
        line += f": {state.reason}"
    stdout_console().print(Text(line + f", by {state.by}."), highlight=False, soft_wrap=True)


def _fail(exc: SpecreviewError) -> typer.Exit:
    line = Text("error: ", style="bold red")
    line.append(str(exc))
    stderr_console().print(line, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def dismiss(
    ctx: typer.Context,
    finding_id: Annotated[
        int, typer.Argument(metavar="ID", help="The finding's id, as the review shows it.")
    ],
    reason: Annotated[
        ReasonOption,
        typer.Option("--reason", help="wrong, not_applicable or wont_fix.", case_sensitive=False),
    ],
    by: ByOption = None,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Dismiss a recorded finding: it is not raised again on that document, on any surface,
    until its text changes (its fingerprint with it)."""
    try:
        with closing(cli_services(ctx, store, config).ledger) as ledger:
            state = ledger.dismiss(finding_id, by=by or _who(), reason=reason.value)
    except SpecreviewError as exc:
        raise _fail(exc) from exc
    _say(finding_id, state, "Dismissed")


def reopen(
    ctx: typer.Context,
    finding_id: Annotated[
        int, typer.Argument(metavar="ID", help="The finding's id, as the review shows it.")
    ],
    by: ByOption = None,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Reopen a dismissed finding: later reviews of its document raise it again."""
    try:
        with closing(cli_services(ctx, store, config).ledger) as ledger:
            state = ledger.reopen(finding_id, by=by or _who())
    except SpecreviewError as exc:
        raise _fail(exc) from exc
    _say(finding_id, state, "Reopened")


def register(app: typer.Typer) -> None:
    app.command("dismiss")(dismiss)
    app.command("reopen")(reopen)
