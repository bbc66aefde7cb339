"""Migrations: from an empty database and from the previous revision, on SQLite and PostgreSQL;
the ORM tables and the migrated schema agree; down and up again."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from assistant.db import migrate, open_ledger
from assistant.db.ledger import engine_url
from assistant.db.schema import Base
from assistant.ledger import DocumentKey
from assistant.models import Finding, Review, Span
from tests.db_support import DATABASES, fresh_database

ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    "reviews",
    "findings",
    "finding_states",
    "webhook_deliveries",
    "upload_jobs",
    "github_tasks",
    "pull_requests",
    "answers",
}


def _differences(url: str) -> list[object]:
    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_upgrade_from_empty_builds_exactly_the_orm_schema(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url:
        ledger = open_ledger(url)
        assert migrate.current_revision(ledger.engine) == migrate.head_revision()
        assert TABLES <= set(inspect(ledger.engine).get_table_names())
        ledger.close()
        assert _differences(url) == []


@pytest.mark.parametrize("kind", DATABASES)
def test_upgrade_from_the_previous_revision_keeps_the_data(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url:
        engine = create_engine(engine_url(url))
        migrate.upgrade(engine, "0001")
        assert "upload_jobs" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO reviews (repo, path, content_hash, doc_type, llm_mode, surface,"
                    " created_at) VALUES ('', 'old.md', 'h', 'spec', 'off', 'cli', :at)"
                ),
                {"at": datetime(2026, 1, 1, tzinfo=UTC)},
            )
        engine.dispose()
        ledger = open_ledger(url)  # opening migrates to head
        old = ledger.reviews(document=DocumentKey(path="old.md"))
        assert [r.created_at for r in old] == [datetime(2026, 1, 1, tzinfo=UTC)]
        assert ledger.first_time_delivery("d")  # the new tables work
        ledger.close()
        assert _differences(url) == []


@pytest.mark.parametrize("kind", DATABASES)
def test_downgrade_to_base_and_up_again(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url:
        ledger = open_ledger(url)
        finding = Finding(
            code="SPEC-WHY",
            severity="high",
            title="t",
            message="m",
            suggestion="s",
            span=Span(start_line=1, end_line=1, quote="q"),
            fingerprint="f",
        )
        ledger.record_review(
            Review(path="a.md", findings=[finding]),
            document=DocumentKey(path="a.md"),
            content_hash="h",
            surface="cli",
        )
        migrate.downgrade(ledger.engine, "0001")
        assert "webhook_deliveries" not in inspect(ledger.engine).get_table_names()
        migrate.downgrade(ledger.engine, "base")
        assert not TABLES & set(inspect(ledger.engine).get_table_names())
        migrate.upgrade(ledger.engine)
        assert migrate.current_revision(ledger.engine) == migrate.head_revision()
        assert ledger.reviews() == []
        ledger.close()


@pytest.mark.parametrize("kind", DATABASES)
def test_processes_opening_a_new_database_at_once_all_get_it_migrated(
    kind: str, tmp_path: Path
) -> None:
    # `serve --workers N` on a new database: each worker migrates on start.
    opener = "import sys; from assistant.db import open_ledger; open_ledger(sys.argv[1]).close()"
    with fresh_database(kind, tmp_path) as url:
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", opener, url], cwd=ROOT, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        failures = []
        for worker in workers:
            _, err = worker.communicate(timeout=120)
            if worker.returncode != 0:
                failures.append(err)
        assert failures == []
        engine = create_engine(engine_url(url))
        assert migrate.current_revision(engine) == migrate.head_revision()
        engine.dispose()
