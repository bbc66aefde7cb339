"""Team rules: the `[[rules]]` of .specreview.toml, validated into `Rule`s (pure, no I/O).

A rule is a team's own must-have in plain words ("a data migration names its rollback"), with
the document types it applies to, an optional trigger (`when`), the requirement (`require`),
a severity and examples that pass and fail it. The examples calibrate the offline judgement
(`assistant/checks/rules.py`) and are shown to a model (`assistant/llm_rules.py`). A broken
rule is one ConfigError naming the file and the rule, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.checks.registry import BY_CODE
from assistant.errors import ConfigError
from assistant.models import DOC_TYPES, DocType, Severity

RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
Phrase = Annotated[str, Field(min_length=3, max_length=300)]
Example = Annotated[str, Field(min_length=3, max_length=1000)]


class RuleExamples(BaseModel):
    """Text that meets the rule (`pass`) and text that breaks it (`fail`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    passing: list[Example] = Field(default_factory=list, alias="pass", max_length=20)
    failing: list[Example] = Field(default_factory=list, alias="fail", max_length=20)


class Rule(BaseModel):
    """One team rule; `id` is the code of its findings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    applies_to: list[DocType] = Field(default_factory=lambda: list(DOC_TYPES), min_length=1)
    when: Phrase | None = None
    require: Phrase
    severity: Severity = "medium"
    examples: RuleExamples = Field(default_factory=RuleExamples)

    @field_validator("id")
    @classmethod
    def _plain_id(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError(
                "use lower-case letters, digits, '-' or '_' (at most 64), e.g. rollback-plan"
            )
        if value in BY_CODE:
            raise ValueError(f"{value} is a built-in check's code; give the rule its own id")
        return value


def _problem(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"])
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"`{where}` is missing"
    if err["type"] == "extra_forbidden":
        return f"`{where}` is not a rule key (id, applies_to, when, require, severity, examples)"
    if where.startswith("applies_to") and isinstance(err.get("input"), str):
        return (
            f'`applies_to`: "{err["input"]}" is not a document type (use spec, design or decision)'
        )
    if where == "severity":
        severity = err.get("input")
        return f'`severity`: "{severity}" is not a severity (use info, low, medium or high)'
    return f"`{where}` {message}" if where else message


def parse_rules(raw: object, *, source: str) -> list[Rule]:
    """Validate the `rules` array of a config file; a ConfigError names the file and rule."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: `rules` must be an array of tables ([[rules]])")
    rules: list[Rule] = []
    seen: set[str] = set()
    for n, item in enumerate(raw, start=1):
        if isinstance(item, Rule):
            rule = item
        else:
            name = item.get("id") if isinstance(item, dict) else None
            label = f'rule "{name}"' if isinstance(name, str) and name else f"rule #{n} (no id)"
            if not isinstance(item, dict):
                raise ConfigError(f"{source}: {label}: a rule is a table ([[rules]])")
            try:
                rule = Rule.model_validate(item)
            except ValidationError as exc:
                problems = "; ".join(_problem(e) for e in exc.errors())
                raise ConfigError(f"{source}: {label}: {problems}; fix the rule") from None
        if rule.id in seen:
            raise ConfigError(f'{source}: rule "{rule.id}" is defined twice; rule ids are unique')
        seen.add(rule.id)
        rules.append(rule)
    return rules


def rules_for(rules: Sequence[Rule], doc_type: DocType) -> list[Rule]:
    """The rules that apply to this type of document."""
    return [rule for rule in rules if doc_type in rule.applies_to]
