"""Bad inputs raise Python exceptions carrying the C++ message; none crashes the interpreter."""
import numpy as np
import pytest

import lutfhe
from conftest import SAMPLES, TINY_MLP, calibration_grid


def test_exception_hierarchy():
    for cls in (lutfhe.InvalidArgument, lutfhe.FileFormatError, lutfhe.KeyMismatch,
                lutfhe.FileAccessError, lutfhe.DimensionMismatch):
        assert issubclass(cls, lutfhe.Error)
    assert issubclass(lutfhe.Error, RuntimeError)
    assert issubclass(lutfhe.ServiceError, lutfhe.InvalidArgument)


@pytest.mark.parametrize("x, words", [
    (np.zeros((2, 5)), "samples of 5 values, the model takes 4"),
    (np.zeros(3), "1-D array of 3 values"),
    (np.zeros((0, 4)), "no samples"),
    (np.array(1.0), "no samples"),
    (np.array([[1.0, np.nan, 0, 0]]), "finite"),
])
def test_bad_sample_arrays(tiny, x, words):
    with pytest.raises(lutfhe.InvalidArgument, match=words):
        lutfhe.encrypt(tiny["spec"], tiny["key"], x)


def test_non_numeric_array_is_a_type_error(tiny):
    with pytest.raises(TypeError):
        lutfhe.encrypt(tiny["spec"], tiny["key"], np.array([["a", "b", "c", "d"]]))
    with pytest.raises(TypeError):
        lutfhe.encrypt(tiny["spec"], "not a key", SAMPLES)


def test_damaged_bytes_and_files(tiny, tmp_path):
    raw = bytearray(tiny["spec"].to_bytes())
    raw[-1] ^= 1
    with pytest.raises(lutfhe.FileFormatError):
        lutfhe.ClientSpec.from_bytes(bytes(raw))
    with pytest.raises(lutfhe.FileFormatError):
        lutfhe.CiphertextBatch.from_bytes(b"not a lutfhe file")
    with pytest.raises(lutfhe.FileFormatError):
        lutfhe.EvaluationKey.from_bytes(b"")
    # A spec is not a ciphertext batch: the kind is checked (a valid file of another kind).
    with pytest.raises(lutfhe.KeyMismatch, match="^bytes: is a client spec file"):
        lutfhe.CiphertextBatch.from_bytes(tiny["spec"].to_bytes())
    with pytest.raises(lutfhe.FileAccessError):
        lutfhe.ClientKey.load(str(tmp_path / "missing.key"))
    with pytest.raises(lutfhe.FileAccessError):
        tiny["key"].save(str(tmp_path / "no" / "such" / "dir" / "k.key"))


def test_keys_of_other_parameters_or_clients(tiny):
    other = lutfhe.ClientKey.generate("PBS_2BIT")
    with pytest.raises(lutfhe.KeyMismatch, match="PBS_2BIT"):
        lutfhe.encrypt(tiny["spec"], other, SAMPLES)
    stranger = lutfhe.ClientKey.generate(tiny["spec"])
    batch = lutfhe.encrypt(tiny["spec"], tiny["key"], SAMPLES)
    results = lutfhe.run(tiny["compiled"].circuit, tiny["eval_key"], batch, threads=1)
    with pytest.raises(lutfhe.KeyMismatch):
        lutfhe.decrypt(tiny["spec"], stranger, results)
    stranger_eval = stranger.evaluation_key()
    with pytest.raises(lutfhe.KeyMismatch):
        lutfhe.run(tiny["compiled"].circuit, stranger_eval, batch, threads=1)
    # Results of three samples (6 ciphertexts) are no whole number of 4-value inputs.
    three = lutfhe.run(tiny["compiled"].circuit, tiny["eval_key"], lutfhe.encrypt(
        tiny["spec"], tiny["key"], SAMPLES[:3]), threads=1)
    with pytest.raises(lutfhe.InvalidArgument, match="whole number"):
        lutfhe.run(tiny["compiled"].circuit, tiny["eval_key"], three, threads=1)


