"""No module-level cache in the engine: what one review computes lives on its `ReviewContext`
(`ctx.memo`, or the objects built on it), created and dropped with the review.

A `functools` cache on a function keeps its results for the life of the process, shared by
every review on every thread. Only loaded, immutable assets may be kept that way. Each module's
source is read, not run."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHES = {"lru_cache", "cache"}

# Loaded once and then only read: shared by every thread, they hold nothing of any review.
LOADED_ASSETS = {
    ("assistant/tokens.py", "get_encoding"),  # tiktoken's encoding
    ("assistant/embed.py", "_plain_tokenizer"),  # the MiniLM word-piece tokenizer
    ("assistant/prompting.py", "_environment"),  # the jinja2 environment over prompts/
    ("assistant/db/migrate.py", "head_revision"),  # the newest migration shipped
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def cached_names(source: str) -> tuple[set[str], int]:
    """(functions with a cache decorator, other uses of functools' cache, e.g. `lru_cache()(f)`)."""
    tree = ast.parse(source)
    decorated: set[str] = set()
    decorators: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if _name(decorator) in CACHES:
                    decorated.add(node.name)
                    decorators.add(id(decorator))
    other = sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node) in CACHES and id(node) not in decorators
    )
    return decorated, other


def test_the_engine_keeps_no_cache_but_its_loaded_assets() -> None:
    found: set[tuple[str, str]] = set()
    wrapped: list[str] = []
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(ROOT).as_posix()
        decorated, other = cached_names(path.read_text(encoding="utf-8"))
        found |= {(rel, name) for name in decorated}
        if other:
            wrapped.append(rel)
    assert found - LOADED_ASSETS == set()
    assert wrapped == []


def test_the_walk_sees_every_spelling_of_a_cache() -> None:
    source = (
        "import functools\nfrom functools import cache, lru_cache\n"
        "@lru_cache(maxsize=8)\ndef a(x): return x\n"
        "@functools.lru_cache\ndef b(x): return x\n"
        "@cache\ndef c(x): return x\n"
        "class K:\n    @functools.cache\n    def d(self): return 1\n"
        "e = lru_cache(maxsize=2)(len)\n"
    )
    assert cached_names(source) == ({"a", "b", "c", "d"}, 1)
