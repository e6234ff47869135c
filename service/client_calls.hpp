// The client's steps against the service's routes (docs/SERVICE.md, "The flow"), on top of the
// HTTP client: download a client spec, upload an evaluation key once, submit a batch, wait for a
// job, fetch its result. Shared by `lutfhe client` and the Python module, so both talk to the
// server the same way. Files only, no keys or encryption: the caller does the cryptography with
// compiler/client.hpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "service/http_client.hpp"

namespace lutfhe::service {

// The key id a lutfhe file (an evaluation key or a ciphertext batch) belongs to, in hex.
std::string file_key_id(const std::filesystem::path& file);

// GET /v1/models/{model}/client-spec into `out` (ServiceError with the server's message).
void download_client_spec(ServiceClient& client, const std::string& model,
                          const std::filesystem::path& out);

// Whether the server holds the evaluation key `key_id` for this client.
bool has_key(ServiceClient& client, const std::string& key_id);

// What a client may upload.
enum class UploadKind { kEvaluationKey, kInput };

// ServiceError 413 naming both sizes when `bytes` is above what the server's /v1/health says it
// accepts for `kind` (nothing when the server does not say): checked before sending, because a
// 413 that arrives mid-body reaches the client as a broken connection.
void check_upload_size(ServiceClient& client, UploadKind kind, std::uint64_t bytes);

// Uploads the evaluation key unless the server has it already; returns its key id. `progress`
// gets (bytes sent, total).
std::string upload_key(ServiceClient& client, const std::string& model,
                       const std::filesystem::path& key,
                       const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

// Creates a job and sends its input; returns the job id. The idempotency key makes a retry of
// the whole call return the same job.
std::string submit_job(ServiceClient& client, const std::string& model,
                       const std::filesystem::path& input, const std::string& idempotency_key);

// What a status request said.
struct JobProgress {
  std::string state;  // created, queued, running, done, failed
  std::uint64_t samples = 0;
  std::uint64_t samples_done = 0;
};

// Waits until the job is done (returns) or failed (throws ServiceError 409 with the job's
// error), calling `progress` after every status answer. The server holds each status request
// until something changes (?wait=20); when it answers at once (all its waiting slots taken) the
// client backs off instead. ServiceError(0, …) after `timeout_seconds`.
void wait_for_job(ServiceClient& client, const std::string& id, double timeout_seconds,
                  const std::function<void(const JobProgress&)>& progress = {});

// GET /v1/jobs/{id}/result into `out`.
void fetch_result(ServiceClient& client, const std::string& id, const std::filesystem::path& out);

}  // namespace lutfhe::service
