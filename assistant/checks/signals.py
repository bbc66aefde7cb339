"""Shared text signals for the review checks: labelled blocks, fields, items and vocabularies.

Drafts put their content under markdown headings, bold or colon labels ("**Why.**", "Done when:"),
bare label lines ("Not doing"), tables and front matter. The checks judge meaning, so they first
cut a draft into labelled blocks and classify each label by broad vocabularies, then look at the
content of the blocks with explainable lexical signals. Everything here is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from assistant.checks.vocab import Term, Vocabulary, register
from assistant.markdown import FENCE, ParsedSpec
from assistant.prose import comment_free_lines
from assistant.sentences import split_sentences

if TYPE_CHECKING:
    from assistant.checks.base import ReviewContext

# --- label vocabularies (broad, product-agnostic) ----------------------------------------------
# Read in lower-cased headings and inline labels; each kind that a finding code reads is traced
# under that code (vocab.fired_terms).


def _label_vocabulary(code: str, kind: str, reason: str, *terms: Term) -> Vocabulary:
    return register(Vocabulary(code, f"{kind} heading", terms, 0, reason, on_labels=True))


_KIND_PATTERNS: dict[str, Vocabulary | re.Pattern[str]] = {
    "scope_bound": _label_vocabulary(
        "unbounded_scope",
        "scope_bound",
        "a label that announces what the work leaves out",
        Term(
            "non-goals",
            r"non[- ]?goals?|out of scope|not in scope|no[- ]gos?",
            "the usual names of a section that bounds the work",
            "## Non-goals for the kiosk pilot",
        ),
        Term(
            "not doing",
            r"not doing|won'?t do|will not do|not (?:in|part of) (?:this|the|v1|scope|mvp)|"
            r"exclu",
            "a heading that says what will not be done",
            "## What the ferry app won't do",
        ),
        Term(
            "rabbit holes",
            r"rabbit holes?",
            "Shape Up's section for what to stay away from",
            "## Rabbit holes in locker payments",
        ),
        Term(
            "future work",
            r"future (?:work|possibilities|extensions|directions)|follow-?ups?|not included|"
            r"deferred|later phases?",
            "a heading that sets work aside for later",
            "## Deferred to the harbour phase",
        ),
        Term(
            "limitations",
            r"limitations",
            "a heading that states what the design does not cover",
            "## Known limitations of the tram gates",
        ),
    ),
    "questions": _label_vocabulary(
        "open_questions",
        "questions",
        "a label that announces open questions",
        Term(
            "questions",
            r"\bquestions?\b",
            "the usual name of the section",
            "## Questions for the depot leads",
        ),
        Term(
            "unresolved",
            r"unresolved|unknowns|open issues|\btbds?\b",
            "a heading for what is not known or settled",
            "## Unknowns about locker power",
        ),
        Term(
            "parking lot",
            r"parking lot",
            "a heading for items set aside to decide later",
            "## Parking lot (ferry pilot)",
        ),
        Term(
            "still open",
            r"\b(?:still|left|remaining) open\b|\bopen (?:items?|points?|threads?|decisions?)\b|"
            r"\boutstanding\b|\bundecided\b|\bunanswered\b",
            "a heading for items not closed yet",
            "## Open points on kiosk paper",
        ),
        Term(
            "to decide",
            r"\bto (?:decide|resolve|figure out)\b",
            "a heading for decisions still to make",
            "## Things to figure out before the harbour launch",
        ),
    ),
    "acceptance": _label_vocabulary(
        "missing_acceptance_criteria",
        "acceptance",
        "a label that announces criteria of done",
        Term(
            "acceptance",
            r"acceptance",
            "acceptance criteria by name",
            "## Acceptance for the locker pilot",
        ),
        Term(
            "done",
            r"\bdone\b|definition of done|exit criteria",
            "a heading that says when the work is done",
            "## Done for the ferry feed",
        ),
        Term(
            "test plan",
            r"test(?:ing)? plan|\btesting\b|verification|validation",
            "a heading for how the work will be checked",
            "## Verification of tram fares",
        ),
        Term(
            "graduation",
            r"graduation|readiness|launch criteria|release criteria",
            "a heading for when the work may go out",
            "## Readiness of the harbour kiosks",
        ),
        Term(
            "quality bar",
            r"\bqa\b|quality bar|success criteria",
            "a heading for the bar the work must meet",
            "## Quality bar for locker receipts",
        ),
        Term(
            "how we know",
            r"know it(?:'s| is) done|how we(?:'ll| will) know",
            "a heading that asks how we will know",
            "## How we'll know the depot screens work",
        ),
        Term(
            "criteria",
            r"\bcriteria\b|\btests?\b",
            "criteria or tests by name",
            "## Criteria for the tram pilot",
        ),
        Term(
            "ready to ship",
            r"ready to (?:ship|launch|release|go)|(?:ship|launch|release) when|go[- ]live",
            "a heading for the release condition",
            "## Go-live for the ferry gates",
        ),
    ),
    "metric": _label_vocabulary(
        "missing_success_metric",
        "metric",
        "a label that announces how success is measured",
        Term(
            "metrics",
            r"metrics?\b",
            "metrics by name",
            "## Metrics for the kiosk pilot",
        ),
        Term(
            "success",
            r"\bsuccess\b|\boutcomes?\b|\bkpis?\b|measures? of success|measure(?:ment)?s?\b",
            "a heading for outcomes or how they are measured",
            "## Outcomes we want from the lockers",
        ),
        Term(
            "how we know",
            r"how we(?:'ll| will) know",
            "a heading that asks how we will know it worked",
            "## How we will know the tram change worked",
        ),
        Term(
            "impact",
            r"\bimpact\b",
            "a heading for the effect of the work",
            "## Impact on harbour queues",
        ),
        Term(
            "goals",
            r"\bgoals?\b|\bobjectives?\b|\bokrs?\b",
            "a heading for what the work aims at",
            "## Objectives of the ferry app",
        ),
    ),
    "why": _label_vocabulary(
        "missing_why",
        "why",
        "a label that announces the why",
        Term(
            "motivation",
            r"\bwhy\b|motivation|problem",
            "the usual names of a why section",
            "## Why the lockers move",
        ),
        Term(
            "background",
            r"background|context",
            "the situation the change responds to",
            "## Background on the harbour queues",
        ),
        Term(
            "rationale",
            r"rationale|justification|opportunity|pain points?",
            "a heading for the reason or the opening",
            "## Rationale for card-only kiosks",
        ),
        Term(
            "current state",
            r"where we are|current state|today\b",
            "how things are before the change",
            "## Ferry boarding today",
        ),
        Term(
            "needs",
            r"user needs?|business case|the case for",
            "a heading for who needs it and why it pays",
            "## The case for tram lockers",
        ),
        # "Data", "What the data says", not a heading about data ("Source data", "Data model").
        Term(
            "evidence",
            r"evidence|what we hear|^(?:the |our |supporting )?data$|\bwhat the data\b|"
            r"\bdata (?:says|shows|we have)\b|customer (?:feedback|research)|research|insights?\b",
            "a heading for the evidence of the problem",
            "## What the data shows about kiosk queues",
        ),
        Term(
            "in order to",
            r"in order to",
            "a Gherkin benefit clause used as a label",
            "In order to board faster:",
        ),
        Term(
            "summary",
            r"overview|summary|introduction|\btl;?dr\b|abstract",
            "an opening section that may hold the why (weakly)",
            "## Overview of the depot lockers",
        ),
        # "Feedback" (what users told us) is where some teams put the why; found as a heading
        # in the sample corpus's records, not only in a labelled set.
        Term(
            "feedback",
            r"feedback",
            "what users told us, where some teams put the why",
            "## Feedback from ferry crews",
        ),
    ),
    "ownership": _label_vocabulary(
        "unresolved_ownership",
        "ownership",
        "a label that announces who owns the work",
        Term(
            "owner",
            r"owner|\bwho\b|raci|\broles?\b|\bdri\b",
            "a heading for owners and roles",
            "## Roles on the locker pilot",
        ),
        Term(
            "decision rights",
            r"decision rights|sign[- ]?off|approv",
            "a heading for who decides and approves",
            "## Approvals for kiosk fares",
        ),
        Term(
            "stakeholders",
            r"stakeholders|responsib|accountab",
            "a heading for who answers for the work",
            "## Responsibilities at the depot",
        ),
        Term(
            "team",
            r"\bteam\b|staffing|decision[- ]makers?",
            "a heading for who works on it",
            "## Staffing for the harbour phase",
        ),
    ),
    # A section naming who wrote the document, where RFC templates close ("## Authors",
    # "## Contributors: this note was compiled by ..."): the names under it are its owners.
    "authors": _label_vocabulary(
        "unresolved_ownership",
        "authors",
        "a label over the people who wrote the document",
        Term(
            "authors",
            r"\b(?:authors?|contributors|credits|(?:written|compiled|prepared) by)$",
            "a heading over the names of the document's authors",
            "## Authors",
        ),
    ),
    "solution": re.compile(
        r"proposal|solution|design|\bwhat\b|how it works|requirements?|\bscope\b|implementation|"
        r"\bplan\b|\bapi\b|\bui\b|\bux\b|behaviou?r|stories|story|approach|architecture|"
        r"rollout|release|launch|migration|timeline|appetite|settings|config|detection|details?"
    ),
    "aside": re.compile(
        r"risks?|drawbacks?|alternatives?|\bnotes?\b|appendix|references?|dependencies|"
        r"glossary|faq|changelog|history|sketch|"
        # Options weighed against each other (MADR's "Considered Options", "Pros and Cons of
        # the Options"): arguments for and against, not the plan or its open questions.
        r"pros and cons|considered options|options considered|\boptions\b"
    ),
}

# A heading about the state of things before the change ("Current behaviour", "The existing
# importer", "Status quo", "Where deploys stand today"): a label, so only these words.
_CURRENT_STATE = register(
    Vocabulary(
        "missing_why",
        "current-state heading",
        (
            Term(
                "current or existing",
                r"\b(?:current(?:ly)?|existing)\b",
                "a section about how things are before the change describes what it fixes",
                "## Shortcomings of the current exporter",
            ),
            Term(
                "status quo",
                r"\b(?:status quo|as[- ]is)\b",
                "the same, in a planner's words",
                "## As-is process",
            ),
        ),
        reason="the state the change fixes is where its why sits",
        on_labels=True,
    )
)

# "Summary", "Overview" and the like describe the what; they may also hold the why.
_WHY_WEAK = register(
    Vocabulary(
        "missing_why",
        "weak why heading",
        (
            Term(
                "summary",
                r"overview|summary|introduction|\btl;?dr\b|abstract",
                "an opening section describes the what and only sometimes holds the why",
                "## Summary of the tram locker plan",
            ),
            Term(
                "in order to",
                r"in order to",
                "a benefit clause used as a label restates the why weakly",
                "In order to keep ferry queues short:",
            ),
        ),
        0,
        "a why label that may only describe the what",
        on_labels=True,
    )
)


def label_kinds(label: str) -> frozenset[str]:
    """The kinds of content a heading or inline label announces (possibly several, or none)."""
    text = re.sub(r"^[\d.\s§#]+", "", label.lower()).strip(" *_:.")
    kinds = {kind for kind, pattern in _KIND_PATTERNS.items() if pattern.search(text)}
    if _CURRENT_STATE.search(text) and not kinds & {"scope_bound", "questions"}:
        # "Shortcomings of the current exporter", "How deploys work today": the state the
        # proposal changes is where its why sits, even when the heading says "solution".
        kinds = (kinds - {"solution", "aside"}) | {"why"}
    if "scope_bound" in kinds:
        kinds.discard("solution")  # "Out of scope" is a bound, not the proposal
    if "scope_bound" in kinds:
        kinds -= {"acceptance", "metric", "questions"}
    if "acceptance" in kinds and re.search(r"success|know it worked|how we", text):
        kinds.add("metric")
    if re.search(r"\bdecision\b", text):
        kinds.discard("metric")  # "Decision Outcome" is what was chosen, not a measure
    if re.search(r"\bimpact(?:s|ed)? (?:on|to)\b|\bscope of (?:the )?impact\b|\bimpacted\b", text):
        # "Impact on existing clients", "Scope of impact": what the change touches, not a goal.
        kinds.discard("metric")
    if kinds & {"acceptance", "metric", "questions", "scope_bound"}:
        kinds.discard("why")  # "Success criteria" is not the why; "What we hear" still is
    if "why" in kinds and _WHY_WEAK.search(text) and not re.search(r"why|problem|motivation", text):
        kinds = (kinds - {"why"}) | {"why_weak"}
    return frozenset(kinds)


# --- blocks ----------------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# "**Why.** text", "**Done when**", "__Scope:__ text"
_BOLD_LABEL = re.compile(r"^\s*(?:\*\*|__)([^*_\n]{2,60}?)[:.]?(?:\*\*|__)[:.]?\s*(.*)$")
# "Why: text", "Done when:" (a capitalised label of at most six words, then a colon)
_COLON_LABEL = re.compile(r"^\s{0,3}([A-Z][\w'&/+ -]{0,50}?)\s*:\s*(.*)$")
DATE = re.compile(
    r"\b\d{4}-\d{2}(?:-\d{2})?(?:/\d{2})?\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|"
    r"jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b|\b(?:q[1-4]|h[12])\s*\d{4}\b|"
    r"\b\d{4}\.\d{1,2}\b|\bv?\d+\.\d+\.\d+\b|\b(?:19|20)\d{2}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Block:
    """A labelled stretch of the draft: a heading's section or an inline-labelled paragraph."""

    label: str
    kinds: frozenset[str]
    start_line: int  # the label's line (1-based)
    end_line: int
    body: tuple[tuple[int, str], ...]  # (line number, text), label removed, blank lines as ""
    heading: bool  # True for markdown headings, False for inline labels
    path: tuple[str, ...]  # heading path of the enclosing section

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.body)

    @cached_property
    def last_line(self) -> int:
        filled = [n for n, t in self.body if t]
        return filled[-1] if filled else self.start_line

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Its bullets, rows and sentences, split once: every check walks the same blocks."""
        return items_of(self.body)


def _inline_label(lines: list[str], i: int) -> tuple[str, str] | None:
    """If line i starts an inline-labelled block, return (label, rest of the line)."""
    line = lines[i]
    if not line.strip() or BULLET.match(line) or line.lstrip().startswith(("|", ">", "<")):
        return None
    bold = _BOLD_LABEL.match(line)
    if bold and len(bold.group(1).split()) <= 8:
        return bold.group(1).strip(), bold.group(2).strip()
    colon = _COLON_LABEL.match(line)
    if colon and len(colon.group(1).split()) <= 6 and "://" not in line:
        return colon.group(1).strip(), colon.group(2).strip()
    # A bare short label line ("Why", "Not doing") followed by content.
    words = line.split()
    prev_blank = i == 0 or not lines[i - 1].strip()
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if (
        prev_blank
        and len(words) <= 4
        and nxt.strip()
        and line.strip()[0].isupper()
        and not re.search(r"[.,;!?`)]$", line.strip())
    ):
        return line.strip(), ""
    return None


def split_blocks(spec: ParsedSpec) -> list[Block]:
    """Cut the draft into blocks at headings and inline labels; fenced code stays in its block.

    HTML comments (a template's prompts) are read as blank: they are not the author's content.
    """
    lines = comment_free_lines(spec.lines)
    blocks: list[Block] = []
    first_heading = next((s for s in spec.sections if s.level > 0), None)
    for section in spec.sections:
        titled = first_heading is not None and first_heading.level == 1
        parents = section.path[1:-1] if titled else section.path[:-1]
        parent_kinds = frozenset().union(*(label_kinds(p) for p in parents))
        is_title = section is first_heading and section.level == 1
        own = label_kinds(section.title) if section.level and not is_title else frozenset()
        kinds = own or (parent_kinds - {"why_weak"})
        base = (section.title, kinds, section.level > 0)
        label, start, heading = section.title, section.start_line, section.level > 0
        body: list[tuple[int, str]] = []
        in_fence = False
        one_paragraph = False  # "Owner: X" or "**Problem.** text" end at the next blank line
        for n in range(section.body_start_line, section.end_line + 1):
            text = lines[n - 1] if n - 1 < len(lines) else ""
            if FENCE.match(text) or in_fence:
                in_fence = in_fence != bool(FENCE.match(text))
                body.append((n, ""))  # code and examples are not prose claims
                continue
            found = _inline_label(lines, n - 1)
            if found and label_kinds(found[0]):
                blocks.append(Block(label, kinds, start, n - 1, tuple(body), heading, section.path))
                label, start, heading, body = found[0], n, False, []
                kinds = label_kinds(found[0])
                one_paragraph = bool(found[1])
                if found[1]:
                    body.append((n, found[1]))
                continue
            if one_paragraph and not text.strip():
                blocks.append(Block(label, kinds, start, n - 1, tuple(body), heading, section.path))
                (label, kinds, heading), start, body = base, n, []
                one_paragraph = False
            body.append((n, text if text.strip() else ""))
        blocks.append(
            Block(label, kinds, start, section.end_line, tuple(body), heading, section.path)
        )
    return [b for b in blocks if b.text.strip() or b.label]


# --- fields (key: value pairs from front matter, label lines and two-column tables) -----------


@dataclass(frozen=True)
class Field:
    key: str
    value: str
    line: int


_FIELD = re.compile(
    r"^(?:\*\*|__)?([A-Za-z][\w'&/+() .-]{0,40}?)(?::\s*(?:\*\*|__)|(?:\*\*|__)?:)\s*(.+)$"
)


# Several facts on one line: "A · B", or "Owner: Ann Lee. Sign-off: Bo Park." (a sentence end
# followed by another short capitalised label and a colon).
_FIELD_SPLIT = re.compile(
    r"\s+·\s+|(?<=[.;])\s+(?=(?:\*\*|__)?[A-Z][\w'&/+() -]{0,30}?(?:\*\*|__)?:\s)"
)


def _table_cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.count("|") >= 2):
        return None
    return [c.strip().strip("*_ ") for c in stripped.strip("|").split("|")]


_BARE_LABEL = re.compile(r"^(?:\*\*|__)?([A-Za-z][\w'&/+() -]{0,40}?)(?:\*\*|__)?\s*:(?:\*\*|__)?$")


def _listed_value(lines: list[str], i: int, body: str) -> tuple[str, str] | None:
    """A label alone on its line with its value listed below it ("Authors:" then one bullet
    per person): (label, the items joined by commas), or None."""
    match = _BARE_LABEL.match(body)
    if not match or len(match.group(1).split()) > 4 or BULLET.match(lines[i]):
        return None
    items = []
    for line in lines[i + 1 : i + 21]:
        if not BULLET.match(line):
            break
        items.append(BULLET.sub("", line, count=1).strip())
    return (match.group(1).strip(), ", ".join(items)) if items else None


def extract_fields(spec: ParsedSpec) -> list[Field]:
    """Key/value facts: front matter, `Key: value` lines (also bold, bulleted, or `·`-joined)
    and two-column tables such as `| Owner | TBD |`."""
    out: list[Field] = []
    for key, value in spec.front_matter.items():
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        at = next(
            (i + 1 for i, t in enumerate(spec.lines[: spec.front_matter_end]) if t.startswith(key)),
            1,
        )
        out.append(Field(str(key), text, at))
    in_fence = False
    lines = comment_free_lines(spec.lines[spec.front_matter_end :])  # prompts are not values
    for n, line in enumerate(lines, start=spec.front_matter_end + 1):
        if FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            continue
        cells = _table_cells(line)
        if cells is not None:
            if len(cells) == 2 and cells[0] and not set(cells[1]) <= set("-: "):
                out.append(Field(cells[0], cells[1], n))
            continue
        body = BULLET.sub("", line, count=1).strip()
        listed = _listed_value(lines, n - spec.front_matter_end - 1, body)
        if listed is not None:
            out.append(Field(listed[0], listed[1], n))
            continue
        for part in _FIELD_SPLIT.split(body):
            match = _FIELD.match(part.strip())
            if match and len(match.group(1).split()) <= 4 and match.group(2).strip():
                out.append(Field(match.group(1).strip(), match.group(2).strip().strip("*_ "), n))
    return out


# --- items and sentences ---------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A unit of content: a bullet, a table row, a gherkin step or a prose sentence."""

    text: str
    start_line: int
    end_line: int


def items_of(body: tuple[tuple[int, str], ...]) -> tuple[Item, ...]:
    """Split a block's body into bullets (with their continuation lines), rows and sentences."""
    units: list[tuple[int, int, str]] = []
    blank = True
    for n, text in body:
        stripped = re.sub(r"^(?:>\s?)+", "", text.strip())  # blockquotes read as prose
        if not stripped:
            blank = True
            continue
        if re.match(r"^\|?[\s:|-]+\|?$", stripped) and "-" in stripped:
            continue  # table separator
        cells = _table_cells(text)
        new_unit = (
            cells is not None
            or BULLET.match(text)
            or FENCE.match(stripped)
            or re.match(r"^(?:Given|When|Then|And|But|Scenario|Rule|Feature)\b", stripped)
            or blank
        )
        blank = False
        if cells is not None:
            stripped = " | ".join(c for c in cells if c)
        if new_unit:
            units.append((n, n, stripped))
        else:
            start, _, prev = units[-1]
            units[-1] = (start, n, f"{prev} {stripped}")
    out: list[Item] = []
    for start, end, text in units:
        # Sentence ends inside quotes ("... Did you mean `x`?") do not end the sentence.
        protected = _QUOTED.sub(lambda m: re.sub(r"(?<=[.!?]) ", "\x00", m.group(0)), text)
        parts = split_sentences(protected) if not BULLET.match(text) else [protected]
        for part in parts:
            part = part.replace("\x00", " ").strip()
            if part and not FENCE.match(part):
                out.append(Item(part, start, end))
    return tuple(out)


# --- lexical signals -------------------------------------------------------------------------

_QUOTED = re.compile(r"\"[^\"\n]{3,}\"|“[^”\n]{3,}”|`[^`\n]+`")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def strip_quotes(text: str) -> str:
    """Text without quoted strings or code spans (messages, examples), which are not claims."""
    return _QUOTED.sub(" ", text)


def short(text: str, limit: int = 90) -> str:
    """A clean excerpt for a message: no list marker or emphasis, cut at a word boundary."""
    clean = re.sub(r"^(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?", "", text.strip())
    clean = re.sub(r"\s+", " ", clean.replace("**", "").replace("__", ""))
    if len(clean) <= limit:
        return clean
    return clean[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def strip_dates(text: str) -> str:
    return DATE.sub(" ", text)


PLACEHOLDER = re.compile(
    r"^\W*(?:tbd|tbc|todo|to ?do|n/?a|none|wip|\?+|-+|—|coming soon|to be (?:added|written|"
    r"defined|decided|determined|confirmed|agreed)|lorem ipsum)\b|^\W*_?(?:describe|explain|add|"
    r"insert|write|fill in|list|summari[sz]e|state)\b[^.]*(?:here|\.\.\.|…)|\[(?:describe|insert|"
    # A bracketed prompt, not a link's text ("[adding CLI support](https://...)" is a link).
    r"add|todo|tbd|placeholder)\b[^\]]*\](?!\()|<(?:describe|insert|add)\b[^>]*>|"
    r"^\W*[\[<{][^\]>}]{2,80}[\]>}]\W*$",
    re.IGNORECASE,
)


def strip_comments(text: str) -> str:
    """Text without HTML comments: a template's guidance, not the author's words."""
    return _COMMENT.sub(" ", text)


def is_placeholder(text: str) -> bool:
    """Empty, TBD/TODO, or unfilled template text ("_Describe the problem here._")."""
    cleaned = strip_comments(text).strip().strip("*_ ")
    return not cleaned or bool(PLACEHOLDER.search(cleaned))


NUMBER = re.compile(
    r"(?<![\w.])[-+]?\$?\d[\d,]*(?:\.\d+)?\s?(?:%|x\b|×|k\b|m\b|ms\b|s\b)?|\b(?:zero|one|two|three|"
    r"four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|half|double|twice|third|quarter)\b",
    re.IGNORECASE,
)
COMPARATOR = register(
    Vocabulary(
        "missing_success_metric",
        "comparator",
        (
            Term(
                "above or below",
                r"\b(?:under|below|above|over)\b",
                "a number on one side of a line is a target",
                "Kiosk boot time stays under 40 seconds.",
            ),
            Term(
                "at least or at most",
                r"\b(?:at least|at most|no more than|no less than)\b",
                "a number as a floor or a ceiling is a target",
                "No more than 3 lockers per depot jam in a month.",
            ),
            Term(
                "than",
                r"\b(?:fewer than|less than|more than|greater than)\b",
                "a number compared with is a target",
                "Fewer than 5 ferry refunds a week go to manual review.",
            ),
            Term(
                "exactly or within",
                r"\b(?:exactly|within|up to)\b",
                "a number as an exact value or a limit",
                "Tram receipts arrive within 90 seconds of the tap.",
            ),
            Term(
                "from to",
                r"\b(?:from\b.{1,40}\bto)\b",
                "a baseline and a target",
                "Depot queue length goes from 12 people to 4.",
            ),
            Term(
                "symbol",
                r"[<>≤≥±]",
                "a comparison written as a symbol",
                "Locker door latency ≤ 300 ms on the harbour units.",
            ),
        ),
        reason="a comparison that turns a number into a target",
    )
)


def has_number(text: str) -> bool:
    return bool(NUMBER.search(strip_dates(strip_quotes(text))))


def words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'-]+", text.lower())


def view_of(ctx: ReviewContext) -> DraftView:
    """The review's view of its draft, built once, so that every check reuses the same blocks."""
    view = ctx.memo.get("view")
    if not isinstance(view, DraftView):
        view = ctx.memo["view"] = DraftView(ctx.spec)
    return view


@dataclass
class DraftView:
    """A parsed draft with its blocks and fields computed once, shared by every check."""

    spec: ParsedSpec

    @cached_property
    def blocks(self) -> list[Block]:
        return split_blocks(self.spec)

    @cached_property
    def fields(self) -> list[Field]:
        return extract_fields(self.spec)

    @cached_property
    def _block_of_line(self) -> dict[int, Block]:
        index: dict[int, Block] = {}
        for block in self.blocks:  # later blocks win, as inline labels split sections
            for line in range(block.start_line, max(block.end_line, block.last_line) + 1):
                index[line] = block
        return index

    def block_at(self, line: int) -> Block | None:
        """The block a line belongs to (its label line or its body)."""
        return self._block_of_line.get(line)

    def of_kind(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if kind in b.kinds]

    @cached_property
    def header_end(self) -> int:
        """The last line of the title and metadata header: where a missing section belongs."""
        end = self.spec.front_matter_end
        for section in self.spec.sections:
            if section.level == 1 or section.level == 0:
                end = max(end, section.start_line)
                for n in range(section.body_start_line, section.end_line + 1):
                    text = self.spec.lines[n - 1].strip() if n - 1 < len(self.spec.lines) else ""
                    if not text:
                        if n > section.body_start_line:
                            break
                        continue
                    if _FIELD.match(BULLET.sub("", text)) or _table_cells(text) is not None:
                        end = n
                    else:
                        break
                break
        return end
