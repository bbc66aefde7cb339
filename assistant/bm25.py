"""Keyword search over chunks with BM25 (the `bm25s` library), plus the term statistics that
the ask feature's confidence uses (document frequency of each query term).

Chunks are indexed with their document title and heading path in front of the text, so a
question naming a record's subject matches its title even in chunks that never repeat it.
Tokens are lower-cased, English stop words dropped, British spellings mapped to American
(assistant/spelling.py) and Snowball-stemmed (PyStemmer).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence, Set

import numpy as np

from assistant.models import Chunk
from assistant.spelling import american

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_]*")


def _stemmer() -> object:
    """A fresh Snowball stemmer for each call (cheap to build): PyStemmer's are not thread-safe."""
    import Stemmer  # PyStemmer: a C Snowball stemmer; imported lazily

    return Stemmer.Stemmer("english")


# English function words (bm25s's list has only 33): none of them says what a record is about.
FUNCTION_WORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each either else ever every few for from further had hadn has hasn have
    haven having he her here hers herself him himself his how however i if in into is isn it
    its itself just let me more most much must mustn my myself neither no nor not now of off
    on once one only or other others our ours ourselves out over own per rather same shall
    shan she should shouldn since so some something somehow such than that the their theirs
    them themselves then there these they this those though through thus to too under until
    up upon us very was wasn we were weren what whatever when where whether which while who
    whom whose why will with within without won would wouldn yet you your yours yourself
    """.split()
)


def split_words(text: str) -> list[str]:
    """Lower-cased words (keeping `x86_64`), stop words dropped, not stemmed. Hyphenated
    compounds count as their parts ("driver-negotiated"), as records without the hyphen
    spell them."""
    stop = FUNCTION_WORDS
    return [w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in stop]


def plain_words(text: str) -> list[str]:
    """`split_words` in American spelling, not stemmed: what names are matched on."""
    return [american(w) for w in split_words(text)]


def tokenize(text: str) -> list[str]:
    """Stemmed keyword tokens of a text: what the BM25 index and queries are built from."""
    words = plain_words(text)
    return list(_stemmer().stemWords(words)) if words else []  # type: ignore[attr-defined]


def has_word(word: str, words: Set[str]) -> bool:
    """Whether `words` (plain, not stemmed) hold `word`, in the singular or the plural. A name
    is matched as a word, never by its stem: "Fastly" is not "fast", "Linkerd" is not "link";
    "Gateways" is still "gateway"."""
    return (
        word in words
        or f"{word}s" in words
        or (word.endswith("s") and word[:-1] in words)
        or (word.endswith("es") and word[:-2] in words)
    )


def tokenize_many(texts: Sequence[str]) -> list[list[str]]:
    """`tokenize` of each text, with one stemmer for them all (hundreds of sentences)."""
    return _stem_many([plain_words(text) for text in texts])


def _stem_many(words: list[list[str]]) -> list[list[str]]:
    flat = [w for text_words in words for w in text_words]
    stems = iter(_stemmer().stemWords(flat) if flat else [])  # type: ignore[attr-defined]
    return [[next(stems) for _ in text_words] for text_words in words]


def indexed_text(chunk: Chunk) -> str:
    """The text a chunk is keyword-indexed under: title and heading path, then the body."""
    return " ".join([chunk.title, *chunk.heading_path, chunk.text])


class KeywordIndex:
    """BM25 over a fixed list of chunks; build a new one when the chunks change."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        self.chunks = list(chunks)
        plain = [plain_words(indexed_text(c)) for c in self.chunks]
        tokens = _stem_many(plain)
        self._bm25 = bm25s.BM25()
        self._vocab: dict[str, int] = {}
        if self.chunks:
            self._bm25.index(tokens, show_progress=False)
            self._vocab = dict(self._bm25.vocab_dict)
        # Document frequency per term, counted over documents (not chunks).
        docs_with: dict[str, set[str]] = {}
        for chunk, toks in zip(self.chunks, tokens, strict=True):
            for tok in set(toks):
                docs_with.setdefault(tok, set()).add(chunk.doc_id)
        self._doc_freq = {tok: len(ids) for tok, ids in docs_with.items()}
        self._doc_terms: dict[str, set[str]] = {}
        self._chunk_terms: dict[str, frozenset[str]] = {}
        self._doc_words: dict[str, set[str]] = {}  # plain words, for matching names
        for chunk, toks, words in zip(self.chunks, tokens, plain, strict=True):
            self._doc_terms.setdefault(chunk.doc_id, set()).update(toks)
            self._chunk_terms[chunk.id] = frozenset(toks)
            self._doc_words.setdefault(chunk.doc_id, set()).update(words)
        self._words = frozenset(w for words in self._doc_words.values() for w in words)
        self.n_docs = len(self._doc_terms)

    def __len__(self) -> int:
        return len(self.chunks)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros where nothing matches)."""
        known = [t for t in tokenize(query) if t in self._vocab]
        if not known or not self.chunks:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def doc_freq(self, token: str) -> int:
        """How many documents contain a (stemmed) token."""
        return self._doc_freq.get(token, 0)

    def idf(self, token: str) -> float:
        """Smoothed inverse document frequency over documents; high for rare terms."""
        return math.log((self.n_docs + 1) / (self.doc_freq(token) + 0.5))

    def doc_terms(self, doc_id: str) -> set[str]:
        """The stemmed tokens a document contains (title, headings and text)."""
        return self._doc_terms.get(doc_id, set())

    def doc_words(self, doc_id: str) -> set[str]:
        """The plain (unstemmed) words a document contains: names are matched on these."""
        return self._doc_words.get(doc_id, set())

    def uses_word(self, word: str) -> bool:
        """Whether any document uses a plain word (singular or plural)."""
        return has_word(word, self._words)

    def chunk_terms(self, chunk: Chunk) -> frozenset[str]:
        """The stemmed tokens a chunk is indexed under (computed for chunks not indexed)."""
        terms = self._chunk_terms.get(chunk.id)
        return terms if terms is not None else frozenset(tokenize(indexed_text(chunk)))
