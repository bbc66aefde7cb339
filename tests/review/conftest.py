"""Helpers for the review tests: run one check over a small draft."""

from __future__ import annotations

import textwrap

from assistant.checks.base import Check, ReviewContext
from assistant.markdown import parse_spec
from assistant.models import DocType, Finding


def run_check(check: Check, draft: str, *, doc_type: DocType = "spec") -> list[Finding]:
    text = textwrap.dedent(draft).strip("\n") + "\n"
    return check.run(ReviewContext(spec=parse_spec(text), path="draft.md", doc_type=doc_type))
