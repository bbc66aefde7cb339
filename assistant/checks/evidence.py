"""Lexical evidence signals: does a sentence report a problem with evidence, or only assert?

Broad vocabularies, not phrases from any dataset: who is affected (users, customers, tickets),
how we know (surveys, interviews, telemetry, quotes), with what size (numbers, percentages), and
what it costs them (slow, manual, broken, lost). An appeal to authority or to competitors, or a
restatement of the feature, carries none of these.
"""

from __future__ import annotations

import re

from assistant.checks.signals import NUMBER, strip_dates
from assistant.checks.vocab import Term, Vocabulary, register, traced

AFFECTED = re.compile(
    r"\b(?:users?|customers?|clients?|orgs?|organi[sz]ations?|accounts?|tenants?|teams?|"
    r"developers?|engineers?|admins?|administrators?|maintainers?|members?|people|buyers?|"
    r"prospects?|partners?|merchants?|sellers?|shoppers?|patients?|students?|visitors?|"
    r"tickets?|requests?|complaints?|escalations?|deals?|opportunit(?:y|ies)|renewals?|"
    r"signups?|sign-ups?|subscribers?|sessions?|views?|visits?|pageviews?|incidents?|outages?|"
    r"pages?|alerts?|failures?|errors?|votes?|respondents?|participants?|interviewees?|"
    r"revenue|arr|mrr|spend|costs?|churn|retention|activation|conversion|adoption|nps|csat|"
    r"latency|p50|p75|p90|p95|p99|time-to-\w+|transactions?|orders?|share|"
    r"questionnaires?|installs?|downloads?|stars?)\b",
    re.IGNORECASE,
)
SOURCE = re.compile(
    r"\b(?:tickets?|survey(?:ed|s)?|interview(?:ed|s)?|usability (?:study|test(?:ing)?|session)|"
    r"user research|research (?:shows|found)|rum\b|real-user monitoring|telemetry|analytics|"
    r"(?:logs?|data|numbers|metrics|dashboards?|calls|interviews|sessions|recordings|surveys?|"
    r"studies|research|analysis|audits?|reviews) (?:show|shows|showed|found|reveal\w*|says?|"
    r"suggests?)|"
    r"we hear|we(?:'ve| have) heard|told us|tell us|complain(?:ed|ts?|s)?|feedback|nps|csat|"
    r"churn(?:ed)?|lost (?:deals?|customers?|revenue)|lost-deal|renewals?|incidents?|"
    r"inc-\d+|post-?mortems?|audit(?:or)?s?\b|findings?|questionnaires?|escalat\w+|"
    r"win/loss|exit interviews?|support (?:tickets?|requests?|volume|load|queue)|"
    r"session recordings?|funnel|cohort|a/b test|experiment results?|benchmarks? show|"
    r"(?:time|field|user|usability|internal|pilot|diary) stud(?:y|ies)|"
    r"stud(?:y|ies) (?:found|show)|"
    r"security reviews?|vendor reviews?|due diligence|(?:customers?|users?|clients?|prospects?|"
    r"accounts?|buyers?|partners?|merchants?|sellers?)\b[^.]{0,30}\b(?:ask(?:ed|ing)? for|"
    r"request(?:ed|ing)?|demand(?:ed|ing)?))\b",
    re.IGNORECASE,
)
PAIN = re.compile(
    r"\b(?:slow(?:er|ly|ness|s)?|painful|pain|frustrat\w*|confus\w*|wast\w*|by hand|manual(?:ly)?|"
    r"error-prone|tedious|bloat(?:ed)?|break(?:s|ing|ages?)?|broke(?:n)?|fail(?:s|ing|ed|ures?)?|los(?:e|es|ing)|lost|"
    r"stuck|expensive|costly|costs? us|risk(?:s|y)?|leak(?:s|ed)?|outages?|"
    r"downtime|workarounds?|work around|blocked|delay(?:s|ed)?|hinder\w*|cumbersome|"
    r"non-trivial|awkward|brittle|flaky|unreliable|inconsistent|surpris\w*|mistakes?|"
    r"abandon\w*|drop(?:s|ped)? off|stall(?:s|ed)?|timed? out|time-?outs?|paged|struggl\w*|"
    r"hard to|difficult|impossible|worse|insecure|vulnerab\w*|breach\w*|penalt\w*|fines?|"
    r"giv(?:e|es|ing) up|gave up|one by one|one at a time|takes? (?:a |an )?(?:full |whole )?"
    r"(?:afternoon|day|week|hours?)|costs? (?:\w+ ){0,3}(?:about |around |roughly |over )?[$€£\d]|"
    r"compromis\w*|fraud\w*|stolen|hijack\w*|taken over|abus\w*|unnoticed|"
    r"overcharg\w*|churn\w*|escalat\w*|complain\w*|gave us until|hard requirement|"
    r"(?:largest|biggest|highest|fastest-growing) (?:\w+ ){0,2}(?:bills?|costs?|expenses?|"
    r"line items?))\b",
    re.IGNORECASE,
)
# What the status quo costs in money: a sizeable amount next to paying or spending it
# ("we pay $0.004 a lookup, about $197,000 a year", "£310,000 in fees"). A small unit price on
# its own ("Pro is $20 a month") is a price, not a cost.
_MONEY = re.compile(
    r"[$€£]\s?\d{1,3}(?:,\d{3})+|[$€£]\s?\d+(?:\.\d+)?\s?(?:k|m|bn|million|thousand|billion)\b|"
    r"\b\d[\d,.]*\s?(?:k|m|million|thousand)?\s?(?:dollars|euros|pounds|usd|eur|gbp)\b",
    re.IGNORECASE,
)
_SPEND = re.compile(
    r"\b(?:pay|pays|paid|paying|spend|spends|spent|spending|bills?|billed|fees?|costs?|"
    r"expenses?|invoiced?)\b",
    re.IGNORECASE,
)


