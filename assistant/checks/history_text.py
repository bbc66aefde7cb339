"""Pure text helpers for the history checks: sentence units with lines, crude stems, negation
scopes, normative rules of a decision record and the went-wrong items of a retrospective."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.markdown import FENCE, ParsedSpec, parse_spec
from assistant.prose import comment_free_lines
from assistant.sentences import split_sentences

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]|\[[ xX]\])\s+")

NEGATORS = frozenset(
    "no not never without none nobody nothing cannot can't don't doesn't isn't aren't "
    "won't wasn't weren't didn't neither nor".split()
)
STOPWORDS = frozenset(
    """a an the and or but if then than so of to in on at by for with from into onto over under
    as is are was were be been being it its this that these those there their they them we our us
    you your he she his her i me my do does did done have has had will would shall should can
    could may might must also only just very more most less least any all every each some such
    other another same both either which who whom whose what when where why how about after
    before during while until up down out off again once here per via etc e g ie eg one two
    three first new use used using get gets make made see need needs needed against through
    within across between because since still already now today""".split()
)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def stem(word: str) -> str:
    """A deliberately crude suffix stripper: enough to match bill/billed/billing."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "edly", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word.rstrip("e") if len(word) > 4 else word


class Stems(dict[str, str]):
    """Stems memoised for one review: a draft's words repeat across its units and views."""

    def __missing__(self, word: str) -> str:
        found = self[word] = stem(word)
        return found


def content_stems(text: str, stems: Stems | None = None) -> list[str]:
    of = stems.__getitem__ if stems is not None else stem
    return [of(t) for t in tokens(text) if t not in STOPWORDS and t not in NEGATORS and len(t) > 1]


_RAW_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")


def common_noun_stems(text: str, stems: Stems | None = None) -> set[str]:
    """Content stems of lowercase words only: what was done, not who (names, teams, products)."""
    of = stems.__getitem__ if stems is not None else stem
    return {
        of(t)
        for t in _RAW_TOKEN.findall(text.replace("’", "'"))
        if t[0].islower() and t not in STOPWORDS and t not in NEGATORS and len(t) > 2
    }


def negated_stems(text: str, window: int = 4, *, stems: Stems | None = None) -> set[str]:
    """Stems within `window` content words after a negator (the scope of a "no"/"never")."""
    of = stems.__getitem__ if stems is not None else stem
    out: set[str] = set()
    left = 0
    for t in tokens(text):
        if t in NEGATORS:
            left = window
            continue
        if left and t not in STOPWORDS:
            out.add(of(t))
            left -= 1
    return out


def has_negation(text: str) -> bool:
    return any(t in NEGATORS for t in tokens(text))


_PROHIBITION = re.compile(
    r"\b(never|must not|mustn't|shall not|may not|cannot|can't|not allowed|not permitted|"
    r"do not|don't|are not|aren't|will not|won't)\b|"
    r"^\W*(no|there (is|are) no|nothing|none)\b",
    re.IGNORECASE,
)
_NOT_A_RULE = re.compile(
    r"\bnot (currently|yet|significantly|insignificantly|necessarily|only|just|always|all|"
    r"sure|clear|known|expected)\b|^\W*(if|when|unless|while|although|as of|until)\b|\?$",
    re.IGNORECASE,
)


def is_prohibition(sentence: str) -> bool:
    """A normative "never / must not / X are not Y" statement (not a hedge or a condition)."""
    return bool(_PROHIBITION.search(sentence)) and not _NOT_A_RULE.search(sentence)


@dataclass(frozen=True)
class Unit:
    """A sentence-sized piece of a draft with its 1-based line span and section title."""

    text: str
    start_line: int
    end_line: int
    section: str


