#include "service/routes.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/hex.hpp"
#include "service/ids.hpp"
#include "service/json.hpp"

namespace lutfhe::service {
namespace {

using httplib::ContentReader;
using httplib::Request;
using httplib::Response;

void reply(Response& res, int status, const std::string& json) {
  res.status = status;
  res.set_content(json, "application/json");
}

void fail(Response& res, int status, std::string_view message) {
  reply(res, status, json_error(message));
}

// After an error in the middle of a body the rest of it is still on the wire: this connection
// cannot carry another request.
void fail_and_close(Response& res, int status, std::string_view message) {
  fail(res, status, message);
  res.set_header("Connection", "close");
}

std::optional<ClientRecord> authorize(const Request& req, Response& res, ServiceContext& ctx) {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.size() > 256 ||
      header.compare(0, kBearer.size(), kBearer) != 0) {
    res.set_header("WWW-Authenticate", "Bearer");
    fail(res, 401, "missing or malformed bearer token (Authorization: Bearer <token>)");
    return std::nullopt;
  }
  auto client = ctx.store.client_by_token(token_digest(header.substr(kBearer.size())));
  if (!client) {
    res.set_header("WWW-Authenticate", "Bearer");
    fail(res, 401, "unknown token");
  }
  return client;
}

// The declared body size, refusing bodies over `limit` (and chunked bodies, which cannot be
// bounded before they are read) before a byte of them is read.
bool body_within(const Request& req, Response& res, std::uint64_t limit) {
  if (req.has_header("Transfer-Encoding")) {
    fail_and_close(res, 411, "send a Content-Length; chunked bodies are not accepted");
    return false;
  }
  if (!req.has_header("Content-Length")) {
    fail_and_close(res, 411, "Content-Length required");
    return false;
  }
  const std::string text = req.get_header_value("Content-Length");
  std::uint64_t length = 0;
  const bool numeric =
      !text.empty() && text.size() <= 20 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) length = std::strtoull(text.c_str(), nullptr, 10);
  if (!numeric) {
    fail_and_close(res, 400, "Content-Length is not a number");
    return false;
  }
  if (length > limit) {
    fail_and_close(res, 413,
                   "body of " + text + " bytes exceeds the limit of " + std::to_string(limit));
    return false;
  }
  return true;
}

double eta_seconds(const JobRecord& j, double now) {
  switch (j.state) {
    case JobState::kQueued:
      return j.estimate_seconds;
    case JobState::kRunning: {
      const double elapsed = std::max(0.0, now - j.started_at);
      if (j.samples_done > 0 && j.samples_done <= j.samples) {
        return elapsed / static_cast<double>(j.samples_done) *
               static_cast<double>(j.samples - j.samples_done);
      }
      return std::max(0.0, j.estimate_seconds - elapsed);
    }
    case JobState::kDone:
    case JobState::kFailed:
      return 0;
    case JobState::kCreated:
      break;
  }
  return std::nan("");
}

// A job's kind is its model's (a training step's jobs train); not a column of the store.
void write_job(JsonOut& o, const JobRecord& j, double now, const ModelRegistry& models) {
  const auto model = models.find(j.model);
  o.begin_object();
  o.field("job_id", j.id).field("model", j.model).field("key_id", j.key_id);
  if (model) o.field("kind", model->kind());
  o.field("state", state_name(j.state)).field("samples", j.samples);
  o.field("samples_done", j.samples_done);
  o.field("progress", j.samples ? static_cast<double>(j.samples_done) / j.samples : 0.0);
  o.field("eta_seconds", eta_seconds(j, now));
  o.field("created_at", j.created_at);
  if (j.started_at > 0) o.field("started_at", j.started_at);
  if (j.finished_at > 0) o.field("finished_at", j.finished_at);
  if (j.state == JobState::kFailed) o.field("error", j.error);
  o.field("attempts", j.attempt);
  if (!j.idempotency_key.empty()) o.field("idempotency_key", j.idempotency_key);
  o.end_object();
}

