"""Answer writers: turn a question and numbered evidence passages into answer text with `[n]`
citations. The offline default is extractive (`assistant.extractive`); an LLM writer
implements the same protocol.

The protocol (`AnswerWriter`):

    class MyWriter:
        model: str | None = "qwen2.5-1.5b"      # None for offline writers
        def write(self, question, evidence, status) -> Iterator[str]:
            # yield the answer in pieces (deltas); cite passages as [n] with n = Evidence.n;
            # add token usage to status.usage; raise LLMError on failure.

The asker owns everything around the writer: it retrieves and numbers the evidence, refuses
before calling the writer when evidence is too weak, removes citations to numbers that are not
in the evidence (counting them in `Answer.removed_citations`, also while streaming, see
`CitationFilter`), and falls back to the extractive writer, marking the answer "degraded", when
the writer raises LLMError. So a writer only has to write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from pydantic import BaseModel, Field

from assistant.markdown import FENCE
from assistant.models import Kind, LLMStatus
from assistant.prose import COMMENT_CLOSE, COMMENT_OPEN, scaffolding_free_lines
from assistant.sentences import split_sentences

_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_LINK_ONLY = re.compile(r"^([-*+]|\d+\.)?\s*\[[^\]]*\]\([^)]*\)\s*$")  # table-of-contents lines


class Evidence(BaseModel):
    """A numbered passage the answer may cite."""

    n: int
    doc_id: str
    title: str
    kind: Kind
    status: str | None = None
    date: str | None = None
    path: str = ""
    start_line: int = 0
    end_line: int = 0
    heading_path: list[str] = Field(default_factory=list)
    text: str
    note: str = ""  # e.g. "superseded by adr-37 [3]"
    meta: str = ""  # the record's metadata in words, e.g. "authors @kim; owning group sig-node"
    relevance: float = 0.0  # how well it matches the question among its record's passages, 0-1


class AnswerWriter(Protocol):
    """Writes the answer text from numbered evidence; see the module docstring."""

    model: str | None

    def write(
        self, question: str, evidence: Sequence[Evidence], status: LLMStatus
    ) -> Iterator[str]: ...


def renumber(text: str, evidence: Sequence[Evidence]) -> tuple[str, list[Evidence]]:
    """Number the passages a text cites 1, 2, 3... in the order it first cites them, and
    return the text with the new numbers and those passages (renumbered), so an answer
    cites [1] and [2], never [1] and [3]."""
    by_n = {e.n: e for e in evidence}
    order = [n for n in dict.fromkeys(cited_numbers(text)) if n in by_n]
    new = {old: i for i, old in enumerate(order, start=1)}

    def fix(match: re.Match[str]) -> str:
        numbers = [new[int(n)] for n in match.group(1).split(",") if int(n) in new]
        return f"[{', '.join(str(n) for n in numbers)}]" if numbers else ""

    return _CITE.sub(fix, text), [by_n[old].model_copy(update={"n": new[old]}) for old in order]


def cited_numbers(text: str) -> list[int]:
    """Every citation number in a text, in order (`[2]`, `[1, 3]`)."""
    return [int(n) for group in _CITE.findall(text) for n in group.split(",")]


def strip_unknown_citations(text: str, allowed: set[int]) -> tuple[str, int]:
    """Remove citations to numbers not in `allowed`; return the text and how many went."""
    removed = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal removed
        numbers = [int(n) for n in match.group(1).split(",")]
        kept = [n for n in numbers if n in allowed]
        removed += len(numbers) - len(kept)
        return f"[{', '.join(str(n) for n in kept)}]" if kept else ""

    return _CITE.sub(fix, text), removed


class CitationFilter:
    """Streaming version of `strip_unknown_citations`: holds back an unfinished `[...`."""

    def __init__(self, allowed: set[int]) -> None:
        self.allowed = allowed
        self.removed = 0
        self._pending = ""

    def feed(self, delta: str) -> str:
        text = self._pending + delta
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut < 24:
            text, self._pending = text[:cut], text[cut:]
        else:
            self._pending = ""
        clean, removed = strip_unknown_citations(text, self.allowed)
        self.removed += removed
        return clean

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        clean, removed = strip_unknown_citations(text, self.allowed)
        self.removed += removed
        return clean


def quotable_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage; headings, tables, code, HTML comments (template
    guidance) and tables of contents left out."""
    opens, closes = text.find(COMMENT_OPEN), text.find(COMMENT_CLOSE)
    if closes != -1 and (opens == -1 or closes < opens):
        # The passage starts inside a comment that began in the passage before it.
        text = "\n" * text[:closes].count("\n") + text[closes + len(COMMENT_CLOSE) :]
    kept: list[str] = []
    in_code = False
    for line in scaffolding_free_lines(text.split("\n")):
        stripped = line.strip()
        if FENCE.match(stripped):
            in_code = not in_code
            kept.append("")
            continue
        if in_code or stripped.startswith(("|", "#", "<!--")) or _LINK_ONLY.match(stripped):
            kept.append("")
            continue
        kept.append(line)
    out = []
    for piece in split_sentences("\n".join(kept)):
        sentence = " ".join(piece.split()).strip()
        sentence = re.sub(r"^([-*+]|\d+\.)\s+", "", sentence)
        if len(sentence) >= 25:
            out.append(sentence)
    return out