def test_bad_compile_options():
    cal = calibration_grid()
    with pytest.raises(lutfhe.InvalidArgument, match="rounding"):
        lutfhe.compile(str(TINY_MLP), cal, rounding="sometimes")
    with pytest.raises(lutfhe.InvalidArgument, match="p_error"):
        lutfhe.compile(str(TINY_MLP), cal, p_error=2.0)
    with pytest.raises(lutfhe.InvalidArgument, match="p_error"):
        lutfhe.compile(str(TINY_MLP), cal, p_error="2^x")
    with pytest.raises(lutfhe.InvalidArgument, match="not both"):
        lutfhe.compile(str(TINY_MLP), cal, p_error=1e-9, global_p_error=1e-6)
    with pytest.raises(lutfhe.InvalidArgument, match="NO_SUCH_SET"):
        lutfhe.compile(str(TINY_MLP), cal, params="NO_SUCH_SET")
    with pytest.raises(lutfhe.InvalidArgument, match="rounding_bits"):
        lutfhe.compile(str(TINY_MLP), cal, rounding_bits=40)
    with pytest.raises(lutfhe.InvalidArgument, match="calibration_labels"):
        lutfhe.compile(str(TINY_MLP), cal, calibration_labels=np.zeros(3, dtype=int))


def test_bad_model_files(tmp_path):
    (tmp_path / "m.json").write_text("{not json")
    with pytest.raises(lutfhe.InvalidArgument, match="m.json"):
        lutfhe.compile(str(tmp_path / "m.json"), calibration_grid())
    with pytest.raises(lutfhe.Error):
        lutfhe.compile(str(tmp_path / "absent.json"))
    (tmp_path / "m.onnx").write_bytes(b"\x00garbage")
    with pytest.raises(lutfhe.InvalidArgument):
        lutfhe.compile(str(tmp_path / "m.onnx"), calibration_grid())


def test_a_raising_progress_callback_propagates(tiny):
    def stop(done, total):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        lutfhe.encrypt(tiny["spec"], tiny["key"], SAMPLES, progress=stop)
    with pytest.raises(TypeError):
        lutfhe.encrypt(tiny["spec"], tiny["key"], SAMPLES, progress=lambda: None)
    # The module still works afterwards.
    assert len(lutfhe.encrypt(tiny["spec"], tiny["key"], SAMPLES)) == 16


def test_service_errors_carry_status():
    with pytest.raises(lutfhe.InvalidArgument, match="token"):
        lutfhe.ServiceClient("http://127.0.0.1:9", token="")
    svc = lutfhe.ServiceClient("http://127.0.0.1:9", token="lf_x", timeout=2)
    with pytest.raises(lutfhe.ServiceError) as e:
        svc.models()
    assert e.value.status == 0
    with pytest.raises(lutfhe.InvalidArgument, match="job id"):
        svc.status("../../etc")


def test_spec_and_circuit_of_different_models(tiny):
    """A spec of one model with the circuit of another: refused, not read out of bounds."""
    from conftest import SOURCE
    suite = SOURCE / "tests" / "data" / "model_suite"
    cal = lutfhe.load_samples(str(suite / "breast_logreg.calibration.csv"))
    other = lutfhe.compile(str(suite / "breast_logreg.onnx"), cal, weight_bits=5,
                           activation_bits=5, input_bits=5, params="TOY")
    with pytest.raises(lutfhe.DimensionMismatch):
        lutfhe.simulate(tiny["compiled"].circuit, other.spec, cal[:2])
    with pytest.raises(lutfhe.DimensionMismatch):
        lutfhe.simulate(other.circuit, tiny["spec"], SAMPLES)
    with pytest.raises(lutfhe.InvalidArgument, match="needs a range"):
        lutfhe.predict_clear(str(suite / "breast_logreg.onnx"), cal[:2])
