"""`specreview eval ask`: index a corpus (cached), answer every question of one or more sets,
score the asker and its peers (plain BM25, plain dense, their reciprocal-rank fusion) side by
side, by question type, with whether answers quote the gold rationale, the refusal trade-off
curve, latency, and, given two sets or more, refusal calibrated on one set and measured on
another (leave one set out)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from assistant.ask import Asker
from assistant.errors import InputError, StoreError
from assistant.retrieval import Retriever
from assistant.services import Services
from assistant.store import ChromaStore, VectorStore
from evals.ask_peers import PeerRankers
from evals.ask_scoring import (
    LeaveOneOut,
    Question,
    QuestionResult,
    Scores,
    SetTransfer,
    TradeOff,
    leave_one_out,
    leave_one_set_out,
    load_questions,
    percentile,
    quotes_rationale,
    score,
    score_by_type,
    trade_off,
)

CHUNK_TOKENS = 200
THRESHOLDS = [round(0.05 * i, 2) for i in range(0, 21)]
MIN_ANSWERED = 0.95  # calibration answers at least this share of answerable questions


class EvalReport(BaseModel):
    """Everything one run measured (the --details file)."""

    scores: Scores
    llm: str
    seconds_per_question: float
    latency_p50: float
    latency_p95: float
    threshold: float
    peers: dict[str, Scores]
    by_type: dict[str, Scores]
    trade_off: list[TradeOff]
    leave_one_out: LeaveOneOut
    results: list[QuestionResult]
    cache: str
    name: str = ""


class EvalRun(BaseModel):
    """One run over one or more question sets on the same store (the --details file)."""

    sets: dict[str, EvalReport]
    threshold: float
    pooled: TradeOff  # every set together at the threshold in use
    leave_one_set_out: list[SetTransfer]
    cache: str


def corpus_key(corpus: Path, *, embedder_name: str, chunk_tokens: int) -> str:
    """Content hash of every file under the corpus, plus embedder and chunking version."""
    from index.chunk import CHUNKER_VERSION

    digest = hashlib.sha256(f"{embedder_name}|{chunk_tokens}|{CHUNKER_VERSION}".encode())
    for file in sorted(p for p in corpus.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(corpus)).encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:20]


def cache_folder(corpus: Path, services: Services) -> Path:
    """Where the indexed corpus is cached: keyed by corpus content, embedder and chunking."""
    key = corpus_key(corpus, embedder_name=services.embedder.name, chunk_tokens=CHUNK_TOKENS)
    return services.settings.cache_dir / "ask-eval" / key


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold the cache folder for this process: embedded Chroma must not be opened by two
    processes at once (it can damage the index)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise InputError(
                f"another `specreview eval ask` is using {folder}; wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_store(folder: Path, corpus: Path, services: Services, out: Console) -> VectorStore:
    """A Chroma store in `folder` holding the indexed corpus, indexed on first use."""
    from index.pipeline import index_paths

    embedder = services.embedder
    store = ChromaStore.open(path=str(folder), prefix="askeval", embedder_name=embedder.name)
    done = folder / "indexed.json"
    if not done.is_file():
        out.print(f"indexing {corpus} into {folder} (once; later runs reuse it)...")
        summary = index_paths([corpus], store=store, embedder=embedder, chunk_tokens=CHUNK_TOKENS)
        done.write_text(summary.model_dump_json(indent=2), encoding="utf-8")
        out.print(f"indexed {summary.chunks} chunks in {summary.seconds:.0f} s")
    return store


def answer_all(asker: Asker, questions: Sequence[Question], *, k: int) -> list[QuestionResult]:
    """Ask every question; ranking, refusal, confidence and time per question."""
    results = []
    for q in questions:
        started = time.perf_counter()
        answer = asker.ask(q.question, k=k)
        seconds = time.perf_counter() - started
        hit = None
        if q.gold and q.rationale and not answer.refused:
            hit = quotes_rationale(answer.text, q.rationale)
        results.append(
            QuestionResult(
                id=q.id,
                type=q.type,
                gold=q.gold,
                ranked=answer.ranked_doc_ids,
                refused=answer.refused,
                confidence=answer.confidence if answer.confidence is not None else 1.0,
                seconds=seconds,
                text=answer.text,
                rationale_hit=hit,
            )
        )
    return results


def peer_results(
    peers: PeerRankers, questions: Sequence[Question], *, k: int
) -> dict[str, list[QuestionResult]]:
    """Each peer's document ranking per question (peers never refuse)."""
    out: dict[str, list[QuestionResult]] = {name: [] for name in peers.names}
    for q in questions:
        for name, ranked in peers.rank(q.question, k).items():
            out[name].append(QuestionResult(id=q.id, type=q.type, gold=q.gold, ranked=ranked))
    return out


