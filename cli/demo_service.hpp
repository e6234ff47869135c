// `lutfhe demo mnist --serve`: the demo's server side as a real `lutfhe serve` in this process
// (127.0.0.1, a free port, SQLite in the demo folder), and its client side talking to it over
// HTTP with the service client: the evaluation key is uploaded once, then each image is a job
// (submit, wait, fetch).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace lutfhe::cli {

class DemoService {
 public:
  struct Result {
    double seconds = 0;  // submit to result on disk: evaluation plus the service's overhead
    std::size_t bootstraps = 0;
  };

  // Serves the model of `spec` and `circuit` as "mnist" with one worker of `threads` threads,
  // and uploads `eval_key` for the demo's client.
  DemoService(const std::filesystem::path& data, const std::filesystem::path& spec,
              const std::filesystem::path& circuit, const std::filesystem::path& eval_key,
              int threads, bool quiet);
  ~DemoService();
  DemoService(const DemoService&) = delete;
  DemoService& operator=(const DemoService&) = delete;

  std::string url() const;
  // Sends `in` as a job, waits for it and writes the encrypted result to `out`.
  Result evaluate(const std::filesystem::path& in, const std::filesystem::path& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lutfhe::cli
