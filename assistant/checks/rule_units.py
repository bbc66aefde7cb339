"""A draft's passages for the team rules: headings, sentences and table rows, with lines.

Cut and embedded once per review (memoised on the ReviewContext) and shared by every rule.
HTML comments, front matter and fenced code are not content a reader judges, so they are left
out; a list item or a table row is a passage of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.checks.base import ReviewContext
from assistant.embed import Embedder
from assistant.injection import without_comments
from assistant.markdown import FENCE, link_text
from assistant.sentences import split_sentences

MAX_UNIT_CHARS = 400  # the model reads about 256 word pieces; a longer sentence is cut
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)[ \t#]*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Unit:
    """One passage of the draft and the 1-based line it starts on."""

    text: str
    line: int
    heading: bool = False


@dataclass(frozen=True)
class DraftVectors:
    """The draft's passages and their unit vectors (one row each)."""

    units: list[Unit]
    vectors: np.ndarray  # shape (len(units), dimensions); float32, rows of length 1


def draft_units(ctx: ReviewContext) -> list[Unit]:
    """The passages of the draft, in order."""
    lines = without_comments(ctx.spec.text).split("\n")
    units: list[Unit] = []
    block: list[tuple[int, str]] = []

    def flush() -> None:
        if block:
            units.extend(_sentences(block))
            block.clear()

    in_fence = False
    for number in range(ctx.spec.front_matter_end + 1, len(lines) + 1):
        line = lines[number - 1]
        if FENCE.match(line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            units.append(Unit(_clean(heading.group(1)), number, heading=True))
        elif not line.strip():
            flush()
        elif line.lstrip().startswith("|"):
            flush()
            if not _TABLE_RULE.match(line):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                units.append(Unit(_clean(" ; ".join(c for c in cells if c)), number))
        else:
            if _ITEM.match(line):
                flush()
            block.append((number, _ITEM.sub("", line)))
    flush()
    return [u for u in units if len(_WORD.findall(u.text)) >= (1 if u.heading else 3)]


def _sentences(block: list[tuple[int, str]]) -> list[Unit]:
    """The sentences of a paragraph or list item, each with the line it starts on."""
    text = ""
    starts: list[tuple[int, int]] = []  # (offset in text, line number)
    for number, line in block:
        starts.append((len(text), number))
        text += line.strip() + "\n"
    out: list[Unit] = []
    at = 0
    for piece in split_sentences(text.rstrip("\n")):
        found = text.find(piece, at)
        offset = found if found >= 0 else at
        at = offset + len(piece)
        number = max((n for start, n in starts if start <= offset), default=block[0][0])
        out.append(Unit(_clean(piece), number))
    return out


def _clean(text: str) -> str:
    text = link_text(text, drop_urls=True).replace("**", "").replace("`", "")
    return " ".join(text.split())[:MAX_UNIT_CHARS]


def draft_vectors(ctx: ReviewContext, embedder: Embedder) -> DraftVectors:
    """The draft's passages and vectors, computed once per review and embedder."""
    key = f"rule_vectors:{embedder.name}"
    found = ctx.memo.get(key)
    if isinstance(found, DraftVectors):
        return found
    units = draft_units(ctx)
    vectors = as_matrix(embedder.embed([u.text for u in units]), embedder.dimensions)
    result = DraftVectors(units, vectors)
    ctx.memo[key] = result
    return result


def as_matrix(vectors: list[list[float]], dimensions: int) -> np.ndarray:
    """Rows of unit length (the embedders normalise; a zero row stays zero)."""
    matrix = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), dimensions)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    out: np.ndarray = matrix / np.clip(norms, 1e-12, None)
    return out
