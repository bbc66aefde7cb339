"""Answerability: does the leading record answer the question asked, or is it only on topic?

An unanswerable question usually still finds a record on its topic (asked why a proposal was
dropped, the proposal itself ranks first). What it lacks is the part that answers: the name
asked about, the reason asked for, the premise the question takes for granted. Each check
below looks for that part in the record and, where it is missing, says what is missing:

- names: the question's names (capitalised words, identifiers) that the record never uses.
  A question about a tool the record never names is about some other record (asked why a
  team chose Vault, found the record that chose a secrets manager without naming one).
- premise: a question asking why something happened must match what the record says
  happened. "Why did they adopt X" against a record marked rejected or withdrawn asks about
  a decision that was never taken; "why was X dropped" needs a record that says X was dropped
  and gives a reason near where it says so, not a bare status line.
- kind: the question's type needs its kind of evidence in the passage: a when needs a date
  or release, a how-many a number.

`check` returns the problems found (empty when the record can answer); the asker lowers its
confidence for each and names them in a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from assistant.bm25 import FUNCTION_WORDS, has_word, plain_words, tokenize
from assistant.sentences import split_sentences

# Question kinds, from how the question is phrased (first match wins).
_WHY = re.compile(
    r"^\s*(why|how come)\b|\bwhy\b|\bwhat (made|drove|motivated|swayed|prompted|led)\b"
    r"|\b(reason|reasoning|rationale)\b",
    re.IGNORECASE,
)
_COUNT = re.compile(
    r"\bhow (many|much)\b|\bwhat (number|limit|ceiling|cap|maximum|minimum|quota)\b"
    r"|\bwhat \w+ (limit|ceiling|cap|maximum|minimum|quota)\b",
    re.IGNORECASE,
)
_WHEN = re.compile(r"^\s*when\b|\bin which (\w+ )?(release|version|year)\b", re.IGNORECASE)
_MAIN_AFTER_WHEN = re.compile(
    r"^\s*when\b[^?]*?,\s*((?:who|what|which|why|how|where|did|does|do|is|was|were)\b.*)$",
    re.IGNORECASE | re.DOTALL,
)

# Giving something up: withdrawn, dropped, abandoned, deprecated, removed, pulled... The verbs
# people use for "we stopped doing X" (e.g. "why was the v1 API retired?", "why did we shelve
# the mobile app?"), in both the question and the record.
ABANDON = re.compile(
    r"\b(withdr[ae]wn?|withdraw\w*|drop(s|ped|ping)?|abandon\w*|deprecat\w*|remov\w*|"
    r"retir\w*|reject\w*|revert\w*|defer\w*|parked|shelv\w*|scrap(ped|s)?|cancel\w*|"
    r"discontinu\w*|sunset\w*|demot\w*|pull(ed|s|ing)? (out|from|back)|pulled|"
    r"g[ai]ve up|giving up|given up|t[ao]ken? out|took out|strip(ped|s)?|no longer)\b",
    re.IGNORECASE,
)
# Taking something up (e.g. "why did we move to Kafka?", "why pick Vault?").
ADOPT = re.compile(
    r"\bwhy (did|do|does|has|have|was|were) [^?]*?\b(move|moved|switch|switched|choose|chose|"
    r"pick|picked|adopt|adopted|standardi[sz]e|settle|go with|went with|migrate|migrated|"
    r"introduce|introduced|add|added|make|made|start|started)\b",
    re.IGNORECASE,
)
# The option a question says was taken, and the one it says was left: "move from A back to B",
# "choose B over A", "B rather than A", "B instead of A" (e.g. "why did we go from Vault back
# to plain secrets?", "why pick gRPC over REST?").
_FROM_TO = re.compile(r"\bfrom (?P<left>[^?,]+?) (back )?(on)?to (?P<taken>[^?,]+)", re.IGNORECASE)
_OVER = re.compile(
    r"\b(move|moved|switch|switched|choose|chose|pick|picked|adopt|adopted|settle on|go with|"
    r"went with|use|used|prefer|preferred) (?P<taken>[^?,]+?) "
    r"(over|rather than|instead of) (?P<left>[^?,]+)",
    re.IGNORECASE,
)
# Record statuses that say a proposal was not (or is no longer) carried out.
_NOT_TAKEN = re.compile(
    r"\b(rejected|withdrawn|declined|abandoned|deferred|deprecated|removed)\b", re.IGNORECASE
)
# Finishing something ("when did the rollout complete?", "when was it shipped?"), and record
# statuses that say it has not happened yet.
_DONE = re.compile(
    r"\b(finish\w*|complet\w*|done|ship(ped)?|launch(ed)?|roll(ed)? out|went live|go live|"
    r"graduat\w*|reach(ed)? (ga|general availability|stable)|went (ga|stable))\b",
    re.IGNORECASE,
)
# Asking how something turned out ("what did they finally pick?", "did they end up ...?").
_SETTLED = re.compile(r"\b(finally|end(ed)? up|in the end|ultimately|settle[ds]?)\b", re.I)
_NOT_YET = re.compile(
    r"\b(proposed|provisional|draft|incomplete|under (discussion|review)|on hold)\b", re.I
)
# Words that state a reason or a cause (e.g. "withdrawn because the API proved unsafe",
# "dropped after the trial showed no gain", "the main objection was cost").
REASON = re.compile(
    r"\b(because|since|due to|as a result|so that|in order to|objections?|concerns?|problems?|"
    r"issues?|burden|risks?|costs?|lack\w*|cannot|can't|unable|too|not enough|insufficient|"
    r"instead|in favou?r of|replaced|superseded|until|after|given|therefore|thus|means|"
    r"proved|turned out|found|rather than|prefer\w*|motivation|reasons?|led to|caused?|"
    r"outcome|result(ed|s)?|could not|couldn't|did not|didn't|so)\b",
    re.IGNORECASE,
)
# The record as the subject of a sentence ("This RFC was withdrawn", "The proposal is parked").
_SELF = re.compile(
    r"\b(this|the) (kep|rfc|adr|proposal|enhancement|feature|plan|effort|record)\b"
    r"|\bthis (design|decision|document|work|change|api)\b|^\W*(feature|kep|rfc|proposal)\b",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s*#{1,6}\s")
# A date or release: a year (2019, 2019-05-01), a version (v1.27), a numeric date (5/1/2019),
# or a month beside a number ("May 2019", "3rd of March"). A month name alone is not one:
# "may" and "march" are also a verb, and read as months they matched nearly every passage.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE = re.compile(
    r"\b(?:19|20)\d\d(?:-\d\d(?:-\d\d)?)?\b|\bv?\d+\.\d+(?:\.\d+)?\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
    rf"\b{_MONTH}\.?\s+\d{{1,4}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b",
    re.IGNORECASE,
)
# A count: digits not part of a date, version or identifier ("3 controllers", "up to 40"),
# or a number word.
_NUMBER = re.compile(
    r"(?<![\w.:/-])\d+(?![\w.:/-]*\d)(?!-\d)|\b(two|three|four|five|six|seven|eight|nine|ten|"
    r"dozen|hundred|thousand)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")

# A name: a capitalised word, or an identifier with digits, underscores, dots or slashes.
_NAME = re.compile(r"[A-Za-z~][A-Za-z0-9_\-./~]*")
# Calendar words are capitalised but name nothing a record must repeat ("in March 2026").
_CALENDAR = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
_MIN_NAME = 4  # shorter capitalised words are mostly acronyms a record may spell out (CI, IP)


class Problem(BaseModel):
    """Something the question needs that the record lacks, in words."""

    check: str  # "names", "premise", "kind"
    detail: str


def question_kind(question: str) -> str:
    """why, count, when or other, from the question's phrasing. A question that opens with a
    when-clause and asks its own question after the comma ("When we chose X, who ran the
    trial?") is of the kind of that main question."""
    main = _MAIN_AFTER_WHEN.match(question)
    if main:
        return question_kind(main.group(1))
    if _WHY.search(question):
        return "why"
    if _COUNT.search(question):
        return "count"
    if _WHEN.search(question):
        return "when"
    return "other"


def question_names(
    question: str, stop: frozenset[str] = frozenset(), *, first: bool = False
) -> list[str]:
    """Names in the question: capitalised words past the first (from the first with
    `first`, for a phrase cut out of a question), and identifiers (`max_concurrency`,
    `x86_64`); calendar words and short acronyms left out."""
    out = []
    for i, raw in enumerate(_NAME.findall(question)):
        word = raw.strip(".-/~")
        lower = word.lower()
        if (i == 0 and not first) or len(word) < _MIN_NAME:
            continue
        if lower in FUNCTION_WORDS | _CALENDAR | stop:
            continue
        if word[0].isupper() or any(c.isdigit() or c in "_./" for c in word[1:]):
            out.append(word)
    return list(dict.fromkeys(out))


def missing_names(question: str, words: set[str], stop: frozenset[str] = frozenset()) -> list[str]:
    """The question's names a record's plain words (`bm25.plain_words`) lack. A name is matched
    as a word, not by its stem ("Fastly" is not "fast"). It also counts as present when it is
    written together with its neighbour ("Cloud Foundry" / "CloudFoundry")."""
    found = _NAME.findall(question)
    missing = []
    for name in question_names(question, stop):
        parts = plain_words(name.split("-")[0])
        if not parts or all(has_word(w, words) for w in parts):
            continue
        at = next((i for i, w in enumerate(found) if w.strip(".-/~") == name), -1)
        joined = [found[j] + found[j + 1] for j in (at - 1, at) if 0 <= j < len(found) - 1]
        if any(all(has_word(w, words) for w in plain_words(j)) for j in joined):
            continue
        missing.append(name)
    return missing


def sentences(text: str) -> list[str]:
    """A passage cut into sentences and list items (rough: for the checks, not for quoting)."""
    return [s.strip() for s in split_sentences(text)]


def _gives_up_itself(sentence: str) -> bool:
    """Whether a sentence says the record itself was given up: a heading ("## Withdrawn") or
    the record as the subject ("This KEP is now withdrawn", "Feature has been deferred")."""
    if not ABANDON.search(sentence):
        return False
    return bool(_HEADING.match(sentence) or _SELF.search(sentence))


def _reason_for_giving_up(text: str) -> bool:
    """Whether the record says it was given up and gives a reason in that sentence or the
    two after it."""
    parts = sentences(text)
    for i, sentence in enumerate(parts):
        if not _gives_up_itself(sentence):
            continue
        window = [] if _HEADING.match(sentence) else [sentence]
        for after in parts[i + 1 : i + 3]:
            if _HEADING.match(after):
                break  # the next section is about something else
            window.append(after)
        if any(REASON.search(s) for s in window):
            return True
    return False


def _other_option_taken(question: str, title: str, stop: frozenset[str]) -> tuple[str, str] | None:
    """(taken, left) when the question says `taken` was chosen over `left` but the record's
    title names `left` and not `taken`: the record took the other option."""
    match = _FROM_TO.search(question) or _OVER.search(question)
    if match is None:
        return None
    title_terms = set(tokenize(title))
    taken = question_names(match["taken"], stop, first=True)
    left = question_names(match["left"], stop, first=True)
    if not taken or not left:
        return None
    named = [n for n in left if set(tokenize(n)) <= title_terms]
    if named and not any(set(tokenize(n)) & title_terms for n in taken):
        return taken[0], named[0]
    return None


def _counts(question: str, passages: Sequence[str], stop: frozenset[str]) -> bool:
    """Whether a sentence of the best passages gives a number together with what the question
    counts: half of the content words of its how-many clause (e.g. "how many replicas did
    each service get?" needs a sentence like "each service runs 3 replicas")."""
    match = _COUNT.search(question)
    clause = re.split(r",|\band\b|\?", question[match.start() :])[0] if match else question
    terms = {t for t in tokenize(clause) if t not in stop}
    need = max(1, len(terms) // 2)
    for passage in passages[:3]:
        for sentence in sentences(passage):
            numbers = [m.group(0) for m in _NUMBER.finditer(sentence)]
            if not [n for n in numbers if not _YEAR.match(n)]:
                continue
            if len(terms & set(tokenize(sentence))) >= need:
                return True
    return False


def check(
    question: str,
    *,
    title: str,
    status: str | None,
    words: set[str],
    passages: Sequence[str],
    record_text: str,
    stop: frozenset[str] = frozenset(),
) -> list[Problem]:
    """What the leading record lacks to answer the question.

    `words`: the record's plain words (`bm25.plain_words`, not stemmed); `passages`: its
    passages retrieved for the question, best first; `record_text`: its whole text without
    page scaffolding (for the premise checks)."""
    problems: list[Problem] = []
    absent = missing_names(question, words, stop)
    if absent:
        detail = f"the record never mentions {', '.join(absent)}"
        problems.append(Problem(check="names", detail=detail))
    kind = question_kind(question)
    state = status or ""
    given_up = _NOT_TAKEN.search(state) or _NOT_TAKEN.search(title)
    if kind == "why" and ABANDON.search(question) and given_up and not ABANDON.search(title):
        if not _reason_for_giving_up(record_text):
            problems.append(
                Problem(
                    check="premise",
                    detail=f"the question asks why it was given up; the record is marked "
                    f"{state or 'so'} but gives no reason",
                )
            )
    elif ADOPT.search(question) and given_up and not ABANDON.search(question):
        problems.append(
            Problem(
                check="premise",
                detail=f"the question takes a decision for granted, but the record is {state}",
            )
        )
    elif ADOPT.search(question):
        contrary = _other_option_taken(question, title, stop)
        if contrary:
            problems.append(
                Problem(
                    check="premise",
                    detail=f"the question says {contrary[0]} was chosen, but the record's "
                    f"title names {contrary[1]}",
                )
            )
    asks_outcome = (kind == "when" and _DONE.search(question)) or _SETTLED.search(question)
    if asks_outcome and _NOT_YET.search(state):
        # "When did the migration finish?", "What did they settle on?" asked of a record that is
        # still only proposed: the outcome asked for does not exist in it, whatever its
        # passages say about the plan.
        problems.append(
            Problem(
                check="premise",
                detail=f"the question takes for granted that it was settled; the record is {state}",
            )
        )
    if kind == "count" and not _counts(question, passages, stop):
        problems.append(Problem(check="kind", detail="no passage gives the number asked for"))
    # Any passage retrieved for the question may carry the date (a history section often ranks
    # below the summary that names the subject).
    if kind == "when" and not any(DATE.search(p) for p in passages):
        problems.append(Problem(check="kind", detail="no passage gives a date or release"))
    return problems
