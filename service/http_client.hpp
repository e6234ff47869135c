// The client side of the service's HTTP API (routes.hpp), used by `lutfhe client` and the
// demo. It moves bytes and JSON; it knows nothing of keys or encryption (the CLI does that with
// compiler/client.hpp). Uploads stream from the file, downloads stream into a file written
// atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/errors.hpp"

namespace httplib {
class Client;
}

namespace lutfhe::service {

// A refusal from the server (4xx/5xx) with its message, or a transport failure (status 0).
class ServiceError : public InvalidArgument {
 public:
  ServiceError(int status, const std::string& message)
      : InvalidArgument(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct ClientOptions {
  std::string token;    // bearer token
  std::string ca_cert;  // for https: trust this certificate (PEM) instead of the system's
  double timeout_seconds = 60;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class ServiceClient {
 public:
  // `url`: http://host:port or https://host:port.
  ServiceClient(const std::string& url, ClientOptions options);
  ~ServiceClient();
  ServiceClient(const ServiceClient&) = delete;
  ServiceClient& operator=(const ServiceClient&) = delete;

  // Any status comes back; a transport failure throws ServiceError(0, …).
  HttpAnswer get(const std::string& path);
  HttpAnswer post_json(const std::string& path, const std::string& json,
                       const std::string& idempotency_key = {});
  HttpAnswer del(const std::string& path);
  // PUT of a whole file, streamed; `progress` gets (bytes sent, total).
  HttpAnswer put_file(const std::string& path, const std::filesystem::path& file,
                      const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
  // GET into `out` (atomic: complete or absent). Returns the status; on a non-200 the body is
  // returned in `error_body` and nothing is written.
  int download(const std::string& path, const std::filesystem::path& out, std::string& error_body);

  // Throws ServiceError with the server's one-line message unless `answer` has status
  // `expected` (or `also`).
  static void require(const HttpAnswer& answer, int expected, int also = 0);

 private:
  std::string url_;
  std::unique_ptr<httplib::Client> client_;
};

// The "error" member of a JSON error body, or the body itself when it is not one.
std::string error_message(int status, const std::string& body);

}  // namespace lutfhe::service
