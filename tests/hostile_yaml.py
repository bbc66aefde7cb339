"""Hostile YAML from the red team's report (issue 17), as front matter of otherwise plain drafts."""

from __future__ import annotations


def _alias_bomb() -> str:
    """'Billion laughs': nine levels of nine aliases, 9**9 values once expanded, ~370 bytes."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines)


ALIAS_BOMB = _alias_bomb()
DEEP_NESTING = "x: " + "[" * 10_000 + "]" * 10_000
HUGE_INT = "x: " + "9" * 100_000
HOSTILE = {"alias bomb": ALIAS_BOMB, "deep nesting": DEEP_NESTING, "huge int": HUGE_INT}

BODY = "# Export invoices\n\n## Why\n\nFinance asks for it every month.\n"


def with_front_matter(yaml_text: str, body: str = BODY) -> str:
    """A draft whose front matter is `yaml_text`."""
    return f"---\n{yaml_text}\n---\n{body}"
