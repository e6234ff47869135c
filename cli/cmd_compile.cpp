// `lutfhe compile`: a model file (lutfhe JSON or ONNX) and calibration samples in, the client
// spec, the server circuit and the compile report out.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/compile_flags.hpp"
#include "cli/compiler_commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/host_estimate.hpp"
#include "cli/paths.hpp"
#include "compiler/artifacts.hpp"
#include "compiler/compiled_circuit.hpp"
#include "core/atomic_file.hpp"
#include "models/model_compilation.hpp"
#include "models/samples.hpp"

namespace lutfhe::cli {
namespace {

struct CompileCommand {
  std::string model;
  std::string calibration;
  std::string out;
  std::size_t count = 0;
  CompileFlags flags;
  bool quiet = false;
};

int run_compile(const CompileCommand& c) {
  const models::ModelCompileOptions options = compile_options(c.flags, c.count);
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
  std::vector<models::RealSample> calibration;
  if (!c.calibration.empty()) calibration = models::load_samples(c.calibration, c.count);
  const models::CompiledModel m = models::compile_model(c.model, calibration, options);
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw UsageError("--out " + c.out + ": cannot create the directory");
  }
  compiler::save_client_spec(dir / "client.spec", m.spec);
  compiler::save_server_circuit(dir / "server.circuit", m.result.compiled);
  const std::string report = m.report_text();
  write_file_atomically(dir / "compile_report.txt", report);
  if (!c.quiet) {
    std::cout << report;
    // Not in compile_report.txt: the artifacts do not depend on the machine.
    const std::size_t bootstraps = compiler::bootstrap_count(m.result.compiled);
    std::string note;
    if (const auto host = host_estimate(m.result.compiled.params, bootstraps, &note);
        host && bootstraps > 0) {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.1f", host->ms);
      std::cout << "on this host: " << ms
                << " ms per evaluation on one thread (cost model calibrated " << host->calibrated
                << " by 'lutfhe bench calibrate'; the choices above use the built-in model)\n";
    } else if (!note.empty()) {
      std::cout << note << "\n";
    }
  }
  std::cout << "wrote " << (dir / "client.spec").string() << " and "
            << (dir / "server.circuit").string() << "\n";
  return kExitOk;
}

}  // namespace

ParameterSet parameters_for_spec(const std::string& spec_path) {
  return compiler::parameters_from_spec(spec_path);
}

void add_compile_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<CompileCommand>();
  CLI::App* cmd = app.add_subcommand(
      "compile", "Compile a quantized model into a client spec and a server circuit");
  cmd->add_option("--model", o->model,
                  "Model file (lutfhe JSON, models/MODEL_FORMAT.md; or .onnx, models/ONNX.md)")
      ->required();
  cmd->add_option("--calibration", o->calibration,
                  "Calibration samples (CSV or IDX, one per line) for quantization and rounding");
  cmd->add_option("--count", o->count, "Use the first N calibration samples");
  cmd->add_option("--out", o->out, "Directory for client.spec, server.circuit and the report")
      ->required();
  add_compile_flags(cmd, o->flags);
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([o, &action] { action = [o] { return run_compile(*o); }; });
}

}  // namespace lutfhe::cli
