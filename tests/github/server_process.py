"""The real `specreview serve` as a subprocess, for the restart and multi-worker tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from api.github.signature import sign

CLI = Path(sys.executable).parent / "specreview"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`specreview serve` on a free loopback port, its output in a log file."""

    def __init__(self, folder: Path, env: dict[str, str], *, workers: int = 1) -> None:
        self.folder = folder
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / f"serve-{self.port}.log"

    def start(self, timeout_s: float = 120) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPECREVIEW_")} | self.env
        command = [str(CLI), "serve", "--port", str(self.port), "--log-level", "warning"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                command, cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"serve did not answer in {timeout_s} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def deliver(
    url: str, secret: str, payload: dict[str, Any], event: str, delivery: str | None = None
) -> httpx.Response:
    raw = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, raw),
    }
    return httpx.post(url + "/github/webhook", content=raw, headers=headers, timeout=30)


def wait_for(check: Any, timeout_s: float = 90, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")
