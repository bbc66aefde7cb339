"""What gets embedded: a chunk's lines without page scaffolding, under its heading context."""

from __future__ import annotations

from assistant.embed import count_minilm_tokens
from assistant.models import Document
from assistant.prose import scaffolding_free_lines
from index.chunk import chunk_document, embedding_texts


def test_comments_across_lines_are_dropped_and_lines_stay_one_to_one() -> None:
    lines = [
        "Keep this. <!-- template guidance",
        "still guidance",
        "end of it --> and keep this too.",
        "<!-- one-line comment -->",
    ]
    assert scaffolding_free_lines(lines) == ["Keep this.", "", " and keep this too.", ""]


def test_fenced_code_is_kept_and_does_not_open_comments() -> None:
    lines = ["Before.", "```html", "<!-- markup in an example", "```", "After."]
    assert scaffolding_free_lines(lines) == lines


def test_a_fence_inside_a_comment_is_part_of_the_comment() -> None:
    lines = ["<!--", "```", "-->", "Prose after."]
    assert scaffolding_free_lines(lines) == ["", "", "", "Prose after."]


def test_scaffolding_lines_are_dropped_and_prose_is_kept_as_written() -> None:
    lines = [
        "- [Summary](#summary)",
        "  1. [Goals](#goals)",
        "[kubernetes/website]: https://git.k8s.io/website",
        "| a | b |",
        "|---|:-:|",
        "---",
        "### Goals",
        "See [the ADR](https://example.com/adr/12), **not** the `draft`.",
    ]
    assert scaffolding_free_lines(lines) == ["", "", "", *lines[3:4], "", "", *lines[6:]]


def _doc(text: str) -> Document:
    return Document(id="D-1", kind="spec", title="Checkout", path="d.md", text=text)


def test_embedded_text_drops_a_comment_that_spans_chunks() -> None:
    guidance = "\n".join(f"Template guidance sentence number {n} for authors." for n in range(60))
    ending = "Carts are abandoned at payment."
    text = f"# Checkout\n\n## Motivation\n\n<!--\n{guidance}\n-->\n{ending}\n"
    doc = _doc(text)
    chunks = chunk_document(doc, max_tokens=100, count=count_minilm_tokens)
    assert len(chunks) > 2  # the comment alone fills several chunks
    embedded = embedding_texts(doc, chunks)
    assert not any("guidance" in t for t in embedded)
    assert embedded[-1] == "Checkout > Motivation\nCarts are abandoned at payment."
    assert "Checkout > Motivation" in embedded[1:-1]  # a comment-only chunk embeds its context
    assert "Template guidance" in chunks[1].text  # chunks keep the document's own lines
