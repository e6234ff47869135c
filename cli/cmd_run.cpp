// The steps around a compiled model on either side: `lutfhe run` (server: the circuit and the
// evaluation key only) and `encrypt --spec` / `decrypt --spec` (client), all through the
// compiler's client/server API.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/compiler_commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/host_estimate.hpp"
#include "cli/paths.hpp"
#include "cli/progress.hpp"
#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "compiler/cost_model.hpp"
#include "compiler/server.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key_file.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/fingerprint.hpp"
#include "models/samples.hpp"

namespace lutfhe::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// User + system CPU seconds of this process so far (every thread).
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

struct RunCommand {
  std::string circuit;
  std::string server_key;
  std::string in;
  std::string out;
  int threads = 0;
  std::size_t batch_size = 0;  // samples per chunk (0: 8 per thread)
  bool quiet = false;
};

int run_server(const RunCommand& c) {
  require_writable_output(c.out, "--out");
  require_distinct(c.out, "--out", c.in, "--in");
  require_distinct(c.out, "--out", c.server_key, "--server-key");
  require_distinct(c.out, "--out", c.circuit, "--circuit");
  const compiler::CompiledCircuit circuit = compiler::load_server_circuit(c.circuit);
  const CiphertextBatchInfo in = read_ciphertexts_info(c.in);
  if (parameter_fingerprint(in.params) != parameter_fingerprint(circuit.params)) {
    throw KeyMismatch(c.in + ": encrypted for parameters " + in.params.name + ", " + c.circuit +
                      " was compiled for " + circuit.params.name);
  }
  const auto key_start = Clock::now();
  const ServerKey key = [&] {
    ProgressBar bar("loading server key", progress_wanted(c.quiet));
    return load_server_key(c.server_key, bar.callback());
  }();
  const double key_seconds = seconds_since(key_start);
  require_same_key(c.in, in.params, in.key_id, key.parameters(), key.key_id());
  compiler::CircuitServer server(circuit, key, c.threads);
  const std::size_t samples = compiler::whole_samples(in.count, server.input_values(), c.in);
  ProgressBar bar("run " + std::to_string(samples) + " samples", progress_wanted(c.quiet));
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  // A chunk of samples at a time: only its ciphertexts (masks expanded) are in memory.
  server.evaluate_file(c.in, in, c.out, c.batch_size, bar.callback());
  const double seconds = seconds_since(start);
  // How busy the threads were: CPU time over wall time × threads (below ~90%: threads waited,
  // or the machine's other load took the cores).
  const double busy = seconds > 0 ? (cpu_seconds() - cpu_start) / (seconds * server.threads()) : 0;
  bar.finish();
  if (!c.quiet) {
    const double per_sample_ms =
        1000.0 * seconds / static_cast<double>(std::max<std::size_t>(samples, 1));
    // The compile report's cost model, spread over the threads (a batch runs T samples side
    // by side; the linear operations are not counted).
    const double estimate_ms = compiler::estimate_ks_pbs_ms(circuit.params) *
                               static_cast<double>(compiler::bootstrap_count(circuit)) /
                               server.threads();
    std::string host_text;
    std::string note;
    if (const auto host =
            host_estimate(circuit.params, compiler::bootstrap_count(circuit), &note)) {
      const double host_ms = host->ms / server.threads();
      char buf[160];
      std::snprintf(buf, sizeof buf, "; host-calibrated %.1f ms, measured/estimate %.2f", host_ms,
                    host_ms > 0 ? per_sample_ms / host_ms : 0.0);
      host_text = buf;
    }
    std::fprintf(stderr,
                 "lutfhe: key loaded in %.3f s; %zu samples, %zu bootstraps, evaluated in %.3f s "
                 "(%.1f ms per sample, %d threads, CPU busy %.0f%%; cost model %.1f ms, "
                 "measured/estimate %.2f%s)\n",
                 key_seconds, samples, server.stats().bootstraps, seconds, per_sample_ms,
                 server.threads(), 100.0 * busy, estimate_ms,
                 estimate_ms > 0 ? per_sample_ms / estimate_ms : 0.0, host_text.c_str());
    if (!note.empty()) std::fprintf(stderr, "lutfhe: %s\n", note.c_str());
  }
  return kExitOk;
}

}  // namespace

