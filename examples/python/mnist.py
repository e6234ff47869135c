#!/usr/bin/env python3
"""Encrypted MNIST with the Python module: model owner, client and server in their own folders,
exchanging only files (examples/mnist/run.sh is the same flow as lutfhe commands). From the
repository root, after scripts/setup and scripts/fetch-mnist:

    PYTHONPATH=build/python python3 examples/python/mnist.py [COUNT]     (default 5 digits)

CHECK_CLI=1 also runs `lutfhe run` and `lutfhe decrypt` on the same files and keys and checks
that they give the same results."""
import os, subprocess, sys, time
from pathlib import Path
import lutfhe

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 5
CLI, DATA = os.environ.get("LUTFHE", "build/cli/lutfhe"), Path("data/mnist")
work = Path(os.environ.get("WORK", "mnist-python"))
owner, client, server = (work / role for role in ("owner", "client", "server"))
for folder in (owner, client, server):
    folder.mkdir(parents=True, exist_ok=True)

# Model owner: the demo's quantization-aware MLP (examples/mnist/model), compiled against 2000
# training digits with approximate rounding (one bootstrap per hidden unit) to r = 6 bits, what
# `lutfhe demo mnist` picks for this model; left to choose from 2000 digits, the compiler takes
# a wider table and N = 16384, several times slower.
MODEL = os.environ.get("MODEL", "examples/mnist/model/mnist-h128-w3-a3-i2.json")
calibration = lutfhe.load_samples(str(DATA / "train-images-idx3-ubyte.gz"), 2000)
compiled = lutfhe.compile(MODEL, calibration, rounding="approximate", rounding_bits=6)
compiled.save(str(owner))  # client.spec, server.circuit, compile_report.txt: what gets published
compiled.spec.save(str(client / "client.spec"))
compiled.circuit.save(str(server / "server.circuit"))

# Client: keys (the secret key stays here, mode 0600), then encrypted digits for the server.
spec = lutfhe.ClientSpec.load(str(client / "client.spec"))
key, eval_key = lutfhe.keygen(spec)
key.save(str(client / "client.key"))
eval_key.save(str(server / "eval.key"))
digits = lutfhe.load_samples(str(DATA / "t10k-images-idx3-ubyte.gz"), COUNT)
lutfhe.encrypt(spec, key, digits).save(str(server / "digits.ct"))

# Server: the circuit, the evaluation key and the ciphertexts; never a client key.
evaluator = lutfhe.Server(lutfhe.ServerCircuit.load(str(server / "server.circuit")),
                          str(server / "eval.key"), threads=2)
start = time.time()
evaluator.run(lutfhe.CiphertextBatch.load(str(server / "digits.ct"))).save(str(server / "scores.ct"))
print(f"server: {COUNT} digits in {time.time() - start:.1f} s, {evaluator.bootstraps} bootstraps")

# Client: decrypt the scores; the argmax is the digit.
scores = lutfhe.decrypt(spec, key, lutfhe.CiphertextBatch.load(str(server / "scores.ct")))
labels = lutfhe.load_labels(str(DATA / "t10k-labels-idx1-ubyte.gz"), COUNT)
print("encrypted predictions:", *scores.argmax(axis=1), "\ntrue labels:          ", *labels)
print(f"accuracy {100 * (scores.argmax(axis=1) == labels).mean():.1f}%")

if os.environ.get("CHECK_CLI") == "1":  # the CLI chain on the same files and keys
    subprocess.run([CLI, "run", "--circuit", server / "server.circuit", "--server-key", server / "eval.key",
                    "--in", server / "digits.ct", "--out", server / "scores-cli.ct", "-q"], check=True)
    text = subprocess.run([CLI, "decrypt", "--spec", client / "client.spec", "--client-key", client / "client.key",
                           "--in", server / "scores-cli.ct"], check=True, capture_output=True, text=True).stdout
    same = [int(line.split()[0]) for line in text.splitlines()] == list(scores.argmax(axis=1))
    same &= (server / "scores-cli.ct").read_bytes() == (server / "scores.ct").read_bytes()
    print("CLI chain on the same inputs and keys:", "identical" if same else "DIFFERENT")
    sys.exit(0 if same else 1)
