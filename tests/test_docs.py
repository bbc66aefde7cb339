"""The docs say only what exists: every documented `specreview` command and flag is real, every
setting is documented, and docs/checks.md is what the check registry generates."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import AliasChoices
from typer.core import TyperGroup

from assistant.config import Settings
from evals.gen_docs import CHECKS_DOC, load_examples, render_checks_doc

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_STOPS = {"|", "||", "&&", ";", "#", ">", ">>", "2>&1", "&"}


@pytest.fixture(scope="module")
def cli() -> TyperGroup:
    """The real command tree, registered as `specreview` registers it."""
    from cli import _register_all, app

    _register_all()
    command = typer.main.get_command(app)
    assert isinstance(command, TyperGroup)
    return command


def code_blocks(text: str) -> list[str]:
    """The fenced code blocks of a markdown page (the docs use no indented blocks)."""
    return re.findall(r"^ *```[^\n]*\n(.*?)^ *```", text, flags=re.M | re.S)


def command_lines(text: str) -> list[str]:
    """Each `specreview ...` command in the page's code blocks: a line (continuations joined)
    or a part of one after ` && `, `; ` or ` | ` that starts with it, after any `$ ` prompt,
    `VAR=value` assignments, a `.venv/bin/` path or a YAML `run:`/`entry:` key."""
    found: list[str] = []
    for block in code_blocks(text):
        joined = re.sub(r"\s*\\\n\s*", " ", block)
        for line in joined.splitlines():
            for part in re.split(r"\s*&&\s*|;\s|\s\|\|?\s", line):
                part = part.strip().removeprefix("$ ")
                part = re.sub(r"^(-\s+)?(run|entry):\s*", "", part)
                part = re.sub(r"^([A-Z_][A-Z0-9_]*=\S*\s+)+", "", part)
                part = re.sub(r"^(\S+/)?\.venv/bin/", "", part)
                if part == "specreview" or part.startswith("specreview "):
                    found.append(part)
    return found


def _option(command: Any, name: str) -> Any:
    """The command's option called `name` (long, short or `--no-` form), or None."""
    return next((p for p in command.params if name in (*p.opts, *p.secondary_opts)), None)


def problems_in(line: str, root: TyperGroup) -> list[str]:
    """What in one command line the real CLI does not have: a subcommand or an option.

    An option is looked up on the command it follows (options before a subcommand belong to
    the group); an option that takes a value consumes the next token."""
    try:
        tokens = shlex.split(line, comments=False)
    except ValueError:
        tokens = line.split()
    command: Any = root  # typer's own (vendored) click commands
    problems: list[str] = []
    takes_value = False
    for raw in tokens[1:]:
        if raw in SHELL_STOPS or raw.startswith("#"):
            break
        if takes_value:
            takes_value = False
            continue
        token = raw.strip("[]")
        if re.fullmatch(r"--[\w-]+(=.*)?|-[a-zA-Z]", token):
            name, _, value = token.partition("=")
            option = _option(command, name)
            if option is None and name != "--help":
                problems.append(f"{line!r}: {command.name} has no {name}")
            takes_value = option is not None and not option.is_flag and not value
        elif isinstance(command, TyperGroup) and token and not token.startswith("-"):
            sub = command.commands.get(token)
            if sub is None:
                problems.append(f"{line!r}: no command {token!r} under {command.name}")
                break
            command = sub
    return problems


def test_documented_commands_and_flags_exist(cli: TyperGroup) -> None:
    problems: list[str] = []
    seen = 0
    for page in DOCS:
        for line in command_lines(page.read_text(encoding="utf-8")):
            seen += 1
            problems += [f"{page.relative_to(ROOT)}: {p}" for p in problems_in(line, cli)]
    assert seen >= 15, "the parser found almost no documented commands"
    assert problems == []


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("specreview review draft.md --bogus-flag", "has no --bogus-flag"),
        ("specreview reveiw draft.md", "no command 'reveiw'"),
        ("specreview eval score set/", "no command 'score'"),
        ("specreview ask 'why?' -x", "has no -x"),
        ("specreview --store s --bogus review a.md", "specreview has no --bogus"),
        ("specreview --store s reviews a.md", "no command 'reviews'"),
        ("specreview review --type decision --json a.md", "review has no --json"),
    ],
)
def test_the_check_catches_what_does_not_exist(cli: TyperGroup, line: str, complaint: str) -> None:
    problems = problems_in(line, cli)
    assert len(problems) == 1 and complaint in problems[0]


def test_the_check_accepts_real_lines(cli: TyperGroup) -> None:
    text = (
        "Run:\n\n```bash\n$ specreview review a.md [--format text|json] --fail-on=high"
        " | less\nspecreview eval review DIR \\\n    --json out.json  # scores\n"
        ".venv/bin/specreview index docs/ --no-prune\n"
        "specreview --store /tmp/s --config c.toml review a.md --type=design -f json\n```\n"
    )
    lines = command_lines(text)
    assert lines == [
        "specreview review a.md [--format text|json] --fail-on=high",
        "specreview eval review DIR --json out.json  # scores",
        "specreview index docs/ --no-prune",
        "specreview --store /tmp/s --config c.toml review a.md --type=design -f json",
    ]
    assert [p for line in lines for p in problems_in(line, cli)] == []


def env_name(name: str) -> str:
    """The variable a setting is read from: its first alias, else SPECREVIEW_<NAME>."""
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"SPECREVIEW_{name.upper()}"


def test_every_setting_is_documented() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = [name for name in Settings.model_fields if name not in ("review", "github")]
    missing = [env_name(name) for name in names if env_name(name) not in page]
    assert missing == []
    for table in ("review", "github"):
        model = Settings.model_fields[table].annotation
        assert model is not None
        for key in model.model_fields:
            assert f"`{key}`" in page, f"[{table}] {key} is not in docs/configuration.md"


def test_checks_doc_is_generated_from_the_registry() -> None:
    expected = render_checks_doc(load_examples())
    current = CHECKS_DOC.read_text(encoding="utf-8")
    assert current == expected, "docs/checks.md is out of date: run `python -m evals.gen_docs`"


def test_every_code_has_a_real_example() -> None:
    from assistant.checks.registry import ALL_CODES

    assert list(load_examples()) == list(ALL_CODES)


def anchors(page: Path) -> set[str]:
    """The heading anchors GitHub makes for a markdown page."""
    text = re.sub(r"^ *```.*?^ *```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    slugs = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        slugs.add(slug)
    return slugs


def test_docs_links_resolve() -> None:
    broken: list[str] = []
    for page in DOCS:
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"^ *```.*?^ *```|`[^`\n]*`", "", text, flags=re.M | re.S)  # code
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            path = (page.parent / target) if target else page
            if not path.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                broken.append(f"{page.relative_to(ROOT)} -> {target}#{anchor}")
    assert broken == []


PACKAGES = ("assistant", "cli", "index", "api", "evals")


def test_the_modules_the_architecture_page_names_exist() -> None:
    # `cli/review_cmd.py`, `api/github/`, or a bare module name (`store.py`) of the engine.
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w./-]+(?:\.py|/))`", text))
    assert len(named) > 20  # the page walks the code module by module
    missing = [
        name
        for name in sorted(named)
        if not (ROOT / name).exists()
        and not ("/" not in name and any(any((ROOT / p).rglob(name)) for p in PACKAGES))
    ]
    assert missing == []
