"""Answers given and the records each cited, and the records each finding cites, one row each
(for Insights: decisions cited, and never cited); existing findings' citations are copied in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_hash", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("cited", sa.JSON(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("surface", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
    )
    op.create_index("ix_answers_question_hash", "answers", ["question_hash"])
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_table(
        "finding_citations",
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(1000), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name="fk_finding_citations_finding_id_findings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("finding_id", "record_id", name="pk_finding_citations"),
    )
    op.create_index("ix_finding_citations_record", "finding_citations", ["record_id", "review_id"])
    _copy_citations()


def _copy_citations(batch: int = 1000) -> None:
    """One row per (finding, record it cites) for the findings recorded before this revision."""
    findings = sa.table(
        "findings", sa.column("id", sa.Integer()), sa.column("review_id", sa.Integer()),
        sa.column("related", sa.JSON()),
    )  # fmt: skip
    citations = sa.table(
        "finding_citations", sa.column("finding_id", sa.Integer()),
        sa.column("record_id", sa.String()), sa.column("review_id", sa.Integer()),
    )  # fmt: skip
    bind = op.get_bind()
    query = (
        sa.select(findings.c.id, findings.c.review_id, findings.c.related)
        .where(findings.c.related[0].as_string().is_not(None))
        .order_by(findings.c.id)
        .limit(batch)
    )
    after = 0
    while True:
        rows = bind.execute(query.where(findings.c.id > after)).all()
        values = [
            {"finding_id": finding_id, "record_id": record_id, "review_id": review_id}
            for finding_id, review_id, related in rows
            for record_id in dict.fromkeys(related or [])
        ]
        if values:
            bind.execute(sa.insert(citations), values)
        if len(rows) < batch:
            return
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_table("finding_citations")
    op.drop_table("answers")
