"""Lexical evidence signals: does a sentence report a problem with evidence, or only assert?

Broad vocabularies, not phrases from any dataset: who is affected (users, customers, tickets),
how we know (surveys, interviews, telemetry, quotes), with what size (numbers, percentages), and
what it costs them (slow, manual, broken, lost). An appeal to authority or to competitors, or a
restatement of the feature, carries none of these.
"""

from __future__ import annotations

import re

from assistant.checks.signals import NUMBER, strip_dates
from assistant.checks.vocab import Term, Vocabulary, register

AFFECTED = register(
    Vocabulary(
        "missing_why",
        "who is affected",
        (
            Term(
                "customers and accounts",
                r"\b(?:users?|customers?|clients?|orgs?|organi[sz]ations?|accounts?|tenants?|"
                r"teams?)\b",
                "the people or accounts a number is about",
                "Forty tenants on the legacy plan share one mail relay.",
            ),
            Term(
                "roles",
                r"\b(?:developers?|engineers?|admins?|administrators?|maintainers?|members?|"
                r"people)\b",
                "the people doing the work a number is about",
                "Nine maintainers review every plugin upload by hand.",
            ),
            Term(
                "staff",
                r"\b(?:staff|employees?|operators?|agents?|workers?|clerks?)\b",
                "the people running a service by hand: their time lost is a counted cost",
                "Counter clerks re-key 120 parcel labels a day from the old printer.",
            ),
            Term(
                "buyers and the public",
                r"\b(?:buyers?|prospects?|partners?|merchants?|sellers?|shoppers?|patients?|"
                r"students?|visitors?)\b",
                "the people outside the company a number is about",
                "About 300 merchants reconcile payouts in a spreadsheet.",
            ),
            Term(
                "support load",
                r"\b(?:tickets?|requests?|complaints?|escalations?)\b",
                "counted requests for help are counted pain",
                "The helpdesk logged 85 escalations about invoice rounding.",
            ),
            Term(
                "sales pipeline",
                r"\b(?:deals?|opportunit(?:y|ies)|renewals?)\b",
                "business won or lost is a counted consequence",
                "Two renewals this quarter hinged on audit logging.",
            ),
            Term(
                "usage",
                r"\b(?:signups?|sign-ups?|subscribers?|sessions?|views?|visits?|pageviews?)\b",
                "counted use of the product shows who is affected and how much",
                "Half of the 12,000 weekly sessions end on the pricing page.",
            ),
            Term(
                "operations",
                r"\b(?:incidents?|outages?|pages?|alerts?|failures?|errors?)\b",
                "counted failures say how often the system hurts someone",
                "On-call received 140 alerts from the cache tier last month.",
            ),
            Term(
                "research sample",
                r"\b(?:votes?|respondents?|participants?|interviewees?)\b",
                "the people a research figure was drawn from",
                "Seven of the eleven interviewees mentioned the import wizard.",
            ),
            Term(
                "business metric",
                r"\b(?:revenue|arr|mrr|spend|costs?|churn|retention|activation|conversion|"
                r"adoption|nps|csat)\b",
                "a business figure is data about an effect",
                "Trial activation fell to 18 points after the redesign.",
            ),
            Term(
                "performance",
                r"\b(?:latency|p50|p75|p90|p95|p99|time-to-\w+)\b",
                "a measured speed is data about what users wait for",
                "Search p99 sits at 2.4 seconds on the largest workspaces.",
            ),
            Term(
                "volume",
                r"\b(?:transactions?|orders?|share)\b",
                "counted business volume says how much is at stake",
                "Refunds touch 3,100 orders a week.",
            ),
            Term(
                "reach",
                r"\b(?:questionnaires?|installs?|downloads?|stars?)\b",
                "counted reach of a tool or a research instrument",
                "The extension has 9,000 installs and no offline mode.",
            ),
        ),
        reason="data about someone affected is evidence",
    )
)
SOURCE = register(
    Vocabulary(
        "missing_why",
        "how we know",
        (
            Term(
                "tickets",
                r"\b(?:tickets?)\b",
                "support tickets are a record of the problem",
                "The ticket queue for the sync client doubled in March.",
            ),
            Term(
                "research",
                r"\b(?:survey(?:ed|s)?|interview(?:ed|s)?|usability (?:study|test(?:ing)?|session)|"
                r"user research|research (?:shows|found))\b",
                "user research is a named way of knowing",
                "We surveyed the finance admins of our ten largest accounts.",
            ),
            Term(
                "monitoring",
                r"\b(?:rum\b|real-user monitoring|telemetry|analytics)\b",
                "measurements from the running product",
                "Telemetry puts the median cold start at eight seconds.",
            ),
            Term(
                "data shows",
                r"\b(?:(?:logs?|data|numbers|metrics|dashboards?|calls|interviews|sessions|"
                r"recordings|surveys?|studies|research|analysis|audits?|reviews) (?:show|shows|"
                r"showed|found|reveal\w*|says?|suggests?))\b",
                "the author points at what a named source shows",
                "Gateway logs show one retry storm per deploy.",
            ),
            Term(
                "heard from people",
                r"\b(?:we hear|we(?:'ve| have) heard|told us|tell us)\b",
                "people said it to us",
                "Three store owners told us the label printer setup took them a day.",
            ),
            Term(
                "complaints and scores",
                r"\b(?:complain(?:ed|ts?|s)?|feedback|nps|csat)\b",
                "recorded dissatisfaction",
                "Beta feedback singled out the unreadable diff view.",
            ),
            Term(
                "lost business",
                r"\b(?:churn(?:ed)?|lost (?:deals?|customers?|revenue)|lost-deal|renewals?)\b",
                "business already lost over the problem",
                "We lost revenue from two clinics that needed HL7 import.",
            ),
            Term(
                "incident records",
                r"\b(?:incidents?|inc-\d+|post-?mortems?|audit(?:or)?s?\b|findings?|"
                r"questionnaires?|escalat\w+)\b",
                "a written record of a failure or an audit",
                "The postmortem for the April outage lists the missing lock.",
            ),
            Term(
                "sales research",
                r"\b(?:win/loss|exit interviews?)\b",
                "what buyers said when they chose or left",
                "Win/loss notes from Q2 mention the missing SSO twice.",
            ),
            Term(
                "support volume",
                r"\b(?:support (?:tickets?|requests?|volume|load|queue))\b",
                "a support team's load is measured demand",
                "Support volume on password resets is the highest of any topic.",
            ),
            Term(
                "product analytics",
                r"\b(?:session recordings?|funnel|cohort|a/b test|experiment results?|"
                r"benchmarks? show)\b",
                "measured behaviour of users or of the system",
                "The signup funnel loses a third of visitors at the phone step.",
            ),
            Term(
                "studies",
                r"\b(?:(?:time|field|user|usability|internal|pilot|diary) stud(?:y|ies)|"
                r"stud(?:y|ies) (?:found|show))\b",
                "a named study",
                "A diary study with night nurses found the same gap.",
            ),
            Term(
                "reviews",
                r"\b(?:security reviews?|vendor reviews?|due diligence)\b",
                "a formal review that found it",
                "The bank's vendor review flagged our shared admin password.",
            ),
            Term(
                "people asked for it",
                r"\b(?:(?:customers?|users?|clients?|prospects?|accounts?|buyers?|partners?|"
                r"merchants?|sellers?)\b[^.]{0,30}\b(?:ask(?:ed|ing)? for|request(?:ed|ing)?|"
                r"demand(?:ed|ing)?))\b",
                "named people asking for it is demand shown",
                "Several partners in Lyon have asked for a French invoice layout.",
            ),
        ),
        reason="a named source of evidence",
    )
)
PAIN = register(
    Vocabulary(
        "missing_why",
        "what it costs",
        (
            Term(
                "slow",
                r"\b(?:slow(?:er|ly|ness|s)?)\b",
                "waiting is a cost",
                "Report previews load slowly on hotel wifi.",
            ),
            Term(
                "pain",
                r"\b(?:painful|pain|frustrat\w*|confus\w*)\b",
                "the author says it hurts or confuses someone",
                "Renaming a board is confusing because the old name lingers in links.",
            ),
            Term(
                "waste",
                r"\b(?:wast\w*)\b",
                "time or money spent for nothing",
                "Reviewers waste an hour matching screenshots to tickets.",
            ),
            Term(
                "manual work",
                r"\b(?:by hand|manual(?:ly)?|error-prone|tedious)\b",
                "work a person does that a system could do",
                "Payroll copies the overtime column by hand every Friday.",
            ),
            Term(
                "bloat",
                r"\b(?:bloat(?:ed)?)\b",
                "something larger than it needs to be",
                "The mobile bundle is bloated with three date libraries.",
            ),
            Term(
                "breaks",
                r"\b(?:break(?:s|ing|ages?)?|broke(?:n)?|fail(?:s|ing|ed|ures?)?)\b",
                "something stops working",
                "The nightly backup fails whenever a volume is renamed.",
            ),
            Term(
                "loss",
                r"\b(?:los(?:e|es|ing)|lost)\b",
                "something is lost",
                "Drivers lose their route when the app goes to the background.",
            ),
            Term(
                "stuck",
                r"\b(?:stuck)\b",
                "someone cannot move on",
                "New hires are stuck until IT grants repository access.",
            ),
            Term(
                "expense",
                r"\b(?:expensive|costly|costs? us)\b",
                "it costs money",
                "Keeping both queues alive is costly for the platform group.",
            ),
            Term(
                "risk",
                r"\b(?:risk(?:s|y)?|leak(?:s|ed)?)\b",
                "harm that may happen",
                "Shared tokens in chat threads leak to former contractors.",
            ),
            Term(
                "downtime",
                r"\b(?:outages?|downtime)\b",
                "the service is unavailable",
                "Each schema change means ten minutes of downtime for the kiosk fleet.",
            ),
            Term(
                "workaround",
                r"\b(?:workarounds?|work around)\b",
                "people already route around it",
                "Teams work around the quota by opening a second project.",
            ),
            Term(
                "delay",
                r"\b(?:blocked|delay(?:s|ed)?|hinder\w*)\b",
                "work waits on it",
                "Releases are delayed while legal rereads each changelog.",
            ),
            Term(
                "awkward",
                r"\b(?:cumbersome|non-trivial|awkward)\b",
                "it is harder to do than it should be",
                "Moving a widget between dashboards is cumbersome.",
            ),
            Term(
                "unreliable",
                r"\b(?:brittle|flaky|unreliable|inconsistent)\b",
                "it cannot be counted on",
                "The label printer driver is flaky on the newest tablets.",
            ),
            Term(
                "mistakes",
                r"\b(?:surpris\w*|mistakes?)\b",
                "people get it wrong or are caught out",
                "Cashiers make mistakes when two discounts stack.",
            ),
            Term(
                "abandonment",
                r"\b(?:abandon\w*|drop(?:s|ped)? off|stall(?:s|ed)?)\b",
                "people give up part-way",
                "Applicants abandon the form at the upload step.",
            ),
            Term(
                "timeouts",
                r"\b(?:timed? out|time-?outs?|paged)\b",
                "the system gives up or wakes someone",
                "The quote service timed out twice during the spring sale.",
            ),
            Term(
                "hard",
                r"\b(?:struggl\w*|hard to|difficult|impossible|worse)\b",
                "something is hard or getting harder",
                "It is hard to tell which of the twin printers is offline.",
            ),
            Term(
                "insecure",
                r"\b(?:insecure|vulnerab\w*|breach\w*)\b",
                "a security weakness",
                "The upload endpoint is vulnerable to path traversal.",
            ),
            Term(
                "penalties",
                r"\b(?:penalt\w*|fines?)\b",
                "money owed for getting it wrong",
                "Late filings carry penalties from the tax office.",
            ),
            Term(
                "giving up",
                r"\b(?:giv(?:e|es|ing) up|gave up)\b",
                "people stop trying",
                "Most volunteers gave up on the shift swap form.",
            ),
            Term(
                "one at a time",
                r"\b(?:one by one|one at a time)\b",
                "work repeated per item that could be done at once",
                "Clerks approve the vouchers one by one.",
            ),
            Term(
                "takes long",
                r"\b(?:takes? (?:a |an )?(?:full |whole )?(?:afternoon|day|week|hours?))\b",
                "a stated length of time a task takes",
                "Rebuilding the staging fixtures takes a whole afternoon.",
            ),
            Term(
                "costs an amount",
                r"\b(?:costs? (?:\w+ ){0,3}(?:about |around |roughly |over )?[$€£\d])\b",
                "a stated amount it costs",
                "The idle replica costs roughly $900 each month.",
            ),
            Term(
                "abuse",
                r"\b(?:compromis\w*|fraud\w*|stolen|hijack\w*|taken over|abus\w*|unnoticed)\b",
                "someone misuses the system, or harm goes unseen",
                "Gift card codes were stolen from the reseller portal.",
            ),
            Term(
                "overcharged",
                r"\b(?:overcharg\w*)\b",
                "customers pay more than they should",
                "Annual subscribers were overcharged after the currency switch.",
            ),
            Term(
                "unhappy customers",
                r"\b(?:churn\w*|escalat\w*|complain\w*)\b",
                "customers leave, escalate or complain",
                "Gym owners complain that class bookings double up.",
            ),
            Term(
                "external deadline",
                r"\b(?:gave us until|hard requirement)\b",
                "someone outside imposes it",
                "The card network gave us until June to support the new token format.",
            ),
            Term(
                "largest bill",
                r"\b(?:(?:largest|biggest|highest|fastest-growing) (?:\w+ ){0,2}(?:bills?|costs?|"
                r"expenses?|line items?))\b",
                "the author ranks it among what the company spends most on",
                "Log storage is now our largest cloud bill.",
            ),
        ),
        reason="what the status quo costs someone",
    )
)
# What the status quo costs in money: a sizeable amount next to paying or spending it
# ("we pay $0.004 a lookup, about $197,000 a year", "£310,000 in fees"). A small unit price on
# its own ("Pro is $20 a month") is a price, not a cost.
_MONEY = re.compile(
    r"[$€£]\s?\d{1,3}(?:,\d{3})+|[$€£]\s?\d+(?:\.\d+)?\s?(?:k|m|bn|million|thousand|billion)\b|"
    r"\b\d[\d,.]*\s?(?:k|m|million|thousand)?\s?(?:dollars|euros|pounds|usd|eur|gbp)\b",
    re.IGNORECASE,
)
_SPEND = register(
    Vocabulary(
        "missing_why",
        "spending",
        (
            Term(
                "paying",
                r"\b(?:pay|pays|paid|paying|spend|spends|spent|spending)\b",
                "money going out, next to an amount, is what the status quo costs",
                "We spent $48,000 on contractor hours for the migration.",
            ),
            Term(
                "charges",
                r"\b(?:bills?|billed|fees?|costs?|expenses?|invoiced?)\b",
                "a charge, next to an amount, is what the status quo costs",
                "Card processing fees came to €210,000 last year.",
            ),
        ),
        reason="paying or spending, next to a sizeable amount, is a cost in money",
    )
)


