"""Vocabularies as data: every term has a reason and an example it fires on; tracing works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.checks.evidence import DEMAND, SYSTEM_PROBLEM
from assistant.checks.vocab import REGISTRY, Term, Vocabulary, alternatives, fired_terms

DATA_VOCABULARIES = [SYSTEM_PROBLEM, DEMAND]
ROOT = Path(__file__).resolve().parents[2]
SHARED_EVALS = ROOT.parent / "shared" / "evals"


def _registered() -> list[Vocabulary]:
    import assistant.review  # noqa: F401  (importing the checks registers their vocabularies)

    return list(REGISTRY.vocabularies)


def _declared_terms() -> list[tuple[str, Term]]:
    return [(v.name, t) for v in _registered() for t in v.terms]


def test_every_declared_term_has_a_reason_and_an_example_it_fires_on() -> None:
    """Every registered vocabulary is declared as data: none is left as vocab.traced() makes
    them (one shared reason, no examples)."""
    for vocabulary in _registered():
        for term in vocabulary.terms:
            where = f"{vocabulary.name}: {term.id}"
            assert term.reason.strip() and term.example.strip(), where
            # Label vocabularies read lower-cased headings and labels (vocab.fired_terms).
            text = term.example.lower() if vocabulary.on_labels else term.example
            assert re.search(term.pattern, text, vocabulary.flags), where
            assert term.id in vocabulary.fired(text), where


def test_no_example_is_taken_from_a_dataset() -> None:
    if not SHARED_EVALS.is_dir():
        pytest.skip(f"{SHARED_EVALS} is absent: the labelled sets to compare examples with")
    examples = {term.example.lower(): f"{name}: {term.id}" for name, term in _declared_terms()}
    folders = [SHARED_EVALS, *sorted((ROOT / "evals").glob("heldout*"))]
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace").lower()
            for example, where in examples.items():
                assert example not in text, f"{where}: example found in {path}"


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
