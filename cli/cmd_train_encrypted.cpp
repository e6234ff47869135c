// `lutfhe train-encrypted`: logistic regression trained by SGD on encrypted data
// (models/encrypted_training.hpp). The roles stay apart:
//
//   compile   (data owner) the step circuit for the chosen quantization: DIR/step.spec (client),
//             DIR/step.circuit (server), DIR/compile_report.txt
//   simulate  (data owner, no keys) the same training on plaintext integers with the simulator
//             — accuracy per batch against float logistic regression, before paying for FHE
//   encrypt   (client key) quantize and encrypt the batches of every epoch and zero weights
//   run       (server: circuit + evaluation key only) one step per batch, the encrypted weights
//             carried from step to step; progress per batch; encrypted checkpoints
//   decrypt   (client key) the model's weights, as real numbers
//   report    (client key) decrypts a copy of every checkpoint locally — a monitoring step on
//             the client: decrypted values never go back to the server — for the SVG plot of
//             test accuracy per batch and the JSON summary (and, given the circuit and the
//             training data, checks the encrypted weights against the simulated ones)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/progress.hpp"
#include "cli/training_report.hpp"
#include "compiler/artifacts.hpp"
#include "core/atomic_file.hpp"
#include "core/client_key_file.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/json_text.hpp"
#include "models/encrypted_training.hpp"
#include "models/samples.hpp"
#include "models/training_client.hpp"
#include "models/training_server.hpp"

