"""Anchoring findings to the spec's text: spans computed from the text, never guessed, and
stable fingerprints (code + section + normalised quote) that survive unrelated edits."""

from __future__ import annotations

import hashlib
import re

from assistant.markdown import ParsedSpec, Section
from assistant.models import Span

_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse whitespace and case: the form quotes are compared and fingerprinted in."""
    return _WS.sub(" ", text).strip().lower()


def span_for_lines(spec: ParsedSpec, start_line: int, end_line: int | None = None) -> Span:
    """A span over 1-based inclusive lines, its quote taken from the text itself."""
    end = end_line if end_line is not None else start_line
    start = max(1, min(start_line, len(spec.lines)))
    end = max(start, min(end, len(spec.lines)))
    quote = "\n".join(spec.lines[start - 1 : end]).strip()
    return Span(start_line=start, end_line=end, quote=quote)


def find_quote(spec: ParsedSpec, quote: str) -> Span | None:
    """Locate a quote in the spec after whitespace normalisation; None if it is not there.

    Returns the smallest line span containing the first occurrence, with the spec's own text.
    """
    wanted = normalise(quote)
    if not wanted:
        return None
    # Map each character of the normalised full text back to its line.
    chars: list[str] = []
    line_of: list[int] = []
    for number, line in enumerate(spec.lines, start=1):
        piece = normalise(line)
        if not piece:
            continue
        if chars:
            chars.append(" ")
            line_of.append(number)
        chars.extend(piece)
        line_of.extend([number] * len(piece))
    haystack = "".join(chars)
    at = haystack.find(wanted)
    if at < 0:
        return None
    start, end = line_of[at], line_of[at + len(wanted) - 1]
    span = span_for_lines(spec, start, end)
    return Span(start_line=start, end_line=end, quote=quote.strip() if start == end else span.quote)


def section_at(spec: ParsedSpec, line: int) -> Section | None:
    """The innermost section containing a line."""
    found = None
    for section in spec.sections:
        if section.start_line <= line <= section.end_line:
            found = section
    return found


def fingerprint(code: str, section: str, quote: str) -> str:
    """A short stable id: same code, same section, same quote (normalised) → same id."""
    key = "\x1f".join((code, normalise(section), normalise(quote)))
    return hashlib.sha256(key.encode()).hexdigest()[:16]
