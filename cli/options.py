"""`--store` and `--config`: accepted before the command (`specreview --store X review ...`) and
on each command (`specreview review --store X ...`); the command's own flag wins.

Explicit flags beat SPECREVIEW_* variables, which beat .specreview.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.services import Services

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="PATH|URL",
        help="The store: a folder (created if missing) or a `chroma run` URL "
        "(default: the nearest .specreview/ up to the repository root).",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="The config file (default: the nearest .specreview.toml up to the repository root).",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class ProjectFlags:
    """The flags given before the command, kept on the root click context."""

    store: str | None = None
    config: Path | None = None


def flag_overrides(store: str | None, config: Path | None) -> dict[str, Any]:
    """Settings overrides for the flags, or a ConfigError that says what is wrong with them."""
    overrides: dict[str, Any] = {}
    if config is not None:
        if not config.exists():
            raise ConfigError(f"--config {config}: no such file; check the path")
        if not config.is_file():
            raise ConfigError(f"--config {config} is a folder; give the .specreview.toml file")
        overrides["config_file"] = config
    if store is not None:
        if store.startswith(("http://", "https://")):
            overrides["chroma_url"] = store
        else:
            path = Path(store)
            if path.exists() and not path.is_dir():
                raise ConfigError(
                    f"--store {store} is a file; give the store's folder (created if missing) "
                    "or a Chroma server URL (http://host:port)"
                )
            overrides.update(store_path=path, chroma_url=None)  # a path beats a URL from env
    return overrides


def given_flags(
    ctx: typer.Context, store: str | None = None, config: Path | None = None
) -> ProjectFlags:
    """The command's own flags, else those given before the command (the root context's)."""
    before = ctx.find_root().obj
    if not isinstance(before, ProjectFlags):  # an app without the callback (tests)
        before = ProjectFlags()
    return ProjectFlags(store=store or before.store, config=config or before.config)


def cli_settings(
    ctx: typer.Context, store: str | None = None, config: Path | None = None
) -> Settings:
    """Settings for a command: the flags (see given_flags), else env, else the config file."""
    from assistant.config import load_settings

    given = given_flags(ctx, store, config)
    return load_settings(**flag_overrides(given.store, given.config))


def cli_services(
    ctx: typer.Context, store: str | None = None, config: Path | None = None
) -> Services:
    from assistant.services import Services

    return Services(settings=cli_settings(ctx, store, config))
