#include "cli/compiler_commands.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/progress.hpp"
#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "compiler/compile.hpp"
#include "compiler/server.hpp"
#include "compiler/simulate.hpp"
#include "core/atomic_file.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/fingerprint.hpp"
#include "core/server_key.hpp"
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "models/samples.hpp"
#include "workbench/param_options.hpp"

namespace lutfhe::cli {
namespace {

using compiler::ClientSpec;
using compiler::Sample;
using compiler::Tensor;

std::vector<models::RealSample> read_samples(const std::string& path, std::size_t count,
                                             std::size_t values) {
  return models::load_samples(path, count, values);
}

// "<argmax> <score> <score> ...": the argmax of the first output, then every output's
// dequantized values.
void print_prediction(std::ostream& out, std::span<const compiler::ClientTensor> outputs,
                      const std::vector<Tensor>& values) {
  const compiler::RealSample scores = compiler::dequantize_outputs(outputs, values);
  const auto first = static_cast<std::ptrdiff_t>(compiler::element_count(outputs[0].shape));
  const auto best = std::max_element(scores.begin(), scores.begin() + first);
  out << (best - scores.begin());
  char buf[32];
  for (double s : scores) {
    std::snprintf(buf, sizeof buf, " %.6g", s);
    out << buf;
  }
  out << '\n';
}

struct CompileCommand {
  std::string model;
  std::string calibration;
  std::string out;
  std::size_t count = 0;
  std::string p_error;
  std::string global_p_error;
  unsigned rounding_bits = 0;
  std::string rounding = "exact";
  workbench::ParamOptions params;     // --params NAME|FILE.json and field flags
  models::ModelImportOptions import;  // ONNX import: bit widths, percentile
  bool quiet = false;
};

compiler::CompileOptions compile_options(const std::string& p_error, const std::string& global,
                                         unsigned rounding_bits,
                                         const workbench::ParamOptions& params,
                                         const std::string& rounding) {
  compiler::CompileOptions o;
  if (rounding == "approximate") {
    o.rounding_mode = compiler::RoundingMode::kApproximate;
  } else if (rounding != "exact") {
    throw UsageError("--rounding " + rounding + ": use exact or approximate");
  }
  if (!p_error.empty() && !global.empty()) {
    throw UsageError("give --p-error or --global-p-error, not both");
  }
  if (!p_error.empty()) o.targets.log2_p_error = parse_p_error(p_error, "--p-error");
  if (!global.empty()) o.targets.log2_global_p_error = parse_p_error(global, "--global-p-error");
  if (rounding_bits) {
    if (rounding_bits > 16) throw UsageError("--rounding-bits must be 1..16");
    o.rounding_bits = rounding_bits;
  }
  o.parameters = workbench::resolve_params_if_given(params);
  return o;
}

struct CompiledModel {
  models::QuantizedModel model;
  models::LoweredModel lowered;
  compiler::CompileResult result;
  ClientSpec spec;
};

// The calibration samples also calibrate a model that is quantized while importing (ONNX).
models::ModelImportOptions import_options(models::ModelImportOptions o,
                                          const std::string& calibration, std::size_t count) {
  o.calibration = calibration;
  o.calibration_count = count;
  return o;
}

CompiledModel compile_model(const std::string& model_path, const std::string& calibration,
                            std::size_t count, const compiler::CompileOptions& options,
                            const models::ModelImportOptions& import = {}) {
  models::QuantizedModel model =
      models::load_any_model(model_path, import_options(import, calibration, count));
  models::LoweredModel lowered = models::lower_model(model);
  std::vector<Sample> cal;
  if (!calibration.empty()) {
    for (const auto& s :
         read_samples(calibration, count, compiler::element_count(model.input_shape))) {
      cal.push_back(models::quantize_input(model, s));
    }
  }
  compiler::CompileResult result = compiler::compile(lowered.circuit, cal, options);
  ClientSpec spec = compiler::make_client_spec(result.compiled, {lowered.input_quantization},
                                               {lowered.output_quantization}, lowered.description);
  return {std::move(model), std::move(lowered), std::move(result), std::move(spec)};
}

int run_compile(const CompileCommand& c) {
  const auto options =
      compile_options(c.p_error, c.global_p_error, c.rounding_bits, c.params, c.rounding);
  const std::filesystem::path dir(c.out);
  // Checked before the (long) compilation, created only after it succeeded: a failed compile
  // leaves nothing behind.
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) {
      throw UsageError("--out " + c.out + ": exists and is not a directory");
    }
    require_writable_output(dir / "client.spec", "--out");
  } else {
    require_writable_output(dir, "--out");
  }
  const CompiledModel m = compile_model(c.model, c.calibration, c.count, options, c.import);
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw UsageError("--out " + c.out + ": cannot create the directory");
  }
  compiler::save_client_spec(dir / "client.spec", m.spec);
  compiler::save_server_circuit(dir / "server.circuit", m.result.compiled);
  const std::string report = "model: " + c.model + "\n" + m.result.report.text();
  write_file_atomically(dir / "compile_report.txt", report);
  std::cout << report << "wrote " << (dir / "client.spec").string() << " and "
            << (dir / "server.circuit").string() << "\n";
  return kExitOk;
}