def _blocks(spec: ParsedSpec) -> list[tuple[int, int, str]]:
    """Paragraphs, list items and table rows as (start, end, text).

    Headings, fenced code and block quotes are left out: they are not the author's proposal.
    """
    out: list[tuple[int, int, str]] = []
    start = 0
    buf: list[str] = []
    in_fence = False

    def flush(end: int) -> None:
        nonlocal buf, start
        if buf:
            out.append((start, end, " ".join(s.strip() for s in buf)))
        buf = []

    # A template's prompts (HTML comments) are not the author's proposal either.
    for number, line in enumerate(comment_free_lines(spec.lines), start=1):
        if number <= spec.front_matter_end:
            continue
        stripped = line.strip()
        if FENCE.match(line):
            in_fence = not in_fence
            flush(number - 1)
            continue
        if in_fence or stripped.startswith(">"):
            flush(number - 1)
            continue
        heading = stripped.startswith("#")
        if not stripped or heading or stripped.startswith("|"):
            flush(number - 1)
            if stripped.startswith("|") and not re.match(r"^\|[\s:|-]+\|?$", stripped):
                out.append((number, number, stripped.strip("|").replace("|", " ; ")))
            continue
        if _LIST_ITEM.match(line) and buf:
            flush(number - 1)
        if not buf:
            start = number
        buf.append(_LIST_ITEM.sub("", line) if not buf else line)
    flush(len(spec.lines))
    return out


def draft_units(spec: ParsedSpec, *, sentences: bool = True) -> list[Unit]:
    """Sentences (or whole paragraphs, list items and table rows) with their line spans."""
    units: list[Unit] = []
    for start, end, text in _blocks(spec):
        section = ""
        for s in spec.sections:
            if s.start_line <= start <= s.end_line:
                section = s.title
        if not sentences:
            units.append(Unit(text.strip(), start, end, section))
            continue
        lines = spec.lines[start - 1 : end]
        offset = 0
        for sentence in split_sentences(text, clauses=True):
            first = _line_of(lines, sentence, offset)
            offset = first
            last = _line_of(lines, sentence.split()[-1] if sentence.split() else "", first)
            units.append(Unit(sentence.strip(), start + first, start + max(first, last), section))
    return [u for u in units if u.text]


def _line_of(lines: list[str], sentence: str, from_index: int) -> int:
    probe = sentence.strip()[:24].strip()
    for i in range(from_index, len(lines)):
        if probe and probe in " ".join(lines[i].split()):
            return i
    return from_index


_EXCLUDED_PART = re.compile(
    r"context|background|consequence|pros|cons\b|option|driver|alternative|why|problem|"
    r"follow-?up|didn.t choose|rejected|rationale|considered|positive|negative|good|bad|"
    r"action|status|summary of discussion|what happened|went well|attendees",
    re.IGNORECASE,
)
_DECISION_PART = re.compile(r"decision|outcome|policy|rule|chosen|resolution", re.IGNORECASE)
_PSEUDO_HEADING = re.compile(r"^\s*(?:\*\*([^*]{2,60})\*\*|([A-Z][^.:!?]{1,50}):)\s*$")
_BOLD_LEAD = re.compile(r"^\s*\*\*([^*]{2,40})\*\*")


def _parts(text: str) -> list[tuple[str, str]]:
    """(title, body) pieces: markdown sections, further split at bold or "Title:" lead lines."""
    spec = parse_spec(text)
    parts: list[tuple[str, str]] = []
    for section in spec.sections:
        title, body = section.title, list[str]()
        for line in section.body.split("\n"):
            lead = _PSEUDO_HEADING.match(line) or _BOLD_LEAD.match(line)
            if lead:
                parts.append((title, "\n".join(body)))
                title, body = (lead.group(1) or lead.group(lead.lastindex or 1)), []
                rest = line[lead.end() :].strip()
                if rest:
                    body.append(rest)
                continue
            body.append(line)
        parts.append((title, "\n".join(body)))
    return [(t.strip(), b) for t, b in parts if b.strip()]


def _sentences(body: str) -> list[str]:
    spec = parse_spec(body)
    return [u.text for u in draft_units(spec) if len(tokens(u.text)) >= 3]


