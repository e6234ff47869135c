#!/usr/bin/python3
"""Trains a small suite of ordinary float PyTorch models and exports them to ONNX, with test
data, so that the importer and the compiler can be checked on models made the way an ML user
makes them (float training, nn.Sequential, Adam, default torch.onnx.export, no
quantization-aware training).

    /usr/bin/python3 examples/model_suite/make_models.py [OUT_DIR]
    (default OUT_DIR: tests/data/model_suite)

Needs Debian's python3-torch, python3-onnx, python3-numpy, python3-sklearn and
dataset-fashion-mnist (nothing is downloaded). Everything is seeded and runs on one thread, so
two runs write byte-identical files.

Models:
    breast_logreg  logistic regression, Linear(30, 2), on sklearn's breast-cancer table
    breast_mlp     30 -> Linear 16 -> ReLU -> Linear 2, same table
    digits_mlp     64 -> Linear 32 -> ReLU -> Linear 10, sklearn's 8x8 digits (pixels / 16)
    fashion_mlp    784 -> Linear 48 -> ReLU -> Linear 10, Fashion-MNIST (pixels / 255)
    fashion_cnn    1x28x28 -> Conv2d(1, 4, 5, stride 3) -> ReLU -> Flatten -> Linear(256, 10),
                   Fashion-MNIST

Breast cancer: features scaled to [-1, 1] by a MinMaxScaler fit on the training split (test
values may fall slightly outside), stratified 70/30 split. Digits: stratified 80/20 split.
Fashion-MNIST: the standard 60000/10000 split; the test files hold the first 200 test images.

For every model NAME it writes to OUT_DIR:
    NAME.onnx                torch.onnx.export(model.eval(), x, opset_version=13), batch 1
    NAME.calibration.csv     up to 200 training samples, one per line, row-major, "%.9g"
    NAME.calibration_labels.csv  their labels, one integer per line
    NAME.test.csv            held-out test samples, same layout
    NAME.test_labels.csv     one integer label per line
    NAME.float_outputs.csv   the float model's logits for the test samples, one line each
Fashion-MNIST samples and labels are gzipped IDX files instead (NAME.calibration.idx.gz,
NAME.calibration_labels.idx.gz, NAME.test.idx.gz, NAME.test_labels.idx.gz: the original
unsigned bytes, which lutfhe reads as pixel / 255, the models' input), a tenth of the CSV's size.
and manifest.json with, per model: accuracies, input shape, parameter count, seed, versions.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

import onnx
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

OPSET = 13
SEED = 42
N_CALIBRATION = 200
N_FASHION_TEST = 200
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def seed_everything(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)


# ---------------------------------------------------------------------------------------------
# data

def breast_cancer():
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, stratify=data.target, random_state=SEED)
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(x_train)
    return (scaler.transform(x_train).astype(np.float32), y_train.astype(np.int64),
            scaler.transform(x_test).astype(np.float32), y_test.astype(np.int64))


def digits():
    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        x, data.target, test_size=0.2, stratify=data.target, random_state=SEED)
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64)


def read_idx(path):
    """An IDX file (gzipped): big-endian magic (0, 0, type 0x08 = ubyte, number of dims), the
    dims as big-endian uint32, then the bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise SystemExit("%s: not an unsigned-byte IDX file" % path)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def fashion_mnist():
    def load(prefix):
        images = os.path.join(FASHION_DIR, prefix + "-images-idx3-ubyte.gz")
        labels = os.path.join(FASHION_DIR, prefix + "-labels-idx1-ubyte.gz")
        for p in (images, labels):
            if not os.path.exists(p):
                raise SystemExit("%s missing: install Debian's dataset-fashion-mnist "
                                 "(LUTFHE_DEV_PYTHON=1 scripts/setup)" % p)
        x = (read_idx(images).astype(np.float32) / np.float32(255.0))[:, None, :, :]
        return x, read_idx(labels).astype(np.int64)

    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    return x_train, y_train, x_test[:N_FASHION_TEST], y_test[:N_FASHION_TEST]


# ---------------------------------------------------------------------------------------------
# training

def train(model, x, y, epochs, batch_size, lr, seed):
    seed_everything(seed)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        if epoch == epochs - 1 or (epoch + 1) % max(1, epochs // 5) == 0:
            print("    epoch %3d  loss %.4f" % (epoch + 1, total / len(y)), flush=True)
    model.eval()
    return model


def predict(model, x, batch=1000):
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(x[i:i + batch]))
                          for i in range(0, len(x), batch)]).numpy()


def accuracy(logits, y):
    return float((logits.argmax(axis=1) == y).mean())


# ---------------------------------------------------------------------------------------------
# output

def write_csv(path, rows, fmt="%.9g"):
    with open(path, "w") as f:
        for row in rows:
            f.write(",".join(fmt % v for v in row) + "\n")


