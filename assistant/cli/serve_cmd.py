"""`specreview` commands for this feature (registered by assistant.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Not built yet: this feature's commands are added here."""