def states_cost(sentence: str) -> bool:
    """Whether a sentence says what something costs in money, in a sizeable amount."""
    return bool(_MONEY.search(sentence) and _SPEND.search(sentence))


# Saying a capability is absent ("you can't X today") restates the feature; it counts for less.
LACK = register(
    Vocabulary(
        "missing_why",
        "absence",
        (
            Term(
                "cannot",
                r"\b(?:can't|cannot|can not|unable|no way to)\b",
                "something cannot be done (weak: it may restate the feature)",
                "Today there is no way to pause a campaign.",
            ),
            Term(
                "there is none",
                r"\b(?:there is no|there's no)\b",
                "something does not exist (weak: it may restate the feature)",
                "There's no audit trail for role changes.",
            ),
            Term(
                "unsupported",
                r"\b(?:doesn't support|does not support|not possible)\b",
                "the product does not do it (weak: it may restate the feature)",
                "The scheduler does not support time zones.",
            ),
            Term(
                "lacks",
                r"\b(?:lacks?|missing)\b",
                "something is absent (weak: it may restate the feature)",
                "The kiosk app lacks a night mode.",
            ),
        ),
        reason="a capability said to be missing (weak: it may restate the feature)",
    )
)
FREQUENT = register(
    Vocabulary(
        "missing_why",
        "recurring",
        (
            Term(
                "keeps happening",
                r"\b(?:frequently|often|regularly|repeatedly|constantly|commonly|routinely|"
                r"increasingly|keep|keeps|every (?:day|week|month|sprint|release|time))\b"
                r"[^.]{0,30}\b(?:ask\w*|request\w*|report\w*|complain\w*|struggl\w*|hit|hits|"
                r"run into|runs into|work around|need to|have to|spend\w*|los(?:e|es|ing)|"
                r"miss\w*|abandon\w*|confus\w*|fail\w*|break\w*|get stuck)\b",
                "a complaint or a failure that recurs, not a one-off",
                "Field technicians regularly run into the offline sync limit.",
            ),
            Term(
                "commonly cited",
                r"\bcommon(?:ly)? (?:cited|requested|reported|complaint|question|request|"
                r"source of)\b",
                "the author says it comes up often",
                "Slow exports are a common complaint from accountants.",
            ),
            Term(
                "most requested",
                r"\b(?:top|most) (?:requested|common|frequent|voted|cited)\b|\bmost-requested\b",
                "it ranks high among requests",
                "Bulk edit is the most requested item on the ideas board.",
            ),
            # Demand counted, not only recurring: "support has logged dozens of complaints about
            # the export button", "many requests for a dark theme".
            Term(
                "counted requests",
                r"\b(?:numerous|many|several|multiple|countless|repeated|dozens of|hundreds of|"
                r"thousands of)\s(?:\w+\s){0,2}(?:requests?|complaints?|reports?|upvotes?|votes?|"
                r"asks|questions)\b",
                "requests counted, not assumed",
                "We have dozens of forum questions about exporting calendars.",
            ),
        ),
        reason="a complaint or request that recurs",
    )
)
AUTHORITY = register(
    Vocabulary(
        "missing_why",
        "mandate",
        (
            Term(
                "leadership asked",
                r"\b(?:leadership|management|execs?|executives?|the board|ceo|cto|cpo|vp|"
                r"higher-?ups|senior leaders?|our boss)\b.{0,40}\b(?:asked|wants?|wanted|"
                r"requested|mandated|decided|said|expects?|would like)",
                "who asked is not why it matters",
                "The CTO wants a quarterly cost dashboard.",
            ),
            Term(
                "competitors have it",
                r"\b(?:competitors?|everyone else|other (?:tools|products|vendors)|rivals?)\b"
                r".{0,30}\b(?:have|has|offer|ship|support)",
                "that others have it is not a problem anyone has",
                "Our rivals already offer a dark theme.",
            ),
            Term(
                "it is time",
                r"\bit'?s time\b|\btable stakes\b",
                "fashion or habit asserted as a reason",
                "Two-factor login is table stakes for a bank.",
            ),
            Term(
                "because we want",
                r"\bbecause we (?:need|want|should)\b",
                "the author's wish restated as its own reason",
                "We add tags because we want richer filtering.",
            ),
            Term(
                "on the roadmap",
                r"\b(?:is|was|it's) on the roadmap\b|\brequested by (?:sales|leadership|"
                r"management|the)\b",
                "a plan or a request from inside is not a problem",
                "Offline mode is on the roadmap for the autumn.",
            ),
            Term(
                "should stop working",
                r"\bshould (?:stop|start) (?:working|existing)\b",
                "a bare assertion of how things should be",
                "The legacy widget should stop working after the migration.",
            ),
        ),
        reason="an appeal to authority or to competitors is not a why",
    )
)
_QUOTE = re.compile(r"[\"“][^\"”\n]{12,}[\"”]")
_ATTRIBUTION = register(
    Vocabulary(
        "missing_why",
        "attribution",
        (
            Term(
                "speech verb",
                r"\b(?:said|says|wrote|writes|told|asked|put it|quote|"
                r"in (?:their|his|her) words)\b",
                "a quote said by someone is a source",
                "As one dispatcher put it, the map is a guess after six.",
            ),
            Term(
                "quote after a colon",
                r":\s*[\"“]",
                "a quote introduced by its speaker",
                'The clinic manager\'s note: "we retype every referral".',
            ),
            Term(
                "quote then its speaker",
                r"[\"”]\s*[—–-]{1,2}\s*\w",
                "a quote followed by who said it",
                '"We reprint every label twice" — warehouse lead, Leeds depot.',
            ),
        ),
        reason="a quote attributed to someone is evidence; unattributed, it is decoration",
    )
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
