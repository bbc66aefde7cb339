"""Collect the repository's knowledge base (decision records, retros) through the contents API."""

from __future__ import annotations

from api.github.client import GitHubClient
from api.github.repo_config import SPEC_SUFFIXES

MAX_KB_FILES = 500  # a bound on API calls per run: one contents read per file
MAX_DEPTH = 4


def collect_kb_files(
    client: GitHubClient, owner: str, repo: str, paths: list[str], *, ref: str
) -> list[tuple[str, str]]:
    """(path, text) of every markdown file under the kb paths at `ref`, breadth first, bounded."""
    out: list[tuple[str, str]] = []
    queue = [(p.strip("/"), 0) for p in paths if p.strip("/")]
    seen: set[str] = set()
    while queue and len(out) < MAX_KB_FILES:
        path, depth = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if path.lower().endswith(SPEC_SUFFIXES):
            text = client.read_file(owner, repo, path, ref=ref)
            if text is not None:
                out.append((path, text))
            continue
        for entry in client.list_dir(owner, repo, path, ref=ref):
            if entry.type == "dir" and depth < MAX_DEPTH:
                queue.append((entry.path, depth + 1))
            elif entry.type == "file" and entry.path.lower().endswith(SPEC_SUFFIXES):
                queue.append((entry.path, depth))
    return out
