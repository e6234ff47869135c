// `lutfhe client`: the client of `lutfhe serve` (docs/SERVICE.md). The step-by-step commands
// move files (spec, evaluation key, encrypted batches, encrypted results); `predict` does the
// whole flow — spec, keys (made once and cached per server and model), upload, encrypt, submit,
// wait, fetch, decrypt — so its user never sees a key or a ciphertext; `train` does the same for
// a training job (docs/SERVICE.md, "Training jobs"). Client side: the secret key is made and
// used here and never leaves this machine.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "cli/commands.hpp"
#include "cli/compiler_commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/progress.hpp"
#include "compiler/artifacts.hpp"
#include "core/atomic_file.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/fingerprint.hpp"
#include "core/json_text.hpp"
#include "models/samples.hpp"
#include "models/training_client.hpp"
#include "service/client_calls.hpp"
#include "service/http_client.hpp"
#include "service/ids.hpp"

namespace lutfhe::cli {
namespace {

namespace fs = std::filesystem;
using service::ServiceClient;

struct Connection {
  std::string server;
  std::string token;
  std::string ca_cert;
  double timeout = 60;
  bool quiet = false;

  std::unique_ptr<ServiceClient> open() const {
    service::ClientOptions o;
    o.token = token;
    if (o.token.empty()) {
      const char* env = std::getenv("LUTFHE_TOKEN");
      if (env) o.token = env;
    }
    if (o.token.empty()) throw UsageError("give --token or set LUTFHE_TOKEN");
    o.ca_cert = ca_cert;
    o.timeout_seconds = timeout;
    return std::make_unique<ServiceClient>(server, o);
  }
};

void add_connection(CLI::App* cmd, Connection& c) {
  cmd->add_option("--server", c.server, "Service URL, http://HOST:PORT or https://HOST:PORT")
      ->required();
  cmd->add_option("--token", c.token, "Bearer token (default: $LUTFHE_TOKEN)");
  cmd->add_option("--ca-cert", c.ca_cert, "HTTPS: trust this certificate (PEM)");
  cmd->add_option("--timeout", c.timeout, "Seconds to wait for one HTTP answer (60)");
  add_quiet_flag(cmd, c.quiet);
}

// Uploads the evaluation key unless the server has it already, with a progress bar. Returns
// its key id.
std::string ensure_key(ServiceClient& client, const std::string& model, const fs::path& key,
                       bool quiet) {
  const std::string known = service::file_key_id(key);
  if (service::has_key(client, known)) return known;
  ProgressBar bar("upload evaluation key", progress_wanted(quiet));
  const std::string id =
      service::upload_key(client, model, key, [&](std::uint64_t done, std::uint64_t total) {
        bar.update(static_cast<std::size_t>(done >> 10), static_cast<std::size_t>(total >> 10));
      });
  bar.finish();
  return id;
}

// Waits until the job is done (returns) or failed (throws), drawing a progress bar.
void wait_for(ServiceClient& client, const std::string& id, double timeout_seconds, bool quiet) {
  ProgressBar bar("job " + id.substr(0, 8), progress_wanted(quiet));
  try {
    service::wait_for_job(client, id, timeout_seconds, [&](const service::JobProgress& p) {
      bar.update(static_cast<std::size_t>(p.samples_done), static_cast<std::size_t>(p.samples));
    });
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
}

fs::path cache_root(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "lutfhe";
  if (const char* home = std::getenv("HOME"); home && *home) {
    return fs::path(home) / ".cache" / "lutfhe";
  }
  return ".lutfhe-cache";
}

// One folder per server and model: "http___127.0.0.1_8080/mnist".
fs::path cache_folder(const std::string& root, const std::string& server,
                      const std::string& model) {
  std::string s;
  for (char c : server) s += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '_';
  return cache_root(root) / s / model;
}

// The client key and evaluation key for `spec`, made once per cache folder.
void ensure_keys(const fs::path& dir, const fs::path& spec, bool quiet) {
  const ParameterSet params = compiler::parameters_from_spec(spec);
  const fs::path ck = dir / "client.key";
  if (fs::exists(ck) && fs::exists(dir / "eval.key")) {
    if (parameter_fingerprint(load_client_key(ck).parameters()) == parameter_fingerprint(params)) {
      return;
    }
  }
  const ClientKey client = ClientKey::generate(params);
  ProgressBar bar("keygen " + params.name, progress_wanted(quiet));
  const EvaluationKey eval = generate_evaluation_key(client, bar.callback());
  bar.finish();
  save_key_pair(ck, client, dir / "eval.key", eval, /*seeded=*/true);
}

// What the one-command jobs (predict, train) share: the key cache, how long to wait, whether
// to leave the job on the server.
struct JobOptions {
  std::string cache;
  double wait_seconds = 3600;
  bool keep_job = false;
};

void add_job_options(CLI::App* cmd, JobOptions& j) {
  cmd->add_option("--cache", j.cache,
                  "Key cache folder (default $XDG_CACHE_HOME/lutfhe or ~/.cache/lutfhe)");
  cmd->add_option("--wait", j.wait_seconds, "Give up after this many seconds (3600)");
  cmd->add_flag("--keep-job", j.keep_job, "Leave the job and its result on the server");
}

// The model's cache folder, holding a fresh copy of its client spec ("client.spec").
fs::path model_folder(ServiceClient& client, const Connection& c, const JobOptions& j,
                      const std::string& model) {
  if (!service::is_model_name(model)) throw UsageError("--model " + model + ": not a model name");
  const fs::path dir = cache_folder(j.cache, c.server, model);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FileAccessError(dir.string() + ": cannot create: " + ec.message());
  service::download_client_spec(client, model, dir / "client.spec");
  return dir;
}

// A job's input and result files in the cache folder, removed when the command ends.
struct JobFiles {
  fs::path in, out;
  JobFiles(const fs::path& dir, const std::string& in_prefix, const std::string& out_prefix,
           const std::string& tag)
      : in(dir / (in_prefix + tag + ".ct")), out(dir / (out_prefix + tag + ".ct")) {}
  JobFiles(const JobFiles&) = delete;
  JobFiles& operator=(const JobFiles&) = delete;
  ~JobFiles() {
    std::error_code e;
    fs::remove(in, e);
    fs::remove(out, e);
  }
};

// Submits files.in, waits for the job (progress bar), fetches its result into files.out and
// deletes the job unless it is to be kept.
void run_job(ServiceClient& client, const std::string& model, const JobFiles& files,
             const std::string& idempotency_key, const JobOptions& j, bool quiet) {
  const std::string job = service::submit_job(client, model, files.in, idempotency_key);
  wait_for(client, job, j.wait_seconds, quiet);
  service::fetch_result(client, job, files.out);
  if (!j.keep_job) client.del("/v1/jobs/" + job);
}

struct PredictCommand {
  Connection connection;
  JobOptions job;
  std::string model;
  std::string input;
  std::size_t count = 0;
};

int run_predict(const PredictCommand& c) {
  auto client = c.connection.open();
  const fs::path dir = model_folder(*client, c.connection, c.job, c.model);
  ensure_keys(dir, dir / "client.spec", c.connection.quiet);
  ensure_key(*client, c.model, dir / "eval.key", c.connection.quiet);
  const std::string tag = service::new_job_id().substr(0, 12);
  const JobFiles files(dir, "in-", "out-", tag);
  SpecEncryptOptions enc;
  enc.spec = (dir / "client.spec").string();
  enc.client_key = (dir / "client.key").string();
  enc.input = c.input;
  enc.count = c.count;
  enc.out = files.in.string();
  enc.quiet = c.connection.quiet;
  encrypt_with_spec(enc);
  run_job(*client, c.model, files, "predict-" + tag, c.job, c.connection.quiet);
  SpecDecryptOptions dec{enc.spec, enc.client_key, files.out.string()};
  return decrypt_with_spec(dec, std::cout);
}

// Encrypted training as a job (docs/SERVICE.md, "Training jobs"): the step's spec, keys
// (cached as for predict), the batches of every epoch and zero weights encrypted into one job
// input, submit, wait (progress: steps), fetch, decrypt; prints the weights then the bias.
struct TrainCommand {
  Connection connection;
  JobOptions job;
  std::string model, train, train_labels, out;
  std::size_t epochs = 1;
};

int run_train(const TrainCommand& c) {
  if (!c.out.empty()) require_writable_output(c.out, "--out");
  auto client = c.connection.open();
  const fs::path dir = model_folder(*client, c.connection, c.job, c.model);
  const compiler::ClientSpec spec = compiler::load_client_spec(dir / "client.spec");
  const models::SgdSettings s = models::settings_from_spec(spec);
  const auto x = models::load_samples(c.train, 0, s.features);
  const auto y = models::load_labels(c.train_labels);
  if (x.size() != y.size()) {
    throw InvalidArgument(c.train_labels + ": " + std::to_string(y.size()) + " labels for " +
                          std::to_string(x.size()) + " samples in " + c.train);
  }
  ensure_keys(dir, dir / "client.spec", c.connection.quiet);
  ensure_key(*client, c.model, dir / "eval.key", c.connection.quiet);
  const ClientKey key = load_client_key(dir / "client.key");
  const std::string tag = service::new_job_id().substr(0, 12);
  const JobFiles files(dir, "train-", "weights-", tag);
  save_ciphertexts(files.in, models::encrypt_training_epochs(spec, key, x, y, c.epochs), true);
  run_job(*client, c.model, files, "train-" + tag, c.job, c.connection.quiet);
  const auto w = models::decrypt_trained_weights(spec, key, load_ciphertexts(files.out));
  std::string line;
  for (std::size_t j = 0; j < w.size(); ++j) line += (j ? "," : "") + json_number(w[j], 8);
  line += "\n";
  std::cout << line;
  if (!c.out.empty()) write_file_atomically(c.out, line);
  return kExitOk;
}

struct StepCommand {
  Connection connection;
  std::string model, file, out, job, key_id, idempotency_key;
  double wait_seconds = 3600;
};

int print_answer(const service::HttpAnswer& answer, int expected) {
  ServiceClient::require(answer, expected);
  std::cout << answer.body << "\n";
  return kExitOk;
}

int cmd_models(StepCommand& c) {
  return print_answer(c.connection.open()->get("/v1/models"), 200);
}

int cmd_spec(StepCommand& c) {
  service::download_client_spec(*c.connection.open(), c.model, c.out);
  return kExitOk;
}

int cmd_upload_key(StepCommand& c) {
  std::cout << ensure_key(*c.connection.open(), c.model, c.file, c.connection.quiet) << "\n";
  return kExitOk;
}

int cmd_submit(StepCommand& c) {
  std::cout << service::submit_job(*c.connection.open(), c.model, c.file, c.idempotency_key)
            << "\n";
  return kExitOk;
}

int cmd_status(StepCommand& c) {
  return print_answer(c.connection.open()->get("/v1/jobs/" + c.job), 200);
}

int cmd_list(StepCommand& c) {
  return print_answer(c.connection.open()->get("/v1/jobs"), 200);
}

int cmd_wait(StepCommand& c) {
  wait_for(*c.connection.open(), c.job, c.wait_seconds, c.connection.quiet);
  return kExitOk;
}

int cmd_fetch(StepCommand& c) {
  service::fetch_result(*c.connection.open(), c.job, c.out);
  return kExitOk;
}

int cmd_delete(StepCommand& c) {
  if (c.job.empty() == c.key_id.empty()) throw UsageError("give --job or --key-id");
  const auto path = c.job.empty() ? "/v1/keys/" + c.key_id : "/v1/jobs/" + c.job;
  ServiceClient::require(c.connection.open()->del(path), 204);
  return kExitOk;
}

}  // namespace

void add_service_client_commands(CLI::App& app, Action& action) {
  CLI::App* client = app.add_subcommand(
      "client", "Client of 'lutfhe serve': predict in one command, or step by step");
  client->require_subcommand(1);
  {
    auto o = std::make_shared<PredictCommand>();
    CLI::App* cmd = client->add_subcommand(
        "predict", "Spec, keys (cached), upload, encrypt, submit, wait, fetch, decrypt");
    add_connection(cmd, o->connection);
    cmd->add_option("--model", o->model, "Model name (lutfhe client models)")->required();
    cmd->add_option("--input", o->input, "Samples (CSV, one per line)")->required();
    cmd->add_option("--count", o->count, "Use the first N samples");
    add_job_options(cmd, o->job);
    cmd->callback([o, &action] { action = [o] { return run_predict(*o); }; });
  }
  {
    auto o = std::make_shared<TrainCommand>();
    CLI::App* cmd = client->add_subcommand(
        "train", "Encrypted training as a job: keys (cached), encrypt, submit, wait, decrypt");
    add_connection(cmd, o->connection);
    cmd->add_option("--model", o->model, "A served training step (kind train)")->required();
    cmd->add_option("--train", o->train, "Training samples (CSV, features in [-1, 1])")->required();
    cmd->add_option("--train-labels", o->train_labels, "Training labels (0/1)")->required();
    cmd->add_option("--epochs", o->epochs, "Passes over the training data")->capture_default_str();
    cmd->add_option("--out", o->out, "CSV line to write: the weights, then the bias");
    add_job_options(cmd, o->job);
    cmd->callback([o, &action] { action = [o] { return run_train(*o); }; });
  }
  const auto make = [&](const char* name, const char* help, int (*run)(StepCommand&)) {
    auto o = std::make_shared<StepCommand>();
    CLI::App* cmd = client->add_subcommand(name, help);
    add_connection(cmd, o->connection);
    cmd->callback([o, run, &action] { action = [o, run] { return run(*o); }; });
    return std::make_pair(cmd, o);
  };
  make("models", "List the served models (JSON)", cmd_models);
  {
    auto [cmd, o] = make("spec", "Download a model's client spec", cmd_spec);
    cmd->add_option("--model", o->model, "Model name")->required();
    cmd->add_option("--out", o->out, "client.spec to write")->required();
  }
  {
    auto [cmd, o] =
        make("upload-key", "Upload an evaluation key (skipped if stored); prints its id",
             cmd_upload_key);
    cmd->add_option("--model", o->model, "A model the key is for")->required();
    cmd->add_option("--key", o->file, "Evaluation key file (lutfhe keygen --spec)")->required();
  }
  {
    auto [cmd, o] = make("submit", "Submit an encrypted batch; prints the job id", cmd_submit);
    cmd->add_option("--model", o->model, "Model name")->required();
    cmd->add_option("--in", o->file, "Encrypted samples (lutfhe encrypt --spec)")->required();
    cmd->add_option("--idempotency-key", o->idempotency_key,
                    "A retried submit with the same key returns the same job");
  }
  {
    auto [cmd, o] = make("status", "A job's state, progress and ETA (JSON)", cmd_status);
    cmd->add_option("--job", o->job, "Job id")->required();
  }
  make("jobs", "Your jobs (JSON)", cmd_list);
  {
    auto [cmd, o] = make("wait", "Wait for a job to finish, with a progress bar", cmd_wait);
    cmd->add_option("--job", o->job, "Job id")->required();
    cmd->add_option("--wait", o->wait_seconds, "Give up after this many seconds (3600)");
  }
  {
    auto [cmd, o] = make("fetch", "Download a job's encrypted result", cmd_fetch);
    cmd->add_option("--job", o->job, "Job id")->required();
    cmd->add_option("--out", o->out, "Result file to write (decrypt with lutfhe decrypt --spec)")
        ->required();
  }
  {
    auto [cmd, o] = make("delete", "Delete a job (and its result) or a key", cmd_delete);
    cmd->add_option("--job", o->job, "Job id");
    cmd->add_option("--key-id", o->key_id, "Key id");
  }
}

}  // namespace lutfhe::cli
