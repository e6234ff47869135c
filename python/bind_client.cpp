// The client side (compiler/client.hpp): client specs, keys, encryption of NumPy samples into a
// ciphertext batch and decryption of result batches into NumPy arrays. The secret key stays in
// this process or in a file of mode 0600.
#include <algorithm>

#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key_file.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/fingerprint.hpp"
#include "core/hex.hpp"
#include "models/samples.hpp"
#include "python/module.hpp"

namespace lutfhe::python {
namespace {

py::dict tensor_dict(const compiler::ClientTensor& t) {
  py::dict d;
  d["name"] = t.name;
  d["shape"] = py::tuple(py::cast(t.shape));
  d["range"] = py::make_tuple(t.range.lo, t.range.hi);
  d["scale"] = t.quantization.scale;
  d["zero_point"] = t.quantization.zero_point;
  return d;
}

py::list tensor_list(const std::vector<compiler::ClientTensor>& ts) {
  py::list out;
  for (const auto& t : ts) out.append(tensor_dict(t));
  return out;
}

py::dict parameters_dict(const ParameterSet& p) {
  py::dict d;
  d["name"] = p.name;
  d["version"] = p.version;
  d["n"] = p.n.value();
  d["k"] = p.k.value();
  d["N"] = p.N.value();
  d["message_bits"] = p.message_bits;
  d["modulus_switch"] = p.centred_modulus_switch() ? "centred" : "standard";
  d["grouping"] = p.grouping;  // multi-bit blind rotation (1: classic)
  d["insecure"] = p.insecure;
  d["security_bits"] = p.claimed_security_bits;
  return d;
}

ParameterSet parameters_of(const py::object& spec_or_name) {
  if (py::isinstance<PyClientSpec>(spec_or_name)) {
    return spec_or_name.cast<const PyClientSpec&>().spec->params;
  }
  if (py::isinstance<py::str>(spec_or_name)) {
    return parameters_named(spec_or_name.cast<std::string>());
  }
  throw InvalidArgument("give a ClientSpec or a parameter set name");
}

void require_key_for(const compiler::ClientSpec& spec, const ClientKey& key) {
  if (parameter_fingerprint(key.parameters()) != parameter_fingerprint(spec.params)) {
    throw KeyMismatch("client key made for parameters " + key.parameters().name +
                      ", the client spec needs " + spec.params.name);
  }
}

std::shared_ptr<const EvaluationKey> make_evaluation_key(const ClientKey& key, bool bootstrapping,
                                                         bool seeded, const py::object& progress) {
  const ProgressCallback cb = progress_callback(progress);
  return without_gil([&] {
    if (seeded) {
      return std::make_shared<const EvaluationKey>(generate_evaluation_key(key, cb, bootstrapping));
    }
    EncryptionRandomness rng = EncryptionRandomness::from_os();
    return std::make_shared<const EvaluationKey>(
        generate_evaluation_key(key, rng, cb, bootstrapping));
  });
}

PyBatch encrypt(const PyClientSpec& s, const PyClientKey& k, const DoubleArray& x,
                const py::object& progress) {
  const compiler::ClientSpec& spec = *s.spec;
  require_key_for(spec, *k.key);
  const auto samples = samples_from(x, spec.input_values(), "encrypt");
  const ProgressCallback cb = progress_callback(progress);
  return {without_gil([&] {
    return std::make_shared<const CiphertextBatch>(
        compiler::encrypt_samples(spec, *k.key, samples, cb));
  })};
}

// The same into a seeded batch file, 64 samples at a time: a large batch is never in memory.
std::size_t encrypt_file(const PyClientSpec& s, const PyClientKey& k, const DoubleArray& x,
                         const std::string& path, const py::object& progress) {
  const compiler::ClientSpec& spec = *s.spec;
  require_key_for(spec, *k.key);
  const auto samples = samples_from(x, spec.input_values(), "encrypt_file");
  const ProgressCallback cb = progress_callback(progress);
  without_gil([&] { compiler::encrypt_samples_to_file(spec, *k.key, samples, path, cb); });
  return samples.size();
}

py::array decrypt(const PyClientSpec& s, const PyClientKey& k, const PyBatch& b, bool dequantize) {
  const compiler::ClientSpec& spec = *s.spec;
  const std::size_t width = spec.output_values();
  if (dequantize) {
    const auto rows = without_gil([&] {
      std::vector<compiler::RealSample> out;
      for (const auto& r : compiler::decrypt_results(spec, *k.key, *b.batch)) {
        out.push_back(compiler::dequantize_outputs(spec, r));
      }
      return out;
    });
    return to_array(rows, width);
  }
  const auto results =
      without_gil([&] { return compiler::decrypt_results(spec, *k.key, *b.batch); });
  py::array_t<std::int64_t> out(
      {static_cast<py::ssize_t>(results.size()), static_cast<py::ssize_t>(width)});
  std::int64_t* data = out.mutable_data();
  for (const auto& sample : results) {
    for (const auto& tensor : sample) data = std::copy(tensor.begin(), tensor.end(), data);
  }
  return out;
}

void bind_spec(py::module_& m) {
  py::class_<PyClientSpec>(m, "ClientSpec",
                           "What a client needs to know about a compiled model (no secrets, no "
                           "weights): parameters, input quantization, output dequantization.")
      .def_static(
          "load",
          [](const std::string& path) {
            return PyClientSpec{std::make_shared<const compiler::ClientSpec>(
                without_gil([&] { return compiler::load_client_spec(path); }))};
          },
          py::arg("path"), "Load a client.spec file (as `lutfhe compile` writes it).")
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            return PyClientSpec{std::make_shared<const compiler::ClientSpec>(
                from_bytes(b, [](const fs::path& p) { return compiler::load_client_spec(p); }))};
          },
          py::arg("data"))
      .def(
          "save",
          [](const PyClientSpec& s, const std::string& path) {
            without_gil([&] { compiler::save_client_spec(path, *s.spec); });
          },
          py::arg("path"))
      .def("to_bytes",
           [](const PyClientSpec& s) {
             return to_bytes([&](const fs::path& p) { compiler::save_client_spec(p, *s.spec); });
           })
      .def_property_readonly("parameters",
                             [](const PyClientSpec& s) { return parameters_dict(s.spec->params); })
      .def_property_readonly("description",
                             [](const PyClientSpec& s) { return s.spec->description; })
      .def_property_readonly("needs_bootstrapping",
                             [](const PyClientSpec& s) { return s.spec->needs_bootstrapping; })
      .def_property_readonly("input_values",
                             [](const PyClientSpec& s) { return s.spec->input_values(); })
      .def_property_readonly("output_values",
                             [](const PyClientSpec& s) { return s.spec->output_values(); })
      .def_property_readonly("inputs",
                             [](const PyClientSpec& s) { return tensor_list(s.spec->inputs); })
      .def_property_readonly("outputs",
                             [](const PyClientSpec& s) { return tensor_list(s.spec->outputs); })
      .def(
          "quantize",
          [](const PyClientSpec& s, const DoubleArray& x) {
            const auto samples = samples_from(x, s.spec->input_values(), "quantize");
            py::array_t<std::int64_t> out({static_cast<py::ssize_t>(samples.size()),
                                           static_cast<py::ssize_t>(s.spec->input_values())});
            std::int64_t* data = out.mutable_data();
            for (const auto& x1 : samples) {
              for (const auto& t : compiler::quantize_sample(*s.spec, x1)) {
                data = std::copy(t.begin(), t.end(), data);
              }
            }
            return out;
          },
          py::arg("x"), "The integers the client encrypts for samples x (the one quantizer).")
      .def("__repr__", [](const PyClientSpec& s) {
        return "<lutfhe.ClientSpec " + s.spec->params.display_name() + ", " +
               std::to_string(s.spec->input_values()) + " inputs, " +
               std::to_string(s.spec->output_values()) + " outputs>";
      });
}

