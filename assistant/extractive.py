"""The offline answer writer: quotes the sentences of the evidence that answer the question's
kind, cited `[n]`.

A relevant sentence is not yet an answer: asked why, a reader wants the reason, not the
summary of what changed; asked when, the date; asked who, the person or team; asked what an
incident taught, its cause and the follow-ups; asked what replaced something, the
replacement. So each sentence is scored on the question's terms it holds (terms of the
record's title are left out: every sentence of the record is about its title) plus a bonus
when it carries what the question's kind needs or sits under a heading for it, less a penalty
for code, link lists, metadata-like lines and template questions. Who and when questions
also get the record's metadata (authors, owning group, dates) in one line, cited like the
quotes; answers about an incident review also list its follow-ups.

Each passage also carries how well it matches the question among its record's passages
(`Evidence.relevance`, dense and keyword ranks fused), which adds up to RELEVANCE_BONUS.
Measured on ask-dev-2's rationales and not kept: weighting terms by IDF, and re-scoring the
best ten sentences by embedding similarity to the question (both quoted the rationale less
often; the second also cost ~0.1 s a question).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from assistant.answer import Evidence, quotable_sentences
from assistant.answerability import ABANDON, DATE, REASON, question_kind
from assistant.bm25 import tokenize
from assistant.confidence import key_terms
from assistant.models import LLMStatus

# Question kinds beyond answerability's why/when/count. Each list says how people ask it.
# Lessons: "what did we learn from the Black Friday outage?", "what caused the 503s and what
# follow-ups were agreed?".
_LESSON = re.compile(
    r"\b(lessons?|learn\w*|follow[- ]?ups?|action items?|conclu\w+|went wrong|caused?|"
    r"root cause|agreed|afterwards|preventive|prevent|changed afterwards|post-?mortem|retro)\b",
    re.IGNORECASE,
)
# What replaced what: "what superseded the v1 billing ADR?", "what became of the SSO plan?".
_SUPERSEDED = re.compile(
    r"\b(replac\w+|supersed\w+|took over|taken over|took its place|what became of|"
    r"what happened to|still alive|successor|formally replaced)\b",
    re.IGNORECASE,
)
# Who: "who owns the payments API?", "which team runs the on-call rota?".
_WHO = re.compile(
    r"^\s*who\b|\bwho\b|\bwhich (sig|team|group|person|people|company)\b|\bunder which\b",
    re.IGNORECASE,
)
_WHEN_ALSO = re.compile(r"\bwhen\b|\bhow (much notice|long)\b|\bwhich release\b", re.IGNORECASE)

# What a sentence carries, per kind.
# A sentence that answers "when": a date or version, or a release named in words ("which
# release", "when did it ship").
_WHEN_ANSWER = re.compile(
    rf"{DATE.pattern}|\breleas(?:e[sd]?|ing)\b|\bshipped\b|\bgraduat(?:ed?|ion)\b", re.IGNORECASE
)
_PERSON = re.compile(r"@[\w-]+|\bsig[- ][a-z]+|\bteam\b|\b[A-Z][a-z]+ [A-Z][a-z]+\b")
_CAUSE = re.compile(
    r"\b(caus\w+|root cause|because|due to|trigger\w*|result\w*|led to|failed|broke|"
    r"misconfigur\w+|expired|deleted|ran out)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"\b(action|we will|we'll|should|need to|needs to|must|follow[- ]?up|add|ensure|"
    r"improve|change|review|document|alert\w*|monitor\w*|automat\w+|before retrying|"
    r"agreed|re-?iterate)\b",
    re.IGNORECASE,
)
_REPLACEMENT = re.compile(
    r"\b(replaced|superseded|in favou?r of|instead|merged into|successor|deprecated|"
    r"(kep|rfc|adr)[- ]?\d+)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\b\d+\b")
# What was decided (the answer to a plain "what did they do?"): "we will", "decided", "chosen".
_DECISION = re.compile(
    r"\b(we will|we'll|we decided|decided|decision|chosen|chose|agreed|will use|instead|"
    r"proposes?|outcome)\b",
    re.IGNORECASE,
)

# Headings whose sections hold what a kind asks for.
_HEADINGS = {
    "why": re.compile(
        r"motivation|rationale|reason|context|background|why|problem|summary|decision|"
        r"consequence|drawback|deprecat|withdraw|defer",
        re.IGNORECASE,
    ),
    "lesson": re.compile(
        r"cause|lesson|action|follow|next step|went wrong|resolution|improve|learn|prevent|"
        r"what happened|impact",
        re.IGNORECASE,
    ),
    "when": re.compile(r"history|timeline|status|date|release|graduation", re.IGNORECASE),
    "who": re.compile(r"author|owner|team|people|sig|contact", re.IGNORECASE),
    "superseded": re.compile(r"status|summary|replac|supersed|deprecat", re.IGNORECASE),
}
_CUES = {
    "why": [REASON],
    "lesson": [_CAUSE, _FOLLOW_UP],
    "when": [_WHEN_ANSWER],
    "who": [_PERSON],
    "superseded": [_REPLACEMENT, _DECISION],
    "count": [_NUMBER],
    "what": [_DECISION],
    "given_up": [ABANDON],
}
KIND_BONUS = 0.25  # per cue matched: about a quarter of the question's terms
HEADING_BONUS = 0.15
RANK_PENALTY = 0.1  # per record below the leading one
RELEVANCE_BONUS = 0.3  # for the record's passage that best matches the question, less for others
REPLACEMENT_BONUS = 0.25  # asked what replaced a record, quote the replacement

# Lines that are not prose: code, link lists, key-value metadata, template prompts.
_CODE = re.compile(r"`[^`]+`|[{};]|\b(func|fn|def|struct|return)\b|::|=>|\(\)")
_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)|https?://\S+")
_KEY_VALUE = re.compile(r"^[\w\s-]{1,30}:\s*\S")


def answer_kinds(question: str) -> list[str]:
    """What the question asks for, in order of importance (a question may ask two things:
    "what caused it and what was agreed?")."""
    kinds = []
    first = question_kind(question)
    if first != "other":
        kinds.append(first)
    for kind, pattern in (
        ("superseded", _SUPERSEDED),
        ("lesson", _LESSON),
        ("who", _WHO),
        ("when", _WHEN_ALSO),
    ):
        if pattern.search(question) and kind not in kinds:
            kinds.append(kind)
    if not kinds:
        kinds.append("what")
    if ABANDON.search(question):
        kinds.append("given_up")  # asked about something given up: sentences that say so
    return kinds


def _prose_penalty(sentence: str) -> float:
    """How far a sentence is from prose: code, links, key-value lines, template questions."""
    penalty = 0.0
    code = sum(len(m.group(0)) for m in _CODE.finditer(sentence))
    if code > 0.3 * len(sentence):
        penalty += 0.4
    links = sum(len(m.group(0)) for m in _LINK.finditer(sentence))
    if links > 0.4 * len(sentence):
        penalty += 0.4
    if _KEY_VALUE.match(sentence) and len(sentence) < 60:
        penalty += 0.2
    if sentence.rstrip().endswith("?"):
        penalty += 0.3  # a template's prompt ("Why should this KEP not be implemented?")
    if len(sentence) > 400:
        penalty += 0.1
    return penalty


def score_sentence(sentence: str, terms: set[str], kinds: Sequence[str], heading: str) -> float:
    """Question terms held (those only in its section's heading count half), plus bonuses
    for what the kinds need, less the prose penalty. (Weighting terms by IDF was tried and
    quoted the rationale less often.)"""
    tokens = set(tokenize(sentence))
    in_heading = (set(tokenize(heading)) & terms) - tokens
    overlap = (len(tokens & terms) + 0.5 * len(in_heading)) / (len(terms) or 1)
    bonus = 0.0
    for rank, kind in enumerate(kinds):
        weight = 1.0 if rank == 0 else 0.6
        bonus += weight * KIND_BONUS * sum(1 for cue in _CUES.get(kind, []) if cue.search(sentence))
        pattern = _HEADINGS.get(kind)
        if pattern is not None and pattern.search(heading):
            bonus += weight * HEADING_BONUS
    return overlap + bonus - _prose_penalty(sentence)


class ExtractiveWriter:
    """Offline answers: the sentences that answer the question's kind, quoted and cited, with
    supersede/replace notes first when the leading record was replaced."""

    model: str | None = None

    def __init__(
        self,
        *,
        max_quotes: int = 4,
        per_record: int = 3,
        records: int = 2,
        floor: float = 0.0,
    ) -> None:
        self.max_quotes = max_quotes
        self.per_record = per_record
        self.records = records
        self.floor = floor  # quote only sentences scoring at least this share of the best

    def write(
        self,
        question: str,
        evidence: Sequence[Evidence],
        status: LLMStatus,  # noqa: ARG002 - offline: nothing to record
    ) -> Iterator[str]:
        if not evidence:
            yield "The records retrieved contain no passage that answers this directly."
            return
        kinds = answer_kinds(question)
        if evidence[0].kind == "retro" and "lesson" not in kinds:
            kinds.append("lesson")  # asked about an incident: its cause and follow-ups answer
        picked = self._pick(question, evidence, kinds)
        lead = evidence[0].doc_id
        quoted = {item.doc_id for _, _, item in picked} - {lead}
        lead_notes = list(dict.fromkeys(e.note for e in evidence if e.note and e.doc_id == lead))
        other_notes = [
            n
            for n in dict.fromkeys(e.note for e in evidence if e.note and e.doc_id in quoted)
            if n not in lead_notes
        ]
        # The leading record's supersede note comes first (it changes what the answer is);
        # notes about records quoted further down follow the quotes.
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
        if "lesson" in kinds:
            agreed = _follow_ups(evidence, lead)
            if agreed is not None:
                yield f'- Follow-ups: "{agreed[1]}" ({lead}) [{agreed[0].n}]\n'
        meta = next((e for e in evidence if e.doc_id == lead and e.meta), None)
        if meta is not None and {"who", "when"} & set(kinds):
            yield f"Recorded for {meta.doc_id}: {meta.meta} [{meta.n}]\n"
        if other_notes:
            yield "\n" + "".join(f"Also: {note}\n" for note in other_notes)

    def _pick(
        self, question: str, evidence: Sequence[Evidence], kinds: Sequence[str]
    ) -> list[tuple[tuple[int, int], str, Evidence]]:
        """The best sentences, at most `per_record` from a record, in reading order keys."""
        leading = list(dict.fromkeys(e.doc_id for e in evidence))[: self.records]
        linked = {e.doc_id for e in evidence if any(f"[{e.n}]" in x.note for x in evidence)}
        allowed = set(leading) | linked
        scored: list[tuple[float, tuple[int, int], str, Evidence]] = []
        for item in evidence:
            if item.doc_id not in allowed:
                continue
            all_terms = set(key_terms(question))
            terms = all_terms - set(tokenize(item.title)) or all_terms
            heading = " ".join(item.heading_path[1:] or item.heading_path)
            title = " ".join(item.title.lower().split())
            rank = leading.index(item.doc_id) if item.doc_id in leading else len(leading)
            extra = RELEVANCE_BONUS * item.relevance
            if "superseded" in kinds and item.doc_id in linked and item.doc_id != leading[0]:
                extra += REPLACEMENT_BONUS
            parts = quotable_sentences(item.text)
            for i, sentence in enumerate(parts):
                if sentence.lower().rstrip(".") == title:
                    continue
                value = score_sentence(sentence, terms, kinds, heading) + extra
                if value <= 0:
                    continue
                if sentence.endswith(":") and i + 1 < len(parts):
                    sentence = f"{sentence} {'; '.join(parts[i + 1 : i + 3])}"
                scored.append((value - RANK_PENALTY * rank, (item.n, i), sentence, item))
        scored.sort(key=lambda t: (-t[0], t[1]))
        # Quote only sentences about as good as the best one: weak matches are noise.
        floor = scored[0][0] * self.floor if scored else 0.0
        picked: list[tuple[tuple[int, int], str, Evidence]] = []
        per_doc: dict[str, int] = {}
        seen: set[str] = set()
        for value, key, sentence, item in scored:
            if value < floor or len(picked) >= self.max_quotes:
                break
            if per_doc.get(item.doc_id, 0) >= self.per_record or sentence in seen:
                continue
            per_doc[item.doc_id] = per_doc.get(item.doc_id, 0) + 1
            seen.add(sentence)
            quote = sentence if len(sentence) <= 500 else sentence[:497] + "..."
            picked.append((key, quote, item))
        return picked


# A list of follow-ups, by its heading or bold label: "## Action items", "**Review actions**:",
# "Lessons learned", "Next steps", "What we will do" (incident reviews name them many ways).
_FOLLOW_UP_LABEL = re.compile(
    r"^\s*(#+\s*|[-*+]\s+)?(\*\*)?\s*(review actions?|action items?|actions|follow[- ]?ups?|"
    r"lessons?( learned| learnt)?|next steps|what we('ll| will) do|recommendations?|"
    r"preventi\w*|improvements?|remediation)\b",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _follow_ups(evidence: Sequence[Evidence], doc_id: str) -> tuple[Evidence, str] | None:
    """The items of the leading record's follow-up list, joined into one quote."""
    for item in evidence:
        if item.doc_id != doc_id:
            continue
        lines = item.text.split("\n")
        for at, line in enumerate(lines):
            if not _FOLLOW_UP_LABEL.match(line):
                continue
            items = []
            for following in lines[at + 1 :]:
                match = _ITEM.match(following)
                if match is None:
                    if following.strip():
                        break
                    continue
                text = _MD_LINK.sub(r"\1", match.group(2)).strip()
                items.append(" ".join(text.split()))
            if items:
                quote = "; ".join(items)
                return item, quote if len(quote) <= 700 else quote[:697] + "..."
    return None


def _label(item: Evidence) -> str:
    details = ", ".join(filter(None, [item.title, item.status, item.date]))
    return f"{item.doc_id} ({details})"
