// The server side: `lutfhe lut` and `lutfhe gate`. They read ciphertexts and the evaluation
// key only (load_server_key); nothing here can open a client key.
#include <atomic>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/progress.hpp"
#include "cli/value_input.hpp"
#include "core/ciphertext_files.hpp"
#include "core/encoding.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/gates.hpp"
#include "core/lookup_table.hpp"
#include "core/parallel.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"

namespace lutfhe::cli {
namespace {

ServerKey load_server_key_with_progress(const std::string& path, bool quiet) {
  ProgressBar bar("loading server key", progress_wanted(quiet));
  return load_server_key(path, bar.callback());
}

void check_threads(int threads) {
  if (threads < 0 || threads > 4096) {
    throw UsageError("--threads " + std::to_string(threads) + ": must be 0 (all cores) to 4096");
  }
}

struct LutOptions {
  std::string server_key;
  std::string in;
  std::string table;
  std::string out;
  unsigned out_bits = 0;
  int threads = 0;
  bool quiet = false;
};

int run_lut(const LutOptions& o) {
  check_threads(o.threads);
  require_writable_output(o.out, "--out");
  require_distinct(o.out, "--out", o.server_key, "--server-key");
  // The ciphertexts and the table are checked before the (large) server key is read.
  const CiphertextBatch in = load_ciphertexts(o.in);
  if (in.encoding.boolean) {
    throw UsageError(o.in + ": holds booleans; use 'lutfhe gate' for them");
  }
  const unsigned bits = in.encoding.bits;
  const std::vector<std::uint64_t> table = parse_integer_list(o.table, "--table");
  const std::size_t need = std::size_t{1} << bits;
  if (table.size() != need) {
    throw UsageError("--table has " + std::to_string(table.size()) + " entries; " + o.in +
                     " holds " + std::to_string(bits) + "-bit values, so it needs 2^" +
                     std::to_string(bits) + " = " + std::to_string(need));
  }
  const unsigned out_bits = o.out_bits != 0 ? o.out_bits : bits;
  if (out_bits > kMaxMessageBits) {
    throw UsageError("--out-bits " + std::to_string(out_bits) + ": must be 1.." +
                     std::to_string(kMaxMessageBits));
  }
  require_values_fit(table, out_bits, "--table");
  const std::size_t log2_n = static_cast<std::size_t>(std::countr_zero(in.params.N.value()));
  if (bits + 1 > log2_n) {
    throw UsageError(o.in + ": " + std::to_string(bits) + "-bit values do not fit a bootstrap of " +
                     in.params.name + " (N=" + std::to_string(in.params.N.value()) + ")");
  }

  const ServerKey key = load_server_key_with_progress(o.server_key, o.quiet);
  require_same_key(o.in, in.params, in.key_id, key.parameters(), key.key_id());
  const LookupTable lut = make_lookup_table(key.parameters().N, bits, table, out_bits);

  CiphertextBatch out{in.params, in.key_id, {false, out_bits}, {}, std::nullopt};
  out.ciphertexts.assign(in.ciphertexts.size(), LweCiphertext(key.parameters().big_dimension()));
  ProgressBar bar("lut", progress_wanted(o.quiet));
  const std::size_t count = in.ciphertexts.size();
  // Chunks only to report progress; without a bar the whole batch is one OpenMP loop.
  const int team = resolve_threads(o.threads);
  const std::size_t chunk =
      bar.enabled() ? std::max<std::size_t>(static_cast<std::size_t>(team) * 4, count / 100)
                    : count;
  for (std::size_t start = 0; start < count; start += chunk) {
    const std::size_t n = std::min(chunk, count - start);
    keyswitch_bootstrap_batch(std::span(out.ciphertexts).subspan(start, n),
                              std::span<const LweCiphertext>(in.ciphertexts).subspan(start, n), lut,
                              key, o.threads);
    bar.update(start + n, count);
  }
  bar.finish();
  save_ciphertexts(o.out, out, false);
  return 0;
}

enum class GateOp { kNand, kAnd, kOr, kXor, kXnor, kMux, kNot };

struct GateOptions {
  std::string server_key;
  std::string op;
  std::string a;
  std::string b;
  std::string c;
  std::string out;
  int threads = 0;
  bool quiet = false;
};

GateOp parse_op(const std::string& op) {
  if (op == "nand") return GateOp::kNand;
  if (op == "and") return GateOp::kAnd;
  if (op == "or") return GateOp::kOr;
  if (op == "xor") return GateOp::kXor;
  if (op == "xnor") return GateOp::kXnor;
  if (op == "mux") return GateOp::kMux;
  if (op == "not") return GateOp::kNot;
  throw UsageError("--op '" + one_line(op) + "': expected nand, and, or, xor, xnor, mux or not");
}

CiphertextBatch load_booleans(const std::string& path) {
  CiphertextBatch batch = load_ciphertexts(path);
  if (!batch.encoding.boolean) {
    throw UsageError(path + ": holds " + std::to_string(batch.encoding.bits) +
                     "-bit integers; gates take booleans (lutfhe encrypt --bool)");
  }
  return batch;
}

int run_gate(const GateOptions& o) {
  check_threads(o.threads);
  const GateOp op = parse_op(o.op);
  const int inputs = op == GateOp::kNot ? 1 : op == GateOp::kMux ? 3 : 2;
  if (inputs >= 2 && o.b.empty()) throw UsageError("--op " + o.op + " needs --b");
  if (inputs < 2 && !o.b.empty()) throw UsageError("--op not takes only --a");
  if (inputs == 3 && o.c.empty()) throw UsageError("--op mux needs --c (a ? b : c)");
  if (inputs < 3 && !o.c.empty()) throw UsageError("--c is only for --op mux");
  require_writable_output(o.out, "--out");
  require_distinct(o.out, "--out", o.server_key, "--server-key");

  std::vector<CiphertextBatch> in;
  std::vector<std::string> names = {o.a, o.b, o.c};
  for (int i = 0; i < inputs; ++i) in.push_back(load_booleans(names[static_cast<std::size_t>(i)]));
  for (int i = 1; i < inputs; ++i) {
    const auto& x = in[static_cast<std::size_t>(i)];
    require_same_key(names[static_cast<std::size_t>(i)], x.params, x.key_id, in[0].params,
                     in[0].key_id);
    if (x.ciphertexts.size() != in[0].ciphertexts.size()) {
      throw UsageError(names[static_cast<std::size_t>(i)] + " holds " +
                       std::to_string(x.ciphertexts.size()) + " ciphertexts, " + o.a + " holds " +
                       std::to_string(in[0].ciphertexts.size()) +
                       "; gates apply element by element");
    }
  }

  const ServerKey key = load_server_key_with_progress(o.server_key, o.quiet);
  require_same_key(o.a, in[0].params, in[0].key_id, key.parameters(), key.key_id());

  const std::size_t count = in[0].ciphertexts.size();
  CiphertextBatch out{in[0].params, in[0].key_id, {true, 0}, {}, std::nullopt};
  out.ciphertexts.assign(count, LweCiphertext(key.parameters().big_dimension()));
  ProgressBar bar("gate " + o.op, progress_wanted(o.quiet));
  std::atomic<std::size_t> done{0};
  parallel_for(
      count, o.threads, [&] { return key.make_scratch(); },
      [&](std::size_t i, Scratch& scratch) {
        LweCiphertext& r = out.ciphertexts[i];
        const LweCiphertext& a = in[0].ciphertexts[i];
        switch (op) {
          case GateOp::kNand:
            gate_nand(r, a, in[1].ciphertexts[i], key, scratch);
            break;
          case GateOp::kAnd:
            gate_and(r, a, in[1].ciphertexts[i], key, scratch);
            break;
          case GateOp::kOr:
            gate_or(r, a, in[1].ciphertexts[i], key, scratch);
            break;
          case GateOp::kXor:
            gate_xor(r, a, in[1].ciphertexts[i], key, scratch);
            break;
          case GateOp::kXnor:
            gate_xnor(r, a, in[1].ciphertexts[i], key, scratch);
            break;
          case GateOp::kMux:
            gate_mux(r, a, in[1].ciphertexts[i], in[2].ciphertexts[i], key, scratch);
            break;
          case GateOp::kNot:
            gate_not(r, a);
            break;
        }
        bar.update(done.fetch_add(1) + 1, count);
      });
  bar.finish();
  save_ciphertexts(o.out, out, false);
  return 0;
}

}  // namespace

void add_lut_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<LutOptions>();
  CLI::App* cmd = app.add_subcommand(
      "lut", "Apply a table to every ciphertext of a file (programmable bootstrapping)");
  cmd->add_option("--server-key", o->server_key, "Evaluation (server) key file")->required();
  cmd->add_option("--in", o->in, "Ciphertext file (integers)")->required();
  cmd->add_option("--table", o->table,
                  "f(0),f(1),...: 2^B comma-separated outputs, B the input's message bits")
      ->required();
  cmd->add_option("--out", o->out, "Ciphertext file to write")->required();
  cmd->add_option("--out-bits", o->out_bits, "Message bits of the outputs (default: the input's)");
  add_threads_option(cmd, o->threads, "OpenMP threads");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([&action, o] { action = [o] { return run_lut(*o); }; });
}

void add_gate_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<GateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "gate", "Apply a boolean gate element-wise to files of encrypted booleans");
  cmd->add_option("--server-key", o->server_key, "Evaluation (server) key file")->required();
  cmd->add_option("--op", o->op, "nand, and, or, xor, xnor, mux (a ? b : c) or not")->required();
  cmd->add_option("--a", o->a, "First input (the selector for mux)")->required();
  cmd->add_option("--b", o->b, "Second input");
  cmd->add_option("--c", o->c, "Third input (mux only)");
  cmd->add_option("--out", o->out, "Ciphertext file to write")->required();
  add_threads_option(cmd, o->threads, "OpenMP threads");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([&action, o] { action = [o] { return run_gate(*o); }; });
}

}  // namespace lutfhe::cli
