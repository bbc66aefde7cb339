"""A bounded soak against `specreview serve` on loopback: mixed reviews, asks, uploads and
deletes at a fixed concurrency for a fixed time, watching the server's memory.

Indexes a history (examples/kb by default) into a fresh store, starts the server as a
subprocess, runs the mix until the time is up, waits for the last upload jobs, deletes what
the soak uploaded, stops the server and opens the store to count ghost chunks (chunks whose
document has no record). Prints requests by kind, errors, latency percentiles, the server's
RSS (first after warm-up, last, max), threads and open files, and writes the same as markdown.

    python -m evals.soak --minutes 30 --concurrency 8 --report evals/reports/soak.md

Exit status 1 when there were errors, ghost chunks, a store that did not return to its first
size, or RSS that grew more than 20% over its first reading after warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from evals.bench_api import CLI, free_port, start_server, wait_ready

REPO = Path(__file__).resolve().parent.parent
DEFAULT_KB = REPO / "examples" / "kb"
DRAFTS = [
    REPO / "examples" / "drafts" / "checkout-redesign.md",
    REPO / "tests" / "fixtures" / "api" / "draft.md",
    REPO / "tests" / "fixtures" / "llm" / "export-scheduler.md",
    REPO / "tests" / "fixtures" / "llm" / "injected.md",
]
QUESTIONS = [
    "Why do we keep carts in Postgres?",
    "Where are shopping carts stored and why?",
    "What went wrong on Black Friday checkout?",
    "Which service do payments go through?",
    "Did we decide anything about Redis sessions?",
    "What did we learn from the checkout outage?",
    "Who owns the payments service?",  # probably not in the history: a refusal is fine
]
# Relative weights of each kind of request in the mix.
MIX = {"review": 5, "ask": 3, "ask_stream": 1, "upload": 1, "delete": 1, "list": 1}
RSS_GROWTH_LIMIT = 0.20
WARM_UP_SHARE = 0.1  # RSS is compared with its reading after this share of the run


@dataclass
class Sample:
    at: float
    rss_kb: int
    threads: int
    fds: int


@dataclass
class Soak:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)
    samples: list[Sample] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)  # ids whose upload job is done
    deleted: int = 0
    base_records: int = 0
    base_chunks: int = 0
    end_records: int = 0
    end_chunks: int = 0
    ghost_chunks: int = 0
    ghost_docs: int = 0

    def error(self, kind: str, text: str) -> None:
        self.error_kinds[kind] += 1
        if len(self.errors) < 20:
            self.errors.append(f"{kind}: {text[:300]}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def read_proc(pid: int) -> tuple[int, int, int]:
    """(RSS in kB, threads, open file descriptors) of a process, from /proc."""
    rss = threads = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads, len(os.listdir(f"/proc/{pid}/fd"))


def upload_text(name: str, rng: random.Random) -> str:
    """An ADR-shaped document of a few hundred words to a few kB."""
    topics = ["carts", "payments", "sessions", "search", "exports", "checkout", "billing"]
    topic = rng.choice(topics)
    paragraphs = [
        f"We will move {topic} behind a dedicated service so that teams stop sharing its "
        f"tables. Load on {topic} grew {rng.randint(2, 9)}x last year. "
        for _ in range(rng.randint(2, 12))
    ]
    return (
        f"---\nstatus: accepted\n---\n# {name}: {topic} service\n\n## Context\n\n"
        + "\n\n".join(paragraphs)
        + "\n\n## Decision\n\nWe build it in Q3.\n\n## Consequences\n\nOne more service to run.\n"
    )


async def run_mix(
    base: str,
    pid: int,
    *,
    seconds: float,
    concurrency: int,
    seed: int,
    mix: dict[str, int] | None = None,
) -> Soak:
    soak = Soak()
    drafts = [p.read_text(encoding="utf-8") for p in DRAFTS if p.is_file()]
    weights_by_kind = mix or MIX
    kinds = [k for k in weights_by_kind if weights_by_kind[k] > 0]
    weights = [weights_by_kind[k] for k in kinds]
    # Idle connections expire before the server's keep-alive (5 s), as a well-behaved client
    # does: with both at 5 s a request can go out on a connection the server is closing.
    limits = httpx.Limits(max_connections=concurrency + 2, keepalive_expiry=2.0)
    started = time.monotonic()
    end = started + seconds
    pending_deletes: list[str] = []

    async with httpx.AsyncClient(base_url=base, timeout=300.0, limits=limits) as client:

        async def review(rng: random.Random) -> None:
            text = rng.choice(drafts)
            r = await client.post("/v1/reviews", json={"text": text, "path": "soak.md"})
            if r.status_code != 200 or "findings" not in r.json():
                soak.error("review", f"HTTP {r.status_code}: {r.text}")

        async def ask(rng: random.Random) -> None:
            r = await client.post("/v1/ask", json={"question": rng.choice(QUESTIONS)})
            if r.status_code != 200 or "refused" not in r.json():
                soak.error("ask", f"HTTP {r.status_code}: {r.text}")

        async def ask_stream(rng: random.Random) -> None:
            headers = {"Accept": "text/event-stream"}
            body = {"question": rng.choice(QUESTIONS)}
            async with client.stream("POST", "/v1/ask", json=body, headers=headers) as r:
                text = (await r.aread()).decode("utf-8", "replace")
            if r.status_code != 200 or "event: done" not in text or "event: error" in text:
                soak.error("ask_stream", f"HTTP {r.status_code}: {text[-300:]}")

        async def upload(rng: random.Random) -> None:
            name = f"soak-{rng.randrange(10**9):09d}.md"
            files = {"files": (name, upload_text(name, rng).encode(), "text/markdown")}
            r = await client.post("/v1/documents", files=files)
            if r.status_code != 202:
                soak.error("upload", f"HTTP {r.status_code}: {r.text}")
                return
            job_id = r.json()["id"]
            while True:  # a client waits for its job, as the Library page does
                await asyncio.sleep(0.5)
                job = (await client.get(f"/v1/jobs/{job_id}")).json()
                if job["state"] in ("done", "failed"):
                    break
            if job["state"] != "done" or not job["document_ids"]:
                soak.error("upload", f"job {job['state']}: {job.get('error')}")
                return
            soak.uploaded.extend(job["document_ids"])
            pending_deletes.extend(job["document_ids"])

        async def delete(rng: random.Random) -> None:
            if not pending_deletes:  # another worker took the last one meanwhile
                await listing(rng)
                return
            doc_id = pending_deletes.pop(rng.randrange(len(pending_deletes)))
            r = await client.delete(f"/v1/documents/{doc_id}")
            if r.status_code != 204:
                soak.error("delete", f"{doc_id}: HTTP {r.status_code}: {r.text}")
            else:
                soak.deleted += 1

        async def listing(_: random.Random) -> None:
            r = await client.get("/v1/documents", params={"limit": 1000})
            if r.status_code != 200:
                soak.error("list", f"HTTP {r.status_code}: {r.text}")

        actions = {
            "review": review,
            "ask": ask,
            "ask_stream": ask_stream,
            "upload": upload,
            "delete": delete,
            "list": listing,
        }

        async def worker(n: int) -> None:
            rng = random.Random(seed * 1000 + n)
            while time.monotonic() < end:
                kind = rng.choices(kinds, weights)[0]
                if kind == "delete" and not pending_deletes:
                    kind = "list"  # nothing of ours to delete yet: counted as what it does
                t0 = time.perf_counter()
                try:
                    await actions[kind](rng)
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    soak.error(kind, f"{type(exc).__name__}: {exc}")
                    continue
                soak.latencies[kind].append(time.perf_counter() - t0)

        async def sampler() -> None:
            while time.monotonic() < end:
                rss, threads, fds = read_proc(pid)
                soak.samples.append(Sample(time.monotonic() - started, rss, threads, fds))
                await asyncio.sleep(5.0)

        await asyncio.gather(sampler(), *(worker(n) for n in range(concurrency)))
        soak.seconds = time.monotonic() - started
        rss, threads, fds = read_proc(pid)
        soak.samples.append(Sample(soak.seconds, rss, threads, fds))
        for doc_id in pending_deletes:  # leave the library as it was
            r = await client.delete(f"/v1/documents/{doc_id}")
            if r.status_code != 204:
                soak.error("delete", f"{doc_id}: HTTP {r.status_code}: {r.text}")
            else:
                soak.deleted += 1
    return soak


def count_store(store_path: Path) -> tuple[int, int, int, int]:
    """(records, chunks, ghost chunks, ghost documents) of an embedded store."""
    from assistant.config import Settings
    from assistant.services import Services

    services = Services(settings=Settings(store_path=store_path))
    store = services.store
    records = {r.id for r in store.list_documents()}
    chunks = store.all_chunks()
    ghosts = [c for c in chunks if c.doc_id not in records]
    return len(records), len(chunks), len(ghosts), len({c.doc_id for c in ghosts})


def rss_figures(soak: Soak) -> tuple[int, int, int, int, float]:
    """(first, after warm-up, last, max) RSS in kB, and last/after-warm-up - 1."""
    samples = soak.samples
    first = samples[0].rss_kb
    warm_at = soak.seconds * WARM_UP_SHARE
    warm = next((s.rss_kb for s in samples if s.at >= warm_at), samples[-1].rss_kb)
    last = samples[-1].rss_kb
    peak = max(s.rss_kb for s in samples)
    return first, warm, last, peak, last / warm - 1 if warm else 0.0


def trajectory(soak: Soak) -> str:
    """RSS at the start and at each tenth of the run: a leak climbs, a warm-up levels off."""
    points = []
    for tenth in range(11):
        at = soak.seconds * tenth / 10
        sample = min(soak.samples, key=lambda s: abs(s.at - at))
        points.append(f"{sample.rss_kb / 1024:.0f}")
    return " ".join(points)


def report(soak: Soak, *, command: str, concurrency: int, kb: str, embedder: str) -> str:
    first, warm, last, peak, growth = rss_figures(soak)
    total = sum(len(v) for v in soak.latencies.values())
    rows = [
        f"| {kind} | {len(soak.latencies.get(kind, []))} | {soak.error_kinds.get(kind, 0)} | "
        f"{percentile(soak.latencies.get(kind, []), 50) * 1000:.0f} | "
        f"{percentile(soak.latencies.get(kind, []), 95) * 1000:.0f} |"
        for kind in MIX
    ]
    everything = [x for v in soak.latencies.values() for x in v]
    samples = soak.samples
    load = os.getloadavg()
    lines = [
        "## Soak",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}, "
        f"{os.cpu_count()} CPUs (shared with other workers' builds and tests during the run), "
        f"Python {platform.python_version()}. Command: `{command}`.",
        "",
        f"- Server: `specreview serve` on 127.0.0.1 (one uvicorn process), embedder `{embedder}`, "
        f"history {kb} indexed into a fresh store; client httpx on the same machine, "
        f"concurrency {concurrency}, {soak.seconds / 60:.1f} minutes.",
        f"- Requests: **{total}** ({total / soak.seconds:.1f}/s), "
        f"**{sum(soak.error_kinds.values())} errors**; p50 {percentile(everything, 50) * 1000:.0f}"
        f" ms, p95 {percentile(everything, 95) * 1000:.0f} ms over all kinds.",
        "",
        "| kind | requests | errors | p50 ms | p95 ms |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"- Server RSS: first {first / 1024:.0f} MB, after the first {WARM_UP_SHARE:.0%} of the "
        f"run {warm / 1024:.0f} MB, last {last / 1024:.0f} MB, max {peak / 1024:.0f} MB: "
        f"**{growth:+.1%}** from after warm-up to the end (limit +{RSS_GROWTH_LIMIT:.0%}).",
        f"- Server RSS over the run (MB, at each tenth): {trajectory(soak)}.",
        f"- Server threads: first {samples[0].threads}, last {samples[-1].threads}, max "
        f"{max(s.threads for s in samples)}; open files: first {samples[0].fds}, last "
        f"{samples[-1].fds}, max {max(s.fds for s in samples)}.",
        f"- Uploads indexed {len(soak.uploaded)}, deleted {soak.deleted} (the rest at the end).",
        f"- Store at the end: {soak.end_records} records, {soak.end_chunks} chunks (at the "
        f"start {soak.base_records} and {soak.base_chunks}); **{soak.ghost_chunks} ghost "
        f"chunks** ({soak.ghost_docs} documents).",
        f"- Machine load average (1/5/15 min) at the end: {'/'.join(f'{x:.2f}' for x in load)}.",
    ]
    lines += [f"- error: {e}" for e in soak.errors[:10]]
    return "\n".join(lines) + "\n"


def failed(soak: Soak) -> bool:
    growth = rss_figures(soak)[4]
    return bool(
        soak.error_kinds
        or soak.ghost_chunks
        or soak.end_chunks != soak.base_chunks
        or soak.end_records != soak.base_records
        or growth > RSS_GROWTH_LIMIT
    )


def parse_mix(text: str | None) -> dict[str, int] | None:
    if not text:
        return None
    mix = {}
    for item in text.split(","):
        kind, _, weight = item.partition("=")
        if kind.strip() not in MIX or not weight.strip().isdigit():
            raise SystemExit(f"--mix: {item!r} is not KIND=WEIGHT with KIND one of {list(MIX)}")
        mix[kind.strip()] = int(weight)
    return mix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, help="history to index first")
    parser.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--mix",
        default=None,
        help="weights by kind, e.g. review=5,ask=3,upload=1,delete=1 (default: "
        + ",".join(f"{k}={v}" for k, v in MIX.items())
        + ")",
    )
    parser.add_argument("--report", type=Path, default=None, help="write markdown here")
    parser.add_argument("--server-log", type=Path, default=None, help="copy the log here")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env["SPECREVIEW_EMBEDDER"] = args.embedder
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        store_path = Path(tmp) / "store"
        env["SPECREVIEW_STORE_PATH"] = str(store_path)
        subprocess.run(
            [*CLI, "index", str(args.kb), "--json"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        base = count_store(store_path)
        port = free_port()
        log = Path(tmp) / "server.log"
        proc = start_server(port, env, log)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, proc, log)
            soak = asyncio.run(
                run_mix(
                    url,
                    proc.pid,
                    seconds=args.minutes * 60,
                    concurrency=args.concurrency,
                    seed=args.seed,
                    mix=parse_mix(args.mix),
                )
            )
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        soak.base_records, soak.base_chunks = base[0], base[1]
        end = count_store(store_path)
        soak.end_records, soak.end_chunks, soak.ghost_chunks, soak.ghost_docs = end
        server_log = log.read_text(errors="replace")
        if args.server_log is not None:
            args.server_log.write_text(server_log, encoding="utf-8")
    command = " ".join(["python -m evals.soak", *(argv if argv is not None else sys.argv[1:])])
    markdown = report(
        soak,
        command=command,
        concurrency=args.concurrency,
        kb=f"`{args.kb}`",
        embedder=args.embedder,
    )
    print(markdown)
    if "Traceback" in server_log:
        print("server log has tracebacks:\n" + server_log[-3000:], file=sys.stderr)
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(markdown, encoding="utf-8")
    return 1 if failed(soak) else 0


if __name__ == "__main__":
    raise SystemExit(main())
