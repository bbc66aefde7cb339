"""Prompt templates: jinja2 files under prompts/<task>/, rendered with StrictUndefined."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from assistant.errors import ConfigError


def prompts_dir() -> Path:
    import prompts

    return Path(prompts.__file__).parent


# A loaded asset: the templates on disk do not change, and jinja2 guards its template cache.
@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(prompts_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # prompts are plain text, not HTML
        keep_trailing_newline=False,
        trim_blocks=False,
    )


def render_prompt(task: str, name: str, **variables: Any) -> str:
    """Render prompts/<task>/<name>.j2; a missing variable or template is a ConfigError."""
    try:
        return _environment().get_template(f"{task}/{name}.j2").render(**variables).strip()
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(
            f"prompt template {task}/{name}.j2 not found in {prompts_dir()}; reinstall specreview"
        ) from exc
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"prompt {task}/{name}.j2: {exc.message}; pass that variable") from exc


def template_names() -> list[tuple[str, str]]:
    """Every (task, name) template shipped, for tests and checks."""
    root = prompts_dir()
    return sorted((p.parent.name, p.stem) for p in root.glob("*/*.j2"))
