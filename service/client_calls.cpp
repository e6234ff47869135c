#include "service/client_calls.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/file_format.hpp"
#include "core/hex.hpp"
#include "service/ids.hpp"
#include "service/json.hpp"

namespace lutfhe::service {
namespace {

rapidjson::Document parse(const HttpAnswer& a) {
  rapidjson::Document doc;
  std::string error;
  if (!parse_json_object(a.body, doc, error)) throw ServiceError(a.status, error);
  return doc;
}

std::string member(const rapidjson::Document& doc, const char* name) {
  std::string out, error;
  string_member(doc, name, out, error);
  return out;
}

std::uint64_t count_member(const rapidjson::Document& doc, const char* name) {
  const auto it = doc.FindMember(name);
  return it != doc.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

void download_or_throw(ServiceClient& client, const std::string& path,
                       const std::filesystem::path& out) {
  std::string error;
  const int status = client.download(path, out, error);
  if (status != 200) throw ServiceError(status, error_message(status, error));
}

}  // namespace

std::string file_key_id(const std::filesystem::path& file) {
  return to_hex(read_file_header(file).key_id);
}

void download_client_spec(ServiceClient& client, const std::string& model,
                          const std::filesystem::path& out) {
  if (!is_model_name(model)) throw InvalidArgument("model '" + model + "': not a model name");
  download_or_throw(client, "/v1/models/" + model + "/client-spec", out);
}

bool has_key(ServiceClient& client, const std::string& key_id) {
  if (!is_hex_id(key_id)) throw InvalidArgument("key id '" + key_id + "': not 32 hex digits");
  return client.get("/v1/keys/" + key_id).status == 200;
}

void check_upload_size(ServiceClient& client, UploadKind kind, std::uint64_t bytes) {
  const auto answer = client.get("/v1/health");
  if (answer.status != 200) return;
  rapidjson::Document doc;
  std::string error;
  if (!parse_json_object(answer.body, doc, error)) return;
  const auto limits = doc.FindMember("limits");
  if (limits == doc.MemberEnd() || !limits->value.IsObject()) return;  // an older server
  const bool key = kind == UploadKind::kEvaluationKey;
  const auto it = limits->value.FindMember(key ? "max_key_bytes" : "max_input_bytes");
  if (it == limits->value.MemberEnd() || !it->value.IsUint64()) return;
  const std::uint64_t limit = it->value.GetUint64();
  if (bytes <= limit) return;
  throw ServiceError(413, std::string(key ? "the evaluation key" : "the encrypted input") + " is " +
                              std::to_string(bytes) + " bytes; this server accepts at " + "most " +
                              std::to_string(limit) +
                              (key ? " (its --max-key-bytes)" : " (its --max-input-bytes)"));
}

std::string upload_key(ServiceClient& client, const std::string& model,
                       const std::filesystem::path& key,
                       const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  if (!is_model_name(model)) throw InvalidArgument("model '" + model + "': not a model name");
  const std::string id = file_key_id(key);
  if (has_key(client, id)) return id;
  check_upload_size(client, UploadKind::kEvaluationKey, std::filesystem::file_size(key));
  const auto answer = client.put_file("/v1/keys/" + id + "?model=" + model, key, progress);
  ServiceClient::require(answer, 201, 200);
  return id;
}

std::string submit_job(ServiceClient& client, const std::string& model,
                       const std::filesystem::path& input, const std::string& idempotency_key) {
  if (!is_model_name(model)) throw InvalidArgument("model '" + model + "': not a model name");
  const std::string key_id = file_key_id(input);
  // Before the job exists: an input the server would refuse leaves nothing behind.
  check_upload_size(client, UploadKind::kInput, std::filesystem::file_size(input));
  JsonOut body;
  body.begin_object().field("model", model).field("key_id", key_id).end_object();
  const auto created = client.post_json("/v1/jobs", body.str(), idempotency_key);
  ServiceClient::require(created, 201, 200);
  const auto job = parse(created);
  const std::string id = member(job, "job_id");
  if (!is_hex_id(id)) throw ServiceError(created.status, "server sent no job id");
  if (member(job, "state") == "created") {
    ServiceClient::require(client.put_file("/v1/jobs/" + id + "/input", input), 202);
  }
  return id;
}

void wait_for_job(ServiceClient& client, const std::string& id, double timeout_seconds,
                  const std::function<void(const JobProgress&)>& progress) {
  if (!is_hex_id(id)) throw InvalidArgument("job id '" + id + "': not 32 hex digits");
  const auto start = std::chrono::steady_clock::now();
  auto pause = std::chrono::milliseconds(0);
  for (;;) {
    const auto asked = std::chrono::steady_clock::now();
    const auto answer = client.get("/v1/jobs/" + id + "?wait=20");
    const bool held = std::chrono::steady_clock::now() - asked > std::chrono::milliseconds(10);
    ServiceClient::require(answer, 200);
    const auto job = parse(answer);
    const JobProgress now{member(job, "state"), count_member(job, "samples"),
                          count_member(job, "samples_done")};
    if (progress) progress(now);
    if (now.state == "done") return;
    if (now.state == "failed") {
      throw ServiceError(409, "job " + id + " failed: " + member(job, "error"));
    }
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
        timeout_seconds) {
      throw ServiceError(0, "job " + id + " still " + now.state + " after " +
                                std::to_string(static_cast<int>(timeout_seconds)) + " s");
    }
    pause = held ? std::chrono::milliseconds(0)
                 : std::min(std::max(pause * 2, std::chrono::milliseconds(5)),
                            std::chrono::milliseconds(500));
    std::this_thread::sleep_for(pause);
  }
}

void fetch_result(ServiceClient& client, const std::string& id, const std::filesystem::path& out) {
  if (!is_hex_id(id)) throw InvalidArgument("job id '" + id + "': not 32 hex digits");
  download_or_throw(client, "/v1/jobs/" + id + "/result", out);
}

}  // namespace lutfhe::service
