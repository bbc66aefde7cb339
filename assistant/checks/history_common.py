"""Shared by the history checks: the draft as units with stems, evidence, citation and
binding-status tests, and building an anchored finding."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from assistant.anchors import fingerprint, section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.history_retrieval import Candidate
from assistant.checks.history_text import (
    Stems,
    Unit,
    common_noun_stems,
    content_stems,
    draft_units,
    negated_stems,
    tokens,
)
from assistant.models import Finding

ACCEPTED = frozenset({"accepted", "approved", "active", "adopted", "implemented", "decided"})
_SKIP_SECTIONS = re.compile(
    r"non-?goals?|out of scope|not doing|no-?gos?|alternative|considered|rejected|prior art|"
    r"background|context|history|risks?|rabbit",
    re.IGNORECASE,
)
DISMISS = re.compile(
    r"\b(has no|have no|lacks?|too (basic|slow|limited|expensive)|instead of|rather than|"
    r"doesn't|does not|can't|cannot|isn't good|not good enough|would either)\b",
    re.IGNORECASE,
)
MINIMUM = re.compile(
    r"\b(no sooner than|at least|not less than|no less than|no fewer than|minimum of)\s+"
    r"(\d+)\s+(business days?|days?|weeks?|months?|years?)",
    re.IGNORECASE,
)
UNIVERSAL = re.compile(r"\b(all|every|only|always|must|canonical|sole)\b", re.IGNORECASE)
QUANTITY = re.compile(r"\b(\d+)[\s-]+(business days?|days?|weeks?|months?|years?)\b", re.I)
ISO_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
LONG_DATE = re.compile(r"\b(\d{1,2} [A-Z][a-z]{2,8} 20\d\d|[A-Z][a-z]{2,8} \d{1,2},? 20\d\d)\b")
DAYS = {"day": 1, "business day": 1.4, "week": 7, "month": 30, "year": 365}
PROPER_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][a-z]+(?:[A-Z][a-z]+)*)\b")


@dataclass
class Evidence:
    unit: Unit
    end_unit: Unit | None
    rule: str
    why: str
    strength: float


@dataclass
class DraftText:
    units: list[Unit]
    text_lower: str
    stems: list[set[str]] = field(default_factory=list)
    negated: list[set[str]] = field(default_factory=list)
    heading_stems: list[set[str]] = field(default_factory=list)
    lower_stems: list[set[str]] = field(default_factory=list)  # lowercase words only
    skip: list[bool] = field(default_factory=list)  # in non-goals, alternatives, background...
    # This review's stems memo: the records' sentences are stemmed through it too.
    stem_memo: Stems = field(default_factory=Stems, repr=False)

    @cached_property
    def words(self) -> str:
        """The draft's tokens joined by spaces (for finding a record's title in it)."""
        return " ".join(tokens(self.text_lower))

    def cites(self, record_id: str, title: str) -> bool:
        """The draft names the record (see `cites`)."""
        return cites(self.text_lower, record_id, title, self.words)

    @cached_property
    def units_saying(self) -> dict[str, list[int]]:
        """Each stem a unit says (lower-case words and its heading's, not negated) and the
        units that say it, skipped units left out: overlap with a sentence is then counted
        per stem, not per unit and sentence."""
        said = zip(self.lower_stems, self.heading_stems, self.negated, strict=True)
        return self._by_stem([(lower | heading) - negated for lower, heading, negated in said])

    @cached_property
    def units_with(self) -> dict[str, list[int]]:
        """Each content stem and the units (not skipped) that use it."""
        return self._by_stem(self.stems)

    def _by_stem(self, stems_per_unit: list[set[str]]) -> dict[str, list[int]]:
        """An index from stem to the units (not skipped) whose set holds it, in order."""
        index: dict[str, list[int]] = {}
        for i, stems in enumerate(stems_per_unit):
            if not self.skip[i]:
                for stem in stems:
                    index.setdefault(stem, []).append(i)
        return index

    def sharing(self, stems: set[str], at_least: int) -> list[int]:
        """The units (not skipped) that use at least `at_least` of these stems, in order."""
        counts: dict[int, int] = {}
        for stem in stems:
            for i in self.units_with.get(stem, ()):
                counts[i] = counts.get(i, 0) + 1
        return sorted(i for i, n in counts.items() if n >= at_least)

    def common_stems(self, max_share: float = 0.1) -> set[str]:
        """Stems in more than `max_share` of the draft's units (and more than 2): its filler."""
        counts: dict[str, int] = {}
        for stems in self.stems:
            for s in stems:
                counts[s] = counts.get(s, 0) + 1
        limit = max(2, int(len(self.stems) * max_share))
        return {s for s, n in counts.items() if n > limit}

    @classmethod
    def of(cls, ctx: ReviewContext, *, sentences: bool = False) -> DraftText:
        units = draft_units(ctx.spec, sentences=sentences)
        stems = review_stems(ctx)
        return cls(
            units=units,
            text_lower=ctx.spec.text.lower(),
            stems=[set(content_stems(u.text, stems)) for u in units],
            negated=[negated_stems(u.text, stems=stems) for u in units],
            heading_stems=[set(content_stems(u.section, stems)) for u in units],
            lower_stems=[common_noun_stems(u.text, stems) for u in units],
            skip=[bool(_SKIP_SECTIONS.search(u.section)) for u in units],
            stem_memo=stems,
        )


def review_stems(ctx: ReviewContext) -> Stems:
    """This review's memo of word stems, shared by both history checks' views of the draft."""
    found = ctx.memo.get("stems")
    if not isinstance(found, Stems):
        found = ctx.memo["stems"] = Stems()
    return found


_NOT_BINDING = re.compile(
    r"supersed|reject|deprecat|withdrawn|propos|draft|replaced|removed|hold|defer|provisional|"
    r"partial|obsolete|retired",
    re.IGNORECASE,
)


def is_binding(status: str | None) -> bool:
    """An accepted (approved, implemented...) record binds; superseded or proposed ones do not."""
    text = (status or "").strip().lower()
    if not text or _NOT_BINDING.search(text):
        return False
    return any(text.startswith(word) for word in ACCEPTED)


def cites(text_lower: str, record_id: str, title: str, words: str | None = None) -> bool:
    """The draft names the record: its id (ADR-0015, ADR 15, adr-15) or its full title.
    `words`: the text's tokens joined by spaces, when the caller keeps them."""
    m = re.match(r"^([A-Za-z]+)[-_ ]?0*(\d[\w-]*)$", record_id)
    if m:
        pattern = rf"\b{re.escape(m.group(1).lower())}[-_ ]?0*{re.escape(m.group(2).lower())}\b"
        if re.search(pattern, text_lower):
            return True
    elif record_id.lower() in text_lower:
        return True
    title_norm = " ".join(tokens(title))
    if len(title_norm) <= 20:
        return False
    return title_norm in (" ".join(tokens(text_lower)) if words is None else words)


def make_finding(
    ctx: ReviewContext,
    code: str,
    severity: str,
    title: str,
    message: str,
    suggestion: str,
    ev: Evidence,
    record: Candidate,
) -> Finding:
    start = ev.unit.start_line
    end = max(ev.unit.end_line, ev.end_unit.end_line if ev.end_unit else 0)
    if ev.end_unit is not None and ev.end_unit.start_line < start:
        start = ev.end_unit.start_line
    span = span_for_lines(ctx.spec, start, end)
    section = section_at(ctx.spec, start)
    label = section.path_label if section else ""
    return Finding(
        code=code,
        severity=severity,
        title=title,
        message=message,
        suggestion=suggestion,
        span=span,
        section=label,
        related=[record.related()],
        fingerprint=fingerprint(code, label, span.quote),
        confidence=round(min(1.0, ev.strength), 2),
    )


def closest_sentence(text: str, rule: str) -> str:
    """The sentence of a passage sharing most words with the rule: what the message quotes."""
    sentences = [x for x in re.split(r"(?<=[.!?;])\s+", text) if x.strip()] or [text]
    wanted, scoped = set(content_stems(rule)), negated_stems(rule)
    return max(
        sentences, key=lambda x: len(wanted & (c := set(content_stems(x)))) + len(scoped & c)
    )


def excerpt(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
