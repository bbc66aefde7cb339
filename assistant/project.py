"""Finding a project like ruff finds its config: from the working directory upward to the
repository root (the folder that holds `.git`), else to the filesystem root."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.errors import ConfigError

CONFIG_FILE_NAME = ".specreview.toml"
STORE_FOLDER = ".specreview"


def working_folder() -> Path:
    """The working directory, or a ConfigError when it was removed under us."""
    try:
        return Path.cwd()
    except OSError as exc:
        raise ConfigError(
            f"the working directory is gone ({exc.strerror}); cd into your project and retry"
        ) from exc


def _safely(test: Callable[[], bool]) -> bool:
    """A path test where a folder we may not read counts as "no" (the search goes on)."""
    try:
        return test()
    except OSError:
        return False


def search_folders(start: Path) -> Iterator[Path]:
    """`start`, then each parent, ending at the repository root or the filesystem root."""
    folder = start.resolve()
    while True:
        yield folder
        if _safely((folder / ".git").exists) or folder.parent == folder:
            return
        folder = folder.parent


def repository_root(start: Path) -> Path | None:
    """The nearest folder from `start` upward that holds `.git` (a folder or a worktree file)."""
    return next((f for f in search_folders(start) if _safely((f / ".git").exists)), None)


def find_config(start: Path) -> Path | None:
    """The nearest `.specreview.toml` from `start` upward, or None."""
    return next(
        (
            f / CONFIG_FILE_NAME
            for f in search_folders(start)
            if _safely((f / CONFIG_FILE_NAME).is_file)
        ),
        None,
    )


def find_store(start: Path) -> Path | None:
    """`<folder>/.specreview/store` for the nearest folder with a `.specreview/`, or None."""
    return next(
        (
            f / STORE_FOLDER / "store"
            for f in search_folders(start)
            if _safely((f / STORE_FOLDER).is_dir)
        ),
        None,
    )


def default_store_path(start: Path) -> Path:
    """The store found upward; else a new one at the repository root, so every folder of the
    repository finds it later; outside a repository, in `start`."""
    found = find_store(start)
    if found is not None:
        return found
    root = repository_root(start) or start.resolve()
    return root / STORE_FOLDER / "store"
