"""GET /docs: the API reference rendered on the server from the OpenAPI schema (no CDN assets,
unlike FastAPI's Swagger UI, so it works offline)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup

from api.deps import StateDep
from api.routes.pages import render

router = APIRouter(include_in_schema=False)

_METHODS = ("get", "post", "put", "patch", "delete")


@cache
def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML off: the schema's text is shown as markdown, never as HTML."""
    return MarkdownIt("commonmark", {"html": False})


def markdown_html(text: str) -> Markup:
    """Markdown (the schema's descriptions) as HTML blocks; raw HTML in it is escaped."""
    return Markup(_markdown().render(text))  # safe: with html off, markdown-it escapes raw HTML


def markdown_inline(text: str) -> Markup:
    """A one-line description (`code`, *emphasis*, links) as inline HTML (raw HTML escaped)."""
    return Markup(_markdown().renderInline(text))


def schema_label(schema: dict[str, Any]) -> str:
    """A short type label: a $ref's name, an enum, an array of something, or the JSON type."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(schema_label(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {schema_label(schema.get('items', {}))}"
    return str(schema.get("format") or schema.get("type") or "any")


def operations(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path, item in openapi.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-"),
                    "summary": op.get("summary", ""),
                    "description": markdown_html(op.get("description", "")),
                    "secured": bool(op.get("security")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": schema_label(p.get("schema", {})),
                            "description": markdown_inline(p.get("description", "")),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [(ct, schema_label(c.get("schema", {}))) for ct, c in body.items()],
                    "responses": [
                        (
                            code,
                            markdown_inline(r.get("description", "")),
                            ", ".join(r.get("content", {})),
                        )
                        for code, r in op.get("responses", {}).items()
                    ],
                }
            )
    return out


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request, state: StateDep) -> HTMLResponse:
    openapi = request.app.openapi()
    context = {
        "page": "docs",
        "info": openapi["info"],
        "description": markdown_html(openapi["info"].get("description", "")),
        "operations": operations(openapi),
        "schemas": sorted(openapi.get("components", {}).get("schemas", {})),
    }
    return render(state, request, "api_docs.html", context)