void bind_keys(py::module_& m) {
  py::class_<PyClientKey>(m, "ClientKey",
                          "The client's secret key. It stays in this process unless saved (a "
                          "file of mode 0600); it is never sent anywhere.")
      .def_static(
          "generate",
          [](const py::object& spec_or_params) {
            const ParameterSet p = parameters_of(spec_or_params);
            return PyClientKey{std::make_shared<const ClientKey>(
                without_gil([&] { return ClientKey::generate(p); }))};
          },
          py::arg("spec"), "Fresh secrets from the OS CSPRNG for a ClientSpec or a set name.")
      .def_static(
          "load",
          [](const std::string& path) {
            return PyClientKey{std::make_shared<const ClientKey>(
                without_gil([&] { return load_client_key(path); }))};
          },
          py::arg("path"))
      .def(
          "save",
          [](const PyClientKey& k, const std::string& path) {
            without_gil([&] { save_client_key(path, *k.key); });
          },
          py::arg("path"), "Write the key to a file of mode 0600.")
      .def(
          "evaluation_key",
          [](const PyClientKey& k, bool bootstrapping, bool seeded, const py::object& progress) {
            return PyEvaluationKey{make_evaluation_key(*k.key, bootstrapping, seeded, progress)};
          },
          py::arg("bootstrapping") = true, py::arg("seeded") = true,
          py::arg("progress") = py::none(),
          "The evaluation key the server gets (no secrets). seeded: masks stored as a seed "
          "(smaller files); bootstrapping=False for a circuit without lookups.")
      .def_property_readonly("key_id", [](const PyClientKey& k) { return to_hex(k.key->key_id()); })
      .def_property_readonly(
          "parameters", [](const PyClientKey& k) { return parameters_dict(k.key->parameters()); })
      .def("__repr__", [](const PyClientKey& k) {
        return "<lutfhe.ClientKey " + k.key->parameters().display_name() + " " +
               to_hex(k.key->key_id(), 6) + ">";
      });

  py::class_<PyEvaluationKey>(m, "EvaluationKey",
                              "The evaluation key (bootstrapping and key-switching keys): what "
                              "the server computes with. No secrets.")
      .def_static(
          "load",
          [](const std::string& path) {
            return PyEvaluationKey{std::make_shared<const EvaluationKey>(
                without_gil([&] { return load_evaluation_key(path); }))};
          },
          py::arg("path"))
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            return PyEvaluationKey{std::make_shared<const EvaluationKey>(
                from_bytes(b, [](const fs::path& p) { return load_evaluation_key(p); }))};
          },
          py::arg("data"))
      .def(
          "save",
          [](const PyEvaluationKey& k, const std::string& path) {
            without_gil([&] { save_evaluation_key(path, *k.key, k.key->mask_seed.has_value()); });
          },
          py::arg("path"))
      .def("to_bytes",
           [](const PyEvaluationKey& k) {
             return to_bytes([&](const fs::path& p) {
               save_evaluation_key(p, *k.key, k.key->mask_seed.has_value());
             });
           })
      .def_property_readonly("key_id",
                             [](const PyEvaluationKey& k) { return to_hex(k.key->key_id); })
      .def_property_readonly(
          "parameters", [](const PyEvaluationKey& k) { return parameters_dict(k.key->params); });

  m.def(
      "keygen",
      [](const PyClientSpec& s, bool seeded, const py::object& progress) {
        PyClientKey key{std::make_shared<const ClientKey>(
            without_gil([&] { return ClientKey::generate(s.spec->params); }))};
        PyEvaluationKey eval{
            make_evaluation_key(*key.key, s.spec->needs_bootstrapping, seeded, progress)};
        return py::make_tuple(key, eval);
      },
      py::arg("spec"), py::arg("seeded") = true, py::arg("progress") = py::none(),
      "(ClientKey, EvaluationKey) for a client spec, as `lutfhe keygen --spec` makes them.");
}

