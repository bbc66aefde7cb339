"""Rebuild a BERT sentence encoder (MiniLM) as a graph of onnxruntime's fused transformer ops.

The PyPI model is a PyTorch dynamo export: attention is spelt out as ~12 small ops per layer
(scale both Q and K, matmul, mask add, softmax, an IsNaN/Where guard for fully masked rows,
matmul, transposes), and onnxruntime's optimiser cannot fuse that pattern. Elementwise work on
the (batch, heads, seq, seq) score tensors then costs as much as the weight matmuls.

Here the same weights go into onnxruntime's contrib ops instead: EmbedLayerNormalization, one
Attention per layer (Q, K and V in one matmul, masking and softmax inside one kernel),
SkipLayerNormalization (residual + bias + LayerNorm) and BiasGelu. In float32 the outputs equal
the original graph's (cosine 1.0); dynamically quantised (QAttention, MatMulInteger) it runs
about 1.3x faster than the quantised original on 200-token chunks. Inputs and output keep the
original names: input_ids, attention_mask, token_type_ids -> last_hidden_state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from onnx import ModelProto

_EMBEDDINGS = "embeddings.word_embeddings.weight"
_LN_EPSILON = 1e-12  # BERT's LayerNorm epsilon


class UnsupportedModelError(ValueError):
    """The ONNX file does not look like a BERT encoder whose weights we can map."""


def load_bert_weights(model_path: str | Path) -> dict[str, np.ndarray]:
    """The float32 weights of a BERT ONNX export, under Hugging Face names without the prefix
    (`embeddings.LayerNorm.weight`, `encoder.layer.0.attention.self.query.weight`...).

    Linear weights are found by structure, not by their export names: a MatMul by a constant
    (an initializer, or int8 initializer * scale) whose output feeds an Add with a named bias.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    graph = model.graph
    initializers = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def constant(name: str) -> np.ndarray | None:
        """The value of a constant tensor: an initializer or Cast/Mul of initializers."""
        if name in initializers:
            return initializers[name]
        node = producers.get(name)
        if node is None:
            return None
        if node.op_type == "Cast":
            inner = constant(node.input[0])
            return None if inner is None else inner.astype(np.float32)
        if node.op_type == "Mul":
            left, right = constant(node.input[0]), constant(node.input[1])
            return None if left is None or right is None else left * right
        return None

    prefix = next(
        (n[: -len(_EMBEDDINGS)] for n in [*initializers, *producers] if n.endswith(_EMBEDDINGS)),
        None,
    )
    if prefix is None:
        raise UnsupportedModelError(f"{model_path}: no {_EMBEDDINGS} tensor")

    weights: dict[str, np.ndarray] = {}
    for name, array in initializers.items():
        if name.startswith(prefix) and array.dtype == np.float32:
            weights[name[len(prefix) :]] = array
    for name in (_EMBEDDINGS, "embeddings.position_embeddings.weight"):
        table = constant(prefix + name)
        if table is None:
            raise UnsupportedModelError(f"{model_path}: cannot read {name}")
        weights[name] = table.astype(np.float32)
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        biases = [
            name
            for add in consumers.get(node.output[0], [])
            if add.op_type == "Add"
            for name in add.input
            if name.startswith(prefix) and name.endswith(".bias")
        ]
        value = constant(node.input[1])
        if len(biases) == 1 and value is not None:
            weights[biases[0][len(prefix) : -len(".bias")] + ".weight"] = value.astype(np.float32)
    return weights


def count_layers(weights: dict[str, np.ndarray]) -> int:
    return sum(1 for name in weights if name.endswith("attention.self.query.weight"))