std::string job_json(const JobRecord& j, ServiceContext& ctx) {
  JsonOut o;
  write_job(o, j, ctx.store.now(), ctx.models);
  return o.str();
}

void write_model(JsonOut& o, const Model& m) {
  o.begin_object().field("name", m.name).field("parameters", m.circuit.params.name);
  o.field("insecure", m.circuit.params.insecure).field("fingerprint", m.fingerprint);
  o.field("input_values", static_cast<std::uint64_t>(m.spec.input_values()));
  o.field("output_values", static_cast<std::uint64_t>(m.spec.output_values()));
  o.field("bootstraps_per_sample", static_cast<std::uint64_t>(m.bootstraps_per_sample));
  o.field("estimated_ms_per_sample", m.estimated_ms_per_sample).field("kind", m.kind());
  if (m.training) {
    o.field("weights", static_cast<std::uint64_t>(m.weights));
    o.field("values_per_step", static_cast<std::uint64_t>(m.step_values));
  }
  o.end_object();
}

// Streams a stored file as the response body.
void send_file(Response& res, const std::filesystem::path& path) {
  auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!*in || ec) return fail(res, 410, "the stored file is gone (deleted or expired)");
  res.status = 200;
  res.set_content_provider(static_cast<std::size_t>(size), "application/octet-stream",
                           [in](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             static thread_local std::vector<char> buf(1 << 20);
                             in->seekg(static_cast<std::streamoff>(offset));
                             const std::size_t n = std::min(length, buf.size());
                             in->read(buf.data(), static_cast<std::streamsize>(n));
                             if (in->gcount() <= 0) return false;
                             return sink.write(buf.data(), static_cast<std::size_t>(in->gcount()));
                           });
}

// Receives an upload into `sink`; false (answer written) if it was refused or cut short.
bool receive(const ContentReader& reader, UploadSink& sink, Response& res, ServiceContext& ctx) {
  const bool ok =
      reader([&](const char* data, std::size_t size) { return sink.write(data, size); });
  ctx.metrics.count_upload(sink.received());
  if (!ok || sink.error()) {
    if (sink.error()) {
      fail_and_close(res, sink.error()->status, sink.error()->message);
    } else {
      fail_and_close(res, 400, "upload cut short: the body ended before its Content-Length");
    }
    return false;
  }
  return true;
}

std::chrono::steady_clock::time_point deadline(ServiceContext& ctx) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(ctx.options.request_seconds));
}

void put_key(const Request& req, Response& res, const ContentReader& reader, ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const std::string key_id = req.matches[1];
  if (!is_hex_id(key_id)) return fail_and_close(res, 404, "no such key id");
  const auto model = ctx.models.find(req.get_param_value("model"));
  if (!model) return fail_and_close(res, 404, "no such model (give ?model=NAME)");
  if (!body_within(req, res, ctx.options.max_key_bytes)) return;
  UploadSink sink(ctx.folder, ObjectKind::kEvaluationKey, ctx.options.max_key_bytes, deadline(ctx));
  if (!receive(reader, sink, res, ctx)) return;
  const auto summary = sink.finish();
  if (!summary) return fail(res, sink.error()->status, sink.error()->message);
  const std::string file_key = to_hex(summary->header.key_id);
  if (file_key != key_id) {
    return fail(res, 400, "the file's key id is " + file_key + ", the URL names " + key_id);
  }
  const std::string fingerprint = to_hex(parameter_fingerprint(*summary->params));
  if (fingerprint != model->fingerprint) {
    return fail(res, 400,
                "this key is for parameters " + summary->params->name + "; model " + model->name +
                    " needs " + model->circuit.params.name);
  }
  const std::string path = DataFolder::key_path(client->id, key_id);
  if (const auto existing = ctx.store.find_key(client->id, key_id)) {
    // Stored already (a retry): the new copy is dropped, the stored one answers.
    JsonOut o;
    o.begin_object().field("key_id", key_id).field("stored", false);
    o.field("bytes", existing->bytes).field("parameters", existing->params_name).end_object();
    return reply(res, 200, o.str());
  }
  ctx.folder.place(sink.take(), path);
  const auto [record, inserted] = ctx.store.put_key(
      {client->id, key_id, fingerprint, summary->params->name, path, summary->file_size, 0, 0});
  JsonOut o;
  o.begin_object().field("key_id", key_id).field("stored", inserted);
  o.field("bytes", record.bytes).field("parameters", record.params_name).end_object();
  reply(res, inserted ? 201 : 200, o.str());
}

