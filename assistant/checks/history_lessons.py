"""`repeats_past_lesson`: a draft that repeats what a retrospective recorded as a cause of
trouble, without the safeguards it agreed on."""

from __future__ import annotations

from assistant.checks.base import ReviewContext
from assistant.checks.history_common import (
    DraftText,
    Evidence,
    excerpt,
    make_finding,
)
from assistant.checks.history_retrieval import Candidate, candidates, topical_similarity
from assistant.checks.history_text import (
    RetroParts,
    common_noun_stems,
    content_stems,
    negated_stems,
    retro_parts,
)
from assistant.embed import Embedder
from assistant.models import Finding

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
        draft = DraftText.of(ctx, sentences=True)
        records = [
            c for c in candidates(ctx, "retro") if c.text and not draft.cites(c.id, c.title)
        ][: self.max_records]
        findings = []
        for record in records:
            parts = retro_parts(record.text)  # parsed once per record and review
            found = self.evidence(draft, parts)
            situation = " ".join(parts.situation + parts.went_wrong)
            if found is not None and topical_similarity(ctx, self.embedder, situation) >= threshold:
                ev, repeated = found
                findings.append(self._to_finding(ctx, ev, record, repeated))
        return findings

    def _addressed(self, draft: DraftText, mitigation: list[str]) -> bool:
        need = (len(mitigation) + 1) // 2
        return any(
            len(set(mitigation) & (stems - negated)) >= need
            for stems, negated in zip(draft.stems, draft.negated, strict=True)
        )

    def evidence(self, draft: DraftText, parts: RetroParts) -> tuple[Evidence, list[str]] | None:
        """The passage that repeats the retro's situation, and the safeguards still missing."""
        common = draft.common_stems(0.2)
        best: tuple[int, int, str] | None = None
        first = next((i for i, skipped in enumerate(draft.skip) if not skipped), None)
        if first is None:
            return None
        for sentence in parts.situation + parts.went_wrong:
            overlap: dict[int, int] = {}
            for stem in common_noun_stems(sentence, draft.stem_memo) - common:
                for i in draft.units_saying.get(stem, ()):
                    overlap[i] = overlap.get(i, 0) + 1
            # The first unit with the most shared stems (the first unit of all when none share).
            at, n = max(overlap.items(), key=lambda kv: (kv[1], -kv[0]), default=(first, 0))
            if best is None or n > best[1]:
                best = (at, n, sentence)
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
        went_wrong = "; ".join(f"“{excerpt(s, 90)}”" for s in missing[:3])
        message = (
            f"{record.label()} recorded what went wrong when this was last done: {went_wrong}. "
            f"This draft plans the same (“{excerpt(ev.unit.text, 120)}”) and does not say how "
            "it avoids those causes of trouble."
        )
        suggestion = (
            f"Add the safeguards {record.id} agreed on to the plan (its lessons and action "
            f"items), or say why they do not apply here, citing {record.id}."
        )
        title = f"Repeats a lesson from {record.id}: {excerpt(record.title, 60)}"
        return make_finding(
            ctx, "repeats_past_lesson", "medium", title, message, suggestion, ev, record
        )
