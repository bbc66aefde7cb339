"""Fixtures shared by every test: a clean environment, tmp settings, the shared folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.services import Services, disable_telemetry

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SPECREVIEW_SHARED", REPO.parent / "shared"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"

disable_telemetry()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never see the developer's SPECREVIEW_*/OPENAI_*/GITHUB_* settings or config file."""
    for name in list(os.environ):
        if name.startswith(("SPECREVIEW_", "OPENAI_", "GITHUB_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPECREVIEW_CONFIG", str(tmp_path_factory.getbasetemp() / "none.toml"))
    # Starlette's TestClient sends `Host: testserver`; with auth off only loopback names and
    # allowed hosts are served (tests of that check pass their own allowed_hosts).
    monkeypatch.setenv("SPECREVIEW_ALLOWED_HOSTS", "testserver")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a throwaway store and the hashing embedder (fast, not semantic)."""
    return Settings(store_path=tmp_path / "store", embedder="hashing")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    yield Services(settings=settings)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (the corpus and eval sets); tests that need it skip where it is absent."""
    if not (SHARED / "corpus" / "manifest.jsonl").is_file():
        pytest.skip(f"shared material not found at {SHARED} (set SPECREVIEW_SHARED)")
    return SHARED