def decision_rules(text: str) -> list[str]:
    """Sentences of a decision record's decision part (not its context or options)."""
    parts = _parts(text)
    chosen = [b for t, b in parts if _DECISION_PART.search(t) and not _EXCLUDED_PART.search(t)]
    if not chosen:
        chosen = [b for t, b in parts if not _EXCLUDED_PART.search(t)]
    return [s for body in chosen for s in _sentences(body)]


# "Considered options", "Option 2: Kafka"; not "RePublish Configuration Option" (a setting).
_OPTIONS_PART = re.compile(
    r"considered|(?<!configuration )(?<!config )options?\b|alternative|didn.t choose|"
    r"did not choose|not chosen|rejected|pros and cons",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b|\b[A-Z][a-z]{3,}\b")
_NOT_NAMES = frozenset(
    "Good Bad Chosen Option Options Pros Cons Decision Outcome Consequences Context Neutral "
    "Positive Negative Status Date Deciders None This That These Those With Without Only Also "
    "Some Each Other Both More Less Much Many Most Title Section Information Category".split()
)


_MANDATE = re.compile(r"\b(all|every|only|always|must|canonical|sole|chosen|selected)\b", re.I)
_CHOSEN = re.compile(r"\b(chosen|selected|preferred|accepted|winner)\b", re.IGNORECASE)


def mid_sentence_names(text: str) -> set[str]:
    """Capitalised words that are not sentence or line starts: product and company names."""
    names = set()
    for line in text.split("\n"):
        for m in _NAME_WORD.finditer(line):
            before = line[: m.start()].rstrip()
            list_start = before.strip() in ("*", "-", "+") or bool(
                re.fullmatch(r"\s*\d+[.)]", before)
            )
            sentence_start = not before or before[-1] in ".:;!?#|>\"'("
            camel = bool(re.search(r"[a-z][A-Z]", m.group()))
            if (camel or not sentence_start) and not list_start and m.group() not in _NOT_NAMES:
                names.add(m.group())
            elif camel and list_start:
                names.add(m.group())
    return names


def rejected_options(text: str, rules: list[str] | None = None) -> set[str]:
    """Names a decision record considered and turned down (in its options, not its title);
    `rules`: its `decision_rules`, when the caller has them already."""
    rules = decision_rules(text) if rules is None else rules
    kept = parse_spec(text).title + " " + " ".join(r for r in rules if _MANDATE.search(r))
    names: set[str] = set()
    for part_title, body in _parts(text):
        if _OPTIONS_PART.search(part_title):
            for line in body.split("\n"):
                if _CHOSEN.search(line):
                    kept += " " + line
                else:
                    names |= mid_sentence_names(line)
    # A product name is never written in lowercase; "Subject" or "Source" are ordinary words.
    lower_words = set(re.findall(r"\b[a-z]+\b", text))
    return {
        n
        for n in names
        if n not in kept and not {n.lower(), n.lower() + "s", n.lower() + "es"} & lower_words
    }


_WRONG_PART = re.compile(
    r"went wrong|wrong|badly|problem|issue|what failed|challenge|could have gone better|"
    r"(didn.t|did not|not|less) (go|went) well|not so well",
    re.IGNORECASE,
)
_LESSON_PART = re.compile(r"lesson|learn|takeaway|we will|do differently|next time", re.I)
_SKIP_RETRO_PART = re.compile(r"went well|action|attendee|people|follow-?up", re.IGNORECASE)


@dataclass(frozen=True)
class RetroParts:
    """A retrospective's situation (what was done), went-wrong items and lessons."""

    situation: list[str]
    went_wrong: list[str]
    lessons: list[str]


def retro_parts(text: str) -> RetroParts:
    situation: list[str] = []
    wrong: list[str] = []
    lessons: list[str] = []
    for title, body in _parts(text):
        sentences = _sentences(body)
        if _WRONG_PART.search(title):
            wrong += sentences
        elif _LESSON_PART.search(title):
            lessons += sentences
        elif not _SKIP_RETRO_PART.search(title):
            situation += sentences
    return RetroParts(situation, wrong, lessons)