def build_fused_bert(weights: dict[str, np.ndarray], *, num_heads: int) -> ModelProto:
    """An onnx.ModelProto computing BERT's last_hidden_state with onnxruntime contrib ops."""
    from onnx import TensorProto, helper, numpy_helper

    layers = count_layers(weights)
    needed = [
        "embeddings.position_embeddings.weight",
        "embeddings.token_type_embeddings.weight",
        "embeddings.LayerNorm.weight",
        "embeddings.LayerNorm.bias",
    ]
    for i in range(layers):
        base = f"encoder.layer.{i}."
        for part in (
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
            "attention.output.dense",
            "intermediate.dense",
            "output.dense",
        ):
            needed += [base + part + ".weight", base + part + ".bias"]
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            needed += [base + norm + ".weight", base + norm + ".bias"]
    missing = [name for name in needed if name not in weights]
    if layers == 0 or missing:
        raise UnsupportedModelError(f"not a BERT encoder: missing {missing[:3] or 'layers'}")

    initializers = []
    nodes = []

    def const(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        domain = "" if op in ("Cast", "MatMul", "Identity") else "com.microsoft"
        nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attrs))
        return output

    w = weights

    def add_and_norm(
        x: str, residual: str, prefix: str, dense: str, norm: str, out: tuple[str, str]
    ) -> str:
        """BERT's output sublayer, after attention and after the feed-forward alike:
        LayerNorm(dense(x) + residual), as a MatMul and one fused SkipLayerNormalization;
        `out` names the projection and the result."""
        projected = node("MatMul", [x, const(f"{dense}_w", w[prefix + "dense.weight"])], out[0])
        return node(
            "SkipLayerNormalization",
            [
                projected,
                residual,
                const(f"{norm}_g", w[prefix + "LayerNorm.weight"]),
                const(f"{norm}_b", w[prefix + "LayerNorm.bias"]),
                const(f"{dense}_b", w[prefix + "dense.bias"]),
            ],
            out[1],
            epsilon=_LN_EPSILON,
        )

    int32 = TensorProto.INT32
    node("Cast", ["input_ids"], "input_ids_32", to=int32)
    node("Cast", ["token_type_ids"], "token_type_ids_32", to=int32)
    node("Cast", ["attention_mask"], "attention_mask_32", to=int32)
    embedding_inputs = [
        "input_ids_32",
        "token_type_ids_32",
        const("word_embeddings", w[_EMBEDDINGS]),
        const("position_embeddings", w["embeddings.position_embeddings.weight"]),
        const("token_type_embeddings", w["embeddings.token_type_embeddings.weight"]),
        const("embeddings_ln_gamma", w["embeddings.LayerNorm.weight"]),
        const("embeddings_ln_beta", w["embeddings.LayerNorm.bias"]),
        "attention_mask_32",
    ]
    nodes.append(
        helper.make_node(
            "EmbedLayerNormalization",
            embedding_inputs,
            ["hidden_0", "mask_index"],
            domain="com.microsoft",
            epsilon=_LN_EPSILON,
        )
    )
    hidden = "hidden_0"
    for i in range(layers):
        p = f"encoder.layer.{i}."
        a = p + "attention."
        qkv_weight = np.concatenate(
            [w[a + f"self.{x}.weight"] for x in ("query", "key", "value")], axis=1
        )
        qkv_bias = np.concatenate([w[a + f"self.{x}.bias"] for x in ("query", "key", "value")])
        attended = node(
            "Attention",
            [hidden, const(f"l{i}_qkv_w", qkv_weight), const(f"l{i}_qkv_b", qkv_bias)]
            + ["mask_index"],
            f"l{i}_attended",
            num_heads=num_heads,
        )
        mid = add_and_norm(
            attended, hidden, a + "output.", f"l{i}_ao", f"l{i}_ln1", (f"l{i}_ao", f"l{i}_mid")
        )
        up_w = const(f"l{i}_in_w", w[p + "intermediate.dense.weight"])
        up = node("MatMul", [mid, up_w], f"l{i}_up")
        act = node(
            "BiasGelu", [up, const(f"l{i}_in_b", w[p + "intermediate.dense.bias"])], f"l{i}_act"
        )
        hidden = add_and_norm(
            act, mid, p + "output.", f"l{i}_out", f"l{i}_ln2", (f"l{i}_down", f"hidden_{i + 1}")
        )
    node("Identity", [hidden], "last_hidden_state")

    width = w[_EMBEDDINGS].shape[1]
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", width]
    )
    graph = helper.make_graph(nodes, "bert_fused", inputs, [output], initializers)
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
    )
