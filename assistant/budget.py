"""Token budgeting with tiktoken: split a spec into parts that fit the model's context (pure).

Counts use cl100k_base, which is close to, but not the same as, other models' tokenizers;
`TOKEN_SAFETY` leaves room for the difference. A part is a run of whole sections; a section
too large on its own is split by lines. A single line too long for any part is left out and
reported, never silently cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.markdown import ParsedSpec
from assistant.tokens import count_tokens

TOKEN_SAFETY = 1.2  # other tokenizers (Qwen, Llama) count up to ~20% more than cl100k


def tokens(text: str) -> int:
    """A conservative token count for budgeting."""
    return int(count_tokens(text) * TOKEN_SAFETY) + 1


def numbered_line(number: int, line: str) -> str:
    return f"{number:4d}| {line}"


@dataclass
class Part:
    """A contiguous run of spec lines sent to the model in one call."""

    start_line: int
    end_line: int
    text: str  # numbered lines
    labels: list[str] = field(default_factory=list)  # sections it covers

    @property
    def label(self) -> str:
        return f"lines {self.start_line}-{self.end_line}"


@dataclass
class Plan:
    parts: list[Part]
    skipped: list[str]  # what could not be sent at all, and why


def plan_parts(spec: ParsedSpec, budget: int) -> Plan:
    """Pack the spec's lines into parts of at most `budget` tokens, breaking at sections."""
    lines = spec.lines
    costs = [tokens(numbered_line(n, line)) for n, line in enumerate(lines, start=1)]
    # Section starts are the preferred places to break.
    breaks = sorted({s.start_line for s in spec.sections} | {1})
    blocks: list[tuple[int, int]] = []  # 1-based inclusive line ranges, one per section
    for i, start in enumerate(breaks):
        end = breaks[i + 1] - 1 if i + 1 < len(breaks) else len(lines)
        if end >= start:
            blocks.append((start, end))

    parts: list[Part] = []
    skipped: list[str] = []
    current: list[int] = []
    used = 0

    def flush() -> None:
        nonlocal current, used
        if current:
            parts.append(_make_part(spec, current))
        current, used = [], 0

    for start, end in blocks:
        block_cost = sum(costs[start - 1 : end])
        if used + block_cost > budget:
            flush()
        for number in range(start, end + 1):
            cost = costs[number - 1]
            if cost > budget:
                flush()
                skipped.append(f"line {number} (one line longer than the model's context)")
                continue
            if used + cost > budget:
                flush()
            current.append(number)
            used += cost
    flush()
    return Plan(parts=[p for p in parts if p.text.strip()], skipped=skipped)


def _make_part(spec: ParsedSpec, numbers: Sequence[int]) -> Part:
    text = "\n".join(numbered_line(n, spec.lines[n - 1]) for n in numbers)
    start, end = numbers[0], numbers[-1]
    labels = [s.path_label for s in spec.sections if s.start_line <= end and s.end_line >= start]
    return Part(start_line=start, end_line=end, text=text, labels=labels)


def fit_items(texts: Sequence[str], budget: int) -> int:
    """How many of `texts`, in order, fit in `budget` tokens."""
    used = 0
    for i, text in enumerate(texts):
        used += tokens(text)
        if used > budget:
            return i
    return len(texts)
