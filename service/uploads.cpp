#include "service/uploads.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "core/errors.hpp"
#include "service/ids.hpp"

namespace lutfhe::service {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'L', 'U', 'T', 'F', 'H', 'E', '\r', '\n'};
constexpr std::size_t kWriteChunk = 1 << 20;

// Makes a rename durable: the directory entry is flushed too.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Core messages name the file; the client knows its upload by no path of ours.
std::string without_path(std::string message, const fs::path& path) {
  const std::string p = path.string();
  for (std::size_t at; (at = message.find(p)) != std::string::npos;) {
    message.replace(at, p.size(), "upload");
  }
  return message;
}

}  // namespace

DataFolder::DataFolder(const fs::path& root) : root_(fs::absolute(root)) {
  for (const char* sub : {"keys", "jobs", "uploads"}) {
    std::error_code ec;
    fs::create_directories(root_ / sub, ec);
    if (ec) throw FileAccessError((root_ / sub).string() + ": cannot create: " + ec.message());
  }
}

std::string DataFolder::key_path(std::int64_t client, const std::string& key_id) {
  return "keys/" + std::to_string(client) + "/" + key_id + ".key";
}

std::string DataFolder::input_path(const std::string& job_id) {
  // A name of its own per upload: two uploads racing for one job never touch each other's
  // file; the one whose row update wins is the job's input.
  return "jobs/" + job_id + "/input-" + new_job_id().substr(0, 12) + ".ct";
}

std::string DataFolder::result_path(const std::string& job_id, std::int64_t attempt) {
  return "jobs/" + job_id + "/result-" + std::to_string(attempt) + ".ct";
}

std::string DataFolder::checkpoint_path(const std::string& job_id, std::size_t step) {
  return "jobs/" + job_id + "/checkpoint-" + std::to_string(step) + ".ct";
}

void DataFolder::remove(const std::string& relative) const {
  if (relative.empty()) return;
  std::error_code ec;
  fs::remove(root_ / relative, ec);
}

void DataFolder::remove_job(const std::string& job_id) const {
  if (!is_hex_id(job_id)) return;
  std::error_code ec;
  fs::remove_all(root_ / "jobs" / job_id, ec);
}

void DataFolder::place(const fs::path& upload, const std::string& relative) const {
  const fs::path target = root_ / relative;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  fs::rename(upload, target, ec);
  if (ec) throw FileAccessError(target.string() + ": cannot store: " + ec.message());
  sync_directory(target.parent_path());
}

fs::path DataFolder::new_upload_path() const {
  return root_ / "uploads" / (new_job_id() + ".part");
}

UploadSink::UploadSink(const DataFolder& folder, ObjectKind expected, std::uint64_t max_bytes,
                       std::chrono::steady_clock::time_point deadline)
    : folder_(folder),
      expected_(expected),
      max_bytes_(max_bytes),
      deadline_(deadline),
      path_(folder.new_upload_path()) {
  buffer_.reserve(kWriteChunk);
}

UploadSink::~UploadSink() {
  if (committed_ && !taken_) {
    std::error_code ec;
    fs::remove(path_, ec);
  }
}

bool UploadSink::fail(int status, std::string message) {
  if (!error_) error_ = UploadError{status, std::move(message)};
  file_.reset();  // removes the temporary file
  buffer_.clear();
  return false;
}

bool UploadSink::flush_buffer() {
  if (buffer_.empty()) return true;
  try {
    if (!file_) file_ = std::make_unique<AtomicFile>(path_, /*secret=*/false);
    file_->write(buffer_);
  } catch (const Error&) {
    return fail(507, "the server could not store the upload (disk full?)");
  }
  buffer_.clear();
  return true;
}

bool UploadSink::write(const char* data, std::size_t size) {
  if (error_) return false;
  if (std::chrono::steady_clock::now() > deadline_) {
    return fail(408, "upload too slow: the request time limit passed");
  }
  received_ += size;
  if (received_ > max_bytes_) {
    return fail(413, "upload larger than the limit of " + std::to_string(max_bytes_) + " bytes");
  }
  buffer_.append(data, size);
  if (!header_checked_ && buffer_.size() >= 16) {
    // Magic and kind (offsets 0 and 12) before a byte reaches the disk: a client key, which
    // holds the secret, is refused without being stored. describe_file checks the rest later.
    if (std::memcmp(buffer_.data(), kMagic, sizeof kMagic) != 0) {
      return fail(400, "upload is not a lutfhe file (bad magic)");
    }
    std::uint32_t kind = 0;
    for (int i = 3; i >= 0; --i) kind = (kind << 8) | static_cast<unsigned char>(buffer_[12 + i]);
    if (static_cast<ObjectKind>(kind) == ObjectKind::kClientKey) {
      return fail(400,
                  "upload is a client key (it holds the secret): never send it; send the "
                  "evaluation key");
    }
    if (static_cast<ObjectKind>(kind) != expected_) {
      return fail(400, "upload is " + kind_with_article(static_cast<ObjectKind>(kind)) +
                           " file, expected " + kind_with_article(expected_));
    }
    header_checked_ = true;
  }
  if (buffer_.size() >= kWriteChunk && header_checked_) return flush_buffer();
  return true;
}

std::optional<FileSummary> UploadSink::finish() {
  if (error_) return std::nullopt;
  if (!header_checked_) {
    fail(400, received_ == 0 ? "empty upload" : "upload too short to be a lutfhe file");
    return std::nullopt;
  }
  if (!flush_buffer()) return std::nullopt;
  try {
    file_->commit();
    committed_ = true;
    file_.reset();
  } catch (const Error&) {
    fail(507, "the server could not store the upload (disk full?)");
    return std::nullopt;
  }
  try {
    return describe_file(path_);
  } catch (const Error& e) {
    error_ = UploadError{400, without_path(e.what(), path_)};
    return std::nullopt;
  }
}

fs::path UploadSink::take() {
  taken_ = true;
  return path_;
}

}  // namespace lutfhe::service
