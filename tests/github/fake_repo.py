"""The fake GitHub's git side: repositories as commits of whole trees, branches, pull
requests, and the unified-diff patches GitHub reports for a pull request's files."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field


def sha_of(*parts: str) -> str:
    return hashlib.sha1("\x00".join(parts).encode()).hexdigest()


@dataclass
class FakePull:
    number: int
    base: str
    head: str
    draft: bool = False
    state: str = "open"


@dataclass
class FakeRepo:
    owner: str
    name: str
    commits: dict[str, dict[str, str]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    pulls: dict[int, FakePull] = field(default_factory=dict)

    def commit(self, branch: str, files: dict[str, str | None], *, sha: str | None = None) -> str:
        """Commit on a branch (created from nothing if new); a None value deletes the file."""
        tree = dict(self.commits.get(self.branches.get(branch, ""), {}))
        for path, text in files.items():
            if text is None:
                tree.pop(path, None)
            else:
                tree[path] = text
        sha = sha or sha_of(
            self.name, branch, str(len(self.commits)), json.dumps(tree, sort_keys=True)
        )
        self.commits[sha] = tree
        self.branches[branch] = sha
        return sha

    def branch(self, new: str, *, from_: str) -> None:
        self.branches[new] = self.branches[from_]

    def tree(self, ref: str) -> dict[str, str] | None:
        sha = self.branches.get(ref, ref)
        return self.commits.get(sha)

    def open_pull(self, number: int, *, base: str, head: str, draft: bool = False) -> FakePull:
        self.pulls[number] = FakePull(number=number, base=base, head=head, draft=draft)
        return self.pulls[number]


def unified_patch(old: str, new: str) -> str:
    """The `patch` GitHub returns for a file: hunks only, no ---/+++ header."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3))
    return "\n".join(lines[2:])


def right_lines(patch: str) -> set[int]:
    """New-file lines inside the hunks (what GitHub accepts for side=RIGHT)."""
    out: set[int] = set()
    line = 0
    for raw in patch.split("\n"):
        m = re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", raw)
        if m:
            line = int(m.group(1))
        elif raw.startswith("-"):
            continue
        elif raw.startswith(("+", " ")) or raw == "":
            out.add(line)
            line += 1
    return out
