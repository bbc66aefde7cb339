"""Answer writers: turn a question and numbered evidence passages into answer text with `[n]`
citations. The offline default is extractive; an LLM writer implements the same protocol.

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

from assistant.bm25 import tokenize
from assistant.confidence import key_terms
from assistant.models import Kind, LLMStatus

_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*\"(\[])|\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)")
_LINK_ONLY = re.compile(r"^([-*+]|\d+\.)?\s*\[[^\]]*\]\([^)]*\)\s*$")  # table-of-contents lines
_DECISION_HEADINGS = ("decision", "outcome", "summary", "motivation", "conclusion", "status")
_DECISION_CUES = re.compile(
    r"\b(we will|we decided|we have decided|we chose|decided to|will use|chosen|was chosen|"
    r"superseded|replaced|deprecated|withdrawn|instead|because|therefore)\b",
    re.IGNORECASE,
)


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


class AnswerWriter(Protocol):
    """Writes the answer text from numbered evidence; see the module docstring."""

    model: str | None

    def write(
        self, question: str, evidence: Sequence[Evidence], status: LLMStatus
    ) -> Iterator[str]: ...


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


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage; headings, tables and code left out."""
    kept: list[str] = []
    in_code = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            kept.append("")
            continue
        if in_code or stripped.startswith(("|", "#", "<!--")) or _LINK_ONLY.match(stripped):
            kept.append("")
            continue
        kept.append(line)
    out = []
    for piece in _SENTENCE.split("\n".join(kept)):
        sentence = " ".join(piece.split()).strip()
        sentence = re.sub(r"^([-*+]|\d+\.)\s+", "", sentence)
        if len(sentence) >= 25:
            out.append(sentence)
    return out


def _score_sentence(sentence: str, terms: set[str], heading: str) -> float:
    """Share of the question's terms in the sentence, plus small bonuses for decision cues."""
    tokens = set(tokenize(sentence))
    overlap = len(tokens & terms) / (len(terms) or 1)
    if overlap == 0:
        return 0.0
    bonus = 0.15 if _DECISION_CUES.search(sentence) else 0.0
    if any(h in heading.lower() for h in _DECISION_HEADINGS):
        bonus += 0.1
    return overlap + bonus - (0.1 if len(sentence) > 400 else 0.0)


class ExtractiveWriter:
    """Offline answers: the most relevant sentences of the leading passages, quoted and cited,
    with supersede/replace notes first when the leading record was replaced."""

    model: str | None = None

    def __init__(self, *, max_quotes: int = 3, per_record: int = 2, records: int = 2) -> None:
        self.max_quotes = max_quotes
        self.per_record = per_record
        self.records = records

    def write(
        self,
        question: str,
        evidence: Sequence[Evidence],
        status: LLMStatus,  # noqa: ARG002 - offline: nothing to record
    ) -> Iterator[str]:
        if not evidence:
            yield "The records retrieved contain no passage that answers this directly."
            return
        terms = set(key_terms(question))
        # Quote from the leading records and from records a note links them to.
        leading = list(dict.fromkeys(e.doc_id for e in evidence))[: self.records]
        linked = {e.doc_id for e in evidence if any(f"[{e.n}]" in x.note for x in evidence)}
        allowed = set(leading) | linked
        scored: list[tuple[float, int, str, Evidence]] = []
        for order, item in enumerate(evidence):
            if item.doc_id not in allowed:
                continue
            heading = " ".join(item.heading_path)
            title = " ".join(item.title.lower().split())
            for sentence in split_sentences(item.text):
                if sentence.lower().rstrip(".") == title:
                    continue
                value = _score_sentence(sentence, terms, heading)
                if value > 0:
                    scored.append((value - 0.05 * order, order, sentence, item))
        scored.sort(key=lambda t: (-t[0], t[1]))
        # Quote only sentences about as relevant as the best one: weak overlaps are noise.
        floor = scored[0][0] * 0.5 if scored else 0.0
        scored = [t for t in scored if t[0] >= floor]
        picked: list[tuple[int, str, Evidence]] = []
        per_doc: dict[str, int] = {}
        for _, order, sentence, item in scored:
            if len(picked) >= self.max_quotes:
                break
            if per_doc.get(item.doc_id, 0) >= self.per_record:
                continue
            per_doc[item.doc_id] = per_doc.get(item.doc_id, 0) + 1
            quote = sentence if len(sentence) <= 500 else sentence[:497] + "..."
            picked.append((order, quote, item))
        # The leading record's supersede note comes first (it changes what the answer is);
        # notes about records quoted further down follow the quotes.
        lead = evidence[0].doc_id
        quoted = {item.doc_id for _, _, item in picked} - {lead}
        lead_notes = list(dict.fromkeys(e.note for e in evidence if e.note and e.doc_id == lead))
        other_notes = [
            n
            for n in dict.fromkeys(e.note for e in evidence if e.note and e.doc_id in quoted)
            if n not in lead_notes
        ]
        for note in lead_notes:
            yield f"Note: {note}\n"
        if not picked:
            first = evidence[0]
            yield f"The closest record is {_label(first)} [{first.n}]; no sentence in it "
            yield "matches the question closely, see the cited passage.\n"
            return
        yield ("\n" if lead_notes else "") + "From the records:\n"
        for _, sentence, item in sorted(picked, key=lambda t: t[0]):
            yield f'- "{sentence}" ({item.doc_id}) [{item.n}]\n'
        if other_notes:
            yield "\n" + "".join(f"Also: {note}\n" for note in other_notes)


def _label(item: Evidence) -> str:
    details = ", ".join(filter(None, [item.title, item.status, item.date]))
    return f"{item.doc_id} ({details})"
