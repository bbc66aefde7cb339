"""The one composition root: builds the real implementations from Settings, lazily."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from assistant.config import Settings, load_settings
from assistant.embed import Embedder, HashingEmbedder, MiniLMEmbedder
from assistant.errors import StoreError
from assistant.store import ChromaStore, VectorStore

if TYPE_CHECKING:
    from assistant.ask import Asker
    from assistant.checks.base import ReviewStage
    from assistant.ledger import FindingLedger
    from assistant.llm import LLM
    from assistant.retrieval import Retriever, StoreHistory
    from assistant.review import Reviewer


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "hashing":
        return HashingEmbedder()
    return MiniLMEmbedder(
        threads=settings.embed_threads,
        batch_size=settings.embed_batch_size,
        max_tokens=settings.embed_max_tokens,
        cache_dir=settings.cache_dir / "models",
    )


def open_store(settings: Settings, embedder: Embedder) -> VectorStore:
    if settings.chroma_url:
        return ChromaStore.open(
            url=settings.chroma_url, prefix=settings.collection_prefix, embedder_name=embedder.name
        )
    settings.store_path.mkdir(parents=True, exist_ok=True)
    return ChromaStore.open(
        path=str(settings.store_path),
        prefix=settings.collection_prefix,
        embedder_name=embedder.name,
        lock_timeout=settings.store_lock_timeout,
    )


@dataclass
class Services:
    """What the CLI, the API and the bot share. Built once per process (or per test)."""

    settings: Settings = field(default_factory=load_settings)
    _embedder: Embedder | None = None
    _store: VectorStore | None = None
    _ledger: FindingLedger | None = None

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or build_embedder(self.settings)

    @cached_property
    def store(self) -> VectorStore:
        return self._store or open_store(self.settings, self.embedder)

    @cached_property
    def ledger(self) -> FindingLedger:
        """The findings database (opened and migrated on first use): PostgreSQL when
        database_url is set, else SQLite beside the store."""
        if self._ledger is not None:
            return self._ledger
        from assistant.db import open_ledger, sqlite_url

        return open_ledger(self.settings.database_url or sqlite_url(self.settings.database_path))

    def close_ledger(self) -> None:
        """Close the database's connections if it was opened (a server's shutdown)."""
        ledger = self.__dict__.pop("ledger", None)
        if ledger is not None and ledger is not self._ledger:
            ledger.close()

    def database_in_use(self) -> bool:
        """Whether reviews are recorded unasked: a database URL is set, or the SQLite database
        or the store exists already (a review never creates a project's .specreview/)."""
        settings = self.settings
        return (
            self._ledger is not None
            or bool(settings.database_url)
            or settings.database_path.exists()
            or settings.store_path.exists()
        )

    @cached_property
    def retriever(self) -> Retriever:
        from assistant.retrieval import Retriever

        return Retriever(self.store, self.embedder)

    @cached_property
    def history(self) -> StoreHistory:
        from assistant.retrieval import StoreHistory

        return StoreHistory(self.retriever, self.store)

    @cached_property
    def reviewer(self) -> Reviewer:
        """The offline reviewer: default checks, history when anything is indexed."""
        from assistant.review import Reviewer

        history, unavailable = self._history_or_why_not()
        stages: list[ReviewStage] = []
        if self.llm is not None:  # the LLM pass, after the offline checks
            from assistant.llm_review import LLMReviewStage
            from assistant.llm_rules import LLMRuleStage

            stages.append(LLMReviewStage.from_settings(self.llm, self.settings))
            stages.append(LLMRuleStage.from_settings(self.llm, self.settings))  # team rules
        return Reviewer(
            history=history,
            history_unavailable=unavailable,
            config=self.settings.review,
            embedder=self.embedder,
            stages=stages,
        )

    def _history_or_why_not(self) -> tuple[StoreHistory | None, str | None]:
        """The history, or None and why (None: nothing indexed, the reviewer's default reason).
        An unreachable store skips the history checks; the rest of the review still runs."""
        try:
            return (self.history if self._anything_indexed() else None), None
        except StoreError as exc:
            return None, f"the store is unreachable ({exc})"

    def _anything_indexed(self) -> bool:
        """Whether the store holds documents; a local store that does not exist holds none,
        and a review (which only reads) must not create one (say, in a pre-commit hook's repo)."""
        local = self._store is None and not self.settings.chroma_url
        if local and not self.settings.store_path.exists():
            return False
        return bool(self.store.list_documents())

    def store_changed(self) -> None:
        """Forget members built from what the store held (the reviewer's history switch), so a
        long-running process (the API) sees documents indexed or deleted since."""
        self.__dict__.pop("reviewer", None)

    @cached_property
    def asker(self) -> Asker:
        from assistant.ask import Asker

        writer = None
        if self.llm is not None:
            from assistant.llm_answer import LLMAnswerWriter

            writer = LLMAnswerWriter.from_settings(self.llm, self.settings)
        return Asker(self.retriever, self.store, writer)

    @cached_property
    def llm(self) -> LLM | None:
        """The configured model (OpenAI-compatible), or None: offline mode."""
        from assistant.llm import build_llm

        return build_llm(self.settings)


def disable_telemetry() -> None:
    """Chroma and friends must never phone home; set before chromadb is imported."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("CHROMA_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
