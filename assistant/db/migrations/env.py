"""Alembic's environment: migrations run on the connection `assistant.db.migrate` hands over
(in `config.attributes["connection"]`); there is no offline (SQL script) mode."""

from __future__ import annotations

from alembic import context

from assistant.db.schema import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations through assistant.db.migrate (they need a connection)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