void get_key(const Request& req, Response& res, ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const std::string key_id = req.matches[1];
  const auto key = is_hex_id(key_id) ? ctx.store.find_key(client->id, key_id) : std::nullopt;
  if (!key) return fail(res, 404, "no such key");
  JsonOut o;
  o.begin_object().field("key_id", key->key_id).field("parameters", key->params_name);
  o.field("fingerprint", key->fingerprint).field("bytes", key->bytes);
  o.field("created_at", key->created_at).field("used_at", key->used_at).end_object();
  reply(res, 200, o.str());
}

void delete_key(const Request& req, Response& res, ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const std::string key_id = req.matches[1];
  if (!is_hex_id(key_id) || !ctx.store.find_key(client->id, key_id)) {
    return fail(res, 404, "no such key");
  }
  for (const auto& j : ctx.store.list_jobs(client->id, 1000)) {
    if (j.key_id == key_id && (j.state == JobState::kQueued || j.state == JobState::kRunning)) {
      return fail(res, 409, "key in use by unfinished job " + j.id + "; delete the job first");
    }
  }
  const auto key = ctx.store.delete_key(client->id, key_id);
  if (!key) return fail(res, 404, "no such key");
  ctx.keys.forget(ctx.folder.absolute(key->path));
  if (!ctx.store.key_path_in_use(key->path)) ctx.folder.remove(key->path);
  res.status = 204;
}

// Reads a small body (bounded before reading).
bool read_small_body(const Request& req, Response& res, const ContentReader& reader,
                     std::string& body) {
  if (!body_within(req, res, kMaxSmallBody)) return false;
  const bool ok = reader([&](const char* data, std::size_t size) {
    if (body.size() + size > kMaxSmallBody) return false;
    body.append(data, size);
    return true;
  });
  if (!ok) fail_and_close(res, 400, "request body cut short");
  return ok;
}

void create_job(const Request& req, Response& res, const ContentReader& reader,
                ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  std::string body;
  if (!read_small_body(req, res, reader, body)) return;
  rapidjson::Document doc;
  std::string error, model_name, key_id, idempotency, kind;
  if (!parse_json_object(body, doc, error) || !string_member(doc, "model", model_name, error) ||
      !string_member(doc, "key_id", key_id, error) || !string_member(doc, "kind", kind, error) ||
      !string_member(doc, "idempotency_key", idempotency, error)) {
    return fail(res, 400, error);
  }
  if (idempotency.empty()) idempotency = req.get_header_value("Idempotency-Key");
  if (model_name.empty() || key_id.empty()) {
    return fail(res, 400, "fields 'model' and 'key_id' are required");
  }
  if (!idempotency.empty() && !is_idempotency_key(idempotency)) {
    return fail(res, 400, "idempotency key: 1 to 128 printable ASCII characters");
  }
  const auto model = ctx.models.find(model_name);
  if (!model) return fail(res, 404, "no such model: " + model_name.substr(0, 64));
  if (!kind.empty() && kind != model->kind()) {
    return fail(res, 400,
                "model " + model->name + " takes jobs of kind '" + model->kind() + "', not '" +
                    kind.substr(0, 32) + "'");
  }
  const auto key = is_hex_id(key_id) ? ctx.store.find_key(client->id, key_id) : std::nullopt;
  if (!key) return fail(res, 404, "no such key: upload the evaluation key first");
  if (key->fingerprint != model->fingerprint) {
    return fail(res, 400,
                "key " + key_id + " is for parameters " + key->params_name + "; model " +
                    model->name + " needs " + model->circuit.params.name);
  }
  std::size_t active = 0;
  for (const auto& j :
       ctx.store.list_jobs(client->id, ctx.options.max_active_jobs_per_client + 1)) {
    active += j.state == JobState::kCreated || j.state == JobState::kQueued ||
              j.state == JobState::kRunning;
  }
  JobRecord job;
  job.id = new_job_id();
  job.client = client->id;
  job.model = model->name;
  job.key_id = key_id;
  job.idempotency_key = idempotency;
  if (active >= ctx.options.max_active_jobs_per_client && idempotency.empty()) {
    return fail(res, 429, "too many unfinished jobs; wait for some to finish");
  }
  const auto [record, created] = ctx.store.create_job(job);
  ctx.store.touch_key(client->id, key_id);
  reply(res, created ? 201 : 200, job_json(record, ctx));
}

