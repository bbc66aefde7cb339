"""Heading-aware, token-bounded chunking with exact 1-based line spans (pure: no I/O).

Sections come from assistant.markdown (fenced code never starts a heading). A section's lines
are packed into chunks of at most `max_tokens`, cutting at blank lines where possible;
subsections join their parent's chunk while it has room, and a tiny section joins the next one.
A single line longer than the budget is split by langchain's token-aware
RecursiveCharacterTextSplitter. Every chunk's text is exactly its lines (or, for a split line,
a piece of it), so spans shown to users are the document's own text.

What is embedded is the chunk's lines without page scaffolding (assistant.prose: HTML comments,
tables of contents, link definitions), under its heading path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.markdown import parse_spec
from assistant.models import Chunk, Document
from assistant.prose import scaffolding_free_lines

TokenCounter = Callable[[Sequence[str]], list[int]]
CHUNKER_VERSION = "2"  # bump when chunk boundaries or embedded text change, so stores re-embed


@dataclass
class _Piece:
    """A run of lines (or part of one line) with its heading path and token count."""

    path: tuple[str, ...]
    start: int  # 1-based
    end: int
    tokens: int
    text: str | None = None  # set only for a piece of an over-long line


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _split_long_line(line: str, max_tokens: int, count: TokenCounter) -> list[str]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens,
        chunk_overlap=0,
        length_function=lambda s: count([s])[0],
        separators=[". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    return [p for p in splitter.split_text(line) if p.strip()]


def _section_pieces(
    lines: list[str],
    tokens: list[int],
    path: tuple[str, ...],
    start: int,
    end: int,
    max_tokens: int,
    count: TokenCounter,
) -> list[_Piece]:
    """Pack lines start..end (1-based, inclusive) into pieces within the budget."""
    pieces: list[_Piece] = []
    cur_start: int | None = None
    cur_tokens = 0
    last_blank: int | None = None  # last blank line inside the current piece

    def flush(upto: int) -> None:
        nonlocal cur_start, cur_tokens, last_blank
        if cur_start is not None:
            s, e = cur_start, upto
            while e >= s and not lines[e - 1].strip():
                e -= 1
            if e >= s:
                pieces.append(_Piece(path, s, e, sum(tokens[s - 1 : e])))
        cur_start, cur_tokens, last_blank = None, 0, None

    for n in range(start, end + 1):
        line, t = lines[n - 1], tokens[n - 1]
        if not line.strip():
            if cur_start is not None:
                last_blank = n
            continue
        if t > max_tokens:
            flush(n - 1)
            for part in _split_long_line(line, max_tokens, count):
                pieces.append(_Piece(path, n, n, count([part])[0], text=part))
            continue
        if cur_start is not None and cur_tokens + t > max_tokens:
            if last_blank is not None and sum(tokens[last_blank : n - 1]) + t <= max_tokens:
                # Cut at the last paragraph break; carry the unfinished paragraph over.
                carry = last_blank + 1
                flush(last_blank)
                cur_start, cur_tokens = carry, sum(tokens[carry - 1 : n - 1])
            else:
                flush(n - 1)
        if cur_start is None:
            cur_start, cur_tokens = n, 0
        cur_tokens += t
    flush(end)
    return pieces


def _merge(pieces: list[_Piece], max_tokens: int) -> list[_Piece]:
    """Join adjacent line runs while they fit: a subsection into its parent, tiny ones onward."""
    merged: list[_Piece] = []
    for piece in pieces:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.text is None
            and piece.text is None
            and prev.tokens + piece.tokens <= max_tokens
            and (
                piece.path[: len(prev.path)] == prev.path
                or prev.tokens < max_tokens // 4
                or piece.tokens < max_tokens // 8
            )
        ):
            prev.end = piece.end
            prev.tokens += piece.tokens
            prev.path = _common(prev.path, piece.path) or prev.path
            continue
        merged.append(piece)
    return merged


def chunk_document(doc: Document, *, max_tokens: int, count: TokenCounter) -> list[Chunk]:
    """Split a document into chunks of at most `max_tokens` (as `count` measures them)."""
    spec = parse_spec(doc.text)
    lines = spec.lines
    tokens = count(lines) if lines else []
    pieces: list[_Piece] = []
    for section in spec.sections:
        pieces.extend(
            _section_pieces(
                lines,
                tokens,
                section.path,
                section.start_line,
                section.end_line,
                max_tokens,
                count,
            )
        )
    chunks = []
    for n, piece in enumerate(_merge(pieces, max_tokens)):
        text = (
            piece.text if piece.text is not None else "\n".join(lines[piece.start - 1 : piece.end])
        )
        chunks.append(
            Chunk(
                id=f"{doc.id}#{n}",
                doc_id=doc.id,
                text=text,
                heading_path=list(piece.path),
                start_line=piece.start,
                end_line=piece.end,
                kind=doc.kind,
                title=doc.title,
                status=doc.status,
                path=doc.path,
                date=doc.date,
            )
        )
    return chunks


def embedding_texts(doc: Document, chunks: Sequence[Chunk]) -> list[str]:
    """What is embedded for each of `doc`'s chunks: its heading path (or title), then its lines
    without scaffolding (comments are found across the whole document, not chunk by chunk)."""
    lines = parse_spec(doc.text).lines
    kept = scaffolding_free_lines(lines)
    texts = []
    for chunk in chunks:
        span = slice(chunk.start_line - 1, chunk.end_line)
        if chunk.text == "\n".join(lines[span]):
            body_lines = kept[span]
        else:  # a piece of an over-long line
            body_lines = scaffolding_free_lines([chunk.text]) if any(kept[span]) else []
        body = "\n".join(line for line in body_lines if line)
        context = " > ".join(chunk.heading_path) or chunk.title
        texts.append(f"{context}\n{body}" if context and body else context or body)
    return texts
