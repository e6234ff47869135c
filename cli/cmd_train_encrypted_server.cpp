// `lutfhe train-encrypted run`: the server's side of encrypted training. It reads the step
// circuit, the evaluation key (no secret key: this file includes server-side headers only),
// the client's encrypted batches and initial weights, runs one step per batch with the
// encrypted weights carried from step to step, and writes the final encrypted weights, an
// encrypted checkpoint after every batch, and per-step timings.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/progress.hpp"
#include "cli/training_report.hpp"
#include "compiler/artifacts.hpp"
#include "core/atomic_file.hpp"
#include "core/ciphertext_files.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/json_text.hpp"
#include "core/parallel.hpp"
#include "models/training_server.hpp"

namespace lutfhe::cli {

int run_train_encrypted_server(const std::string& circuit_path, const std::string& server_key,
                               const std::string& batches_path, const std::string& weights_path,
                               const std::string& out, const std::string& checkpoints,
                               const std::string& json, std::size_t max_steps, int threads,
                               bool quiet) {
  namespace fs = std::filesystem;
  using Clock = std::chrono::steady_clock;
  require_writable_output(out, "--out");
  require_distinct(out, "--out", batches_path, "--batches");
  require_distinct(out, "--out", weights_path, "--weights");
  require_distinct(out, "--out", circuit_path, "--circuit");
  require_distinct(out, "--out", server_key, "--server-key");
  if (!json.empty()) require_writable_output(json, "--json");
  if (!checkpoints.empty()) {
    std::error_code ec;
    fs::create_directories(checkpoints, ec);
    if (ec) throw UsageError("--checkpoints " + checkpoints + ": " + ec.message());
  }
  const compiler::CompiledCircuit circuit = compiler::load_server_circuit(circuit_path);
  const CiphertextBatch batches = load_ciphertexts(batches_path);
  CiphertextBatch weights = load_ciphertexts(weights_path);
  const ServerKey key = [&] {
    ProgressBar bar("loading server key", progress_wanted(quiet));
    return load_server_key(server_key, bar.callback());
  }();
  models::TrainingServer server(circuit, key, threads);
  std::size_t steps = server.steps_in(batches);
  if (max_steps > 0 && max_steps < steps) steps = max_steps;
  const int team = resolve_threads(threads);
  std::vector<double> seconds;
  const auto start = Clock::now();
  for (std::size_t t = 0; t < steps; ++t) {
    const auto step_start = Clock::now();
    const std::size_t before = server.bootstraps();
    weights = server.step(batches, t, weights);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - step_start).count());
    if (!checkpoints.empty()) {
      char name[32];
      std::snprintf(name, sizeof name, "weights.%05zu.ct", t + 1);
      save_ciphertexts(fs::path(checkpoints) / name, weights, false);
    }
    if (!quiet) {
      std::printf("step %zu/%zu: %.2f s, %zu bootstraps\n", t + 1, steps, seconds.back(),
                  server.bootstraps() - before);
      std::fflush(stdout);
    }
  }
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  save_ciphertexts(out, weights, false);
  const double mean = steps ? total / static_cast<double>(steps) : 0.0;
  std::printf("train-encrypted run: %zu steps in %.1f s (%.2f s per batch, %d threads, %s)\n",
              steps, total, mean, team, circuit.params.display_name().c_str());
  if (!json.empty()) {
    std::ostringstream j;
    j << "{\n  \"steps\": " << steps << ",\n  \"threads\": " << team
      << ",\n  \"parameters\": " << json_quoted(circuit.params.display_name())
      << ",\n  \"bootstraps_per_step\": " << compiler::bootstrap_count(circuit)
      << ",\n  \"total_seconds\": " << json_number(total, 6)
      << ",\n  \"seconds_per_batch\": " << json_number(mean, 6)
      << ",\n  \"seconds_per_step\": " << json_array(seconds) << "\n}\n";
    write_file_atomically(json, j.str());
  }
  return kExitOk;
}

}  // namespace lutfhe::cli
