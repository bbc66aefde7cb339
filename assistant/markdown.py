"""Spec text → front matter and sections with 1-based line numbers (pure, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.safe_yaml import clip, load_yaml

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# A code fence line, the one pattern for the whole engine. Indented fences count: a fence
# inside a nested list item is indented four spaces or more.
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # an inline link or image: [text](target)
_URL = re.compile(r"https?://\S+")


def link_text(text: str, *, drop_urls: bool = False) -> str:
    """Links read as their text ("[Rich Lander](https://...)" -> "Rich Lander"); with
    `drop_urls`, bare URLs go too: a link target is not content."""
    text = LINK.sub(lambda m: m.group(1), text)
    return _URL.sub(" ", text) if drop_urls else text


MAX_TITLE_CHARS = 300  # a title from front matter is shown, stored and prompted: keep it short


@dataclass(frozen=True)
class Section:
    """A heading and the lines under it, up to the next heading of any level.

    `start_line` is the heading's line (or 1 for the preamble before any heading),
    `end_line` the last line before the next heading; both 1-based and inclusive.
    """

    title: str
    level: int  # 0 for the preamble
    path: tuple[str, ...]
    start_line: int
    end_line: int
    body: str  # text under the heading, heading line excluded
    body_start_line: int

    @property
    def path_label(self) -> str:
        return " > ".join(self.path) if self.path else "(preamble)"


@dataclass
class ParsedSpec:
    """A spec split into front matter and sections, keeping the original lines."""

    text: str
    lines: list[str]
    front_matter: dict[str, Any] = field(default_factory=dict)
    front_matter_error: str | None = None
    front_matter_end: int = 0  # last line of the front matter block, 0 if none
    sections: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        for section in self.sections:
            if section.level >= 1:
                return section.title
        return clip(str(self.front_matter.get("title", "")), MAX_TITLE_CHARS)


def split_front_matter(text: str) -> tuple[dict[str, Any], str | None, int]:
    """Return (front matter, parse error, last line of the block). Never raises: broken or
    hostile YAML (alias bombs, deep nesting, huge values) is an error string, not an exception."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, None, 0
    for i in range(1, min(len(lines), 500)):
        if lines[i].strip() in ("---", "..."):
            block = "\n".join(lines[1:i])
            data, reason = load_yaml(block) if block.strip() else ({}, None)
            if reason is not None:
                return {}, f"broken YAML front matter: {reason}", i + 1
            if not isinstance(data, dict):
                return {}, "front matter is not a mapping", i + 1
            return data, None, i + 1
    return {}, None, 0


def parse_spec(text: str) -> ParsedSpec:
    """Split markdown (or plain text) into sections; fenced code never starts a heading."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    front, error, fm_end = split_front_matter(text)
    headings: list[tuple[int, int, str]] = []  # (line index, level, title)
    in_fence = False
    for i in range(fm_end, len(lines)):
        line = lines[i]
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _ATX.match(line)
        if match:
            headings.append((i, len(match.group(1)), match.group(2).strip()))
            continue
        if (
            i > fm_end
            and _SETEXT.match(line)
            and lines[i - 1].strip()
            and not _ATX.match(lines[i - 1])
            and not lines[i - 1].lstrip().startswith(("-", "*", "|", ">"))
            and (i - 1 == fm_end or not lines[i - 2].strip())
        ):
            level = 1 if line.strip().startswith("=") else 2
            headings.append((i - 1, level, lines[i - 1].strip()))
    # Setext headings start one line earlier; keep the list ordered and unique.
    headings = sorted({h[0]: h for h in headings}.values())

    sections: list[Section] = []
    first = headings[0][0] if headings else len(lines)
    if first > fm_end and "\n".join(lines[fm_end:first]).strip():
        sections.append(
            Section("", 0, (), fm_end + 1, first, "\n".join(lines[fm_end:first]), fm_end + 1)
        )
    stack: list[tuple[int, str]] = []
    for n, (idx, level, title) in enumerate(headings):
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        body_start = idx + 1
        if (
            body_start < len(lines)
            and _SETEXT.match(lines[body_start])
            and lines[idx].strip() == title
        ):
            body_start += 1
        body = "\n".join(lines[body_start:end])
        sections.append(
            Section(
                title,
                level,
                tuple(t for _, t in stack),
                idx + 1,
                max(end, idx + 1),
                body,
                body_start + 1,
            )
        )
    return ParsedSpec(text, lines, front, error, fm_end, sections)
