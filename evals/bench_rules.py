"""Benchmark: what offline team rules add to the review of a ~5,000-word draft.

    python -m evals.bench_rules [--runs 20] [--words 5000] [--rules FILE] [--threads 2]

Times the same offline review (the text checks, the local MiniLM, no history, no LLM) without
rules, with one rule and with every rule of the file (each made to apply to the draft), in
interleaved runs, and prints p50/p95 of: the review without rules, what the rules add, and
that per rule, for a draft never reviewed before (the passage vectors kept across reviews are
cleared before each timed review), and for the same draft reviewed again. A rule's
calibration is kept across reviews; the draft's vectors are computed once per review and
shared by every rule: "first rule" is the draft's vectors plus one rule, "each further rule"
the marginal cost. Figures go to evals/reports/rules.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from assistant.config import ReviewConfig, lift_rules, read_toml_config
from assistant.embed import MiniLMEmbedder
from assistant.models import DOC_TYPES
from assistant.review import Reviewer
from assistant.rules import Rule
from evals.bench_review import DEFAULT_SHARED, long_draft

DEFAULT_RULES = Path(__file__).resolve().parent / "rules-real" / ".specreview.toml"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def load_rules(path: Path) -> list[Rule]:
    data = lift_rules(read_toml_config(path), source=str(path))
    rules: list[Rule] = data["review"]["rules"]
    # Every rule applies to the draft, so each one's cost is measured.
    return [r.model_copy(update={"applies_to": list(DOC_TYPES)}) for r in rules]


def run(*, runs: int, words: int, rules_path: Path, threads: int) -> str:
    rules = load_rules(rules_path)
    corpus = DEFAULT_SHARED / "corpus"
    drafts = DEFAULT_SHARED / "evals" / "review-dev" / "drafts"
    text = long_draft(words, drafts_dir=drafts, corpus=corpus)
    reviewer = Reviewer(embedder=MiniLMEmbedder(threads=threads))
    configs = {
        "none": ReviewConfig(),
        "one": ReviewConfig(rules=rules[:1]),
        "all": ReviewConfig(rules=rules),
    }
    for config in configs.values():  # warm-up: the model, and each rule's calibration
        reviewer.review_text(text, path="bench.md", config=config)
    times: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    again: list[float] = []  # the same draft reviewed again: its passages' vectors are kept
    assert reviewer.rule_check is not None
    for _ in range(runs):
        for name, config in configs.items():  # interleaved: drift hits all three alike
            reviewer.rule_check.passages.clear()  # a draft never reviewed before
            started, cpu_started = time.perf_counter(), time.process_time()
            review = reviewer.review_text(text, path="bench.md", config=config)
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
        started = time.perf_counter()
        reviewer.review_text(text, path="bench.md", config=configs["all"])
        again.append(time.perf_counter() - started)
    n = len(rules)
    cpu_per_rule = [(a - b) / n for a, b in zip(cpu["all"], cpu["none"], strict=True)]
    again_per_rule = [(a - b) / n for a, b in zip(again, times["none"], strict=True)]
    added = [a - b for a, b in zip(times["all"], times["none"], strict=True)]
    first = [a - b for a, b in zip(times["one"], times["none"], strict=True)]
    further = [(a - o) / max(1, n - 1) for a, o in zip(times["all"], times["one"], strict=True)]
    per_rule = [a / n for a in added]

    def row(label: str, values: list[float]) -> str:
        return (
            f"{label:<44} p50 {percentile(values, 0.5) * 1000:8.1f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:8.1f} ms   "
            f"mean {statistics.fmean(values) * 1000:8.1f} ms"
        )

    words_read = len(text.split())
    return "\n".join(
        [
            f"offline team rules on a {words_read}-word draft, {runs} interleaved runs, "
            f"{n} rules ({rules_path.name}), MiniLM threads={threads}, "
            f"{len(review.findings)} findings with all rules",
            row("review without rules", times["none"]),
            row(f"review with {n} rules", times["all"]),
            row(f"added by {n} rules", added),
            row(f"added per rule ({n} rules)", per_rule),
            row("added by the first rule (draft vectors + rule)", first),
            row("added by each further rule", further),
            row("CPU time added per rule (all threads)", cpu_per_rule),
            row("re-review of the same draft: added per rule", again_per_rule),
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs",
            "target: <= 50 ms p95 per rule",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print(run(runs=args.runs, words=args.words, rules_path=args.rules, threads=args.threads))  # noqa: T201


if __name__ == "__main__":
    main()
