// The service's server side: `lutfhe serve` (HTTP routes, jobs, in-process workers),
// `lutfhe worker` (a worker process on a shared PostgreSQL queue) and `lutfhe token` (client
// tokens, an administrator's command). Server side only: nothing here names a secret key.
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "service/http_server.hpp"
#include "service/ids.hpp"
#include "service/worker.hpp"

namespace lutfhe::cli {
namespace {

using service::ServiceOptions;

constexpr double kMiB = 1024.0 * 1024.0;

struct ServeCommand {
  ServiceOptions options;
  std::string models;
  std::string port_file;
  double key_cache_mb = 4096;
  double max_key_mb = 2048;
  double max_input_mb = 256;
  double retention_hours = 24;
  double key_retention_hours = 168;
};

std::uint64_t mebibytes(double mb, const char* option) {
  if (!(mb > 0) || mb > 1e9) throw UsageError(std::string(option) + " must be a positive size");
  return static_cast<std::uint64_t>(mb * kMiB);
}

void finish_options(ServeCommand& c) {
  auto& o = c.options;
  o.key_cache_bytes = mebibytes(c.key_cache_mb, "--key-cache-mb");
  o.max_key_bytes = mebibytes(c.max_key_mb, "--max-key-mb");
  o.max_input_bytes = mebibytes(c.max_input_mb, "--max-input-mb");
  if (!(c.retention_hours > 0) || !(c.key_retention_hours > 0)) {
    throw UsageError("--retention-hours and --key-retention-hours must be positive");
  }
  o.job_retention_seconds = c.retention_hours * 3600;
  o.key_retention_seconds = c.key_retention_hours * 3600;
  if (o.workers.workers < 0 || o.workers.workers > 256) throw UsageError("--workers: 0 to 256");
  if (o.workers.threads_per_job < 0 || o.workers.threads_per_job > kMaxThreads) {
    throw UsageError("--threads-per-job: 0 (all cores) to " + std::to_string(kMaxThreads));
  }
  if (o.http_threads < 1 || o.http_threads > 1024) throw UsageError("--http-threads: 1 to 1024");
  if (!(o.read_timeout_seconds > 0) || !(o.request_seconds > 0)) {
    throw UsageError("--read-timeout and --request-seconds must be positive");
  }
  if (!(o.workers.lease_seconds >= 1)) throw UsageError("--lease-seconds must be at least 1");
  if (o.port < 0 || o.port > 65535) throw UsageError("--port must be 0..65535");
}

int run_serve(ServeCommand& c) {
  finish_options(c);
  service::HttpServer server(c.options, service::ModelRegistry::load_folder(c.models));
  const std::string scheme = c.options.tls_cert.empty() ? "http" : "https";
  const std::string url = scheme + "://" + c.options.host + ":" + std::to_string(server.port());
  if (!c.port_file.empty())
    write_file_atomically(c.port_file, std::to_string(server.port()) + "\n");
  std::cerr << "lutfhe serve: listening on " << url << " (data " << c.options.data_dir << ", queue "
            << (c.options.queue.empty() ? "sqlite" : "postgresql") << ", "
            << c.options.workers.workers << " workers)\n";
  server.run();
  return kExitOk;
}

struct WorkerCommand {
  ServeCommand serve;  // shares the store, data, models and worker options
};

int run_worker(WorkerCommand& c) {
  finish_options(c.serve);
  auto& o = c.serve.options;
  if (o.queue.empty()) {
    throw UsageError(
        "lutfhe worker needs --queue postgresql://… (a SQLite store belongs to its "
        "one lutfhe serve process)");
  }
  if (o.workers.workers < 1) throw UsageError("--workers must be at least 1");
  const auto models = service::ModelRegistry::load_folder(c.serve.models);
  const service::DataFolder folder(o.data_dir);
  auto store = service::open_job_store(o.queue, folder.root().string());
  service::KeyCache keys(o.key_cache_bytes);
  service::Metrics metrics;
  o.workers.log = true;
  service::WorkerPool pool(*store, models, folder, keys, metrics, o.workers);
  std::cerr << "lutfhe worker: " << o.workers.workers << " workers on the PostgreSQL queue\n";
  pool.start();
  // Runs until killed: a job in progress is taken over by another worker after its lease.
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

struct TokenCommand {
  std::string data = "lutfhe-service";
  std::string queue;
  std::string name;
  std::string revoke;
  bool list = false;
};

int run_token(const TokenCommand& c) {
  const service::DataFolder folder(c.data);
  auto store = service::open_job_store(c.queue, folder.root().string());
  if (!c.revoke.empty()) {
    if (!store->remove_client(c.revoke))
      throw UsageError("--revoke " + c.revoke + ": no such client");
    std::cerr << "lutfhe token: client " << c.revoke << " revoked\n";
    return kExitOk;
  }
  if (c.list) {
    for (const auto& client : store->list_clients()) std::cout << client.name << "\n";
    return kExitOk;
  }
  if (c.name.empty() || c.name.size() > 64) throw UsageError("--name: 1 to 64 characters");
  const std::string token = service::new_token();
  store->add_client(c.name, service::token_digest(token));
  std::cout << token << "\n";
  std::cerr << "lutfhe token: client " << c.name
            << " created; the token is shown once and stored only as its hash\n";
  return kExitOk;
}

void add_store_options(CLI::App* cmd, ServeCommand& c) {
  auto& o = c.options;
  cmd->add_option("--models", c.models, "Folder of models: NAME/client.spec, NAME/server.circuit")
      ->required();
  cmd->add_option("--data", o.data_dir,
                  "Data folder: keys, inputs, results (and the SQLite store); shared by every "
                  "process of one deployment");
  cmd->add_option("--queue", o.queue,
                  "Job store: sqlite (default, in --data) or postgresql://USER@HOST:PORT/DB");
  cmd->add_option("--workers", o.workers.workers,
                  "Worker threads (default 1; serve --workers 0: HTTP only, with separate "
                  "lutfhe worker processes on a PostgreSQL queue)");
  cmd->add_option("--threads-per-job", o.workers.threads_per_job,
                  "OpenMP threads per job (0: all cores)");
  cmd->add_option("--lease-seconds", o.workers.lease_seconds,
                  "Lease of a running job; renewed by heartbeats, taken over when it lapses");
  cmd->add_option("--key-cache-mb", c.key_cache_mb,
                  "Memory for prepared evaluation keys (LRU; default 4096)");
}

}  // namespace

void add_serve_commands(CLI::App& app, Action& action) {
  {
    auto c = std::make_shared<ServeCommand>();
    auto& o = c->options;
    CLI::App* cmd = app.add_subcommand(
        "serve", "Encrypted inference as a service: HTTP API, durable jobs (docs/SERVICE.md)");
    add_store_options(cmd, *c);
    cmd->add_option("--host", o.host, "Address to listen on (default 127.0.0.1)");
    cmd->add_option("--port", o.port, "Port (default 8080; 0: any free port)");
    cmd->add_option("--port-file", c->port_file, "Write the port listened on to this file");
    cmd->add_option("--tls-cert", o.tls_cert, "HTTPS: certificate chain (PEM)");
    cmd->add_option("--tls-key", o.tls_key, "HTTPS: private key of the certificate (PEM)");
    cmd->add_option("--http-threads", o.http_threads, "Connections served at once (default 8)");
    cmd->add_option("--max-key-mb", c->max_key_mb, "Largest evaluation key accepted (2048)");
    cmd->add_option("--max-input-mb", c->max_input_mb, "Largest encrypted batch accepted (256)");
    cmd->add_option("--max-samples", o.max_samples, "Most samples in one job (100000)");
    cmd->add_option("--request-seconds", o.request_seconds,
                    "Time limit for one upload to arrive (600)");
    cmd->add_option("--read-timeout", o.read_timeout_seconds,
                    "Seconds of silence before a connection is dropped (10)");
    cmd->add_option("--retention-hours", c->retention_hours,
                    "Keep finished jobs and their results this long (24)");
    cmd->add_option("--key-retention-hours", c->key_retention_hours,
                    "Remove keys unused this long (168)");
    cmd->add_option("--cleanup-seconds", o.cleanup_interval_seconds,
                    "Interval of the retention sweep (60)");
    cmd->add_flag("--log-requests", o.log_requests,
                  "Log method, path and status of each request (never bodies or tokens)");
    cmd->callback([c, &action] {
      c->options.workers.log = c->options.log_requests;
      action = [c] { return run_serve(*c); };
    });
  }
  {
    auto c = std::make_shared<WorkerCommand>();
    c->serve.options.workers.workers = 1;
    CLI::App* cmd = app.add_subcommand(
        "worker", "Evaluate jobs from a PostgreSQL queue (scale-out; docs/SERVICE.md)");
    add_store_options(cmd, c->serve);
    cmd->callback([c, &action] { action = [c] { return run_worker(*c); }; });
  }
  {
    auto c = std::make_shared<TokenCommand>();
    CLI::App* cmd = app.add_subcommand("token", "Service administration: client tokens");
    cmd->add_option("--data", c->data, "The service's data folder");
    cmd->add_option("--queue", c->queue, "The service's job store (as for serve)");
    cmd->add_option("--name", c->name, "Create a client of this name and print its token");
    cmd->add_flag("--list", c->list, "List the clients");
    cmd->add_option("--revoke", c->revoke, "Revoke this client's token");
    cmd->callback([c, &action] { action = [c] { return run_token(*c); }; });
  }
}

}  // namespace lutfhe::cli
