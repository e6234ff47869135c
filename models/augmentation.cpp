// Affine augmentation of training images (models/internal/augmentation.hpp): bilinear sampling
// of the inverse transform.
#include "models/internal/augmentation.hpp"

#include <cmath>

namespace lutfhe::models::augmentation {

void warp(std::span<const std::uint8_t> img, std::size_t rows, std::size_t cols, const Affine& a,
          float* out) {
  const double cy = (static_cast<double>(rows) - 1) / 2, cx = (static_cast<double>(cols) - 1) / 2;
  const double c = std::cos(a.angle) / a.scale, s = std::sin(a.angle) / a.scale;
  const auto at = [&](long r, long col) -> double {
    if (r < 0 || col < 0 || r >= static_cast<long>(rows) || col >= static_cast<long>(cols)) {
      return 0.0;
    }
    return img[static_cast<std::size_t>(r) * cols + static_cast<std::size_t>(col)];
  };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t col = 0; col < cols; ++col) {
      const double u = static_cast<double>(col) - cx - a.dx;
      const double v = static_cast<double>(r) - cy - a.dy;
      const double sx = c * u + s * v + cx;
      const double sy = -s * u + c * v + cy;
      const double fx = std::floor(sx), fy = std::floor(sy);
      const double tx = sx - fx, ty = sy - fy;
      const long x0 = static_cast<long>(fx), y0 = static_cast<long>(fy);
      const double val = (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x0 + 1)) +
                         ty * ((1 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
      out[r * cols + col] = static_cast<float>(val / 255.0);
    }
  }
}

}  // namespace lutfhe::models::augmentation
