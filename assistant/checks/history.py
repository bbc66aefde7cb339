"""History checks: a draft that contradicts an accepted decision record (`ConflictCheck`), or
repeats a practice a retrospective recorded as a cause of trouble (`LessonCheck`).

Offline and conservative: retrieval picks candidate records, then lexical evidence must show
the contradiction (a prohibited thing affirmed, a mandated system dismissed for a named
alternative, a number or date gap under a mandated minimum) or the repeated practice (the
retro's went-wrong items whose missing mitigation the draft does not mention either). A draft
that cites the record (by id or title) is never flagged: it engages with it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from assistant.anchors import fingerprint, section_at, span_for_lines
from assistant.checks.base import ReviewContext
from assistant.checks.history_retrieval import Candidate, candidates, topical_similarity
from assistant.checks.history_text import (
    Unit,
    common_noun_stems,
    content_stems,
    decision_rules,
    draft_units,
    is_prohibition,
    mid_sentence_names,
    negated_stems,
    rejected_options,
    retro_parts,
    stem,
    tokens,
)
from assistant.embed import Embedder
from assistant.models import Finding

ACCEPTED = frozenset({"accepted", "approved", "active", "adopted", "implemented", "decided"})
_SKIP_SECTIONS = re.compile(
    r"non-?goals?|out of scope|not doing|no-?gos?|alternative|considered|rejected|prior art|"
    r"background|context|history|risks?|rabbit",
    re.IGNORECASE,
)
_DISMISS = re.compile(
    r"\b(has no|have no|lacks?|too (basic|slow|limited|expensive)|instead of|rather than|"
    r"doesn't|does not|can't|cannot|isn't good|not good enough|would either)\b",
    re.IGNORECASE,
)
_MINIMUM = re.compile(
    r"\b(no sooner than|at least|not less than|no less than|no fewer than|minimum of)\s+"
    r"(\d+)\s+(business days?|days?|weeks?|months?|years?)",
    re.IGNORECASE,
)
_UNIVERSAL = re.compile(r"\b(all|every|only|always|must|canonical|sole)\b", re.IGNORECASE)
_QUANTITY = re.compile(r"\b(\d+)[\s-]+(business days?|days?|weeks?|months?|years?)\b", re.I)
_ISO_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_LONG_DATE = re.compile(r"\b(\d{1,2} [A-Z][a-z]{2,8} 20\d\d|[A-Z][a-z]{2,8} \d{1,2},? 20\d\d)\b")
_DAYS = {"day": 1, "business day": 1.4, "week": 7, "month": 30, "year": 365}
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][a-z]+(?:[A-Z][a-z]+)*)\b")


@dataclass
class Evidence:
    unit: Unit
    end_unit: Unit | None
    rule: str
    why: str
    strength: float


@dataclass
class _Draft:
    units: list[Unit]
    text_lower: str
    stems: list[set[str]] = field(default_factory=list)
    negated: list[set[str]] = field(default_factory=list)
    heading_stems: list[set[str]] = field(default_factory=list)
    lower_stems: list[set[str]] = field(default_factory=list)  # lowercase words only
    skip: list[bool] = field(default_factory=list)  # in non-goals, alternatives, background...

    def common_stems(self, max_share: float = 0.1) -> set[str]:
        """Stems in more than `max_share` of the draft's units (and more than 2): its filler."""
        counts: dict[str, int] = {}
        for stems in self.stems:
            for s in stems:
                counts[s] = counts.get(s, 0) + 1
        limit = max(2, int(len(self.stems) * max_share))
        return {s for s, n in counts.items() if n > limit}

    @classmethod
    def of(cls, ctx: ReviewContext, *, sentences: bool = False) -> _Draft:
        units = draft_units(ctx.spec, sentences=sentences)
        return cls(
            units=units,
            text_lower=ctx.spec.text.lower(),
            stems=[set(content_stems(u.text)) for u in units],
            negated=[negated_stems(u.text) for u in units],
            heading_stems=[set(content_stems(u.section)) for u in units],
            lower_stems=[common_noun_stems(u.text) for u in units],
            skip=[bool(_SKIP_SECTIONS.search(u.section)) for u in units],
        )


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