void bind_batch(py::module_& m) {
  py::class_<PyBatch>(m, "CiphertextBatch",
                      "Encrypted samples (or results), sample after sample, under one key.")
      .def_static(
          "load",
          [](const std::string& path) {
            return PyBatch{std::make_shared<const CiphertextBatch>(
                without_gil([&] { return load_ciphertexts(path); }))};
          },
          py::arg("path"))
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            return PyBatch{std::make_shared<const CiphertextBatch>(
                from_bytes(b, [](const fs::path& p) { return load_ciphertexts(p); }))};
          },
          py::arg("data"))
      .def(
          "save",
          [](const PyBatch& b, const std::string& path) {
            without_gil([&] { save_ciphertexts(path, *b.batch, b.batch->mask_seed.has_value()); });
          },
          py::arg("path"), "Write the batch (seeded masks when it has them: 8 bytes each).")
      .def("to_bytes",
           [](const PyBatch& b) {
             return to_bytes([&](const fs::path& p) {
               save_ciphertexts(p, *b.batch, b.batch->mask_seed.has_value());
             });
           })
      .def("__len__", [](const PyBatch& b) { return b.batch->ciphertexts.size(); })
      .def_property_readonly("key_id", [](const PyBatch& b) { return to_hex(b.batch->key_id); })
      .def_property_readonly("parameters",
                             [](const PyBatch& b) { return parameters_dict(b.batch->params); })
      .def("__repr__", [](const PyBatch& b) {
        return "<lutfhe.CiphertextBatch " + std::to_string(b.batch->ciphertexts.size()) +
               " ciphertexts, key " + to_hex(b.batch->key_id, 6) + ">";
      });

  m.def("encrypt", &encrypt, py::arg("spec"), py::arg("key"), py::arg("x"),
        py::arg("progress") = py::none(),
        "Quantize samples x (one sample, or samples × values, float) by the spec and encrypt "
        "them into one batch.");
  m.def("encrypt_file", &encrypt_file, py::arg("spec"), py::arg("key"), py::arg("x"),
        py::arg("path"), py::arg("progress") = py::none(),
        "`lutfhe encrypt --spec`: quantize and encrypt samples x into a seeded batch file at "
        "path (written atomically), 64 samples at a time, so that a large batch never sits in "
        "memory with its masks expanded (encrypt() holds 8(k*N+1) bytes per ciphertext); "
        "returns the number of samples. Pair with Server.run_file.");
  m.def("decrypt", &decrypt, py::arg("spec"), py::arg("key"), py::arg("results"),
        py::arg("dequantize") = true,
        "Decrypt a result batch: samples × output values, dequantized (float64) or the "
        "circuit's integers (int64, dequantize=False).");
}