def states_cost(sentence: str) -> bool:
    """Whether a sentence says what something costs in money, in a sizeable amount."""
    return bool(_MONEY.search(sentence) and _SPEND.search(sentence))


# Saying a capability is absent ("you can't X today") restates the feature; it counts for less.
LACK = re.compile(
    r"\b(?:can't|cannot|can not|unable|no way to|there is no|there's no|doesn't support|"
    r"does not support|not possible|lacks?|missing)\b",
    re.IGNORECASE,
)
FREQUENT = re.compile(
    r"\b(?:frequently|often|regularly|repeatedly|constantly|commonly|routinely|increasingly|"
    r"keep|keeps|every (?:day|week|month|sprint|release|time))\b[^.]{0,30}\b(?:ask\w*|request\w*|"
    r"report\w*|complain\w*|struggl\w*|hit|hits|run into|runs into|work around|need to|have to|"
    r"spend\w*|los(?:e|es|ing)|miss\w*|abandon\w*|confus\w*|fail\w*|break\w*|get stuck)\b|"
    r"\bcommon(?:ly)? (?:cited|requested|reported|complaint|question|request|source of)\b|"
    r"\b(?:top|most) (?:requested|common|frequent|voted|cited)\b|\bmost-requested\b|"
    # Demand counted, not only recurring: "support has logged dozens of complaints about the
    # export button", "many requests for a dark theme".
    r"\b(?:numerous|many|several|multiple|countless|repeated|dozens of|hundreds of|"
    r"thousands of)\s(?:\w+\s){0,2}(?:requests?|complaints?|reports?|upvotes?|votes?|asks|"
    r"questions)\b",
    re.IGNORECASE,
)
AUTHORITY = re.compile(
    r"\b(?:leadership|management|execs?|executives?|the board|ceo|cto|cpo|vp|"
    r"higher-?ups|senior leaders?|our boss)\b.{0,40}\b(?:asked|wants?|wanted|requested|"
    r"mandated|decided|said|expects?|would like)|\b(?:competitors?|everyone else|"
    r"other (?:tools|products|vendors)|rivals?)\b.{0,30}\b(?:have|has|offer|ship|support)|"
    r"\bit'?s time\b|\btable stakes\b|\bbecause we (?:need|want|should)\b|"
    r"\b(?:is|was|it's) on the roadmap\b|\brequested by (?:sales|leadership|management|the)\b|"
    r"\bshould (?:stop|start) (?:working|existing)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[\"“][^\"”\n]{12,}[\"”]")
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|wrote|writes|told|asked|put it|quote|in (?:their|his|her) words)\b|"
    r":\s*[\"“]|[\"”]\s*[—–-]{1,2}\s*\w",
    re.IGNORECASE,
)
_COUNT = r"(?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty)"
_PROPORTION = re.compile(
    rf"\b{_COUNT}\s+(?:out\s+)?of\s+(?:the\s+|our\s+|all\s+)?{_COUNT}\b", re.IGNORECASE
)
_PERCENT = re.compile(r"\d\s?%|\bpercent\b|\d\s?(?:x|×)\b", re.IGNORECASE)


# What is wrong with a system rather than with a user's day: cost, performance, reliability,
# security and maintenance problems are problems too (LABELS.md).
SYSTEM_PROBLEM = register(
    Vocabulary(
        "missing_why",
        "system problem",
        (
            Term(
                "names a fault",
                r"\b(?:problems?|issues?|limitations?|bottlenecks?|pitfalls?|shortcomings?|"
                r"drawbacks?)\b",
                "the author names something wrong with how things are",
                "The main limitation is that exports run one at a time.",
            ),
            Term(
                "failure",
                r"\b(?:incidents?|crash(?:es|ed|ing)?|bugs?|regressions?|leaks?)\b",
                "a failure that already happens",
                "The importer crashes on files over 2 GB.",
            ),
            Term(
                "cost of upkeep",
                r"\b(?:overhead|burden\w*|toil|friction|bloat\w*|inefficien\w*)\b",
                "work or resources the status quo wastes",
                "Keeping two copies of the schema is a maintenance burden.",
            ),
            Term(
                "capacity",
                r"\b(?:contention|starv\w*|out of (?:memory|disk|sync|date)|"
                r"(?:memory|disk|cpu) (?:pressure|usage|limits?))\b",
                "a resource runs short",
                "Nightly jobs starve the API of database connections.",
            ),
            Term(
                "tangle",
                r"\b(?:complex(?:ity)?|duplicat\w*|pollut\w*)\b",
                "the system is harder to change or read than it needs to be",
                "Every service duplicates the retry logic.",
            ),
            Term(
                "cannot",
                r"\b(?:unable|cannot|can't|impossible|insufficient|only (?:partially|partly)|"
                r"not (?:scale|scalable|supported|possible|enough|sufficient)|"
                r"does(?:n't| not) scale)\b",
                "something needed cannot be done today",
                "Operators cannot rotate keys without downtime.",
            ),
            Term(
                "excess",
                r"\btoo (?:slow|many|much|few|long|large|big|expensive|hard|complex)\b",
                "a quantity past what works",
                "Cold starts are too slow for interactive use.",
            ),
            Term(
                "suffers from a lack",
                r"\b(?:suffer\w*|(?:the |a )?lack of)\b",
                "the author says what is missing and that it hurts",
                "The CLI suffers from a lack of progress output on long runs.",
            ),
        ),
    )
)

