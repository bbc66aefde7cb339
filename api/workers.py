"""`specreview serve --workers N`: N uvicorn worker processes behind one socket.

What must be shared by the processes, and why each choice is safe:

* The store: a `chroma run` server (`chroma_url`). Embedded Chroma is refused for N > 1: each
  process would hold its own in-memory copy of the vector index, so a document indexed by one
  worker would be missing from another's reviews, and two processes writing one persistent
  folder can corrupt it.
* The findings database: PostgreSQL (`database_url`), or the SQLite file beside the store on a
  local disk. SQLite is safe here because every check that must hold across workers is one
  statement in a write transaction (a unique insert accepts a delivery once; a conditional
  update claims a task or leases a pull request), SQLite serialises write transactions across
  processes with its file locks (WAL mode, writers wait up to 30 s), and each transaction is
  milliseconds long. An in-memory SQLite database (`sqlite://`) is refused: each process would
  have its own. SQLite's locks are unreliable on network file systems: use PostgreSQL there.
* Service state: deliveries, bot tasks, pull request leases and upload jobs live in that
  database (api/github/webhook.py, api/jobs.py), never in one process's memory.

The parent process resolves the settings once, recovers the last run's state once
(`recover_service_state`), then hands the settings to each worker in the environment.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from assistant.config import Settings
from assistant.errors import ConfigError

SETTINGS_ENV = "SPECREVIEW_WORKER_SETTINGS_JSON"  # the parent's resolved settings, for workers


def shared_database(settings: Settings) -> str:
    """Which database N processes share, or a ConfigError saying why they cannot."""
    url = settings.database_url
    if not url:
        return f"SQLite {settings.database_path} (a local file; one writer at a time)"
    if url.startswith("sqlite"):
        path = url.split("://", 1)[-1]
        if path in ("", "/", "/:memory:") or "mode=memory" in path:
            raise ConfigError(
                "--workers > 1 cannot share an in-memory SQLite database (each process would "
                "have its own): set SPECREVIEW_DATABASE_URL to a PostgreSQL server, or unset it "
                "for the SQLite file beside the store"
            )
        return f"SQLite {url} (a local file; one writer at a time)"
    return "the database server " + url.split("@")[-1].split("?")[0]


def check_workers(settings: Settings, workers: int) -> str:
    """A line saying what N workers share; ConfigError when they cannot share it safely."""
    if workers < 1:
        raise ConfigError(f"--workers must be 1 or more, not {workers}")
    if workers == 1:
        return "1 worker"
    if not settings.chroma_url:
        raise ConfigError(
            f"--workers {workers} needs a shared store, and the embedded Chroma store "
            f"({settings.store_path}) cannot be shared by several processes (each would keep "
            "its own copy of the index; concurrent writers can corrupt it): start "
            f"`chroma run --path {settings.store_path}` and set SPECREVIEW_CHROMA_URL "
            "(for example http://127.0.0.1:8001), or serve with --workers 1"
        )
    database = shared_database(settings)
    return f"{workers} workers sharing the store at {settings.chroma_url} and {database}"


def _settings() -> Settings:
    raw = os.environ.get(SETTINGS_ENV)
    if not raw:
        raise ConfigError(f"{SETTINGS_ENV} is unset: start workers with `specreview serve`")
    return Settings.model_validate_json(raw)


def __getattr__(name: str) -> Any:
    # uvicorn imports a worker's HTTP protocol by name ("api.workers:WorkerHttpProtocol"): the
    # slow-client limits of the parent's settings, built in the worker (a class made at run
    # time cannot be pickled to a spawned process).
    if name == "WorkerHttpProtocol":
        from api.slow_clients import header_deadline_protocol

        return header_deadline_protocol(_settings().request_header_timeout_s)
    raise AttributeError(name)


def serve_workers(
    settings: Settings, workers: int, *, host: str, port: int, log_level: str
) -> None:
    """Run `workers` uvicorn processes on host:port (uvicorn's supervisor restarts one that
    dies), each building the app from `settings`."""
    import uvicorn

    os.environ.update(worker_environment(settings))
    uvicorn.run(
        "api.workers:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        http="api.workers:WorkerHttpProtocol",
        timeout_keep_alive=settings.keep_alive_timeout_s,
    )


def worker_environment(settings: Settings) -> dict[str, str]:
    """What a worker process needs to build the parent's settings."""
    return {SETTINGS_ENV: settings.model_dump_json()}


def worker_app() -> FastAPI:
    """uvicorn's app factory in each worker: the app over the parent's settings."""
    from api.app import create_app
    from assistant.services import Services

    return create_app(Services(settings=_settings()))
