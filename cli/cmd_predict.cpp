// `lutfhe predict`: samples through the clear model, the simulated circuit, or the encrypted
// circuit in one process (keys made and used here: a test tool, not a deployment).
//
// With --compiled DIR, simulate and execute run DIR/server.circuit with DIR/client.spec: exactly
// what the server runs, inputs quantized exactly as `encrypt --spec` does. Without it the model
// is compiled here first (with --calibration, or the input samples themselves).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/compile_flags.hpp"
#include "cli/compiler_commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/progress.hpp"
#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "compiler/server.hpp"
#include "compiler/simulate.hpp"
#include "core/client_key.hpp"
#include "models/model_compilation.hpp"
#include "models/samples.hpp"

namespace lutfhe::cli {
namespace {

struct PredictCommand {
  std::string model;
  std::string compiled;
  std::string mode = "clear";
  std::string input;
  std::string calibration;
  std::size_t count = 0;
  CompileFlags flags;
  int threads = 0;
  bool inject_noise = false;
  bool quiet = false;
};

// What simulate and execute run: a compiled circuit and its spec, loaded or compiled here.
struct Compiled {
  compiler::CompiledCircuit circuit;
  compiler::ClientSpec spec;
};

Compiled compiled_for(const PredictCommand& c) {
  if (!c.compiled.empty()) {
    const std::filesystem::path dir = c.compiled;
    return {compiler::load_server_circuit(dir / "server.circuit"),
            compiler::load_client_spec(dir / "client.spec")};
  }
  if (c.model.empty()) throw UsageError("predict: give --model or --compiled DIR");
  const std::string calibration = c.calibration.empty() ? c.input : c.calibration;
  const models::CompiledModel m = models::compile_model(
      c.model, models::load_samples(calibration, c.count), compile_options(c.flags));
  if (!c.quiet) std::cerr << m.report_text();
  return {m.result.compiled, m.spec};
}

int run_predict(const PredictCommand& c) {
  if (c.mode == "clear") {
    if (c.model.empty()) throw UsageError("predict --mode clear needs --model");
    const std::string calibration = c.calibration.empty() ? c.input : c.calibration;
    models::ModelImportOptions import = compile_options(c.flags).import;
    import.calibration = calibration;
    import.calibration_count = c.count;
    const models::QuantizedModel model = models::load_any_model(c.model, import);
    const models::LoweredModel low = models::lower_model(model);
    std::vector<compiler::ClientTensor> outputs;
    for (compiler::NodeId o : low.circuit.outputs()) {
      const compiler::Node& n = low.circuit.node(o);
      outputs.push_back({n.name, n.shape, {}, 0, low.output_quantization});
    }
    for (const auto& x :
         models::load_samples(c.input, c.count, compiler::element_count(model.input_shape))) {
      print_prediction(std::cout, outputs,
                       compiler::evaluate_clear(low.circuit, models::quantize_input(model, x)));
    }
    return kExitOk;
  }
  const Compiled m = compiled_for(c);
  const auto inputs = models::load_samples(c.input, c.count, m.spec.input_values());
  if (c.mode == "simulate") {
    compiler::SimulateOptions so;
    so.inject_errors = c.inject_noise;
    so.seed =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    compiler::Simulator sim(m.circuit, so);
    for (const auto& x : inputs) {
      print_prediction(std::cout, m.spec.outputs, sim.run(compiler::quantize_sample(m.spec, x)));
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
    return generate_server_key_in_process(client, rng, bar.callback(), m.spec.needs_bootstrapping);
  }();
  compiler::CircuitServer evaluator(m.circuit, server, c.threads);
  for (const auto& x : inputs) {
    const auto start = std::chrono::steady_clock::now();
    const CiphertextBatch enc = compiler::encrypt_samples(m.spec, client, {&x, 1});
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

void add_predict_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<PredictCommand>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "Classify samples in one process: clear model, simulation, or encrypted");
  cmd->add_option("--model", o->model, "Model file (needed for clear, or without --compiled)");
  cmd->add_option("--compiled", o->compiled,
                  "simulate/execute: the directory 'lutfhe compile' wrote (what the server runs)");
  cmd->add_option("--mode", o->mode, "clear, simulate or execute (default clear)")
      ->check(CLI::IsMember({"clear", "simulate", "execute"}));
  cmd->add_option("--input", o->input, "Samples (CSV or IDX)")->required();
  cmd->add_option("--calibration", o->calibration,
                  "Calibration samples when compiling here (default: --input)");
  cmd->add_option("--count", o->count, "Use the first N samples");
  add_compile_flags(cmd, o->flags, false);
  add_threads_option(cmd, o->threads, "OpenMP threads for execute");
  cmd->add_flag("--inject-noise", o->inject_noise,
                "simulate: add the noise model's error to every bootstrap (test data only)");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([o, &action] { action = [o] { return run_predict(*o); }; });
}

}  // namespace lutfhe::cli
