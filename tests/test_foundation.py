"""The foundation: settings, offline tokens, the offline embedder, the store contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings, load_settings
from assistant.embed import HashingEmbedder, MiniLMEmbedder
from assistant.errors import ConfigError
from assistant.markdown import parse_spec
from assistant.tokens import count_tokens


def test_settings_read_env_prefix_and_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / ".specreview.toml"
    config.write_text('chunk_tokens = 150\n[review]\nfail_on = "high"\n')
    monkeypatch.setenv("SPECREVIEW_CONFIG", str(config))
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / "s"))
    settings = load_settings()
    assert settings.chunk_tokens == 150
    assert settings.review.fail_on == "high"
    assert settings.store_path == tmp_path / "s"


def test_env_beats_toml_and_openai_vars_are_honoured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / ".specreview.toml"
    config.write_text("chunk_tokens = 150\n")
    monkeypatch.setenv("SPECREVIEW_CONFIG", str(config))
    monkeypatch.setenv("SPECREVIEW_CHUNK_TOKENS", "99")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = Settings()
    assert settings.chunk_tokens == 99
    assert settings.llm_base_url == "http://127.0.0.1:9/v1"
    assert not settings.llm_enabled


def test_broken_toml_is_a_clear_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / ".specreview.toml"
    config.write_text("chunk_tokens = = 1\n")
    monkeypatch.setenv("SPECREVIEW_CONFIG", str(config))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()


def test_tiktoken_works_offline() -> None:
    assert count_tokens("hello world") == 2
    assert count_tokens("<|endoftext|>") > 1  # special tokens are plain text here


def test_minilm_embeds_semantically() -> None:
    vectors = MiniLMEmbedder(threads=1).embed(
        ["The cat sat on the mat", "A feline rested on a rug", "Quarterly revenue grew 20%"]
    )
    cat, feline, revenue = vectors
    dot = lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    assert len(cat) == 384
    assert dot(cat, cat) == pytest.approx(1.0, abs=1e-4)
    assert dot(cat, feline) > dot(cat, revenue) + 0.3


def test_minilm_embeds_past_128_tokens() -> None:
    embedder = MiniLMEmbedder(threads=1)
    long_text = "word " * 400
    assert embedder.count_tokens([long_text]) == [256]


def test_hashing_embedder_is_deterministic() -> None:
    assert HashingEmbedder().embed(["a b c"]) == HashingEmbedder().embed(["a b c"])


def test_parse_spec_sections_and_lines() -> None:
    text = "---\ntitle: T\n---\n# Title\nintro\n\n## Why\nbecause\n```\n# not a heading\n```\n"
    spec = parse_spec(text)
    assert spec.front_matter == {"title": "T"}
    titles = [(s.title, s.start_line, s.end_line) for s in spec.sections]
    assert titles == [("Title", 4, 6), ("Why", 7, 12)]
    assert spec.sections[1].path == ("Title", "Why")


def test_broken_front_matter_is_reported_not_raised() -> None:
    spec = parse_spec("---\nowner: [a\n---\n# T\n")
    assert spec.front_matter == {}
    assert spec.front_matter_error and "broken YAML" in spec.front_matter_error
    assert spec.sections[0].title == "T"


def test_aliased_settings_accept_their_own_names() -> None:
    settings = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_api_key="k", github_token="t")
    assert (settings.llm_base_url, settings.llm_api_key, settings.github_token) == (
        "http://127.0.0.1:9/v1",
        "k",
        "t",
    )
