// Evaluation keys prepared for computing (ServerKey: Fourier-domain bootstrapping key, 32-bit
// key switching), kept in memory under a byte budget and evicted least recently used first.
// A key is streamed from its file and converted once (core/evaluation_key_file.hpp); threads
// asking for a key that is being loaded wait for that load instead of starting another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/server_key.hpp"

namespace lutfhe::service {

struct KeyCacheStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t budget = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
};

class KeyCache {
 public:
  explicit KeyCache(std::uint64_t budget_bytes) : budget_(budget_bytes) {}

  // The server key stored in `file` (an absolute path, immutable once stored), loading it if
  // needed. A key larger than the whole budget is loaded and returned but not kept. The pointer
  // keeps the key alive while a job uses it, even if it is evicted meanwhile.
  std::shared_ptr<const ServerKey> get(const std::filesystem::path& file);
  // Drops a key (deleted by its owner).
  void forget(const std::filesystem::path& file);
  KeyCacheStats stats() const;

 private:
  using Future = std::shared_future<std::shared_ptr<const ServerKey>>;
  struct Entry {
    Future key;
    std::uint64_t bytes = 0;  // 0 while loading
    std::list<std::string>::iterator position;
  };
  void evict_locked();

  std::uint64_t budget_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::list<std::string> recency_;  // front: most recently used
  std::uint64_t bytes_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace lutfhe::service
