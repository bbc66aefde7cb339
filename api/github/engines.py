"""What the bot asks of the engine, per repository: review a spec, answer a question, and index
the repository's own decision records and retros so findings and answers can cite them.

Each repository gets its own in-memory store (its history never mixes with another's) while
the embedding model is shared. The real implementation builds a per-repo `Services`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import Protocol

from assistant.config import ReviewConfig
from assistant.errors import InputError
from assistant.identity import repo_key
from assistant.ledger import DocumentKey, FindingLedger, remember
from assistant.models import Answer, Review
from assistant.services import Services
from assistant.store import InMemoryStore


@dataclass(frozen=True)
class KbFile:
    """A knowledge-base record read from the repo; `version` is its blob sha (or text hash)."""

    path: str
    text: str
    version: str


class RepoEngines(Protocol):
    """The engine as one repository sees it."""

    def indexed_version(self, path: str) -> str | None:
        """The version of `path` already indexed, so unchanged records are not fetched again."""
        ...

    def index(self, files: Sequence[KbFile]) -> int:
        """Make the index hold exactly these records (all of the repo's knowledge base);
        returns how many were (re)indexed."""
        ...

    def review(self, text: str, *, path: str, config: ReviewConfig) -> Review: ...

    def ask(self, question: str) -> Answer: ...


class EngineFactory(Protocol):
    def __call__(self, repo: str) -> RepoEngines: ...


@dataclass
class ServicesEngines:
    """RepoEngines over a per-repo Services: the shared embedder, this repo's own store."""

    base: Services
    repo: str = ""  # owner/name: the documents' identity in the findings database
    record: bool = True  # record reviews in the service's findings database
    store: InMemoryStore = field(default_factory=InMemoryStore)
    _versions: dict[str, str] = field(default_factory=dict)
    _doc_ids: dict[str, str] = field(default_factory=dict)
    _built: Services | None = None

    def _services(self) -> Services:
        """Services for this repo, reused until the index changes (the reviewer and asker
        build their retrieval over the store once, not per file or question)."""
        if self._built is None:
            self._built = Services(
                settings=self.base.settings, _embedder=self.base.embedder, _store=self.store
            )
        return self._built

    def indexed_version(self, path: str) -> str | None:
        return self._versions.get(path)

    def index(self, files: Sequence[KbFile]) -> int:
        from index.load import load_text  # the bot lives at the edge: it may use index/

        listed = {f.path for f in files}
        removed = [p for p in self._versions if p not in listed]
        for gone in removed:
            self.store.delete_document(self._doc_ids.pop(gone))  # deleted from the repo
            del self._versions[gone]
        documents = []
        for f in files:
            if self._versions.get(f.path) == f.version:
                continue  # unchanged since the last run: nothing to parse or embed
            try:
                doc = load_text(f.text, path=f.path)
            except InputError:
                continue  # an empty or oversized record is skipped, not fatal
            documents.append(doc)
            self._versions[f.path] = f.version
            self._doc_ids[f.path] = doc.id
        if documents or removed:
            self._built = None  # retrieval built over the old index is stale
        if not documents:
            return 0
        from index.pipeline import index_documents

        index_documents(
            documents,
            store=self.store,
            embedder=self.base.embedder,
            chunk_tokens=self.base.settings.chunk_tokens,
        )
        return len(documents)

    def findings_ledger(self) -> FindingLedger | None:
        """The findings database the reviews are recorded in (None when they are not): the
        bot dismisses there (`/specreview dismiss`, a 👎 on its comment)."""
        return self.base.ledger if self.record else None

    def review(self, text: str, *, path: str, config: ReviewConfig) -> Review:
        # The repository's configuration goes with the review: checks, severities and
        # thresholds are applied by the engine, in one place.
        review = self._services().reviewer.review_text(text, path=path, config=config)
        if not self.record:
            return review
        # Recorded in the service's database; findings dismissed on this file are suppressed.
        return remember(
            lambda: self.base.ledger,
            review,
            document=DocumentKey(repo=repo_key(self.repo) if self.repo else "", path=path),
            content=text,
            surface="github",
        )

    def ask(self, question: str) -> Answer:
        return self._services().asker.ask(question)


class ServicesEngineFactory:
    """Per-repo engines, the most recently used few kept warm (their stores are in memory)."""

    def __init__(self, base: Services, *, keep: int = 16, record: bool = True) -> None:
        self._base = base
        self._keep = keep
        self._record = record
        self._repos: OrderedDict[str, ServicesEngines] = OrderedDict()
        self._lock = Lock()

    def __call__(self, repo: str) -> RepoEngines:
        with self._lock:
            engines = self._repos.pop(repo, None) or ServicesEngines(
                base=self._base, repo=repo, record=self._record
            )
            self._repos[repo] = engines
            while len(self._repos) > self._keep:
                self._repos.popitem(last=False)
            return engines
