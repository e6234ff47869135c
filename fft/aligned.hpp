// Cache-line aligned storage for the Fourier domain and hot-path buffers.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace lutfhe {

inline constexpr std::size_t kCacheLine = 64;

// Allocator handing out 64-byte aligned blocks, so FFTW's SIMD codelets and the
// multiply-add loops see the alignment their plans were made for.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() noexcept = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kCacheLine}));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ::operator delete (p, std::align_val_t{kCacheLine});
  }

  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace lutfhe
