"""The layers, as the folders show them: the engine (`assistant/`) at the bottom, `index/` on
it, the service (`api/`) on both, `evals/` beside them, and the CLI (`cli/`) on top, composing
all of them. Each module's imports are read from its source, not run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each top-level package may import from the others (itself always).
ALLOWED = {
    "assistant": set(),
    "index": {"assistant"},
    "api": {"assistant", "index"},
    "evals": {"assistant", "index", "api"},
    "cli": {"assistant", "index", "api", "evals"},
}
WEB = {"fastapi", "starlette"}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    wrong = []
    for path in _modules(package):
        for module in _imports(path):
            top = module.split(".")[0]
            if top in ALLOWED and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_fastapi_is_only_in_the_service() -> None:
    # The service is api/ itself and its routes; in api/github/ only the webhook is HTTP. The
    # benchmarks in evals/ drive the service as a client does (FastAPI's test client).
    allowed = {p for p in _modules("api") if p.parent in (ROOT / "api", ROOT / "api" / "routes")}
    allowed.add(ROOT / "api" / "github" / "webhook.py")
    wrong = [
        str(path.relative_to(ROOT))
        for package in ("assistant", "index", "api", "cli")
        for path in _modules(package)
        if path not in allowed and any(m.split(".")[0] in WEB for m in _imports(path))
    ]
    assert wrong == []


def test_no_module_imports_another_modules_private_names() -> None:
    wrong = []
    for package in ALLOWED:
        for path in _modules(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    private = [a.name for a in node.names if a.name.startswith("_")]
                    if private and node.module.split(".")[0] in ALLOWED:
                        wrong.append(f"{path.relative_to(ROOT)}: {node.module} {private}")
    assert wrong == []


# Each SDK behind its seam: its errors are translated there, so nothing else imports it.
SEAMS = {
    "openai": {"assistant/llm_openai.py"},
    "chromadb": {"assistant/store.py"},
    # the webhook builds the client with githubkit's token cache
    "githubkit": {"api/github/githubkit_client.py", "api/github/webhook.py"},
    # the findings database: the package, its migrations included
    "sqlalchemy": {str(p.relative_to(ROOT)) for p in _modules("assistant/db")},
    "alembic": {str(p.relative_to(ROOT)) for p in _modules("assistant/db")},
}


@pytest.mark.parametrize("sdk", sorted(SEAMS))
def test_each_sdk_is_imported_only_at_its_seam(sdk: str) -> None:
    users = {
        str(path.relative_to(ROOT))
        for package in ALLOWED
        for path in _modules(package)
        if any(m.split(".")[0] == sdk for m in _imports(path))
    }
    assert users <= SEAMS[sdk]
