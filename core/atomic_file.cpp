#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>

#include "core/errors.hpp"
#include "core/hex.hpp"

namespace lutfhe {
namespace {

std::string where(const std::filesystem::path& path) {
  return path.string() + ": ";
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Temporary files being written, for remove_pending_temporary_files() (which a signal handler
// may call): state 0 free, 1 being filled in, 2 holds a path.
struct PendingSlot {
  std::atomic<int> state{0};
  char path[PATH_MAX] = {};
};
constexpr int kPendingSlots = 16;
PendingSlot g_pending[kPendingSlots];

int register_pending(const std::filesystem::path& path) {
  const std::string& s = path.native();
  if (s.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kPendingSlots; ++i) {
    int expected = 0;
    if (g_pending[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_pending[i].path, s.c_str(), s.size() + 1);
      g_pending[i].state.store(2);
      return i;
    }
  }
  return -1;  // more concurrent writers than slots: that file is just not tracked
}

void unregister_pending(int slot) {
  if (slot >= 0) g_pending[slot].state.store(0);
}

std::string temporary_prefix(const std::filesystem::path& path) {
  return "." + path.filename().string() + ".tmp-";
}

// Removes ".NAME.tmp-PID-*" files whose writer PID no longer exists (a killed write). Files of
// live processes, including writers on this path right now, are left alone.
void remove_abandoned_temporaries(const std::filesystem::path& path) {
  const std::string prefix = temporary_prefix(path);
  std::error_code ec;
  std::filesystem::directory_iterator it(directory_of(path), ec);
  if (ec) return;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || dash > 10) continue;
    long pid = 0;
    bool digits = true;
    for (std::size_t i = 0; i < dash; ++i) {
      if (rest[i] < '0' || rest[i] > '9') digits = false;
      pid = pid * 10 + (rest[i] - '0');
    }
    if (!digits || pid <= 0 || pid > INT_MAX) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    struct stat st {};
    // Only regular files owned by this user: never follow or remove someone else's entry.
    if (::lstat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_uid == ::geteuid()) {
      ::unlink(entry.path().c_str());
    }
  }
}

}  // namespace

AtomicFile::AtomicFile(const std::filesystem::path& path, bool secret) : target_(path) {
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  remove_abandoned_temporaries(path);
  const std::filesystem::path dir = directory_of(path);
  const std::string prefix = temporary_prefix(path) + std::to_string(::getpid()) + "-";
  for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
    std::array<std::uint8_t, 6> r{};
    randombytes_buf(r.data(), r.size());
    tmp_ = dir / (prefix + to_hex(r));
    // O_EXCL | O_NOFOLLOW: never write through a file or link someone else put there.
    const int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          secret ? 0600 : 0666);
    if (fd >= 0) {
      fd_ = fd;
      slot_ = register_pending(tmp_);
    } else if (errno != EEXIST) {
      const int err = errno;
      tmp_.clear();
      throw FileAccessError(where(path) + "cannot create a file in " + dir.string() + ": " +
                            std::strerror(err));
    }
  }
  if (fd_ < 0) {
    tmp_.clear();
    throw FileAccessError(where(path) + "cannot create a temporary file");
  }
  // The umask may only have removed bits; make a secret exactly owner read/write.
  if (secret && ::fchmod(fd_, 0600) != 0) fail("cannot restrict permissions");
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::write(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t size = bytes.size();
  while (size > 0) {
    const ssize_t r = ::write(fd_, p, size);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = EIO;
      fail("write failed");
    }
    p += r;
    size -= static_cast<std::size_t>(r);
  }
}

void AtomicFile::finish() {
  if (finished_) return;
  if (::fsync(fd_) != 0) fail("cannot flush to disk");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("write failed");
  finished_ = true;
}

void AtomicFile::commit() {
  finish();
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) fail("cannot rename into place");
  tmp_.clear();
  unregister_pending(slot_);
  slot_ = -1;
  // Make the rename itself durable (best effort: some file systems refuse a directory fsync).
  const int dfd = ::open(directory_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void AtomicFile::fail(const std::string& what) {
  const int err = errno;
  discard();
  throw FileAccessError(where(target_) + what + ": " + std::strerror(err));
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  unregister_pending(slot_);
  slot_ = -1;
}

void commit_together(std::initializer_list<AtomicFile*> files) {
  for (AtomicFile* f : files) f->finish();
  for (AtomicFile* f : files) f->commit();
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool secret) {
  AtomicFile file(path, secret);
  file.write(bytes);
  file.commit();
}

void remove_pending_temporary_files() noexcept {
  for (auto& slot : g_pending) {
    if (slot.state.load() == 2) ::unlink(slot.path);
  }
}

}  // namespace lutfhe