void bind_data(py::module_& m) {
  m.def(
      "load_samples",
      [](const std::string& path, std::size_t count) {
        const auto rows = without_gil([&] { return models::load_samples(path, count); });
        if (rows.empty()) throw InvalidArgument(path + ": no samples");
        return to_array(rows, rows.front().size());
      },
      py::arg("path"), py::arg("count") = 0,
      "Samples from a CSV or IDX file (.gz too) as samples × values, as the CLI reads them.");
  m.def(
      "load_labels",
      [](const std::string& path, std::size_t count) {
        const auto labels = without_gil([&] { return models::load_labels(path, count); });
        py::array_t<std::int64_t> out(static_cast<py::ssize_t>(labels.size()));
        std::copy(labels.begin(), labels.end(), out.mutable_data());
        return out;
      },
      py::arg("path"), py::arg("count") = 0, "Class labels (CSV or IDX) as an int64 array.");
  m.def(
      "parameter_sets",
      [] {
        py::list out;
        for (const ParameterSet& p : parameter_sets()) out.append(parameters_dict(p));
        return out;
      },
      "The named parameter sets (TOY is insecure: tests only).");
}

}  // namespace

void bind_client(py::module_& m) {
  bind_spec(m);
  bind_keys(m);
  bind_batch(m);
  bind_data(m);
}

}  // namespace lutfhe::python
