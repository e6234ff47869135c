#include "core/bootstrap_key_generation.hpp"

#include "core/errors.hpp"
#include "core/ggsw.hpp"

namespace lutfhe {

std::vector<std::int64_t> bootstrap_key_messages(std::span<const Torus> bits, unsigned grouping) {
  if (grouping < 1 || grouping > kMaxGrouping || bits.size() % grouping != 0) {
    throw InvalidArgument("bootstrap key: grouping factor " + std::to_string(grouping) +
                          " does not divide n=" + std::to_string(bits.size()));
  }
  if (grouping == 1) return {bits.begin(), bits.end()};
  const std::size_t patterns = ggsws_per_group(grouping);
  std::vector<std::int64_t> out;
  out.reserve(bits.size() / grouping * patterns);
  for (std::size_t first = 0; first < bits.size(); first += grouping) {
    for (std::size_t pattern = 0; pattern < patterns; ++pattern) {
      std::int64_t indicator = 1;
      for (std::size_t j = 0; j < grouping; ++j) {
        const auto bit = static_cast<std::int64_t>(bits[first + j]);
        indicator *= ((pattern >> j) & 1U) != 0 ? bit : 1 - bit;
      }
      out.push_back(indicator);
    }
  }
  return out;
}

void generate_bootstrap_key(LweBootstrapKey& out, const LweSecretKey& input_key,
                            const GlweSecretKey& glwe_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng, const ProgressCallback& progress) {
  const std::size_t n = out.input_dimension().value();
  require_equal(n, input_key.dimension().value(), "generate_bootstrap_key", "key n", "input key n");
  require_equal(out.glwe_dimension().value(), glwe_key.glwe_dimension().value(),
                "generate_bootstrap_key", "key k", "GLWE key k");
  require_equal(out.polynomial_size().value(), glwe_key.polynomial_size().value(),
                "generate_bootstrap_key", "key N", "GLWE key N");
  const std::vector<std::int64_t> messages =
      bootstrap_key_messages(input_key.bits(), out.grouping());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    encrypt_ggsw(out.ggsw(i), messages[i], glwe_key, noise, rng);
    if (progress) progress(i + 1, messages.size());
  }
}

}  // namespace lutfhe
