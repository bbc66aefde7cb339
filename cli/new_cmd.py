"""`specreview new spec|design|decision "Title"`: write a template that our own checks accept
once it is filled in."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.errors import InputError
from cli.console import stdout_console
from cli.options import ConfigOption, cli_settings


class NewType(StrEnum):
    spec = "spec"
    design = "design"
    decision = "decision"


def _template_text(doc_type: NewType, config_file: Path | None) -> tuple[str, str]:
    """The template for the type and where it came from: the team's file, else the built-in."""
    from assistant.config import read_toml_config
    from assistant.templates import builtin_template, configured_templates

    if config_file is not None and config_file.is_file():
        table = read_toml_config(config_file).get("templates")
        team = configured_templates(table, base=config_file.parent, source=str(config_file))
        path = team.get(doc_type.value)
        if path is not None:
            if not path.is_file():
                raise InputError(
                    f"{config_file}: [templates] {doc_type.value} = {path}: no such file; "
                    "fix the path or remove the line to use the built-in template"
                )
            return path.read_text(encoding="utf-8"), str(path)
    return builtin_template(doc_type.value), "built-in"


def new(
    ctx: typer.Context,
    doc_type: Annotated[NewType, typer.Argument(metavar="spec|design|decision", help="The type.")],
    title: Annotated[str, typer.Argument(help="The document's title.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="PATH",
            help="The file to write, or a folder for it (default: the title as a file name "
            "in the current folder).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    config: ConfigOption = None,
) -> None:
    """Write a template for a spec, design doc or decision record, ready to fill in."""
    from assistant.templates import check_title, file_name, render_template

    clean = check_title(title)
    settings = cli_settings(ctx, None, config)
    text, origin = _template_text(doc_type, settings.config_file)
    target = out if out is not None else Path(file_name(clean))
    if target.is_dir():
        target = target / file_name(clean)
    if target.exists() and not force:
        raise InputError(f"{target} already exists; pass --force to overwrite it")
    if target.exists() and not target.is_file():
        raise InputError(f"{target} is not a regular file; choose another --out")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent}: no such folder; create it or choose another --out")
    target.write_text(render_template(text, title=clean, today=date.today()), encoding="utf-8")
    where = "built-in template" if origin == "built-in" else f"template {origin}"
    stdout_console().print(
        f"wrote {target} ({doc_type.value}, {where}): replace each <!-- prompt --> with your "
        f"text, then run: specreview review {target}",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `specreview new`."""
    app.command("new")(new)
