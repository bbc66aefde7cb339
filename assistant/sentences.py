"""One sentence splitter for the whole engine (review checks, answers, answerability).

A sentence ends at ".", "!" or "?" followed by space and a capital or an opening mark
(`` ` `` `"` `'` `“` `(` `*` `[`): after a full stop a lower-case word is more often an
abbreviation or a version ("e.g. the cache", "v1.2 is out") than a new sentence. A blank line
or the start of a list item also ends one, where the text still has its line breaks. With
`clauses`, a semicolon ends a unit too: a decision's rules are often one clause each ("We use
Postgres; we do not run MySQL.").
"""

from __future__ import annotations

import re

_OPENER = r"(?=[A-Z`\"'“(*\[])"
_SENTENCE_END = re.compile(rf"(?<=[.!?])\s+{_OPENER}")
_CLAUSE_END = re.compile(rf"(?<=[.!?;])\s+{_OPENER}")
_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)")


def split_sentences(text: str, *, clauses: bool = False) -> list[str]:
    """The sentences of `text` (pieces as written, unstripped; empty pieces kept out)."""
    end = _CLAUSE_END if clauses else _SENTENCE_END
    return [piece for block in _BREAK.split(text) for piece in end.split(block) if piece.strip()]