// The samples (training: steps) an input of `count` ciphertexts holds, within the limit; nullopt
// with the answer written otherwise.
std::optional<std::uint64_t> samples_in(const Model& model, std::uint64_t count, Response& res,
                                        ServiceContext& ctx) {
  std::uint64_t samples = 0;
  if (model.training) {
    const std::uint64_t per_step = model.step_values;
    if (count <= model.weights || per_step == 0 || (count - model.weights) % per_step != 0) {
      fail(res, 400,
           "training input holds " + std::to_string(count) + " ciphertexts, not the " +
               std::to_string(model.weights) + " initial weights then whole steps of " +
               std::to_string(per_step));
      return std::nullopt;
    }
    samples = (count - model.weights) / per_step;
  } else {
    const std::uint64_t values = model.spec.input_values();
    if (count == 0 || values == 0 || count % values != 0) {
      fail(res, 400,
           "batch holds " + std::to_string(count) +
               " ciphertexts, not a whole number of samples of " + std::to_string(values));
      return std::nullopt;
    }
    samples = count / values;
  }
  if (samples > ctx.options.max_samples) {
    fail(res, 413,
         std::to_string(samples) + (model.training ? " steps" : " samples") +
             " exceed the limit of " + std::to_string(ctx.options.max_samples) + " per job");
    return std::nullopt;
  }
  return samples;
}

void put_input(const Request& req, Response& res, const ContentReader& reader,
               ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const std::string id = req.matches[1];
  const auto job = is_hex_id(id) ? ctx.store.find_job(client->id, id) : std::nullopt;
  if (!job) return fail_and_close(res, 404, "no such job");
  if (job->state != JobState::kCreated) {
    return fail_and_close(
        res, 409,
        std::string("job is ") + state_name(job->state) + ": its input was received already");
  }
  const auto model = ctx.models.find(job->model);
  if (!model) return fail_and_close(res, 410, "model " + job->model + " is no longer served");
  if (!body_within(req, res, ctx.options.max_input_bytes)) return;
  UploadSink sink(ctx.folder, ObjectKind::kLweCiphertexts, ctx.options.max_input_bytes,
                  deadline(ctx));
  if (!receive(reader, sink, res, ctx)) return;
  const auto summary = sink.finish();
  if (!summary) return fail(res, sink.error()->status, sink.error()->message);
  if (to_hex(parameter_fingerprint(*summary->params)) != model->fingerprint) {
    return fail(res, 400,
                "batch encrypted for parameters " + summary->params->name + "; model " +
                    model->name + " needs " + model->circuit.params.name);
  }
  if (to_hex(summary->header.key_id) != job->key_id) {
    return fail(res, 400,
                "batch made with key " + to_hex(summary->header.key_id) + ", the job names key " +
                    job->key_id);
  }
  const auto samples = samples_in(*model, summary->count.value_or(0), res, ctx);
  if (!samples) return;
  const std::string path = DataFolder::input_path(id);
  ctx.folder.place(sink.take(), path);
  const int threads = ctx.workers ? ctx.workers->threads_per_job() : 1;
  const double estimate =
      static_cast<double>(*samples) * model->estimated_ms_per_sample / 1000.0 / threads;
  if (!ctx.store.queue_job(id, path, *samples, estimate)) {
    ctx.folder.remove(path);
    return fail(res, 409, "job was deleted or given its input meanwhile");
  }
  if (ctx.workers) ctx.workers->wake();
  reply(res, 202, job_json(*ctx.store.find_job(client->id, id), ctx));
}

