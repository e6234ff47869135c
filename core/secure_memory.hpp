// Storage for secrets: zeroed with sodium_memzero before the memory is returned.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace lutfhe {

// Wipes the bytes of `p` in a way the optimiser cannot remove.
void secure_wipe(void* p, std::size_t bytes) noexcept;

template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// A vector whose buffer (and every buffer it reallocates away from) is wiped when freed.
template <class T>
using SecureVector = std::vector<T, WipingAllocator<T>>;

}  // namespace lutfhe
