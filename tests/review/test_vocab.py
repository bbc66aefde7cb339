"""Vocabularies as data: every term has a reason and an example it fires on; tracing works."""

from __future__ import annotations

import pytest

from assistant.checks.evidence import DEMAND, SYSTEM_PROBLEM
from assistant.checks.vocab import REGISTRY, Term, Vocabulary, alternatives, fired_terms

DATA_VOCABULARIES = [SYSTEM_PROBLEM, DEMAND]


@pytest.mark.parametrize("vocabulary", DATA_VOCABULARIES, ids=lambda v: v.name)
def test_every_term_has_a_reason_and_fires_on_its_own_example(vocabulary: Vocabulary) -> None:
    for term in vocabulary.terms:
        assert term.reason and term.example, term.id
        assert term.id in vocabulary.fired(term.example), term.id
        assert vocabulary.search(term.example)


def test_older_vocabularies_are_traced_by_their_alternatives() -> None:
    assert alternatives(r"\b(?:slow|manual(?:ly)?)\b") == [
        r"\b(?:slow)\b",
        r"\b(?:manual(?:ly)?)\b",
    ]
    assert alternatives(r"a|b(c|d)") == ["a", "b(c|d)"]
    names = {v.name for v in REGISTRY.vocabularies}
    assert {"what it costs", "why heading", "system problem"} <= names


def test_fired_terms_reads_labels_for_heading_vocabularies() -> None:
    text = "# Thing\n\n## Motivation\n\nExports are too slow, and admins keep asking for more.\n"
    fired = fired_terms(text)
    assert "why heading: motivation" in fired["missing_why"]
    assert "system problem: excess" in fired["missing_why"]
    own = Vocabulary("x", "own", (Term("t", r"\bzebra\b", "r", "a zebra"),))
    assert fired_terms("no such animal", [own]) == {}
