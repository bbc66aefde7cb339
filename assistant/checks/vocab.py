"""Vocabularies as data: each term with the reason it is there and an example from no dataset.

A check's word lists decide what it sees, so they are reviewed like code: `Vocabulary` holds
terms, `fired_terms(text)` says which terms of which code's vocabularies occur in a document,
and `specreview eval review --terms` counts them per dataset. A term that fires on one labelled
set's documents and nowhere else is that set's wording, not a signal (review it, then drop it).

Every review check's vocabulary is declared this way, beside the check that reads it, and
tests/review/test_vocab.py holds each term to a reason and an example it fires on. `traced()`
remains for a vocabulary still written as one regular expression: it lists the top-level
alternatives as terms (with the vocabulary's reason) so that they are traced as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Term:
    id: str  # a short, stable name
    pattern: str  # a regular expression
    reason: str = ""  # why this term means what the check takes it to mean
    example: str = ""  # a sentence it fires on, written here, from no dataset


@dataclass(frozen=True)
class Vocabulary:
    """The terms one check reads for one purpose ("a problem a system has")."""

    code: str  # the finding code it serves
    name: str
    terms: tuple[Term, ...]
    flags: int = re.IGNORECASE
    reason: str = ""
    on_labels: bool = False  # read in headings and inline labels only, not in the prose

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        """All terms as one alternation, for the checks' hot path."""
        return re.compile("|".join(f"(?:{t.pattern})" for t in self.terms), self.flags)

    @cached_property
    def _each(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((t.id, re.compile(t.pattern, self.flags)) for t in self.terms)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def fired(self, text: str) -> list[str]:
        """The ids of the terms that occur in the text."""
        return [term_id for term_id, pattern in self._each if pattern.search(text)]


@dataclass
class _Registry:
    vocabularies: list[Vocabulary] = field(default_factory=list)

    def add(self, vocabulary: Vocabulary) -> Vocabulary:
        self.vocabularies.append(vocabulary)
        return vocabulary


REGISTRY = _Registry()


def register(vocabulary: Vocabulary) -> Vocabulary:
    """Declare a vocabulary so that term tracing sees it; returns it for the check to use."""
    return REGISTRY.add(vocabulary)


def traced(
    code: str, name: str, pattern: re.Pattern[str], reason: str, *, on_labels: bool = False
) -> re.Pattern[str]:
    """Register an older single-regex vocabulary by its top-level alternatives; returns it."""
    terms = tuple(
        Term(id=_readable(alternative), pattern=alternative, reason=reason)
        for alternative in alternatives(pattern.pattern)
    )
    register(Vocabulary(code, name, terms, pattern.flags, reason, on_labels))
    return pattern


def _readable(alternative: str) -> str:
    """A term id from a regex alternative: without the word-boundary wrapper, at most 60."""
    text = re.sub(r"^(?:\\b|\^|\\W\*|\s)*\((?:\?:)?", "", alternative)
    text = re.sub(r"\)(?:\\b|\$|\\W\*)*$", "", text)
    return text[:60]


def alternatives(pattern: str) -> list[str]:
    """A regex's alternatives, descending through one group that wraps the whole pattern:
    r"\\b(?:slow|manual)\\b" -> [r"\\b(?:slow)\\b", r"\\b(?:manual)\\b"]."""
    parts = _split_top(pattern)
    if len(parts) > 1:
        return parts
    group = _wrapping_group(pattern)
    if group is None:
        return [pattern]
    prefix, inner, suffix = group
    inner_parts = _split_top(inner)
    if len(inner_parts) == 1:
        return [pattern]
    return [f"{prefix}{part}){suffix}" for part in inner_parts]


def _syntax(pattern: str, start: int = 0, depth: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) for each character of a regular expression
    from `start` that is neither escaped nor inside a character class."""
    i, in_class = start, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        else:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            yield i, ch, depth
        i += 1


def _split_top(pattern: str) -> list[str]:
    """Split on `|` outside groups and character classes."""
    parts, start = [], 0
    for i, ch, depth in _syntax(pattern):
        if ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _wrapping_group(pattern: str) -> tuple[str, str, str] | None:
    """(text up to and including the opening of the one group holding every alternative,
    the group's body, the text after its closing parenthesis), or None."""
    opening = re.match(r"^((?:\\b|\^|\\W\*|\s)*\((?:\?:)?)", pattern)
    if not opening:
        return None
    for i, ch, depth in _syntax(pattern, opening.end(), depth=1):
        if ch == ")" and depth == 0:
            suffix = pattern[i + 1 :]
            if "|" in _split_top(suffix)[0] or len(_split_top(suffix)) > 1:
                return None
            return opening.group(1), pattern[opening.end() : i], suffix
    return None


_LABEL_LINE = re.compile(
    r"^ {0,3}#{1,6}\s+(.+)$|^\s*(?:\*\*|__)([^*_\n]{2,60})(?:\*\*|__)|"
    r"^\s{0,3}([A-Z][\w' -]{0,50}):",
    re.MULTILINE,
)


def fired_terms(
    text: str, vocabularies: Iterable[Vocabulary] | None = None
) -> dict[str, list[str]]:
    """For each finding code, the "vocabulary: term" ids that occur in a document's text
    (label vocabularies in its headings and inline labels only)."""
    if vocabularies is None:
        import assistant.review  # noqa: F401  (importing the checks registers their words)

        vocabularies = REGISTRY.vocabularies
    labels = "\n".join(next(g for g in m.groups() if g) for m in _LABEL_LINE.finditer(text))
    out: dict[str, list[str]] = {}
    for vocabulary in vocabularies:
        for term_id in vocabulary.fired(labels.lower() if vocabulary.on_labels else text):
            out.setdefault(vocabulary.code, []).append(f"{vocabulary.name}: {term_id}")
    return out