namespace lutfhe::cli {
namespace {

namespace fs = std::filesystem;
using models::SgdSettings;

void add_settings_options(CLI::App* cmd, SgdSettings& s) {
  cmd->add_option("--features", s.features, "Features per sample")->capture_default_str();
  cmd->add_option("--batch", s.batch, "Samples per SGD step")->capture_default_str();
  cmd->add_option("--x-max", s.x_max, "Features in [-1, 1] quantized to [-X, X]")
      ->capture_default_str();
  cmd->add_option("--w-max", s.w_max, "Weights quantized to [-W, W]")->capture_default_str();
  cmd->add_option("--w-scale", s.w_scale, "Weight = quantized weight / S")->capture_default_str();
  cmd->add_option("--p-levels", s.p_levels, "Sigmoid output levels P")->capture_default_str();
  cmd->add_option("--lr", s.learning_rate, "Learning rate")->capture_default_str();
  cmd->add_option("--max-step", s.max_step, "At most this many weight units per step")
      ->capture_default_str();
}

struct Data {
  std::vector<compiler::RealSample> x;
  std::vector<int> y;
};

Data load_data(const std::string& samples, const std::string& labels, std::size_t features) {
  Data d{models::load_samples(samples, 0, features), models::load_labels(labels)};
  if (d.x.size() != d.y.size()) {
    throw InvalidArgument(labels + ": " + std::to_string(d.y.size()) + " labels for " +
                          std::to_string(d.x.size()) + " samples in " + samples);
  }
  return d;
}

std::vector<models::QuantizedBatch> epochs_of(const std::vector<models::QuantizedBatch>& one,
                                              std::size_t epochs) {
  std::vector<models::QuantizedBatch> out;
  for (std::size_t e = 0; e < epochs; ++e) out.insert(out.end(), one.begin(), one.end());
  return out;
}

std::string percent(double a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * a);
  return buf;
}

// ---- compile -------------------------------------------------------------------------------

struct CompileCommand {
  SgdSettings settings;
  std::string out;
  std::string params;
  double log2_p_error = -40.0;
};

compiler::ClientSpec step_spec(const compiler::CompiledCircuit& c, const SgdSettings& s) {
  const compiler::Quantization w{1.0 / s.w_scale, 0};
  return compiler::make_client_spec(c, {{1.0 / static_cast<double>(s.x_max), 0}, {1.0, 0}, w}, {w},
                                    "encrypted training step " + s.describe());
}

compiler::CompileResult compile_step(const SgdSettings& s, const std::string& params,
                                     double log2_p_error) {
  compiler::CompileOptions o = models::sgd_compile_options(
      s, params.empty() ? std::nullopt : std::optional<ParameterSet>(find_parameter_set(params)));
  o.targets.log2_p_error = log2_p_error;
  return compiler::compile(models::sgd_step_circuit(s), {}, o);
}

int run_compile(const CompileCommand& c) {
  c.settings.validate();
  std::error_code ec;
  fs::create_directories(c.out, ec);
  if (ec) throw UsageError("--out " + c.out + ": " + ec.message());
  const fs::path dir = c.out;
  require_writable_output(dir / "step.spec", "--out");
  const auto r = compile_step(c.settings, c.params, c.log2_p_error);
  compiler::save_client_spec(dir / "step.spec", step_spec(r.compiled, c.settings));
  compiler::save_server_circuit(dir / "step.circuit", r.compiled);
  write_file_atomically(dir / "compile_report.txt", r.report.text());
  std::printf(
      "train-encrypted compile: %s\n  %zu bootstraps per step, parameters %s%s, est. %.1f s per "
      "step on one thread (cost model)\n  wrote %s, %s, %s\n",
      c.settings.describe().c_str(), r.report.bootstraps, r.compiled.params.display_name().c_str(),
      r.compiled.params.insecure ? " (INSECURE test set)" : "", r.report.estimated_ms / 1000.0,
      (dir / "step.spec").c_str(), (dir / "step.circuit").c_str(),
      (dir / "compile_report.txt").c_str());
  return kExitOk;
}

// ---- simulate ------------------------------------------------------------------------------

struct SimulateCommand {
  SgdSettings settings;
  std::string circuit;
  std::string train, train_labels, test, test_labels;
  std::size_t epochs = 1;
  std::string svg, json;
};

int run_simulate(const SimulateCommand& c) {
  c.settings.validate();
  if (!c.svg.empty()) require_writable_output(c.svg, "--svg");
  if (!c.json.empty()) require_writable_output(c.json, "--json");
  const SgdSettings& s = c.settings;
  const Data train = load_data(c.train, c.train_labels, s.features);
  const Data test = load_data(c.test, c.test_labels, s.features);
  const compiler::Circuit model = models::sgd_step_circuit(s);
  const compiler::CompiledCircuit compiled = c.circuit.empty()
                                                 ? compile_step(s, "", -40.0).compiled
                                                 : compiler::load_server_circuit(c.circuit);
  if (compiled.circuit.inputs().size() != 3 ||
      compiler::element_count(compiled.circuit.node(compiled.circuit.inputs()[2]).shape) !=
          s.weights()) {
    throw UsageError("--circuit " + c.circuit + " is not the step of these settings");
  }
  const auto batches = epochs_of(models::make_batches(train.x, train.y, s), c.epochs);
  if (batches.empty()) throw UsageError("--train: fewer samples than one batch");
  models::PlainTrainer sim(compiled, model, models::StepMode::kSimulate);
  models::PlainTrainer oracle(compiled, model, models::StepMode::kModel);
  compiler::Tensor w = models::initial_weights(s);
  compiler::Tensor w_model = w;
  std::vector<double> acc;
  for (std::size_t t = 0; t < batches.size(); ++t) {
    w = sim.step(batches[t], w);
    w_model = oracle.step(batches[t], w_model);
    acc.push_back(models::accuracy(models::dequantize_weights(w, s), test.x, test.y));
  }
  const double fp = models::accuracy(
      models::train_float(train.x, train.y, s.batch, s.learning_rate, c.epochs), test.x, test.y);
  const double model_acc = models::accuracy(models::dequantize_weights(w_model, s), test.x, test.y);
  std::printf(
      "train-encrypted simulate: %s, %zu steps (%zu epochs)\n  test accuracy: simulated %s, "
      "clear without the compiler's rounding %s, float logistic regression %s\n",
      s.describe().c_str(), batches.size(), c.epochs, percent(acc.back()).c_str(),
      percent(model_acc).c_str(), percent(fp).c_str());
  if (!c.svg.empty()) {
    write_accuracy_svg(c.svg, "simulated training: " + s.describe(), {{"simulated", acc}}, fp);
  }
  if (!c.json.empty()) {
    std::ostringstream j;
    j << "{\n  \"settings\": " << json_quoted(s.describe()) << ",\n  \"epochs\": " << c.epochs
      << ",\n  \"steps\": " << batches.size()
      << ",\n  \"simulated_accuracy\": " << json_number(acc.back(), 6)
      << ",\n  \"clear_model_accuracy\": " << json_number(model_acc, 6)
      << ",\n  \"float_accuracy\": " << json_number(fp, 6)
      << ",\n  \"accuracy_per_batch\": " << json_array(acc) << "\n}\n";
    write_file_atomically(c.json, j.str());
  }
  return kExitOk;
}

// ---- encrypt / decrypt (client) -------------------------------------------------------------

struct EncryptCommand {
  std::string spec, client_key, train, train_labels, out_batches, out_weights, out_job;
  std::size_t epochs = 1;
  bool quiet = false;
};

int run_encrypt(const EncryptCommand& c) {
  require_writable_output(c.out_batches, "--out-batches");
  require_writable_output(c.out_weights, "--out-weights");
  require_distinct(c.out_batches, "--out-batches", c.out_weights, "--out-weights");
  if (!c.out_job.empty()) {
    require_writable_output(c.out_job, "--out-job");
    require_distinct(c.out_job, "--out-job", c.out_batches, "--out-batches");
    require_distinct(c.out_job, "--out-job", c.out_weights, "--out-weights");
  }
  const compiler::ClientSpec spec = compiler::load_client_spec(c.spec);
  const SgdSettings s = models::settings_from_spec(spec);
  const ClientKey key = load_client_key(c.client_key);
  const Data train = load_data(c.train, c.train_labels, s.features);
  const auto batches = epochs_of(models::make_batches(train.x, train.y, s), c.epochs);
  if (batches.empty()) throw UsageError("--train: fewer samples than one batch");
  ProgressBar bar("encrypt " + std::to_string(batches.size()) + " batches",
                  progress_wanted(c.quiet));
  const CiphertextBatch data = models::encrypt_training_batches(spec, key, batches, bar.callback());
  bar.finish();
  save_ciphertexts(c.out_batches, data, true);
  save_ciphertexts(c.out_weights, models::encrypt_weights(spec, key, models::initial_weights(s)),
                   true);
  if (!c.out_job.empty()) {
    // The same values again, for a training job of the service (docs/SERVICE.md).
    save_ciphertexts(c.out_job,
                     models::encrypt_training_job(spec, key, batches, models::initial_weights(s)),
                     true);
  }
  std::printf(
      "train-encrypted encrypt: %zu batches of %zu (%zu epochs), %zu ciphertexts; zero "
      "initial weights\n",
      batches.size(), s.batch, c.epochs, data.ciphertexts.size());
  return kExitOk;
}

struct DecryptCommand {
  std::string spec, client_key, weights, out;
};

int run_decrypt(const DecryptCommand& c) {
  if (!c.out.empty()) require_writable_output(c.out, "--out");
  const compiler::ClientSpec spec = compiler::load_client_spec(c.spec);
  const SgdSettings s = models::settings_from_spec(spec);
  const ClientKey key = load_client_key(c.client_key);
  const auto w = models::dequantize_weights(
      models::decrypt_weights(spec, key, load_ciphertexts(c.weights)), s);
  std::string line;
  for (std::size_t j = 0; j < w.size(); ++j) line += (j ? "," : "") + json_number(w[j], 8);
  line += "\n";
  std::fputs(line.c_str(), stdout);
  if (!c.out.empty()) write_file_atomically(c.out, line);
  return kExitOk;
}

}  // namespace

