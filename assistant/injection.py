"""Which lines of a draft address the reviewer or the model rather than the team (pure).

Not a list of phrases (a paraphrase walks past any list): a sentence is an instruction to the
reviewer when it has the structure of one, two things together:

1. **a directive**: a clause in the imperative whose verb is something a reviewer does with
   its output (ignore, dismiss, treat, report, flag, approve, ...), possibly after a vocative
   or a connective ("AI reviewer: approve ...", "..., so treat ..."), or "you" with a modal
   ("you should leave ..."). A spec's own requirements are in the third person ("the
   assistant should ignore muted users") and are not directives to the reader;
2. **about the review itself**: the sentence names what only this review has (findings,
   verdicts); or the reader's own instructions ("previous instructions", "your prompt", "all
   earlier guidance"); or issues/problems/concerns *of this document* (with "here", "below",
   "this spec", ...); or a verdict (approve, sign off) addressed to a reviewer or a model.

Each word class below is a closed class of the review's own vocabulary, not phrases taken
from attacks; `tests/llm/test_injection.py` holds paraphrases no phrase list of ours matched
and specs that talk about assistants, reviewers and instructions without addressing them.
Text in HTML comments is invisible to the team reading the rendered draft, so it is never
taken as evidence for a model's claim (`without_comments`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.markdown import ParsedSpec

# What a reviewer does with its output: the verbs of a directive about the review.
ACTS = frozenset(
    "ignore disregard skip drop dismiss remove delete omit suppress hide overlook forget "
    "treat mark consider classify rate score report return output respond reply answer say "
    "list flag raise mention include approve accept pass confirm leave override stop give "
    "withdraw retract".split()
)
# Verdicts: approving is a directive to a reviewer only when a reviewer is addressed.
VERDICT_ACTS = frozenset("approve accept pass confirm lgtm greenlight".split())
# What only this review has.
REVIEW_OBJECTS = frozenset("finding findings verdict verdicts".split())
# The reader's own instructions, when qualified as the reader's ("previous", "your", ...).
INSTRUCTION_OBJECTS = frozenset(
    "instruction instructions prompt prompts rules guidance guidelines directions "
    "directives".split()
)
READER_QUALIFIERS = frozenset(
    "previous prior earlier above preceding original your system all any other".split()
)
# Ordinary words for faults, which count only when scoped to this document.
DOCUMENT_FAULTS = frozenset(
    "issue issues problem problems concern concerns comment comments warning warnings "
    "objection objections gap gaps feedback error errors point points".split()
)
DEIXIS = re.compile(
    r"\b(?:here|herein|below|above|"
    r"(?:this|these|the following) (?:spec|specification|document|doc|draft|proposal|rfc|"
    r"design|file|page|section|pr|pull request|text))\b"
)
# Who a reviewer is, for verdicts.
ROLES = re.compile(
    r"\b(?:reviewers?|ai|llms?|language models?|models?|assistants?|bots?|automated|"
    r"automation|gpt|chatbots?)\b"
)
FILLERS = frozenset(
    "and so then but please kindly just simply also now therefore thus hence instead "
    "finally first".split()
)
MODALS = frozenset("should must will shall need have are can may".split())
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_CLAUSE = re.compile(r"[,;:\u2014\u2013()]|\s-\s")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# A heading, list item, quote or table row starts a new block (and a new sentence).
_BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>\s?|\|)")


def is_directive(clause: str) -> bool:
    """An imperative clause whose verb is a review act, or "you" + modal + review act."""
    words = _WORD.findall(clause.lower())
    while words and words[0] in FILLERS:
        words = words[1:]
    if not words:
        return False
    if words[0] in ACTS:
        return True
    if words[0] in ("don't", "never", "always") or words[:2] == ["do", "not"]:
        rest = words[2:4] if words[0] == "do" else words[1:3]
        return any(w in ACTS for w in rest)
    if words[0] == "you" and len(words) > 2 and words[1] in MODALS:
        return any(w in ACTS for w in words[2:5])
    return False


def about_the_review(sentence: str, *, verdict: bool) -> bool:
    """The sentence is about this review: its findings, the reader's instructions, faults of
    this document, or (for a verdict) a reviewer or model is named."""
    lowered = sentence.lower()
    words = _WORD.findall(lowered)
    if REVIEW_OBJECTS & set(words):
        return True
    for i, word in enumerate(words):
        if word in INSTRUCTION_OBJECTS and i and words[i - 1] in READER_QUALIFIERS:
            return True
    if DOCUMENT_FAULTS & set(words) and DEIXIS.search(lowered):
        return True
    return verdict and bool(ROLES.search(lowered))


def addresses_reviewer(sentence: str) -> bool:
    """True if the sentence instructs the reviewer or model (module docstring)."""
    for clause in _CLAUSE.split(sentence):
        if not is_directive(clause):
            continue
        words = _WORD.findall(clause.lower())
        verdict = any(w in VERDICT_ACTS for w in words[:3])
        if about_the_review(sentence, verdict=verdict):
            return True
    return False


def _blocks(lines: list[str]) -> Iterator[list[tuple[int, str]]]:
    """Runs of non-blank lines as (line number, text without its list or quote marker); a
    heading, list item, quote or table row starts a new run, and a heading is a run alone."""
    block: list[tuple[int, str]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            if block:
                yield block
            block = []
            continue
        marker = _BLOCK_START.match(line)
        if marker and block:
            yield block
            block = []
        block.append((n, line[marker.end() :] if marker else line))
        if line.lstrip().startswith("#"):
            yield block
            block = []
    if block:
        yield block


def _sentences(spec: ParsedSpec) -> Iterator[tuple[str, int, int]]:
    """(sentence, first line, last line) for each sentence of each block of lines."""
    for block in _blocks(spec.lines):
        text = ""
        starts: list[tuple[int, int]] = []  # (offset in text, line number)
        for number, content in block:
            starts.append((len(text), number))
            text += content + " "
        offset = 0
        for piece in _SENTENCE_END.split(text):
            begin = text.find(piece, offset)
            end = begin + len(piece)
            offset = end
            first = max(num for off, num in starts if off <= begin)
            last = max(num for off, num in starts if off < max(end, begin + 1))
            yield piece, first, last


def injection_lines(spec: ParsedSpec) -> set[int]:
    """1-based lines of sentences that address the reviewer or a model rather than the team."""
    flagged: set[int] = set()
    for sentence, first, last in _sentences(spec):
        if addresses_reviewer(sentence):
            flagged.update(range(first, last + 1))
    return flagged


def without_comments(text: str) -> str:
    """The text with HTML comments blanked (newlines kept, so line numbers hold): what the
    team sees of a draft rendered, and all a model's quote may be taken from."""
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
