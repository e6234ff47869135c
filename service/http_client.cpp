#include "service/http_client.hpp"

#include <httplib.h>

#include <csignal>

#include <fstream>

#include "core/atomic_file.hpp"
#include "service/json.hpp"

namespace lutfhe::service {
namespace {

[[noreturn]] void transport_failure(const std::string& url, httplib::Error e) {
  throw ServiceError(0, url + ": " + httplib::to_string(e));
}

httplib::Headers auth_headers(const ClientOptions& o) {
  httplib::Headers h;
  if (!o.token.empty()) h.emplace("Authorization", "Bearer " + o.token);
  return h;
}

}  // namespace

std::string error_message(int status, const std::string& body) {
  rapidjson::Document doc;
  std::string ignored, message;
  if (parse_json_object(body, doc, ignored) && string_member(doc, "error", message, ignored) &&
      !message.empty()) {
    return "server answered " + std::to_string(status) + ": " + message;
  }
  return "server answered " + std::to_string(status) +
         (body.empty() ? std::string() : ": " + body.substr(0, 200));
}

ServiceClient::ServiceClient(const std::string& url, ClientOptions options)
    : url_(url), client_(std::make_unique<httplib::Client>(url)) {
  std::signal(SIGPIPE, SIG_IGN);  // a server that hangs up must cost an error, not the process
  if (!client_->is_valid()) {
    throw ServiceError(0, "--server " + url + ": give http://HOST:PORT or https://HOST:PORT");
  }
  const auto secs = static_cast<time_t>(options.timeout_seconds);
  client_->set_connection_timeout(10);
  client_->set_read_timeout(secs);
  client_->set_write_timeout(secs);
  client_->set_default_headers(auth_headers(options));
  if (!options.ca_cert.empty()) client_->set_ca_cert_path(options.ca_cert.c_str());
  client_->enable_server_certificate_verification(true);
}

ServiceClient::~ServiceClient() = default;

HttpAnswer ServiceClient::get(const std::string& path) {
  auto r = client_->Get(path);
  if (!r) transport_failure(url_, r.error());
  return {r->status, r->body};
}

HttpAnswer ServiceClient::post_json(const std::string& path, const std::string& json,
                                    const std::string& idempotency_key) {
  httplib::Headers h;
  if (!idempotency_key.empty()) h.emplace("Idempotency-Key", idempotency_key);
  auto r = client_->Post(path, h, json, "application/json");
  if (!r) transport_failure(url_, r.error());
  return {r->status, r->body};
}

HttpAnswer ServiceClient::del(const std::string& path) {
  auto r = client_->Delete(path);
  if (!r) transport_failure(url_, r.error());
  return {r->status, r->body};
}

HttpAnswer ServiceClient::put_file(
    const std::string& path, const std::filesystem::path& file,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!in || ec) throw FileAccessError(file.string() + ": cannot read");
  std::vector<char> buf(1 << 20);
  auto r = client_->Put(
      path, {}, static_cast<std::size_t>(size),
      [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(buf.data(), static_cast<std::streamsize>(std::min(length, buf.size())));
        const auto n = in.gcount();
        if (n <= 0) return false;
        if (!sink.write(buf.data(), static_cast<std::size_t>(n))) return false;
        if (progress) progress(offset + static_cast<std::uint64_t>(n), size);
        return true;
      },
      "application/octet-stream");
  if (!r) transport_failure(url_, r.error());
  return {r->status, r->body};
}

int ServiceClient::download(const std::string& path, const std::filesystem::path& out,
                            std::string& error_body) {
  std::unique_ptr<AtomicFile> file;
  int status = 0;
  auto r = client_->Get(
      path,
      [&](const httplib::Response& response) {
        status = response.status;
        if (status == 200) file = std::make_unique<AtomicFile>(out, false);
        return true;
      },
      [&](const char* data, std::size_t size) {
        if (file) {
          file->write(std::string_view(data, size));
        } else if (error_body.size() < 64 * 1024) {
          error_body.append(data, size);
        }
        return true;
      });
  if (!r) transport_failure(url_, r.error());
  if (file && r->status == 200) file->commit();
  return r->status;
}

void ServiceClient::require(const HttpAnswer& answer, int expected, int also) {
  if (answer.status == expected || (also && answer.status == also)) return;
  throw ServiceError(answer.status, error_message(answer.status, answer.body));
}

}  // namespace lutfhe::service
