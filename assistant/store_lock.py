"""One writer at a time per embedded store: a file lock in its folder, across processes.

Two processes writing one embedded Chroma store at once leave chunks without vectors, so every
index run and upload job holds this lock while it writes. `flock` is per open file, so the
lock is also taken between threads of one process; a thread that already holds it may take it
again (an API job inside a CLI run, a pipeline inside a caller that locked first).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import StoreError

log = logging.getLogger("specreview.store")

LOCK_NAME = "specreview-write.lock"
POLL_S = 0.1


class _Held:
    """A lock file as this process holds it: a thread lock, its depth and the locked file."""

    def __init__(self) -> None:
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None
        self.released_ns: int | None = None  # the lock file's mtime as this process left it


_registry_lock = threading.Lock()
# Held while this process moves a lock file's mtime and records it, and while a reader
# compares the two, so that a reader never sees our change before we have recorded it.
_stamp_lock = threading.Lock()
_held: dict[Path, _Held] = {}


def _holder(lock_file: Path) -> str:
    try:
        pid = lock_file.read_text(encoding="utf-8", errors="replace").strip()[:20]
    except OSError:
        return "another writer"
    return f"another writer (pid {pid})" if pid.isdigit() else "another writer"


def _busy(folder: Path, lock_file: Path, timeout: float) -> StoreError:
    return StoreError(
        f"the store at {folder} is still busy after {timeout:.0f}s: {_holder(lock_file)} is "
        f"writing to it (lock {lock_file}). Run again when it has finished, or raise "
        "SPECREVIEW_STORE_LOCK_TIMEOUT"
    )


def _lock_file(
    folder: Path,
    lock_file: Path,
    held: _Held,
    deadline: float,
    timeout: float,
    tell: Callable[[str], None],
) -> int:
    """The locked file's descriptor, once no other process holds it; StoreError at deadline.

    Writing our pid moves the file's mtime: that is this process's own change (`released_ns`),
    unless another process wrote since we last left the file (then readers must still see a
    foreign stamp). Without this every write in `serve` looked foreign and opened a new Chroma
    client, leaking its threads and files (found by evals/soak.py)."""
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create the lock file {lock_file}: {exc}") from exc
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(folder, lock_file, timeout) from None
                tell(f"waiting for {_holder(lock_file)} to finish writing to the store at {folder}")
                time.sleep(POLL_S)
        with _stamp_lock:  # readers compare the mtime with ours under this lock
            before = os.fstat(fd).st_mtime_ns
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            after = os.fstat(fd).st_mtime_ns
            if before == held.released_ns:
                held.released_ns = after
    except BaseException:
        os.close(fd)  # closing releases the lock if it was taken
        raise
    return fd


@contextmanager
def store_write_lock(
    folder: Path, *, timeout: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the write lock of the store in `folder`; waits at most `timeout` seconds for it.

    `on_wait` hears once that this writer is waiting, and for whom (default: a log warning)."""
    lock_file = folder / LOCK_NAME
    with _registry_lock:
        held = _held.setdefault(lock_file.resolve(), _Held())
    deadline = time.monotonic() + timeout
    told = False

    def tell(message: str) -> None:
        nonlocal told
        if not told:
            told = True
            (on_wait or log.warning)(message)

    if not held.thread_lock.acquire(blocking=False):
        tell(f"waiting for another indexing job in this process to finish with {folder}")
        if not held.thread_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise _busy(folder, lock_file, timeout)
    try:
        if held.depth == 0:
            held.fd = _lock_file(folder, lock_file, held, deadline, timeout, tell)
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.fd is not None:
                fd, held.fd = held.fd, None
                try:  # a new mtime tells readers in other processes that the store changed
                    with _stamp_lock:
                        os.utime(fd)
                        held.released_ns = os.fstat(fd).st_mtime_ns
                finally:
                    os.close(fd)  # releases the flock
    finally:
        held.thread_lock.release()


def write_stamp(folder: Path) -> tuple[int | None, int | None]:
    """(when the store in `folder` was last written by anyone, by this process): the lock
    file's mtime, as it is now and as this process's last writer left it."""
    lock_file = folder / LOCK_NAME
    with _registry_lock:
        held = _held.get(lock_file.resolve())
    with _stamp_lock:
        try:
            now: int | None = lock_file.stat().st_mtime_ns
        except OSError:
            now = None
        return now, held.released_ns if held is not None else None
