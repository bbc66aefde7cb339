"""Alembic, run from code: the migrations ship inside the package and run on open."""

from __future__ import annotations

import threading
import time
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ONE_AT_A_TIME = threading.Lock()


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The newest revision shipped with this version of specreview."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to `revision` (nothing to do when it is there already)."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    with _ONE_AT_A_TIME:  # alembic's `context` is process-global: one command at a time
        try:
            with engine.begin() as connection:
                command.upgrade(_config(connection), revision)
        except SQLAlchemyError:
            # Processes starting at once (`serve --workers N`) race to migrate; the losers fail
            # on tables the winner created, and find the database at head once it is done.
            if revision != "head" or not _reaches_head(engine):
                raise


def _reaches_head(engine: Engine, wait_s: float = 30.0) -> bool:
    """Whether another process's migration brings the database to head within `wait_s`: on
    SQLite each DDL statement commits on its own, so a loser sees the first tables while the
    winner is still creating the rest."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if current_revision(engine) == head_revision():
                return True
        except SQLAlchemyError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate down to `revision` ("base": empty)."""
    with _ONE_AT_A_TIME, engine.begin() as connection:
        command.downgrade(_config(connection), revision)
