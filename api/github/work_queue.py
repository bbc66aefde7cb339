"""A bounded background queue: the webhook answers within GitHub's 10 s and one worker thread
does the work, serially (GitHub asks integrators not to send content requests concurrently)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], object]


class WorkQueue:
    """At most `maxsize` waiting jobs; the worker thread starts on the first job."""

    def __init__(self, maxsize: int = 64) -> None:
        self._jobs: queue.Queue[tuple[str, Job] | None] = queue.Queue(maxsize=maxsize)
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self.failures: list[tuple[str, str]] = []  # (job name, error) of recent failures
        self.done = 0

    def submit(self, name: str, job: Job) -> bool:
        """Queue a job; False when the queue is full (the caller answers 503)."""
        self._ensure_worker()
        try:
            self._jobs.put_nowait((name, job))
        except queue.Full:
            return False
        return True

    def has_room(self) -> bool:
        """Whether a job submitted now would be queued (not refused as full)."""
        return not self._jobs.full()

    def join(self) -> None:
        """Block until every queued job has run (tests, graceful shutdown)."""
        self._jobs.join()

    def close(self) -> None:
        """Finish queued jobs and stop the worker."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._jobs.put(None)
            worker.join()

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="specreview-github", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is None:
                    return
                name, job = item
                try:
                    job()
                    self.done += 1
                except Exception as exc:  # noqa: BLE001 - one failed delivery must not stop the worker
                    log.exception("github job %s failed", name)
                    self.failures = [*self.failures[-49:], (name, f"{type(exc).__name__}: {exc}")]
            finally:
                self._jobs.task_done()
