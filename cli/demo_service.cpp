#include "cli/demo_service.hpp"

#include <chrono>
#include <thread>

#include "core/errors.hpp"
#include "core/file_format.hpp"
#include "core/hex.hpp"
#include "service/http_client.hpp"
#include "service/http_server.hpp"
#include "service/ids.hpp"
#include "service/json.hpp"

namespace lutfhe::cli {

namespace fs = std::filesystem;

struct DemoService::Impl {
  std::unique_ptr<service::HttpServer> server;
  std::thread thread;
  std::unique_ptr<service::ServiceClient> client;
  std::string key_id;
  std::size_t bootstraps_per_sample = 0;
  int port = 0;

  std::string field(const service::HttpAnswer& a, const char* name) {
    rapidjson::Document doc;
    std::string error, out;
    if (!service::parse_json_object(a.body, doc, error)) throw Error("demo service: " + error);
    service::string_member(doc, name, out, error);
    return out;
  }
};

DemoService::DemoService(const fs::path& data, const fs::path& spec, const fs::path& circuit,
                         const fs::path& eval_key, int threads, bool quiet)
    : impl_(std::make_unique<Impl>()) {
  (void)quiet;
  service::ServiceOptions options;
  options.data_dir = data.string();
  options.port = 0;
  options.workers.workers = 1;
  options.workers.threads_per_job = threads;
  options.workers.poll_seconds = 0.05;
  service::ModelRegistry models;
  models.add("mnist", spec, circuit);
  const std::string token = service::new_token();
  {
    const service::DataFolder folder(data);
    auto store = service::open_job_store("", folder.root().string());
    store->add_client("demo-" + service::new_job_id().substr(0, 8), service::token_digest(token));
  }
  impl_->server = std::make_unique<service::HttpServer>(options, std::move(models));
  impl_->port = impl_->server->port();
  impl_->thread = std::thread([this] { impl_->server->run(); });
  service::ClientOptions client_options;
  client_options.token = token;
  impl_->client = std::make_unique<service::ServiceClient>(url(), client_options);
  const auto model = impl_->client->get("/v1/models/mnist");
  service::ServiceClient::require(model, 200);
  rapidjson::Document doc;
  std::string error;
  service::parse_json_object(model.body, doc, error);
  if (doc.IsObject() && doc.HasMember("bootstraps_per_sample") &&
      doc["bootstraps_per_sample"].IsUint64()) {
    impl_->bootstraps_per_sample = doc["bootstraps_per_sample"].GetUint64();
  }
  impl_->key_id = to_hex(read_file_header(eval_key).key_id);
  service::ServiceClient::require(
      impl_->client->put_file("/v1/keys/" + impl_->key_id + "?model=mnist", eval_key), 201, 200);
}

DemoService::~DemoService() {
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string DemoService::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

DemoService::Result DemoService::evaluate(const fs::path& in, const fs::path& out) {
  const auto start = std::chrono::steady_clock::now();
  auto& client = *impl_->client;
  service::JsonOut body;
  body.begin_object().field("model", "mnist").field("key_id", impl_->key_id).end_object();
  const auto created = client.post_json("/v1/jobs", body.str());
  service::ServiceClient::require(created, 201);
  const std::string id = impl_->field(created, "job_id");
  const auto queued = client.put_file("/v1/jobs/" + id + "/input", in);
  service::ServiceClient::require(queued, 202);
  std::uint64_t samples = 0;
  {
    rapidjson::Document doc;
    std::string error;
    if (service::parse_json_object(queued.body, doc, error) && doc.HasMember("samples") &&
        doc["samples"].IsUint64()) {
      samples = doc["samples"].GetUint64();
    }
  }
  for (;;) {
    const auto status = client.get("/v1/jobs/" + id + "?wait=30");
    service::ServiceClient::require(status, 200);
    const std::string state = impl_->field(status, "state");
    if (state == "done") break;
    if (state == "failed")
      throw Error("demo service: job failed: " + impl_->field(status, "error"));
  }
  std::string error;
  const int code = client.download("/v1/jobs/" + id + "/result", out, error);
  if (code != 200) throw Error("demo service: " + service::error_message(code, error));
  client.del("/v1/jobs/" + id);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {seconds, static_cast<std::size_t>(samples) * impl_->bootstraps_per_sample};
}

}  // namespace lutfhe::cli