// ?wait=S (0 ≤ S ≤ 60): answers when the job's state or progress changes, or after S seconds.
std::optional<double> wait_seconds(const Request& req, Response& res) {
  if (!req.has_param("wait")) return 0.0;
  const std::string text = req.get_param_value("wait");
  char* end = nullptr;
  const double s = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(s >= 0) || s > 60) {
    fail(res, 400, "wait: seconds from 0 to 60");
    return std::nullopt;
  }
  return s;
}

void get_job(const Request& req, Response& res, ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const auto wait = wait_seconds(req, res);
  if (!wait) return;
  const std::string id = req.matches[1];
  auto job = is_hex_id(id) ? ctx.store.find_job(client->id, id) : std::nullopt;
  if (!job) return fail(res, 404, "no such job");
  const bool finished = job->state == JobState::kDone || job->state == JobState::kFailed;
  if (*wait > 0 && !finished && ctx.events.try_enter()) {
    struct Leave {
      JobEvents& events;
      ~Leave() { events.leave(); }
    } leave{ctx.events};
    // Woken by this process's workers; a look at the store every 50 ms sees the others'.
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(*wait);
    const JobState state = job->state;
    const std::uint64_t done = job->samples_done;
    std::uint64_t seen = ctx.events.generation();
    while (std::chrono::steady_clock::now() < end) {
      seen = ctx.events.wait(seen, std::chrono::milliseconds(50));
      auto now = ctx.store.find_job(client->id, id);
      if (!now || now->state != state || now->samples_done != done) {
        job = std::move(now);
        break;
      }
    }
    if (!job) return fail(res, 404, "no such job");
  }
  reply(res, 200, job_json(*job, ctx));
}

void list_jobs(const Request& req, Response& res, ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const double now = ctx.store.now();
  JsonOut o;
  o.begin_object().key("jobs").begin_array();
  for (const auto& j : ctx.store.list_jobs(client->id, 1000)) write_job(o, j, now, ctx.models);
  o.end_array().end_object();
  reply(res, 200, o.str());
}

void get_result(const Request& req, Response& res, ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const std::string id = req.matches[1];
  const auto job = is_hex_id(id) ? ctx.store.find_job(client->id, id) : std::nullopt;
  if (!job) return fail(res, 404, "no such job");
  if (job->state == JobState::kFailed) return fail(res, 409, "job failed: " + job->error);
  if (job->state != JobState::kDone) {
    return fail(res, 409, std::string("job is ") + state_name(job->state) + ": no result yet");
  }
  send_file(res, ctx.folder.absolute(job->result_path));
}

void delete_job(const Request& req, Response& res, ServiceContext& ctx) {
  const auto client = authorize(req, res, ctx);
  if (!client) return;
  const std::string id = req.matches[1];
  const auto job = is_hex_id(id) ? ctx.store.delete_job(client->id, id) : std::nullopt;
  if (!job) return fail(res, 404, "no such job");
  ctx.folder.remove_job(id);
  res.status = 204;
}

