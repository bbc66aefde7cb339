"""The findings database: SQLAlchemy 2 over embedded SQLite (default) or PostgreSQL (by URL),
with Alembic migrations shipped here and run on open. The only sqlalchemy and alembic imports
live in this package; everything else talks to `assistant.ledger.FindingLedger`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.db.ledger import SqlLedger


def sqlite_url(path: Path) -> str:
    """The URL of an SQLite database file."""
    return f"sqlite:///{path}"


def open_ledger(url: str, *, lock_wait_s: float = 30.0) -> SqlLedger:
    """Connect, migrate to the newest schema, and return the ledger (DatabaseError if not).
    `lock_wait_s`: how long an SQLite writer waits for another's lock."""
    from assistant.db.ledger import SqlLedger

    return SqlLedger.open(url, lock_wait_s=lock_wait_s)