def cites(text_lower: str, record_id: str, title: str) -> bool:
    """The draft names the record: its id (ADR-0015, ADR 15, adr-15) or its full title."""
    m = re.match(r"^([A-Za-z]+)[-_ ]?0*(\d[\w-]*)$", record_id)
    if m:
        pattern = rf"\b{re.escape(m.group(1).lower())}[-_ ]?0*{re.escape(m.group(2).lower())}\b"
        if re.search(pattern, text_lower):
            return True
    elif record_id.lower() in text_lower:
        return True
    title_norm = " ".join(tokens(title))
    return len(title_norm) > 20 and title_norm in " ".join(tokens(text_lower))


def _finding(
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


def _closest_sentence(text: str, rule: str) -> str:
    """The sentence of a passage sharing most words with the rule: what the message quotes."""
    sentences = [x for x in re.split(r"(?<=[.!?;])\s+", text) if x.strip()] or [text]
    wanted, scoped = set(content_stems(rule)), negated_stems(rule)
    return max(
        sentences, key=lambda x: len(wanted & (c := set(content_stems(x)))) + len(scoped & c)
    )


def _excerpt(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- conflicts with decisions -----------------------------------------------------------------


def _dates(text: str) -> list[date]:
    out = []
    for y, m, d in _ISO_DATE.findall(text):
        try:
            out.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    for raw in _LONG_DATE.findall(text):
        for fmt in ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y"):
            try:
                out.append(datetime.strptime(raw.replace(",", ""), fmt).date())
                break
            except ValueError:
                continue
    return out


def _in_days(n: str, unit: str) -> float:
    unit = unit.lower().rstrip("s")
    return int(n) * _DAYS.get(unit, 1)


class ConflictCheck:
    """`conflicts_with_decision`: contradicts an accepted decision without citing it."""

    codes = ("conflicts_with_decision",)

    def __init__(
        self, *, embedder: Embedder | None = None, min_score: float = 0.3, max_records: int = 4
    ) -> None:
        self.embedder = embedder
        self.min_score = min_score
        self.max_records = max_records

    def run(self, ctx: ReviewContext) -> list[Finding]:
        threshold = ctx.config.thresholds.get("conflicts_with_decision", self.min_score)
        draft = _Draft.of(ctx)
        records = [
            c
            for c in candidates(ctx, "decision")
            if is_binding(c.status) and c.text and not cites(draft.text_lower, c.id, c.title)
        ][: self.max_records]
        findings = []
        for record in records:
            ev = self.evidence(draft, record)
            if ev is None:
                continue
            rules = " ".join(decision_rules(record.text)) or record.text
            if topical_similarity(ctx, self.embedder, rules) >= threshold:
                findings.append(self._to_finding(ctx, ev, record))
        return findings

    def evidence(self, draft: _Draft, record: Candidate) -> Evidence | None:
        """The strongest contradiction between the record's rules and the draft, if any."""
        record_names = set(_NAME.findall(record.text))
        rules = decision_rules(record.text)
        best = self._option_evidence(draft, rules, rejected_options(record.text))
        for rule in rules:
            rule_stems = set(content_stems(rule))
            if len(rule_stems) < 3:
                continue
            for ev in self._rule_evidence(draft, rule, rule_stems, record_names):
                if best is None or ev.strength > best.strength:
                    best = ev
        return best

    def _option_evidence(
        self, draft: _Draft, rules: list[str], options: set[str]
    ) -> Evidence | None:
        """The draft adopts an option the record considered and turned down."""
        if not options or not rules:
            return None
        rule_stems = set(content_stems(" ".join(rules)))
        for i, unit in enumerate(draft.units):
            if draft.skip[i] or not draft.stems[i] & rule_stems:
                continue
            named = mid_sentence_names(unit.text) & options
            for name in sorted(named):
                if stem(name.lower()) not in draft.negated[i]:
                    why = f"adopts {name}, an option {{record}} considered and turned down"
                    return Evidence(unit, None, " ".join(rules)[:300], why, 1.15)
        return None

    def _rule_evidence(
        self, draft: _Draft, rule: str, rule_stems: set[str], record_names: set[str]
    ) -> list[Evidence]:
        out = []
        rule_negative = is_prohibition(_MINIMUM.sub(" ", rule))  # "no sooner than N" is a floor
        ruled_out = negated_stems(rule)  # what the prohibition scopes over
        mandated = set(_NAME.findall(rule)) if _UNIVERSAL.search(rule) else set()
        for i, unit in enumerate(draft.units):
            if draft.skip[i]:
                continue
            shared = draft.stems[i] & rule_stems
            affirmed = shared - draft.negated[i]
            if (
                rule_negative
                and len(affirmed) >= 3
                and len(affirmed) >= 0.5 * len(rule_stems)
                and len(affirmed & ruled_out) >= 2
            ):
                out.append(Evidence(unit, None, rule, "does what it rules out", len(affirmed) / 3))
            if not mandated or len(shared) < 2:
                continue
            for sentence in re.split(r"(?<=[.!?;])\s+", unit.text):
                named = sorted(n for n in mandated if n in sentence)
                if not named or not _DISMISS.search(sentence):
                    continue
                mentions = Counter(_NAME.findall(unit.text))
                others = [n for n, _ in mentions.most_common() if n not in record_names]
                if others:
                    why = f"sets {named[0]} aside for {others[0]}"
                    out.append(Evidence(unit, None, rule, why, 1.2))
                    break
        out.extend(self._minimum_evidence(draft, rule))
        return out

    def _minimum_evidence(self, draft: _Draft, rule: str) -> list[Evidence]:
        m = _MINIMUM.search(rule)
        if m is None:
            return []
        minimum = _in_days(m.group(2), m.group(3))
        before = set(content_stems(rule[: m.start()]))
        after = set(content_stems(rule[m.end() :]))
        out = []
        for i, unit in enumerate(draft.units):
            if draft.skip[i]:
                continue
            for n, unit_name in _QUANTITY.findall(unit.text):
                if len(draft.stems[i] & (before | after)) >= 2 and _in_days(n, unit_name) < minimum:
                    why = f"allows {n} {unit_name} where the record requires {m.group(2)}"
                    out.append(Evidence(unit, None, rule, why, 1.1))
        # "<A> no sooner than N days after <B>": a dated A too soon after a dated B.
        dated = [(i, u, _dates(u.text)) for i, u in enumerate(draft.units)]
        a_units = [(u, d) for i, u, d in dated if d and draft.stems[i] & before - after][:100]
        b_units = [(u, d) for i, u, d in dated if d and draft.stems[i] & after - before][:100]
        for ua, da in a_units:
            for ub, db in b_units:
                gap = (max(da) - min(db)).days
                if ua is not ub and 0 < gap < minimum and ua.section == ub.section:
                    why = f"leaves {gap} days where the record requires {m.group(2)} {m.group(3)}"
                    out.append(Evidence(ub, ua, rule, why, 1.1))
        return out

    def _to_finding(self, ctx: ReviewContext, ev: Evidence, record: Candidate) -> Finding:
        message = (
            f"{record.label()} says: “{_excerpt(ev.rule)}” "
            f"This draft {ev.why.replace('{record}', record.id)} "
            f"(“{_excerpt(_closest_sentence(ev.unit.text, ev.rule), 140)}”) "
            f"without citing or superseding {record.id}. "
            "Reopening a settled decision by accident wastes the debate that produced it."
        )
        suggestion = (
            f"Either change the plan to comply with {record.id}, or cite it and propose to "
            f"supersede it explicitly (a new decision record that replaces {record.id}, "
            "approved by its deciders)."
        )
        title = f"Contradicts {record.id}: {_excerpt(record.title, 70)}"
        return _finding(
            ctx, "conflicts_with_decision", "high", title, message, suggestion, ev, record
        )


# --- lessons from retrospectives --------------------------------------------------------------


def _mitigation(sentence: str) -> list[str]:
    """What a went-wrong item says was missing: the stems a "no"/"never"/"not" scopes over."""
    missing = negated_stems(sentence, window=3)
    return [s for s in dict.fromkeys(content_stems(sentence)) if s in missing][:3]


class LessonCheck:
    """`repeats_past_lesson`: repeats a practice a retro recorded as a cause of trouble.

    Raised when (1) a draft passage describes the retro's situation (many rare words shared
    with one of its sentences), and (2) at least `min_items` of the retro's went-wrong items
    name a missing safeguard ("no load test", "never rehearsed") the draft does not mention.
    """

    codes = ("repeats_past_lesson",)

    def __init__(
        self,
        *,
        embedder: Embedder | None = None,
        min_score: float = 0.5,
        max_records: int = 3,
        min_items: int = 2,
        min_overlap: int = 3,
    ) -> None:
        self.embedder = embedder
        self.min_score = min_score
        self.max_records = max_records
        self.min_items = min_items
        self.min_overlap = min_overlap

    def run(self, ctx: ReviewContext) -> list[Finding]:
        threshold = ctx.config.thresholds.get("repeats_past_lesson", self.min_score)
        draft = _Draft.of(ctx, sentences=True)
        records = [
            c
            for c in candidates(ctx, "retro")
            if c.text and not cites(draft.text_lower, c.id, c.title)
        ][: self.max_records]
        findings = []
        for record in records:
            found = self.evidence(draft, record)
            parts = retro_parts(record.text)
            situation = " ".join(parts.situation + parts.went_wrong)
            if found is not None and topical_similarity(ctx, self.embedder, situation) >= threshold:
                ev, repeated = found
                findings.append(self._to_finding(ctx, ev, record, repeated))
        return findings

    def _addressed(self, draft: _Draft, mitigation: list[str]) -> bool:
        need = (len(mitigation) + 1) // 2
        return any(
            len(set(mitigation) & (stems - negated)) >= need
            for stems, negated in zip(draft.stems, draft.negated, strict=True)
        )

    def evidence(self, draft: _Draft, record: Candidate) -> tuple[Evidence, list[str]] | None:
        """The passage that repeats the retro's situation, and the safeguards still missing."""
        parts = retro_parts(record.text)
        common = draft.common_stems(0.2)
        best: tuple[int, int, str] | None = None
        for sentence in parts.situation + parts.went_wrong:
            stems = common_noun_stems(sentence) - common
            for i in range(len(draft.units)):
                if draft.skip[i]:
                    continue
                said = (draft.lower_stems[i] | draft.heading_stems[i]) - draft.negated[i]
                n = len(stems & said)
                if best is None or n > best[1]:
                    best = (i, n, sentence)
        if best is None or best[1] < self.min_overlap:
            return None
        missing = []
        for sentence in parts.went_wrong:
            mitigation = _mitigation(sentence)
            if mitigation and not self._addressed(draft, mitigation):
                missing.append(sentence)
        if len(missing) < self.min_items:
            return None
        strength = min(1.0, best[1] / 6 + len(missing) / 6)
        return Evidence(draft.units[best[0]], None, best[2], "repeats", strength), missing

    def _to_finding(
        self, ctx: ReviewContext, ev: Evidence, record: Candidate, missing: list[str]
    ) -> Finding:
        went_wrong = "; ".join(f"“{_excerpt(s, 90)}”" for s in missing[:3])
        message = (
            f"{record.label()} recorded what went wrong when this was last done: {went_wrong}. "
            f"This draft plans the same (“{_excerpt(ev.unit.text, 120)}”) and does not say how "
            "it avoids those causes of trouble."
        )
        suggestion = (
            f"Add the safeguards {record.id} agreed on to the plan (its lessons and action "
            f"items), or say why they do not apply here, citing {record.id}."
        )
        title = f"Repeats a lesson from {record.id}: {_excerpt(record.title, 60)}"
        return _finding(
            ctx, "repeats_past_lesson", "medium", title, message, suggestion, ev, record
        )