void print_prediction(std::ostream& out, const std::vector<compiler::ClientTensor>& outputs,
                      const std::vector<compiler::Tensor>& values) {
  const compiler::RealSample scores = compiler::dequantize_outputs(outputs, values);
  const auto first = static_cast<std::ptrdiff_t>(compiler::element_count(outputs.at(0).shape));
  const auto best = std::max_element(scores.begin(), scores.begin() + first);
  out << (best - scores.begin());
  char buf[32];
  for (double s : scores) {
    std::snprintf(buf, sizeof buf, " %.6g", s);
    out << buf;
  }
  out << '\n';
}

int encrypt_with_spec(const SpecEncryptOptions& o) {
  require_writable_output(o.out, "--out");
  require_distinct(o.out, "--out", o.spec, "--spec");
  require_distinct(o.out, "--out", o.client_key, "--client-key");
  require_distinct(o.out, "--out", o.input, "--input");
  const compiler::ClientSpec spec = compiler::load_client_spec(o.spec);
  const ClientKey key = load_client_key(o.client_key);
  if (parameter_fingerprint(key.parameters()) != parameter_fingerprint(spec.params)) {
    throw KeyMismatch(o.client_key + ": made for parameters " + key.parameters().name + ", " +
                      o.spec + " needs " + spec.params.name);
  }
  const auto samples = models::load_samples(o.input, o.count, spec.input_values());
  ProgressBar bar("encrypt", progress_wanted(o.quiet));
  // Chunk by chunk into one seeded file: a chunk's masks are the only ones in memory.
  compiler::encrypt_samples_to_file(spec, key, samples, o.out, bar.callback());
  bar.finish();
  return kExitOk;
}

int decrypt_with_spec(const SpecDecryptOptions& o, std::ostream& out) {
  const compiler::ClientSpec spec = compiler::load_client_spec(o.spec);
  const ClientKey key = load_client_key(o.client_key);
  const CiphertextBatchInfo info = read_ciphertexts_info(o.in);
  require_same_key(o.in, info.params, info.key_id, key.parameters(), key.key_id());
  const std::size_t per_sample = spec.output_values();
  compiler::whole_samples(info.count, per_sample, o.in);
  read_ciphertexts_in_chunks(
      o.in, 64 * per_sample, [&](const CiphertextBatchInfo& i, std::vector<LweCiphertext>&& cts) {
        const CiphertextBatch chunk{i.params, i.key_id, i.encoding, std::move(cts), std::nullopt};
        for (const auto& result : compiler::decrypt_results(spec, key, chunk)) {
          print_prediction(out, spec.outputs, result);
        }
      });
  return kExitOk;
}

void add_run_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<RunCommand>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Server: evaluate a compiled circuit on encrypted samples (evaluation key only)");
  cmd->add_option("--circuit", o->circuit, "server.circuit from 'lutfhe compile'")->required();
  cmd->add_option("--server-key", o->server_key, "Evaluation key")->required();
  cmd->add_option("--in", o->in, "Encrypted samples from 'lutfhe encrypt --spec'")->required();
  cmd->add_option("--out", o->out, "Encrypted results to write")->required();
  add_threads_option(cmd, o->threads, "OpenMP threads");
  cmd->add_option("--batch-size", o->batch_size,
                  "Samples evaluated per chunk: only a chunk's ciphertexts are in memory "
                  "(default 8 per thread; the results do not depend on it)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([o, &action] { action = [o] { return run_server(*o); }; });
}

}  // namespace lutfhe::cli
