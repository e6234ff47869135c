// Every file the project writes appears complete under its name or not at all: it is written to
// a fresh temporary file in the same directory (created exclusively, never through a link),
// flushed to disk and renamed into place. A crash leaves at worst a hidden temporary file
// ".NAME.tmp-PID-RANDOM", which the next write of NAME removes once process PID is gone.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace lutfhe {

class AtomicFile {
 public:
  // Creates the temporary file (mode 0600 when `secret`, else 0666 less the umask).
  // FileAccessError naming `path` when the directory is missing or not writable.
  AtomicFile(const std::filesystem::path& path, bool secret);
  // Removes the temporary file unless it was committed.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::filesystem::path& path() const { return target_; }
  // The open temporary file, for writers that need positioned writes.
  int fd() const { return fd_; }
  // Appends `bytes` (FileAccessError on a failed write, e.g. a full disk).
  void write(std::string_view bytes);
  // Flushes to disk and closes; the file is complete but not yet under its name.
  void finish();
  // finish(), then renames into place and makes the rename durable.
  void commit();
  // Discards the file and throws FileAccessError("<path>: <what>: <errno's reason>").
  [[noreturn]] void fail(const std::string& what);

 private:
  void discard() noexcept;

  std::filesystem::path target_;
  std::filesystem::path tmp_;
  int fd_ = -1;
  int slot_ = -1;
  bool finished_ = false;
};

// Commits files that belong together (a client key and its evaluation key): each is finished
// first, so a failure (disk full) leaves every old file in place; only then are they renamed.
void commit_together(std::initializer_list<AtomicFile*> files);

// Writes `bytes` to `path` atomically.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           bool secret = false);

// Removes the temporary files of writes in progress. Async-signal-safe: a program may call it
// from a SIGINT/SIGTERM handler so that an interrupted write leaves nothing behind.
void remove_pending_temporary_files() noexcept;

}  // namespace lutfhe
