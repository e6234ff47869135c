#!/usr/bin/python3
"""What the Python module costs over the `lutfhe` program for the client's work on a batch of
MNIST digits: quantize + encrypt (+ write the batch) and read + decrypt (+ dequantize) the
results, with the same spec, keys and files. Not a test: a measurement for bench/RESULTS.md.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--count 100] [--repeat 5]
        [--model MODEL.json] [--params NAME] [--work DIR] [--lutfhe build/cli/lutfhe] [--json]

Setup (once, cached in --work): the model (default: the demo's committed model in
examples/mnist/model; `lutfhe train mnist` writes a given path that is missing) compiled as the
demo compiles it (approximate rounding to r = 6, the searched 128-bit set unless --params), keys,
and the server's results for the digits (`lutfhe run`, the slow part: with the 128-bit set
about 2 s per digit on two idle cores; `--params TOY` has the same client-side dimension
k·N = 4096 as the demo's set, so the client's work is the same, and runs far faster).

Timed, each --repeat times (median reported):
  cli      `lutfhe encrypt --spec ... --count N` and `lutfhe decrypt --spec ...` as processes
  python   the same calls in this process: load spec and key, load the digits, encrypt, save;
           load the results, decrypt (spec and key are loaded again, as the CLI does)
  python-process   the same as a `python3 -c` process (interpreter start and import included)
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import lutfhe

DATA = Path("data/mnist")
TEST = DATA / "t10k-images-idx3-ubyte.gz"

PY_CLIENT = """
import sys, lutfhe
spec_path, key_path, images, count, out, results = sys.argv[1:7]
spec, key = lutfhe.ClientSpec.load(spec_path), lutfhe.ClientKey.load(key_path)
lutfhe.encrypt(spec, key, lutfhe.load_samples(images, int(count))).save(out)
spec, key = lutfhe.ClientSpec.load(spec_path), lutfhe.ClientKey.load(key_path)
scores = lutfhe.decrypt(spec, key, lutfhe.CiphertextBatch.load(results))
"""


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def setup(a, work):
    model = Path(a.model)
    if not model.exists():
        model.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([a.lutfhe, "train", "mnist", "--data", DATA, "--out", model], check=True)
    if not (work / "client.spec").exists():
        cal = lutfhe.load_samples(str(DATA / "train-images-idx3-ubyte.gz"), 2000)
        extra = {"params": a.params} if a.params else {}
        compiled = lutfhe.compile(str(model), cal, rounding="approximate", rounding_bits=6,
                                  **extra)
        compiled.save(str(work))
        key, eval_key = lutfhe.keygen(compiled.spec)
        key.save(str(work / "client.key"))
        eval_key.save(str(work / "eval.key"))
    if not (work / "out.ct").exists():
        subprocess.run([a.lutfhe, "encrypt", "--spec", work / "client.spec", "--client-key",
                        work / "client.key", "--input", TEST, "--count", str(a.count), "--out",
                        work / "in.ct", "-q"], check=True)
        print(f"setup: lutfhe run on {a.count} digits (once)", file=sys.stderr)
        subprocess.run([a.lutfhe, "run", "--circuit", work / "server.circuit", "--server-key",
                        work / "eval.key", "--in", work / "in.ct", "--out", work / "out.ct",
                        "--threads", "2", "-q"], check=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--model", default="examples/mnist/model/mnist-h128-w3-a3-i2.json")
    p.add_argument("--params", default="")
    p.add_argument("--work", default="bench-python")
    p.add_argument("--lutfhe", default="build/cli/lutfhe")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    setup(a, work)
    spec_p, key_p, in_p, out_p = (str(work / n) for n in ("client.spec", "client.key",
                                                          "py-in.ct", "out.ct"))

    def cli_encrypt():
        subprocess.run([a.lutfhe, "encrypt", "--spec", spec_p, "--client-key", key_p, "--input",
                        str(TEST), "--count", str(a.count), "--out", str(work / "cli-in.ct"),
                        "-q"], check=True)

    def cli_decrypt():
        subprocess.run([a.lutfhe, "decrypt", "--spec", spec_p, "--client-key", key_p, "--in",
                        out_p], check=True, stdout=subprocess.DEVNULL)

    def py_encrypt():
        spec, key = lutfhe.ClientSpec.load(spec_p), lutfhe.ClientKey.load(key_p)
        lutfhe.encrypt(spec, key, lutfhe.load_samples(str(TEST), a.count)).save(in_p)

    def py_decrypt():
        spec, key = lutfhe.ClientSpec.load(spec_p), lutfhe.ClientKey.load(key_p)
        lutfhe.decrypt(spec, key, lutfhe.CiphertextBatch.load(out_p))

    def py_process():
        subprocess.run([sys.executable, "-c", PY_CLIENT, spec_p, key_p, str(TEST), str(a.count),
                        in_p, out_p], check=True)

    runs = {k: [] for k in ("cli_encrypt", "cli_decrypt", "py_encrypt", "py_decrypt",
                            "py_process")}
    for _ in range(a.repeat):  # interleaved, so that other load hits both sides alike
        runs["cli_encrypt"].append(timed(cli_encrypt))
        runs["cli_decrypt"].append(timed(cli_decrypt))
        runs["py_encrypt"].append(timed(py_encrypt))
        runs["py_decrypt"].append(timed(py_decrypt))
        runs["py_process"].append(timed(py_process))
    med = {k: statistics.median(v) for k, v in runs.items()}
    cli = med["cli_encrypt"] + med["cli_decrypt"]
    py = med["py_encrypt"] + med["py_decrypt"]
    spec = lutfhe.ClientSpec.load(spec_p)
    result = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
        "params": spec.parameters["name"], "digits": a.count, "repeat": a.repeat,
        "ciphertexts_in": a.count * spec.input_values,
        "ciphertexts_out": a.count * spec.output_values,
        "seconds_median": {k: round(v, 4) for k, v in med.items()},
        "cli_total_s": round(cli, 4), "python_total_s": round(py, 4),
        "python_overhead_pct": round(100 * (py - cli) / cli, 1),
        "python_process_overhead_pct": round(100 * (med["py_process"] - cli) / cli, 1),
    }
    print(f"CPU: {result['cpu']} ({result['cores']} cores), Python {result['python']}, "
          f"{result['params']}, {a.count} digits, median of {a.repeat}")
    print(f"{'':18}{'encrypt':>10}{'decrypt':>10}{'total':>10}")
    print(f"{'lutfhe (process)':18}{med['cli_encrypt']:10.3f}{med['cli_decrypt']:10.3f}{cli:10.3f}")
    print(f"{'python (in-proc)':18}{med['py_encrypt']:10.3f}{med['py_decrypt']:10.3f}{py:10.3f}"
          f"   {result['python_overhead_pct']:+.1f}%")
    print(f"{'python (process)':18}{'':>20}{med['py_process']:10.3f}"
          f"   {result['python_process_overhead_pct']:+.1f}%")
    if a.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
