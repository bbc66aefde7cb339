"""British → American spelling, so "licence" finds "license" and "behaviour" finds "behavior".

Team writing mixes both (a UK colleague asks about an upstream record written in US English),
and the Snowball stemmer keeps them apart ("licenc" vs "licens"). The keyword index and its
queries both go through this mapping. Because both sides are mapped the same way, a rule that
also rewrites an unrelated word ("promise" → "promize") is harmless unless it makes two real
words collide, and the rules are chosen so that they do not.
"""

from __future__ import annotations

import re

# Irregular words, with their plural/verb forms handled by the suffix loop below.
_WORDS = {
    "licence": "license",
    "defence": "defense",
    "offence": "offense",
    "pretence": "pretense",
    "centre": "center",
    "metre": "meter",
    "litre": "liter",
    "fibre": "fiber",
    "theatre": "theater",
    "calibre": "caliber",
    "catalogue": "catalog",
    "analogue": "analog",
    "programme": "program",
    "grey": "gray",
    "aluminium": "aluminum",
    "enrol": "enroll",
    "fulfil": "fulfill",
    "instalment": "installment",
    "judgement": "judgment",
    "acknowledgement": "acknowledgment",
}
_ENDINGS = ("", "s", "d", "es", "ed", "ing", "r", "rs", "ly")
# -our → -or needs two letters before it, so "hour", "four", "your", "tour" stay as they are.
_OUR = re.compile(r"^([a-z]{2,})our(s|ed|ing|ite|ites|able|ably|er|ers|ful|less)?$")
# organise/organisation/organising → -ize; analyse/paralyse → -yze.
_ISE = re.compile(r"^([a-z]{3,})is(e|es|ed|ing|ation|ations|er|ers)$")
_YSE = re.compile(r"^([a-z]{3,})ys(e|es|ed|ing|er|ers)$")
# Words that end like the rules above but are spelled the same on both sides.
_KEEP = frozenset(
    """contour detour devour flour glamour paramour troubadour
    promise premise exercise advertise compromise surprise enterprise expertise franchise
    merchandise revise supervise televise devise comprise concise precise paradise noise raise
    praise cruise bruise wise otherwise likewise clockwise advise despise disguise excise
    incise arise rise poise treatise chastise circumcise improvise reprise demise apprise
    """.split()
)


def _irregular(word: str) -> str | None:
    """The American spelling of an irregular word with its ending, or None."""
    for ending in _ENDINGS:
        if ending and not word.endswith(ending):
            continue
        head = word[: len(word) - len(ending)]
        if head in _WORDS:
            target = _WORDS[head]
            if ending[:1] in ("d", "r") and not target.endswith("e"):
                ending = "e" + ending  # centred → centered, fibres stay fibers
            return target + ending
        # "licencing", "centred": the final e drops before -ing / -ed.
        if ending in ("ing", "ed") and head + "e" in _WORDS and _WORDS[head + "e"].endswith("e"):
            return _WORDS[head + "e"][:-1] + ending
    return None


# Every irregular form, computed once: a word that is not a head of _WORDS with one of
# _ENDINGS (or an e-dropping -ing/-ed of one) has no irregular spelling.
_IRREGULAR = {
    word: spelled
    for word in {head + ending for head in _WORDS for ending in _ENDINGS}
    | {head[:-1] + ending for head in _WORDS if head.endswith("e") for ending in ("ing", "ed")}
    if (spelled := _irregular(word)) is not None
}


def american(word: str) -> str:
    """The American spelling of a lower-case word (the word itself when it has none)."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if "our" not in word and "is" not in word and "ys" not in word:
        return word  # none of the rules below can apply
    base_word = re.sub(r"(s|es|ed|ing|ation|ations|er|ers|ite|ites|able|ably|ful|less)$", "", word)
    if word in _KEEP or base_word in _KEEP or base_word + "e" in _KEEP:
        return word
    if m := _OUR.match(word):
        return f"{m.group(1)}or{m.group(2) or ''}"
    if m := _ISE.match(word):
        return f"{m.group(1)}iz{m.group(2)}"
    if m := _YSE.match(word):
        return f"{m.group(1)}yz{m.group(2)}"
    return word
