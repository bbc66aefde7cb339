"""British and American spellings meet in keyword search (both sides are mapped the same way)."""

from __future__ import annotations

import pytest

from assistant.bm25 import KeywordIndex
from assistant.models import Chunk
from assistant.spelling import american


def chunk(doc_id: str, text: str) -> Chunk:
    return Chunk(
        id=f"{doc_id}#0",
        doc_id=doc_id,
        text=text,
        start_line=1,
        end_line=1,
        kind="decision",
        title=doc_id,
    )


@pytest.mark.parametrize(
    ("british", "us"),
    [
        ("licence", "license"),
        ("licences", "licenses"),
        ("licencing", "licensing"),
        ("behaviour", "behavior"),
        ("favourite", "favorite"),
        ("organisation", "organization"),
        ("analysed", "analyzed"),
        ("centred", "centered"),
        ("catalogue", "catalog"),
        ("programmes", "programs"),
    ],
)
def test_british_spellings_map_to_american(british: str, us: str) -> None:
    assert american(british) == us
    assert american(us) == us


@pytest.mark.parametrize("word", ["hour", "four", "your", "tour", "promise", "exercise", "rise"])
def test_words_that_only_look_british_are_left_alone(word: str) -> None:
    assert american(word) == word


def test_a_british_question_finds_the_american_record() -> None:
    index = KeywordIndex(
        [
            chunk("licensing", "The project is dual-licensed under MIT or CC0; license choice."),
            chunk("colors", "Terminal output uses sixteen colors."),
        ]
    )
    scores = index.scores("Which licence terms apply?")
    assert scores[0] > 0 and scores[1] == 0
    assert index.scores("what colour is the output")[1] > 0
