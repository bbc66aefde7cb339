"""Chunking: heading paths, exact line spans, size bound, coverage, stable ids."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.embed import count_minilm_tokens
from assistant.models import Document
from index.chunk import chunk_document, embedding_texts


def words(texts: Sequence[str]) -> list[int]:
    """A cheap additive counter for property tests: whitespace-separated words."""
    return [len(t.split()) for t in texts]


def _doc(text: str, doc_id: str = "D-1") -> Document:
    return Document(id=doc_id, kind="spec", title="T", path="t.md", text=text, status="draft")


SPEC = """---
title: T
---
# Checkout

Intro line.

## Motivation

Why one.
Why two.

### Goals

- fast

## Design

""" + "\n\n".join(f"Paragraph {n} " + "word " * 30 for n in range(8))


def test_chunks_keep_heading_path_lines_and_metadata() -> None:
    chunks = chunk_document(_doc(SPEC), max_tokens=80, count=words)
    lines = SPEC.split("\n")
    assert [c.id for c in chunks] == [f"D-1#{n}" for n in range(len(chunks))]
    for chunk in chunks:
        assert chunk.text == "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
        assert words([chunk.text])[0] <= 80
        assert (chunk.kind, chunk.status, chunk.path, chunk.title) == ("spec", "draft", "t.md", "T")
    assert chunks[0].start_line == 4  # the front matter is metadata, not a chunk
    motivation = next(c for c in chunks if "Why one." in c.text)
    # Small neighbours merge; the chunk keeps the headings they share.
    assert motivation.heading_path == ["Checkout"]
    assert "Intro line." in motivation.text and "- fast" in motivation.text
    design = [c for c in chunks if c.heading_path == ["Checkout", "Design"]]
    assert len(design) >= 3  # a long section is split at paragraph breaks
    assert all(c.text.split("\n")[0].startswith(("## Design", "Paragraph")) for c in design)


def test_an_overlong_line_is_split_into_pieces_of_that_line() -> None:
    line = " ".join(f"w{n}" for n in range(500))
    chunks = chunk_document(_doc(f"# H\n\n{line}\n"), max_tokens=100, count=words)
    pieces = [c for c in chunks if c.start_line == 3]
    assert len(pieces) >= 5
    assert all(c.end_line == 3 and c.text in line and words([c.text])[0] <= 100 for c in pieces)
    assert " ".join(c.text.strip() for c in pieces).split() == line.split()


def test_real_tokenizer_keeps_embedded_text_within_the_model_limit() -> None:
    body = "\n".join("tokenisation-heavy_identifiers " * 9 for _ in range(60))
    text = "# Title\n\n## Section\n\n" + body
    chunks = chunk_document(_doc(text), max_tokens=200, count=count_minilm_tokens)
    assert len(chunks) > 1
    assert max(count_minilm_tokens([c.text for c in chunks])) <= 200
    # Heading context plus specials still fits MiniLM's 256 positions.
    assert max(count_minilm_tokens(embedding_texts(_doc(text), chunks))) + 2 <= 256


line_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.just(" "), max_size=120
)
markdown_line = st.one_of(
    line_text,
    st.builds(lambda h, t: f"{'#' * h} {t}", st.integers(1, 4), line_text),
    st.just(""),
    st.just("```"),
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(markdown_line, max_size=60), budget=st.integers(3, 40))
def test_properties_cover_bound_and_stable(lines: list[str], budget: int) -> None:
    text = "\n".join(lines)
    doc = _doc(text)
    chunks = chunk_document(doc, max_tokens=budget, count=words)
    all_lines = text.split("\n")
    covered: set[int] = set()
    for chunk in chunks:
        assert 1 <= chunk.start_line <= chunk.end_line <= len(all_lines)
        assert words([chunk.text])[0] <= budget
        span = "\n".join(all_lines[chunk.start_line - 1 : chunk.end_line])
        assert chunk.text == span or (chunk.start_line == chunk.end_line and chunk.text in span)
        covered.update(range(chunk.start_line, chunk.end_line + 1))
    for number, line in enumerate(all_lines, start=1):
        if line.strip():
            assert number in covered, f"line {number} {line!r} not in any chunk"
    again = chunk_document(doc, max_tokens=budget, count=words)
    assert [c.model_dump() for c in again] == [c.model_dump() for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)
