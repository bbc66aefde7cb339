"""A draft's passages for the team rules: headings, sentences and table rows, with lines.

Cut once per review (memoised on the ReviewContext) and shared by every rule. HTML comments,
front matter and fenced code are not content a reader judges, so they are left out; a list
item or a table row is a passage of its own. Embedding every sentence of a long draft costs
seconds, so a rule compares by meaning only the few passages that share the most telling words
with it or its examples (its candidates); each is embedded once per review.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.bm25 import tokenize_many
from assistant.checks.base import ReviewContext
from assistant.embed import Embedder, embed_alone
from assistant.injection import without_comments
from assistant.markdown import FENCE, link_text
from assistant.sentences import split_sentences

COMMON_SHARE = 0.2  # a word in more of the draft's passages than this tells nothing about a rule
MAX_UNIT_CHARS = 400  # the model reads about 256 word pieces; a longer sentence is cut
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)[ \t#]*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Unit:
    """One passage of the draft and the 1-based line it starts on."""

    text: str
    line: int
    heading: bool = False


@dataclass(frozen=True)
class DraftVectors:
    """The draft's passages and their unit vectors (one row each)."""

    units: list[Unit]
    vectors: np.ndarray  # shape (len(units), dimensions); float32, rows of length 1


def draft_units(ctx: ReviewContext) -> list[Unit]:
    """The passages of the draft, in order."""
    lines = without_comments(ctx.spec.text).split("\n")
    units: list[Unit] = []
    block: list[tuple[int, str]] = []

    def flush() -> None:
        if block:
            units.extend(_sentences(block))
            block.clear()

    in_fence = False
    for number in range(ctx.spec.front_matter_end + 1, len(lines) + 1):
        line = lines[number - 1]
        if FENCE.match(line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            units.append(Unit(_clean(heading.group(1)), number, heading=True))
        elif not line.strip():
            flush()
        elif line.lstrip().startswith("|"):
            flush()
            if not _TABLE_RULE.match(line):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                units.append(Unit(_clean(" ; ".join(c for c in cells if c)), number))
        else:
            if _ITEM.match(line):
                flush()
            block.append((number, _ITEM.sub("", line)))
    flush()
    units = [u for u in units if len(_WORD.findall(u.text)) >= (1 if u.heading else 3)]
    return [_with_first_sentence(u, units[i + 1 : i + 2]) for i, u in enumerate(units)]


def _with_first_sentence(unit: Unit, after: list[Unit]) -> Unit:
    """A heading reads with the first sentence under it: a bare "Plan" or "Rollback" says
    little, and a heading over nothing (or over "TBD") meets no requirement."""
    if not unit.heading or not after or after[0].heading:
        return unit
    return Unit(f"{unit.text}: {after[0].text}"[:MAX_UNIT_CHARS], unit.line, heading=True)


def _sentences(block: list[tuple[int, str]]) -> list[Unit]:
    """The sentences of a paragraph or list item, each with the line it starts on."""
    text = ""
    starts: list[tuple[int, int]] = []  # (offset in text, line number)
    for number, line in block:
        starts.append((len(text), number))
        text += line.strip() + "\n"
    out: list[Unit] = []
    at = 0
    for piece in split_sentences(text.rstrip("\n")):
        found = text.find(piece, at)
        offset = found if found >= 0 else at
        at = offset + len(piece)
        number = max((n for start, n in starts if start <= offset), default=block[0][0])
        out.append(Unit(_clean(piece), number))
    return out


def _clean(text: str) -> str:
    text = link_text(text, drop_urls=True).replace("**", "").replace("`", "")
    return " ".join(text.split())[:MAX_UNIT_CHARS]


def units_of(ctx: ReviewContext) -> list[Unit]:
    """The draft's passages, cut once per review."""
    found = ctx.memo.get("rule_units")
    if not isinstance(found, list):
        found = ctx.memo["rule_units"] = draft_units(ctx)
    return found


def stem_index(ctx: ReviewContext) -> dict[str, list[int]]:
    """Each keyword stem (the BM25 tokenizer's) and the passages that use it, once per review."""
    found = ctx.memo.get("rule_stem_index")
    if isinstance(found, dict):
        return found
    index: dict[str, list[int]] = {}
    for i, stems in enumerate(tokenize_many([u.text for u in units_of(ctx)])):
        for stem in set(stems):
            index.setdefault(stem, []).append(i)
    ctx.memo["rule_stem_index"] = index
    return index


def candidates(ctx: ReviewContext, words: frozenset[str], k: int) -> list[int]:
    """The `k` passages that share the most telling words with a rule's texts (each shared
    word weighs by how rare it is in the draft; a word in more than COMMON_SHARE of the
    passages, like "user" in a product spec, tells nothing), the best first."""
    index = stem_index(ctx)
    n = len(units_of(ctx))
    scores: dict[int, float] = {}
    for stem in words:
        where = index.get(stem, [])
        if not where or len(where) > max(3, COMMON_SHARE * n):
            continue
        weight = math.log((n + 1) / len(where))
        for i in where:
            scores[i] = scores.get(i, 0.0) + weight
    best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [i for i, _ in best]


def repeats(ctx: ReviewContext, picks: list[int], *, keep_heading: bool) -> set[int]:
    """Passages of `picks` that another of them already holds: a heading reads with the first
    sentence under it, so where both are picked one of the two is the same text again. With
    `keep_heading` the sentence is the repeat (compared with a requirement, the heading adds
    context); otherwise the heading is (a trigger is met by a sentence, never a heading)."""
    units = units_of(ctx)
    chosen = set(picks)
    out = set()
    for i in picks:
        head = units[i - 1] if i > 0 else None
        if head and head.heading and i - 1 in chosen and head.text.endswith(units[i].text):
            out.add(i if keep_heading else i - 1)
    return out


class PassageCache:
    """Passage vectors kept across reviews by one rule check, by text (bounded, thread-safe):
    a draft reviewed again (the bot on each push, the Review page, the API) embeds only the
    passages that changed. The vector space is the rule check's one embedder."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._rows: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            found = {t: self._rows[t] for t in texts if t in self._rows}
            for text in found:
                self._rows.move_to_end(text)
        return found

    def put(self, rows: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._rows.update(rows)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


def draft_vectors(
    ctx: ReviewContext,
    embedder: Embedder,
    indices: Sequence[int],
    known: PassageCache | None = None,
) -> DraftVectors:
    """The vectors of these passages; each passage is embedded at most once per review (the
    rules share them), all that are missing in one batch, none that `known` holds."""
    key = f"rule_vectors:{embedder.name}"
    cache = ctx.memo.get(key)
    if not isinstance(cache, dict):
        cache = ctx.memo[key] = {}
    units = units_of(ctx)
    missing = [i for i in dict.fromkeys(indices) if i not in cache]
    if missing and known is not None:
        kept = known.get([units[i].text for i in missing])
        cache.update((i, kept[units[i].text]) for i in missing if units[i].text in kept)
        missing = [i for i in missing if i not in cache]
    if missing:
        texts = [units[i].text for i in missing]
        rows = as_matrix(embed_alone(embedder, texts), embedder.dimensions)
        cache.update(zip(missing, rows, strict=True))
        if known is not None:
            known.put({units[i].text: row for i, row in zip(missing, rows, strict=True)})
    wanted = list(dict.fromkeys(indices))
    matrix = (
        np.stack([cache[i] for i in wanted])
        if wanted
        else np.zeros((0, embedder.dimensions), dtype=np.float32)
    )
    return DraftVectors([units[i] for i in wanted], matrix)


def as_matrix(vectors: list[list[float]], dimensions: int) -> np.ndarray:
    """Rows of unit length (the embedders normalise; a zero row stays zero)."""
    matrix = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), dimensions)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    out: np.ndarray = matrix / np.clip(norms, 1e-12, None)
    return out
