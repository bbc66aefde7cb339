"""Background indexing jobs: one worker thread (CPU is scarce), progress readable by id.

Each job is saved to the findings database as it progresses (issue 15), so any worker of
`serve --workers N` can report it and a restart does not lose it: a job queued or running when
the process died is marked failed, saying it was "interrupted by a restart"
(`recover_service_state` in api/github/webhook.py, run once when the service starts). Its
files can be uploaded again: a document is indexed whole, and re-indexing replaces it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from assistant.errors import DatabaseError, SpecreviewError
from assistant.ledger import FindingLedger, JobRecord

log = logging.getLogger("specreview.api.jobs")

JobState = Literal["queued", "running", "done", "failed"]
INTERRUPTED = "interrupted by a restart; upload the files again"


class Job(BaseModel):
    """An indexing job as the API reports it."""

    id: str
    state: JobState = "queued"
    total: int = Field(0, description="Units of work (documents) in the job.")
    done: int = Field(0, description="Units finished so far.")
    message: str = ""
    document_ids: list[str] = Field(default_factory=list)
    error: str | None = None
    warnings: list[str] = Field(default_factory=list, description="Files skipped, and why.")
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def progress(self) -> float:
        return 1.0 if self.state == "done" else (self.done / self.total if self.total else 0.0)


class Progress:
    """What a job function is handed to report progress."""

    def __init__(self, manager: JobManager, job_id: str) -> None:
        self._manager = manager
        self._job_id = job_id

    def update(self, *, done: int, total: int | None = None, message: str | None = None) -> None:
        changes: dict[str, object] = {"done": done}
        if total is not None:
            changes["total"] = total
        if message is not None:
            changes["message"] = message
        self._manager._update(self._job_id, **changes)

    def warn(self, warning: str) -> None:
        self._manager._warn(self._job_id, warning)


JobFn = Callable[[Progress], list[str]]  # returns the ids of the documents it indexed


class JobManager:
    """Runs job functions on one background thread and keeps the last `keep` jobs."""

    def __init__(
        self, *, keep: int = 200, ledger: Callable[[], FindingLedger] | None = None
    ) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep
        self._executor: ThreadPoolExecutor | None = None
        self._ledger = ledger  # where jobs are saved as they progress (None: memory only)
        self._save_lock = threading.Lock()  # saves in order: a later state never lost

    def _save(self, job_id: str) -> None:
        """Save the job as it stands now; a database error is logged, not the job's end."""
        if self._ledger is None:
            return
        with self._save_lock:
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None:
                    return
                record = JobRecord(**job.model_dump())
            try:
                self._ledger().save_job(record)
            except DatabaseError as exc:
                log.warning("job %s not saved: %s", job_id, exc)

    def submit(self, fn: JobFn, *, total: int, message: str = "") -> Job:
        job = Job(id=uuid.uuid4().hex, total=total, message=message, created_at=datetime.now(UTC))
        with self._lock:
            self._jobs[job.id] = job
            self._trim()
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-job")
            executor = self._executor
        self._save(job.id)  # saved before it can run: a crash from here on is reported
        executor.submit(self._run, job.id, fn)
        return job.model_copy()

    def get(self, job_id: str) -> Job | None:
        """The job from this process, else from the database (another worker's, or one from
        before a restart)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return job.model_copy()
        if self._ledger is None:
            return None
        try:
            record = self._ledger().get_job(job_id)
        except DatabaseError as exc:
            log.warning("job %s not read: %s", job_id, exc)
            return None
        return Job(**record.model_dump(exclude={"updated_at"})) if record else None

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, job_id: str, fn: JobFn) -> None:
        self._update(job_id, state="running")
        try:
            doc_ids = fn(Progress(self, job_id))
        except SpecreviewError as exc:
            self._finish(job_id, error=str(exc))
        except Exception as exc:  # a job must end in a state the client can read
            log.exception("indexing job %s failed", job_id)
            self._finish(job_id, error=f"unexpected error: {exc!r}; see the server log")
        else:
            self._finish(job_id, doc_ids=doc_ids)

    def _finish(
        self, job_id: str, *, doc_ids: list[str] | None = None, error: str | None = None
    ) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.finished_at = datetime.now(UTC)
            if error is not None:
                job.state, job.error, job.message = "failed", error, "failed"
            else:
                job.state, job.done = "done", job.total
                job.document_ids = doc_ids or []
                job.message = f"indexed {len(job.document_ids)} document(s)"
        self._save(job_id)

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                for key, value in changes.items():
                    setattr(job, key, value)
        self._save(job_id)

    def _warn(self, job_id: str, warning: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                job.warnings.append(warning)
        self._save(job_id)

    def _trim(self) -> None:
        finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
        for job in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[job.id]
