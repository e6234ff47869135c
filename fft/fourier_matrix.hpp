// A matrix of Fourier-domain polynomials stored so that a vector–matrix multiply-add reads it in
// one sequential pass (the bootstrapping key's GGSWs use it).
//
// The matrix has `rows` × `cols` polynomials of M = N/2 complex values each. They are cut into
// chunks of W = min(16, M) consecutive coefficients (256 bytes for W = 16: four cache lines,
// four AVX-512 registers, so each column keeps four independent FMA chains in flight), and
// chunk q of every polynomial is stored together:
//   value (r, c, j) with j = q·W + t lives at ((q·rows + r)·cols + c)·W + t.
// A multiply-add Σ_r x_r · A_{r,c} then walks the matrix from its first byte to its last while
// the `cols` accumulator chunks stay in registers, instead of streaming every row's polynomials
// and re-reading the accumulators once per row.
#pragma once

#include <cstddef>
#include <span>

#include "fft/negacyclic_fft.hpp"

namespace lutfhe {

// W for polynomials of `fourier_size` (= N/2) complex values.
constexpr std::size_t fourier_matrix_chunk(std::size_t fourier_size) {
  return fourier_size < 16 ? fourier_size : 16;
}

// Where value j of polynomial (r, c) is stored.
constexpr std::size_t fourier_matrix_index(std::size_t r, std::size_t c, std::size_t j,
                                           std::size_t rows, std::size_t cols,
                                           std::size_t fourier_size) {
  const std::size_t w = fourier_matrix_chunk(fourier_size);
  return ((j / w * rows + r) * cols + c) * w + j % w;
}

// Writes polynomial (r, c) (M values, in natural order) into the matrix.
void fourier_matrix_store(std::span<Complex> matrix, std::span<const Complex> polynomial,
                          std::size_t r, std::size_t c, std::size_t rows, std::size_t cols);

// acc_c = Σ_r x_r · A_{r,c} for every column c: acc holds `cols` polynomials of M values one
// after another (overwritten, not added to), x holds `rows` of them, A is rows × cols in the
// layout above. Summation runs over r in increasing order.
void fourier_matrix_multiply(std::span<Complex> acc, std::span<const Complex> x,
                             std::span<const Complex> matrix, std::size_t rows, std::size_t cols);

}  // namespace lutfhe
