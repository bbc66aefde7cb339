"""The findings database's cost (issue 15): what recording adds to a review on SQLite, and the
bounded API load run with 1 and 2 worker processes on PostgreSQL and a `chroma run` server.

    python -m evals.bench_findings_db record --reviews 300
    python -m evals.bench_findings_db load --database-url postgresql://... --requests 300

`record`: in one process, each draft is reviewed, then reviewed again and recorded
(`record_and_show`, as every surface does), interleaved in the same run; the added time is the
recording alone, timed around it (wall clock and this thread's CPU time).
`load`: `specreview serve --workers 1`, then `--workers 2`, on the same database and store;
`evals.bench_api.run_load` sends the same reviews to each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from evals.bench_api import Result, free_port, run_load, wait_ready

ROOT = Path(__file__).resolve().parent.parent
DRAFTS = ROOT / "tests" / "fixtures" / "review"
CLI = [sys.executable, "-c", "from cli import main; main()"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] * 1000


def bench_record(reviews: int) -> str:
    from assistant.config import Settings
    from assistant.db import open_ledger, sqlite_url
    from assistant.ledger import DocumentKey, record_and_show
    from assistant.services import Services

    drafts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(DRAFTS.glob("*.md"))]
    with tempfile.TemporaryDirectory(prefix="bench-record-") as tmp:
        services = Services(settings=Settings(store_path=Path(tmp) / "store", embedder="hashing"))
        ledger = open_ledger(sqlite_url(Path(tmp) / "specreview.db"))
        reviewer = services.reviewer
        for name, text in drafts:  # warm: the engine's assets, the statements' compiled forms
            review = reviewer.review_text(text, path=name)
            record_and_show(
                ledger, review, document=DocumentKey(path=name), content=text, surface="api"
            )
        plain, recorded, added, added_cpu = [], [], [], []
        findings = 0
        load_before = os.getloadavg()
        for i in range(reviews):
            name, text = drafts[i % len(drafts)]
            started = time.perf_counter()
            reviewer.review_text(text, path=name)
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            review = reviewer.review_text(text, path=name)
            cpu, wall = time.thread_time(), time.perf_counter()
            record_and_show(
                ledger, review, document=DocumentKey(path=name), content=text, surface="api"
            )
            added_cpu.append(time.thread_time() - cpu)
            added.append(time.perf_counter() - wall)
            recorded.append(time.perf_counter() - started)
            findings += len(review.findings)
        load_after = os.getloadavg()
        ledger.close()
    return "\n".join(
        [
            f"- Reviews: {reviews} of {len(drafts)} drafts (tests/fixtures/review, "
            f"{findings / reviews:.1f} findings each), offline engine, empty store; "
            "SQLite file in a temporary folder (WAL, synchronous=NORMAL).",
            f"- Review alone: p50 {_pct(plain, 50):.1f} ms, p95 {_pct(plain, 95):.1f} ms.",
            f"- Review and record: p50 {_pct(recorded, 50):.1f} ms, "
            f"p95 {_pct(recorded, 95):.1f} ms.",
            f"- **Recording alone (the added time): p50 {_pct(added, 50):.2f} ms, "
            f"p95 {_pct(added, 95):.2f} ms**, max {max(added) * 1000:.1f} ms; CPU time "
            f"p50 {_pct(added_cpu, 50):.2f} ms, p95 {_pct(added_cpu, 95):.2f} ms.",
            f"- Load average (1/5/15 min) before {'/'.join(f'{x:.2f}' for x in load_before)}, "
            f"after {'/'.join(f'{x:.2f}' for x in load_after)}.",
        ]
    )


def _serve(workers: int, env: dict[str, str], folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = folder / f"serve-{workers}.log"
    cmd = [*CLI, "serve", "--port", str(port), "--log-level", "warning", "--workers", str(workers)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc, log, timeout=180)
    return proc, base


async def _warm(base: str, draft: str, workers: int) -> None:
    """Reviews enough, at once, that every worker has loaded its engine and opened its
    database before the timed run (a worker builds them on its first review)."""
    async with httpx.AsyncClient(base_url=base, timeout=120.0) as client:
        for _ in range(3):
            sent = [
                client.post("/v1/reviews", json={"text": draft, "path": "warm.md"})
                for _ in range(8 * workers)
            ]
            for response in await asyncio.gather(*sent):
                response.raise_for_status()


def _line(workers: int, result: Result) -> str:
    return (
        f"| {workers} | {result.requests} | {result.concurrency} | {len(result.errors)} | "
        f"{result.throughput:.1f} | {result.percentile(50) * 1000:.0f} | "
        f"{result.percentile(95) * 1000:.0f} | {max(result.latencies, default=0) * 1000:.0f} |"
    )


def bench_load(database_url: str, requests: int, concurrency: int) -> str:
    drafts = [p.read_text(encoding="utf-8") for p in sorted(DRAFTS.glob("*.md"))]
    chroma = Path(sys.executable).parent / "chroma"
    lines = [
        "| workers | requests | concurrency | errors | reviews/s | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        folder = Path(tmp)
        chroma_port = free_port()
        chroma_log = (folder / "chroma.log").open("wb")
        chroma_proc = subprocess.Popen(
            [str(chroma), "run", "--path", str(folder / "chroma"), "--host", "127.0.0.1"]
            + ["--port", str(chroma_port)],
            stdout=chroma_log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPECREVIEW_")} | {
            "SPECREVIEW_STORE_PATH": str(folder / "store"),
            "SPECREVIEW_CHROMA_URL": f"http://127.0.0.1:{chroma_port}",
            "SPECREVIEW_DATABASE_URL": database_url,
            "SPECREVIEW_EMBEDDER": "hashing",
        }
        try:
            time.sleep(3)
            for workers in (1, 2, 1, 2):  # twice each, alternating: the load moves
                proc, base = _serve(workers, env, folder)
                try:
                    asyncio.run(_warm(base, drafts[0], workers))
                    result = asyncio.run(
                        run_load(base, drafts, requests=requests, concurrency=concurrency)
                    )
                finally:
                    proc.terminate()
                    proc.wait(timeout=60)
                lines.append(_line(workers, result))
                lines += [f"  - error: {e}" for e in result.errors[:3]]
        finally:
            chroma_proc.terminate()
            chroma_proc.wait(timeout=30)
            chroma_log.close()
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    record = sub.add_parser("record")
    record.add_argument("--reviews", type=int, default=300)
    load = sub.add_parser("load")
    load.add_argument("--database-url", required=True)
    load.add_argument("--requests", type=int, default=300)
    load.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    if args.what == "record":
        print(bench_record(args.reviews))
    else:
        print(bench_load(args.database_url, args.requests, args.concurrency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
