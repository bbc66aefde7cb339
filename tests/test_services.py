"""The composition root: what building the engine does to the disk."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings
from assistant.services import Services

SPEC = "# Checkout\n\n## Problem\nUsers abandon carts.\n\n## Open questions\n- TBD\n"


def test_a_review_without_a_store_creates_none(tmp_path: Path) -> None:
    """A review only reads history: where nothing was indexed it writes no store (a pre-commit
    hook must leave the user's repository as it found it)."""
    store = tmp_path / ".specreview" / "store"
    services = Services(settings=Settings(store_path=store, embedder="hashing"))
    (tmp_path / "spec.md").write_text(SPEC)
    review = services.reviewer.review_file(tmp_path / "spec.md")
    assert review.findings
    assert not (tmp_path / ".specreview").exists()


def test_a_review_reads_an_existing_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    services = Services(settings=Settings(store_path=store, embedder="hashing"))
    assert services.store.list_documents() == []  # opening it for indexing creates it
    assert store.is_dir()
    assert Services(settings=Settings(store_path=store, embedder="hashing")).reviewer is not None
