#include "service/http_server.hpp"

#include <fcntl.h>
#include <httplib.h>

#include <sys/file.h>
#include <unistd.h>
#include <csignal>

#include <chrono>
#include <iostream>
#include <regex>

#include "core/errors.hpp"
#include "service/json.hpp"
#include "service/routes.hpp"

namespace lutfhe::service {

namespace fs = std::filesystem;

std::size_t clean_up_once(ServiceContext& ctx) {
  std::size_t removed = 0;
  const double now = ctx.store.now();
  for (const auto& job :
       ctx.store.expired_jobs(now - ctx.options.job_retention_seconds, now - 3600.0)) {
    if (ctx.store.delete_job(job.client, job.id)) {
      ctx.folder.remove_job(job.id);
      ++removed;
    }
  }
  for (const auto& key : ctx.store.stale_keys(now - ctx.options.key_retention_seconds)) {
    if (ctx.store.delete_key(key.client, key.key_id)) {
      ctx.keys.forget(ctx.folder.absolute(key.path));
      if (!ctx.store.key_path_in_use(key.path)) ctx.folder.remove(key.path);
      ++removed;
    }
  }
  // Uploads abandoned by a crash mid-request (a live upload is younger than request_seconds).
  const auto limit = std::chrono::duration<double>(ctx.options.request_seconds + 60);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(ctx.folder.root() / "uploads", ec)) {
    const auto age = fs::file_time_type::clock::now() - entry.last_write_time(ec);
    if (!ec && age > limit) fs::remove(entry.path(), ec);
  }
  return removed;
}

