"""Templates for new documents (`specreview new spec|design|decision "Title"`).

The built-in templates live in `assistant/data/template-<type>.md`; a team may point a type at
its own file in the `[templates]` table of .specreview.toml. Their prompts are HTML comments,
which the checks read as blank (`prose.comment_free_lines`): an unfilled template raises the
findings an empty document deserves, and one filled in raises none.

A template may use `{title}`, `{date}` (ISO, today) and `{title_yaml}` (the title quoted for
YAML front matter); any other brace is left as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from assistant.errors import ConfigError, InputError
from assistant.models import DOC_TYPES, DocType

_DATA = Path(__file__).parent / "data"
MAX_TITLE_CHARS = 200


def builtin_template(doc_type: DocType) -> str:
    """The template shipped with specreview for this type."""
    return (_DATA / f"template-{doc_type}.md").read_text(encoding="utf-8")


def configured_templates(table: object, *, base: Path, source: str) -> dict[DocType, Path]:
    """The `[templates]` table (type → file, relative to the config file's folder), checked."""
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise ConfigError(f'{source}: [templates] must be a table, e.g. spec = "docs/spec.md"')
    out: dict[DocType, Path] = {}
    for key, value in table.items():
        doc_type = next((t for t in DOC_TYPES if t == str(key).strip().lower()), None)
        if doc_type is None:
            raise ConfigError(
                f"{source}: [templates] {key!r} is not a document type; use {', '.join(DOC_TYPES)}"
            )
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{source}: [templates] {key} must be a file path (a string)")
        out[doc_type] = base / value
    return out


def check_title(title: str) -> str:
    """The title, trimmed; InputError when it is empty, multi-line or too long."""
    clean = title.strip()
    if not clean:
        raise InputError('the title is empty; give one, e.g. specreview new spec "Bulk export"')
    if "\n" in clean or "\r" in clean:
        raise InputError("the title must be one line")
    if len(clean) > MAX_TITLE_CHARS:
        raise InputError(f"the title is longer than {MAX_TITLE_CHARS} characters; shorten it")
    return clean


def render_template(text: str, *, title: str, today: date) -> str:
    """The template with its `{title}`, `{title_yaml}` and `{date}` filled in."""
    values = {
        "title": title,
        "title_yaml": json.dumps(title, ensure_ascii=False),  # a JSON string is valid YAML
        "date": today.isoformat(),
    }
    return re.sub(r"\{(title|title_yaml|date)\}", lambda m: values[m.group(1)], text)


def file_name(title: str) -> str:
    """A file name for the title: lower-case words joined by hyphens, `.md`."""
    slug = re.sub(r"[^\w]+", "-", title.lower(), flags=re.UNICODE).strip("-_")
    return f"{slug[:80].rstrip('-') or 'untitled'}.md"
