"""The tables, as SQLAlchemy 2 ORM classes. The migrations (migrations/versions/) create them;
a change here needs a new revision there (tests/test_db_migrations.py compares the two)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so a migration can alter them on SQLite (batch mode) as on PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC one")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ReviewRow(Base):
    """One review of one document, from one surface."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_document", "repo", "path", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo: Mapped[str] = mapped_column(String(200), default="")
    path: Mapped[str] = mapped_column(String(1000))
    content_hash: Mapped[str] = mapped_column(String(64))
    doc_type: Mapped[str] = mapped_column(String(20))
    llm_mode: Mapped[str] = mapped_column(String(20))
    surface: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    findings: Mapped[list[FindingRow]] = relationship(
        back_populates="review", order_by="FindingRow.id", cascade="all, delete-orphan"
    )


class FindingRow(Base):
    """A finding as one review raised it."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(100), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    start_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    section: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    related: Mapped[list[str]] = mapped_column(JSON, default=list)  # ids of records cited
    review: Mapped[ReviewRow] = relationship(back_populates="findings")


class FindingStateRow(Base):
    """Where one fingerprint stands on one document: open, resolved, dismissed or reopened."""

    __tablename__ = "finding_states"
    __table_args__ = (UniqueConstraint("repo", "path", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo: Mapped[str] = mapped_column(String(200), default="")
    path: Mapped[str] = mapped_column(String(1000))
    fingerprint: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliveryRow(Base):
    """A GitHub webhook delivery seen, so a replay (to any worker, after a restart) is ignored."""

    __tablename__ = "webhook_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class JobRow(Base):
    """An upload (indexing) job, so one cut off by a restart is reported failed, not lost."""

    __tablename__ = "upload_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class GitHubTaskRow(Base):
    """The work an accepted webhook delivery asked for, inserted with the delivery in one
    transaction: any worker claims it once; one cut off by a crash is run again on restart."""

    __tablename__ = "github_tasks"

    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    repo: Mapped[str] = mapped_column(String(200))  # owner/name
    number: Mapped[int] = mapped_column(Integer)
    task: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), index=True)  # queued/running/done/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PullRequestRow(Base):
    """A pull request's last bot run, and the lease of the worker reviewing it now."""

    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repo", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)
    head_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    conclusion: Mapped[str | None] = mapped_column(String(20), nullable=True)
    summary_comment_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FindingCitationRow(Base):
    """A record a finding cites (its `related` ids, one row each), so Insights counts the
    reviews citing each record with an index, not by reading every finding's JSON."""

    __tablename__ = "finding_citations"
    __table_args__ = (Index("ix_finding_citations_record", "record_id", "review_id"),)

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(String(1000), primary_key=True)
    review_id: Mapped[int] = mapped_column(Integer)


class AnswerRow(Base):
    """An answer given (`specreview ask`, /v1/ask, the Ask page) and the records it cited, so
    Insights can say which decisions are read and which never are."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_hash: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    cited: Mapped[list[str]] = mapped_column(JSON, default=list)  # record ids, citation order
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    surface: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
