// `lutfhe train-encrypted report`: the client's monitoring of an encrypted training run. It
// decrypts a copy of every encrypted checkpoint locally (the decrypted weights stay here: they
// are never sent back to the server), measures test accuracy after each batch, and writes the
// SVG plot and the JSON summary; with the step circuit and the training data it also runs the
// simulated training and counts the batches whose encrypted weights differ from it.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/training_report.hpp"
#include "compiler/artifacts.hpp"
#include "core/atomic_file.hpp"
#include "core/client_key_file.hpp"
#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "models/encrypted_training.hpp"
#include "models/samples.hpp"
#include "models/training_client.hpp"

namespace lutfhe::cli {
namespace {

namespace fs = std::filesystem;

struct ReportCommand {
  std::string spec, client_key, checkpoints, test, test_labels, train, train_labels, circuit;
  std::string svg, json;
  std::size_t epochs = 1;
  double lr = models::SgdSettings{}.learning_rate;
};

int run_report(const ReportCommand& c) {
  if (!c.svg.empty()) require_writable_output(c.svg, "--svg");
  if (!c.json.empty()) require_writable_output(c.json, "--json");
  const compiler::ClientSpec spec = compiler::load_client_spec(c.spec);
  models::SgdSettings s = models::settings_from_spec(spec);
  s.learning_rate = c.lr;
  const ClientKey key = load_client_key(c.client_key);
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(c.checkpoints, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("weights.", 0) == 0 && entry.path().extension() == ".ct") {
      files.push_back(entry.path());
    }
  }
  if (ec) throw UsageError("--checkpoints " + c.checkpoints + ": " + ec.message());
  if (files.empty()) throw UsageError("--checkpoints " + c.checkpoints + ": no weights.*.ct");
  std::sort(files.begin(), files.end());
  const auto test_x = models::load_samples(c.test, 0, s.features);
  const auto test_y = models::load_labels(c.test_labels);
  std::vector<compiler::Tensor> decrypted;
  std::vector<double> acc;
  for (const auto& f : files) {
    decrypted.push_back(models::decrypt_weights(spec, key, load_ciphertexts(f)));
    acc.push_back(
        models::accuracy(models::dequantize_weights(decrypted.back(), s), test_x, test_y));
  }
  std::optional<double> fp;
  std::optional<std::size_t> mismatched;
  if (!c.train.empty()) {
    const auto train_x = models::load_samples(c.train, 0, s.features);
    const auto train_y = models::load_labels(c.train_labels);
    fp = models::accuracy(models::train_float(train_x, train_y, s.batch, c.lr, c.epochs), test_x,
                          test_y);
    if (!c.circuit.empty()) {
      const compiler::CompiledCircuit compiled = compiler::load_server_circuit(c.circuit);
      models::PlainTrainer sim(compiled, compiled.circuit, models::StepMode::kSimulate);
      const auto one = models::make_batches(train_x, train_y, s);
      compiler::Tensor w = models::initial_weights(s);
      mismatched = 0;
      for (std::size_t t = 0; t < decrypted.size(); ++t) {
        if (one.empty()) break;
        w = sim.step(one[t % one.size()], w);
        *mismatched += w != decrypted[t];
      }
    }
  }
  std::printf("train-encrypted report: %zu batches, test accuracy %.2f%% after the last",
              acc.size(), 100.0 * acc.back());
  if (fp) std::printf(", float logistic regression %.2f%%", 100.0 * *fp);
  if (mismatched) {
    std::printf(", encrypted weights differ from simulated ones after %zu of %zu batches",
                *mismatched, decrypted.size());
  }
  std::printf("\n");
  if (!c.svg.empty()) {
    write_accuracy_svg(c.svg, "test accuracy of a decrypted copy: " + spec.description,
                       {{"encrypted", acc}}, fp);
  }
  if (!c.json.empty()) {
    std::ostringstream j;
    j << "{\n  \"spec\": " << json_quoted(spec.description)
      << ",\n  \"parameters\": " << json_quoted(spec.params.display_name())
      << ",\n  \"batches\": " << acc.size()
      << ",\n  \"final_accuracy\": " << json_number(acc.back(), 6)
      << ",\n  \"float_accuracy\": " << (fp ? json_number(*fp, 6) : std::string("null"))
      << ",\n  \"batches_differing_from_simulate\": "
      << (mismatched ? std::to_string(*mismatched) : std::string("null"))
      << ",\n  \"accuracy_per_batch\": " << json_array(acc) << "\n}\n";
    write_file_atomically(c.json, j.str());
  }
  return mismatched && *mismatched > 0 ? kExitInternal : kExitOk;
}

}  // namespace

void add_train_encrypted_report(CLI::App* parent, Action& action) {
  auto o = std::make_shared<ReportCommand>();
  CLI::App* cmd = parent->add_subcommand(
      "report", "Client: test accuracy per batch from locally decrypted checkpoints");
  cmd->add_option("--spec", o->spec, "step.spec")->required();
  cmd->add_option("--client-key", o->client_key, "Client key")->required();
  cmd->add_option("--checkpoints", o->checkpoints, "Folder of weights.NNNNN.ct")->required();
  cmd->add_option("--test", o->test, "Test samples")->required();
  cmd->add_option("--test-labels", o->test_labels, "Test labels")->required();
  cmd->add_option("--train", o->train, "Training samples (float reference, simulate check)");
  cmd->add_option("--train-labels", o->train_labels, "Training labels");
  cmd->add_option("--circuit", o->circuit, "step.circuit: compare with simulated training");
  cmd->add_option("--epochs", o->epochs, "Epochs of the float reference")->capture_default_str();
  cmd->add_option("--lr", o->lr, "Learning rate of the float reference (the step's)")
      ->capture_default_str();
  cmd->add_option("--svg", o->svg, "Plot of test accuracy per batch");
  cmd->add_option("--json", o->json, "JSON summary");
  cmd->callback([o, &action] { action = [o] { return run_report(*o); }; });
}

}  // namespace lutfhe::cli
