#include "core/bootstrap_key_generation.hpp"

#include "core/errors.hpp"
#include "core/ggsw.hpp"

namespace lutfhe {

void generate_bootstrap_key(LweBootstrapKey& out, const LweSecretKey& input_key,
                            const GlweSecretKey& glwe_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng, const ProgressCallback& progress) {
  const std::size_t n = out.input_dimension().value();
  require_equal(n, input_key.dimension().value(), "generate_bootstrap_key", "key n", "input key n");
  require_equal(out.glwe_dimension().value(), glwe_key.glwe_dimension().value(),
                "generate_bootstrap_key", "key k", "GLWE key k");
  require_equal(out.polynomial_size().value(), glwe_key.polynomial_size().value(),
                "generate_bootstrap_key", "key N", "GLWE key N");
  const auto bits = input_key.bits();
  for (std::size_t i = 0; i < n; ++i) {
    encrypt_ggsw(out.ggsw(i), static_cast<std::int64_t>(bits[i]), glwe_key, noise, rng);
    if (progress) progress(i + 1, n);
  }
}

}  // namespace lutfhe
