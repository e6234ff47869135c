// Pre-sized work memory for hot paths. A function that needs temporary buffers takes a
// Scratch and states how much it needs through a matching *_scratch_size function; nothing
// is allocated while it runs.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "core/errors.hpp"
#include "fft/aligned.hpp"

namespace lutfhe {

// Bytes that take<T>(count) consumes (rounded up to a cache line).
template <class T>
constexpr std::size_t scratch_bytes(std::size_t count) {
  return (count * sizeof(T) + kCacheLine - 1) / kCacheLine * kCacheLine;
}

class Scratch {
 public:
  explicit Scratch(std::size_t bytes) : buffer_(bytes) {}

  // A 64-byte aligned, uninitialised block of `count` T taken from the arena.
  template <class T>
  std::span<T> take(std::size_t count) {
    const std::size_t bytes = scratch_bytes<T>(count);
    if (used_ + bytes > buffer_.size()) {
      throw Error("scratch exhausted: need " + std::to_string(used_ + bytes) + " bytes, have " +
                  std::to_string(buffer_.size()) + " (size it with the *_scratch_size function)");
    }
    T* p = reinterpret_cast<T*>(buffer_.data() + used_);
    used_ += bytes;
    return {p, count};
  }

  std::size_t capacity() const { return buffer_.size(); }

  // Gives back everything taken after its construction when it goes out of scope.
  class Frame {
   public:
    explicit Frame(Scratch& s) : scratch_(s), mark_(s.used_) {}
    ~Frame() { scratch_.used_ = mark_; }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

   private:
    Scratch& scratch_;
    std::size_t mark_;
  };

 private:
  AlignedVector<std::byte> buffer_;
  std::size_t used_ = 0;
};

}  // namespace lutfhe
