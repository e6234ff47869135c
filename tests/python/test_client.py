"""Round trips of the client side: specs, keys, batches as files and bytes; encrypt, run,
decrypt against the simulation."""
import os
import stat

import numpy as np
import pytest

import lutfhe
from conftest import SAMPLES


def test_spec_round_trips(tiny, tmp_path):
    spec = tiny["spec"]
    again = lutfhe.ClientSpec.from_bytes(spec.to_bytes())
    assert again.to_bytes() == spec.to_bytes()
    spec.save(str(tmp_path / "client.spec"))
    loaded = lutfhe.ClientSpec.load(str(tmp_path / "client.spec"))
    assert loaded.to_bytes() == spec.to_bytes()
    assert loaded.input_values == 4 and loaded.output_values == 2
    assert loaded.parameters["name"] == "TOY" and loaded.parameters["insecure"]
    assert loaded.parameters["grouping"] == 1 and loaded.parameters["modulus_switch"] == "standard"
    sets = {p["name"]: p for p in lutfhe.parameter_sets()}
    assert sets["PBS_4BIT_MB3_2M128"]["grouping"] == 3
    assert sets["PBS_4BIT_2M128"]["modulus_switch"] == "centred"
    assert loaded.inputs[0]["shape"] == (4,) and loaded.inputs[0]["scale"] == 0.25


def test_client_key_file_is_private_and_loads(tiny, tmp_path):
    path = tmp_path / "client.key"
    tiny["key"].save(str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = lutfhe.ClientKey.load(str(path))
    assert again.key_id == tiny["key"].key_id
    # The reloaded key decrypts what the original encrypted.
    batch = lutfhe.encrypt(tiny["spec"], tiny["key"], SAMPLES[0])
    q = lutfhe.decrypt(tiny["spec"], again, batch, dequantize=False)
    assert q.dtype == np.int64


def test_evaluation_key_and_batch_bytes(tiny, tmp_path):
    ek = tiny["eval_key"]
    data = ek.to_bytes()
    ek2 = lutfhe.EvaluationKey.from_bytes(data)
    assert ek2.key_id == ek.key_id == tiny["key"].key_id
    ek.save(str(tmp_path / "eval.key"))
    assert (tmp_path / "eval.key").read_bytes() == data

    batch = lutfhe.encrypt(tiny["spec"], tiny["key"], SAMPLES)
    assert len(batch) == 4 * len(SAMPLES)
    raw = batch.to_bytes()
    # Seeded masks: 8 bytes per ciphertext plus the header and seed, far below k*N words.
    assert len(raw) < 1024
    again = lutfhe.CiphertextBatch.from_bytes(raw)
    assert again.to_bytes() == raw
    batch.save(str(tmp_path / "in.ct"))
    assert lutfhe.CiphertextBatch.load(str(tmp_path / "in.ct")).to_bytes() == raw


def test_encrypt_run_decrypt_equals_simulate(tiny):
    spec, key = tiny["spec"], tiny["key"]
    server = lutfhe.Server(tiny["compiled"].circuit, lutfhe.EvaluationKey.from_bytes(
        tiny["eval_key"].to_bytes()), threads=1)
    results = server.run(lutfhe.encrypt(spec, key, SAMPLES))
    out = lutfhe.decrypt(spec, key, results)
    assert out.shape == (len(SAMPLES), 2) and out.dtype == np.float64
    np.testing.assert_array_equal(out, tiny["compiled"].simulate(SAMPLES))
    # The sample worked by hand in models/MODEL_FORMAT.md: scores 0.75 and -1.
    np.testing.assert_array_equal(out[0], [0.75, -1.0])
    assert server.bootstraps > 0


def test_one_sample_and_other_dtypes(tiny):
    spec, key = tiny["spec"], tiny["key"]
    ints = np.array([[1, 2, 3, 0]], dtype=np.int32)
    q = spec.quantize(ints)
    np.testing.assert_array_equal(q, [[4, 8, 12, 0]])
    one = lutfhe.run(tiny["compiled"].circuit, tiny["eval_key"],
                     lutfhe.encrypt(spec, key, SAMPLES[1]), threads=1)
    np.testing.assert_array_equal(lutfhe.decrypt(spec, key, one),
                                  tiny["compiled"].simulate(SAMPLES[1:2]))


def test_progress_callbacks_are_called(tiny):
    seen = []
    lutfhe.encrypt(tiny["spec"], tiny["key"], SAMPLES, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(SAMPLES), len(SAMPLES))


def test_clear_and_simulate_agree_inside_the_range(tiny):
    """The two ways to simulate agree value by value; the quantized model in the clear (which
    does not round the hidden accumulators to r = 5 bits, as the circuit does) gives the same
    classes, and the same scores on the sample worked by hand in models/MODEL_FORMAT.md."""
    x = SAMPLES[:3]
    sim = tiny["compiled"].simulate(x)
    np.testing.assert_array_equal(lutfhe.simulate(tiny["compiled"].circuit, tiny["spec"], x), sim)
    clear = tiny["compiled"].predict_clear(x)
    np.testing.assert_array_equal(np.argmax(clear, axis=1), np.argmax(sim, axis=1))
    np.testing.assert_array_equal(clear[0], sim[0])
