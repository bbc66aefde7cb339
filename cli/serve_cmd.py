"""`specreview serve [--host] [--port] [--workers N]`: the HTTP API and web pages on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.console import stderr_console
from cli.options import ConfigOption, StoreOption, cli_services


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default: settings.host, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings.port, 8000).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes to serve with. More than 1 needs a `chroma run` server "
            "(SPECREVIEW_CHROMA_URL) and a shared database (PostgreSQL, or the local SQLite file).",
        ),
    ] = 1,
    store: StoreOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Serve the API (/v1, docs at /docs) and the Review, Ask and Library pages."""
    import uvicorn

    from api.app import check_exposure, create_app
    from api.github.webhook import recover_service_state
    from api.slow_clients import server_config
    from api.workers import check_workers, serve_workers
    from assistant.errors import DatabaseError

    services = cli_services(ctx, store, config_file)
    bind_host = host or services.settings.host
    bind_port = port if port is not None else services.settings.port
    auth_line = check_exposure(services.settings, bind_host)  # raises on an unsafe bind
    workers_line = check_workers(services.settings, workers)  # raises when it cannot share
    console = stderr_console()
    try:  # once, before any worker runs: what the last process left half done
        console.print(recover_service_state(services.ledger), markup=False)
    except DatabaseError as exc:
        if workers > 1:
            raise  # the workers share nothing without their database
        console.print(f"[yellow]warning:[/] {exc}; reviews will not be recorded", markup=True)
    finally:
        services.close_ledger()
    url = f"http://{bind_host}:{bind_port}"
    console.print(
        f"[bold]specreview[/] serving on {url}  ({auth_line}; {workers_line})", markup=True
    )
    if workers > 1:
        serve_workers(
            services.settings, workers, host=bind_host, port=bind_port, log_level=log_level
        )
        return
    config = server_config(
        create_app(services), services.settings, host=bind_host, port=bind_port, log_level=log_level
    )
    uvicorn.Server(config).run()  # with the slow-client limits (api/slow_clients.py)


def bench_api(
    requests: Annotated[int, typer.Option(help="Reviews to send in all.")] = 500,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once.")] = 8,
    draft: Annotated[str | None, typer.Option(help="Draft to review (default: a fixture).")] = None,
    kb: Annotated[str | None, typer.Option(help="History to index into a fresh store.")] = None,
    report: Annotated[str | None, typer.Option(help="Write the markdown report here.")] = None,
) -> None:
    """Bounded load run: `requests` reviews at `concurrency` against a loopback server."""
    from evals.bench_api import main

    argv = ["--requests", str(requests), "--concurrency", str(concurrency)]
    for flag, value in (("--draft", draft), ("--kb", kb), ("--report", report)):
        if value is not None:
            argv += [flag, value]
    raise typer.Exit(main(argv))


def register(app: typer.Typer, *, eval_app: typer.Typer, bench_app: typer.Typer) -> None:  # noqa: ARG001
    """Add `specreview serve` and `specreview bench api`."""
    app.command("serve")(serve)
    bench_app.command("api")(bench_api)
