"""The repository's own configuration: .specreview.toml read from the BASE branch (so a pull
request cannot switch its own review off), validated into ReviewConfig and GitHubConfig, and
the spec-file globs matched the way git users expect (`**` spans folders, `*` does not)."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError

from api.github.client import GitHubClient
from assistant.config import CONFIG_FILE_NAME, GitHubConfig, ReviewConfig, lift_rules
from assistant.errors import ConfigError

SPEC_SUFFIXES = (".md", ".markdown", ".mdx")


class RepoConfig(BaseModel):
    """The [review] and [github] tables of a repository's .specreview.toml."""

    review: ReviewConfig = Field(default_factory=ReviewConfig)
    github: GitHubConfig = Field(default_factory=GitHubConfig)


def parse_repo_config(text: str, *, source: str = CONFIG_FILE_NAME) -> RepoConfig:
    """Parse and validate a .specreview.toml; other top-level keys (settings) are ignored."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc}); fix the file") from exc
    data = lift_rules(data, source=source)  # [[rules]] join the [review] table
    try:
        return RepoConfig.model_validate(
            {key: data[key] for key in ("review", "github") if key in data}
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}; fix these keys") from exc


def load_repo_config(client: GitHubClient, owner: str, repo: str, *, ref: str) -> RepoConfig:
    """The config on `ref` (the base branch); defaults when the file does not exist."""
    text = client.read_file(owner, repo, CONFIG_FILE_NAME, ref=ref)
    if text is None:
        return RepoConfig()
    return parse_repo_config(text, source=f"{CONFIG_FILE_NAME} on {ref}")


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches_glob(path: str, pattern: str) -> bool:
    """Match a repo path against a glob; a pattern naming a folder also matches inside it."""
    pattern = pattern.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    return bool(_glob_regex(pattern).match(path))


def is_spec_path(path: str, globs: list[str]) -> bool:
    """A markdown file matching one of the spec globs."""
    return path.lower().endswith(SPEC_SUFFIXES) and any(matches_glob(path, g) for g in globs)
