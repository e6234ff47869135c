#!/usr/bin/python3
"""Writes the small ONNX models the ONNX import tests use (tests/data/onnx/), so that the C++
tests need no Python.

    /usr/bin/python3 examples/onnx/make_tiny_onnx.py [OUT_DIR]   (default: tests/data/onnx)

Needs PyTorch and the onnx package from Debian (python3-torch, python3-onnx; scripts/setup
installs them with LUTFHE_DEV_PYTHON=1). Weights are seeded random, not trained: the tests
compare the importer with PyTorch, not accuracy. For every model NAME it writes

    NAME.onnx               exported with torch.onnx.export (opset 13)
    NAME.inputs.csv         fixed inputs, one sample per line (row-major)
    NAME.expected.csv       PyTorch's float outputs for them, one line each
    NAME.calibration.csv    calibration samples for post-training quantization

Models:
    tiny_mlp    16 -> Linear(8) -> BatchNorm1d -> ReLU -> Linear(4)
    tiny_conv   1x8x8 -> Conv(2 filters, 3x3) -> BatchNorm2d -> ReLU -> AvgPool(2) -> Flatten
                -> Linear(3)
    matmul_tanh 6 -> x @ W + b (MatMul, Add) -> Tanh -> Linear(3) -> Sigmoid
    conv_pool_tanh  1x8x8 -> Conv(3 filters, 3x3, padding 1) -> AvgPool(2) -> Tanh -> Flatten
                -> Linear(2)   (an activation after pooling: a separate activation layer)
    unsupported_softmax   4 -> Linear(3) -> Softmax (the importer must refuse it)
    qdq_mlp     4 -> Q/DQ input -> Gemm (int8 weights, per-channel) -> ReLU -> Q/DQ -> Gemm
                (int8 weights, per-tensor): a QAT-style graph written with onnx.helper
"""
import os
import sys

import numpy as np
import torch
from torch import nn

import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def write_csv(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(",".join("%.9g" % v for v in row) + "\n")


def randomize_batch_norm(bn, gen):
    with torch.no_grad():
        bn.weight.copy_(torch.rand(bn.num_features, generator=gen) + 0.5)
        bn.bias.copy_(torch.randn(bn.num_features, generator=gen) * 0.2)
        bn.running_mean.copy_(torch.randn(bn.num_features, generator=gen) * 0.3)
        bn.running_var.copy_(torch.rand(bn.num_features, generator=gen) + 0.5)


def export(model, name, input_shape, out_dir, gen, n_inputs=32, n_calibration=64):
    model.eval()
    x = torch.rand((1,) + input_shape, generator=gen)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=OPSET, input_names=["input"],
                      output_names=["output"], do_constant_folding=False)
    inputs = torch.rand((n_inputs,) + input_shape, generator=gen)
    calibration = torch.rand((n_calibration,) + input_shape, generator=gen)
    with torch.no_grad():
        expected = model(inputs)
    write_csv(os.path.join(out_dir, name + ".inputs.csv"), inputs.reshape(n_inputs, -1).tolist())
    write_csv(os.path.join(out_dir, name + ".expected.csv"), expected.tolist())
    write_csv(os.path.join(out_dir, name + ".calibration.csv"),
              calibration.reshape(n_calibration, -1).tolist())
    print("wrote", path)


def make_qdq(out_dir):
    rng = np.random.default_rng(7)
    w1 = rng.integers(-127, 128, size=(5, 4)).astype(np.int8)       # [out, in], transB=1
    s1 = (rng.random(5) * 0.01 + 0.005).astype(np.float32)           # per output unit
    b1 = (rng.standard_normal(5) * 0.1).astype(np.float32)
    w2 = rng.integers(-127, 128, size=(5, 3)).astype(np.int8)        # [in, out], transB=0
    s2 = np.array(0.02, dtype=np.float32)
    b2 = (rng.standard_normal(3) * 0.1).astype(np.float32)
    inits = [
        numpy_helper.from_array(np.array(1 / 16, dtype=np.float32), "in_scale"),
        numpy_helper.from_array(np.array(0, dtype=np.uint8), "in_zp"),
        numpy_helper.from_array(w1, "w1_q"),
        numpy_helper.from_array(s1, "w1_scale"),
        numpy_helper.from_array(np.zeros(5, dtype=np.int8), "w1_zp"),
        numpy_helper.from_array(b1, "b1"),
        numpy_helper.from_array(np.array(0.1, dtype=np.float32), "h_scale"),
        numpy_helper.from_array(np.array(0, dtype=np.uint8), "h_zp"),
        numpy_helper.from_array(w2, "w2_q"),
        numpy_helper.from_array(s2, "w2_scale"),
        numpy_helper.from_array(np.array(0, dtype=np.int8), "w2_zp"),
        numpy_helper.from_array(b2, "b2"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "in_scale", "in_zp"], ["x_q"], name="q_in"),
        helper.make_node("DequantizeLinear", ["x_q", "in_scale", "in_zp"], ["x"], name="dq_in"),
        helper.make_node("DequantizeLinear", ["w1_q", "w1_scale", "w1_zp"], ["w1"], name="dq_w1",
                         axis=0),
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["h_relu"], name="relu1"),
        helper.make_node("QuantizeLinear", ["h_relu", "h_scale", "h_zp"], ["h_q"], name="q_h"),
        helper.make_node("DequantizeLinear", ["h_q", "h_scale", "h_zp"], ["h_dq"], name="dq_h"),
        helper.make_node("DequantizeLinear", ["w2_q", "w2_scale", "w2_zp"], ["w2"], name="dq_w2"),
        helper.make_node("Gemm", ["h_dq", "w2", "b2"], ["output"], name="fc2"),
    ]
    graph = helper.make_graph(
        nodes, "qdq_mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    path = os.path.join(out_dir, "qdq_mlp.onnx")
    onnx.save(model, path)
    print("wrote", path)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "onnx")
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(1234)

    mlp = nn.Sequential(nn.Linear(16, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))
    randomize_batch_norm(mlp[1], gen)
    export(mlp, "tiny_mlp", (16,), out_dir, gen)

    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.AvgPool2d(2),
                         nn.Flatten(), nn.Linear(18, 3))
    randomize_batch_norm(conv[1], gen)
    export(conv, "tiny_conv", (1, 8, 8), out_dir, gen)

    class MatMulTanh(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.randn(6, 5, generator=gen) * 0.5)
            self.b = nn.Parameter(torch.randn(5, generator=gen) * 0.1)
            self.fc = nn.Linear(5, 3)

        def forward(self, x):
            return torch.sigmoid(self.fc(torch.tanh(torch.matmul(x, self.w) + self.b)))

    export(MatMulTanh(), "matmul_tanh", (6,), out_dir, gen)

    pool = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.AvgPool2d(2), nn.Tanh(), nn.Flatten(),
                         nn.Linear(48, 2))
    export(pool, "conv_pool_tanh", (1, 8, 8), out_dir, gen)

    softmax = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
    softmax.eval()
    torch.onnx.export(softmax, torch.rand(1, 4, generator=gen),
                      os.path.join(out_dir, "unsupported_softmax.onnx"), opset_version=OPSET,
                      input_names=["input"], output_names=["output"])
    print("wrote", os.path.join(out_dir, "unsupported_softmax.onnx"))

    make_qdq(out_dir)


if __name__ == "__main__":
    main()