def set_name(path: Path) -> str:
    """A question set's name: its folder for a questions.jsonl (ask-dev-2), else its stem."""
    return path.parent.name if path.name == "questions.jsonl" else path.stem


def run_eval(
    questions_paths: Path | Sequence[Path],
    *,
    corpus: Path,
    services: Services,
    json_out: Path | None = None,
    details_out: Path | None = None,
    k: int = 5,
    out: Console | None = None,
) -> EvalRun:
    """The whole eval: index (cached), warm up, answer every set, score, print, write."""
    out = out or Console()
    paths = [questions_paths] if isinstance(questions_paths, Path) else list(questions_paths)
    sets = {set_name(p): load_questions(p) for p in paths}
    if len(sets) < len(paths):
        raise InputError("two question sets have the same name; give each its own folder")
    folder = cache_folder(corpus, services)
    with exclusive(folder):
        store = cached_store(folder, corpus, services, out)
        run = evaluate(sets, store, services=services, k=k, cache=str(folder))
    print_run(run, out)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        heads = {name: headline(r) for name, r in run.sets.items()}
        written = next(iter(heads.values())) if len(heads) == 1 else heads
        json_out.write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    if details_out is not None:
        details_out.parent.mkdir(parents=True, exist_ok=True)
        details_out.write_text(run.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return run


def evaluate(
    sets: Mapping[str, Sequence[Question]],
    store: VectorStore,
    *,
    services: Services,
    k: int,
    cache: str = "",
) -> EvalRun:
    """Answer every set's questions against one store and score each, with the peers."""
    retriever = Retriever(store, services.embedder)
    asker = Asker(retriever, store)  # offline writer: the eval scores retrieval and refusal
    # Warm up: load the model, build the keyword index, embed titles, list record links.
    try:
        asker.ask("warm up the model and the keyword index", k=k)
    except StoreError as exc:
        raise StoreError(
            f"{exc}. The cached index at {cache} may be damaged: delete that folder and rerun "
            "to rebuild it."
        ) from exc
    peers = PeerRankers(store, services.embedder)
    reports = {
        name: _report(name, questions, asker, peers, k=k, cache=cache)
        for name, questions in sets.items()
    }
    everything = [r for report in reports.values() for r in report.results]
    return EvalRun(
        sets=reports,
        threshold=asker.threshold,
        pooled=trade_off(everything, [asker.threshold])[0],
        leave_one_set_out=leave_one_set_out({n: r.results for n, r in reports.items()}),
        cache=cache,
    )


def _report(
    name: str,
    questions: Sequence[Question],
    asker: Asker,
    peers: PeerRankers,
    *,
    k: int,
    cache: str,
) -> EvalReport:
    results = answer_all(asker, questions, k=k)
    peer_runs = peer_results(peers, questions, k=k)
    latencies = [r.seconds for r in results]
    return EvalReport(
        name=name,
        scores=score(results, k),
        llm=asker.writer.model or "off",
        seconds_per_question=round(sum(latencies) / max(1, len(latencies)), 4),
        latency_p50=round(percentile(latencies, 50), 4),
        latency_p95=round(percentile(latencies, 95), 4),
        threshold=asker.threshold,
        peers={peer: score(rs, k) for peer, rs in peer_runs.items()},
        by_type=score_by_type(results, k),
        trade_off=trade_off(results, THRESHOLDS),
        leave_one_out=leave_one_out(results, min_answered=MIN_ANSWERED),
        results=results,
        cache=cache,
    )


def headline(report: EvalReport) -> dict[str, float | int | str]:
    """The headline scores of one set (the --json file)."""
    s = report.scores
    return {
        "recall_at_5": s.recall_at_5,
        "full_recall_at_5": s.full_recall_at_5,
        "mrr": s.mrr,
        "refusal_accuracy": s.refusal_accuracy,
        "answered_rate": s.answered_rate,
        "rationale_hit": s.rationale_hit if s.rationale_hit is not None else "n/a",
        "n": s.n,
        "seconds_per_question": report.seconds_per_question,
        "llm": report.llm,
    }


def print_run(run: EvalRun, out: Console) -> None:
    """Each set's report, then (two sets or more) every set together and leave one set out."""
    for report in run.sets.values():
        print_report(report, out)
    if len(run.sets) < 2:
        return
    p = run.pooled
    out.print(
        f"all sets together at threshold {run.threshold}: refusal accuracy "
        f"{p.refusal_accuracy:.2f}, answered {p.answered_rate:.2f}"
    )
    table = Table(title=f"leave one set out (calibrated answering >= {MIN_ANSWERED})")
    for col in ("calibrated on", "measured on", "threshold", "refusal accuracy", "answered"):
        table.add_column(col, justify="right")
    for t in run.leave_one_set_out:
        table.add_row(
            t.calibrated_on,
            t.measured_on,
            f"{t.threshold:.3f}",
            f"{t.refusal_accuracy:.2f}",
            f"{t.answered_rate:.2f}",
        )
    out.print(table)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_report(report: EvalReport, out: Console) -> None:
    """Side-by-side table with the peers, by type, the trade-off curve, latency."""
    table = Table(title=f"ask eval {report.name} (n={report.scores.n}, llm={report.llm})")
    columns = ("ranker", "recall@5", "full recall@5", "MRR", "refusal acc", "answered")
    for col in (*columns, "rationale_hit"):
        table.add_column(col, justify="right")
    rows = [("specreview ask", report.scores), *report.peers.items()]
    for name, s in rows:
        ours = name == "specreview ask"
        table.add_row(
            name,
            f"{s.recall_at_5:.3f}",
            f"{s.full_recall_at_5:.3f}",
            f"{s.mrr:.3f}",
            f"{s.refusal_accuracy:.3f}" if ours else "-",
            f"{s.answered_rate:.3f}" if ours else "1.000",
            f"{_rate(s.rationale_hit)} (n={s.rationale_n})" if ours else "-",
        )
    out.print(table)
    by_type = Table(title="by question type")
    for col in ("type", "n", "recall@5", "full recall@5", "MRR", "refused/answered", "rationale"):
        by_type.add_column(col, justify="right")
    for name, s in report.by_type.items():
        rate = (
            f"refused {s.refusal_accuracy:.2f}"
            if name == "unanswerable"
            else (f"answered {s.answered_rate:.2f}")
        )
        by_type.add_row(
            name,
            str(s.n),
            f"{s.recall_at_5:.3f}",
            f"{s.full_recall_at_5:.3f}",
            f"{s.mrr:.3f}",
            rate,
            _rate(s.rationale_hit),
        )
    out.print(by_type)
    curve = Table(title=f"refusal trade-off (threshold in use: {report.threshold})")
    for col in ("threshold", "refusal accuracy", "answered rate"):
        curve.add_column(col, justify="right")
    for point in report.trade_off:
        curve.add_row(
            f"{point.threshold:.2f}", f"{point.refusal_accuracy:.2f}", f"{point.answered_rate:.2f}"
        )
    out.print(curve)
    loo = report.leave_one_out
    out.print(
        f"leave-one-out calibration (each question judged by a threshold picked on the others, "
        f"answering >= {MIN_ANSWERED}): refusal accuracy {loo.refusal_accuracy:.2f}, answered "
        f"{loo.answered_rate:.2f}, thresholds {loo.threshold_min:.3f}-{loo.threshold_max:.3f}"
    )
    out.print(
        f"latency per question: mean {report.seconds_per_question:.3f} s, "
        f"p50 {report.latency_p50:.3f} s, p95 {report.latency_p95:.3f} s (store: {report.cache})"
    )