# Demand shown, not asserted: people asking for it, trying and failing to do it, or the change
# named as the means to an end.
DEMAND = register(
    Vocabulary(
        "missing_why",
        "demand",
        (
            Term(
                "many requests",
                r"\b(?:numerous|many|several|frequent|repeated|multiple|countless|a lot of|"
                r"lots of)\s+(?:\w+\s+)?(?:requests?|asks|complaints|reports|votes|upvotes|"
                r"suggestions)\b",
                "demand counted, not assumed",
                "Since the billing export shipped we have had many requests to schedule it.",
            ),
            Term(
                "people keep trying",
                r"\b(?:users?|customers?|people|developers?|admins?|operators?|teams?)\s+"
                r"(?:\w+\s+){0,2}(?:have been|are|keep|kept)\s+(?:asking|attempting|trying|"
                r"requesting|struggling|working around)\b",
                "people already try to do it without the feature",
                "Admins keep working around the limit by creating second accounts.",
            ),
            Term(
                "the reason for it",
                r"\b(?:primary|main|key|chief) (?:driver|motivation|reason|goal|purpose)\b",
                "the author states the end the change serves",
                "The main reason for this change is to let us test the parser in isolation.",
            ),
        ),
    )
)


def states_problem(sentence: str) -> bool:
    """Whether a sentence says something is wrong today, for users, the business or a system,
    or shows demand for the change (DEMAND)."""
    text = strip_dates(sentence)
    if AUTHORITY.search(text):
        return False
    return names_problem(sentence) or bool(SYSTEM_PROBLEM.search(text) or DEMAND.search(text))


def is_consequence(sentence: str) -> bool:
    """Whether a sentence says what the status quo costs someone (not only that X is absent)."""
    return bool(PAIN.search(strip_dates(sentence))) and not AUTHORITY.search(sentence)


def names_problem(sentence: str) -> bool:
    """Whether a sentence carries a problem signal (a source, a quote, a recurring complaint or
    a consequence), not only a quantity: "we process 40,000 payments a day" describes scale."""
    text = strip_dates(sentence)
    if AUTHORITY.search(text):
        return False
    quoted = _QUOTE.search(sentence) and _ATTRIBUTION.search(sentence)
    return bool(
        SOURCE.search(text)
        or quoted
        or FREQUENT.search(text)
        or PAIN.search(text)
        or states_cost(text)
    )


def evidence_score(sentence: str) -> tuple[float, bool]:
    """(score, strong): strong evidence is data about someone affected, a named source, a
    customer quote or a recurring complaint; consequence language alone adds a little."""
    text = strip_dates(sentence)
    strong = False
    score = 0.0
    numbers = NUMBER.findall(text)
    real_numbers = [n for n in numbers if n.strip().lower() not in ("one", "quarter", "third")]
    if (
        _PERCENT.search(text)
        or _PROPORTION.search(text)
        or (real_numbers and AFFECTED.search(text))
        or states_cost(text)
    ):
        score += 1.0
        strong = True
    if SOURCE.search(text):
        score += 1.0
        strong = True
    if _QUOTE.search(sentence) and _ATTRIBUTION.search(sentence):
        score += 1.0
        strong = True
    if FREQUENT.search(text):
        score += 1.0
        strong = True
    if PAIN.search(text):
        score += 0.5
    elif LACK.search(text):
        score += 0.25
    if AUTHORITY.search(text):
        score = min(score, 0.25)
        strong = False
    return score, strong


# The older vocabularies of this module, traced term by term (vocab.traced).
for _name, _pattern, _reason in (
    ("who is affected", AFFECTED, "data about someone affected is evidence"),
    ("how we know", SOURCE, "a named source of evidence"),
    ("what it costs", PAIN, "what the status quo costs someone"),
    ("absence", LACK, "a capability said to be missing (weak: it may restate the feature)"),
    ("recurring", FREQUENT, "a complaint or request that recurs"),
    ("mandate", AUTHORITY, "an appeal to authority or to competitors is not a why"),
):
    traced("missing_why", _name, _pattern, _reason)
