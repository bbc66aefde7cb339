"""Answers questions about past decisions from the indexed history, with `[n]` citations, and
refuses honestly ("no record found", with the nearest records labelled "possibly related")
when the records do not answer it.

Flow: rank documents (hybrid, `Retriever.rank_documents`) → assess confidence
(`assistant.confidence`, with `assistant.answerability`'s checks of what the leading record
lacks; a record that uses a name the question asks about may lead from rank 3) → refuse,
quoting what an on-topic record does say, or number the best passages as evidence,
following supersede/replace links so a replaced record brings in what replaced it → an
`AnswerWriter` writes the text (see `assistant.answer` for the protocol). Offline, the
`ExtractiveWriter` (`assistant.extractive`) may quote any passage of the leading record and
of its replacement, and the passages it cites are numbered 1, 2, 3... in the order cited;
an LLM writer gets the numbered evidence, and citations to anything not in it are removed
and counted.

`stream()` yields `AskEvent`s for server-sent events: one `sources` event (the numbered
passages the answer may cite), then `delta` events (answer text), then one `done` carrying the
full `Answer` (whose `citations` are the passages the text actually cites).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field

from assistant import answerability
from assistant.answer import AnswerWriter, CitationFilter, Evidence, cited_numbers, renumber
from assistant.answer_evidence import (
    citation,
    evidence_from,
    metadata_line,
    metadata_text,
    passage_span,
    supersede_note,
)
from assistant.bm25 import plain_words
from assistant.confidence import DEFAULT_THRESHOLD, QUESTION_WORDS, Confidence, assess
from assistant.errors import LLMError
from assistant.extractive import ExtractiveWriter
from assistant.links import SUCCESSOR_RELS, build_links
from assistant.models import Answer, Citation, LLMStatus, RelatedRecord
from assistant.retrieval import DocHit, Retriever
from assistant.store import VectorStore, Where

NO_RECORD = "No record found that answers this question."
PROMOTE_FROM = 3  # a record that can answer may lead from this far down


class AskEvent(BaseModel):
    """One server-sent event of a streamed answer."""

    type: Literal["sources", "delta", "done"]
    sources: list[Citation] = Field(default_factory=list)
    text: str = ""
    answer: Answer | None = None


class Asker:
    """Answers questions from a store through a retriever; the writer defaults to offline."""

    def __init__(
        self,
        retriever: Retriever,
        store: VectorStore,
        writer: AnswerWriter | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        depth: int = 10,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.writer: AnswerWriter = writer or ExtractiveWriter()
        self.threshold = threshold
        self.depth = depth
        self._link_map: dict[str, list[tuple[str, str]]] = {}
        self._meta: dict[str, frozenset[str]] = {}
        self._meta_text: dict[str, str] = {}
        self._links_for: object | None = None

    def ask(self, question: str, *, k: int = 5, where: Where | None = None) -> Answer:
        """Answer in one go (the CLI and the non-streaming API); `where` filters records
        by metadata, e.g. {"kind": "decision"} or {"status": ["accepted", "implemented"]}."""
        answer: Answer | None = None
        for event in self.stream(question, k=k, where=where):
            if event.type == "done":
                answer = event.answer
        assert answer is not None  # stream always ends with "done"
        return answer

    def stream(
        self, question: str, *, k: int = 5, where: Where | None = None
    ) -> Iterator[AskEvent]:
        """Answer as events: sources, then text deltas, then done with the full Answer."""
        started = time.perf_counter()
        question = question.strip()
        docs = (
            self.retriever.rank_documents(question, max(k, self.depth), where) if question else []
        )
        docs, confidence = self.assess(question, docs)
        ranked = [d.doc_id for d in docs[:k]]
        if confidence.score < self.threshold:
            yield AskEvent(type="sources")
            answer = self._refusal(question, docs, ranked, confidence)
            yield AskEvent(type="delta", text=answer.text)
            answer.seconds = round(time.perf_counter() - started, 4)
            answer.confidence = confidence.score
            yield AskEvent(type="done", answer=answer)
            return

        evidence = self._evidence(question, docs[:k])
        ranked = list(dict.fromkeys([*ranked[:1], *(e.doc_id for e in evidence), *ranked]))
        if self.writer.model is None:
            yield from self._offline(question, evidence, ranked, confidence, started)
            return
        sources = [citation(e) for e in evidence]
        yield AskEvent(type="sources", sources=sources)

        status = LLMStatus(mode="on" if self.writer.model else "off", model=self.writer.model)
        filt = CitationFilter({e.n for e in evidence})
        parts: list[str] = []
        try:
            for delta in self.writer.write(question, evidence, status):
                clean = filt.feed(delta)
                if clean:
                    parts.append(clean)
                    yield AskEvent(type="delta", text=clean)
        except LLMError as exc:
            status = LLMStatus(mode="degraded", model=self.writer.model, reason=str(exc))
            if parts:
                notice = "\n\n(The model failed; showing the offline answer.)\n\n"
                parts.append(notice)
                yield AskEvent(type="delta", text=notice)
            for delta in ExtractiveWriter().write(question, evidence, status):
                parts.append(delta)
                yield AskEvent(type="delta", text=delta)
        tail = filt.flush()
        if tail:
            parts.append(tail)
            yield AskEvent(type="delta", text=tail)
        text = "".join(parts).strip()
        cited = set(cited_numbers(text))
        answer = Answer(
            question=question,
            text=text,
            citations=[c for c in sources if c.n in cited],
            ranked_doc_ids=ranked,
            removed_citations=filt.removed,
            llm=status,
            seconds=round(time.perf_counter() - started, 4),
            confidence=confidence.score,
        )
        yield AskEvent(type="done", answer=answer)

    def assess(self, question: str, docs: list[DocHit]) -> tuple[list[DocHit], Confidence]:
        """The ranking with the record that can answer first, and the confidence in it.

        When the leading record never mentions a name the question asks about
        (`assistant.answerability`) and one of the next two has no problem at all, that one
        leads: the record that uses the name beats a neighbour that does not."""
        if not docs:
            return docs, self.confidence(question, docs)
        first = self.confidence(question, docs)
        if not any(p.check == "names" for p in first.problems):
            return docs, first
        for i in range(1, min(PROMOTE_FROM, len(docs))):
            candidate = [docs[i], *docs[:i], *docs[i + 1 :]]
            other = self.confidence(question, candidate)
            if not other.problems and other.score > first.score:
                return candidate, other
        return docs, first

    def confidence(self, question: str, docs: list[DocHit]) -> Confidence:
        """How sure retrieval is that the first document answers the question."""
        top = docs[0] if docs else None
        index = self.retriever.keyword_index()
        problems = []
        if top is not None:
            problems = answerability.check(
                question,
                title=top.title,
                status=top.status,
                words=index.doc_words(top.doc_id) | self._meta_words(top.doc_id),
                passages=[h.chunk.text for h in top.hits],
                record_text=self.retriever.record_text(top.doc_id),
                stop=QUESTION_WORDS,
            )
        return assess(
            question,
            index,
            hits=top.hits if top else [],
            dense_z=top.dense_z if top else 0.0,
            keyword_z=top.keyword_z if top else 0.0,
            subject=self.retriever.title_similarity(question, top.title) if top else 0.0,
            problems=problems,
        )

    # --- evidence ------------------------------------------------------------------------------

    def _evidence(self, question: str, docs: list[DocHit]) -> list[Evidence]:
        """The best passages of the top documents, numbered, with supersede links followed:
        a replaced record brings in the passage of what replaced it, and a note says so."""
        evidence: list[Evidence] = []
        noted: set[frozenset[str]] = set()
        for doc in docs:
            if any(e.doc_id == doc.doc_id for e in evidence) or not doc.hits:
                continue
            # The leading record gets its two best passages, the others their best one.
            for hit in doc.hits[: 2 if not evidence else 1]:
                evidence.append(evidence_from(len(evidence) + 1, hit.chunk))
            source = next(e for e in evidence if e.doc_id == doc.doc_id)
            if len({e.doc_id for e in evidence}) > 4:
                continue  # follow links for the leading documents only
            for rel, target in self._links(doc.doc_id):
                if frozenset((doc.doc_id, target)) in noted:
                    continue
                linked = next((e for e in evidence if e.doc_id == target), None)
                if linked is None:
                    linked = self._best_passage(question, target)
                    if linked is None:
                        continue  # the link points at something not indexed
                    linked = linked.model_copy(update={"n": len(evidence) + 1})
                    evidence.append(linked)
                noted.add(frozenset((doc.doc_id, target)))
                source.note = " ".join(
                    filter(None, [source.note, supersede_note(source, rel, linked)])
                )
        return evidence

    def _refresh_records(self) -> None:
        """Links and metadata of every record, from one listing of the store's records that
        is refreshed whenever the retriever's index is (a lookup per record costs a round
        trip)."""
        index = self.retriever.keyword_index()
        if self._links_for is not index:
            records = self.store.list_documents()
            self._link_map = build_links(records)
            self._meta = {r.id: frozenset(plain_words(metadata_text(r))) for r in records}
            self._meta_text = {r.id: metadata_line(r) for r in records}
            self._links_for = index

    def _links(self, doc_id: str) -> list[tuple[str, str]]:
        """A record's supersede/replace links."""
        self._refresh_records()
        return self._link_map.get(doc_id, [])

    def _meta_words(self, doc_id: str) -> frozenset[str]:
        """A record's metadata words (owners, authors, owning group), for the names check: a
        question may name the group a record was filed under."""
        self._refresh_records()
        return self._meta.get(doc_id, frozenset())

    def _best_passage(self, question: str, doc_id: str) -> Evidence | None:
        hits = self.retriever.dense(question, 1, {"doc_id": doc_id})
        if not hits:
            return None
        return evidence_from(0, hits[0].chunk)

    def _offline(
        self,
        question: str,
        evidence: list[Evidence],
        ranked: list[str],
        confidence: Confidence,
        started: float,
    ) -> Iterator[AskEvent]:
        """The extractive answer, written before the sources are sent: it may quote any
        passage of the leading record, and the passages it cites are numbered 1, 2, 3... in
        the order it cites them."""
        status = LLMStatus(mode="off")
        pool = self._with_whole_record(question, evidence)
        text, used = renumber("".join(self.writer.write(question, pool, status)), pool)
        sources = [citation(e) for e in used]
        yield AskEvent(type="sources", sources=sources)
        yield AskEvent(type="delta", text=text.strip())
        answer = Answer(
            question=question,
            text=text.strip(),
            citations=sources,
            ranked_doc_ids=ranked,
            llm=status,
            seconds=round(time.perf_counter() - started, 4),
            confidence=confidence.score,
        )
        yield AskEvent(type="done", answer=answer)

    def _with_whole_record(self, question: str, evidence: list[Evidence]) -> list[Evidence]:
        """The evidence, then every other passage of the leading record and of what replaced
        it (numbered on), each with its similarity to the question, so the extractive writer
        can quote the section that answers (a why's Motivation, the replacement's summary)
        even when retrieval ranked another one first; the leading record's metadata rides on
        its first passage."""
        if not evidence:
            return evidence
        lead = evidence[0].doc_id
        records = [lead, *(t for rel, t in self._links(lead) if rel in SUCCESSOR_RELS)]
        relevance: dict[tuple[str, int, int], float] = {}
        for doc_id in records:
            ranks = self.retriever.rank_passages(question, doc_id)
            for chunk in self.retriever.record_chunks(doc_id):
                relevance[(doc_id, chunk.start_line, chunk.end_line)] = ranks.get(chunk.id, 0.0)
        pool = []
        for i, e in enumerate(evidence):
            update: dict[str, object] = {"relevance": relevance.get(passage_span(e), 0.0)}
            if i == 0:
                update["meta"] = self._meta_text.get(lead, "")
            pool.append(e.model_copy(update=update))
        have = {passage_span(e) for e in evidence}
        for doc_id in records:
            for chunk in self.retriever.record_chunks(doc_id):
                span = (chunk.doc_id, chunk.start_line, chunk.end_line)
                if span not in have:
                    extra = evidence_from(len(pool) + 1, chunk)
                    pool.append(extra.model_copy(update={"relevance": relevance.get(span, 0.0)}))
        return pool

    def _refusal(
        self, question: str, docs: list[DocHit], ranked: list[str], confidence: Confidence
    ) -> Answer:
        """No record found, and why. When the leading record is on topic but lacks the part
        that answers (the question's premise does not hold, no reason is given), the answer
        also quotes what that record does say, with citations."""
        related = [
            RelatedRecord(id=d.doc_id, title=d.title, status=d.status, path=d.path, kind=d.kind)
            for d in docs[:3]
        ]
        text = f"{NO_RECORD}\n(Why: {confidence.reason}.)"
        citations: list[Citation] = []
        if docs and any(p.check != "names" for p in confidence.problems):
            pool = self._with_whole_record(question, self._evidence(question, docs[:1]))
            said = "".join(ExtractiveWriter().write(question, pool, LLMStatus()))
            if said.startswith("From the records:"):
                said, used = renumber(said.replace("From the records:", "What it does say:"), pool)
                text += "\n\n" + said.strip()
                citations = [citation(e) for e in used]
        return Answer(
            question=question,
            text=text,
            citations=citations,
            refused=True,
            possibly_related=related,
            ranked_doc_ids=ranked,
        )
