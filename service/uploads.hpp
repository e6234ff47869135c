// The data folder and the bytes clients send. Layout (relative to --data):
//   service.db                       the SQLite job store (default queue)
//   keys/<client>/<key id>.key       evaluation keys, one per client and key id
//   jobs/<job id>/input-<r>.ct       the encrypted batch of a job (r: random per upload)
//   jobs/<job id>/result-<n>.ct      its encrypted result, attempt n
//   uploads/                         request bodies on their way in
// A body is streamed into uploads/ (core/atomic_file.hpp: complete or absent), checked by the
// core's own readers (describe_file: kind, parameter fingerprint, key id, digests), and only
// then renamed to its place; the store row that names it commits after that.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/atomic_file.hpp"
#include "core/describe_file.hpp"
#include "core/file_format.hpp"

namespace lutfhe::service {

class DataFolder {
 public:
  // Creates the folder and its subfolders when missing.
  explicit DataFolder(const std::filesystem::path& root);
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path absolute(const std::string& relative) const { return root_ / relative; }

  static std::string key_path(std::int64_t client, const std::string& key_id);
  static std::string input_path(const std::string& job_id);  // a new name per call
  static std::string result_path(const std::string& job_id, std::int64_t attempt);
  // A training job's encrypted weights after `step` steps (server-side checkpoint).
  static std::string checkpoint_path(const std::string& job_id, std::size_t step);

  // Removes a stored file (relative path); missing files are fine.
  void remove(const std::string& relative) const;
  // Removes a job's folder and everything in it.
  void remove_job(const std::string& job_id) const;
  // Renames a complete upload into place, creating the parent folder.
  void place(const std::filesystem::path& upload, const std::string& relative) const;
  std::filesystem::path new_upload_path() const;

 private:
  std::filesystem::path root_;
};

// Why an upload was refused: an HTTP status and one line for the client.
struct UploadError {
  int status = 400;
  std::string message;
};

// Receives a request body chunk by chunk into a fresh file under uploads/. Refuses, before
// anything is written, a body whose first bytes are not a lutfhe file of the expected kind (a
// client key is never stored), and stops at `max_bytes` or when `deadline` has passed. The
// file is removed unless take() handed it on.
class UploadSink {
 public:
  UploadSink(const DataFolder& folder, ObjectKind expected, std::uint64_t max_bytes,
             std::chrono::steady_clock::time_point deadline);
  ~UploadSink();
  UploadSink(const UploadSink&) = delete;
  UploadSink& operator=(const UploadSink&) = delete;

  // False to stop receiving; error() then says why.
  bool write(const char* data, std::size_t size);
  const std::optional<UploadError>& error() const { return error_; }
  std::uint64_t received() const { return received_; }

  // After the whole body arrived: flushes, closes and validates the file with describe_file
  // (digests, sizes, kind). Returns its summary, or nullopt with error() set.
  std::optional<FileSummary> finish();
  // The complete, validated file; the sink no longer removes it.
  std::filesystem::path take();

 private:
  bool fail(int status, std::string message);
  bool flush_buffer();

  const DataFolder& folder_;
  ObjectKind expected_;
  std::uint64_t max_bytes_;
  std::chrono::steady_clock::time_point deadline_;
  std::filesystem::path path_;
  std::unique_ptr<AtomicFile> file_;
  std::string buffer_;
  std::uint64_t received_ = 0;
  bool header_checked_ = false;
  bool committed_ = false;
  bool taken_ = false;
  std::optional<UploadError> error_;
};

}  // namespace lutfhe::service
