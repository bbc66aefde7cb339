"""Which lines of a changed file a review comment may target: the RIGHT side of the diff hunks.

GitHub rejects review comments on lines outside the pull request's unified diff (422), so the
bot computes, from each file's `patch`, the new-file line numbers that appear in a hunk (added or
context lines) and anchors comments only there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class DiffLines:
    """New-file lines present in the diff (commentable) and the subset that were added."""

    commentable: frozenset[int] = field(default_factory=frozenset)
    added: frozenset[int] = field(default_factory=frozenset)

    def nearest_in(self, start: int, end: int) -> int | None:
        """The line in [start, end] to comment on: an added line first, else one in the diff."""
        for pool in (self.added, self.commentable):
            hits = [n for n in range(start, end + 1) if n in pool]
            if hits:
                return hits[-1]
        return None


def parse_patch(patch: str | None) -> DiffLines:
    """Parse a unified-diff `patch` (as GitHub returns in PR files) into commentable lines."""
    if not patch:
        return DiffLines()
    commentable: set[int] = set()
    added: set[int] = set()
    line_no = old_left = new_left = 0
    for raw in patch.split("\n"):
        match = _HUNK.match(raw)
        if match:
            old_left = int(match.group(1) or 1)
            line_no = int(match.group(2))
            new_left = int(match.group(3) or 1)
            continue
        if old_left <= 0 and new_left <= 0:
            continue  # outside a hunk (or a "\ No newline at end of file" marker)
        if raw.startswith("+"):
            commentable.add(line_no)
            added.add(line_no)
            line_no += 1
            new_left -= 1
        elif raw.startswith("-"):
            old_left -= 1  # a deleted line exists only on the LEFT side
        elif raw.startswith("\\"):
            continue
        else:  # context line (leading space, or empty when trailing spaces were stripped)
            commentable.add(line_no)
            line_no += 1
            old_left -= 1
            new_left -= 1
    return DiffLines(commentable=frozenset(commentable), added=frozenset(added))
