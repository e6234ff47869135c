// The model owner's and the server's side: compile a model file (lutfhe JSON or ONNX) with
// calibration samples given as a NumPy array, with the options and the report of
// `lutfhe compile`; the clear model and the simulated circuit on NumPy samples (`lutfhe predict`);
// and the server's evaluation of a batch with an evaluation key only (`lutfhe run`).
#include <cmath>
#include <mutex>
#include <optional>

#include "compiler/artifacts.hpp"
#include "compiler/clear_evaluator.hpp"
#include "compiler/server.hpp"
#include "compiler/simulate.hpp"
#include "core/atomic_file.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/fingerprint.hpp"
#include "models/model_compilation.hpp"
#include "python/module.hpp"

namespace lutfhe::python {
namespace {

struct PyCompiled {
  std::shared_ptr<const models::CompiledModel> model;
};

// A failure probability as `lutfhe compile --p-error` takes it: a probability in (0, 1) or the
// text "2^-40". Returns its log2.
double log2_probability(const py::object& p, const std::string& name) {
  if (py::isinstance<py::str>(p)) {
    const std::string text = p.cast<std::string>();
    if (text.rfind("2^", 0) == 0) {
      try {
        std::size_t used = 0;
        const double e = std::stod(text.substr(2), &used);
        if (used == text.size() - 2 && e < 0.0) return e;
      } catch (const std::exception&) {
      }
    }
    throw InvalidArgument(name + "=" + text + ": give a probability in (0, 1) or '2^-40'");
  }
  const double v = p.cast<double>();
  if (!(v > 0.0 && v < 1.0)) {
    throw InvalidArgument(name + "=" + std::to_string(v) + ": not a probability in (0, 1)");
  }
  return std::log2(v);
}

unsigned in_range(unsigned v, unsigned lo, unsigned hi, const std::string& name) {
  if (v < lo || v > hi) {
    throw InvalidArgument(name + "=" + std::to_string(v) + ": must be " + std::to_string(lo) +
                          ".." + std::to_string(hi));
  }
  return v;
}

// The options of `lutfhe compile` (cli/compile_flags.cpp), by the same names.
struct CompileArgs {
  py::object p_error, global_p_error;
  std::string rounding = "exact";
  std::optional<unsigned> rounding_bits;
  std::string ranges = "sound";
  unsigned headroom = 1;
  std::optional<std::string> params;
  unsigned weight_bits = 0, activation_bits = 0, input_bits = 0;
  double calibration_percentile = 100.0;
  double accuracy_target = 1.0;
  py::object calibration_labels;
  bool search = true;
  unsigned accumulator_bits = 0;

