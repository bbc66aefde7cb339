"""Databases for the tests: a fresh SQLite file, or a fresh database on the PostgreSQL server
that scripts/test.sh starts (SPECREVIEW_TEST_POSTGRES_URL); PostgreSQL tests skip without it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assistant.db import sqlite_url
from assistant.db.ledger import engine_url

# Read at import: the autouse fixture clears SPECREVIEW_* variables for each test.
POSTGRES_URL = os.environ.get("SPECREVIEW_TEST_POSTGRES_URL")
NO_POSTGRES = (
    "no PostgreSQL server: SPECREVIEW_TEST_POSTGRES_URL is unset (scripts/test.sh starts one "
    "with scripts/postgres-for-tests.sh; it could not here, or pytest ran without it)"
)
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"specreview_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(engine_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield (
            make_url(engine_url(POSTGRES_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield sqlite_url(tmp_path / "specreview.db")
    else:
        with fresh_postgres() as url:
            yield url


@contextmanager
def cli_database(kind: str, project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The database a CLI run in `project` records to: the default SQLite file beside its
    store, or a fresh PostgreSQL database given by SPECREVIEW_DATABASE_URL."""
    if kind == "sqlite":
        yield sqlite_url(project / ".specreview" / "specreview.db")
        return
    with fresh_database("postgresql", project) as url:
        monkeypatch.setenv("SPECREVIEW_DATABASE_URL", url)
        yield url
