"""Indexing benchmark: raw embedder rate vs the pipeline end to end, unchanged re-index time,
and query latency, on a corpus folder. Prints figures; asserts nothing (timings are noisy on a
shared machine, so the load average and CPU seconds are reported alongside wall time).

The raw embedder runs twice, before and after the pipeline, and the pipeline is compared with
their mean: a shared virtual machine's speed drifts by up to 20% over minutes, and one raw run
on one side made pipeline/raw swing by as much."""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from assistant.embed import MAX_TOKENS, MiniLMEmbedder, count_minilm_tokens
from assistant.store import ChromaStore
from index.chunk import chunk_document, embedding_texts
from index.load import load_path
from index.pipeline import index_loaded


class BenchResult(BaseModel):
    """Every figure `specreview bench index` prints."""

    corpus: str
    documents: int
    chunks: int
    tokens_per_chunk: float
    threads: int
    batch_size: int
    embedder: str = ""
    raw_seconds: float  # mean of the runs before and after the pipeline
    raw_cpu_seconds: float
    raw_runs_seconds: list[float]
    raw_rate: float  # chunks/s embedding the same chunk texts directly
    pipeline_seconds: float
    pipeline_cpu_seconds: float
    pipeline_rate: float  # chunks/s end to end: load, chunk, embed, write to Chroma on disk
    ratio: float
    unchanged_seconds: float
    unchanged_share: float  # unchanged re-index time / full index time
    query_p50_ms: float
    query_p95_ms: float
    store_query_p50_ms: float
    store_query_p95_ms: float
    load_before: float
    load_after: float
    cpus: int


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cpu_label() -> str:
    """CPU model and whether it has int8 dot-product instructions: they double embedding speed."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "CPU unknown"
    model = next(
        (ln.split(":", 1)[1].strip() for ln in info.splitlines() if "model name" in ln), ""
    )
    flags = set(
        next(
            (ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), []
        )
    )
    vnni = sorted(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})
    return f"{model or 'CPU'}, " + (", ".join(vnni) if vnni else "no VNNI (AVX2 only)")


def run_bench(
    corpus: Path,
    *,
    threads: int,
    batch_size: int,
    chunk_tokens: int = 200,
    max_tokens: int = MAX_TOKENS,
    max_docs: int | None = None,
    queries: int = 50,
    log: Callable[[str], None] = print,
) -> BenchResult:
    """Measure on `corpus` (optionally its first `max_docs` documents)."""
    load_before = os.getloadavg()[0]
    loaded = load_path(corpus)
    if max_docs is not None:
        loaded.documents = loaded.documents[:max_docs]
    chunks = []
    texts = []
    for d in loaded.documents:
        doc_chunks = chunk_document(d, max_tokens=chunk_tokens, count=count_minilm_tokens)
        chunks += doc_chunks
        texts += embedding_texts(d, doc_chunks)
    tokens = sum(count_minilm_tokens(texts)) / max(1, len(texts))
    log(f"{len(loaded.documents)} documents, {len(chunks)} chunks ({tokens:.0f} tokens each)")

    raw = MiniLMEmbedder(threads=threads, batch_size=batch_size, max_tokens=max_tokens)
    raw.embed(["warm up"])
    raw_runs: list[tuple[float, float]] = []

    def embed_raw(when: str) -> None:
        seconds, cpu = _timed(lambda: raw.embed(texts))
        raw_runs.append((seconds, cpu))
        log(
            f"raw embedder ({when}): {len(texts) / seconds:.1f} chunks/s "
            f"({seconds:.1f}s, {cpu:.1f} CPU-s)"
        )

    embed_raw("before the pipeline")

    embedder = MiniLMEmbedder(threads=threads, batch_size=batch_size, max_tokens=max_tokens)
    embedder.embed(["warm up"])
    with tempfile.TemporaryDirectory(prefix="specreview-bench-") as folder:
        store = ChromaStore.open(path=folder, embedder_name=embedder.name)
        full_s, full_cpu = _timed(
            lambda: index_loaded(
                load_path(corpus) if max_docs is None else loaded,
                store=store,
                embedder=embedder,
                chunk_tokens=chunk_tokens,
            )
        )
        log(f"pipeline: {len(chunks) / full_s:.1f} chunks/s ({full_s:.1f}s, {full_cpu:.1f} CPU-s)")
        embed_raw("after the pipeline")
        raw_s = statistics.fmean(seconds for seconds, _ in raw_runs)
        raw_cpu = statistics.fmean(cpu for _, cpu in raw_runs)

        def reindex() -> None:
            again = load_path(corpus)
            if max_docs is not None:
                again.documents = again.documents[:max_docs]
            summary = index_loaded(again, store=store, embedder=embedder, chunk_tokens=chunk_tokens)
            assert summary.chunks_embedded == 0, "an unchanged re-index embedded something"

        unchanged_s, _ = _timed(reindex)
        log(f"unchanged re-index: {unchanged_s:.2f}s")

        rng = random.Random(0)
        questions = [c.text[:200] for c in rng.sample(chunks, min(queries, len(chunks)))]
        end_to_end: list[float] = []
        store_only: list[float] = []
        for question in questions:
            started = time.perf_counter()
            vector = embedder.embed([question])[0]
            mid = time.perf_counter()
            store.query(vector, k=8, where={"kind": ["decision", "retro"]})
            done = time.perf_counter()
            end_to_end.append((done - started) * 1000)
            store_only.append((done - mid) * 1000)
        store.close()
    return BenchResult(
        corpus=str(corpus),
        documents=len(loaded.documents),
        chunks=len(chunks),
        tokens_per_chunk=round(tokens, 1),
        threads=threads,
        batch_size=batch_size,
        embedder=embedder.name,
        raw_seconds=raw_s,
        raw_cpu_seconds=raw_cpu,
        raw_runs_seconds=[seconds for seconds, _ in raw_runs],
        raw_rate=len(texts) / raw_s,
        pipeline_seconds=full_s,
        pipeline_cpu_seconds=full_cpu,
        pipeline_rate=len(chunks) / full_s,
        ratio=(len(chunks) / full_s) / (len(texts) / raw_s),
        unchanged_seconds=unchanged_s,
        unchanged_share=unchanged_s / full_s,
        query_p50_ms=statistics.median(end_to_end),
        query_p95_ms=_percentile(end_to_end, 0.95),
        store_query_p50_ms=statistics.median(store_only),
        store_query_p95_ms=_percentile(store_only, 0.95),
        load_before=load_before,
        load_after=os.getloadavg()[0],
        cpus=os.cpu_count() or 1,
    )


def render_markdown(result: BenchResult, *, command: str) -> str:
    """The figures as a markdown table for evals/reports/bench-index.md and the README."""
    r = result
    rows = [
        ("embedder", r.embedder),
        ("documents", f"{r.documents}"),
        ("chunks", f"{r.chunks} ({r.tokens_per_chunk:.0f} MiniLM tokens each, with headings)"),
        (
            "raw embedder",
            f"{r.raw_rate:.1f} chunks/s ({r.raw_seconds:.1f} s, mean of "
            + " and ".join(f"{s:.1f}" for s in r.raw_runs_seconds)
            + " s before and after the pipeline; "
            f"{r.chunks / max(r.raw_cpu_seconds, 1e-9):.1f} chunks per CPU-s)",
        ),
        (
            "pipeline end to end",
            f"{r.pipeline_rate:.1f} chunks/s ({r.pipeline_seconds:.1f} s, "
            f"{r.chunks / max(r.pipeline_cpu_seconds, 1e-9):.1f} chunks/CPU-s)",
        ),
        ("pipeline / raw", f"{r.ratio:.2f}"),
        (
            "unchanged re-index",
            f"{r.unchanged_seconds:.2f} s ({100 * r.unchanged_share:.1f}% of a full index)",
        ),
        ("query (embed + search), p50 / p95", f"{r.query_p50_ms:.1f} / {r.query_p95_ms:.1f} ms"),
        ("search only, p50 / p95", f"{r.store_query_p50_ms:.1f} / {r.store_query_p95_ms:.1f} ms"),
        (
            "machine",
            f"{r.cpus} CPUs, load average {r.load_before:.1f} before, "
            f"{r.load_after:.1f} after; {_cpu_label()}; {r.threads} batches at once "
            f"(onnxruntime 1 thread each), batch {r.batch_size}",
        ),
    ]
    lines = [f"`{command}`", "", "| figure | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines) + "\n"