  models::ModelCompileOptions options(std::size_t calibration_count) const {
    models::ModelCompileOptions m;
    m.search = search;
    if (!(accuracy_target >= 0.0 && accuracy_target <= 100.0)) {
      throw InvalidArgument("accuracy_target: must be 0..100 (percentage points)");
    }
    m.search_options.max_accuracy_drop = accuracy_target / 100.0;
    m.search_options.max_disagreement = 5.0 * accuracy_target / 100.0;
    if (!calibration_labels.is_none()) {
      m.search_options.labels =
          labels_from(calibration_labels, calibration_count, "calibration_labels");
    }
    compiler::CompileOptions& o = m.compile;
    if (rounding != "exact" && rounding != "approximate") {
      throw InvalidArgument("rounding='" + rounding + "': give 'exact' or 'approximate'");
    }
    o.rounding_mode = rounding == "approximate" ? compiler::RoundingMode::kApproximate
                                                : compiler::RoundingMode::kExact;
    if (ranges != "sound" && ranges != "calibrated") {
      throw InvalidArgument("ranges='" + ranges + "': give 'sound' or 'calibrated'");
    }
    o.range_mode =
        ranges == "calibrated" ? compiler::RangeMode::kCalibrated : compiler::RangeMode::kSound;
    o.headroom_bits = in_range(headroom, 0, 8, "headroom");
    if (!p_error.is_none() && !global_p_error.is_none()) {
      throw InvalidArgument("give p_error or global_p_error, not both");
    }
    if (!p_error.is_none()) o.targets.log2_p_error = log2_probability(p_error, "p_error");
    if (!global_p_error.is_none()) {
      o.targets.log2_global_p_error = log2_probability(global_p_error, "global_p_error");
    }
    if (rounding_bits) o.rounding_bits = in_range(*rounding_bits, 1, 16, "rounding_bits");
    if (params) o.parameters = parameters_named(*params);
    const auto bits = [](unsigned v, const char* name) {
      return v == 0 ? 0u : in_range(v, 2, 16, name);
    };
    m.import.weight_bits = bits(weight_bits, "weight_bits");
    m.import.activation_bits = bits(activation_bits, "activation_bits");
    m.import.input_bits = bits(input_bits, "input_bits");
    m.import.accumulator_bits =
        accumulator_bits == 0 ? 0u : in_range(accumulator_bits, 2, 24, "accumulator_bits");
    if (!(calibration_percentile >= 50.0 && calibration_percentile <= 100.0)) {
      throw InvalidArgument("calibration_percentile: must be 50..100");
    }
    m.import.percentile = calibration_percentile;
    return m;
  }
};

std::vector<compiler::RealSample> optional_samples(const py::object& x, const std::string& what) {
  if (x.is_none()) return {};
  return samples_from(DoubleArray::ensure(x), 0, what);
}

// Dequantized outputs of the simulated circuit (what `lutfhe predict --mode simulate` prints).
py::array simulate_outputs(const compiler::CompiledCircuit& circuit,
                           const compiler::ClientSpec& spec, const DoubleArray& x,
                           bool inject_noise, std::uint64_t seed) {
  const auto samples = samples_from(x, spec.input_values(), "simulate");
  const auto rows = without_gil([&] {
    compiler::SimulateOptions so;
    so.inject_errors = inject_noise;
    so.seed = seed;
    compiler::Simulator sim(circuit, so);
    std::vector<compiler::RealSample> out;
    for (const auto& s : samples) {
      out.push_back(
          compiler::dequantize_outputs(spec, sim.run(compiler::quantize_sample(spec, s))));
    }
    return out;
  });
  return to_array(rows, spec.output_values());
}

// The quantized model itself on plain integers (`lutfhe predict --mode clear`), dequantized.
py::array clear_outputs(const models::QuantizedModel& model, const models::LoweredModel& low,
                        const DoubleArray& x) {
  const auto samples = samples_from(x, compiler::element_count(model.input_shape), "predict_clear");
  std::vector<compiler::ClientTensor> outputs;
  for (compiler::NodeId o : low.circuit.outputs()) {
    const compiler::Node& n = low.circuit.node(o);
    outputs.push_back({n.name, n.shape, {}, 0, low.output_quantization});
  }
  const auto rows = without_gil([&] {
    std::vector<compiler::RealSample> out;
    for (const auto& s : samples) {
      out.push_back(compiler::dequantize_outputs(
          outputs, compiler::evaluate_clear(low.circuit, models::quantize_input(model, s))));
    }
    return out;
  });
  std::size_t width = 0;
  for (const auto& t : outputs) width += compiler::element_count(t.shape);
  return to_array(rows, width);
}

PyCompiled compile_model_file(const std::string& model, const py::object& calibration,
                              const CompileArgs& a) {
  const auto samples = optional_samples(calibration, "calibration");
  const models::ModelCompileOptions options = a.options(samples.size());
  return {without_gil([&] {
    return std::make_shared<const models::CompiledModel>(
        models::compile_model(model, samples, options));
  })};
}

// The server: a compiled circuit and a server key made from an evaluation key.
class PyServer {
 public:
  PyServer(PyServerCircuit circuit, std::shared_ptr<const ServerKey> key, int threads)
      : circuit_(std::move(circuit.circuit)),
        key_(std::move(key)),
        server_(std::make_unique<compiler::CircuitServer>(*circuit_, *key_, threads)) {}

  PyBatch run(const PyBatch& in, const py::object& progress) {
    if (parameter_fingerprint(in.batch->params) != parameter_fingerprint(circuit_->params)) {
      throw KeyMismatch("batch encrypted for parameters " + in.batch->params.name +
                        ", the circuit was compiled for " + circuit_->params.name);
    }
    const ProgressCallback cb = progress_callback(progress);
    return {without_gil([&] {
      // One evaluation at a time: the evaluator's scratch and statistics are not shared-safe,
      // and Python threads may call run() on one Server while the GIL is released.
      const std::lock_guard<std::mutex> lock(mutex_);
      return std::make_shared<const CiphertextBatch>(server_->evaluate(*in.batch, cb));
    })};
  }
  // File to file, one chunk of samples in memory at a time (CircuitServer::evaluate_file).
  std::size_t run_file(const std::string& in, const std::string& out, std::size_t batch_size,
                       const py::object& progress) {
    const ProgressCallback cb = progress_callback(progress);
    return without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      return server_->evaluate_file(in, out, batch_size, cb);
    });
  }
  std::size_t bootstraps() const {
    py::gil_scoped_release release;
    const std::lock_guard<std::mutex> lock(mutex_);
    return server_->stats().bootstraps;
  }
  int threads() const { return server_->threads(); }