namespace {

bool is_upload_route(const httplib::Request& req) {
  static const std::regex upload(R"(^/v1/(keys/[^/]+|jobs/[^/]+/input|jobs)$)");
  return (req.method == "PUT" || req.method == "POST") && std::regex_match(req.path, upload);
}

bool is_sqlite(const std::string& queue) {
  return queue.empty() || queue == "sqlite";
}

// A SQLite store belongs to one serve process: a second one on the same folder is refused
// (it would requeue the first one's running jobs).
int lock_data_folder(const DataFolder& folder, const std::string& queue) {
  if (!is_sqlite(queue)) return -1;
  const auto path = folder.root() / "service.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw FileAccessError(path.string() + ": cannot open");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw UsageError("--data " + folder.root().string() +
                     ": another lutfhe serve uses this folder (service.lock)");
  }
  return fd;
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(ServiceOptions o, ModelRegistry m)
      : options(std::move(o)),
        models(std::move(m)),
        folder(options.data_dir),
        lock_fd(lock_data_folder(folder, options.queue)),
        store(open_job_store(options.queue, folder.root().string())),
        keys(options.key_cache_bytes),
        events(std::max(1, options.http_threads / 2)),
        ctx{options, *store, models, folder, keys, metrics, events, nullptr} {
    if (is_sqlite(options.queue) && options.workers.workers < 1) {
      throw UsageError("--workers 0 needs a PostgreSQL queue and separate lutfhe worker processes");
    }
    if (options.workers.workers > 0) {
      workers = std::make_unique<WorkerPool>(*store, models, folder, keys, metrics, options.workers,
                                             &events);
      ctx.workers = workers.get();
    }
    if (options.tls_cert.empty() != options.tls_key.empty()) {
      throw UsageError("--tls-cert and --tls-key go together");
    }
    if (!options.tls_cert.empty()) {
      server =
          std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
      if (!server->is_valid()) {
        throw UsageError("--tls-cert/--tls-key: OpenSSL cannot use this certificate and key");
      }
    } else {
      server = std::make_unique<httplib::Server>();
    }
    configure();
    if (options.port == 0) {
      port = server->bind_to_any_port(options.host);
    } else if (server->bind_to_port(options.host, options.port)) {
      port = options.port;
    }
    if (port <= 0) {
      throw FileAccessError(options.host + ":" + std::to_string(options.port) +
                            ": cannot listen (in use, or not an address of this machine)");
    }
  }

  void configure() {
    const int threads = std::max(2, options.http_threads);
    server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    const auto secs = [](double s) { return static_cast<time_t>(s); };
    const auto usecs = [](double s) {
      return static_cast<time_t>((s - static_cast<double>(static_cast<time_t>(s))) * 1e6);
    };
    server->set_read_timeout(secs(options.read_timeout_seconds),
                             usecs(options.read_timeout_seconds));
    server->set_write_timeout(secs(options.read_timeout_seconds),
                              usecs(options.read_timeout_seconds));
    server->set_keep_alive_timeout(5);
    server->set_payload_max_length(std::max(options.max_key_bytes, options.max_input_bytes));
    // Before routing, before any body byte is read: only the upload routes take large bodies.
    server->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (is_upload_route(req)) return httplib::Server::HandlerResponse::Unhandled;
      const bool chunked = req.has_header("Transfer-Encoding");
      const auto length = req.get_header_value<std::uint64_t>("Content-Length");
      if (chunked || length > kMaxSmallBody) {
        res.status = 413;
        res.set_content(json_error("request body too large for this route"), "application/json");
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Errors the library answers itself (unknown route, unparsable request) get a JSON body.
    server->set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          const char* message = res.status == 404   ? "no such route"
                                : res.status == 413 ? "request too large"
                                : res.status == 400 ? "malformed request"
                                : res.status == 405 ? "method not allowed"
                                                    : "request refused";
          res.set_content(json_error(message), "application/json");
          return httplib::Server::HandlerResponse::Handled;
        }));
    server->set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
          // lutfhe's input errors are the request's fault; anything else is ours, and its
          // text (paths, SQL) stays in the server.
          res.status = 500;
          std::string message = "internal error";
          try {
            std::rethrow_exception(error);
          } catch (const FileAccessError&) {
            message = "the server cannot store this now";
          } catch (const InvalidArgument& e) {
            res.status = 400;
            message = e.what();
          } catch (const FileFormatError& e) {
            res.status = 400;
            message = e.what();
          } catch (const KeyMismatch& e) {
            res.status = 400;
            message = e.what();
          } catch (const std::exception& e) {
            std::cerr << "lutfhe serve: internal error: " << e.what() << "\n";
          } catch (...) {
          }
          res.set_content(json_error(message), "application/json");
        });
    const bool log = options.log_requests;
    server->set_logger([this, log](const httplib::Request& req, const httplib::Response& res) {
      metrics.count_response(res.status);
      // Method, path and status only: never a body, a query or a header (tokens).
      if (log)
        std::cerr << "lutfhe serve: " << req.method << ' ' << req.path << ' ' << res.status << '\n';
    });
    register_routes(*server, ctx);
  }

  void clean_loop() {
    std::unique_lock lock(cleaner_mutex);
    const auto period = std::chrono::duration<double>(options.cleanup_interval_seconds);
    while (!cleaner_stop) {
      lock.unlock();
      try {
        clean_up_once(ctx);
      } catch (const std::exception& e) {
        std::cerr << "lutfhe serve: clean-up failed: " << e.what() << "\n";
      }
      lock.lock();
      cleaner_wake.wait_for(lock, period, [&] { return cleaner_stop; });
    }
  }

  ServiceOptions options;
  ModelRegistry models;
  DataFolder folder;
  int lock_fd = -1;
  std::unique_ptr<JobStore> store;
  KeyCache keys;
  Metrics metrics;
  JobEvents events;
  ServiceContext ctx;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<httplib::Server> server;
  int port = -1;
  std::thread cleaner;
  std::mutex cleaner_mutex;
  std::condition_variable cleaner_wake;
  bool cleaner_stop = false;

  ~Impl() {
    if (lock_fd >= 0) ::close(lock_fd);
  }
};

HttpServer::HttpServer(ServiceOptions options, ModelRegistry models)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(models))) {
  // A peer that goes away mid-answer must cost a failed write, not the process.
  std::signal(SIGPIPE, SIG_IGN);
}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::port() const {
  return impl_->port;
}

void HttpServer::run() {
  Impl& s = *impl_;
  // The only process on a SQLite store: what was running when it died goes back to the queue.
  if (is_sqlite(s.options.queue)) s.store->requeue_running();
  if (s.workers) s.workers->start();
  s.cleaner = std::thread([&s] { s.clean_loop(); });
  s.server->listen_after_bind();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  s.server->stop();
  if (s.workers) s.workers->stop();
  {
    std::lock_guard lock(s.cleaner_mutex);
    s.cleaner_stop = true;
  }
  s.cleaner_wake.notify_all();
  if (s.cleaner.joinable()) s.cleaner.join();
}

}  // namespace lutfhe::service