struct RunCommand {
  std::string circuit;
  std::string server_key;
  std::string in;
  std::string out;
  int threads = 0;
  bool quiet = false;
};

int run_server(const RunCommand& c) {
  if (c.threads < 0) throw UsageError("--threads must be 0 (all cores) or more");
  require_writable_output(c.out, "--out");
  require_distinct(c.out, "--out", c.in, "--in");
  require_distinct(c.out, "--out", c.server_key, "--server-key");
  require_distinct(c.out, "--out", c.circuit, "--circuit");
  const compiler::CompiledCircuit circuit = compiler::load_server_circuit(c.circuit);
  CiphertextBatch in = load_ciphertexts(c.in);
  if (parameter_fingerprint(in.params) != parameter_fingerprint(circuit.params)) {
    throw KeyMismatch(c.in + ": encrypted for parameters " + in.params.name + ", " + c.circuit +
                      " was compiled for " + circuit.params.name);
  }
  const ServerKey key = [&] {
    ProgressBar bar("loading server key", progress_wanted(c.quiet));
    return load_server_key(c.server_key, bar.callback());
  }();
  require_same_key(c.in, in.params, in.key_id, key.parameters(), key.key_id());
  compiler::CircuitServer server(circuit, key, c.threads);
  const std::size_t samples =
      server.input_values() ? in.ciphertexts.size() / server.input_values() : 0;
  ProgressBar bar("run " + std::to_string(samples) + " samples", progress_wanted(c.quiet));
  const auto start = std::chrono::steady_clock::now();
  CiphertextBatch out = server.evaluate(std::move(in), bar.callback());
  bar.finish();
  save_ciphertexts(c.out, out, false);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.quiet) {
    std::fprintf(stderr, "lutfhe: %zu samples, %zu bootstraps, %.3f s (%.1f ms per sample)\n",
                 samples, server.stats().bootstraps, seconds,
                 1000.0 * seconds / static_cast<double>(std::max<std::size_t>(samples, 1)));
  }
  return kExitOk;
}

struct PredictCommand {
  std::string model;
  std::string mode = "clear";
  std::string input;
  std::string calibration;
  std::size_t count = 0;
  unsigned rounding_bits = 0;
  std::string rounding = "exact";
  workbench::ParamOptions params;  // --params NAME|FILE.json and field flags
  std::string p_error;
  int threads = 0;
  bool inject_noise = false;
  models::ModelImportOptions import;  // ONNX import: bit widths, percentile
  bool quiet = false;
};