 private:
  std::shared_ptr<const compiler::CompiledCircuit> circuit_;
  std::shared_ptr<const ServerKey> key_;
  std::unique_ptr<compiler::CircuitServer> server_;
  mutable std::mutex mutex_;
};

std::shared_ptr<const ServerKey> server_key_from(const py::object& key) {
  if (py::isinstance<PyEvaluationKey>(key)) {
    const auto eval = key.cast<const PyEvaluationKey&>().key;
    return without_gil([&] { return std::make_shared<const ServerKey>(*eval); });
  }
  if (py::isinstance<py::str>(key) || py::hasattr(key, "__fspath__")) {
    const std::string path = py::str(key);
    return without_gil([&] { return std::make_shared<const ServerKey>(load_server_key(path)); });
  }
  throw InvalidArgument("evaluation_key: give an EvaluationKey or the path of its file");
}

void bind_compiled(py::module_& m) {
  py::class_<PyServerCircuit>(m, "ServerCircuit",
                              "The compiled circuit the server evaluates (clear weights, tables).")
      .def_static(
          "load",
          [](const std::string& path) {
            return PyServerCircuit{std::make_shared<const compiler::CompiledCircuit>(
                without_gil([&] { return compiler::load_server_circuit(path); }))};
          },
          py::arg("path"))
      .def(
          "save",
          [](const PyServerCircuit& c, const std::string& path) {
            without_gil([&] { compiler::save_server_circuit(path, *c.circuit); });
          },
          py::arg("path"))
      .def_property_readonly("bootstraps",
                             [](const PyServerCircuit& c) { return bootstrap_count(*c.circuit); })
      .def_property_readonly("parameters",
                             [](const PyServerCircuit& c) { return c.circuit->params.name; });

  py::class_<PyCompiled>(m, "CompiledModel", "What `compile` returns: spec, circuit and report.")
      .def_property_readonly("spec",
                             [](const PyCompiled& c) {
                               return PyClientSpec{std::shared_ptr<const compiler::ClientSpec>(
                                   c.model, &c.model->spec)};
                             })
      .def_property_readonly(
          "circuit",
          [](const PyCompiled& c) {
            return PyServerCircuit{std::shared_ptr<const compiler::CompiledCircuit>(
                c.model, &c.model->result.compiled)};
          })
      .def_property_readonly(
          "report", [](const PyCompiled& c) { return c.model->report_text(); },
          "The compile report, as compile_report.txt holds it.")
      .def_property_readonly("bootstraps",
                             [](const PyCompiled& c) { return c.model->result.report.bootstraps; })
      .def(
          "save",
          [](const PyCompiled& c, const std::string& dir) {
            without_gil([&] {
              const fs::path d(dir);
              std::error_code ec;
              fs::create_directories(d, ec);
              if (!fs::is_directory(d))
                throw FileAccessError(dir + ": cannot create the directory");
              compiler::save_client_spec(d / "client.spec", c.model->spec);
              compiler::save_server_circuit(d / "server.circuit", c.model->result.compiled);
              write_file_atomically(d / "compile_report.txt", c.model->report_text());
            });
          },
          py::arg("dir"),
          "Write client.spec, server.circuit and compile_report.txt, as "
          "`lutfhe compile --out DIR` does.")
      .def(
          "simulate",
          [](const PyCompiled& c, const DoubleArray& x, bool inject_noise, std::uint64_t seed) {
            return simulate_outputs(c.model->result.compiled, c.model->spec, x, inject_noise, seed);
          },
          py::arg("x"), py::arg("inject_noise") = false, py::arg("seed") = 0,
          "The compiled circuit simulated on samples x: dequantized outputs.")
      .def(
          "predict_clear",
          [](const PyCompiled& c, const DoubleArray& x) {
            return clear_outputs(c.model->model, c.model->lowered, x);
          },
          py::arg("x"), "The quantized model on plain integers: dequantized outputs.");

  m.def(
      "compile",
      [](const std::string& model, const py::object& calibration, py::object p_error,
         py::object global_p_error, std::string rounding, std::optional<unsigned> rounding_bits,
         std::string ranges, unsigned headroom, std::optional<std::string> params,
         unsigned weight_bits, unsigned activation_bits, unsigned input_bits,
         double calibration_percentile, double accuracy_target, py::object calibration_labels,
         bool search, unsigned accumulator_bits) {
        CompileArgs a{std::move(p_error),
                      std::move(global_p_error),
                      std::move(rounding),
                      rounding_bits,
                      std::move(ranges),
                      headroom,
                      std::move(params),
                      weight_bits,
                      activation_bits,
                      input_bits,
                      calibration_percentile,
                      accuracy_target,
                      std::move(calibration_labels),
                      search,
                      accumulator_bits};
        return compile_model_file(model, calibration, a);
      },
      py::arg("model"), py::arg("calibration") = py::none(), py::kw_only(),
      py::arg("p_error") = py::none(), py::arg("global_p_error") = py::none(),
      py::arg("rounding") = "exact", py::arg("rounding_bits") = py::none(),
      py::arg("ranges") = "sound", py::arg("headroom") = 1u, py::arg("params") = py::none(),
      py::arg("weight_bits") = 0u, py::arg("activation_bits") = 0u, py::arg("input_bits") = 0u,
      py::arg("calibration_percentile") = 100.0, py::arg("accuracy_target") = 1.0,
      py::arg("calibration_labels") = py::none(), py::arg("search") = true,
      py::arg("accumulator_bits") = 0u,
      "Compile a model file (lutfhe JSON or .onnx) with calibration samples (samples × values) "
      "into a CompiledModel; the options of `lutfhe compile` by the same names (docs/PYTHON.md).");
}

