"""Benchmark: Insights over 10,000 recorded reviews (target: /insights p95 <= 300 ms).

Seeds a temporary SQLite database through the ledger's own `record_review` (the path every
surface records through) with realistic history: 1,000 documents in 3 repositories and
uploads, 24 folders, each document reviewed about 10 times over 180 days, 1 to 7 findings a
review from 24 codes (a document's findings persist across its reviews, some get fixed and
resolved, some come back), about 1 finding in 8 citing one of 120 decisions, about 1 tracked
finding in 10 dismissed (two checks much more often: noise), and 2,000 answers citing
decisions. Then times GET /insights (the page) and GET /v1/insights (the JSON) through the app
(TestClient, in process), and streams `export_findings` once, with its peak Python memory.

    .venv/bin/python -m evals.bench_insights                 # 10,000 reviews, 40 runs each
    .venv/bin/python -m evals.bench_insights --reviews 2000 --runs 20
    .venv/bin/python -m evals.bench_insights --db /tmp/insights.db   # keep (and reuse) the DB
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.config import Settings
from assistant.db import open_ledger, sqlite_url
from assistant.embed import HashingEmbedder
from assistant.ledger import DocumentKey, FindingLedger
from assistant.models import DocumentRecord, Finding, RelatedRecord, Review, Span
from assistant.services import Services
from assistant.store import InMemoryStore

CODES = [
    "missing_why",
    "missing_goals",
    "missing_non_goals",
    "unresolved_ownership",
    "vague_success_metric",
    "no_rollback_plan",
    "untestable_requirement",
    "missing_alternatives",
    "tbd_left",
    "contradicts_decision",
    "repeats_retro_lesson",
    "superseded_reference",
    "missing_risks",
    "missing_timeline",
    "ambiguous_scope",
    "no_acceptance_criteria",
    "undefined_term",
    "missing_data_model",
    "privacy_unaddressed",
    "security_unaddressed",
    "missing_dependencies",
    "open_question",
    "weasel_word",
    "rule:rollback-plan",
]
NOISY = {"weasel_word", "undefined_term"}  # checks people dismiss most of the time
CITING = {"contradicts_decision", "repeats_retro_lesson", "superseded_reference"}
REPOS = ["acme/platform", "acme/payments", "acme/mobile", ""]
FOLDERS = ["docs/specs", "docs/design", "docs/rfcs", "rfcs/2026", "product/prd", "notes"]
DECISIONS = 120


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def decision_records() -> list[DocumentRecord]:
    return [
        DocumentRecord(
            id=f"adr-{n:04d}",
            kind="decision",
            title=f"Decision {n}",
            path=f"docs/adr/{n:04d}.md",
            status="accepted" if n % 6 else "superseded",
            date=f"202{n % 6}-0{1 + n % 9}-1{n % 10}",
        )
        for n in range(1, DECISIONS + 1)
    ]


def _finding(code: str, fp: str, line: int, rng: random.Random) -> Finding:
    related = []
    if code in CITING or rng.random() < 0.05:
        n = min(DECISIONS, int(rng.paretovariate(1.2)))  # a few decisions cited most
        related = [RelatedRecord(id=f"adr-{n:04d}", title=f"Decision {n}")]
    return Finding(
        code=code,
        severity=rng.choice(("low", "medium", "high")),
        title=f"{code.replace('_', ' ')}",
        message=f"The draft's section at line {line} {code.replace('_', ' ')}; say what "
        "was decided and why, and who owns it.",
        suggestion="Add it.",
        span=Span(start_line=line, end_line=line + 2, quote="quoted text of the draft"),
        section="Goals",
        fingerprint=fp,
        related=related,
    )


def seed(ledger: FindingLedger, reviews: int, *, seed_value: int = 15) -> float:
    """Record `reviews` reviews and 1 answer per 5; returns the seconds it took."""
    rng = random.Random(seed_value)
    documents = max(1, reviews // 10)
    start = datetime.now(UTC) - timedelta(days=180)
    docs: list[tuple[DocumentKey, list[str]]] = []
    for n in range(documents):
        repo = REPOS[n % len(REPOS)]
        folder = FOLDERS[(n * 7) % len(FOLDERS)]
        key = DocumentKey(repo=repo, path=f"{folder}/doc-{n:04d}.md")
        weights = [5 if c in NOISY else 1 for c in CODES]
        codes = list(dict.fromkeys(rng.choices(CODES, weights=weights, k=rng.randint(2, 8))))
        docs.append((key, codes))
    began = time.perf_counter()
    for i in range(reviews):
        key, codes = docs[rng.randrange(documents)]
        present = [c for c in codes if rng.random() < 0.7]  # some fixed, some back later
        findings = [_finding(c, f"{key.path}:{c}", 3 + 4 * j, rng) for j, c in enumerate(present)]
        at = start + timedelta(seconds=i * (180 * 86400 / reviews))
        recorded = ledger.record_review(
            Review(path=key.path, findings=findings),
            document=key,
            content_hash=f"{i:064x}",
            surface=rng.choice(("cli", "api", "web", "github")),
            at=at,
        )
        for f in recorded.findings:
            if f.state == "dismissed":
                continue
            odds = 0.6 if f.code in NOISY else 0.03
            if rng.random() < odds / 4:
                ledger.dismiss(f.id, by="pm", reason=rng.choice(("wrong", "not_applicable")))
        if i % 5 == 0:
            n = min(DECISIONS, int(rng.paretovariate(1.0)))
            ledger.record_answer(
                question=f"Why did we decide {n}?",
                cited=[f"adr-{n:04d}"] if rng.random() < 0.8 else [],
                surface="web",
                at=at,
            )
    return time.perf_counter() - began


def run(reviews: int, runs: int, db: Path | None) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-insights-"))
    path = db or folder / "specreview.db"
    url = sqlite_url(path)
    ledger = open_ledger(url)
    seeded = ledger.totals().reviews
    if seeded < reviews:
        print(f"seeding {reviews - seeded:,} reviews into {path} ...", flush=True)
        took = seed(ledger, reviews - seeded)
        print(f"seeded in {took:.1f} s ({took / (reviews - seeded) * 1000:.2f} ms a review)")
    totals = ledger.totals()
    ledger.close()
    print(
        f"database: {totals.reviews:,} reviews of {totals.documents:,} documents, "
        f"{totals.findings:,} findings, {totals.answers:,} answers; "
        f"{path.stat().st_size / 1e6:.1f} MB"
    )
    store = InMemoryStore()
    store.put_documents(decision_records())
    settings = Settings(store_path=folder / "store", embedder="hashing", database_url=url)
    services = Services(settings=settings, _embedder=HashingEmbedder(), _store=store)
    figures: dict[str, float] = {}
    app = create_app(services)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        runs_of = (
            ("page", "/insights", True),  # computed afresh each time (as after a new review)
            ("json", "/v1/insights", True),
            ("page_reused", "/insights", False),  # nothing recorded since the last view
            ("json_reused", "/v1/insights", False),
        )
        for name, target, fresh in runs_of:
            for _ in range(3):  # warm: the first opens and checks the database
                assert client.get(target).status_code == 200
            times, cpu = [], []
            for _ in range(runs):
                if fresh:
                    app.state.insights_cache.clear()
                began, began_cpu = time.perf_counter(), time.process_time()
                response = client.get(target)
                times.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - began_cpu) * 1000)  # this process, all threads
                assert response.status_code == 200, response.text[:300]
            figures[f"{name}_p50"] = percentile(times, 0.5)
            figures[f"{name}_p95"] = percentile(times, 0.95)
            figures[f"{name}_max"] = max(times)
            figures[f"{name}_mean"] = statistics.fmean(times)
            figures[f"{name}_cpu_p50"] = percentile(cpu, 0.5)
            figures[f"{name}_cpu_p95"] = percentile(cpu, 0.95)
            print(
                f"GET {target:<13} {'computed' if fresh else 'reused':<8} {runs} runs: "
                f"wall p50 {figures[f'{name}_p50']:.1f} ms  "
                f"p95 {figures[f'{name}_p95']:.1f} ms  max {figures[f'{name}_max']:.1f} ms; "
                f"CPU p50 {figures[f'{name}_cpu_p50']:.1f} ms  "
                f"p95 {figures[f'{name}_cpu_p95']:.1f} ms"
            )
        body = client.get("/v1/insights").json()
        print(
            f"insights: {len(body['timeline']['series'])} codes over "
            f"{len(body['timeline']['periods'])} weeks, noise {body['noise']}, "
            f"{len(body['most_cited'])} most cited, {len(body['never_cited'])} accepted "
            f"decisions never cited"
        )
    exporter = services.ledger
    began = time.perf_counter()
    exported = sum(1 for _ in exporter.export_findings())
    figures["export_untraced_s"] = time.perf_counter() - began
    print(
        f"export_findings: {exported:,} findings streamed in {figures['export_untraced_s']:.1f} s"
    )
    tracemalloc.start()
    began = time.perf_counter()
    exported = sum(1 for _ in exporter.export_findings())
    figures["export_s"] = time.perf_counter() - began
    figures["export_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    figures["exported"] = exported
    print(
        f"export_findings: {exported:,} findings streamed in {figures['export_s']:.1f} s "
        f"(traced), peak Python memory {figures['export_peak_mb']:.1f} MB"
    )
    services.close_ledger()
    verdict = "meets" if figures["page_p95"] <= 300 else "MISSES"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"/insights wall p95 {figures['page_p95']:.1f} ms: {verdict} the 300 ms target")
    print(f"load average {load} on {os.cpu_count()} CPUs")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to seed or reuse")
    args = parser.parse_args()
    run(args.reviews, args.runs, args.db)


if __name__ == "__main__":
    main()
