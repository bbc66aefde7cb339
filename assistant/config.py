"""Settings: the only reader of the environment (SPECREVIEW_*, OPENAI_*) and of .specreview.toml."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from assistant.errors import ConfigError
from assistant.project import CONFIG_FILE_NAME as CONFIG_FILE_NAME  # re-exported
from assistant.project import default_store_path, find_config, working_folder
from assistant.rules import Rule, parse_rules

Severity = Literal["info", "low", "medium", "high"]
_OPEN_INLINE = re.compile(r"=\s*\{[^}\n]*$", re.MULTILINE)  # an inline table left open


class ReviewConfig(BaseModel):
    """Per-repo review configuration (the [review] table of .specreview.toml)."""

    enabled_checks: list[str] | None = None  # None = all checks
    disabled_checks: list[str] = Field(default_factory=list)
    severities: dict[str, Severity] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    fail_on: Severity | None = None
    # Glob → document type ("docs/adr/**" = "decision"), for folders detection cannot read.
    types: dict[str, str] = Field(default_factory=dict)
    # The team's own rules: the top-level [[rules]] of .specreview.toml (assistant/rules.py).
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: dict[str, str]) -> dict[str, str]:
        from assistant.doctype import declared_type  # doctype does not import config

        for glob, name in value.items():
            if declared_type(name) is None:
                raise ValueError(
                    f'[review] types: "{glob}" = "{name}" is not a document type '
                    "(use spec, design or decision)"
                )
        return value


class GitHubConfig(BaseModel):
    """The [github] table: what the bot reviews and indexes."""

    spec_globs: list[str] = Field(
        default_factory=lambda: [
            "docs/specs/**",
            "specs/**",
            "rfcs/**",
            # Decision records: reviewed with the decision checks only (their type is detected).
            "**/adr/**",
            "**/adrs/**",
            "**/decisions/**",
            "**/decision-records/**",
            "**/*.spec.md",
        ]
    )
    kb_paths: list[str] = Field(
        default_factory=lambda: ["docs/adr", "docs/decisions", "docs/retros"]
    )
    review_drafts: bool = False
    max_comments: int = 20
    # A 👎 on the bot's inline comment dismisses its finding (as wrong) on the next run. GitHub's
    # rollup does not say who reacted: set false where people without write access can react.
    dismiss_on_reaction: bool = True


class Settings(BaseSettings):
    """Everything configurable. Env prefix SPECREVIEW_, e.g. SPECREVIEW_STORE_PATH."""

    model_config = SettingsConfigDict(
        env_prefix="SPECREVIEW_",
        env_nested_delimiter="__",
        extra="ignore",
        # Aliased fields (llm_base_url, llm_api_key, github_token) also accept their own name.
        populate_by_name=True,
    )

    # The .specreview.toml in use: --config, SPECREVIEW_CONFIG, else the nearest one from the
    # working directory up to the repository root; None when there is none.
    config_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("SPECREVIEW_CONFIG", "config_file")
    )

    # Store: embedded Chroma on disk by default, a `chroma run` server when chroma_url is set.
    # Default: the nearest .specreview/ from the working directory up to the repository root,
    # else a new one at that root (assistant/project.py). Relative in a config file: relative
    # to that file's folder.
    store_path: Path = Field(default_factory=lambda: default_store_path(working_folder()))
    chroma_url: str | None = None
    # Writers to one embedded store take turns (a file lock in its folder); how long one waits.
    store_lock_timeout: float = Field(600.0, gt=0)
    collection_prefix: str = "specreview"

    # The findings database (reviews, findings, dismissals, the service's own state): SQLite
    # at .specreview/specreview.db beside the store by default; PostgreSQL when this is set
    # (postgresql://user:password@host/dbname).
    database_url: str | None = None

    # Embedder: the offline MiniLM int8 model; "hashing" is for tests only.
    embedder: Literal["minilm", "hashing"] = "minilm"
    embed_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    # 16, not 32: the pipeline sorts by length within groups of 1,024 chunks, and smaller
    # batches span fewer lengths (corpus padding 1.3% instead of 2.7%); no slower per token.
    embed_batch_size: int = 16
    # Word pieces embedded per chunk; the rest of a chunk is still searchable by keyword.
    embed_max_tokens: int = Field(default=256, ge=16, le=512)
    chunk_tokens: int = 200

    # Where offline assets (tiktoken encodings, llama-server) are cached.
    cache_dir: Path = Field(
        default_factory=lambda: (
            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "specreview"
        )
    )

    # LLM (OpenAI-compatible). No model = offline mode.
    llm_model: str | None = None
    llm_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SPECREVIEW_LLM_BASE_URL", "OPENAI_BASE_URL")
    )
    llm_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("SPECREVIEW_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout_s: float = 60.0
    llm_deadline_s: float = 300.0
    llm_max_tokens: int = 1024
    llm_temperature: float = 0.0
    llm_context_tokens: int = 8192
    llm_max_retries: int = 3
    # Circuit breaker: after this many failed calls in a row (timeouts, connection errors, 5xx,
    # 429) the model is not called for llm_breaker_cooldown_s; then one call tries it again.
    llm_breaker_failures: int = Field(3, ge=1)
    llm_breaker_cooldown_s: float = Field(60.0, ge=0)

    # Service.
    host: str = "127.0.0.1"
    port: int = 8000
    api_tokens: str | None = None  # comma-separated bearer tokens
    max_request_bytes: int = 12_000_000
    max_draft_bytes: int = 5_000_000
    max_question_chars: int = 2_000
    # With auth off, only requests whose Host is a loopback name, `host`, or one of these
    # (comma-separated names, e.g. a tunnel's) are served: a DNS-rebinding page is refused.
    allowed_hosts: str | None = None
    # Slow clients: a request's headers must arrive within request_header_timeout_s of its
    # first byte, its body within request_body_timeout_s; idle keep-alive connections close.
    request_header_timeout_s: float = Field(10.0, gt=0)
    request_body_timeout_s: float = Field(60.0, gt=0)
    keep_alive_timeout_s: int = Field(5, ge=1)

    # GitHub bot.
    github_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SPECREVIEW_GITHUB_TOKEN", "GITHUB_TOKEN")
    )
    github_app_id: str | None = None
    github_private_key: str | None = None
    github_webhook_secret: str | None = None
    github_api_url: str = "https://api.github.com"

    review: ReviewConfig = Field(default_factory=ReviewConfig)
    github: GitHubConfig = Field(default_factory=GitHubConfig)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model)

    @property
    def database_path(self) -> Path:
        """The SQLite database used when no database_url is set: beside the store."""
        return self.store_path.parent / "specreview.db"

    @property
    def api_token_list(self) -> list[str]:
        return [t.strip() for t in (self.api_tokens or "").split(",") if t.strip()]

    @property
    def allowed_host_list(self) -> list[str]:
        return [h.strip().lower() for h in (self.allowed_hosts or "").split(",") if h.strip()]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit arguments beat the environment, which beats .specreview.toml.
        given = getattr(init_settings, "init_kwargs", {})  # keyed by the first alias
        explicit = given.get("SPECREVIEW_CONFIG") or given.get("config_file")
        return (init_settings, env_settings, _TomlSource(settings_cls, explicit))


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the config file: the explicit one, SPECREVIEW_CONFIG, else the one found upward.

    SPECREVIEW_CONFIG naming a missing file means no config (tests and CI isolate themselves
    so); `specreview status` shows it.
    """

    def __init__(self, settings_cls: type[BaseSettings], explicit: Path | str | None) -> None:
        super().__init__(settings_cls)
        self._explicit = explicit

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # noqa: ARG002
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        named = self._explicit or os.environ.get("SPECREVIEW_CONFIG")
        path = Path(named) if named else find_config(working_folder())
        if path is None or not path.is_file():
            return {}
        data = lift_rules(read_toml_config(path), source=str(path))
        data.pop("config_file", None)
        if isinstance(data.get("store_path"), str):
            data["store_path"] = path.parent / data["store_path"]  # an absolute path stays
        return {**data, "config_file": path}


def read_toml_config(path: Path) -> dict[str, Any]:
    """Parse a .specreview.toml; top-level keys are settings, [review] and [github] are tables."""
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # TOML 1.0 keeps an inline table on one line: `examples = { pass = [...],` then more.
        hint = (
            " (an inline table must fit on one line: write a rule's examples as a "
            "[rules.examples] table after it)"
            if isinstance(exc, tomllib.TOMLDecodeError) and _OPEN_INLINE.search(text)
            else ""
        )
        raise ConfigError(f"{path}: not valid TOML ({exc}){hint}; fix or delete the file") from exc


def lift_rules(data: dict[str, Any], *, source: str) -> dict[str, Any]:
    """Validate the file's top-level [[rules]] (one error naming the file and the rule) and
    move them into the [review] table, so they travel with each review's configuration."""
    if "rules" not in data:
        return data
    rules = parse_rules(data.pop("rules"), source=source)
    review = data.get("review")
    review = dict(review) if isinstance(review, dict) else {}
    return {**data, "review": {**review, "rules": rules}}


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning validation errors into a ConfigError that names the bad key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
