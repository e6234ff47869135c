#include "bench/flop_floor.hpp"

#include <cmath>

namespace lutfhe::bench {

double fft_flops(std::size_t polynomial_size) {
  const double half = static_cast<double>(polynomial_size) / 2.0;
  return 5.0 * half * std::log2(half) + 6.0 * half;
}

double external_product_flops(const ParameterSet& p) {
  const double polys = static_cast<double>(p.k.value() + 1);
  const double levels = static_cast<double>(p.pbs.levels.value());
  const double half = static_cast<double>(p.N.value()) / 2.0;
  const double transforms = (polys * levels + polys) * fft_flops(p.N.value());
  const double multiply_adds = 8.0 * polys * levels * polys * half;
  return transforms + multiply_adds;
}

double blind_rotate_flops(const ParameterSet& p) {
  if (p.multi_bit()) {
    // Per group: the 2^g − 1 complex multiply-adds that sum the rotated GGSWs, then one
    // external product.
    const double polys = static_cast<double>(p.k.value() + 1);
    const double levels = static_cast<double>(p.pbs.levels.value());
    const double combine = (static_cast<double>(ggsws_per_group(p.grouping)) - 1.0) * 8.0 * polys *
                           levels * polys * static_cast<double>(p.N.value()) / 2.0;
    return static_cast<double>(p.n.value() / p.grouping) * (external_product_flops(p) + combine);
  }
  return static_cast<double>(p.n.value()) * external_product_flops(p);
}

double keyswitch_ops(const ParameterSet& p) {
  return 2.0 * static_cast<double>(p.big_dimension().value()) *
         static_cast<double>(p.ks.levels.value()) * static_cast<double>(p.n.value() + 1);
}

double flop_floor(BenchOp op, const ParameterSet& p) {
  switch (op) {
    case BenchOp::kPbs:
    case BenchOp::kBlindRotate:
      return blind_rotate_flops(p);
    case BenchOp::kKsPbs:
    case BenchOp::kKsPbsBatch:
    case BenchOp::kGateNand:
      return keyswitch_ops(p) + blind_rotate_flops(p);
    case BenchOp::kExternalProduct:
      return external_product_flops(p);
    case BenchOp::kKeyswitch:
      return keyswitch_ops(p);
    case BenchOp::kFft:
      return 2.0 * fft_flops(p.N.value());
  }
  return 0.0;
}

}  // namespace lutfhe::bench