void get_models(const Request& req, Response& res, ServiceContext& ctx) {
  if (!authorize(req, res, ctx)) return;
  JsonOut o;
  o.begin_object().key("models").begin_array();
  for (const auto& m : ctx.models.all()) write_model(o, *m);
  o.end_array().end_object();
  reply(res, 200, o.str());
}

void get_model(const Request& req, Response& res, ServiceContext& ctx, bool spec) {
  if (!authorize(req, res, ctx)) return;
  const auto model = ctx.models.find(req.matches[1]);
  if (!model) return fail(res, 404, "no such model");
  if (spec) return send_file(res, model->spec_path);
  JsonOut o;
  write_model(o, *model);
  reply(res, 200, o.str());
}

}  // namespace

const std::vector<RouteInfo>& route_table() {
  static const std::vector<RouteInfo> routes = {
      {"GET", "/v1/health"},
      {"GET", "/v1/metrics"},
      {"GET", "/v1/models"},
      {"GET", "/v1/models/{model}"},
      {"GET", "/v1/models/{model}/client-spec"},
      {"PUT", "/v1/keys/{key_id}"},
      {"GET", "/v1/keys/{key_id}"},
      {"DELETE", "/v1/keys/{key_id}"},
      {"POST", "/v1/jobs"},
      {"GET", "/v1/jobs"},
      {"PUT", "/v1/jobs/{job_id}/input"},
      {"GET", "/v1/jobs/{job_id}"},
      {"GET", "/v1/jobs/{job_id}/result"},
      {"DELETE", "/v1/jobs/{job_id}"},
  };
  return routes;
}

void register_routes(httplib::Server& server, ServiceContext& ctx) {
  ServiceContext* c = &ctx;
  const auto plain = [c](void (*f)(const Request&, Response&, ServiceContext&)) {
    return [c, f](const Request& req, Response& res) { f(req, res, *c); };
  };
  const auto upload = [c](void (*f)(const Request&, Response&, const ContentReader&,
                                    ServiceContext&)) {
    return
        [c, f](const Request& req, Response& res, const ContentReader& r) { f(req, res, r, *c); };
  };
  const char* id = "([^/]+)";
  // The upload limits are public (they say nothing about any client): a client compares a
  // file with them before sending it, since a 413 that arrives while it is still writing the
  // body surfaces as a broken connection.
  server.Get("/v1/health", [c](const Request&, Response& res) {
    reply(res, 200,
          R"({"status":"ok","api":"v1","limits":{"max_key_bytes":)" +
              std::to_string(c->options.max_key_bytes) + R"(,"max_input_bytes":)" +
              std::to_string(c->options.max_input_bytes) + "}}");
  });
  server.Get("/v1/metrics", [c](const Request&, Response& res) {
    res.set_content(c->metrics.prometheus_text(c->store.counts(), c->keys.stats()),
                    "text/plain; version=0.0.4");
  });
  server.Get("/v1/models", plain(get_models));
  server.Get(std::string("/v1/models/") + id,
             [c](const Request& q, Response& r) { get_model(q, r, *c, false); });
  server.Get(std::string("/v1/models/") + id + "/client-spec",
             [c](const Request& q, Response& r) { get_model(q, r, *c, true); });
  server.Put(std::string("/v1/keys/") + id, upload(put_key));
  server.Get(std::string("/v1/keys/") + id, plain(get_key));
  server.Delete(std::string("/v1/keys/") + id, plain(delete_key));
  server.Post("/v1/jobs", upload(create_job));
  server.Get("/v1/jobs", plain(list_jobs));
  server.Put(std::string("/v1/jobs/") + id + "/input", upload(put_input));
  server.Get(std::string("/v1/jobs/") + id, plain(get_job));
  server.Get(std::string("/v1/jobs/") + id + "/result", plain(get_result));
  server.Delete(std::string("/v1/jobs/") + id, plain(delete_job));
}

}  // namespace lutfhe::service
