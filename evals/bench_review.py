"""`specreview bench review`: offline review of a ~5,000-word draft with the corpus indexed."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from assistant.errors import InputError
from assistant.services import Services

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"


@dataclass
class BenchResult:
    words: int
    runs: int
    seconds: list[float] = field(default_factory=list)
    findings: int = 0
    store: str = ""
    first: float = 0.0  # the first review of the draft (model loading excluded)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    def summary(self) -> str:
        return (
            f"review of a {self.words}-word draft, {self.runs} runs, store {self.store}\n"
            f"p50 {self.percentile(0.5):.3f} s  p95 {self.percentile(0.95):.3f} s  "
            f"mean {statistics.fmean(self.seconds):.3f} s  max {max(self.seconds):.3f} s  "
            f"({self.findings} findings; target p95 <= 0.5 s)\n"
            f"first review of this draft (nothing cached for it yet): {self.first:.3f} s"
        )


def long_draft(words: int, *, drafts_dir: Path | None, corpus: Path) -> str:
    """A realistic long draft: review-dev drafts (headings demoted) concatenated to `words`."""
    sources = sorted(drafts_dir.glob("*.md")) if drafts_dir and drafts_dir.is_dir() else []
    if not sources:
        sources = sorted(corpus.rglob("*.md"), key=lambda p: -p.stat().st_size)[:10]
    if not sources:
        raise InputError(f"no markdown files under {corpus}; pass --corpus with a corpus folder")
    parts = ["# Platform improvements for the next half", ""]
    total = 0
    for path in sources:
        if total >= words:
            break
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip() == "---":
                continue
            parts.append("#" + line if line.startswith("#") else line)
            total += len(line.split())
            if total >= words:
                break
    return "\n".join(parts) + "\n"


def run_bench(
    services: Services, *, corpus: Path | None, runs: int = 20, words: int = 5000
) -> BenchResult:
    """Index the corpus once (cached), then time `runs` reviews of the same long draft."""
    from evals.ask_eval import cache_folder, cached_store, exclusive

    corpus = corpus or DEFAULT_SHARED / "corpus"
    if not corpus.is_dir():
        raise InputError(f"corpus folder {corpus} not found; pass --corpus DIR")
    folder = cache_folder(corpus, services)
    with exclusive(folder):  # embedded Chroma must not be opened by two processes at once
        store = cached_store(folder, corpus, services, Console(stderr=True))
        bench_services = Services(
            settings=services.settings, _store=store, _embedder=services.embedder
        )
        reviewer = bench_services.reviewer
        drafts = corpus.parent / "evals" / "review-dev" / "drafts"
        text = long_draft(words, drafts_dir=drafts, corpus=corpus)
        result = BenchResult(words=len(text.split()), runs=runs, store=str(folder))
        reviewer.review_text("# Warm-up\n\nLoads the model.\n", path="warmup.md")
        started = time.perf_counter()
        reviewer.review_text(text, path="bench.md")
        result.first = time.perf_counter() - started
        for _ in range(runs):
            started = time.perf_counter()
            review = reviewer.review_text(text, path="bench.md")
            result.seconds.append(time.perf_counter() - started)
            result.findings = len(review.findings)
    return result
