#!/usr/bin/env python3
"""PyTorch -> ONNX -> lutfhe compile -> encrypted predictions, for a small MLP on MNIST.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/torch_to_encrypted.py [COUNT]

Needs PyTorch for Debian's python3 (python3-torch: `LUTFHE_DEV_PYTHON=1 scripts/setup`) and the
digits of scripts/fetch-mnist in data/mnist. Without PyTorch, `--onnx FILE.onnx` skips the
training and export and takes any float ONNX model with 784 inputs (the same flow from there).

1. trains 784 -> 32 -> ReLU -> 10 on the 8000 training digits (a few seconds), float;
2. exports it with torch.onnx.export;
3. compiles the ONNX file with lutfhe's cost-aware import: calibration digits and their labels
   choose the bit widths, rounding and parameters within 1 accuracy point of the float model;
4. client and server as in examples/python/mnist.py: keys, encrypt, run, decrypt; prints the
   float, simulated and encrypted predictions side by side.
"""
import sys
import time
from pathlib import Path

import numpy as np

import lutfhe

DATA = Path("data/mnist")
WORK = Path("torch-python")


def train_and_export(x, y, path):
    try:
        import torch
        from torch import nn
    except ImportError:
        sys.exit("PyTorch is missing for this python3: LUTFHE_DEV_PYTHON=1 scripts/setup, "
                 "or give --onnx FILE.onnx")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    xs, ys = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.long)
    for epoch in range(8):
        for i in torch.randperm(len(xs)).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(xs[i]), ys[i]).backward()
            opt.step()
    model.eval()
    torch.onnx.export(model, xs[:1], str(path), opset_version=13, input_names=["input"],
                      output_names=["output"])
    return lambda v: model(torch.tensor(v, dtype=torch.float32)).detach().numpy()


def main():
    args = sys.argv[1:]
    onnx = Path(args[args.index("--onnx") + 1]) if "--onnx" in args else None
    rest = [a for i, a in enumerate(args) if a != "--onnx" and (i == 0 or args[i - 1] != "--onnx")]
    count = int(rest[0]) if rest else 10
    WORK.mkdir(exist_ok=True)
    x_train = lutfhe.load_samples(str(DATA / "train-images-idx3-ubyte.gz"))
    y_train = lutfhe.load_labels(str(DATA / "train-labels-idx1-ubyte.gz"))
    x_test = lutfhe.load_samples(str(DATA / "t10k-images-idx3-ubyte.gz"), count)
    y_test = lutfhe.load_labels(str(DATA / "t10k-labels-idx1-ubyte.gz"), count)

    float_model = None
    if onnx is None:
        onnx = WORK / "mlp.onnx"
        float_model = train_and_export(x_train, y_train, onnx)

    # Model owner: the cost-aware import on 1000 calibration digits with their labels.
    start = time.time()
    compiled = lutfhe.compile(str(onnx), x_train[:1000], calibration_labels=y_train[:1000],
                              rounding="approximate")
    print(compiled.report)
    print(f"compiled in {time.time() - start:.1f} s: {compiled.bootstraps} bootstraps per digit")

    # Client and server.
    key, eval_key = lutfhe.keygen(compiled.spec)
    batch = lutfhe.encrypt(compiled.spec, key, x_test)
    start = time.time()
    results = lutfhe.Server(compiled.circuit, eval_key, threads=2).run(batch)
    print(f"server: {count} digits in {time.time() - start:.1f} s")
    encrypted = lutfhe.decrypt(compiled.spec, key, results).argmax(axis=1)
    simulated = compiled.simulate(x_test).argmax(axis=1)

    print("label     ", *y_test)
    if float_model is not None:
        print("float     ", *float_model(x_test).argmax(axis=1))
    print("simulated ", *simulated)
    print("encrypted ", *encrypted)
    print(f"encrypted accuracy {100 * (encrypted == y_test).mean():.1f}%, agreement with the "
          f"simulation {100 * (encrypted == simulated).mean():.1f}%")


if __name__ == "__main__":
    main()
