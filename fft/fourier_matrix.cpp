#include "fft/fourier_matrix.hpp"

#include <climits>
#include <stdexcept>
#include <string>

#include "fft/avx512.hpp"

namespace lutfhe {
namespace {

void check(std::size_t acc, std::size_t x, std::size_t matrix, std::size_t rows, std::size_t cols) {
  if (cols == 0 || rows == 0 || acc % cols != 0 || x != rows * (acc / cols) ||
      matrix != rows * acc) {
    throw std::invalid_argument("fourier_matrix_multiply: " + std::to_string(rows) + "x" +
                                std::to_string(cols) + " matrix of " + std::to_string(matrix) +
                                " values does not match " + std::to_string(x) + " inputs and " +
                                std::to_string(acc) + " outputs");
  }
}

#ifdef LUTFHE_AVX512
// One chunk of sixteen complex values is four registers, interleaved (re, im). With x = (xr, xi)
// and a = (ar, ai): x·a = xr·(ar, ai) + xi·(−ai, ar). The COLS × 4 accumulators stay in
// registers: independent chains, so the FMA latency is hidden while the matrix streams by.
template <std::size_t COLS>
void multiply_avx512(double* __restrict acc, const double* __restrict x, const double* __restrict a,
                     std::size_t rows, std::size_t m) {
  constexpr std::size_t kRegs = 4;
  const __m512d flip = _mm512_castsi512_pd(
      _mm512_setr_epi64(INT64_MIN, 0, INT64_MIN, 0, INT64_MIN, 0, INT64_MIN, 0));
  for (std::size_t j = 0; j < m; j += 4 * kRegs) {
    __m512d s[COLS][kRegs];
    for (std::size_t c = 0; c < COLS; ++c) {
      for (std::size_t u = 0; u < kRegs; ++u) s[c][u] = _mm512_setzero_pd();
    }
    for (std::size_t r = 0; r < rows; ++r) {
      const double* xp = x + 2 * (r * m + j);
      __m512d xr[kRegs], xi[kRegs];
      for (std::size_t u = 0; u < kRegs; ++u) {
        const __m512d xv = _mm512_load_pd(xp + 8 * u);
        xr[u] = _mm512_movedup_pd(xv);
        xi[u] = _mm512_xor_pd(_mm512_permute_pd(xv, 0xFF), flip);
      }
      for (std::size_t c = 0; c < COLS; ++c) {
        for (std::size_t u = 0; u < kRegs; ++u) {
          const __m512d av = _mm512_load_pd(a + 8 * u);
          s[c][u] = _mm512_fmadd_pd(xr[u], av, s[c][u]);
          s[c][u] = _mm512_fmadd_pd(xi[u], _mm512_permute_pd(av, 0x55), s[c][u]);
        }
        a += 8 * kRegs;
      }
    }
    for (std::size_t c = 0; c < COLS; ++c) {
      for (std::size_t u = 0; u < kRegs; ++u) {
        _mm512_store_pd(acc + 2 * (c * m + j) + 8 * u, s[c][u]);
      }
    }
  }
}
#endif

// Any shape: the same order of operations, one complex value at a time.
void multiply_generic(Complex* acc, const Complex* x, const Complex* a, std::size_t rows,
                      std::size_t cols, std::size_t m) {
  const std::size_t w = fourier_matrix_chunk(m);
  for (std::size_t q = 0; q < m / w; ++q) {
    for (std::size_t c = 0; c < cols; ++c) {
      for (std::size_t t = 0; t < w; ++t) acc[c * m + q * w + t] = Complex{};
    }
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols; ++c) {
        const Complex* chunk = a + ((q * rows + r) * cols + c) * w;
        for (std::size_t t = 0; t < w; ++t) {
          const double xr = x[r * m + q * w + t].real(), xi = x[r * m + q * w + t].imag();
          const double ar = chunk[t].real(), ai = chunk[t].imag();
          Complex& s = acc[c * m + q * w + t];
          s = Complex(s.real() + xr * ar - xi * ai, s.imag() + xr * ai + xi * ar);
        }
      }
    }
  }
}

}  // namespace

void fourier_matrix_store(std::span<Complex> matrix, std::span<const Complex> polynomial,
                          std::size_t r, std::size_t c, std::size_t rows, std::size_t cols) {
  const std::size_t m = polynomial.size();
  if (r >= rows || c >= cols || matrix.size() != rows * cols * m) {
    throw std::invalid_argument(
        "fourier_matrix_store: polynomial (" + std::to_string(r) + ", " + std::to_string(c) +
        ") of " + std::to_string(m) + " values does not fit a " + std::to_string(rows) + "x" +
        std::to_string(cols) + " matrix of " + std::to_string(matrix.size()));
  }
  for (std::size_t j = 0; j < m; ++j) {
    matrix[fourier_matrix_index(r, c, j, rows, cols, m)] = polynomial[j];
  }
}

void fourier_matrix_multiply(std::span<Complex> acc, std::span<const Complex> x,
                             std::span<const Complex> matrix, std::size_t rows, std::size_t cols) {
  check(acc.size(), x.size(), matrix.size(), rows, cols);
  const std::size_t m = acc.size() / cols;
#ifdef LUTFHE_AVX512
  if (m % 16 == 0) {
    auto* out = reinterpret_cast<double*>(acc.data());
    const auto* in = reinterpret_cast<const double*>(x.data());
    const auto* a = reinterpret_cast<const double*>(matrix.data());
    switch (cols) {
      case 1:
        return multiply_avx512<1>(out, in, a, rows, m);
      case 2:
        return multiply_avx512<2>(out, in, a, rows, m);
      case 3:
        return multiply_avx512<3>(out, in, a, rows, m);
      case 4:
        return multiply_avx512<4>(out, in, a, rows, m);
      case 5:
        return multiply_avx512<5>(out, in, a, rows, m);
      default:
        break;
    }
  }
#endif
  multiply_generic(acc.data(), x.data(), matrix.data(), rows, cols, m);
}

}  // namespace lutfhe
