#include "service/key_cache.hpp"

#include "core/evaluation_key_file.hpp"

namespace lutfhe::service {

std::shared_ptr<const ServerKey> KeyCache::get(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::promise<std::shared_ptr<const ServerKey>> promise;
  Future future;
  bool loader = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(name);
    if (it != entries_.end()) {
      ++hits_;
      recency_.splice(recency_.begin(), recency_, it->second.position);
      future = it->second.key;
    } else {
      ++misses_;
      recency_.push_front(name);
      future = promise.get_future().share();
      entries_[name] = Entry{future, 0, recency_.begin()};
      loader = true;
    }
  }
  if (!loader) return future.get();  // waits for the loading thread; rethrows its error
  try {
    auto key = std::make_shared<const ServerKey>(load_server_key(file));
    const std::uint64_t bytes =
        key->bootstrap_key().size_bytes() + key->keyswitch_key().size_bytes();
    promise.set_value(key);
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(name);
    if (it != entries_.end()) {
      if (bytes > budget_) {
        recency_.erase(it->second.position);
        entries_.erase(it);
      } else {
        it->second.bytes = bytes;
        bytes_ += bytes;
        evict_locked();
      }
    }
    return key;
  } catch (...) {
    promise.set_exception(std::current_exception());
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(name);
    if (it != entries_.end() && it->second.bytes == 0) {
      recency_.erase(it->second.position);
      entries_.erase(it);
    }
    throw;
  }
}

void KeyCache::forget(const std::filesystem::path& file) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(file.string());
  if (it == entries_.end() || it->second.bytes == 0) return;  // loading: its loader keeps it
  bytes_ -= it->second.bytes;
  recency_.erase(it->second.position);
  entries_.erase(it);
}

void KeyCache::evict_locked() {
  auto victim = recency_.end();
  while (bytes_ > budget_ && victim != recency_.begin()) {
    --victim;
    const auto it = entries_.find(*victim);
    if (it == entries_.end() || it->second.bytes == 0) continue;  // still loading
    bytes_ -= it->second.bytes;
    ++evictions_;
    entries_.erase(it);
    victim = recency_.erase(victim);
  }
}

KeyCacheStats KeyCache::stats() const {
  std::lock_guard lock(mutex_);
  KeyCacheStats s;
  for (const auto& [_, e] : entries_) s.entries += e.bytes > 0;
  s.bytes = bytes_;
  s.budget = budget_;
  s.hits = hits_;
  s.misses = misses_;
  s.evictions = evictions_;
  return s;
}

}  // namespace lutfhe::service
