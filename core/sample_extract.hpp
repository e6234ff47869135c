// Sample extraction: the LWE encryption of one coefficient of a GLWE plaintext.
#pragma once

#include <span>

#include "core/entities/glwe_ciphertext.hpp"
#include "core/entities/lwe_ciphertext.hpp"

namespace lutfhe {

// out (dimension k·N, under the flattened GLWE key) encrypts coefficient h of the GLWE
// (given as (k+1)·N coefficients, polynomials of size n).
void sample_extract(std::span<Torus> out, std::span<const Torus> glwe, PolynomialSize n,
                    std::size_t h);
void sample_extract(LweCiphertext& out, const GlweCiphertext& glwe, std::size_t h);

}  // namespace lutfhe
