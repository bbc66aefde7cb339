"""`specreview status`: which config file, store, embedder and LLM a command here would use,
and how much is indexed. It reads; it never creates a store."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from pydantic import BaseModel, Field

from assistant.errors import SpecreviewError
from assistant.project import default_store_path, find_config, working_folder
from assistant.services import Services
from cli.console import stdout_console
from cli.options import ConfigOption, StoreOption, cli_services, given_flags


class ConfigStatus(BaseModel):
    path: str | None = None  # None: no config file in use
    exists: bool = False
    origin: str = "none"  # --config, SPECREVIEW_CONFIG, found


class StoreStatus(BaseModel):
    kind: str  # embedded or server
    location: str  # the folder or the URL
    origin: str  # --store, found, default, SPECREVIEW_STORE_PATH/config
    reachable: bool
    error: str | None = None
    documents: int = 0
    documents_by_kind: dict[str, int] = Field(default_factory=dict)
    chunks: int = 0


class LLMSummary(BaseModel):
    enabled: bool
    model: str | None = None
    base_url: str | None = None


class Status(BaseModel):
    config: ConfigStatus
    store: StoreStatus
    embedder: str
    llm: LLMSummary


def _config_status(services: Services, flag_given: bool) -> ConfigStatus:
    path = services.settings.config_file
    if path is None:
        return ConfigStatus()
    found = find_config(working_folder())
    origin = (
        "--config"
        if flag_given
        else "found"
        if found is not None and found == path
        else "SPECREVIEW_CONFIG"
    )
    return ConfigStatus(path=str(path), exists=path.is_file(), origin=origin)


def _store_status(services: Services, flag_given: bool) -> StoreStatus:
    settings = services.settings
    if settings.chroma_url:
        kind, location = "server", settings.chroma_url
        origin = "--store" if flag_given else "SPECREVIEW_CHROMA_URL or chroma_url in the config"
        exists = True
    else:
        kind, location = "embedded", str(settings.store_path)
        default = settings.store_path == default_store_path(working_folder())
        origin = (
            "--store"
            if flag_given
            else "found"
            if default
            else "SPECREVIEW_STORE_PATH or store_path in the config"
        )
        exists = settings.store_path.is_dir()
        if default and not exists:
            origin = "default"
    status = StoreStatus(kind=kind, location=location, origin=origin, reachable=exists)
    if not exists:
        status.error = "not created yet; `specreview index PATH` creates it"
        return status
    try:
        records = services.store.list_documents()
        status.chunks = services.store.count_chunks()
    except SpecreviewError as exc:
        status.reachable, status.error = False, str(exc)
        return status
    status.documents = len(records)
    status.documents_by_kind = dict(sorted(Counter(r.kind for r in records).items()))
    return status


def gather_status(services: Services, *, store_flag: bool, config_flag: bool) -> Status:
    settings = services.settings
    return Status(
        config=_config_status(services, config_flag),
        store=_store_status(services, store_flag),
        embedder=services.embedder.name,
        llm=LLMSummary(
            enabled=settings.llm_enabled,
            model=settings.llm_model,
            base_url=settings.llm_base_url if settings.llm_enabled else None,
        ),
    )


def render_status(status: Status) -> list[str]:
    """The plain lines `specreview status` prints."""
    c, s, llm = status.config, status.store, status.llm
    if c.path is None:
        config = "none (no .specreview.toml from here up to the repository root)"
    else:
        config = f"{c.path} ({c.origin})" + ("" if c.exists else ": does not exist, none read")
    where = "Chroma server" if s.kind == "server" else "embedded Chroma"
    store = f"{s.location} ({where}, {s.origin})"
    if not s.reachable:
        held = f"unreachable: {s.error}" if s.kind == "server" else (s.error or "")
    else:
        kinds = ", ".join(f"{n} {k}" for k, n in s.documents_by_kind.items())
        held = f"{s.documents} documents" + (f" ({kinds})" if kinds else "")
        held += f", {s.chunks} chunks"
    if llm.enabled:
        model = f"on: {llm.model}" + (f" at {llm.base_url}" if llm.base_url else "")
    else:
        model = "off (offline review; set SPECREVIEW_LLM_MODEL to use one)"
    return [
        f"config    {config}",
        f"store     {store}",
        f"indexed   {held}",
        f"embedder  {status.embedder}",
        f"LLM       {model}",
    ]


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Say which config file, store, embedder and LLM are in use, and how much is indexed."""
    services = cli_services(ctx, store, config)
    given = given_flags(ctx, store, config)
    result = gather_status(
        services, store_flag=given.store is not None, config_flag=given.config is not None
    )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    out = stdout_console()
    for line in render_status(result):
        out.print(line, markup=False, highlight=False)


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `specreview status`."""
    app.command("status")(status)