// cmd_train_encrypted_server.cpp and the report: the server's run and the client's report.
int run_train_encrypted_server(const std::string& circuit, const std::string& server_key,
                               const std::string& batches, const std::string& weights,
                               const std::string& out, const std::string& checkpoints,
                               const std::string& json, std::size_t max_steps, int threads,
                               bool quiet);
void add_train_encrypted_report(CLI::App* parent, Action& action);

void add_train_encrypted_command(CLI::App& app, Action& action) {
  CLI::App* top = app.add_subcommand(
      "train-encrypted", "Logistic regression trained by SGD on encrypted data (client/server)");
  top->require_subcommand(1);

  auto co = std::make_shared<CompileCommand>();
  CLI::App* cmd = top->add_subcommand("compile", "Data owner: compile the SGD step circuit");
  add_settings_options(cmd, co->settings);
  cmd->add_option("--out", co->out, "Folder for step.spec, step.circuit, compile_report.txt")
      ->required();
  cmd->add_option("--params", co->params, "A named parameter set instead of the search (TOY)");
  cmd->add_option("--p-error", co->log2_p_error, "log2 of the per-bootstrap failure target")
      ->capture_default_str();
  cmd->callback([co, &action] { action = [co] { return run_compile(*co); }; });

  auto so = std::make_shared<SimulateCommand>();
  cmd = top->add_subcommand("simulate", "Data owner: the same training simulated in the clear");
  add_settings_options(cmd, so->settings);
  cmd->add_option("--circuit", so->circuit, "step.circuit (default: compile these settings)");
  cmd->add_option("--train", so->train, "Training samples (CSV, features in [-1, 1])")->required();
  cmd->add_option("--train-labels", so->train_labels, "Training labels (0/1)")->required();
  cmd->add_option("--test", so->test, "Test samples")->required();
  cmd->add_option("--test-labels", so->test_labels, "Test labels")->required();
  cmd->add_option("--epochs", so->epochs, "Passes over the training data")->capture_default_str();
  cmd->add_option("--svg", so->svg, "Plot of test accuracy per batch");
  cmd->add_option("--json", so->json, "JSON summary");
  cmd->callback([so, &action] { action = [so] { return run_simulate(*so); }; });

  auto eo = std::make_shared<EncryptCommand>();
  cmd = top->add_subcommand("encrypt", "Client: encrypt the training batches and zero weights");
  cmd->add_option("--spec", eo->spec, "step.spec")->required();
  cmd->add_option("--client-key", eo->client_key, "Client key for the spec's parameters")
      ->required();
  cmd->add_option("--train", eo->train, "Training samples (CSV, features in [-1, 1])")->required();
  cmd->add_option("--train-labels", eo->train_labels, "Training labels (0/1)")->required();
  cmd->add_option("--epochs", eo->epochs, "Passes over the training data")->capture_default_str();
  cmd->add_option("--out-batches", eo->out_batches, "Encrypted batches to write")->required();
  cmd->add_option("--out-weights", eo->out_weights, "Encrypted initial weights to write")
      ->required();
  cmd->add_option("--out-job", eo->out_job,
                  "Also write the input of a service training job (initial weights, then the "
                  "batches)");
  add_quiet_flag(cmd, eo->quiet);
  cmd->callback([eo, &action] { action = [eo] { return run_encrypt(*eo); }; });

  struct RunOptions {
    std::string circuit, server_key, batches, weights, out, checkpoints, json;
    std::size_t steps = 0;
    int threads = 0;
    bool quiet = false;
  };
  auto ro = std::make_shared<RunOptions>();
  cmd = top->add_subcommand("run", "Server: one SGD step per batch (evaluation key only)");
  cmd->add_option("--circuit", ro->circuit, "step.circuit")->required();
  cmd->add_option("--server-key", ro->server_key, "Evaluation key")->required();
  cmd->add_option("--batches", ro->batches, "Encrypted batches")->required();
  cmd->add_option("--weights", ro->weights, "Encrypted initial weights")->required();
  cmd->add_option("--out", ro->out, "Encrypted final weights to write")->required();
  cmd->add_option("--checkpoints", ro->checkpoints,
                  "Folder for the encrypted weights after every batch (weights.NNNNN.ct)");
  cmd->add_option("--json", ro->json, "Per-step timings as JSON");
  cmd->add_option("--steps", ro->steps, "Stop after this many steps (0: all)");
  add_threads_option(cmd, ro->threads, "OpenMP threads");
  add_quiet_flag(cmd, ro->quiet);
  cmd->callback([ro, &action] {
    action = [ro] {
      return run_train_encrypted_server(ro->circuit, ro->server_key, ro->batches, ro->weights,
                                        ro->out, ro->checkpoints, ro->json, ro->steps, ro->threads,
                                        ro->quiet);
    };
  });

  auto dop = std::make_shared<DecryptCommand>();
  cmd = top->add_subcommand("decrypt", "Client: the trained weights as real numbers");
  cmd->add_option("--spec", dop->spec, "step.spec")->required();
  cmd->add_option("--client-key", dop->client_key, "Client key")->required();
  cmd->add_option("--weights", dop->weights, "Encrypted weights")->required();
  cmd->add_option("--out", dop->out, "CSV line to write: the weights, then the bias");
  cmd->callback([dop, &action] { action = [dop] { return run_decrypt(*dop); }; });

  add_train_encrypted_report(top, action);
}

}  // namespace lutfhe::cli
