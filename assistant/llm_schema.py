"""JSON schemas for structured output, derived from pydantic models (pure).

OpenAI's strict mode wants every object closed (additionalProperties false) with every
property required, and no defaults or titles. Bounds (maxLength, maxItems) are kept: llama.cpp
turns them into its grammar, which stops small models rambling until the token limit.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_DROP = {"title", "default", "description"}


def response_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, closed and fully required at every level, $defs kept."""
    schema = model.model_json_schema()
    result = _close(schema)
    assert isinstance(result, dict)
    return result


def _close(node: Any) -> Any:
    if isinstance(node, list):
        return [_close(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _close(value) for key, value in node.items() if key not in _DROP}
    if "properties" in node:  # keep property names even when one is called "title"
        out["properties"] = {name: _close(value) for name, value in node["properties"].items()}
    if out.get("type") == "object" or "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out.get("properties", {}))
    if "$defs" in node:
        out["$defs"] = {name: _close(value) for name, value in node["$defs"].items()}
    return out


def unbounded_strings(schema: dict[str, Any]) -> list[str]:
    """Paths of string fields without maxLength, and arrays without maxItems (should be none)."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and "maxLength" not in node and "enum" not in node:
                found.append(path)
            if node.get("type") == "array" and "maxItems" not in node:
                found.append(path)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schema, "")
    return found
