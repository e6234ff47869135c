"""The service client against a real `lutfhe serve` on a free port: predict in one call, the
steps one by one, progress callbacks, refusals as ServiceError with the HTTP status."""
import shutil
import subprocess
import time

import numpy as np
import pytest

import lutfhe
from conftest import CLI, SAMPLES, run_cli, write_csv


@pytest.fixture(scope="module")
def server(tiny, tmp_path_factory):
    d = tmp_path_factory.mktemp("service")
    model_dir = d / "models" / "tiny"
    model_dir.mkdir(parents=True)
    for name in ("client.spec", "server.circuit"):
        shutil.copy(tiny["dir"] / "compiled" / name, model_dir / name)
    # A training step served beside it (TOY, 4 features, batches of 2).
    run_cli("train-encrypted", "compile", "--features", "4", "--batch", "2", "--params", "TOY",
            "--out", d / "models" / "sgd")
    token = run_cli("token", "--data", d / "data", "--name", "alice").strip()
    port_file = d / "port"
    log = open(d / "serve.log", "w")
    proc = subprocess.Popen([CLI, "serve", "--models", d / "models", "--data", d / "data",
                             "--port", "0", "--port-file", port_file, "--threads-per-job", "1"],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while not port_file.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    if not port_file.exists():
        proc.kill()
        pytest.fail("lutfhe serve did not start: " + (d / "serve.log").read_text())
    time.sleep(0.05)  # the port file is written whole; give the writer a moment to finish
    url = f"http://127.0.0.1:{int(port_file.read_text())}"
    yield {"url": url, "token": token}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_predict_in_one_call(tiny, server):
    out = lutfhe.predict(server["url"], "tiny", SAMPLES, token=server["token"])
    np.testing.assert_array_equal(out, tiny["compiled"].simulate(SAMPLES))
    # With a key kept by the caller, the evaluation key is uploaded once and then reused.
    key = lutfhe.ClientKey.generate(tiny["spec"])
    states = []
    out2 = lutfhe.predict(server["url"], "tiny", SAMPLES[:2], token=server["token"], key=key,
                          progress=lambda state, done, total: states.append(state))
    np.testing.assert_array_equal(out2, out[:2])
    assert states[-1] == "done"
    svc = lutfhe.ServiceClient(server["url"], token=server["token"])
    assert svc.has_key(key.key_id)


def test_steps_one_by_one(tiny, server):
    svc = lutfhe.ServiceClient(server["url"], token=server["token"])
    models = svc.models()
    assert "tiny" in str(models)
    spec = svc.spec("tiny")
    assert spec.to_bytes() == tiny["spec"].to_bytes()
    key_id = svc.upload_key("tiny", tiny["eval_key"])
    assert key_id == tiny["key"].key_id and svc.has_key(key_id)
    batch = lutfhe.encrypt(spec, tiny["key"], SAMPLES)
    job = svc.submit("tiny", batch, idempotency_key="python-steps-1")
    assert svc.submit("tiny", batch, idempotency_key="python-steps-1") == job
    seen = []
    svc.wait(job, progress=lambda state, done, total: seen.append((state, done, total)))
    assert seen[-1] == ("done", len(SAMPLES), len(SAMPLES))
    assert svc.status(job)["state"] == "done"
    assert any(j.get("job_id") == job for j in svc.jobs()["jobs"])
    out = lutfhe.decrypt(spec, tiny["key"], svc.fetch(job))
    np.testing.assert_array_equal(out, tiny["compiled"].simulate(SAMPLES))
    svc.delete(job)
    with pytest.raises(lutfhe.ServiceError) as e:
        svc.fetch(job)
    assert e.value.status == 404


def test_refusals(server):
    bad = lutfhe.ServiceClient(server["url"], token="lf_" + "0" * 64)
    with pytest.raises(lutfhe.ServiceError) as e:
        bad.models()
    assert e.value.status == 401
    svc = lutfhe.ServiceClient(server["url"], token=server["token"])
    with pytest.raises(lutfhe.ServiceError) as e:
        svc.spec("no-such-model")
    assert e.value.status == 404
    with pytest.raises(lutfhe.InvalidArgument, match="not a model name"):
        svc.spec("../etc")
    with pytest.raises(lutfhe.ServiceError):
        lutfhe.predict(server["url"], "tiny", SAMPLES, token="lf_" + "1" * 64)


def test_cli_client_predict_agrees(tiny, server, tmp_path):
    """`lutfhe client predict` (the same service calls, from C++) gives what Python gives."""
    text = run_cli("client", "predict", "--server", server["url"], "--token", server["token"],
                   "--model", "tiny", "--input", tiny["dir"] / "x.csv", "--cache",
                   tmp_path / "cache", "-q")
    rows = [line.split() for line in text.strip().splitlines()]
    py = lutfhe.predict(server["url"], "tiny", SAMPLES, token=server["token"])
    np.testing.assert_array_equal([int(r[0]) for r in rows], py.argmax(axis=1))
    np.testing.assert_array_equal([[float(v) for v in r[1:]] for r in rows], py)


TRAIN_X = np.array([[0.5, -1, 0.25, 1], [-0.75, 0.5, 1, -0.5], [1, 1, -1, 0],
                    [-1, -0.25, 0.5, 0.75], [0.25, 0.75, -0.5, -1], [-0.5, 0, 1, 0.5]])
TRAIN_Y = np.array([1, 0, 1, 0, 1, 0])


def test_training_in_one_call_equals_the_cli(server, tmp_path):
    steps = []
    w = lutfhe.train(server["url"], "sgd", TRAIN_X, TRAIN_Y, epochs=2, token=server["token"],
                     progress=lambda state, done, total: steps.append((state, done, total)))
    assert w.shape == (5,) and w.dtype == np.float64
    assert np.any(w != 0), "the steps should move the weights"
    assert steps[-1] == ("done", 6, 6)  # 3 batches of 2, twice
    # `lutfhe client train` on the same data (its own keys, other randomness): same weights.
    write_csv(tmp_path / "x.csv", TRAIN_X)
    (tmp_path / "y.csv").write_text("\n".join(map(str, TRAIN_Y)) + "\n")
    line = run_cli("client", "train", "--server", server["url"], "--token", server["token"],
                   "--model", "sgd", "--train", tmp_path / "x.csv", "--train-labels",
                   tmp_path / "y.csv", "--epochs", "2", "--cache", tmp_path / "cache", "-q")
    np.testing.assert_array_equal(w, np.array([float(v) for v in line.strip().split(",")]))


def test_training_step_by_step_and_bad_input(server):
    svc = lutfhe.ServiceClient(server["url"], token=server["token"])
    spec = svc.spec("sgd")
    key, eval_key = lutfhe.keygen(spec)
    svc.upload_key("sgd", eval_key)
    job = svc.submit("sgd", lutfhe.encrypt_training(spec, key, TRAIN_X, TRAIN_Y))
    svc.wait(job)
    w = lutfhe.decrypt_training(spec, key, svc.fetch(job))
    assert w.shape == (5,)
    one = lutfhe.train(server["url"], "sgd", TRAIN_X, TRAIN_Y, token=server["token"], key=key)
    np.testing.assert_array_equal(w, one)
    with pytest.raises(lutfhe.InvalidArgument, match="label"):
        lutfhe.encrypt_training(spec, key, TRAIN_X, TRAIN_Y[:4])
    with pytest.raises(lutfhe.InvalidArgument, match="fewer samples than one batch"):
        lutfhe.encrypt_training(spec, key, TRAIN_X[:1], TRAIN_Y[:1])
