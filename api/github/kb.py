"""Collect the repository's knowledge base (decision records, retros) through the contents API,
fetching only the records whose blob changed since they were indexed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from api.github.client import GitHubClient
from api.github.engines import KbFile
from api.github.repo_config import SPEC_SUFFIXES

MAX_KB_FILES = 500  # a bound on the records (and so API calls) per run
MAX_DEPTH = 4


def collect_kb_files(
    client: GitHubClient,
    owner: str,
    repo: str,
    paths: list[str],
    *,
    ref: str,
    known: Callable[[str], str | None] = lambda _path: None,
) -> list[KbFile]:
    """Markdown records under the kb paths at `ref`, breadth first and bounded; a record whose
    blob sha equals `known(path)` is listed without its text being fetched again."""
    out: list[KbFile] = []
    queue: list[tuple[str, int, str]] = [(p.strip("/"), 0, "") for p in paths if p.strip("/")]
    seen: set[str] = set()
    while queue and len(out) < MAX_KB_FILES:
        path, depth, sha = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if path.lower().endswith(SPEC_SUFFIXES):
            if sha and known(path) == sha:
                out.append(KbFile(path=path, text="", version=sha))
                continue
            text = client.read_file(owner, repo, path, ref=ref)
            if text is not None:
                version = sha or hashlib.sha256(text.encode("utf-8")).hexdigest()
                out.append(KbFile(path=path, text=text, version=version))
            continue
        for entry in client.list_dir(owner, repo, path, ref=ref):
            if entry.type == "dir" and depth < MAX_DEPTH:
                queue.append((entry.path, depth + 1, entry.sha))
            elif entry.type == "file" and entry.path.lower().endswith(SPEC_SUFFIXES):
                queue.append((entry.path, depth, entry.sha))
    return out