def write_labels(path, labels):
    with open(path, "w") as f:
        for v in labels:
            f.write("%d\n" % int(v))


def write_idx(path, array):
    """A gzipped IDX file of unsigned bytes, byte-identical on every run (no name, mtime 0)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(header + array.tobytes())


def write_samples(out_dir, name, part, x, y, image_shape):
    """Samples and labels: IDX for images (values bytes / 255), CSV otherwise."""
    if image_shape:
        pixels = np.rint(x * np.float32(255.0))
        if not np.array_equal((pixels / np.float32(255.0)).astype(np.float32), x):
            raise SystemExit("%s: image values are not bytes / 255" % name)
        write_idx(os.path.join(out_dir, "%s.%s.idx.gz" % (name, part)),
                  pixels.reshape(len(x), *image_shape))
        write_idx(os.path.join(out_dir, "%s.%s_labels.idx.gz" % (name, part)), y)
    else:
        write_csv(os.path.join(out_dir, "%s.%s.csv" % (name, part)), x.reshape(len(x), -1).tolist())
        write_labels(os.path.join(out_dir, "%s.%s_labels.csv" % (name, part)), y)


def export(name, model, x_train, y_train, x_test, y_test, out_dir, seed, config, image_shape):
    model.eval()
    train_logits = predict(model, x_train)
    test_logits = predict(model, x_test)
    path = os.path.join(out_dir, name + ".onnx")
    dummy = torch.from_numpy(x_train[:1])
    torch.onnx.export(model, dummy, path, opset_version=OPSET, input_names=["input"],
                      output_names=["output"])
    onnx.checker.check_model(onnx.load(path))

    write_samples(out_dir, name, "calibration", x_train[:N_CALIBRATION],
                  y_train[:N_CALIBRATION], image_shape)
    write_samples(out_dir, name, "test", x_test, y_test, image_shape)
    write_csv(os.path.join(out_dir, name + ".float_outputs.csv"), test_logits.tolist())

    info = {
        "input_shape": list(x_train.shape[1:]),
        "onnx_input_shape": [1] + list(x_train.shape[1:]),
        "classes": int(test_logits.shape[1]),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "train_samples": int(len(x_train)),
        "test_samples": int(len(x_test)),
        "calibration_samples": int(min(N_CALIBRATION, len(x_train))),
        "train_accuracy": round(accuracy(train_logits, y_train), 6),
        "test_accuracy": round(accuracy(test_logits, y_test), 6),
        "seed": seed,
        "training": config,
        "architecture": str(model),
    }
    print("  %s: train %.4f  test %.4f  (%d parameters)" % (
        name, info["train_accuracy"], info["test_accuracy"], info["parameters"]), flush=True)
    return info


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "model_suite")
    out_dir = os.path.normpath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    start = time.time()

    breast = breast_cancer()
    digit = digits()
    fashion = fashion_mnist()
    fashion_flat = (fashion[0].reshape(len(fashion[0]), -1), fashion[1],
                    fashion[2].reshape(len(fashion[2]), -1), fashion[3])

    specs = [
        ("breast_logreg", breast, lambda: nn.Sequential(nn.Linear(30, 2)),
         dict(epochs=100, batch_size=32, lr=0.01)),
        ("breast_mlp", breast,
         lambda: nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 2)),
         dict(epochs=100, batch_size=32, lr=0.001)),
        ("digits_mlp", digit,
         lambda: nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)),
         dict(epochs=60, batch_size=32, lr=0.001)),
        ("fashion_mlp", fashion_flat,
         lambda: nn.Sequential(nn.Linear(784, 48), nn.ReLU(), nn.Linear(48, 10)),
         dict(epochs=8, batch_size=64, lr=0.001)),
        ("fashion_cnn", fashion,
         lambda: nn.Sequential(nn.Conv2d(1, 4, kernel_size=5, stride=3), nn.ReLU(),
                               nn.Flatten(), nn.Linear(4 * 8 * 8, 10)),
         dict(epochs=8, batch_size=64, lr=0.002)),
    ]
    manifest = {
        "generator": "examples/model_suite/make_models.py",
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "numpy_version": np.__version__,
        "sklearn_version": sklearn.__version__,
        "opset": OPSET,
        "models": {},
    }
    for name, (x_train, y_train, x_test, y_test), make, config in specs:
        t0 = time.time()
        print("%s" % name, flush=True)
        seed_everything(SEED)
        model = make()
        train(model, x_train, y_train, seed=SEED, **config)
        image_shape = (28, 28) if name.startswith("fashion") else None
        manifest["models"][name] = export(name, model, x_train, y_train, x_test, y_test,
                                          out_dir, SEED, config, image_shape)
        print("  (%.1f s)" % (time.time() - t0), flush=True)

    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    print("wrote %s (%.1f s)" % (out_dir, time.time() - start))


if __name__ == "__main__":
    main()
