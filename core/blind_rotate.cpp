#include "core/blind_rotate.hpp"

#include <algorithm>
#include <bit>

#include "core/errors.hpp"
#include "core/external_product.hpp"
#include "core/modulus_switch.hpp"
#include "core/polynomial.hpp"
#include "core/sample_extract.hpp"

namespace lutfhe {

std::size_t blind_rotate_scratch_size(GlweDimension k, PolynomialSize n,
                                      DecompositionLevelCount levels, unsigned grouping) {
  if (grouping <= 1) return cmux_scratch_size(k, n, levels);
  // The combined GGSW, the accumulator's copy, the external product.
  return scratch_bytes<Complex>(fourier_ggsw_size(k, n, levels)) +
         scratch_bytes<Torus>((k.value() + 1) * n.value()) +
         external_product_scratch_size(k, n, levels);
}

namespace {

// acc ← the trivial GLWE of lut rotated by X^{−b̃}, after the checks of one member.
void start_rotation(std::span<Torus> acc, std::span<const std::uint64_t> switched,
                    std::span<const Torus> lut, const FourierBootstrapKey& bsk) {
  const std::size_t n = bsk.input_dimension().value();
  const std::size_t big_n = bsk.polynomial_size().value();
  const std::size_t k = bsk.glwe_dimension().value();
  require_equal(switched.size(), switched_size(n, bsk.grouping()), "blind_rotate",
                "switched ciphertext size", "switched_size(bootstrap key n, g)");
  require_equal(lut.size(), big_n, "blind_rotate", "test polynomial size", "bootstrap key N");
  require_equal(acc.size(), (k + 1) * big_n, "blind_rotate", "accumulator size", "(k+1)·N");
  const std::size_t two_n = 2 * big_n;
  std::fill(acc.begin(), acc.end() - static_cast<std::ptrdiff_t>(big_n), Torus{0});
  // X^{−b̃} = X^{2N − b̃}.
  rotate_polynomial(acc.subspan(k * big_n, big_n), lut, (two_n - switched.back()) % two_n);
}

// combined = Σ_p X^{rotation_p}·GGSW_p over the 2^g patterns of one group, in the Fourier
// matrix layout (fft/fourier_matrix.hpp): value j of every row and column of a chunk is scaled
// by the same factor ζ_j^{rotation_p} (NegacyclicFft::roots_of_unity).
void combine_group(std::span<Complex> combined, std::span<const std::uint64_t> rotations,
                   const FourierBootstrapKey& bsk, std::size_t first_ggsw,
                   const NegacyclicFft& fft) {
  const std::size_t half = bsk.polynomial_size().value() / 2;
  const std::size_t two_n = 2 * bsk.polynomial_size().value();
  const std::size_t polys = bsk.glwe_dimension().value() + 1;
  const std::size_t block = polys * bsk.decomposition().levels.value() * polys;  // rows·cols
  const std::size_t w = fourier_matrix_chunk(half);
  const std::uint32_t* exponents = fft.evaluation_exponents().data();
  const Complex* roots = fft.roots_of_unity().data();
  double* c = reinterpret_cast<double*>(combined.data());
  for (std::size_t p = 0; p < rotations.size(); ++p) {
    const double* g = reinterpret_cast<const double*>(bsk.ggsw(first_ggsw + p).data.data());
    const std::uint64_t e = rotations[p];
    if (p == 0) {  // the all-zero pattern rotates by X^0
      std::copy(g, g + 2 * combined.size(), c);
      continue;
    }
    for (std::size_t q = 0; q < half / w; ++q) {
      alignas(64) double f[2 * 16];
      for (std::size_t t = 0; t < w; ++t) {
        const Complex z = roots[(e * exponents[q * w + t]) % two_n];
        f[2 * t] = z.real();
        f[2 * t + 1] = z.imag();
      }
      const std::size_t base = 2 * q * block * w;
      for (std::size_t rc = 0; rc < block; ++rc) {
        const double* gp = g + base + 2 * rc * w;
        double* cp = c + base + 2 * rc * w;
        for (std::size_t t = 0; t < w; ++t) {
          cp[2 * t] += f[2 * t] * gp[2 * t] - f[2 * t + 1] * gp[2 * t + 1];
          cp[2 * t + 1] += f[2 * t] * gp[2 * t + 1] + f[2 * t + 1] * gp[2 * t];
        }
      }
    }
  }
}

// acc ← X^{Σ_j ã_j·s_j}·acc over the key bits of group `group` (multi-bit keys): acc ←
// GGSW_Σ ⊡ acc, where GGSW_Σ encrypts the monomial of the group's true pattern.
void rotate_group(std::span<Torus> acc, std::span<const std::uint64_t> switched, std::size_t group,
                  const FourierBootstrapKey& bsk, const NegacyclicFft& fft, Scratch& scratch) {
  const std::size_t patterns = ggsws_per_group(bsk.grouping());
  const std::span<const std::uint64_t> rotations = switched.subspan(group * patterns, patterns);
  if (std::all_of(rotations.begin(), rotations.end(), [](std::uint64_t e) { return e == 0; })) {
    return;  // every pattern rotates by X^0: the product would add only noise
  }
  Scratch::Frame frame(scratch);
  auto combined = scratch.take<Complex>(
      fourier_ggsw_size(bsk.glwe_dimension(), bsk.polynomial_size(), bsk.decomposition().levels));
  auto input = scratch.take<Torus>(acc.size());
  const std::size_t first = group * patterns;
  combine_group(combined, rotations, bsk, first, fft);
  const std::size_t next = first + patterns;
  const FourierGgswView view{
      combined, bsk.glwe_dimension(), bsk.polynomial_size(), bsk.decomposition(),
      next < bsk.ggsw_count() ? bsk.ggsw(next).data : std::span<const Complex>()};
  std::copy(acc.begin(), acc.end(), input.begin());
  std::fill(acc.begin(), acc.end(), Torus{0});
  external_product_add(acc, view, input, fft, scratch);
}

}  // namespace

void blind_rotate(std::span<Torus> acc, std::span<const std::uint64_t> switched,
                  std::span<const Torus> lut, const FourierBootstrapKey& bsk,
                  const NegacyclicFft& fft, Scratch& scratch) {
  start_rotation(acc, switched, lut, bsk);
  const std::size_t n = bsk.input_dimension().value();
  if (bsk.grouping() > 1) {
    for (std::size_t group = 0; group < n / bsk.grouping(); ++group) {
      rotate_group(acc, switched, group, bsk, fft, scratch);
    }
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (switched[i] == 0) continue;  // X^0·acc − acc = 0: the CMUX would add only noise
    cmux_rotate(acc, bsk.ggsw(i), switched[i], fft, scratch);
  }
}

void blind_rotate_batch(std::span<const std::span<Torus>> accs,
                        std::span<const std::span<const std::uint64_t>> switched,
                        std::span<const std::span<const Torus>> luts,
                        const FourierBootstrapKey& bsk, const NegacyclicFft& fft,
                        Scratch& scratch) {
  require_equal(switched.size(), accs.size(), "blind_rotate_batch", "switched ciphertexts",
                "accumulators");
  require_equal(luts.size(), accs.size(), "blind_rotate_batch", "test polynomials", "accumulators");
  for (std::size_t b = 0; b < accs.size(); ++b) start_rotation(accs[b], switched[b], luts[b], bsk);
  const std::size_t n = bsk.input_dimension().value();
  if (bsk.grouping() > 1) {
    // A group's 2^g − 1 GGSWs stay in cache while every member combines them.
    for (std::size_t group = 0; group < n / bsk.grouping(); ++group) {
      for (std::size_t b = 0; b < accs.size(); ++b) {
        rotate_group(accs[b], switched[b], group, bsk, fft, scratch);
      }
    }
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const FourierGgswView ggsw = bsk.ggsw(i);
    for (std::size_t b = 0; b < accs.size(); ++b) {
      if (switched[b][i] == 0) continue;
      cmux_rotate(accs[b], ggsw, switched[b][i], fft, scratch);
    }
  }
}

std::size_t programmable_bootstrap_scratch_size(const FourierBootstrapKey& bsk) {
  const std::size_t polys = bsk.glwe_dimension().value() + 1;
  return scratch_bytes<std::uint64_t>(
             switched_size(bsk.input_dimension().value(), bsk.grouping())) +
         scratch_bytes<Torus>(polys * bsk.polynomial_size().value()) +
         blind_rotate_scratch_size(bsk.glwe_dimension(), bsk.polynomial_size(),
                                   bsk.decomposition().levels, bsk.grouping());
}

void programmable_bootstrap(std::span<const std::span<Torus>> outputs, std::span<const Torus> in,
                            const LookupTable& lut, const FourierBootstrapKey& bsk,
                            const NegacyclicFft& fft, Scratch& scratch, ModulusSwitchKind kind) {
  require_equal(outputs.size(), lut.lut_count(), "programmable_bootstrap", "outputs",
                "functions in the table");
  require_equal(in.size() - 1, bsk.input_dimension().value(), "programmable_bootstrap",
                "ciphertext n", "bootstrap key n");
  const std::size_t big_n = bsk.polynomial_size().value();
  const std::size_t polys = bsk.glwe_dimension().value() + 1;
  Scratch::Frame frame(scratch);
  auto switched = scratch.take<std::uint64_t>(switched_size(in.size() - 1, bsk.grouping()));
  auto acc = scratch.take<Torus>(polys * big_n);
  const auto log2_two_n = static_cast<unsigned>(std::countr_zero(big_n)) + 1;
  const auto log2_f = static_cast<unsigned>(std::countr_zero(lut.lut_count()));
  modulus_switch_for_rotation(switched, in, log2_two_n, log2_f, kind, bsk.grouping());
  blind_rotate(acc, switched, lut.polynomial(), bsk, fft, scratch);
  for (std::size_t f = 0; f < outputs.size(); ++f) {
    sample_extract(outputs[f], acc, bsk.polynomial_size(), f);
  }
}

void programmable_bootstrap(LweCiphertext& out, const LweCiphertext& in, const LookupTable& lut,
                            const FourierBootstrapKey& bsk, const NegacyclicFft& fft,
                            Scratch& scratch) {
  const std::span<Torus> one[1] = {out.data()};
  programmable_bootstrap(one, in.data(), lut, bsk, fft, scratch);
}

}  // namespace lutfhe
