"""Markdown lines → the lines worth embedding, without page scaffolding (pure, no I/O).

Dense vectors should carry what a document says. Real specs spend tokens on things no reader
asks about: template guidance in HTML comments (every KEP carries the template's), tables of
contents, link reference definitions, horizontal rules and table delimiter rows. Dropping them
leaves 85% of the sample corpus's tokens to embed, and embedding is the slow part of indexing.

What stays was measured to matter (ask-dev, `evals/reports/ask-dev.md`): also dropping link
targets and URLs (79% of the tokens left), fenced code (74%), or everything but the prose
(70%) each lost ranking quality and a refusal.

`scaffolding_free_lines` keeps a one-to-one line mapping (a dropped line becomes ""), so chunk
spans over the original lines slice it too. Keyword search and quotes use the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from assistant.markdown import FENCE

_TOC_ENTRY = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[^\]]*\]\(#[^)]*\)\s*$")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_TABLE_DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")

COMMENT_OPEN, COMMENT_CLOSE = "<!--", "-->"


def scaffolding_free_lines(lines: Sequence[str]) -> list[str]:
    """Each line without HTML comments; "" for TOC entries, link definitions and rules.

    Fenced code is kept as it is (a comment marker inside it is code, not a comment).
    """
    return [
        text if code else ("" if not text.strip() or _is_scaffolding(text) else text.rstrip())
        for text, code in _outside_comment_lines(lines)
    ]


def comment_free_lines(lines: Sequence[str]) -> list[str]:
    """Each line without its HTML comments (a template's prompts), one to one; fenced code kept.

    The review checks read these: a prompt such as `<!-- Who has the problem? -->` is guidance
    for the author, neither content nor an open question.
    """
    return [
        text if code else (text.rstrip() if text.strip() else "")
        for text, code in _outside_comment_lines(lines)
    ]


def _outside_comment_lines(lines: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """(the line without its HTML comments, whether it is fenced code kept as it is)."""
    in_comment = False
    in_fence = False
    for line in lines:
        if not in_comment and FENCE.match(line):
            in_fence = not in_fence
            yield line, True
        elif in_fence:
            yield line, True
        else:
            text, in_comment = _outside_comments(line, in_comment)
            yield text, False


def _outside_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """The parts of `line` outside HTML comments, and whether a comment is still open."""
    kept: list[str] = []
    at = 0
    while at < len(line):
        if in_comment:
            end = line.find(COMMENT_CLOSE, at)
            if end < 0:
                break
            in_comment, at = False, end + len(COMMENT_CLOSE)
        else:
            start = line.find(COMMENT_OPEN, at)
            if start < 0:
                kept.append(line[at:])
                break
            kept.append(line[at:start])
            in_comment, at = True, start + len(COMMENT_OPEN)
    return "".join(kept), in_comment


def _is_scaffolding(text: str) -> bool:
    return bool(
        _TOC_ENTRY.match(text)
        or _LINK_DEFINITION.match(text)
        or _RULE.match(text)
        or _TABLE_DELIMITER_ROW.match(text)
    )
