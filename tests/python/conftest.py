"""Fixtures of the Python module's tests (run by ctest: tests/python/CMakeLists.txt).

LUTFHE_CLI names the built `lutfhe` program, LUTFHE_SOURCE_DIR the repository; the module is
imported from PYTHONPATH (the build tree's python/ folder). The model is the hand-written
examples/models/tiny_mlp.json compiled for the insecure TOY set, so every test is fast.
"""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import lutfhe

SOURCE = Path(os.environ.get("LUTFHE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CLI = os.environ.get("LUTFHE_CLI", str(SOURCE / "build" / "cli" / "lutfhe"))
TINY_MLP = SOURCE / "examples" / "models" / "tiny_mlp.json"


def run_cli(*args, cwd=None):
    """Runs the lutfhe program; returns its stdout, failing the test on a non-zero exit."""
    r = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=300)
    assert r.returncode == 0, f"lutfhe {' '.join(map(str, args))}: {r.returncode}\n{r.stderr}"
    return r.stdout


def calibration_grid():
    """The calibration grid of tests/cli/cli_chain.cmake (108 samples)."""
    return np.array([[a, b, c, d] for a in (0, 1.25, 2.5, 3.75) for b in (0, 1.5, 3)
                     for c in (0, 2, 3.5) for d in (0, 1, 2.75)], dtype=float)


def write_csv(path, x):
    np.savetxt(path, np.atleast_2d(x), delimiter=",", fmt="%.17g")
    return path


# Inputs: the sample MODEL_FORMAT.md works by hand first, then values outside the calibration
# grid and the input range (the client clamps them).
SAMPLES = np.array([[1.0, 0.5, 0.25, 2.0], [3, 0, 0, 0.5], [0, 3.5, 1, 1], [9, -2, 0.3, 3.9]])


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """tiny_mlp compiled for TOY by Python and saved as `lutfhe compile` would."""
    d = tmp_path_factory.mktemp("tiny")
    compiled = lutfhe.compile(str(TINY_MLP), calibration_grid(), params="TOY", rounding_bits=5)
    compiled.save(str(d / "compiled"))
    write_csv(d / "calibration.csv", calibration_grid())
    write_csv(d / "x.csv", SAMPLES)
    key, eval_key = lutfhe.keygen(compiled.spec)
    return {"dir": d, "compiled": compiled, "spec": compiled.spec, "key": key,
            "eval_key": eval_key}
