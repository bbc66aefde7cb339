"""A bounded load run against `specreview serve` on loopback: N reviews at concurrency C.

Starts the server as a subprocess (so client and server do not share a GIL), waits for
/healthz, sends one warm-up review, then exactly `requests` reviews and stops. Prints and
optionally writes throughput, latency percentiles and the error count.

    python -m evals.bench_api --requests 500 --concurrency 8 --kb examples/kb \
        --draft examples/drafts --report evals/reports/bench-api.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

DEFAULT_DRAFT = Path(__file__).resolve().parent.parent / "tests/fixtures/api/draft.md"


@dataclass
class Result:
    requests: int
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    findings: int = 0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLI = [sys.executable, "-c", "from cli import main; main()"]


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`specreview serve` on loopback; its output goes to `log` (a pipe could fill and block)."""
    cmd = [*CLI, "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "warning"]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log.read_text(errors="replace")
            raise SystemExit(f"server exited early ({proc.returncode}): {err[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server did not answer /healthz within {timeout:.0f}s")


async def run_load(base: str, drafts: list[str], *, requests: int, concurrency: int) -> Result:
    """Send `requests` reviews, cycling through `drafts`, `concurrency` at a time."""
    result = Result(requests=requests, concurrency=concurrency, seconds=0.0)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=120.0, limits=limits) as client:
        warm = await client.post("/v1/reviews", json={"text": drafts[0], "path": "warmup.md"})
        warm.raise_for_status()

        async def worker() -> None:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/v1/reviews", json={"text": drafts[i % len(drafts)], "path": f"d{i}.md"}
                    )
                except httpx.HTTPError as exc:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    result.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    continue
                result.latencies.append(elapsed)
                result.findings += len(response.json()["findings"])

        result.load_before = os.getloadavg()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
        result.load_after = os.getloadavg()
    return result


def report(result: Result, *, draft: str, kb: str, lines: int, command: str) -> str:
    ok = len(result.latencies)
    mean = statistics.fmean(result.latencies) if result.latencies else 0.0
    load = "/".join(f"{x:.2f}" for x in result.load_before)
    load_after = "/".join(f"{x:.2f}" for x in result.load_after)
    return "\n".join(
        [
            "# API load benchmark",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}. "
            f"Command: `{command}`.",
            "",
            f"- Workload: POST /v1/reviews (JSON) of `{draft}` ({lines} lines on average), "
            f"history: {kb}; server `specreview serve` on 127.0.0.1 (uvicorn, one process), "
            "client httpx on the same machine.",
            f"- Requests: {result.requests} at concurrency {result.concurrency}; "
            f"{ok} OK, **{len(result.errors)} errors**.",
            f"- Throughput: **{result.throughput:.1f} reviews/s** over {result.seconds:.1f} s.",
            f"- Latency: p50 **{result.percentile(50) * 1000:.0f} ms**, "
            f"p95 **{result.percentile(95) * 1000:.0f} ms**, "
            f"p99 {result.percentile(99) * 1000:.0f} ms, mean {mean * 1000:.0f} ms, "
            f"max {max(result.latencies, default=0.0) * 1000:.0f} ms.",
            f"- Findings per review: {result.findings / ok if ok else 0:.1f}.",
            f"- Machine load average (1/5/15 min) before: {load}; after: {load_after} "
            "(the machine is shared with other work; figures are rough).",
            "",
        ]
        + [f"- error: {e}" for e in result.errors[:5]]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--draft", type=Path, default=DEFAULT_DRAFT, help="a file or a folder")
    parser.add_argument("--kb", type=Path, default=None, help="history to index first")
    parser.add_argument("--store-path", type=Path, default=None, help="use this store as is")
    parser.add_argument("--report", type=Path, default=None, help="write markdown here")
    args = parser.parse_args(argv)
    paths = sorted(args.draft.glob("*.md")) if args.draft.is_dir() else [args.draft]
    if not paths:
        raise SystemExit(f"no drafts (*.md) in {args.draft}")
    drafts = [p.read_text(encoding="utf-8") for p in paths]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        if args.store_path is None:
            env["SPECREVIEW_STORE_PATH"] = str(Path(tmp) / "store")
            if args.kb is not None:
                subprocess.run(
                    [*CLI, "index", str(args.kb), "--json"],
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
        else:
            env["SPECREVIEW_STORE_PATH"] = str(args.store_path)
        port = free_port()
        log = Path(tmp) / "server.log"
        proc = start_server(port, env, log)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, proc, log)
            result = asyncio.run(
                run_load(base, drafts, requests=args.requests, concurrency=args.concurrency)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    kb = f"`{args.kb}` indexed into a fresh store" if args.kb else "the configured store"
    if args.store_path is None and args.kb is None:
        kb = "an empty store"
    command = " ".join(["python -m evals.bench_api", *(argv if argv is not None else sys.argv[1:])])
    lines = sum(d.count("\n") + 1 for d in drafts) // len(drafts)
    label = f"{len(drafts)} drafts in {args.draft}" if len(drafts) > 1 else str(args.draft)
    markdown = report(result, draft=label, kb=kb, lines=lines, command=command)
    print(markdown)
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(markdown, encoding="utf-8")
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
