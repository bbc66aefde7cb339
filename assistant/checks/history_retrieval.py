"""Candidate records for the history checks: retrieval over the indexed history (shared by
both checks, once per draft) and a dense topical similarity between draft and record."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.checks.base import History, ReviewContext
from assistant.embed import Embedder
from assistant.markdown import ParsedSpec
from assistant.models import RelatedRecord

HISTORY_KINDS = ("decision", "retro")
MAX_QUERIES = 3
WINDOW_CHARS = 4000
GATE_CHARS = 600
_SKIP_QUERY = re.compile(
    r"non-?goals?|out of scope|not doing|no-?gos?|alternative|considered|rejected|prior art",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    """A retrieved record: its metadata, full text and rank among retrieved records."""

    id: str
    title: str
    status: str | None
    path: str
    kind: str
    date: str | None
    rank: int
    text: str = ""

    def related(self) -> RelatedRecord:
        kind = self.kind if self.kind in ("spec", "decision", "retro") else None
        return RelatedRecord(
            id=self.id, title=self.title, status=self.status, path=self.path, kind=kind
        )

    def label(self) -> str:
        bits = ", ".join(b for b in (self.status, self.date) if b)
        return f"{self.id} ({bits})" if bits else self.id


def query_windows(spec: ParsedSpec, groups: int = MAX_QUERIES) -> list[str]:
    """The draft's sections in `groups` contiguous runs of similar length: retrieval queries.

    Dense retrieval reads the start of each run; keyword retrieval reads all of it.
    """
    sections = [
        f"{s.title}. {' '.join(s.body.split())}"
        for s in spec.sections
        if len(s.body.split()) >= 8 and not _SKIP_QUERY.search(s.title)
    ]
    if not sections:
        return [" ".join(spec.text.split())[:WINDOW_CHARS]]
    target = sum(len(s) for s in sections) / groups
    windows: list[str] = []
    current = ""
    for text in sections:
        current = f"{current} {text}".strip()
        if len(current) >= target and len(windows) < groups - 1:
            windows.append(current[:WINDOW_CHARS])
            current = ""
    if current:
        windows.append(current[:WINDOW_CHARS])
    return windows


def candidates(ctx: ReviewContext, kind: str) -> list[Candidate]:
    """Records of one kind that the draft's sections retrieve, best (lowest rank) first."""
    if ctx.history is None:
        return []
    found = ctx.memo.get("history_candidates")
    if not isinstance(found, list):
        found = ctx.memo["history_candidates"] = _retrieve(_windows(ctx), ctx.history)
    return [c for c in found if c.kind == kind]


def _windows(ctx: ReviewContext) -> list[str]:
    """The draft's query windows, cut once per review (retrieval and the gate both use them)."""
    windows = ctx.memo.get("query_windows")
    if not isinstance(windows, list):
        windows = ctx.memo["query_windows"] = query_windows(ctx.spec)
    return windows


def _retrieve(windows: Sequence[str], history: History) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    for hits in history.search_many(windows, kinds=list(HISTORY_KINDS), k=8):
        for rank, hit in enumerate(hits):
            c = hit.chunk
            if c.doc_id not in best or rank < best[c.doc_id].rank:
                best[c.doc_id] = Candidate(
                    c.doc_id, c.title, c.status, c.path, c.kind, c.date, rank
                )
    found = sorted(best.values(), key=lambda c: c.rank)
    records = history.get_many([c.id for c in found])
    for cand in found:
        record = records.get(cand.id)
        if record is not None:
            cand.text = record.text or ""
            cand.status = record.status or cand.status
            cand.date = record.date or cand.date
            cand.title = record.title or cand.title
    return found


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


def topical_similarity(ctx: ReviewContext, embedder: Embedder | None, record_text: str) -> float:
    """Best cosine between a record's text and the draft's windows (1.0 without a model).

    Called only once lexical evidence is found, so most drafts never pay for it. The draft's
    vectors are computed once per review and shared by both checks.
    """
    if embedder is None:
        return 1.0
    windows = ctx.memo.get("window_vectors")
    if not isinstance(windows, list):
        texts = [w[:GATE_CHARS] for w in _windows(ctx)]
        windows = ctx.memo["window_vectors"] = embedder.embed(texts) if texts else []
    vector = embedder.embed([" ".join(record_text.split())[:1500]])[0]
    return max((_cosine(vector, w) for w in windows), default=0.0)
