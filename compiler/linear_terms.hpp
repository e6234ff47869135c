// The terms of one output element of a linear node: Σ weight·input[slot][element] + constant.
// Every evaluator (clear, range analysis, noise, simulate, execute) walks linear nodes through
// this one function, so they cannot disagree about what a dense layer or a convolution means.
#pragma once

#include <cstdint>

#include "compiler/ir.hpp"

namespace lutfhe::compiler {

// Calls term(slot, element, weight) for every non-zero term of output element `e` of the
// linear node `n` (slot indexes n.inputs; `in0` is the shape of n.inputs[0]) and returns the
// constant term. Terms are visited in a fixed order.
template <class Term>
std::int64_t for_each_linear_term(const Node& n, const Shape& in0, std::size_t e, Term&& term) {
  switch (n.op) {
    case OpKind::kAdd:
      term(0, e, 1);
      term(1, e, 1);
      return 0;
    case OpKind::kSub:
      term(0, e, 1);
      term(1, e, -1);
      return 0;
    case OpKind::kAddConstant:
      term(0, e, 1);
      return n.weights.size() == 1 ? n.weights[0] : n.weights[e];
    case OpKind::kMulConstant: {
      const std::int64_t w = n.weights.size() == 1 ? n.weights[0] : n.weights[e];
      if (w != 0) term(0, e, w);
      return 0;
    }
    case OpKind::kDense: {
      const std::size_t in = element_count(in0);
      const std::int64_t* row = n.weights.data() + e * in;
      for (std::size_t i = 0; i < in; ++i) {
        if (row[i] != 0) term(0, i, row[i]);
      }
      return n.bias[e];
    }
    case OpKind::kConv2d: {
      const std::size_t ho = n.shape[1];
      const std::size_t wo = n.shape[2];
      const std::size_t o = e / (ho * wo);
      const std::size_t y = (e / wo) % ho;
      const std::size_t x = e % wo;
      const std::size_t channels = in0[0];
      const std::size_t h = in0[1];
      const std::size_t w = in0[2];
      const auto& a = n.conv;
      for (std::size_t c = 0; c < channels; ++c) {
        for (std::size_t ky = 0; ky < a.kernel_h; ++ky) {
          const std::size_t iy = y * a.stride_h + ky;  // padded coordinates
          if (iy < a.pad_h || iy >= h + a.pad_h) continue;
          for (std::size_t kx = 0; kx < a.kernel_w; ++kx) {
            const std::size_t ix = x * a.stride_w + kx;
            if (ix < a.pad_w || ix >= w + a.pad_w) continue;
            const std::int64_t weight =
                n.weights[((o * channels + c) * a.kernel_h + ky) * a.kernel_w + kx];
            if (weight != 0) term(0, (c * h + (iy - a.pad_h)) * w + (ix - a.pad_w), weight);
          }
        }
      }
      return n.bias[o];
    }
    case OpKind::kSumPool: {
      const std::size_t ho = n.shape[1];
      const std::size_t wo = n.shape[2];
      const std::size_t c = e / (ho * wo);
      const std::size_t y = (e / wo) % ho;
      const std::size_t x = e % wo;
      const std::size_t h = in0[1];
      const std::size_t w = in0[2];
      for (std::size_t ky = 0; ky < n.pool.kernel_h; ++ky) {
        for (std::size_t kx = 0; kx < n.pool.kernel_w; ++kx) {
          term(0, (c * h + y * n.pool.stride_h + ky) * w + x * n.pool.stride_w + kx, 1);
        }
      }
      return 0;
    }
    case OpKind::kInput:
    case OpKind::kLookup:
    case OpKind::kRound:
    case OpKind::kMul:
      break;
  }
  return 0;
}

}  // namespace lutfhe::compiler
