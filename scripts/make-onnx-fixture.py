#!/usr/bin/env python3
"""Write tests/fixtures/onnx/small.onnx and control_flow.onnx with the official `onnx` package.

    python3 -m venv target/onnx-venv
    target/onnx-venv/bin/pip install onnx==1.23.2 numpy
    target/onnx-venv/bin/python scripts/make-onnx-fixture.py [DIR]

A small convnet in the shape PyTorch's exporter gives models: node names that are scope
paths with a leading '/', parameters as initializers named like `conv1.weight`, a symbolic
batch dimension, attributes of every common kind, a node with two outputs whose second
output feeds a later node, a node without a name, an optional input left empty, a node
from a custom domain, an input no node or initializer produces, and shapes inferred by
onnx's own shape inference (value_info).

control_flow.onnx: an `If` whose two branches read a tensor of the main graph, feeding a
`Loop` whose body reads that tensor too and carries a value; checked by onnx's checker. Each
file is the same bytes on every run.
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def init(name, shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


def small(out):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 8, 8])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])
    initializers = [
        init("conv1.weight", [4, 1, 3, 3]),
        init("conv1.bias", [4]),
        init("fc.weight", [10, 16]),
        init("fc.bias", [10]),
        numpy_helper.from_array(np.array([8, 8], dtype=np.int64), "split_sizes"),
    ]
    nodes = [
        helper.make_node(
            "Conv", ["input", "conv1.weight", "conv1.bias"], ["/conv1/Conv_output_0"],
            name="/conv1/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1],
        ),
        helper.make_node("Relu", ["/conv1/Conv_output_0"], ["/conv1/Relu_output_0"],
                         name="/conv1/Relu"),
        helper.make_node(
            "MaxPool", ["/conv1/Relu_output_0"], ["/pool/MaxPool_output_0"],
            name="/pool/MaxPool", kernel_shape=[4, 4], strides=[4, 4], auto_pad="VALID",
        ),
        # No name: the converter names it after its op.
        helper.make_node("Flatten", ["/pool/MaxPool_output_0"], ["flat"], axis=1),
        # Two outputs; the second one is used below.
        helper.make_node("Split", ["flat", "split_sizes"], ["half_a", "half_b"],
                         name="/split/Split", axis=1),
        helper.make_node("Concat", ["half_b", "half_a"], ["swapped"], name="/split/Concat",
                         axis=1),
        helper.make_node(
            "Gemm", ["swapped", "fc.weight", "fc.bias"], ["/fc/Gemm_output_0"], name="/fc/Gemm",
            alpha=1.0, beta=1.0, transB=1,
        ),
        # An optional input left empty (Clip's min).
        helper.make_node("Clip", ["/fc/Gemm_output_0", "", "clip_max"], ["clipped"],
                         name="/fc/Clip"),
        # A custom domain, with a string and a list-of-strings attribute.
        helper.make_node("Scale", ["clipped"], ["logits"], name="/head/Scale",
                         domain="com.example", mode="fast", tags=["a", "b"], factor=0.5),
    ]
    graph = helper.make_graph(nodes, "small", [x], [y], initializer=initializers)
    model = helper.make_model(
        graph,
        producer_name="tensorboard-writer fixture",
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)],
    )
    model.ir_version = 8
    # `clip_max` is produced by nothing and declared nowhere: a dangling input, which the
    # converter must still draw. Shape inference fills value_info for the rest.
    model = onnx.shape_inference.infer_shapes(model)
    onnx.save(model, out)


def control_flow(out):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
    flag = helper.make_tensor_value_info("flag", TensorProto.BOOL, [])
    y = helper.make_tensor_value_info("loop_out", TensorProto.FLOAT, ["N", 4])
    initializers = [
        numpy_helper.from_array(np.eye(4, dtype=np.float32), "w"),
        numpy_helper.from_array(np.array(3, dtype=np.int64), "trip"),
        numpy_helper.from_array(np.array(True), "keep_going"),
    ]
    h_type = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 4])
              for n in ("then_y", "else_y")]
    then_branch = helper.make_graph(
        [helper.make_node("Relu", ["h"], ["then_y"], name="/then/Relu")],
        "then_branch", [], [h_type[0]],
    )
    else_branch = helper.make_graph(
        # No name: named after its op, in the branch's scope.
        [helper.make_node("Neg", ["h"], ["else_y"])],
        "else_branch", [], [h_type[1]],
    )
    body = helper.make_graph(
        [
            helper.make_node("Add", ["acc_in", "h"], ["acc_out"], name="/body/Add"),
            helper.make_node("Identity", ["cond_in"], ["cond_out"], name="/body/Identity"),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, ["N", 4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, ["N", 4]),
        ],
    )
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="/pre/MatMul"),
        helper.make_node("If", ["flag"], ["branch_out"], name="/branch/If",
                         then_branch=then_branch, else_branch=else_branch),
        helper.make_node("Loop", ["trip", "keep_going", "branch_out"], ["loop_out"],
                         name="/loop/Loop", body=body),
    ]
    graph = helper.make_graph(nodes, "control_flow", [x, flag], [y], initializer=initializers)
    model = helper.make_model(
        graph,
        producer_name="tensorboard-writer fixture",
        opset_imports=[helper.make_opsetid("", 17)],
    )
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    model = onnx.shape_inference.infer_shapes(model)
    onnx.save(model, out)


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/onnx"
    small(f"{out_dir}/small.onnx")
    control_flow(f"{out_dir}/control_flow.onnx")
