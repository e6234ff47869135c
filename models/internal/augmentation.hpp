// Affine augmentation of training images (shift, rotation, scale; bilinear). train_mlp
// (models/trainer.cpp) draws the parameters from its seeded generator. Not for users.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lutfhe::models::augmentation {

// Shift in pixels, rotation angle in radians, scale factor.
struct Affine {
  double dx = 0, dy = 0, angle = 0, scale = 1;
};

// Samples `img` (rows × cols bytes) under the inverse of "scale and rotate about the centre,
// then shift", bilinearly, zero outside; writes values in [0, 1] to `out`.
void warp(std::span<const std::uint8_t> img, std::size_t rows, std::size_t cols, const Affine& a,
          float* out);

}  // namespace lutfhe::models::augmentation
