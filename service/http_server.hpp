// `lutfhe serve`: the HTTP/1.1 server (cpp-httplib, TLS through OpenSSL when a certificate is
// given) in front of the service's routes (routes.hpp), with its workers and cleaner.
#pragma once

#include <memory>

#include "service/service.hpp"

namespace lutfhe::service {

class HttpServer {
 public:
  // Opens the store, loads the models and binds the port (`options.port` 0: a free one).
  // Throws lutfhe::Error (UsageError, FileAccessError...) with one readable line.
  HttpServer(ServiceOptions options, ModelRegistry models);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Starts workers and the cleaner, then serves until stop() (from another thread or a signal).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lutfhe::service
