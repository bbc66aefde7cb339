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
from datetime import date, datetime

from assistant.checks.base import ReviewContext
from assistant.checks.history_common import (
    DAYS,
    DISMISS,
    ISO_DATE,
    LONG_DATE,
    MINIMUM,
    PROPER_NAME,
    QUANTITY,
    UNIVERSAL,
    DraftText,
    Evidence,
    cites,
    closest_sentence,
    excerpt,
    is_binding,
    make_finding,
)
from assistant.checks.history_lessons import LessonCheck
from assistant.checks.history_retrieval import Candidate, candidates, topical_similarity
from assistant.checks.history_text import (
    content_stems,
    decision_rules,
    is_prohibition,
    mid_sentence_names,
    negated_stems,
    rejected_options,
    stem,
)
from assistant.embed import Embedder
from assistant.models import Finding

__all__ = ["ConflictCheck", "LessonCheck", "cites", "is_binding"]


# --- conflicts with decisions -----------------------------------------------------------------


def _dates(text: str) -> list[date]:
    out = []
    for y, m, d in ISO_DATE.findall(text):
        try:
            out.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    for raw in LONG_DATE.findall(text):
        for fmt in ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y"):
            try:
                out.append(datetime.strptime(raw.replace(",", ""), fmt).date())
                break
            except ValueError:
                continue
    return out


def _in_days(n: str, unit: str) -> float:
    unit = unit.lower().rstrip("s")
    return int(n) * DAYS.get(unit, 1)


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
        draft = DraftText.of(ctx)
        records = [
            c
            for c in candidates(ctx, "decision")
            if is_binding(c.status) and c.text and not draft.cites(c.id, c.title)
        ][: self.max_records]
        findings = []
        for record in records:
            rules = decision_rules(record.text)  # parsed once per record and review
            ev = self.evidence(draft, record, rules)
            if ev is None:
                continue
            if topical_similarity(ctx, self.embedder, " ".join(rules) or record.text) >= threshold:
                findings.append(self._to_finding(ctx, ev, record))
        return findings

    def evidence(self, draft: DraftText, record: Candidate, rules: list[str]) -> Evidence | None:
        """The strongest contradiction between the record's rules (its decision's sentences)
        and the draft, if any."""
        record_names = set(PROPER_NAME.findall(record.text))
        best = self._option_evidence(draft, rules, rejected_options(record.text, rules))
        for rule in rules:
            rule_stems = set(content_stems(rule, draft.stem_memo))
            if len(rule_stems) < 3:
                continue
            for ev in self._rule_evidence(draft, rule, rule_stems, record_names):
                if best is None or ev.strength > best.strength:
                    best = ev
        return best

    def _option_evidence(
        self, draft: DraftText, rules: list[str], options: set[str]
    ) -> Evidence | None:
        """The draft adopts an option the record considered and turned down."""
        if not options or not rules:
            return None
        rule_stems = set(content_stems(" ".join(rules), draft.stem_memo))
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
        self, draft: DraftText, rule: str, rule_stems: set[str], record_names: set[str]
    ) -> list[Evidence]:
        out = []
        rule_negative = is_prohibition(MINIMUM.sub(" ", rule))  # "no sooner than N" is a floor
        ruled_out = negated_stems(rule, stems=draft.stem_memo)  # what the prohibition scopes over
        mandated = set(PROPER_NAME.findall(rule)) if UNIVERSAL.search(rule) else set()
        for i in draft.sharing(rule_stems, 2):  # both kinds of evidence need two shared stems
            unit = draft.units[i]
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
                if not named or not DISMISS.search(sentence):
                    continue
                mentions = Counter(PROPER_NAME.findall(unit.text))
                others = [n for n, _ in mentions.most_common() if n not in record_names]
                if others:
                    why = f"sets {named[0]} aside for {others[0]}"
                    out.append(Evidence(unit, None, rule, why, 1.2))
                    break
        out.extend(self._minimum_evidence(draft, rule))
        return out

    def _minimum_evidence(self, draft: DraftText, rule: str) -> list[Evidence]:
        m = MINIMUM.search(rule)
        if m is None:
            return []
        minimum = _in_days(m.group(2), m.group(3))
        before = set(content_stems(rule[: m.start()], draft.stem_memo))
        after = set(content_stems(rule[m.end() :], draft.stem_memo))
        out = []
        for i, unit in enumerate(draft.units):
            if draft.skip[i]:
                continue
            for n, unit_name in QUANTITY.findall(unit.text):
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
            f"{record.label()} says: “{excerpt(ev.rule)}” "
            f"This draft {ev.why.replace('{record}', record.id)} "
            f"(“{excerpt(closest_sentence(ev.unit.text, ev.rule), 140)}”) "
            f"without citing or superseding {record.id}. "
            "Reopening a settled decision by accident wastes the debate that produced it."
        )
        suggestion = (
            f"Either change the plan to comply with {record.id}, or cite it and propose to "
            f"supersede it explicitly (a new decision record that replaces {record.id}, "
            "approved by its deciders)."
        )
        title = f"Contradicts {record.id}: {excerpt(record.title, 70)}"
        return make_finding(
            ctx, "conflicts_with_decision", "high", title, message, suggestion, ev, record
        )
