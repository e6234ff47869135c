"""The module and the `lutfhe` program agree: the same compile artifacts and report, the same
predictions on the same inputs and keys, and byte-identical server results."""
import numpy as np
import pytest

import lutfhe
from conftest import SAMPLES, SOURCE, TINY_MLP, run_cli, write_csv


def parse_predictions(text):
    """`lutfhe decrypt --spec` / `predict` lines: the argmax, then the scores."""
    rows = [line.split() for line in text.strip().splitlines()]
    return np.array([int(r[0]) for r in rows]), np.array([[float(v) for v in r[1:]] for r in rows])


def assert_same_predictions(cli_text, scores):
    classes, cli_scores = parse_predictions(cli_text)
    np.testing.assert_array_equal(classes, np.argmax(scores, axis=1))
    # The CLI prints %.6g; these scores are short binary fractions, printed exactly.
    np.testing.assert_array_equal(cli_scores, scores)


def test_compile_matches_the_cli(tiny, tmp_path):
    d = tiny["dir"]
    run_cli("compile", "--model", TINY_MLP, "--calibration", d / "calibration.csv", "--out",
            tmp_path / "cli", "--params", "TOY", "--rounding-bits", "5", "-q")
    for name in ("client.spec", "server.circuit", "compile_report.txt"):
        assert (d / "compiled" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert tiny["compiled"].report == (tmp_path / "cli" / "compile_report.txt").read_text()


def test_cli_chain_with_python_keys(tiny, tmp_path):
    """Keys made in Python; the CLI encrypts, runs and decrypts; Python does the same with the
    same keys and reads the CLI's results."""
    spec, key, d = tiny["spec"], tiny["key"], tiny["dir"]
    key.save(str(tmp_path / "client.key"))
    tiny["eval_key"].save(str(tmp_path / "eval.key"))
    spec_path = d / "compiled" / "client.spec"
    circuit = d / "compiled" / "server.circuit"
    run_cli("encrypt", "--spec", spec_path, "--client-key", tmp_path / "client.key", "--input",
            d / "x.csv", "--out", tmp_path / "in.ct", "-q")
    run_cli("run", "--circuit", circuit, "--server-key", tmp_path / "eval.key", "--in",
            tmp_path / "in.ct", "--out", tmp_path / "out.ct", "--threads", "1", "-q")
    cli_text = run_cli("decrypt", "--spec", spec_path, "--client-key", tmp_path / "client.key",
                       "--in", tmp_path / "out.ct")

    # Python decrypts the CLI's results.
    cli_results = lutfhe.CiphertextBatch.load(str(tmp_path / "out.ct"))
    assert_same_predictions(cli_text, lutfhe.decrypt(spec, key, cli_results))

    # Python's server on the CLI's ciphertexts writes the very same result file.
    server = lutfhe.Server(lutfhe.ServerCircuit.load(str(circuit)), str(tmp_path / "eval.key"),
                           threads=1)
    server.run(lutfhe.CiphertextBatch.load(str(tmp_path / "in.ct"))).save(str(tmp_path / "py.ct"))
    assert (tmp_path / "py.ct").read_bytes() == (tmp_path / "out.ct").read_bytes()
    # File to file, one sample per chunk: the same bytes again.
    done = []
    assert server.run_file(str(tmp_path / "in.ct"), str(tmp_path / "py-file.ct"), batch_size=1,
                           progress=lambda d, n: done.append((d, n))) == len(SAMPLES)
    assert (tmp_path / "py-file.ct").read_bytes() == (tmp_path / "out.ct").read_bytes()
    assert done == [(i + 1, len(SAMPLES)) for i in range(len(SAMPLES))]

    # The whole chain in Python on the same inputs and keys.
    x = lutfhe.load_samples(str(d / "x.csv"))
    np.testing.assert_array_equal(x, SAMPLES)
    py_scores = lutfhe.decrypt(spec, key, server.run(lutfhe.encrypt(spec, key, x)))
    assert_same_predictions(cli_text, py_scores)

    # Encrypted to a file chunk by chunk (a seeded file, the size of the CLI's), evaluated file
    # to file: the CLI decrypts what the CLI decrypted before.
    assert lutfhe.encrypt_file(spec, key, x, str(tmp_path / "py-in.ct")) == len(SAMPLES)
    assert (tmp_path / "py-in.ct").stat().st_size == (tmp_path / "in.ct").stat().st_size
    server.run_file(str(tmp_path / "py-in.ct"), str(tmp_path / "py-in-out.ct"))
    assert run_cli("decrypt", "--spec", spec_path, "--client-key", tmp_path / "client.key",
                   "--in", tmp_path / "py-in-out.ct") == cli_text

    # And the CLI decrypts Python's results.
    lutfhe.run(tiny["compiled"].circuit, tiny["eval_key"], lutfhe.encrypt(spec, key, x),
               threads=1).save(str(tmp_path / "py-out.ct"))
    assert run_cli("decrypt", "--spec", spec_path, "--client-key", tmp_path / "client.key",
                   "--in", tmp_path / "py-out.ct") == cli_text


def test_simulate_and_clear_match_cli_predict(tiny):
    d = tiny["dir"]
    sim = run_cli("predict", "--compiled", d / "compiled", "--mode", "simulate", "--input",
                  d / "x.csv", "-q")
    assert_same_predictions(sim, tiny["compiled"].simulate(SAMPLES))
    circuit = lutfhe.ServerCircuit.load(str(d / "compiled" / "server.circuit"))
    assert_same_predictions(sim, lutfhe.simulate(circuit, tiny["spec"], SAMPLES))
    clear = run_cli("predict", "--model", TINY_MLP, "--mode", "clear", "--input", d / "x.csv")
    assert_same_predictions(clear, lutfhe.predict_clear(str(TINY_MLP), SAMPLES))


def test_onnx_compile_matches_the_cli(tmp_path):
    """A float ONNX model (logistic regression) with fixed bit widths: same artifacts, report,
    clear and simulated predictions as the CLI."""
    suite = SOURCE / "tests" / "data" / "model_suite"
    onnx = suite / "breast_logreg.onnx"
    cal = lutfhe.load_samples(str(suite / "breast_logreg.calibration.csv"))
    test = lutfhe.load_samples(str(suite / "breast_logreg.test.csv"), 20)
    opts = ["--weight-bits", "5", "--activation-bits", "5", "--input-bits", "5",
            "--params", "TOY"]
    run_cli("compile", "--model", onnx, "--calibration", suite / "breast_logreg.calibration.csv",
            "--out", tmp_path / "cli", *opts, "-q")
    compiled = lutfhe.compile(str(onnx), cal, weight_bits=5, activation_bits=5, input_bits=5,
                              params="TOY")
    compiled.save(str(tmp_path / "py"))
    for name in ("client.spec", "server.circuit", "compile_report.txt"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    write_csv(tmp_path / "test.csv", test)
    sim = run_cli("predict", "--compiled", tmp_path / "cli", "--mode", "simulate", "--input",
                  tmp_path / "test.csv", "-q")
    classes, scores = parse_predictions(sim)
    py = compiled.simulate(test)
    np.testing.assert_array_equal(classes, np.argmax(py, axis=1))
    np.testing.assert_allclose(scores, py, rtol=1e-5)  # %.6g on the CLI's side


def test_bounded_accumulators_match_the_cli(tmp_path):
    """accumulator_bits: the same artifacts as `lutfhe compile --accumulator-bits`."""
    suite = SOURCE / "tests" / "data" / "model_suite"
    onnx = suite / "breast_mlp.onnx"
    cal = lutfhe.load_samples(str(suite / "breast_mlp.calibration.csv"))
    opts = ["--weight-bits", "4", "--activation-bits", "3", "--input-bits", "2",
            "--accumulator-bits", "3", "--rounding-bits", "3", "--params", "TOY"]
    run_cli("compile", "--model", onnx, "--calibration", suite / "breast_mlp.calibration.csv",
            "--out", tmp_path / "cli", *opts, "-q")
    compiled = lutfhe.compile(str(onnx), cal, weight_bits=4, activation_bits=3, input_bits=2,
                              accumulator_bits=3, rounding_bits=3, params="TOY")
    compiled.save(str(tmp_path / "py"))
    for name in ("client.spec", "server.circuit", "compile_report.txt"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert "bootstraps per evaluation: 16" in (tmp_path / "py" / "compile_report.txt").read_text()