int run_predict(const PredictCommand& c) {
  if (c.mode != "clear" && c.mode != "simulate" && c.mode != "execute") {
    throw UsageError("--mode " + c.mode + ": use clear, simulate or execute");
  }
  const std::string calibration = c.calibration.empty() ? c.input : c.calibration;
  const models::QuantizedModel model =
      models::load_any_model(c.model, import_options(c.import, calibration, c.count));
  const auto inputs = read_samples(c.input, c.count, compiler::element_count(model.input_shape));
  if (c.mode == "clear") {
    const models::LoweredModel low = models::lower_model(model);
    std::vector<compiler::ClientTensor> outputs;
    for (compiler::NodeId o : low.circuit.outputs()) {
      const compiler::Node& n = low.circuit.node(o);
      outputs.push_back({n.name, n.shape, {}, 0, low.output_quantization});
    }
    for (const auto& x : inputs) {
      print_prediction(std::cout, outputs,
                       compiler::evaluate_clear(low.circuit, models::quantize_input(model, x)));
    }
    return kExitOk;
  }
  const auto options = compile_options(c.p_error, "", c.rounding_bits, c.params, c.rounding);
  const CompiledModel m = compile_model(c.model, calibration, c.count, options, c.import);
  if (!c.quiet) std::cerr << m.result.report.text();
  if (c.mode == "simulate") {
    compiler::SimulateOptions so;
    so.inject_errors = c.inject_noise;
    so.seed =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    compiler::Simulator sim(m.result.compiled, so);
    for (const auto& x : inputs) {
      print_prediction(std::cout, m.spec.outputs, sim.run(models::quantize_input(model, x)));
    }
    if (c.inject_noise && !c.quiet) {
      std::fprintf(stderr, "lutfhe: injected noise changed %zu of %zu bootstraps\n",
                   sim.stats().injected_failures, sim.stats().bootstraps);
    }
    return kExitOk;
  }
  const ClientKey client = ClientKey::generate(m.spec.params);
  EncryptionRandomness rng = EncryptionRandomness::from_os();
  const ServerKey server = [&] {
    ProgressBar bar("keygen " + m.spec.params.name, progress_wanted(c.quiet));
    return generate_server_key_in_process(client, rng, bar.callback());
  }();
  compiler::CircuitServer evaluator(m.result.compiled, server, c.threads);
  for (const auto& x : inputs) {
    const auto start = std::chrono::steady_clock::now();
    const compiler::Sample q = models::quantize_input(model, x);
    const CiphertextBatch enc = compiler::encrypt_quantized(m.spec, client, {&q, 1});
    const auto out = compiler::decrypt_results(m.spec, client, evaluator.evaluate(enc));
    print_prediction(std::cout, m.spec.outputs, out.at(0));
    if (!c.quiet) {
      std::fprintf(
          stderr, "lutfhe: %.1f ms\n",
          1000.0 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  return kExitOk;
}

}  // namespace

double parse_p_error(const std::string& text, const std::string& option) {
  try {
    if (text.rfind("2^", 0) == 0) {
      std::size_t used = 0;
      const double e = std::stod(text.substr(2), &used);
      if (used == text.size() - 2 && e < 0.0) return e;
    } else {
      std::size_t used = 0;
      const double p = std::stod(text, &used);
      if (used == text.size() && p > 0.0 && p < 1.0) return std::log2(p);
    }
  } catch (const std::exception&) {
  }
  throw UsageError(option + " " + text + ": give a probability in (0, 1) such as 1e-12, or 2^-40");
}

ParameterSet parameters_for_spec(const std::string& spec_path) {
  return compiler::parameters_from_spec(spec_path);
}

int encrypt_with_spec(const SpecEncryptOptions& o) {
  require_writable_output(o.out, "--out");
  require_distinct(o.out, "--out", o.spec, "--spec");
  require_distinct(o.out, "--out", o.client_key, "--client-key");
  require_distinct(o.out, "--out", o.input, "--input");
  const ClientSpec spec = compiler::load_client_spec(o.spec);
  const ClientKey key = load_client_key(o.client_key);
  if (parameter_fingerprint(key.parameters()) != parameter_fingerprint(spec.params)) {
    throw KeyMismatch(o.client_key + ": made for parameters " + key.parameters().name + ", " +
                      o.spec + " needs " + spec.params.name);
  }
  const auto samples = read_samples(o.input, o.count, spec.input_values());
  ProgressBar bar("encrypt", progress_wanted(o.quiet));
  const CiphertextBatch batch = compiler::encrypt_samples(spec, key, samples, bar.callback());
  bar.finish();
  save_ciphertexts(o.out, batch, true);
  return kExitOk;
}

int decrypt_with_spec(const SpecDecryptOptions& o, std::ostream& out) {
  const ClientSpec spec = compiler::load_client_spec(o.spec);
  const ClientKey key = load_client_key(o.client_key);
  const CiphertextBatch in = load_ciphertexts(o.in);
  require_same_key(o.in, in.params, in.key_id, key.parameters(), key.key_id());
  for (const auto& result : compiler::decrypt_results(spec, key, in)) {
    print_prediction(out, spec.outputs, result);
  }
  return kExitOk;
}

// Post-training quantization of models imported from float formats (ONNX, models/ONNX.md);
// a lutfhe JSON model is already quantized and ignores them.
void add_import_options(CLI::App* cmd, models::ModelImportOptions& o) {
  cmd->add_option("--weight-bits", o.weight_bits, "ONNX import: weight bits (default 6)")
      ->check(CLI::Range(2, 16));
  cmd->add_option("--activation-bits", o.activation_bits,
                  "ONNX import: activation bits (default 6)")
      ->check(CLI::Range(2, 16));
  cmd->add_option("--input-bits", o.input_bits, "ONNX import: input bits (default 6)")
      ->check(CLI::Range(2, 16));
  cmd->add_option("--calibration-percentile", o.percentile,
                  "ONNX import: activation ranges from this percentile (default 100: min/max)")
      ->check(CLI::Range(50.0, 100.0));
}

void add_compiler_commands(CLI::App& app, Action& action) {
  {
    auto o = std::make_shared<CompileCommand>();
    CLI::App* cmd = app.add_subcommand(
        "compile", "Compile a quantized model into a client spec and a server circuit");
    cmd->add_option("--model", o->model,
                    "Model file (lutfhe JSON, models/MODEL_FORMAT.md; or .onnx, models/ONNX.md)")
        ->required();
    cmd->add_option("--calibration", o->calibration,
                    "Calibration samples (CSV, one per line) for ranges and rounding");
    cmd->add_option("--count", o->count, "Use the first N calibration samples");
    cmd->add_option("--out", o->out, "Directory for client.spec, server.circuit and the report")
        ->required();
    cmd->add_option("--p-error", o->p_error, "Failure probability per bootstrap (default 2^-40)");
    cmd->add_option("--global-p-error", o->global_p_error,
                    "Failure probability of one whole evaluation instead");
    cmd->add_option("--rounding-bits", o->rounding_bits,
                    "Most bits a table reads (default: chosen from the calibration data)");
    cmd->add_option("--rounding", o->rounding,
                    "exact (default: extra bootstraps, execute == simulate) or approximate "
                    "(one bootstrap, may be one table step off near rounding boundaries)");
    workbench::add_param_options(cmd, o->params,
                                 "A parameter set (name or .json file) instead of the search");
    add_import_options(cmd, o->import);
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o, &action] { action = [o] { return run_compile(*o); }; });
  }
  {
    auto o = std::make_shared<RunCommand>();
    CLI::App* cmd = app.add_subcommand(
        "run", "Server: evaluate a compiled circuit on encrypted samples (evaluation key only)");
    cmd->add_option("--circuit", o->circuit, "server.circuit from 'lutfhe compile'")->required();
    cmd->add_option("--server-key", o->server_key, "Evaluation key")->required();
    cmd->add_option("--in", o->in, "Encrypted samples from 'lutfhe encrypt --spec'")->required();
    cmd->add_option("--out", o->out, "Encrypted results to write")->required();
    add_threads_option(cmd, o->threads, "OpenMP threads");
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o, &action] { action = [o] { return run_server(*o); }; });
  }
  {
    auto o = std::make_shared<PredictCommand>();
    CLI::App* cmd = app.add_subcommand(
        "predict", "Classify samples in one process: clear model, simulation, or encrypted");
    cmd->add_option("--model", o->model, "Model file")->required();
    cmd->add_option("--mode", o->mode, "clear, simulate or execute (default clear)");
    cmd->add_option("--input", o->input, "Samples (CSV, one per line)")->required();
    cmd->add_option("--calibration", o->calibration, "Calibration samples (default: --input)");
    cmd->add_option("--count", o->count, "Use the first N samples");
    cmd->add_option("--rounding-bits", o->rounding_bits, "Most bits a table reads");
    cmd->add_option("--rounding", o->rounding, "exact (default) or approximate");
    workbench::add_param_options(cmd, o->params,
                                 "A parameter set (name or .json file) instead of the search");
    cmd->add_option("--p-error", o->p_error, "Failure probability per bootstrap");
    add_threads_option(cmd, o->threads, "OpenMP threads for execute");
    cmd->add_flag("--inject-noise", o->inject_noise,
                  "simulate: add the noise model's error to every bootstrap (test data only)");
    add_import_options(cmd, o->import);
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o, &action] { action = [o] { return run_predict(*o); }; });
  }
}

}  // namespace lutfhe::cli
