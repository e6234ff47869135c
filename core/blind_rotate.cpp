#include "core/blind_rotate.hpp"

#include <bit>

#include "core/errors.hpp"
#include "core/external_product.hpp"
#include "core/modulus_switch.hpp"
#include "core/polynomial.hpp"
#include "core/sample_extract.hpp"

namespace lutfhe {

std::size_t blind_rotate_scratch_size(GlweDimension k, PolynomialSize n,
                                      DecompositionLevelCount levels) {
  return cmux_scratch_size(k, n, levels);
}

namespace {

// acc ← the trivial GLWE of lut rotated by X^{−b̃}, after the checks of one member.
void start_rotation(std::span<Torus> acc, std::span<const std::uint64_t> switched,
                    std::span<const Torus> lut, const FourierBootstrapKey& bsk) {
  const std::size_t n = bsk.input_dimension().value();
  const std::size_t big_n = bsk.polynomial_size().value();
  const std::size_t k = bsk.glwe_dimension().value();
  require_equal(switched.size(), n + 1, "blind_rotate", "switched ciphertext n+1",
                "bootstrap key n+1");
  require_equal(lut.size(), big_n, "blind_rotate", "test polynomial size", "bootstrap key N");
  require_equal(acc.size(), (k + 1) * big_n, "blind_rotate", "accumulator size", "(k+1)·N");
  const std::size_t two_n = 2 * big_n;
  std::fill(acc.begin(), acc.end() - static_cast<std::ptrdiff_t>(big_n), Torus{0});
  // X^{−b̃} = X^{2N − b̃}.
  rotate_polynomial(acc.subspan(k * big_n, big_n), lut, (two_n - switched[n]) % two_n);
}

}  // namespace

void blind_rotate(std::span<Torus> acc, std::span<const std::uint64_t> switched,
                  std::span<const Torus> lut, const FourierBootstrapKey& bsk,
                  const NegacyclicFft& fft, Scratch& scratch) {
  start_rotation(acc, switched, lut, bsk);
  const std::size_t n = bsk.input_dimension().value();
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
  return scratch_bytes<std::uint64_t>(bsk.input_dimension().value() + 1) +
         scratch_bytes<Torus>(polys * bsk.polynomial_size().value()) +
         blind_rotate_scratch_size(bsk.glwe_dimension(), bsk.polynomial_size(),
                                   bsk.decomposition().levels);
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
  auto switched = scratch.take<std::uint64_t>(in.size());
  auto acc = scratch.take<Torus>(polys * big_n);
  const auto log2_two_n = static_cast<unsigned>(std::countr_zero(big_n)) + 1;
  const auto log2_f = static_cast<unsigned>(std::countr_zero(lut.lut_count()));
  modulus_switch_lwe(switched, in, log2_two_n, log2_f, kind);
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
