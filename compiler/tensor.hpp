// The values a compiled circuit reads and writes, one sample at a time, and how a batch of
// samples is laid out in one flat sequence (ciphertext files, sample files): sample after
// sample, and within a sample the tensors in Circuit::inputs() (or outputs()) order, each
// row-major.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/errors.hpp"

namespace lutfhe::compiler {

using Tensor = std::vector<std::int64_t>;
// One sample: a tensor per input node, in Circuit::inputs() order.
using Sample = std::vector<Tensor>;
// One sample of real values (before quantization, after dequantization), all tensors flat.
using RealSample = std::vector<double>;
// One ciphertext per element, per input node (Circuit::inputs() order) or per output.
using EncryptedTensors = std::vector<std::vector<LweCiphertext>>;

// Elements of one sample: the sum of the shapes' element counts (LimitExceeded when it would
// overflow).
std::size_t values_per_sample(std::span<const Shape> shapes);

// The flat values of one sample, cut into its tensors.
template <class T>
std::vector<std::vector<T>> split_sample(std::span<const Shape> shapes, std::span<const T> flat) {
  require_equal(flat.size(), values_per_sample(shapes), "sample", "values", "tensor elements");
  std::vector<std::vector<T>> out;
  out.reserve(shapes.size());
  std::size_t at = 0;
  for (const Shape& s : shapes) {
    const std::size_t n = element_count(s);
    out.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(at),
                     flat.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  return out;
}

// How many samples of `per_sample` values `values` holds. InvalidArgument naming `what` unless
// it is a whole, non-zero number.
inline std::size_t whole_samples(std::uint64_t values, std::size_t per_sample,
                                 const std::string& what) {
  if (per_sample == 0 || values == 0 || values % per_sample != 0) {
    throw InvalidArgument(what + ": " + std::to_string(values) +
                          " values are not a whole number of samples of " +
                          std::to_string(per_sample));
  }
  return static_cast<std::size_t>(values / per_sample);
}

// A flat batch (consumed) cut into samples of tensors. InvalidArgument naming `what` unless it
// holds a whole, non-zero number of samples.
template <class T>
std::vector<std::vector<std::vector<T>>> split_batch(std::span<const Shape> shapes,
                                                     std::vector<T> flat, const std::string& what) {
  const std::size_t per_sample = values_per_sample(shapes);
  std::vector<std::vector<std::vector<T>>> samples(whole_samples(flat.size(), per_sample, what));
  auto it = flat.begin();
  for (auto& sample : samples) {
    sample.reserve(shapes.size());
    for (const Shape& s : shapes) {
      const auto n = static_cast<std::ptrdiff_t>(element_count(s));
      sample.emplace_back(std::make_move_iterator(it), std::make_move_iterator(it + n));
      it += n;
    }
  }
  return samples;
}

// Appends the tensors of one sample (consumed) to a flat batch.
template <class T>
void append_sample(std::vector<T>& flat, std::vector<std::vector<T>> tensors) {
  for (auto& t : tensors) {
    for (auto& v : t) flat.push_back(std::move(v));
  }
}

}  // namespace lutfhe::compiler
