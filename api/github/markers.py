"""Hidden HTML-comment markers that let the bot recognise its own comments on later runs.

Every inline comment and every absence listed in a review body carries the finding's
fingerprint; the single summary comment carries a marker and the state of the last run (the
open findings), base64-encoded so no text of a finding can close the HTML comment early.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from pydantic import BaseModel, Field, ValidationError

SUMMARY_MARKER = "<!-- specreview:summary -->"
_FINDING = re.compile(r"<!-- specreview:finding ([0-9a-zA-Z_-]+) -->")
_STATE = re.compile(r"<!-- specreview:state ([A-Za-z0-9+/=]+) -->")


class OpenFinding(BaseModel):
    """What the summary remembers about a finding still open after a run."""

    code: str
    title: str
    path: str
    severity: str


class SummaryState(BaseModel):
    """The open findings at the end of the last run, by fingerprint."""

    open: dict[str, OpenFinding] = Field(default_factory=dict)


def finding_marker(fingerprint: str) -> str:
    return f"<!-- specreview:finding {fingerprint} -->"


def fingerprints_in(text: str) -> set[str]:
    """Every finding fingerprint marked in a comment or review body."""
    return set(_FINDING.findall(text or ""))


def is_summary(text: str) -> bool:
    return SUMMARY_MARKER in (text or "")


def state_marker(state: SummaryState) -> str:
    encoded = base64.b64encode(state.model_dump_json().encode("utf-8")).decode("ascii")
    return f"<!-- specreview:state {encoded} -->"


def read_state(text: str) -> SummaryState:
    """The state embedded in a summary comment; empty when absent or unreadable."""
    match = _STATE.search(text or "")
    if not match:
        return SummaryState()
    try:
        return SummaryState.model_validate(json.loads(base64.b64decode(match.group(1))))
    except (binascii.Error, ValueError, ValidationError):
        return SummaryState()
