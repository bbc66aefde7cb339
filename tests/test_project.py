"""A project is found like ruff finds its config: .specreview.toml and .specreview/ from the
working directory upward to the repository root; flags beat env, which beats the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.errors import ConfigError


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/repo (a git repository) with a folder two levels down as the working directory."""
    monkeypatch.delenv("SPECREVIEW_CONFIG")  # the suite's isolation; these tests search
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "docs" / "adr").mkdir(parents=True)
    monkeypatch.chdir(root / "docs" / "adr")
    return root


def test_the_config_is_found_upward_and_its_store_path_is_relative_to_it(repo: Path) -> None:
    (repo / ".specreview.toml").write_text('store_path = "var/store"\nllm_model = "m"\n')
    settings = load_settings()
    assert settings.config_file == repo / ".specreview.toml"
    assert settings.store_path == repo / "var" / "store"
    assert settings.llm_model == "m"


def test_the_search_stops_at_the_repository_root(repo: Path, tmp_path: Path) -> None:
    (tmp_path / ".specreview.toml").write_text('llm_model = "outside"\n')
    (tmp_path / ".specreview").mkdir()
    settings = load_settings()
    assert settings.config_file is None and settings.llm_model is None
    # No store found inside the repository: a new one goes to its root, found from anywhere.
    assert settings.store_path == repo / ".specreview" / "store"


def test_the_nearest_store_folder_wins(repo: Path) -> None:
    (repo / ".specreview").mkdir()
    assert load_settings().store_path == repo / ".specreview" / "store"
    (repo / "docs" / ".specreview").mkdir()
    assert load_settings().store_path == repo / "docs" / ".specreview" / "store"


def test_outside_a_repository_the_store_is_made_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().store_path == tmp_path / ".specreview" / "store"


def test_explicit_beats_env_beats_the_config_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".specreview.toml").write_text('store_path = "from-toml"\nllm_model = "toml"\n')
    assert load_settings().llm_model == "toml"
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", "/env/store")
    monkeypatch.setenv("SPECREVIEW_LLM_MODEL", "env")
    settings = load_settings()
    assert (settings.store_path, settings.llm_model) == (Path("/env/store"), "env")
    settings = load_settings(store_path=Path("/flag/store"), llm_model="flag")
    assert (settings.store_path, settings.llm_model) == (Path("/flag/store"), "flag")


def test_an_explicit_config_file_replaces_the_found_one(repo: Path, tmp_path: Path) -> None:
    (repo / ".specreview.toml").write_text('llm_model = "found"\n')
    other = tmp_path / "team.toml"
    other.write_text('llm_model = "team"\nstore_path = "shared-store"\n')
    settings = load_settings(config_file=other)
    assert settings.config_file == other and settings.llm_model == "team"
    assert settings.store_path == tmp_path / "shared-store"


def test_a_removed_working_directory_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(ConfigError, match="the working directory is gone"):
        load_settings()
