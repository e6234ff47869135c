// External product GGSW ⊡ GLWE and CMUX, in the Fourier domain.
#pragma once

#include <span>

#include "core/entities/ggsw_ciphertext.hpp"
#include "core/scratch.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe {

std::size_t external_product_scratch_size(GlweDimension k, PolynomialSize n,
                                          DecompositionLevelCount levels);

// out += ggsw ⊡ in, where out and in are GLWE ciphertexts laid out as (k+1)·N coefficients.
// Each of the k+1 input polynomials is decomposed into l digit polynomials; every digit
// polynomial is transformed once and multiplied into the k+1 accumulators against the
// matching GGSW row, and the accumulators are transformed back and added to out.
void external_product_add(std::span<Torus> out, const FourierGgswView& ggsw,
                          std::span<const Torus> in, const NegacyclicFft& fft, Scratch& scratch);

std::size_t cmux_scratch_size(GlweDimension k, PolynomialSize n, DecompositionLevelCount levels);

// acc ← acc + ggsw ⊡ (X^rotation·acc − acc): X^rotation·acc when ggsw encrypts 1, acc when it
// encrypts 0. rotation in [0, 2N).
void cmux_rotate(std::span<Torus> acc, const FourierGgswView& ggsw, std::size_t rotation,
                 const NegacyclicFft& fft, Scratch& scratch);

// acc ← acc + ggsw ⊡ (other − acc): the general CMUX (ggsw ? other : acc).
void cmux(std::span<Torus> acc, std::span<const Torus> other, const FourierGgswView& ggsw,
          const NegacyclicFft& fft, Scratch& scratch);

}  // namespace lutfhe