void bind_evaluation(py::module_& m) {
  m.def(
      "simulate",
      [](const PyServerCircuit& c, const PyClientSpec& s, const DoubleArray& x, bool inject_noise,
         std::uint64_t seed) {
        return simulate_outputs(*c.circuit, *s.spec, x, inject_noise, seed);
      },
      py::arg("circuit"), py::arg("spec"), py::arg("x"), py::arg("inject_noise") = false,
      py::arg("seed") = 0,
      "`lutfhe predict --compiled DIR --mode simulate`: dequantized outputs of the circuit.");
  m.def(
      "predict_clear",
      [](const std::string& model, const DoubleArray& x, const py::object& calibration,
         unsigned weight_bits, unsigned activation_bits, unsigned input_bits, double percentile) {
        const auto cal = optional_samples(calibration, "calibration");
        const auto q = without_gil([&] {
          models::ModelImportOptions import;
          import.calibration_samples = cal.empty() ? nullptr : &cal;
          import.weight_bits = weight_bits;
          import.activation_bits = activation_bits;
          import.input_bits = input_bits;
          import.percentile = percentile;
          return models::load_any_model(model, import);
        });
        const models::LoweredModel low = without_gil([&] { return models::lower_model(q); });
        return clear_outputs(q, low, x);
      },
      py::arg("model"), py::arg("x"), py::arg("calibration") = py::none(), py::kw_only(),
      py::arg("weight_bits") = 0u, py::arg("activation_bits") = 0u, py::arg("input_bits") = 0u,
      py::arg("calibration_percentile") = 100.0,
      "`lutfhe predict --mode clear`: the quantized model on plain integers, dequantized.");

  py::class_<PyServer>(m, "Server",
                       "The server side: a compiled circuit and an evaluation key (no secrets), "
                       "evaluating encrypted batches.")
      .def(py::init([](const PyServerCircuit& c, const py::object& key, int threads) {
             auto server_key = server_key_from(key);
             return without_gil([&] { return std::make_unique<PyServer>(c, server_key, threads); });
           }),
           py::arg("circuit"), py::arg("evaluation_key"), py::arg("threads") = 0,
           "threads <= 0: all cores. evaluation_key: an EvaluationKey or its file.")
      .def("run", &PyServer::run, py::arg("batch"), py::arg("progress") = py::none(),
           "Evaluate every sample of an encrypted batch; returns the encrypted results.")
      .def("run_file", &PyServer::run_file, py::arg("batch_path"), py::arg("out_path"),
           py::arg("batch_size") = 0, py::arg("progress") = py::none(),
           "`lutfhe run`: evaluate the batch file into out_path (written atomically), batch_size "
           "samples at a time (0: 8 per thread), so that only one chunk's ciphertexts are in "
           "memory; returns the number of samples. The same bytes as run() on the whole batch.")
      .def_property_readonly("bootstraps", &PyServer::bootstraps)
      .def_property_readonly("threads", &PyServer::threads);
  m.def(
      "run",
      [](const PyServerCircuit& c, const py::object& key, const PyBatch& batch, int threads) {
        auto server_key = server_key_from(key);
        PyServer server(c, server_key, threads);
        return server.run(batch, py::none());
      },
      py::arg("circuit"), py::arg("evaluation_key"), py::arg("batch"), py::arg("threads") = 0,
      "`lutfhe run`: evaluate a batch with the circuit and the evaluation key.");
}

}  // namespace

void bind_model(py::module_& m) {
  bind_compiled(m);
  bind_evaluation(m);
}

}  // namespace lutfhe::python
